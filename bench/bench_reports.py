"""Report benchmarks (issue 4), printed as figures — not a test.

Writes a synthetic event log straight into a fresh SQLite database (or PostgreSQL with
``--database-url``): ``--days`` working days of ``--per-day`` tickets each (issue, call,
start, finish; some no-shows; ratings), then times the period reports the supervisors
open most: a day, a week, a month (the whole log), the live dashboard and the XLSX export.

    .venv/bin/python bench/bench_reports.py --days 22 --per-day 400
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.db import Database
from server.demo import seed_demo
from server.models import load_all_models
from server.schema import upgrade

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def working_days(last: date, count: int) -> list[date]:
    days, day = [], last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def fill(db: Database, days: list[date], per_day: int, seed: int = 1) -> int:
    """Insert tickets and their events; returns the number of events written."""
    from server.models import Counter, Service, Ticket, TicketEvent, User
    from server.models.admin import Rating

    rng = random.Random(seed)
    with db.read() as s:
        services = [(sv.id, sv.number_start) for sv in s.query(Service).order_by(Service.id)]
        counters = {c.id: c.service_ids for c in s.query(Counter)}
        users = {u.username: u.id for u in s.query(User)}
    by_service = {sid: [cid for cid, sids in counters.items() if sid in sids] for sid, _ in services}
    events = 0
    for day in days:
        opening = datetime(day.year, day.month, day.day, 7, 30, tzinfo=HANOI).astimezone(UTC)
        free_at = {cid: opening for cid in counters}
        with db.write() as s:
            for seq in range(per_day):
                sid, start = services[rng.randrange(len(services))]
                issued = opening + timedelta(seconds=rng.randrange(9 * 3600))
                cid = min(by_service[sid], key=lambda c: free_at[c])
                called = max(issued, free_at[cid]) + timedelta(seconds=rng.randrange(5, 60))
                actor = f"user:{users.get(f'quay{cid}', 1)}:quay{cid}"
                no_show = rng.random() < 0.06
                began = called + timedelta(seconds=rng.randrange(20, 90))
                finished = began + timedelta(seconds=int(rng.lognormvariate(6.1, 0.45)))
                ticket = Ticket(center_id=1, service_id=sid, origin_service_id=sid, day=day, seq=seq + 1, number=start + seq,
                                display=str(start + seq), state="no_show" if no_show else "done", token=secrets.token_urlsafe(18),
                                issued_at=issued, sort_at=issued, called_at=called, started_at=None if no_show else began,
                                finished_at=called + timedelta(minutes=2) if no_show else finished, counter_id=cid)
                s.add(ticket)
                s.flush()
                log = [("issue", None, "waiting", issued, None, "kiosk"), ("call", "waiting", "called", called, cid, actor)]
                if no_show:
                    log.append(("no_show", "called", "no_show", called + timedelta(minutes=2), cid, actor))
                    free_at[cid] = called + timedelta(minutes=2)
                else:
                    log += [
                        ("start", "called", "serving", began, cid, actor),
                        ("finish", "serving", "done", finished, cid, actor),
                    ]
                    free_at[cid] = finished
                    if rng.random() < 0.4:
                        s.add(Rating(ticket_id=ticket.id, center_id=1, service_id=sid, counter_id=cid, clerk_actor=actor,
                                     level=rng.choice(["very_satisfied", "satisfied", "unsatisfied"]), source="phone",
                                     created_at=finished, ticket_finished_at=finished))
                for action, frm, to, at, counter, who in log:
                    s.add(TicketEvent(ticket_id=ticket.id, center_id=1, at=at, action=action, from_state=frm, to_state=to,
                                      actor=who, counter_id=counter, service_id=sid, data={}))
                    events += 1
    return events


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000, max(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()

    load_all_models()
    from server.domain.reports import Period, live_dashboard, report_xlsx, ticket_report

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        with db.write() as s:
            seed_demo(s, password_for=lambda _u: "bench-password-1", catalogue=False, devices=False)
        days = working_days(date(2026, 11, 20), args.days)
        t0 = time.perf_counter()
        events = fill(db, days, args.per_day)
        print(f"log: {len(days)} days × {args.per_day} tickets = {len(days) * args.per_day} tickets, {events} events "
              f"(written in {time.perf_counter() - t0:.1f} s) on {db.engine.dialect.name}")
        now = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
        last = days[-1]
        cases = {
            "day report": lambda: ticket_report(s, 1, Period.of("day", last), now),
            "week report": lambda: ticket_report(s, 1, Period.of("week", last), now),
            "whole-log range report": lambda: ticket_report(s, 1, Period.of("range", start=days[0], end=last), now),
            "all-centers day report": lambda: ticket_report(s, None, Period.of("day", last), now),
            "live dashboard": lambda: live_dashboard(s, 1, now),
        }
        with db.read() as s:
            for name, fn in cases.items():
                median, worst = timed(fn, 3 if "range" in name else 5)
                print(f"{name:28s} median {median:8.1f} ms   max {worst:8.1f} ms")
            whole = ticket_report(s, 1, Period.of("range", start=days[0], end=last), now)
            median, worst = timed(lambda: report_xlsx(whole), 3)
            print(f"{'XLSX export (whole log)':28s} median {median:8.1f} ms   max {worst:8.1f} ms   "
                  f"{len(report_xlsx(whole)) // 1024} KiB")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
