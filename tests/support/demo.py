"""The demo center of the tests: made (migrated, seeded, its floor opened), signed in to, and its
objects looked up by their codes, so tests say what they mean."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.clock import FixedClock
from server.db import Database
from server.demo import seed_demo
from server.models import Center, Counter, Service
from server.schema import upgrade


def service_id(db: Database, code: str) -> int:
    with db.read() as s:
        return s.execute(select(Service.id).where(Service.code == code)).scalar_one()


def counter_id(db: Database, number: int) -> int:
    with db.read() as s:
        return s.execute(select(Counter.id).where(Counter.number == number)).scalar_one()


def center_id(db: Database) -> int:
    with db.read() as s:
        return s.execute(select(Center.id).order_by(Center.id)).scalars().first()


def update(db: Database, model, object_id: int, **values) -> None:
    with db.write() as s:
        obj = s.get(model, object_id)
        for key, value in values.items():
            setattr(obj, key, value)


# ------------------------------------------------------------------ the demo center, migrated and seeded
DEMO_PASSWORD = "matkhau-demo-123"
# 09:00 in Hà Nội on a Monday.
MONDAY_9AM = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def make_db(url: str, *, open_counters: bool = True) -> Database:
    """Migrate and seed the demo center. Its counters start closed (nobody sits at them); most
    tests want a working floor, so they are opened here as a supervisor would, through the domain
    (``open_counters=False`` keeps the demo as ``make run`` leaves it)."""
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        # The center and its accounts only: tests that want the catalogue or the demo devices seed them.
        seed_demo(session, password_for=lambda _u: DEMO_PASSWORD, catalogue=False, devices=False)
    if open_counters:
        open_all_counters(db)
    return db


def open_all_counters(db: Database) -> None:
    """Open every counter explicitly (a supervisor opening the floor, nobody signed in at them)."""
    from server.domain.queue import QueueService

    queue = QueueService(db, FixedClock(MONDAY_9AM))
    with db.read() as session:
        ids = list(session.scalars(select(Counter.id).order_by(Counter.id)))
    for counter_id in ids:
        queue.set_counter_open(counter_id, True)


def login(client, username: str, password: str = DEMO_PASSWORD) -> str:
    """Log a test client in; returns the CSRF token to send with changes."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


def form_csrf(page) -> str:
    """The CSRF token a server-rendered form carries (``<input name="csrf_token" value="…">``)."""
    return page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
