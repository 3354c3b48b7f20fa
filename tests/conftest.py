"""Shared fixtures: an app over a fresh SQLite file with the demo center, a fixed
clock, and real PostgreSQL / Redis connections when the machine has them."""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from server.clock import FixedClock
from server.config import Settings
from server.db import Database
from server.demo import seed_demo
from server.schema import upgrade

DEMO_PASSWORD = "matkhau-demo-123"
# 09:00 in Hà Nội on a Monday.
MONDAY_9AM = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

REQUIRE_SERVICES = os.environ.get("MOTCUA_REQUIRE_SERVICES") == "1" or os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip with a visible reason on a machine without the service; fail under CI."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}, and CI requires it (MOTCUA_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """Migrated and seeded once per run; each test gets a copy (hashing 9 passwords is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    make_db(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A fresh SQLite file holding the migrated demo center."""
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(_sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def _bare_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bare-template") / "bare.sqlite3"
    make_db(f"sqlite:///{path}", open_counters=False).dispose()
    return path


@pytest.fixture
def bare_sqlite_url(tmp_path: Path, _bare_sqlite_template: Path) -> str:
    """The demo center exactly as ``make run`` seeds it: every counter closed, nobody sat down yet."""
    target = tmp_path / "bare.sqlite3"
    shutil.copyfile(_bare_sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_url() -> str:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import psycopg

    name = f"motcua_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    need_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


def make_db(url: str, *, open_counters: bool = True) -> Database:
    """Migrate and seed the demo center. Its counters start closed (nobody sits at them); most
    tests want a working floor, so they are opened here as a supervisor would, through the domain
    (``open_counters=False`` keeps the demo as ``make run`` leaves it)."""
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        seed_demo(session, password_for=lambda _u: DEMO_PASSWORD)
    if open_counters:
        open_all_counters(db)
    return db


def open_all_counters(db: Database) -> None:
    """Open every counter explicitly (a supervisor opening the floor, nobody signed in at them)."""
    from sqlalchemy import select

    from server.domain.queue import QueueService
    from server.models import Counter

    queue = QueueService(db, FixedClock(MONDAY_9AM))
    with db.read() as session:
        ids = list(session.scalars(select(Counter.id).order_by(Counter.id)))
    for counter_id in ids:
        queue.set_counter_open(counter_id, True)


@pytest.fixture
def db(sqlite_url: str) -> Database:
    database = Database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return Settings(database_url=sqlite_url, instance_path=tmp_path, secret_key="test-secret", testing=True)


@pytest.fixture
def app(settings: Settings, clock: FixedClock):
    from server.app import create_app

    application = create_app(settings, clock=clock)
    yield application
    application.extensions["motcua"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = DEMO_PASSWORD) -> str:
    """Log a test client in; returns the CSRF token to send with changes."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["csrf_token"]


def form_csrf(page) -> str:  # noqa: ANN001 - a Flask test response
    """The CSRF token a server-rendered form carries (``<input name="csrf_token" value="…">``)."""
    return page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def playwright():
    """The session's one sync Playwright (see tests/support/browser.py)."""
    from tests.support.browser import need_chromium

    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):  # noqa: ANN001
    """One headless Debian chromium for the session."""
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(app):
    """The test app served for real on 127.0.0.1 (see tests/support/live_server.py)."""
    from tests.support.live_server import LiveServer

    with LiveServer(app) as server:
        yield server


@pytest.fixture
def artifacts():
    """Where browser tests leave screenshots for a human to look at."""
    from tests.support.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
