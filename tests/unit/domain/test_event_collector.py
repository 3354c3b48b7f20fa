"""How waiting counts travel (issue 17): in the ticket event that changed them, one message per
change to every board and kiosk of the center; on their own only when no ticket event carries them."""
from __future__ import annotations

from server.domain.events import DomainEvent, EventCollector, center_room, counter_room, ticket_room


def ticket(name: str, center_id: int = 1, **payload) -> DomainEvent:
    rooms = (center_room(center_id), ticket_room("tok"), counter_room(4))
    return DomainEvent(name, center_id, {"event_id": 7, "ticket": {"id": 3}, **payload}, rooms)


def counts(center_id: int = 1, waiting: int = 2) -> DomainEvent:
    payload = {"center_id": center_id, "services": [{"service_id": 1, "code": "A", "waiting": waiting}]}
    return DomainEvent("queue_counts", center_id, payload, (center_room(center_id),))


def collected(*events: DomainEvent) -> list[DomainEvent]:
    collector = EventCollector()
    for event in events:
        collector.add(event)
    sent: list[DomainEvent] = []
    collector.flush(sent.append)
    return sent


def test_counts_after_a_ticket_event_of_their_center_ride_in_it():
    [called] = collected(ticket("ticket_called", number="A001"), counts(waiting=5))
    assert called.name == "ticket_called" and called.payload["number"] == "A001"
    assert called.payload["counts"] == counts(waiting=5).payload
    assert called.rooms == ticket("ticket_called").rooms  # the same audience as before: no room gained or lost


def test_each_ticket_event_of_a_unit_carries_its_own_counts():
    sent = collected(ticket("ticket_cancelled"), counts(waiting=3), ticket("ticket_cancelled"), counts(waiting=2))
    assert [e.name for e in sent] == ["ticket_cancelled", "ticket_cancelled"]
    assert [e.payload["counts"]["services"][0]["waiting"] for e in sent] == [3, 2]


def test_counts_fold_into_the_ticket_event_right_before_them_only():
    finished, called = collected(ticket("ticket_finished"), ticket("ticket_called"), counts())
    assert "counts" not in finished.payload and "counts" in called.payload


def test_counts_stay_their_own_event_with_no_ticket_event_before_them():
    counter = DomainEvent("counter_changed", 1, {"counter": {"id": 4}}, (center_room(1), counter_room(4)))
    assert [e.name for e in collected(counter, counts())] == ["counter_changed", "queue_counts"]
    assert [e.name for e in collected(counts())] == ["queue_counts"]


def test_counts_of_another_center_or_a_second_time_are_not_folded():
    assert [e.name for e in collected(ticket("ticket_issued", center_id=2), counts(center_id=1))] == [
        "ticket_issued", "queue_counts"]
    sent = collected(ticket("ticket_issued"), counts(waiting=1), counts(waiting=9))
    assert [e.name for e in sent] == ["ticket_issued", "queue_counts"]
    assert sent[0].payload["counts"]["services"][0]["waiting"] == 1


def test_a_ticket_event_that_misses_the_centers_room_does_not_carry_its_counts():
    phone_only = DomainEvent("ticket_called", 1, {"ticket": {"id": 3}}, (ticket_room("tok"),))
    assert [e.name for e in collected(phone_only, counts())] == ["ticket_called", "queue_counts"]
