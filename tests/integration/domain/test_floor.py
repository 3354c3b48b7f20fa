"""The floor: what "open" means, and leaving a counter without stranding a called citizen.

A counter is open only while a clerk holds it (or a supervisor opened it on purpose). Closing it
(a clerk leaving, a supervisor closing it, a session that ends) with a ticket still called or
served there needs a choice for that ticket: finish it, put it back at the head of its queue, or
transfer it. Never silently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.db import Database
from server.domain import seats
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.models import Counter, TicketEvent, User
from tests.support.demo import MONDAY_9AM, center_id, counter_id, make_db, service_id

EIGHT_HOURS = timedelta(hours=8)


def issue(queue, ids, service="justice", **kw):
    return queue.issue_ticket(ids["center"], ids[service], **kw)


def actions_of(db, ticket_id):
    with db.read() as s:
        return [
            e.action for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))
        ]


def counter_row(db, cid) -> Counter:
    with db.read() as s:
        return s.get(Counter, cid)


def user(db, username) -> User:
    with db.read() as s:
        return s.execute(select(User).where(User.username == username)).scalar_one()


def ticket_state(queue, ticket):
    return queue.ticket_by_token(ticket["token"])


# ------------------------------------------------------------------ leaving with a ticket
def test_closing_a_counter_with_a_called_ticket_is_refused_naming_the_choices(queue, ids, db):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.set_counter_open(ids["c1"], False)
    assert err.value.code == "counter_has_ticket" and err.value.status == 409
    assert "đang gọi số 1001" in err.value.message_vi
    for choice in ("Kết thúc", "Đưa về đầu hàng chờ", "Chuyển"):
        assert choice in err.value.message_vi
    assert err.value.details["choices"] == ["finish", "requeue", "transfer"]
    assert counter_row(db, ids["c1"]).is_open  # nothing changed


def test_closing_with_a_ticket_being_served_names_it_as_served(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.start(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.set_counter_open(ids["c1"], False)
    assert "đang phục vụ số 1001" in err.value.message_vi and "is serving ticket 1001" in err.value.message_en


def test_leave_and_finish_serves_the_ticket_then_closes(queue, ids, db):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    counter = queue.set_counter_open(ids["c1"], False, then="finish")
    assert counter["is_open"] is False and counter["settled"]["state"] == "done"
    assert ticket_state(queue, ticket)["state"] == "done"
    assert actions_of(db, ticket["id"]) == ["issue", "call", "finish"]


def test_leave_and_requeue_puts_the_ticket_at_the_head_of_its_queue(queue, ids, db, clock, published):
    first = issue(queue, ids)
    clock.advance(minutes=1)
    queue.call_next(ids["c1"])
    clock.advance(minutes=1)
    later = [issue(queue, ids) for _ in range(2)]
    published.clear()

    counter = queue.set_counter_open(ids["c1"], False, then="requeue")

    back = ticket_state(queue, first)
    assert counter["is_open"] is False and counter["settled"]["state"] == "waiting"
    assert back["state"] == "waiting" and back["counter"] is None and back["people_ahead"] == 0
    assert ticket_state(queue, later[0])["people_ahead"] == 1  # the returned ticket is ahead of everyone
    assert actions_of(db, first["id"]) == ["issue", "call", "requeue"]  # not a no-show
    # The phone page and boards hear it is waiting again (the event they already treat so).
    moved = next(e for e in published if e.name == "ticket_transferred")
    assert moved.payload["requeued"] is True and moved.payload["ticket"]["state"] == "waiting"
    assert f"ticket:{first['token']}" in moved.rooms
    assert queue.call_next(ids["c2"]).ticket["number"] == "1001"


def test_a_requeued_regular_ticket_goes_before_waiting_priority_tickets(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    priority = issue(queue, ids, priority="elderly")
    queue.set_counter_open(ids["c1"], False, then="requeue")
    assert ticket_state(queue, priority)["people_ahead"] == 1
    assert queue.call_next(ids["c2"]).ticket["number"] == "1001"
    queue.finish(ids["c2"])
    assert queue.call_next(ids["c2"]).ticket["number"] == priority["number"]


def test_called_again_a_requeued_ticket_loses_its_head_place(queue, ids, db):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.set_counter_open(ids["c1"], False, then="requeue")
    queue.call_next(ids["c2"])
    queue.transfer(counter_id=ids["c2"], to_service_id=ids["land"])
    # Transferred on, it waits by its place like any other ticket (no lingering head mark).
    newer = issue(queue, ids, "land")
    assert ticket_state(queue, ticket)["people_ahead"] == 0 and ticket_state(queue, newer)["people_ahead"] == 1
    with db.read() as s:
        from server.models import Ticket

        assert s.get(Ticket, ticket["id"]).at_head is False


def test_leave_and_transfer_sends_the_ticket_on(queue, ids):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    queue.set_counter_open(ids["c1"], False, then="transfer", to_service_id=ids["land"], note="Hỏi về sổ đỏ")
    moved = ticket_state(queue, ticket)
    assert moved["state"] == "waiting" and moved["service"]["code"] == "DD"
    assert queue.call_next(ids["c3"]).ticket["number"] == "1001"


def test_transfer_without_a_target_changes_nothing(queue, ids, db):
    ticket = issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.set_counter_open(ids["c1"], False, then="transfer")
    assert err.value.code == "invalid_transfer_target" and err.value.status == 400
    assert counter_row(db, ids["c1"]).is_open and ticket_state(queue, ticket)["state"] == "called"


def test_an_unknown_choice_is_a_clear_400(queue, ids):
    issue(queue, ids)
    queue.call_next(ids["c1"])
    with pytest.raises(DomainError) as err:
        queue.set_counter_open(ids["c1"], False, then="vanish")
    assert err.value.code == "invalid_leave_choice" and err.value.status == 400


def test_a_counter_with_nobody_called_closes_without_a_choice(queue, ids, db):
    issue(queue, ids)
    assert queue.set_counter_open(ids["c1"], False)["is_open"] is False
    assert counter_row(db, ids["c1"]).clerk_id is None


# ------------------------------------------------------------------ what "open" means
def test_a_closed_counter_calls_nobody(queue, ids, db):
    issue(queue, ids)
    queue.set_counter_open(ids["c1"], False)
    with pytest.raises(DomainError) as err:
        queue.call_next(ids["c1"])
    assert err.value.code == "counter_closed" and err.value.status == 409 and "Quầy 1 đang đóng" in err.value.message_vi
    assert not counter_row(db, ids["c1"]).is_open  # calling does not open it behind anyone's back


@pytest.fixture
def bare_floor(bare_sqlite_url):
    """The demo center exactly as ``make run`` seeds it: nobody has sat down yet."""
    db = Database(bare_sqlite_url)
    yield db
    db.dispose()


def test_the_demo_seeds_every_counter_closed_with_nobody_at_it(bare_floor):
    with bare_floor.read() as s:
        counters = list(s.scalars(select(Counter)))
    assert len(counters) == 7 and not any(c.is_open for c in counters) and not any(c.clerk_id for c in counters)


def test_a_counter_is_open_while_a_clerk_sits_there_and_closed_when_they_leave(bare_floor):
    queue = QueueService(bare_floor, FixedClock(MONDAY_9AM))
    clerk = user(bare_floor, "quay1")
    c1 = counter_id(bare_floor, 1)
    seats.claim_counter(bare_floor, queue, c1, clerk)
    assert counter_row(bare_floor, c1).is_open and counter_row(bare_floor, c1).clerk_id == clerk.id
    assert seats.release_counter(bare_floor, queue, c1, clerk.id)
    assert not counter_row(bare_floor, c1).is_open and counter_row(bare_floor, c1).clerk_id is None


def test_with_no_open_counter_the_estimate_says_zero_counters(bare_floor):
    queue = QueueService(bare_floor, FixedClock(MONDAY_9AM))
    ticket = queue.issue_ticket(center_id(bare_floor), service_id(bare_floor, "TPHT"))
    assert ticket["open_counters"] == 0
    seats.claim_counter(bare_floor, queue, counter_id(bare_floor, 1), user(bare_floor, "quay1"))
    with bare_floor.read() as s:
        assert QueueService.open_counters_for(s, service_id(bare_floor, "TPHT")) == 1
        assert QueueService.open_counters_for(s, service_id(bare_floor, "DD")) == 0


def test_moving_to_another_counter_with_a_called_ticket_is_refused(bare_floor):
    queue = QueueService(bare_floor, FixedClock(MONDAY_9AM))
    clerk = user(bare_floor, "quay1")
    c1, c2 = counter_id(bare_floor, 1), counter_id(bare_floor, 2)
    seats.claim_counter(bare_floor, queue, c1, clerk)
    queue.issue_ticket(center_id(bare_floor), service_id(bare_floor, "TPHT"))
    queue.call_next(c1)
    with pytest.raises(DomainError) as err:
        seats.claim_counter(bare_floor, queue, c2, clerk)
    assert err.value.code == "counter_has_ticket" and "Quầy 1" in err.value.message_vi
    assert counter_row(bare_floor, c1).clerk_id == clerk.id and not counter_row(bare_floor, c2).is_open


def test_leaving_through_seats_needs_the_same_choice(bare_floor):
    queue = QueueService(bare_floor, FixedClock(MONDAY_9AM))
    clerk = user(bare_floor, "quay1")
    c1 = counter_id(bare_floor, 1)
    seats.claim_counter(bare_floor, queue, c1, clerk)
    queue.issue_ticket(center_id(bare_floor), service_id(bare_floor, "TPHT"))
    queue.call_next(c1)
    with pytest.raises(DomainError):
        seats.release_counter(bare_floor, queue, c1, clerk.id)
    assert seats.release_counter(bare_floor, queue, c1, clerk.id, then="requeue")
    assert not counter_row(bare_floor, c1).is_open


# ------------------------------------------------------------------ a session that ends
def test_a_hold_lapses_with_the_session_and_its_called_ticket_goes_back_to_the_head(bare_floor):
    clock = FixedClock(MONDAY_9AM)
    published = []
    queue = QueueService(bare_floor, clock, publish=published.append)
    c1, c2 = counter_id(bare_floor, 1), counter_id(bare_floor, 2)
    seats.claim_counter(bare_floor, queue, c1, user(bare_floor, "quay1"))
    seats.claim_counter(bare_floor, queue, c2, user(bare_floor, "quay2"))
    ticket = queue.issue_ticket(center_id(bare_floor), service_id(bare_floor, "TPHT"))
    queue.call_next(c1)

    clock.advance(hours=7, minutes=59)
    seats.note_presence(bare_floor, user(bare_floor, "quay2").id, clock.now())  # quay2 is still at work
    assert queue.release_lapsed_holds(EIGHT_HOURS) == []  # not yet
    clock.advance(minutes=2)
    assert queue.release_lapsed_holds(EIGHT_HOURS) == [c1]

    assert not counter_row(bare_floor, c1).is_open and counter_row(bare_floor, c1).clerk_id is None
    assert counter_row(bare_floor, c2).is_open
    back = queue.ticket_by_token(ticket["token"])
    assert back["state"] == "waiting" and back["counter"] is None
    assert "requeue" in actions_of(bare_floor, ticket["id"]) and "no_show" not in actions_of(bare_floor, ticket["id"])
    assert any(e.name == "ticket_transferred" and e.payload.get("requeued") for e in published)
    assert any(e.name == "counter_changed" and e.payload["counter"]["id"] == c1 for e in published)


def test_a_counter_a_supervisor_opened_with_nobody_at_it_does_not_lapse(queue, ids, clock, db):
    clock.advance(hours=9)
    assert queue.release_lapsed_holds(EIGHT_HOURS) == []
    assert counter_row(db, ids["c1"]).is_open


# ------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_requeue_to_the_head_and_leaving_on_postgresql(pg_url):
    db: Database = make_db(pg_url)
    try:
        queue = QueueService(db, FixedClock(MONDAY_9AM))
        center, justice = center_id(db), service_id(db, "TPHT")
        c1, c2 = counter_id(db, 1), counter_id(db, 2)
        first = queue.issue_ticket(center, justice)
        queue.call_next(c1)
        priority = queue.issue_ticket(center, justice, priority="elderly")
        with pytest.raises(DomainError):
            queue.set_counter_open(c1, False)
        queue.set_counter_open(c1, False, then="requeue")
        assert queue.ticket_by_token(priority["token"])["people_ahead"] == 1
        assert queue.call_next(c2).ticket["number"] == first["number"]
        with pytest.raises(DomainError) as err:
            queue.call_next(c1)
        assert err.value.code == "counter_closed"
    finally:
        db.dispose()


# ------------------------------------------------------------------ existing databases
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_upgrading_closes_counters_left_open_with_nobody_at_them(backend, tmp_path, request):
    """Databases seeded before this change had all 7 demo counters open without a clerk ("7/7 open")."""
    from alembic import command
    from sqlalchemy import text

    from server.demo import seed_demo
    from server.schema import alembic_config, upgrade

    url = request.getfixturevalue("pg_url") if backend == "postgres" else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            seed_demo(
                s, password_for=lambda _u: "matkhau-cu-123", open_counters=True, catalogue=False, devices=False
            )  # the old demo
        db.dispose()
        command.downgrade(alembic_config(url), "0006_floor-1")  # the schema before this change
        with db.write() as s:
            s.execute(text("UPDATE counters SET clerk_id = (SELECT id FROM users WHERE username = 'quay1') WHERE number = 1"))
        db.dispose()
        upgrade(url)
        with db.read() as s:
            rows = {c.number: c for c in s.scalars(select(Counter))}
        assert [n for n, c in sorted(rows.items()) if c.is_open] == [1]
        assert rows[1].clerk_seen_at is not None  # its hold lapses 8 h from now unless the clerk shows up
    finally:
        db.dispose()


@pytest.mark.postgres
def test_presence_and_lapsed_holds_on_postgresql(pg_url):
    """Times are compared in the database (presence) and in Python (lapse): both must agree on PostgreSQL."""
    db: Database = make_db(pg_url, open_counters=False)
    try:
        clock = FixedClock(MONDAY_9AM)
        queue = QueueService(db, clock)
        c1, c2 = counter_id(db, 1), counter_id(db, 2)
        seats.claim_counter(db, queue, c1, user(db, "quay1"))
        seats.claim_counter(db, queue, c2, user(db, "quay2"))
        ticket = queue.issue_ticket(center_id(db), service_id(db, "TPHT"))
        queue.call_next(c1)
        clock.advance(minutes=3)
        assert seats.note_presence(db, user(db, "quay2").id, clock.now()) == 0  # fresh enough: no write
        clock.advance(hours=7, minutes=58)
        assert seats.note_presence(db, user(db, "quay2").id, clock.now()) == 1
        clock.advance(minutes=2)
        assert queue.release_lapsed_holds(EIGHT_HOURS) == [c1]
        assert queue.ticket_by_token(ticket["token"])["state"] == "waiting" and counter_row(db, c2).is_open
    finally:
        db.dispose()
