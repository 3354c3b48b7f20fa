"""Per-clerk and per-counter times in the period report: wait (issued → first call), walk (call →
start), service (start → finish), idle (open, not paused, nobody called or served) and paused, each
as mean, median and 90th percentile by nearest rank (idle and paused also as a total).

The figures are checked against a generated day: a seeded script drives two counters through the
queue engine (calls, starts, finishes) and writes their counter log (open, pause, resume, close), and
notes every interval as it makes it; the expected figures come from those notes, not from the log."""
from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from server.clock import FixedClock, local_date
from server.db import Database
from server.domain.queue import QueueService
from server.domain.reports import Period, ticket_report
from server.domain.reports.floor_times import nearest_rank
from server.models import CounterEvent, User
from tests.support import demo
from tests.support.demo import MONDAY_9AM, make_db


def test_nearest_rank_takes_the_value_at_rank_p_percent_of_n_rounded_up():
    values = [15, 20, 35, 40, 50]  # the textbook example
    assert [nearest_rank(values, p) for p in (5, 30, 40, 50, 100)] == [15, 20, 20, 35, 50]
    assert nearest_rank([3, 1, 2, 4], 50) == 2  # an even count: the lower middle value
    assert nearest_rank([], 90) is None


class Day:
    """The generated day: drives the engine and notes every interval (seconds) by counter and clerk."""

    def __init__(self, db, clock, queue, ids) -> None:
        self.db, self.clock, self.queue, self.ids = db, clock, queue, ids
        with db.read() as s:
            users = {u.username: u.id for u in s.scalars(select(User))}
        self.clerks = {ids["c1"]: ("quay1", users["quay1"]), ids["c2"]: ("quay2", users["quay2"])}
        self.notes: dict[tuple[str, str], list[float]] = defaultdict(list)  # (counter or clerk, kind) → seconds
        self.idle_since: dict[int, datetime | None] = {}

    def actor(self, counter_id: int) -> str:
        name, user_id = self.clerks[counter_id]
        return f"user:{user_id}:{name}"

    def note(self, counter_id: int, kind: str, seconds: float) -> None:
        if seconds <= 0 and kind in ("idle", "paused"):
            return  # a stretch of no length is no stretch (a walk of 0 s is a citizen already at the desk: it counts)
        self.notes[(f"counter:{counter_id}", kind)].append(seconds)
        self.notes[(f"clerk:{self.clerks[counter_id][0]}", kind)].append(seconds)

    def log(self, counter_id: int, action: str) -> None:
        name, user_id = self.clerks[counter_id]
        with self.db.write() as s:
            s.add(CounterEvent(center_id=self.ids["center"], counter_id=counter_id, at=self.clock.now(), action=action,
                               actor=self.actor(counter_id), user_id=user_id))

    def end_idle(self, counter_id: int) -> None:
        since = self.idle_since.get(counter_id)
        if since is not None:
            self.note(counter_id, "idle", (self.clock.now() - since).total_seconds())
        self.idle_since[counter_id] = None

    def open(self, counter_id: int) -> None:
        self.log(counter_id, "open")
        self.idle_since[counter_id] = self.clock.now()

    def close(self, counter_id: int) -> None:
        self.end_idle(counter_id)
        self.log(counter_id, "close")

    def pause(self, counter_id: int, seconds: int) -> None:
        self.end_idle(counter_id)
        self.log(counter_id, "pause")
        self.clock.advance(seconds=seconds)
        self.log(counter_id, "resume")
        self.note(counter_id, "paused", seconds)
        self.idle_since[counter_id] = self.clock.now()

    def serve(self, counter_id: int, walk: int, service: int, started: bool, issued: dict[int, datetime]) -> None:
        self.end_idle(counter_id)
        ticket = self.queue.call_next(counter_id, actor=self.actor(counter_id)).ticket
        self.note(counter_id, "wait", (self.clock.now() - issued[ticket["id"]]).total_seconds())
        self.clock.advance(seconds=walk)
        if started:
            self.queue.start(counter_id, actor=self.actor(counter_id))
            self.note(counter_id, "walk", walk)
            self.clock.advance(seconds=service)
            self.note(counter_id, "service", service)
        else:  # finished straight from the call: the service counts from the call
            self.clock.advance(seconds=service)
            self.note(counter_id, "service", walk + service)
        self.queue.finish(counter_id, actor=self.actor(counter_id))
        self.idle_since[counter_id] = self.clock.now()


def expected_cells(seconds: list[float], with_total: bool) -> dict[str, float | None]:
    """Mean, median and P90 (nearest rank, written out here) in minutes, as the report's cells."""
    minutes = sorted(s / 60 for s in seconds)
    if not minutes:
        return {"mean": None, "median": None, "p90": None, **({"total": 0.0} if with_total else {})}
    rank = lambda p: minutes[max(1, math.ceil(p * len(minutes))) - 1]  # noqa: E731 - the definition, in one line
    cells = {"mean": sum(minutes) / len(minutes), "median": rank(0.5), "p90": rank(0.9)}
    if with_total:
        cells["total"] = sum(minutes)
    return cells


