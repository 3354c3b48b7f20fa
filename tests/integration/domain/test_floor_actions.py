"""The clerk's floor actions: call a chosen ticket with a reason, park a ticket and recall it from
the parked list, pause a counter with a reason.

Each is a rule of the queue engine (one place), logged (TicketEvent, CounterEvent), pushed to the
screens as an event, and counted in the reports."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.domain import console, kiosk, seats
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.domain.reports.live import live_dashboard
from server.domain.reports.periods import Period
from server.domain.reports.queue import ticket_report
from server.models import Center, Counter, CounterEvent, TicketEvent, TicketState, User
from tests.support.demo import MONDAY_9AM, center_id, counter_id, make_db, service_id, update


def issue(queue: QueueService, ids, service="justice", **kw):
    return queue.issue_ticket(ids["center"], ids[service], **kw)


def log_of(db, ticket_id) -> list[TicketEvent]:
    with db.read() as s:
        return list(s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)))


def counter_log(db, counter_id) -> list[tuple[str, str, int | None]]:
    with db.read() as s:
        rows = s.scalars(select(CounterEvent).where(CounterEvent.counter_id == counter_id).order_by(CounterEvent.id))
        return [(r.action, r.reason, r.user_id) for r in rows]


def names(published) -> list[str]:
    return [e.name for e in published]


def detached_user(db, username) -> User:
    with db.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        s.expunge(user)
        return user


# ------------------------------------------------------------------ call a chosen ticket
def test_a_clerk_calls_a_chosen_ticket_out_of_order_and_the_reason_is_logged(queue, ids, db, published):
    first, _second, third = issue(queue, ids), issue(queue, ids), issue(queue, ids)
    result = queue.call_chosen(ids["c1"], third["id"], "elderly", actor="user:1:clerk")
    assert result.ticket["number"] == third["number"] and result.ticket["state"] == "called"
    assert result.ticket["counter"]["number"] == 1
    call = log_of(db, third["id"])[-1]
    assert call.action == "call_chosen" and call.data == {"reason": "elderly", "note": ""}
    called = [e for e in published if e.name == "ticket_called"][-1]
    assert called.payload["kind"] == "call" and called.payload["number"] == third["number"]
    # The skipped ones keep their place: call-next takes the first next.
    queue.finish(ids["c1"])
    assert queue.call_next(ids["c1"]).ticket["id"] == first["id"]


def test_a_chosen_call_needs_a_known_reason_and_other_needs_words(queue, ids):
    ticket = issue(queue, ids)
    for reason, note, code in (("", "", "invalid_reason"), ("because", "", "invalid_reason"), ("other", "  ", "reason_required"),
                               ("other", "x" * 201, "reason_too_long")):
        with pytest.raises(DomainError) as err:
            queue.call_chosen(ids["c1"], ticket["id"], reason, note=note)
        assert err.value.code == code and err.value.status == 400
    assert queue.call_chosen(ids["c1"], ticket["id"], "other", note="Công dân có hẹn với lãnh đạo").ticket["state"] == "called"


def test_a_chosen_call_takes_only_a_ticket_of_this_counters_waiting_list(queue, ids):
    land = issue(queue, ids, "land")  # counter 1 serves justice only
    with pytest.raises(DomainError) as err:
        queue.call_chosen(ids["c1"], land["id"], "quick")
    assert err.value.code == "not_in_waiting_list" and err.value.status == 409
    assert "không còn trong danh sách chờ của quầy 1" in err.value.message_vi
    justice = issue(queue, ids)
    queue.call_chosen(ids["c2"], justice["id"], "quick")
    with pytest.raises(DomainError) as again:  # already called at counter 2: never to two counters
        queue.call_chosen(ids["c1"], justice["id"], "quick")
    assert again.value.code == "not_in_waiting_list"
    with pytest.raises(DomainError) as unknown:
        queue.call_chosen(ids["c1"], 999_999, "quick")
    assert unknown.value.status == 404


def test_a_chosen_call_refuses_while_the_counter_serves_someone_unless_the_center_finishes_it(queue, ids, db):
    a, b = issue(queue, ids), issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.call_chosen(ids["c1"], b["id"], "quick")
    assert err.value.code == "counter_busy"
    update(db, Center, ids["center"], auto_finish_on_next=True)
    result = queue.call_chosen(ids["c1"], b["id"], "quick")
    assert result.finished["id"] == a["id"] and result.finished["state"] == "done"


# ------------------------------------------------------------------ park and recall
def test_parking_frees_the_counter_and_the_ticket_shows_in_the_parked_list(queue, ids, db, clock, published):
    ticket = issue(queue, ids)
    issue(queue, ids)
    queue.call_next(ids["c1"])
    parked = queue.park(ids["c1"], reason="Thiếu bản sao CCCD", actor="user:1:clerk").ticket
    assert parked["state"] == "parked" and parked["parked_at"] and parked["counter"]["number"] == 1
    assert queue.counter_view(ids["c1"])["current"] is None
    assert "ticket_parked" in names(published)
    assert log_of(db, ticket["id"])[-1].action == "park" and log_of(db, ticket["id"])[-1].data == {"reason": "Thiếu bản sao CCCD"}
    # The counter calls the next citizen meanwhile.
    assert queue.call_next(ids["c1"]).ticket["number"] != ticket["number"]
    listed = console.parked_list(db, clock, ids["c1"])["tickets"]
    assert [t["number"] for t in listed] == [ticket["number"]] and listed[0]["here"] is True
    # Counter 2 serves the same field: its clerk may recall it too (counter 1's clerk may have left).
    assert [t["id"] for t in console.parked_list(db, clock, ids["c2"])["tickets"]] == [ticket["id"]]
    assert console.parked_list(db, clock, ids["c3"])["tickets"] == []
    # A parked ticket is not waiting: nobody calls it by call-next, and its phone page says so.
    assert ticket["id"] not in [t["id"] for t in console.waiting_list(db, clock, ids["c1"])["tickets"]]
    assert queue.ticket_by_token(ticket["token"])["state"] == "parked"


def test_a_parked_ticket_is_recalled_to_this_counter_and_announced_like_a_call(queue, ids, db, clock, published):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.park(ids["c1"])
    clock.advance(minutes=12)
    result = queue.recall_parked(ids["c2"], ticket["id"], actor="user:2:clerk")
    assert result.ticket["state"] == "called" and result.ticket["counter"]["number"] == 2
    assert result.ticket["parked_at"] is None
    recall = log_of(db, ticket["id"])[-1]
    assert recall.action == "recall_parked" and recall.data == {"parked_seconds": 720}
    called = [e for e in published if e.name == "ticket_called"][-1]
    assert called.payload["number"] == ticket["number"] and called.payload["announcement"] == "call"
    assert console.parked_list(db, clock, ids["c1"])["tickets"] == []
    # The board's snapshot lists it among the day's calls, as a call.
    recent = queue.center_snapshot(ids["center"])["recent_calls"]
    assert recent[0]["number"] == ticket["number"] and recent[0]["kind"] == "call"


def test_recall_takes_only_a_ticket_of_this_counters_parked_list(queue, ids):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as not_parked:
        queue.recall_parked(ids["c1"], ticket["id"])
    assert not_parked.value.code == "invalid_transition" and "đã được gọi" in not_parked.value.message_vi
    queue.park(ids["c1"])
    with pytest.raises(DomainError) as elsewhere:
        queue.recall_parked(ids["c3"], ticket["id"])  # counter 3 serves land, not justice
    assert elsewhere.value.code == "not_in_parked_list" and elsewhere.value.status == 409


def test_park_needs_a_ticket_at_the_counter_and_a_short_reason(queue, ids):
    with pytest.raises(DomainError) as none:
        queue.park(ids["c1"])
    assert none.value.code == "no_current_ticket"
    issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as long:
        queue.park(ids["c1"], reason="x" * 201)
    assert long.value.code == "reason_too_long" and long.value.status == 400


def test_a_parked_ticket_may_be_cancelled_by_the_clerk_with_a_reason(queue, ids, db):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.park(ids["c1"])
    with pytest.raises(DomainError) as no_reason:
        queue.cancel_parked(ids["c1"], ticket["id"], reason=" ")
    assert no_reason.value.code == "reason_required"
    result = queue.cancel_parked(ids["c1"], ticket["id"], reason="Công dân báo không quay lại", actor="user:1:clerk")
    assert result.ticket["state"] == "cancelled"
    assert log_of(db, ticket["id"])[-1].data == {"reason": "Công dân báo không quay lại"}


def test_closing_the_counter_leaves_parked_tickets_parked_and_the_day_report_counts_them(queue, ids, db, clock):
    kept, recalled = issue(queue, ids), issue(queue, ids)
    for _ in range(2):
        queue.call_next(ids["c1"])
        queue.park(ids["c1"])
    queue.recall_parked(ids["c1"], recalled["id"])
    queue.finish(ids["c1"])
    queue.set_counter_open(ids["c1"], False)
    assert queue.ticket_by_token(kept["token"])["state"] == TicketState.PARKED  # never silently lost
    with db.read() as s:
        report = ticket_report(s, ids["center"], Period.of("day", MONDAY_9AM.date()), clock.now() + timedelta(hours=10))
    tables = {t["key"]: t for t in report["tables"]}
    summary = {r["metric"]: r["value"] for r in tables["summary"]["rows"]}
    assert (summary["parked_open"], summary["parks"], summary["chosen_calls"]) == (1, 2, 0)
    by_service = {r["service_code"]: r for r in tables["by_service"]["rows"]}
    assert by_service["TPHT"]["parked_open"] == 1
    assert "parked_open" in [c["key"] for c in tables["by_service"]["columns"]]


def test_the_report_counts_the_wait_up_to_a_chosen_call_and_the_service_from_a_recall(queue, ids, db, clock):
    issue(queue, ids)
    chosen = issue(queue, ids)
    clock.advance(minutes=10)
    queue.call_chosen(ids["c1"], chosen["id"], "quick")
    queue.park(ids["c1"])
    clock.advance(minutes=30)  # fetching the paper: neither wait nor service
    queue.recall_parked(ids["c1"], chosen["id"])
    clock.advance(minutes=4)
    queue.finish(ids["c1"])
    with db.read() as s:
        report = ticket_report(s, ids["center"], Period.of("day", MONDAY_9AM.date()), clock.now())
    summary = {r["metric"]: r["value"] for r in next(t for t in report["tables"] if t["key"] == "summary")["rows"]}
    assert (summary["served"], summary["wait_mean"], summary["service_mean"], summary["parked_open"]) == (1, 10, 4, 0)
    assert (summary["chosen_calls"], summary["parks"]) == (1, 1)  # the out-of-order call and the park are counted


# ------------------------------------------------------------------ pause a counter
def test_a_paused_counter_refuses_call_next_with_a_clear_bilingual_message(queue, ids, published):
    issue(queue, ids)
    brief = queue.pause_counter(ids["c1"], "break", actor="user:1:clerk")
    assert brief["paused"] is True and brief["pause_reason"] == "Nghỉ giải lao"
    changed = [e for e in published if e.name == "counter_changed"][-1]
    assert changed.payload["counter"]["paused"] is True and changed.payload["counter"]["pause_reason"] == "Nghỉ giải lao"
    for action in (lambda: queue.call_next(ids["c1"]), lambda: queue.call_chosen(ids["c1"], 1, "quick")):
        with pytest.raises(DomainError) as err:
            action()
        assert err.value.code == "counter_paused" and err.value.status == 409
        assert "đang tạm dừng (Nghỉ giải lao)" in err.value.message_vi and "paused" in err.value.message_en
    queue.resume_counter(ids["c1"])
    assert queue.call_next(ids["c1"]).ticket is not None


def test_the_supervisors_dashboard_shows_a_paused_counter_and_why(queue, ids, db, clock):
    queue.pause_counter(ids["c1"], "other", note="Tiếp đoàn kiểm tra", actor="user:1:clerk")
    with db.read() as s:
        tiles = {c["id"]: c for c in live_dashboard(s, ids["center"], clock.now())["counters"]}
    assert (tiles[ids["c1"]]["paused"], tiles[ids["c1"]]["pause_reason"]) == (True, "Tiếp đoàn kiểm tra")
    assert tiles[ids["c2"]]["paused"] is False


def test_pause_refuses_while_a_ticket_is_at_the_counter_and_takes_only_known_reasons(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as busy:
        queue.pause_counter(ids["c1"], "meeting")
    assert busy.value.code == "counter_has_ticket" and "trước khi tạm dừng" in busy.value.message_vi
    queue.finish(ids["c1"])
    with pytest.raises(DomainError) as unknown:
        queue.pause_counter(ids["c1"], "lunch")
    assert unknown.value.code == "invalid_reason"
    with pytest.raises(DomainError) as long:
        queue.pause_counter(ids["c1"], "other", note="x" * 41)
    assert long.value.code == "reason_too_long"
    assert queue.pause_counter(ids["c1"], "other", note="Đi lấy con dấu")["pause_reason"] == "Đi lấy con dấu"
    with pytest.raises(DomainError) as twice:
        queue.pause_counter(ids["c1"], "break")
    assert twice.value.code == "counter_paused"
    queue.resume_counter(ids["c1"])
    with pytest.raises(DomainError) as not_paused:
        queue.resume_counter(ids["c1"])
    assert not_paused.value.code == "counter_not_paused"


def test_a_paused_counter_is_left_out_of_the_wait_estimate(queue, ids):
    for _ in range(4):
        issue(queue, ids)
    last = issue(queue, ids)
    assert queue.ticket_by_token(last["token"])["open_counters"] == 2  # counters 1 and 2 serve justice
    before = queue.ticket_by_token(last["token"])["estimated_wait_minutes"]
    queue.pause_counter(ids["c2"], "support")
    after = queue.ticket_by_token(last["token"])
    assert after["open_counters"] == 1 and after["estimated_wait_minutes"] == 2 * before


def test_a_paused_counter_does_not_keep_its_service_open_at_the_kiosk(queue, ids, db, clock):
    queue.set_counter_open(ids["c2"], False)
    with db.read() as s:
        offer = {x["code"]: x for x in kiosk.service_offer(s, ids["center"], clock.now())["services"]}
    assert offer["TPHT"]["available"] is True
    queue.pause_counter(ids["c1"], "meeting")
    with db.read() as s:
        offer = {x["code"]: x for x in kiosk.service_offer(s, ids["center"], clock.now())["services"]}
        serving = kiosk.serving_counters(s, ids["justice"])
    assert offer["TPHT"]["available"] is False and offer["TPHT"]["reason_code"] == "no_open_counter"
    assert serving == 0


def test_the_counter_log_has_open_pause_resume_and_close_with_the_clerk_so_durations_add_up(queue, ids, db, clock):
    user = detached_user(db, "quay1")
    clerk = user.id
    queue.set_counter_open(ids["c1"], False)
    seats.claim_counter(db, queue, ids["c1"], user)
    clock.advance(minutes=30)
    queue.pause_counter(ids["c1"], "break", actor=f"user:{clerk}:quay1")
    clock.advance(minutes=15)
    queue.resume_counter(ids["c1"], actor=f"user:{clerk}:quay1")
    clock.advance(minutes=45)
    queue.pause_counter(ids["c1"], "other", note="Hỗ trợ quầy 3")
    clock.advance(minutes=5)
    seats.release_counter(db, queue, ids["c1"], clerk)  # closing ends the pause in the log too
    assert counter_log(db, ids["c1"])[-6:] == [
        ("open", "", clerk), ("pause", "break", clerk), ("resume", "", clerk), ("pause", "other: Hỗ trợ quầy 3", clerk),
        ("resume", "counter_closed", clerk), ("close", "", clerk),
    ]
    with db.read() as s:
        rows = list(s.scalars(select(CounterEvent).where(CounterEvent.counter_id == ids["c1"]).order_by(CounterEvent.id)))[-6:]
    open_minutes = (rows[-1].at - rows[0].at).total_seconds() / 60
    paused = sum((rows[i + 1].at - rows[i].at).total_seconds() / 60 for i in (1, 3))
    assert (open_minutes, paused) == (95, 20)
    with db.read() as s:
        counter = s.get(Counter, ids["c1"])
        assert counter.paused_at is None and counter.pause_reason == "" and not counter.is_open


def test_a_supervisor_taking_a_counter_over_ends_the_clerks_shift_in_the_log(queue, ids, db):
    clerk, supervisor = detached_user(db, "quay1"), detached_user(db, "giamsat")
    queue.set_counter_open(ids["c1"], False)
    seats.claim_counter(db, queue, ids["c1"], clerk)
    queue.pause_counter(ids["c1"], "break")
    seats.claim_counter(db, queue, ids["c1"], supervisor, force=True)
    assert counter_log(db, ids["c1"])[-4:] == [
        ("pause", "break", clerk.id), ("resume", "counter_closed", clerk.id), ("close", "", clerk.id),
        ("open", "", supervisor.id),
    ]
    # Moving to another counter closes the first one in its log too.
    seats.claim_counter(db, queue, ids["c2"], supervisor, force=True)
    assert counter_log(db, ids["c1"])[-1] == ("close", "", supervisor.id)
    assert counter_log(db, ids["c2"])[-1] == ("open", "", supervisor.id)


def test_a_session_that_ends_closes_the_counter_in_its_log(queue, ids, db, clock):
    user = detached_user(db, "quay1")
    seats.claim_counter(db, queue, ids["c1"], user)
    clock.advance(hours=9)
    assert queue.release_lapsed_holds(timedelta(hours=8)) == [ids["c1"]]
    assert counter_log(db, ids["c1"])[-1] == ("close", "", user.id)


# ------------------------------------------------------------------ PostgreSQL: the row lock of a chosen call
def at_once(action, counters) -> list[str]:
    """Run ``action(counter)`` for each counter in threads released together; each one's outcome
    ("called" or the refusal's code), in the order of ``counters``."""
    outcomes: dict[int, str] = {}
    start = threading.Barrier(len(counters))

    def run(counter: int) -> None:
        start.wait()
        try:
            action(counter)
            outcomes[counter] = "called"
        except DomainError as err:
            outcomes[counter] = err.code

    threads = [threading.Thread(target=run, args=(c,)) for c in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return [outcomes.get(c, "no answer") for c in counters]


@pytest.mark.postgres
def test_on_postgresql_two_counters_choosing_or_recalling_one_ticket_at_once_call_it_once(pg_url):
    database = make_db(pg_url)
    try:
        clock = FixedClock(MONDAY_9AM)
        queue = QueueService(database, clock)
        ticket = queue.issue_ticket(center_id(database), service_id(database, "TPHT"))
        queue.pause_counter(counter_id(database, 2), "break")
        assert queue.ticket_by_token(ticket["token"])["open_counters"] == 1  # the paused one is left out on PostgreSQL too
        queue.resume_counter(counter_id(database, 2))
        c1, c2 = counter_id(database, 1), counter_id(database, 2)
        chosen = at_once(lambda c: queue.call_chosen(c, ticket["id"], "quick"), (c1, c2))
        assert sorted(chosen) == ["called", "not_in_waiting_list"]
        holder = c1 if chosen[0] == "called" else c2
        queue.park(holder)
        recalled = at_once(lambda c: queue.recall_parked(c, ticket["id"]), (c1, c2))
        assert sorted(recalled) == ["called", "not_in_parked_list"]
        with database.read() as s:
            calls = s.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket["id"])).all()
        assert calls.count("call_chosen") == 1 and calls.count("recall_parked") == 1
    finally:
        database.dispose()
