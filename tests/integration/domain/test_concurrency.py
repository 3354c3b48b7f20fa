"""Call-next and numbering under contention: 50 counters press Next while 20
kiosks issue tickets. Every ticket is called exactly once, none is skipped, and
numbers are unique — on SQLite and on a real PostgreSQL."""
from __future__ import annotations

import threading
import time
from collections import Counter as Tally

import pytest
from sqlalchemy import select

from server.clock import SystemClock
from server.db import Database
from server.domain.queue import QueueService
from server.models import Counter, CounterService, Service, Ticket, TicketEvent
from tests.support.demo import center_id, make_db

CALLERS = 50
ISSUERS = 20
TICKETS_PER_ISSUER = 10


def add_counters(db: Database, how_many: int) -> list[int]:
    """Extra counters that all serve Tư pháp and Đất đai."""
    with db.write() as s:
        services = [s.execute(select(Service).where(Service.code == code)).scalar_one() for code in ("TPHT", "DD")]
        counters = []
        for n in range(how_many):
            counter = Counter(center_id=services[0].center_id, number=100 + n, name=f"Quầy thử {n}", is_open=True)
            counter.links = [CounterService(service_id=svc.id, position=i) for i, svc in enumerate(services)]
            s.add(counter)
            counters.append(counter)
        s.flush()
        return [c.id for c in counters]


def run_contention(db: Database) -> None:
    queue = QueueService(db, SystemClock())
    center = center_id(db)
    with db.read() as s:
        service_ids = [s.execute(select(Service.id).where(Service.code == c)).scalar_one() for c in ("TPHT", "DD")]
    counters = add_counters(db, CALLERS)
    issuing_done = threading.Event()
    errors: list[BaseException] = []
    issued: list[str] = []
    called: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CALLERS + ISSUERS)

    def issuer(n: int) -> None:
        try:
            start.wait()
            for i in range(TICKETS_PER_ISSUER):
                view = queue.issue_ticket(center, service_ids[(n + i) % 2])
                with lock:
                    issued.append(view["token"])
        except BaseException as exc:  # noqa: BLE001 - the main thread re-raises whatever a worker met
            errors.append(exc)

    def caller(counter_id: int) -> None:
        try:
            start.wait()
            while True:
                result = queue.call_next(counter_id)
                if result.ticket is None:
                    if issuing_done.is_set():
                        # One last look: a ticket issued just before "done" must not be left behind.
                        result = queue.call_next(counter_id)
                        if result.ticket is None:
                            return
                    else:
                        time.sleep(0.01)  # nobody waiting yet: look again shortly
                        continue
                with lock:
                    called.append(result.ticket["id"])
                queue.finish(counter_id)
        except BaseException as exc:  # noqa: BLE001 - the main thread re-raises whatever a worker met
            errors.append(exc)

    issuers = [threading.Thread(target=issuer, args=(n,)) for n in range(ISSUERS)]
    callers = [threading.Thread(target=caller, args=(c,)) for c in counters]
    for t in issuers + callers:
        t.start()
    for t in issuers:
        t.join(timeout=180)
    issuing_done.set()
    for t in callers:
        t.join(timeout=180)
    assert not errors, errors[:3]
    total = ISSUERS * TICKETS_PER_ISSUER
    assert len(issued) == total

    with db.read() as s:
        tickets = [(t.id, t.state, t.origin_service_id, t.seq) for t in s.scalars(select(Ticket))]
        call_events = Tally(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call")).all())
    assert len(tickets) == total
    # Called exactly once, by exactly one counter, and none left waiting.
    assert sorted(called) == sorted(t[0] for t in tickets)
    assert set(call_events.values()) == {1}
    assert {t[1] for t in tickets} == {"done"}
    # Numbers unique per service and gap-free.
    for sid in service_ids:
        numbers = sorted(t[3] for t in tickets if t[2] == sid)
        assert numbers == list(range(1, len(numbers) + 1))


def test_sqlite_fifty_counters_twenty_kiosks(db):
    run_contention(db)


@pytest.mark.postgres
def test_postgresql_fifty_counters_twenty_kiosks(pg_url):
    database = make_db(pg_url)
    try:
        run_contention(database)
    finally:
        database.dispose()