@pytest.mark.parametrize("seed", [7, 2026])
def test_clerk_and_counter_times_match_a_generated_day(db, clock, queue, ids, seed):
    check_generated_day(db, clock, queue, ids, seed)


@pytest.mark.postgres
def test_clerk_and_counter_times_match_a_generated_day_on_postgresql(pg_url):
    make_db(pg_url).dispose()
    db = Database(pg_url)
    try:
        clock = FixedClock(MONDAY_9AM)
        ids = {"center": demo.center_id(db), "justice": demo.service_id(db, "TPHT"), "c1": demo.counter_id(db, 1),
               "c2": demo.counter_id(db, 2)}
        check_generated_day(db, clock, QueueService(db, clock), ids, 11)
    finally:
        db.dispose()


def check_generated_day(db, clock, queue, ids, seed: int) -> None:
    """Drive the generated day, then compare every cell of both times tables with the notes."""
    rng = random.Random(seed)
    with db.write() as s:  # the fixture opened every counter as set-up: that is not the day under test
        s.execute(delete(CounterEvent))
    day = Day(db, clock, queue, ids)
    counters = [ids["c1"], ids["c2"]]
    issued: dict[int, datetime] = {}
    for _ in range(30):  # a morning's line forms at the kiosk
        ticket = queue.issue_ticket(ids["center"], ids["justice"])
        issued[ticket["id"]] = clock.now()
        clock.advance(seconds=rng.randint(5, 90))
    for counter_id in counters:
        day.open(counter_id)
        clock.advance(seconds=rng.randint(0, 60))
    served = 0
    while served < 24:
        counter_id = rng.choice(counters)
        if rng.random() < 0.2:
            day.pause(counter_id, rng.randint(60, 900))
        else:
            day.serve(counter_id, rng.randint(0, 120), rng.randint(60, 900), rng.random() < 0.8, issued)
            served += 1
        clock.advance(seconds=rng.choice([0, 0, rng.randint(1, 400)]))
    for counter_id in counters:
        day.close(counter_id)
        clock.advance(seconds=rng.randint(0, 30))

    today = local_date(clock.now())
    with db.read() as s:
        report = ticket_report(s, ids["center"], Period.of("day", today), clock.now())
    tables = {t["key"]: t for t in report["tables"]}
    by_counter = {row["counter_number"]: row for row in tables["times_by_counter"]["rows"]}
    by_clerk = {row["username"]: row for row in tables["times_by_clerk"]["rows"]}
    assert set(by_counter) == {1, 2} and set(by_clerk) == {"quay1", "quay2"}
    assert by_clerk["quay1"]["full_name"] == "Cán bộ quầy 1"
    checked = 0
    for key, row in [*((f"counter:{ids[f'c{n}']}", by_counter[n]) for n in (1, 2)),
                     *((f"clerk:{name}", by_clerk[name]) for name in ("quay1", "quay2"))]:
        for kind in ("wait", "walk", "service", "idle", "paused"):
            expected = expected_cells(day.notes[(key, kind)], kind in ("idle", "paused"))
            for stat, value in expected.items():
                assert row[f"{kind}_{stat}"] == pytest.approx(value), (key, kind, stat)
                checked += value is not None
    assert checked > 40  # the day made figures of every kind, not a table of blanks


def test_a_counter_open_now_is_idle_until_now_not_until_midnight(db, clock, queue, ids):
    with db.read() as s:
        quay1 = s.scalars(select(User).where(User.username == "quay1")).one()
    with db.write() as s:
        s.add(CounterEvent(center_id=ids["center"], counter_id=ids["c1"], at=clock.now(), action="open",
                           actor=f"user:{quay1.id}:quay1", user_id=quay1.id))
    clock.advance(minutes=42)
    with db.read() as s:
        report = ticket_report(s, ids["center"], Period.of("day", local_date(clock.now())), clock.now())
    row = next(r for t in report["tables"] if t["key"] == "times_by_counter" for r in t["rows"] if r["counter_number"] == 1)
    assert row["idle_total"] == pytest.approx(42) and row["paused_total"] == 0


def test_the_times_tables_are_in_the_exports(client, app, clock):
    from tests.support.demo import login

    login(client, "giamsat")
    for table in ("times_by_clerk", "times_by_counter", "target_by_service", "target_by_counter", "target_by_day"):
        response = client.get("/api/v1/reports/export", query_string={"center_id": 1, "format": "csv", "table": table})
        assert response.status_code == 200, table
        assert response.headers["Content-Type"].startswith("text/csv")
    page = client.get("/admin/reports?center=1")
    assert 'data-table="times_by_clerk"' in page.get_data(as_text=True)
