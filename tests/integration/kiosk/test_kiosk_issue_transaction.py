"""Issuing a ticket at a kiosk is ONE write transaction: the opening hours, the open counters
serving the field, the number and the "stop when the wait passes closing" rule are decided
together, so a counter closing, the hours ending or another kiosk issuing at the same instant
can never make the check say yes and the issue happen in a world where the answer is no.

Each race is made to happen, not hoped for: an SQLAlchemy hook runs the other party (a clerk
closing the counter, the clock passing closing time, a second kiosk) exactly between the kiosk's
check and its issue. On SQLite and on PostgreSQL, over real connections."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from server.clock import FixedClock
from server.domain.accounts import register_device
from server.models import Center, Device, Ticket
from tests.support.demo import MONDAY_9AM, make_db, update
from tests.support.settings import make_settings

LAND = 2  # Đất đai: served by counter 3 alone
LAND_COUNTER = 3
HOURS = {d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def at_local(hour: int, minute: int, second: int = 0) -> datetime:
    """Monday 23/11/2026 at this time in Hà Nội (UTC+7), as aware UTC."""
    return datetime(2026, 11, 23, hour - 7, minute, second, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kiosk_app(request, tmp_path: Path) -> Iterator[Any]:
    """The app over the demo center (counters open) on SQLite or PostgreSQL, rate limits off so
    every transaction a request begins is the request's own; ``app.kiosk_token`` is a kiosk's token."""
    from server.app import create_app

    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_url")
        make_db(url).dispose()
    settings = make_settings(database_url=url, instance_path=tmp_path, secret_key="test-secret", rate_limit_enabled=False)
    app = create_app(settings, clock=FixedClock(MONDAY_9AM))
    with app.extensions["motcua"].db.write() as s:
        _device, app.kiosk_token = register_device(s, 1, "kiosk", "Kiosk sảnh")
    yield app
    app.extensions["motcua"].db.dispose()


def issue(client: Any, token: str, service_id: int = 1) -> Any:
    return client.post("/api/v1/kiosk/tickets", json={"service_id": service_id}, headers={"X-Device-Token": token})


def tickets_of(app: Any, service_id: int) -> list[Ticket]:
    with app.extensions["motcua"].db.read() as s:
        return list(s.scalars(select(Ticket).where(Ticket.service_id == service_id).order_by(Ticket.id)))


def after_statement(app: Any, matches: Callable[[str], bool], action: Callable[[], None]) -> Callable[[], None]:
    """Run ``action`` once, in the thread of this test, right after the first statement that
    ``matches`` runs there; returns the function that removes the hook."""
    engine = app.extensions["motcua"].db.engine
    me = threading.get_ident()
    fired = threading.Event()

    def hook(_conn, _cursor, statement, _params, _context, _many) -> None:
        if threading.get_ident() == me and not fired.is_set() and matches(statement):
            fired.set()
            action()

    event.listen(engine, "after_cursor_execute", hook)
    return lambda: event.remove(engine, "after_cursor_execute", hook)


def counts_open_counters(statement: str) -> bool:
    """The kiosk's question "which open counters serve this field?"."""
    return "counter_services" in statement and "is_open" in statement and "GROUP BY" not in statement


# ------------------------------------------------------------------ one transaction
def transactions_of_an_issue(app: Any) -> list[str]:
    """The transactions one kiosk issue begins, in order: ``IMMEDIATE`` for SQLite's write one,
    ``write-or-read`` for any other (and for every one on PostgreSQL)."""
    db = app.extensions["motcua"].db
    begun: list[str] = []

    def on_begin(conn) -> None:
        begun.append(conn.get_execution_options().get("sqlite_begin", "write-or-read"))

    client = app.test_client()
    # The floor's upkeep pass (lapsed counter holds) runs at most once a minute on any request:
    # let an earlier request of this minute take it, as on a busy floor.
    client.get("/api/v1/centers/1/services")
    event.listen(db.engine, "begin", on_begin)
    try:
        response = issue(client, app.kiosk_token)
    finally:
        event.remove(db.engine, "begin", on_begin)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ticket"]["people_ahead"] == 0
    return begun


