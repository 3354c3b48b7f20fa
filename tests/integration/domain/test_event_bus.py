"""The app's one publisher (server/bootstrap.py): every service publishes to one bus, which
hands each event to its subscribers in the order they were wired — realtime first, then the
announcer — and a failing subscriber never keeps an event from the others."""
from __future__ import annotations

from server.domain.events import DomainEvent, EventBus
from tests.support.demo import counter_id, service_id


def test_every_subscriber_gets_every_event_in_the_order_wired():
    bus, seen = EventBus(), []
    bus.subscribe(lambda e: seen.append(("first", e.name)))
    bus.subscribe(lambda e: seen.append(("second", e.name)))
    bus(DomainEvent("ticket_called", 1, {}))
    bus(DomainEvent("ticket_finished", 1, {}))
    assert seen == [("first", "ticket_called"), ("second", "ticket_called"),
                    ("first", "ticket_finished"), ("second", "ticket_finished")]


def test_a_failing_subscriber_does_not_keep_the_event_from_the_next(caplog):
    bus, seen = EventBus(), []

    def broken(_event: DomainEvent) -> None:
        raise RuntimeError("the broker is down")

    bus.subscribe(broken)
    bus.subscribe(lambda e: seen.append(e.name))
    bus(DomainEvent("ticket_called", 1, {}))
    assert seen == ["ticket_called"]
    assert "ticket_called" in caplog.text


def test_the_app_wires_realtime_then_the_announcer_to_the_services_one_bus(app):
    """No service keeps a publisher of its own, and no blueprint patches one in: the path from
    call-next to the board's voice is the bus, whichever pages the app registers."""
    core = app.extensions["motcua"]
    assert core.queue.publish is core.bus
    assert core.alerts.publish is core.bus
    assert core.admin.publish is core.bus and core.ratings.publish is core.bus
    assert core.dossiers.dossiers.publish is core.bus
    assert core.printing.publish is core.bus
    from server.adapters import realtime

    names = [getattr(s, "__qualname__", "") for s in core.bus.subscribers]
    assert names == ["publish", "CitizenPush.follow", "Announcer.on_event"]
    assert core.bus.subscribers[0] is realtime.publish
    assert core.bus.subscribers[2].__self__ is core.announcer


def test_a_call_reaches_the_announcer_through_the_bus(app, db):
    """The announcer prepares the WAV of every call it hears; with a test synthesizer given it
    hears the call made through the queue service."""
    core = app.extensions["motcua"]
    prepared = []

    class Recorder:
        def prepare(self, segments):
            prepared.append(segments)

            class Done:
                def result(self, timeout=None):
                    return None
            return Done()

    core.announcer.use_synthesizer(Recorder())
    core.queue.set_counter_open(counter_id(db, 1), True)
    core.queue.issue_ticket(1, service_id(db, "TPHT"))
    core.queue.call_next(counter_id(db, 1))
    assert core.announcer.wait_prewarmed()  # prepared by the announcer's worker, off the emit path
    assert core.announcer.prewarmed == 1 and len(prepared) == 1
