"""The queue engine, as a specification of a ticket's life."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.models import Center, Service, TicketEvent
from tests.support.demo import center_id, counter_id, service_id, update


def issue(queue, ids, service="justice", **kw):
    return queue.issue_ticket(ids["center"], ids[service], **kw)


def events_of(db, ticket_id):
    with db.read() as s:
        return [
            (e.action, e.from_state, e.to_state)
            for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))
        ]


# ----------------------------------------------------------------- numbering
def test_numbers_follow_the_services_range_and_count_up(queue, ids):
    assert issue(queue, ids)["number"] == "1001"
    assert issue(queue, ids)["number"] == "1002"
    assert issue(queue, ids, "land")["number"] == "2001"


def test_prefixed_service_pads_the_number(queue, ids, db):
    update(db, Service, ids["land"], ticket_prefix="B", number_start=1, number_digits=3)
    assert [issue(queue, ids, "land")["number"] for _ in range(2)] == ["B001", "B002"]


def test_numbering_restarts_at_local_midnight_not_utc_midnight(queue, ids, clock):
    clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))  # 23:30 in Hà Nội
    assert issue(queue, ids)["number"] == "1001"
    assert issue(queue, ids)["number"] == "1002"
    clock.set(datetime(2026, 11, 23, 17, 1, tzinfo=UTC))  # 00:01 next local day
    assert issue(queue, ids)["number"] == "1001"


def test_each_ticket_gets_an_unguessable_token(queue, ids):
    tokens = {issue(queue, ids)["token"] for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 20 for t in tokens)


def test_unknown_service_is_refused(queue, ids):
    with pytest.raises(DomainError) as err:
        queue.issue_ticket(ids["center"], 9999)
    assert err.value.code == "unknown_service" and err.value.status == 404


def test_priority_refused_where_the_service_does_not_allow_it(queue, ids, db):
    update(db, Service, ids["land"], priority_allowed=False)
    with pytest.raises(DomainError) as err:
        issue(queue, ids, "land", priority="elderly")
    assert err.value.code == "priority_disabled"


def test_unknown_priority_category_is_refused(queue, ids):
    with pytest.raises(DomainError) as err:
        issue(queue, ids, priority="vip")
    assert err.value.code == "invalid_priority"


# --------------------------------------------------------------- transitions
def test_full_life_waiting_called_serving_done_is_logged(queue, ids, db):
    ticket = issue(queue, ids)
    assert queue.call_next(ids["c1"], actor="user:1").ticket["state"] == "called"
    assert queue.start(ids["c1"]).ticket["state"] == "serving"
    done = queue.finish(ids["c1"]).ticket
    assert done["state"] == "done" and done["finished_at"]
    assert events_of(db, ticket["id"]) == [
        ("issue", None, "waiting"),
        ("call", "waiting", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]


def test_call_next_takes_the_oldest_waiting_ticket_of_the_counters_services(queue, ids):
    first = issue(queue, ids)
    issue(queue, ids, "land")
    issue(queue, ids)
    assert queue.call_next(ids["c1"]).ticket["id"] == first["id"]


def test_call_next_with_nobody_waiting_returns_nothing(queue, ids):
    issue(queue, ids, "land")
    assert queue.call_next(ids["c1"]).ticket is None


def test_next_while_serving_is_refused_unless_center_allows_auto_finish(queue, ids, db):
    issue(queue, ids)
    second = issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.call_next(ids["c1"])
    assert err.value.code == "counter_busy"
    update(db, Center, ids["center"], auto_finish_on_next=True)
    result = queue.call_next(ids["c1"])
    assert result.finished["state"] == "done"
    assert result.ticket["id"] == second["id"]


def test_recall_repeats_the_call_without_touching_the_queue(queue, ids, published):
    issue(queue, ids)
    waiting = issue(queue, ids)
    queue.call_next(ids["c1"])
    published.clear()
    recalled = queue.recall(ids["c1"]).ticket
    assert recalled["recall_count"] == 1 and recalled["state"] == "called"
    calls = [e for e in published if e.name == "ticket_called"]
    assert len(calls) == 1 and calls[0].payload["kind"] == "recall"
    assert queue.ticket_by_token(waiting["token"])["state"] == "waiting"


def test_no_show_after_recalls(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.recall(ids["c1"])
    assert queue.no_show(ids["c1"]).ticket["state"] == "no_show"


def test_no_show_of_a_serving_ticket_is_refused(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.start(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.no_show(ids["c1"])
    assert err.value.code == "invalid_transition"
    assert "đang được phục vụ" in err.value.message_vi


def test_start_twice_is_refused(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.start(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.start(ids["c1"])
    assert err.value.code == "invalid_transition"


def test_actions_without_a_current_ticket_are_refused(queue, ids):
    for action in (queue.recall, queue.start, queue.finish, queue.no_show):
        with pytest.raises(DomainError) as err:
            action(ids["c1"])
        assert err.value.code == "no_current_ticket"


def test_finish_straight_from_called_records_a_start(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    done = queue.finish(ids["c1"]).ticket
    assert done["state"] == "done" and done["started_at"] == done["finished_at"]


def test_cancel_a_waiting_ticket_but_not_a_finished_one(queue, ids):
    ticket = issue(queue, ids)
    assert queue.cancel(ticket["id"]).ticket["state"] == "cancelled"
    done = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.finish(ids["c1"])
    with pytest.raises(DomainError):
        queue.cancel(done["id"])


def test_transfer_to_another_service_keeps_the_place_by_issue_time(queue, ids, clock):
    moved = issue(queue, ids)  # 09:00 justice
    clock.advance(minutes=5)
    land_first = issue(queue, ids, "land")  # 09:05 land
    queue.call_next(ids["c1"])
    assert queue.transfer(counter_id=ids["c1"], to_service_id=ids["land"], note="Hồ sơ đất").ticket["state"] == "waiting"
    # The land counter calls the transferred ticket first: it was issued earlier.
    assert queue.call_next(ids["c3"]).ticket["id"] == moved["id"]
    queue.finish(ids["c3"])
    assert queue.call_next(ids["c3"]).ticket["id"] == land_first["id"]


def test_transfer_goes_to_the_back_when_the_center_says_so(queue, ids, clock, db):
    update(db, Center, ids["center"], transfer_keeps_place=False)
    moved = issue(queue, ids)
    clock.advance(minutes=5)
    land_first = issue(queue, ids, "land")
    queue.call_next(ids["c1"])
    clock.advance(minutes=1)
    queue.transfer(counter_id=ids["c1"], to_service_id=ids["land"])
    assert queue.call_next(ids["c3"]).ticket["id"] == land_first["id"]
    queue.finish(ids["c3"])
    assert queue.call_next(ids["c3"]).ticket["id"] == moved["id"]


def test_transfer_to_a_counter_is_called_only_by_that_counter(queue, ids):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.transfer(counter_id=ids["c1"], to_counter_id=ids["c2"])
    assert queue.call_next(ids["c1"]).ticket is None
    assert queue.call_next(ids["c2"]).ticket["id"] == ticket["id"]


def test_transfer_needs_exactly_one_target(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.transfer(counter_id=ids["c1"], to_service_id=ids["land"], to_counter_id=ids["c2"])
    assert err.value.code == "invalid_transfer_target"


def test_a_finished_ticket_cannot_be_transferred(queue, ids):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.finish(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.transfer(ticket_id=ticket["id"], to_service_id=ids["land"])
    assert err.value.code == "invalid_transition"


# ------------------------------------------------------------------ priority
def test_priority_tickets_go_first_but_at_most_n_in_a_row(queue, ids, db, clock):
    update(db, Center, ids["center"], max_priority_streak=2)
    regular = [issue(queue, ids) for _ in range(3)]
    clock.advance(minutes=1)
    priority = [issue(queue, ids, priority="elderly") for _ in range(4)]
    order = []
    for _ in range(7):
        order.append(queue.call_next(ids["c1"]).ticket["id"])
        queue.finish(ids["c1"])
    p, r = [t["id"] for t in priority], [t["id"] for t in regular]
    assert order == [p[0], p[1], r[0], p[2], p[3], r[1], r[2]]


def test_priority_is_ignored_when_the_center_switches_it_off(queue, ids, db):
    first = issue(queue, ids)
    issue(queue, ids, priority="pregnant")
    update(db, Center, ids["center"], priority_enabled=False)
    assert queue.call_next(ids["c1"]).ticket["id"] == first["id"]


def test_yesterdays_tickets_are_not_called_today(queue, ids, clock):
    issue(queue, ids)
    clock.advance(days=1)
    assert queue.call_next(ids["c1"]).ticket is None


# ------------------------------------------------------------ estimated wait
def test_cold_start_wait_uses_the_centers_default_service_time(queue, ids):
    for _ in range(4):
        issue(queue, ids)
    fifth = issue(queue, ids)
    # 4 ahead × 8 min ÷ 2 open counters serving Tư pháp.
    assert fifth["people_ahead"] == 4
    assert fifth["estimated_wait_minutes"] == 16


def test_wait_uses_recent_mean_service_time(queue, ids, clock):
    for minutes in (4, 6):
        issue(queue, ids)
        queue.call_next(ids["c1"])
        clock.advance(minutes=minutes)
        queue.finish(ids["c1"])
    for _ in range(3):
        issue(queue, ids)
    ticket = issue(queue, ids)
    assert ticket["people_ahead"] == 3
    assert ticket["estimated_wait_minutes"] == 8  # 3 × 5 min ÷ 2 counters = 7.5 → 8


def test_wait_counts_only_open_counters(queue, ids):
    queue.set_counter_open(ids["c2"], False)
    for _ in range(2):
        issue(queue, ids)
    assert issue(queue, ids)["estimated_wait_minutes"] == 16


def test_priority_ticket_sees_only_priority_tickets_ahead(queue, ids):
    for _ in range(3):
        issue(queue, ids)
    assert issue(queue, ids, priority="disabled")["people_ahead"] == 0


# -------------------------------------------------------------------- events
def test_events_are_published_after_commit_with_increasing_ids(queue, ids, published):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    names = [e.name for e in published]
    assert names == ["ticket_issued", "ticket_called"]  # the waiting counts ride in each (issue 17)
    assert [s["waiting"] for s in published[0].payload["counts"]["services"] if s["service_id"] == ids["justice"]] == [1]
    called = published[1]
    assert [s["waiting"] for s in called.payload["counts"]["services"] if s["service_id"] == ids["justice"]] == [0]
    assert called.payload["counter"]["number"] == 1
    assert called.payload["number"] == "1001"
    assert called.payload["event_id"] > published[0].payload["event_id"]
    assert f"center:{ids['center']}" in called.rooms


def test_a_refused_action_publishes_nothing(queue, ids, published):
    with pytest.raises(DomainError):
        queue.recall(ids["c1"])
    assert published == []


def test_snapshot_shows_waiting_counts_counters_and_recent_calls(queue, ids):
    issue(queue, ids)
    issue(queue, ids)
    queue.call_next(ids["c1"])
    snap = queue.center_snapshot(ids["center"])
    justice = next(s for s in snap["services"] if s["id"] == ids["justice"])
    assert justice["waiting"] == 1
    counter1 = next(c for c in snap["counters"] if c["id"] == ids["c1"])
    assert counter1["current"]["number"] == "1001"
    assert snap["recent_calls"][0]["number"] == "1001" and snap["recent_calls"][0]["counter_number"] == 1
    assert snap["last_event_id"] > 0


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, db):
    """The SQLite test database, or a fresh PostgreSQL one over a real connection."""
    if request.param == "sqlite":
        yield db
        return
    from tests.support.demo import make_db

    pg = make_db(request.getfixturevalue("pg_url"))
    yield pg
    pg.dispose()


def test_a_result_pickup_is_called_by_its_ticket_number_with_its_dossier_code_in_the_snapshot(any_db, clock):
    """Boards and counter screens rebuild from the snapshot: it says which call is a pickup (announced
    by the pickup ticket's own number) and which dossier it is for, on both databases."""
    published: list = []
    queue = QueueService(any_db, clock, publish=published.append)
    code = "000.00.12.H26-261123-0001"
    ticket = queue.issue_ticket(center_id(any_db), service_id(any_db, "NKQ"), dossier_code=code)
    walk_in = queue.issue_ticket(center_id(any_db), service_id(any_db, "NKQ"))  # no dossier: an ordinary call
    queue.call_next(counter_id(any_db, 7))
    snap = queue.center_snapshot(center_id(any_db))
    call = snap["recent_calls"][0]
    assert call["number"] == ticket["number"] == "8001"
    assert call["announcement"] == "pickup" and call["dossier_code"] == code
    counter7 = next(c for c in snap["counters"] if c["number"] == 7)
    assert counter7["current"]["number"] == "8001" and counter7["current"]["dossier_code"] == code
    called = [e.payload for e in published if e.name == "ticket_called"][-1]
    assert called["announcement"] == "pickup" and called["number"] == "8001"

    queue.start(counter_id(any_db, 7))
    queue.finish(counter_id(any_db, 7))
    queue.call_next(counter_id(any_db, 7))
    plain = queue.center_snapshot(center_id(any_db))["recent_calls"][0]
    assert plain["number"] == walk_in["number"] and plain["announcement"] == "call" and plain["dossier_code"] is None