def test_a_kiosk_issue_decides_in_one_write_transaction_and_counts_the_wait_after_it(kiosk_app):
    db = kiosk_app.extensions["motcua"].db
    begun = transactions_of_an_issue(kiosk_app)
    # device, heartbeat, hours, counters, number: one unit of work; then the wait, which decides
    # nothing here, is counted in a read of its own so the write lock is not held for it.
    assert len(begun) == 2, begun
    if db.is_sqlite:
        assert begun == ["IMMEDIATE", "write-or-read"]  # the write lock from the first statement: nothing decided on a stale read
    with db.read() as s:
        assert s.scalar(select(Device.last_seen_at)) is not None  # the heartbeat rode along in that transaction
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_center_that_stops_on_long_waits_counts_the_wait_inside_the_write_transaction(kiosk_app):
    db = kiosk_app.extensions["motcua"].db
    update(db, Center, 1, settings={"closing_rules": {"stop_when_wait_passes_close": True}})
    begun = transactions_of_an_issue(kiosk_app)
    assert len(begun) == 1, begun  # the wait decides whether the ticket is issued: judged with the number
    if db.is_sqlite:
        assert begun == ["IMMEDIATE"]


def test_a_refused_issue_leaves_no_number_behind(kiosk_app):
    """The wait rule is judged once the number exists (with the wait that ticket shows): a refusal
    rolls the number back, so the next citizen gets the next number, not one after a gap."""
    core = kiosk_app.extensions["motcua"]
    update(core.db, Center, 1, settings={"opening_hours": HOURS, "closing_rules": {"stop_when_wait_passes_close": True}})
    client = kiosk_app.test_client()
    core.clock.set(at_local(16, 40))
    assert issue(client, kiosk_app.kiosk_token, LAND).get_json()["ticket"]["number"] == "2001"
    assert issue(client, kiosk_app.kiosk_token, LAND).get_json()["ticket"]["number"] == "2002"
    core.clock.set(at_local(16, 55))  # 5 minutes left; 2 people ahead × 8 minutes
    refused = issue(client, kiosk_app.kiosk_token, LAND)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "center_closed"
    assert [t.display for t in tickets_of(kiosk_app, LAND)] == ["2001", "2002"]
    elderly = client.post("/api/v1/kiosk/tickets", json={"service_id": LAND, "priority": "elderly"},
                          headers={"X-Device-Token": kiosk_app.kiosk_token})  # nobody ahead of a priority ticket: it fits
    assert elderly.status_code == 201 and elderly.get_json()["ticket"]["number"] == "2003"  # no number lost to the refusal


# ------------------------------------------------------------------ the races of the old code
def at_moment(app: Any, moment: int, action: Callable[[], None]) -> tuple[Callable[[], None], threading.Event]:
    """Run ``action`` once, in this test's thread, just before the ``moment``-th thing the database
    is asked here (1 = the first), counting each transaction's BEGIN and each statement; returns
    the function that removes the hook and an event set when it fired."""
    engine = app.extensions["motcua"].db.engine
    me = threading.get_ident()
    fired = threading.Event()
    seen = [0]

    def tick(*_args: Any) -> None:
        if threading.get_ident() != me or fired.is_set():
            return
        seen[0] += 1
        if seen[0] == moment:
            fired.set()
            action()

    event.listen(engine, "begin", tick, insert=True)  # before our own listener sends BEGIN (IMMEDIATE)
    event.listen(engine, "before_cursor_execute", tick)

    def remove() -> None:
        event.remove(engine, "begin", tick)
        event.remove(engine, "before_cursor_execute", tick)

    return remove, fired


def dossier_service(app: Any) -> Any:
    """The real dossier service over the app's database, with the demo procedures."""
    from server.demo_procedures import seed_demo_procedures
    from server.domain import dossiers

    core = app.extensions["motcua"]
    service = dossiers.DossierService(core.db, core.clock, core.queue)
    with core.db.write() as s:
        if not service.procedures(1):
            seed_demo_procedures(s, 1)
    return service


def ready_receipt(service: Any) -> str:
    """A dossier received and ready for pickup; its receipt's code."""
    from server.domain.dossiers import Applicant

    code = service.receive(1, procedure_id=service.procedures(1)[0]["id"], applicant=Applicant(name="Nguyễn Văn A"))["code"]
    service.transition(code, "result_ready")
    return code


