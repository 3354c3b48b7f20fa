"""Report benchmarks (issues 4 and 14), printed as figures — not a test.

Ticket reports (default): writes a synthetic event log straight into a fresh SQLite database
(or PostgreSQL with ``--database-url``): ``--days`` working days of ``--per-day`` tickets each
(issue, call, start, finish; some no-shows; ratings), then times the period reports the
supervisors open most: a day, a week, a month (the whole log), the live dashboard and the XLSX export.

    .venv/bin/python bench/bench_reports.py --days 22 --per-day 400

Published (periodic) reports (``--published``): a year of a provincial center and the centers
under it (``--dossiers`` ≈ 110,000 dossiers with their log, ``--tickets`` ≈ 150,000 tickets, 40 %
rated), bulk-inserted with Core ``executemany``, on SQLite and on a throwaway PostgreSQL database
(created on ``--pg-admin-url``, dropped after); then the quarter and the year report of the
province (median of 5 runs) next to a bare ``SELECT count(*)`` over the same rows in the same run.

    .venv/bin/python bench/bench_reports.py --published
    .venv/bin/python bench/bench_reports.py --published --dossiers 2000 --tickets 3000 --no-postgres
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
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


# ------------------------------------------------------------------ a year of a province (issue 14)
YEAR = 2026
PROVINCE_UNITS = 10  # the provincial center, 3 branches, 6 commune centers
PROCEDURES_PER_FIELD = 8
BULK = 5000


def _chunks(rows: list[dict], size: int = BULK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def fill_province_year(db: Database, dossiers: int, tickets: int, seed: int = 14) -> dict[str, int]:
    """A provincial center (the demo center's parent) with branches and communes, and a year of
    dossiers (channels, return channels, classes, refusals, their log) and rated tickets."""
    from sqlalchemy import insert, select

    from server.models import Center, Service, Ticket
    from server.models.admin import Rating
    from server.models.dossiers import Dossier, DossierEvent, Procedure

    rng = random.Random(seed)
    with db.write() as s:
        province = Center(code="TINH", name="Trung tâm Phục vụ hành chính công tỉnh", level="province")
        s.add(province)
        s.flush()
        s.get(Center, 1).parent_id = province.id
        units = [province, s.get(Center, 1)]
        for i in range(PROVINCE_UNITS - 2):
            unit = Center(code=f"DV{i + 1:02d}", name=f"Đơn vị {i + 1}", level="branch" if i < 3 else "commune",
                          parent_id=province.id)
            s.add(unit)
            units.append(unit)
        s.flush()
        fields: dict[int, list[int]] = {}
        for unit in units:
            own = list(s.scalars(select(Service.id).where(Service.center_id == unit.id, Service.kind == "submit")))
            if not own:
                for j, code in enumerate(("TPHT", "DD", "XDHKD", "VHXH", "NNMT")):
                    service = Service(center_id=unit.id, code=code, name=code, kind="submit", number_start=1 + 1000 * j,
                                      number_digits=4, sort_order=j)
                    s.add(service)
                    s.flush()
                    own.append(service.id)
            fields[unit.id] = own
        procedures: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for unit in units:
            for sid in fields[unit.id]:
                for k in range(PROCEDURES_PER_FIELD):
                    p = Procedure(center_id=unit.id, code=f"{sid}.{k:03d}", name=f"Thủ tục {sid}.{k}", name_en="", service_id=sid,
                                  processing_days=rng.choice([0.5, 3, 5, 10, 15]), fee="", documents=[], active=True,
                                  sort_order=k)
                    s.add(p)
                    s.flush()
                    procedures[unit.id].append((p.id, sid))
        unit_ids = [u.id for u in units]
    # The provincial center takes the most; every unit gets its share.
    weights = [40, 12] + [6] * (PROVINCE_UNITS - 2)
    first = datetime(YEAR - 1, 12, 31, 17, 0)  # 1/1 00:00 in Vietnam, as stored (naive UTC)
    span = 365 * 24 * 3600
    dossier_rows: list[dict] = []
    event_rows: list[dict] = []
    # Rows in the order a center writes them (ids follow reception): the same physical layout as a real database.
    receptions = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(dossiers))
    for i, received in enumerate(receptions):
        cid = rng.choices(unit_ids, weights)[0]
        pid, sid = rng.choice(procedures[cid])
        fate = rng.choices(["open", "returned", "rejected", "stopped"], [8, 84, 4, 4])[0]
        returned = received + timedelta(days=rng.randrange(0, 20), seconds=rng.randrange(28800)) if fate == "returned" else None
        channel = rng.choices(["direct", "online", "post"], [70, 27, 3])[0]
        back = rng.choices(["counter", "post", "online"], [85, 5, 10])[0] if returned else "counter"
        dossier_rows.append({
            "id": i + 1, "center_id": cid, "code": f"B-{i + 1:07d}", "procedure_id": pid, "service_id": sid if i % 5 else None,
            "applicant_name": "", "applicant_phone": "", "applicant_email": "", "applicant_address": "", "documents": [],
            "channel": channel, "return_channel": back, "delivery_address": "", "posted_at": returned if back == "post" else None,
            "state": fate if fate != "open" else "processing", "received_at": received,
            "appointment_at": received + timedelta(days=7), "returned_at": returned, "result_ready_at": returned,
            "result_class": rng.choices(["early", "on_time", "late"], [60, 33, 7])[0] if returned else None,
            "reason": "", "note": "", "received_by_name": "", "external_id": "", "created_at": received, "updated_at": received,
        })
        event_rows.append({"dossier_id": i + 1, "center_id": cid, "at": received, "action": "receive", "from_state": None,
                           "to_state": "received", "actor": "bench", "data": {}})
        if fate == "returned":
            event_rows.append({"dossier_id": i + 1, "center_id": cid, "at": returned, "action": "return",
                               "from_state": "result_ready", "to_state": "returned", "actor": "bench", "data": {}})
        elif fate != "open":
            event_rows.append({"dossier_id": i + 1, "center_id": cid, "at": received + timedelta(days=rng.randrange(0, 10)),
                               "action": fate[:-2], "from_state": "processing", "to_state": fate, "actor": "bench", "data": {}})
    ticket_rows: list[dict] = []
    rating_rows: list[dict] = []
    for i, issued in enumerate(sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(tickets))):
        cid = rng.choices(unit_ids, weights)[0]
        sid = rng.choice(fields[cid])
        ticket_rows.append({"id": 1_000_000 + i, "center_id": cid, "service_id": sid, "origin_service_id": sid,
                            "day": (issued + timedelta(hours=7)).date(), "seq": i + 1, "number": i + 1, "display": str(i + 1),
                            "state": "done", "token": f"bench-{i}-{secrets.token_hex(6)}", "issued_at": issued, "sort_at": issued,
                            "finished_at": issued + timedelta(minutes=15)})
        if rng.random() < 0.4:
            rating_rows.append({"ticket_id": 1_000_000 + i, "center_id": cid, "service_id": sid, "clerk_actor": "",
                                "level": rng.choices(["very_satisfied", "satisfied", "unsatisfied"], [60, 35, 5])[0],
                                "source": "tablet", "created_at": issued + timedelta(minutes=16),
                                "ticket_finished_at": issued + timedelta(minutes=15)})
    event_rows.sort(key=lambda e: e["at"])
    with db.write() as s:
        for table, rows in ((Dossier.__table__, dossier_rows), (DossierEvent.__table__, event_rows),
                            (Ticket.__table__, ticket_rows), (Rating.__table__, rating_rows)):
            for chunk in _chunks(rows):
                s.execute(insert(table), chunk)
    return {"centers": len(unit_ids), "province_id": unit_ids[0], "dossiers": len(dossier_rows), "events": len(event_rows),
            "tickets": len(ticket_rows), "ratings": len(rating_rows)}


def settle(db: Database) -> None:
    """What the database does by itself a minute after a bulk load: statistics for the planner and,
    on PostgreSQL, the visibility map that lets a covering index be read without the table
    (autovacuum). Timing before it would measure the bulk load, not the report."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def published_bench(url: str, dossiers: int, tickets: int, repeat: int = 5) -> dict[str, float]:
    """Fill ``url`` (an empty database) and print the quarter and year report times next to a bare count."""
    from sqlalchemy import func, select

    from server.domain.reports import Period
    from server.domain.reports.published import published_report, scope_centers
    from server.models.dossiers import Dossier

    upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            seed_demo(s, password_for=lambda _u: "bench-password-1", catalogue=False, devices=False)
        t0 = time.perf_counter()
        made = fill_province_year(db, dossiers, tickets)
        settle(db)
        print(f"  {db.engine.dialect.name}: {made['centers']} centers, {made['dossiers']:,} dossiers, {made['events']:,} "
              f"dossier events, {made['tickets']:,} tickets, {made['ratings']:,} ratings (written in "
              f"{time.perf_counter() - t0:.1f} s)")
        now = datetime(YEAR + 1, 1, 5, 3, 0, tzinfo=UTC)
        figures: dict[str, float] = {}
        with db.read() as s:
            province = scope_centers(s, made["province_id"], "province")
            ids = [c.id for c in province]
            for name, period in (("quarter (Q2)", Period.of("quarter", year=YEAR, quarter=2)),
                                 ("year", Period.of("year", year=YEAR))):
                begin, end = (moment.replace(tzinfo=None) for moment in period.utc_bounds("Asia/Ho_Chi_Minh"))
                bare = select(func.count()).select_from(Dossier).where(Dossier.center_id.in_(ids), Dossier.received_at >= begin,
                                                                       Dossier.received_at < end)
                bare_ms, _ = timed(lambda bare=bare: s.execute(bare).scalar(), repeat)
                counted = s.execute(bare).scalar()
                report_ms, worst = timed(lambda period=period: published_report(s, province, period, now, scope="province"),
                                         repeat)
                report = published_report(s, province, period, now, scope="province")
                assert report["totals"]["received"] == counted  # the report counts what the bare query counts
                verdict = "OK" if report_ms < 1000 else "TOO SLOW"
                print(f"  {name:13s} province report median {report_ms:7.1f} ms (max {worst:7.1f})   bare count(*) "
                      f"{bare_ms:6.1f} ms   ×{report_ms / max(bare_ms, 0.001):5.1f}   {counted:,} received   {verdict}")
                figures[name] = report_ms
            year = Period.of("year", year=YEAR)
            single_ms, _ = timed(lambda: published_report(s, [province[0]], year, now), repeat)
            print(f"  {'year':13s} one center       median {single_ms:7.1f} ms")
            print("  " + published_report(s, province, year, now, scope="province")["paragraph"][:160] + "…")
        return figures
    finally:
        db.dispose()


def run_published(args: argparse.Namespace) -> int:
    """SQLite in a temporary file, then a throwaway PostgreSQL database (unless ``--no-postgres``)."""
    load_all_models()
    slow = []
    print(f"Published reports, a year of a province ({args.dossiers:,} dossiers, {args.tickets:,} tickets)")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            slow += [k for k, ms in published_bench(f"sqlite:///{tmp}/bench.sqlite3", args.dossiers, args.tickets).items()
                     if ms >= 1000]
    if not args.no_postgres:
        import psycopg

        name = f"motcua_bench_{secrets.token_hex(5)}"
        admin = args.pg_admin_url
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = "postgresql+psycopg://" + admin.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
            slow += [k for k, ms in published_bench(url, args.dossiers, args.tickets).items() if ms >= 1000]
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if slow else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--published", action="store_true", help="the periodic reports over a year of a province")
    parser.add_argument("--dossiers", type=int, default=110_000)
    parser.add_argument("--tickets", type=int, default=150_000)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where the throwaway database is created and dropped")
    args = parser.parse_args()
    if args.published:
        return run_published(args)

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
