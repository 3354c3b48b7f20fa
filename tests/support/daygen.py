"""Generate a realistic working day of tickets through the real queue engine, with a FixedClock,
and keep an independent record of what happened (the "truth" the report is checked against).

A small discrete-event simulation: citizens arrive through the day (busier mid-morning),
counters call the next number when free; some citizens do not come (recall, then no-show),
some are served without "start", a few are transferred to another field, a few cancel, some rate.
The truth is what the simulation itself did — never read back from the log or the report code.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.clock import FixedClock
from server.domain.queue import QueueService
from server.domain.ratings import RatingService
from server.models import Counter, Service, User

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at_local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HANOI).astimezone(UTC)


@dataclass
class Segment:
    kind: str  # wait | service
    service_code: str
    counter_number: int | None
    clerk: str | None
    seconds: float
    start: datetime
    end: datetime


@dataclass
class Truth:
    """Everything the simulation did, in plain records."""

    issued: list[tuple[str, datetime]] = field(default_factory=list)  # (service code, at)
    waits: list[Segment] = field(default_factory=list)
    services: list[Segment] = field(default_factory=list)
    no_shows: list[tuple[str, int, str, datetime]] = field(default_factory=list)  # (service, counter, clerk, at)
    cancels: list[tuple[str, datetime]] = field(default_factory=list)
    transfers: list[tuple[str, datetime]] = field(default_factory=list)
    ratings: list[tuple[str, int, str, str]] = field(default_factory=list)  # (service, counter, clerk, level)
    tokens: dict[int, str] = field(default_factory=dict)


def simulate_day(
    queue: QueueService,
    ratings: RatingService,
    clock: FixedClock,
    db,
    day: date,
    *,
    seed: int = 7,
    citizens: int = 110,
    truth: Truth | None = None,
) -> Truth:
    """Run one working day (07:15–16:45 local) and return what happened."""
    rng = random.Random(seed)
    truth = truth or Truth()
    with db.read() as s:
        services = {sv.code: sv.id for sv in s.scalars(select(Service))}
        code_of = {v: k for k, v in services.items()}
        counters = {c.number: c.id for c in s.scalars(select(Counter))}
        users = {u.username: u.id for u in s.scalars(select(User))}
    center_id = 1
    weights = {"TPHT": 30, "DD": 15, "XDHKD": 8, "VHXH": 12, "NNMT": 6, "HTDVC": 10, "NKQ": 9}
    codes = list(weights)

    # Clerks swap counters 1 and 2 in the afternoon: per-clerk and per-counter figures differ.
    def clerk_at(number: int, when: datetime) -> str:
        if number in (1, 2) and when >= at_local(day, 12):
            number = 3 - number
        return f"quay{number}"

    def actor(number: int, when: datetime) -> str:
        username = clerk_at(number, when)
        return f"user:{users[username]}:{username}"

    events: list[tuple[datetime, int, str, dict]] = []
    seq = 0

    def push(when: datetime, kind: str, **data) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (when, seq, kind, data))

    # Arrivals: more in the morning peak (8–10h), a trickle at lunch.
    start, end = at_local(day, 7, 15), at_local(day, 16, 30)
    minutes = int((end - start).total_seconds() // 60)
    for _ in range(citizens):
        while True:
            m = rng.randrange(minutes)
            hour = (start + timedelta(minutes=m)).astimezone(HANOI).hour
            keep = {7: 0.6, 8: 1.0, 9: 1.0, 10: 0.8, 11: 0.4, 12: 0.15, 13: 0.5, 14: 0.8, 15: 0.7, 16: 0.4}.get(hour, 0.2)
            if rng.random() < keep:
                break
        push(
            start + timedelta(minutes=m, seconds=rng.randrange(60)),
            "arrive",
            code=rng.choices(codes, [weights[c] for c in codes])[0],
        )
    opening = at_local(day, 7, 30)
    for number in counters:
        push(opening + timedelta(seconds=number * 7), "free", number=number)

    state: dict[int, dict] = {}  # ticket id → {"since": datetime, "service": code}
    idle: set[int] = set()

    def try_call(number: int, now: datetime) -> None:
        clock.set(now)
        result = queue.call_next(counters[number], actor=actor(number, now))
        if result.ticket is None:
            idle.add(number)
            return
        idle.discard(number)
        t = result.ticket
        info = state[t["id"]]
        code = code_of[t["service"]["id"]]
        truth.waits.append(
            Segment("wait", code, number, clerk_at(number, now), (now - info["since"]).total_seconds(), info["since"], now)
        )
        roll = rng.random()
        if roll < 0.07:  # does not come: recalled once, then no-show
            push(now + timedelta(seconds=60 + rng.randrange(30)), "recall", number=number, tid=t["id"])
            push(now + timedelta(seconds=150 + rng.randrange(60)), "no_show", number=number, tid=t["id"], code=code)
        elif roll < 0.11 and code in ("XDHKD", "NNMT", "DD"):  # wrong field: transferred to another
            push(now + timedelta(seconds=60 + rng.randrange(120)), "transfer", number=number, tid=t["id"], code=code)
        else:
            walk = timedelta(seconds=20 + rng.randrange(70))
            direct = rng.random() < 0.2  # the clerk finishes without pressing "start"
            duration = timedelta(seconds=int(rng.lognormvariate(6.1, 0.45)))  # ~7.5 min median
            begin = now if direct else now + walk
            if not direct:
                push(begin, "start", number=number, tid=t["id"])
            push(begin + duration, "finish", number=number, tid=t["id"], code=code, begin=begin)

    while events:
        now, _s, kind, data = heapq.heappop(events)
        clock.set(now)
        if kind == "arrive":
            ticket = queue.issue_ticket(
                center_id,
                services[data["code"]],
                actor="kiosk",
                priority="elderly" if rng.random() < 0.08 and data["code"] != "NKQ" else None,
            )
            state[ticket["id"]] = {"since": now, "service": data["code"]}
            truth.issued.append((data["code"], now))
            truth.tokens[ticket["id"]] = ticket["token"]
            # 3 % change their mind and leave before being called
            if rng.random() < 0.03:
                push(now + timedelta(minutes=5 + rng.randrange(10)), "cancel", tid=ticket["id"], code=data["code"])
            for number in sorted(idle):
                with db.read() as s:
                    serves = services[data["code"]] in s.get(Counter, counters[number]).service_ids
                if serves:
                    try_call(number, now)
                    break
        elif kind == "free":
            try_call(data["number"], now)
        elif kind == "recall":
            queue.recall(counters[data["number"]], actor=actor(data["number"], now))
        elif kind == "start":
            queue.start(counters[data["number"]], actor=actor(data["number"], now))
        elif kind == "finish":
            queue.finish(counters[data["number"]], actor=actor(data["number"], now))
            clerk = clerk_at(data["number"], now)
            truth.services.append(
                Segment("service", data["code"], data["number"], clerk, (now - data["begin"]).total_seconds(), data["begin"], now)
            )
            if rng.random() < 0.45:
                level = rng.choices(["very_satisfied", "satisfied", "unsatisfied"], [5, 3, 1])[0]
                ratings.rate_by_token(truth.tokens[data["tid"]], level, "long_wait" if level == "unsatisfied" else None)
                truth.ratings.append((data["code"], data["number"], clerk, level))
            push(now + timedelta(seconds=10 + rng.randrange(40)), "free", number=data["number"])
        elif kind == "no_show":
            queue.no_show(counters[data["number"]], actor=actor(data["number"], now))
            truth.no_shows.append((data["code"], data["number"], clerk_at(data["number"], now), now))
            push(now + timedelta(seconds=5), "free", number=data["number"])
        elif kind == "transfer":
            target = "VHXH" if data["code"] != "VHXH" else "TPHT"
            queue.transfer(counter_id=counters[data["number"]], to_service_id=services[target], actor=actor(data["number"], now))
            state[data["tid"]] = {"since": now, "service": target}
            truth.transfers.append((data["code"], now))
            push(now + timedelta(seconds=10), "free", number=data["number"])
            for number in sorted(idle):
                with db.read() as s:
                    serves = services[target] in s.get(Counter, counters[number]).service_ids
                if serves:
                    try_call(number, now)
                    break
        elif kind == "cancel":
            with db.read() as s:
                from server.models import Ticket

                ticket = s.get(Ticket, data["tid"])
                still_waiting = ticket.state == "waiting"
            if still_waiting:
                queue.cancel(data["tid"], actor="system", reason="left")
                truth.cancels.append((data["code"], now))
    return truth
