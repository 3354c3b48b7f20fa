"""One demo seeder (server/demo.py), called by the CLI only: what ``serve`` and ``seed-demo`` add,
and what they never add again."""
from __future__ import annotations

from sqlalchemy import func, select

from server.cli import seed_on_start
from server.db import Database
from server.demo import DEMO_CENTER_CODE, seed_demo
from server.models import Center, Device
from server.models.dossiers import Procedure
from server.schema import upgrade
from tests.support.settings import make_settings


def empty_db(tmp_path) -> Database:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(url)
    return Database(url)


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count(Center.id))), s.scalar(select(func.count(Procedure.id))),
                s.scalar(select(func.count(Device.id))))


def test_the_first_start_seeds_center_catalogue_and_devices_and_a_restart_adds_nothing(tmp_path):
    db = empty_db(tmp_path)
    settings = make_settings(database_url=db.url, instance_path=tmp_path)
    try:
        first = seed_on_start(db, settings)
        assert {"quay1", "giamsat", "admin"} <= set(first.credentials)
        assert first.kiosk_token and first.display_token
        centers, procedures, devices = counts(db)
        assert (centers, devices) == (1, 2) and procedures > 0
        again = seed_on_start(db, settings)
        assert again.credentials == {}  # the passwords are shown once
        assert (again.kiosk_token, again.display_token) == (first.kiosk_token, first.display_token)
        assert counts(db) == (centers, procedures, devices)
    finally:
        db.dispose()


def test_no_seed_leaves_an_empty_database_empty(tmp_path):
    db = empty_db(tmp_path)
    try:
        seed = seed_on_start(db, make_settings(database_url=db.url, instance_path=tmp_path), create=False)
        assert (seed.credentials, seed.kiosk_token) == ({}, None)
        assert counts(db) == (0, 0, 0)
    finally:
        db.dispose()


def test_an_installation_with_only_its_own_centers_gets_no_demo(tmp_path):
    db = empty_db(tmp_path)
    try:
        with db.write() as s:
            s.add(Center(code="HANGBAC", name="Phường Hàng Bạc", agency_id="000.00.12.H27", level="commune", settings={}))
        seed = seed_on_start(db, make_settings(database_url=db.url, instance_path=tmp_path))
        assert seed.kiosk_token is None
        with db.read() as s:
            assert s.scalar(select(Center.id).where(Center.code == DEMO_CENTER_CODE)) is None
    finally:
        db.dispose()


def test_fixtures_may_seed_the_center_alone(tmp_path):
    db = empty_db(tmp_path)
    try:
        with db.write() as s:
            seed = seed_demo(s, password_for=lambda _u: "matkhau-demo-123", catalogue=False, devices=False)
        assert set(seed.credentials.values()) == {"matkhau-demo-123"}
        assert counts(db) == (1, 0, 0)
    finally:
        db.dispose()
