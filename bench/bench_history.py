"""A center's history (issue 17): the hot paths on a database holding a year of past tickets, next to
the same paths on an empty one, in the same run — printed as figures, not a test.

    python bench/bench_history.py [--history 100000] [--bookings 50000] [--batches 5] [--batch 40]

Every other benchmark starts from an empty database, so a statement that reads the whole tickets
table costs nothing there. A center keeps its history (reports are read from it): a busy commune
center issues thousands of tickets a month, a provincial one tens of thousands. This seeds the demo
center, measures in-process CPU per ticket issue and per call-next + finish (min of ``--batches``
batches of ``--batch``), then adds ``--history`` done tickets of past days with three log rows each
and ``--bookings`` past bookings, and measures again; last, the same with the indexes of migrations
0015 and 0016 dropped, which is how every counter action and the upkeep's once-a-minute bookings job
(no-shows, reminders, contact purge) ran before them (scans of the whole tables).
"""
from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def cpu_ms(work, batches: int, batch: int) -> float:
    """The least CPU milliseconds per ``work()`` over ``batches`` batches of ``batch`` calls."""
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(batch):
            work()
        best = min(best, (time.process_time() - started) / batch)
    return best * 1000


def add_history(engine, tickets: int) -> None:
    """``tickets`` done tickets of past days (300 a day, from 2025-01-01), each with three log rows,
    copied from a done ticket of today and its log row."""
    with engine.begin() as conn:
        ticket = dict(conn.exec_driver_sql("SELECT * FROM tickets WHERE state = 'done' LIMIT 1").mappings().one())
        log = dict(conn.exec_driver_sql("SELECT * FROM ticket_events LIMIT 1").mappings().one())
        ticket.pop("id")
        log.pop("id")
        start = datetime.date(2025, 1, 1)
        names = list(ticket)
        rows = []
        for i in range(tickets):
            row = dict(ticket, day=(start + datetime.timedelta(days=i // 300)).isoformat(), seq=i % 300 + 1, token=f"past-{i}")
            rows.append(tuple(row[n] for n in names))
        conn.exec_driver_sql(f"INSERT INTO tickets ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)
        first = conn.exec_driver_sql("SELECT min(id) FROM tickets WHERE token LIKE 'past-%'").scalar()
        log_names = list(log)
        log_rows = []
        for i in range(tickets):
            at = f"{start + datetime.timedelta(days=i // 300)} 09:00:00.000000"
            row = dict(log, ticket_id=first + i, at=at)
            log_rows.extend([tuple(row[n] for n in log_names)] * 3)
        conn.exec_driver_sql(f"INSERT INTO ticket_events ({', '.join(log_names)}) VALUES ({', '.join('?' * len(log_names))})",
                             log_rows)


def add_bookings(engine, bookings: int) -> None:
    """``bookings`` past bookings of the demo center (150 a day from 2025-01-01), checked in, no-shows or
    cancelled, their contacts purged: what a center's booking history is once its days are over."""
    rows = []
    for i in range(bookings):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=i // 150)
        at = f"{day} 02:00:00.000000"
        rows.append((1, 1, f"PAST{i:08d}", f"past-{i}", day.isoformat(), at, at, ("checked_in", "no_show", "cancelled")[i % 3],
                     "web", "", at, at, 0))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO bookings (center_id, service_id, code, token, day, slot_start, slot_end, state, source,"
                             " external_ref, created_at, updated_at, moved_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=100_000, help="past tickets to add")
    parser.add_argument("--bookings", type=int, default=50_000, help="past bookings to add")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch", type=int, default=40)
    args = parser.parse_args()

    import bench_core
    from sqlalchemy import text

    from server.clock import SystemClock
    from server.db import Database
    from server.domain.bookings.reminders import run_booking_jobs
    from server.domain.notices import NoticeService
    from server.domain.queue.service import QueueService

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='motcua-history-')) / 'bench.sqlite3'}"
    bench_core.seed(url)
    db = Database(url)
    queue = QueueService(db, SystemClock())
    rounds = args.batches * args.batch
    for _ in range(3 * rounds + 10):  # enough waiting for every measured call
        queue.issue_ticket(1, 1)
    queue.call_next(1)
    queue.finish(1)

    def issue() -> None:
        queue.issue_ticket(1, 1)

    def call_and_finish() -> None:
        queue.call_next(1)
        queue.finish(1)

    notices = NoticeService(db, queue.clock)

    def booking_jobs() -> None:  # the upkeep's once-a-minute bookings job: no-shows, reminders, contact purge
        run_booking_jobs(db, queue.clock, notices)

    def measure() -> tuple[float, float, float]:
        return (cpu_ms(issue, args.batches, args.batch), cpu_ms(call_and_finish, args.batches, args.batch),
                cpu_ms(booking_jobs, args.batches, 4))

    figures = {"empty": measure()}
    add_history(db.engine, args.history)
    add_bookings(db.engine, args.bookings)
    figures["history"] = measure()
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_tickets_at_counter"))
        for name in ("ix_bookings_state_slot", "ix_bookings_with_contact"):
            conn.execute(text(f"DROP INDEX {name}"))
    figures["no index"] = measure()
    db.dispose()

    empty_issue, empty_call, empty_jobs = figures["empty"]
    print(f"== The hot paths on a year of history (SQLite, in-process CPU, min of {args.batches} x {args.batch};"
          f" the bookings job min of {args.batches} x 4)")
    for label, key in (("empty database (baseline)", "empty"),
                       (f"+{args.history:,} past tickets, {args.bookings:,} bookings", "history"),
                       ("  same, without the 0015/0016 indexes", "no index")):
        issue_ms, call_ms, jobs_ms = figures[key]
        print(f"   {label:46s}: issue {issue_ms:6.2f} ms ({issue_ms / empty_issue:4.2f}x)"
              f"   call-next + finish {call_ms:6.2f} ms ({call_ms / empty_call:4.2f}x)"
              f"   bookings job {jobs_ms:6.2f} ms ({jobs_ms / empty_jobs:4.2f}x)")


if __name__ == "__main__":
    main()
