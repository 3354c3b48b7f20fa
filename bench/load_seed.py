"""Seed data for the load benchmark: many centers with many counters, a clerk per
counter, and a morning backlog of waiting tickets (the ones phone pages follow).

Every clerk gets the same password hash (hashing thousands of passwords would
take minutes and is not what is being measured).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from server.clock import SystemClock
from server.db import Database
from server.demo import DEMO_SERVICES
from server.domain.queue import QueueService
from server.models import Center, Counter, CounterService, Service, ServiceKind, User
from server.schema import upgrade


@dataclass
class CenterPlan:
    """One seeded center: ids the load clients need."""

    id: int
    code: str
    counters: list[int] = field(default_factory=list)  # counter ids
    clerks: list[str] = field(default_factory=list)  # username of counter i's clerk
    services: list[int] = field(default_factory=list)  # service ids a kiosk issues for
    weights: list[float] = field(default_factory=list)  # how often each service is chosen
    tokens: list[str] = field(default_factory=list)  # backlog tickets' tokens (phone pages)


def seed_centers(url: str, n_centers: int, counters_per_center: int, password: str, *, prefix: str = "LOAD") -> list[CenterPlan]:
    """Create ``n_centers`` centers of ``counters_per_center`` open counters (services of the
    demo center, counters spread over them) with one clerk each."""
    upgrade(url)
    db = Database(url)
    password_hash = generate_password_hash(password)
    plans: list[CenterPlan] = []
    try:
        with db.write() as s:
            for c in range(1, n_centers + 1):
                center = Center(code=f"{prefix}{c:03d}", name=f"Trung tâm thử tải số {c}", name_en=f"Load test center {c}",
                                agency_id=f"000.{c // 100:02d}.{c % 100:02d}.H26", level="commune", settings={})
                s.add(center)
                s.flush()
                services = []
                for order, (code, name, name_en, kind, start) in enumerate(DEMO_SERVICES):
                    if kind == ServiceKind.COLLECT:
                        continue  # pickups come from scanned receipts, not from the kiosk's buttons
                    service = Service(center_id=center.id, code=code, name=name, name_en=name_en, kind=kind, ticket_prefix="",
                                      number_start=start, number_digits=4, sort_order=order)
                    s.add(service)
                    services.append(service)
                s.flush()
                plan = CenterPlan(center.id, center.code, services=[sv.id for sv in services])
                load = [0] * len(services)
                for n in range(1, counters_per_center + 1):
                    served = services[(n - 1) % len(services)]
                    load[(n - 1) % len(services)] += 1
                    counter = Counter(center_id=center.id, number=n, name=f"Quầy {n}", is_open=True)
                    counter.links = [CounterService(service_id=served.id, position=0)]
                    s.add(counter)
                    username = f"{center.code.lower()}-q{n:02d}"
                    s.add(User(username=username, password_hash=password_hash, role="clerk", center_id=center.id,
                               full_name=f"Cán bộ quầy {n}"))
                    plan.clerks.append(username)
                s.flush()
                plan.counters = list(s.scalars(select(Counter.id).where(Counter.center_id == center.id).order_by(Counter.number)))
                # Citizens pick fields in proportion to the counters serving them (the center was staffed that way).
                plan.weights = [float(n) for n in load]
                plans.append(plan)
    finally:
        db.dispose()
    return plans


def issue_backlog(url: str, plans: list[CenterPlan], per_center: int, seed: int = 1) -> None:
    """Issue ``per_center`` waiting tickets in each center (the morning queue), through the
    domain's own numbering; their tokens go to ``plan.tokens``."""
    rng = random.Random(seed)
    db = Database(url)
    try:
        queue = QueueService(db, SystemClock())
        for plan in plans:
            for _ in range(per_center):
                service_id = rng.choices(plan.services, plan.weights)[0]
                plan.tokens.append(queue.issue_ticket(plan.id, service_id, source="kiosk", actor="bench")["token"])
    finally:
        db.dispose()