def scan(client: Any, token: str, code: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/kiosk/scan", json={"code": code, **extra}, headers={"X-Device-Token": token})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("how", ["field_tap", "receipt_scan"])
def test_a_counter_closing_at_any_moment_of_a_kiosk_issue_either_refuses_it_or_closes_after_the_ticket(kiosk_app, how):
    """The only counter serving the field (counter 3 for Đất đai; counter 7, the return counter,
    for a receipt's pickup ticket) closes ("Rời quầy") at every possible moment of the kiosk's
    request in turn: before each transaction it begins and before each statement. Each time,
    either the kiosk refuses (``no_open_counter``, no ticket) or its ticket already existed when
    the close committed. Never a ticket for a field whose counters had all closed."""
    core = kiosk_app.extensions["motcua"]
    client = kiosk_app.test_client()
    service_id, counter_id = (LAND, LAND_COUNTER) if how == "field_tap" else (7, 7)
    dossiers = dossier_service(kiosk_app) if how == "receipt_scan" else None
    moment = 0
    while True:
        moment += 1
        core.queue.set_counter_open(counter_id, True)
        code = ready_receipt(dossiers) if dossiers else ""
        before = len(tickets_of(kiosk_app, service_id))
        seen_at_close: list[int] = []
        closing: list[threading.Thread] = []

        # Defaults bind this round's lists: the callbacks run within the round.
        def clerk_leaves(seen_at_close: list[int] = seen_at_close) -> None:
            core.queue.set_counter_open(counter_id, False)
            seen_at_close.append(len(tickets_of(kiosk_app, service_id)))

        def close_now(closing: list[threading.Thread] = closing, clerk_leaves=clerk_leaves) -> None:
            # The close gets 0.25 s to finish (a free close takes a few ms): it does unless the kiosk's
            # transaction holds it back; one that finishes later still finishes after the ticket.
            closing.append(threading.Thread(target=clerk_leaves))
            closing[0].start()
            closing[0].join(timeout=0.25)

        remove, fired = at_moment(kiosk_app, moment, close_now)
        try:
            if dossiers:
                answer = scan(client, kiosk_app.kiosk_token, code)
                issued = answer["outcome"] == "ticket_issued"
                refusal = None if issued else answer["outcome"]
            else:
                response = issue(client, kiosk_app.kiosk_token, service_id)
                issued = response.status_code == 201
                refusal = None if issued else (response.status_code, response.get_json()["error"]["code"])
        finally:
            for thread in closing:
                thread.join(timeout=30)  # before removing the hook: listeners change under no running thread
            remove()
        if not fired.is_set():
            break  # the request asked the database fewer things than ``moment``: every moment was tried
        assert seen_at_close, f"moment {moment}: the counter never closed"
        if issued:
            assert seen_at_close == [before + 1], (
                f"moment {moment}: a ticket was issued for a field whose only counter had already closed")
        else:
            assert refusal in ((409, "no_open_counter"), "no_open_counter"), refusal
            assert len(tickets_of(kiosk_app, service_id)) == before
    assert moment > 3  # the sweep really covered the request


def test_after_the_counter_closed_a_second_kiosk_is_told_so(kiosk_app):
    kiosk_app.extensions["motcua"].queue.set_counter_open(LAND_COUNTER, False)
    second = issue(kiosk_app.test_client(), kiosk_app.kiosk_token, LAND)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "no_open_counter"


# ------------------------------------------------------------------ scans obey the same rule
def test_a_receipt_scanned_while_the_return_counter_is_closed_gets_a_message_not_a_ticket(kiosk_app):
    dossiers = dossier_service(kiosk_app)
    code = ready_receipt(dossiers)
    kiosk_app.extensions["motcua"].queue.set_counter_open(7, False)
    answer = scan(kiosk_app.test_client(), kiosk_app.kiosk_token, code)
    assert answer["outcome"] == "no_open_counter" and answer["ticket"] is None and answer["print_job"] is None
    assert "Nhận kết quả" in answer["message_vi"] and "Collect result" in answer["message_en"]
    assert tickets_of(kiosk_app, 7) == []
    kiosk_app.extensions["motcua"].queue.set_counter_open(7, True)  # the clerk is back: the same receipt works
    assert scan(kiosk_app.test_client(), kiosk_app.kiosk_token, code)["outcome"] == "ticket_issued"


def test_an_online_registration_checked_in_after_hours_gets_no_ticket(kiosk_app):
    from server.domain.dossiers import Applicant

    core = kiosk_app.extensions["motcua"]
    dossiers = dossier_service(kiosk_app)
    registered = dossiers.preregister(1, procedure_id=dossiers.procedures(1)[0]["id"], applicant=Applicant(name="Lê Văn C"))
    update(core.db, Center, 1, settings={"opening_hours": HOURS})
    core.clock.set(at_local(17, 30))
    answer = scan(kiosk_app.test_client(), kiosk_app.kiosk_token, registered["prereg_code"])
    assert answer["outcome"] == "center_closed" and answer["kind"] == "preregistration" and answer["ticket"] is None
    assert answer["message_vi"].startswith("Đã hết giờ phát số hôm nay")
    with core.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_hours_ending_while_a_kiosk_issues_refuse_the_ticket_rather_than_issue_it_after_closing(kiosk_app):
    core = kiosk_app.extensions["motcua"]
    update(core.db, Center, 1, settings={"opening_hours": HOURS})
    core.clock.set(at_local(16, 59, 59))
    remove = after_statement(kiosk_app, counts_open_counters, lambda: core.clock.set(at_local(17, 0, 1)))
    try:
        response = issue(kiosk_app.test_client(), kiosk_app.kiosk_token)
    finally:
        remove()
    assert tickets_of(kiosk_app, 1) == [], "a ticket was issued at 17:00:01, after issuing hours"
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "center_closed" and error["message_vi"] and error["message_en"]


def test_two_kiosks_at_once_near_closing_issue_only_the_tickets_whose_wait_fits(kiosk_app):
    """16:50, counter 3 alone serves Đất đai at 8 minutes a citizen, one citizen waiting: one more
    fits before 17:00 (8 minutes), a second would wait 16. Two kiosks tap at the same instant."""
    core = kiosk_app.extensions["motcua"]
    update(core.db, Center, 1, settings={"opening_hours": HOURS, "closing_rules": {"stop_when_wait_passes_close": True}})
    with core.db.write() as s:
        _device, second_token = register_device(s, 1, "kiosk", "Kiosk tầng 2")
    core.clock.set(at_local(16, 40))
    assert issue(kiosk_app.test_client(), kiosk_app.kiosk_token, LAND).status_code == 201
    core.clock.set(at_local(16, 50))

    # Each kiosk, on reading the service's recent service times (the wait it will tell), waits
    # for the other up to 0.7 s: the old separate read let both see "1 waiting"; in one
    # transaction the second kiosk cannot read before the first has issued.
    both = threading.Barrier(2, timeout=0.7)
    engine = core.db.engine
    kiosks: set[int] = set()
    waited: set[int] = set()

    def hook(_conn, _cursor, statement, _params, _context, _many) -> None:
        me = threading.get_ident()
        if me in kiosks and me not in waited and "finished_at DESC" in statement:
            waited.add(me)
            try:
                both.wait()
            except threading.BrokenBarrierError:
                pass

    answers: list[Any] = []

    def kiosk(token: str) -> None:
        kiosks.add(threading.get_ident())
        response = issue(kiosk_app.test_client(), token, LAND)
        answers.append((response.status_code, response.get_json()))

    event.listen(engine, "after_cursor_execute", hook)
    try:
        threads = [threading.Thread(target=kiosk, args=(t,)) for t in (kiosk_app.kiosk_token, second_token)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        event.remove(engine, "after_cursor_execute", hook)
    assert sorted(status for status, _ in answers) == [201, 409], answers
    issued = next(body for status, body in answers if status == 201)
    refused = next(body for status, body in answers if status == 409)
    assert issued["ticket"]["estimated_wait_minutes"] == 8 and issued["ticket"]["people_ahead"] == 1
    assert refused["error"]["code"] == "center_closed" and "17:00" in refused["error"]["message_vi"]
    assert [t.display for t in tickets_of(kiosk_app, LAND)] == ["2001", "2002"]


def test_a_priority_citizen_is_judged_by_the_wait_their_ticket_shows(kiosk_app):
    """The rule uses the queue engine's own estimate of the new ticket (priority first), not a
    second count of everyone waiting: an elderly citizen with nobody ahead still gets a number."""
    core = kiosk_app.extensions["motcua"]
    update(core.db, Center, 1, settings={"opening_hours": HOURS, "closing_rules": {"stop_when_wait_passes_close": True}})
    client = kiosk_app.test_client()
    core.clock.set(at_local(16, 30))
    for _ in range(2):
        assert issue(client, kiosk_app.kiosk_token, LAND).status_code == 201
    core.clock.set(at_local(16, 55))  # 5 minutes left, 2 people waiting: a regular ticket would wait 16
    assert issue(client, kiosk_app.kiosk_token, LAND).status_code == 409
    elderly = client.post("/api/v1/kiosk/tickets", json={"service_id": LAND, "priority": "elderly"},
                          headers={"X-Device-Token": kiosk_app.kiosk_token})
    assert elderly.status_code == 201, elderly.get_json()
    assert elderly.get_json()["ticket"]["people_ahead"] == 0 and elderly.get_json()["ticket"]["estimated_wait_minutes"] == 0
