"""A generated working day (and a few tickets the Friday before) in a SQLite file made once
per module; each test gets its own copy of that file and an app over it."""
from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from server.clock import FixedClock
from tests.support.settings import make_settings
from server.db import Database
from server.domain.queue import QueueService
from server.domain.ratings import RatingService
from tests.reports.daygen import Truth, at_local, simulate_day
from tests.reports.dossiergen import DossierTruth, generate_dossiers

MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 20)


@dataclass
class GeneratedDays:
    path: Path
    monday: Truth
    friday: Truth
    dossiers: DossierTruth | None  # None while the dossier area is not installed


@pytest.fixture(scope="module")
def generated(tmp_path_factory, _sqlite_template) -> GeneratedDays:
    path = tmp_path_factory.mktemp("generated") / "days.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    clock = FixedClock(at_local(FRIDAY, 7))
    queue, ratings = QueueService(db, clock), RatingService(db, clock)
    friday = simulate_day(queue, ratings, clock, db, FRIDAY, seed=3, citizens=40)
    monday = simulate_day(queue, ratings, clock, db, MONDAY, seed=11, citizens=230)
    dossiers = None
    if importlib.util.find_spec("server.models.dossiers") is not None:
        dossiers = generate_dossiers(db, MONDAY, at_local(MONDAY, 18))
    db.dispose()
    return GeneratedDays(path, monday, friday, dossiers)


@pytest.fixture
def day_clock() -> FixedClock:
    """Monday evening, after closing: the day's report is complete."""
    return FixedClock(at_local(MONDAY, 18))


@pytest.fixture
def day_app(generated, tmp_path, day_clock):
    from server.app import create_app

    target = tmp_path / "days.sqlite3"
    shutil.copyfile(generated.path, target)
    settings = make_settings(database_url=f"sqlite:///{target}", instance_path=tmp_path, secret_key="test-secret")
    application = create_app(settings, clock=day_clock)
    yield application
    application.extensions["motcua"].db.dispose()


@pytest.fixture
def day_client(day_app):
    return day_app.test_client()


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
