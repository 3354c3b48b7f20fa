"""Once a minute the upkeep marks no-shows, sends the day-before reminders and blanks the contacts of
bookings whose day is over. Each finds its bookings through an index (migration 0016): without them
every one of the three read every booking the deployment ever took, two under the write lock, and
with 50,000 past bookings the job took 14 ms of CPU a minute instead of 1."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from server.domain.bookings.reminders import mark_no_shows, purge_contacts, send_reminders
from server.domain.notices import NoticeService
from tests.support.booking_rows import add_booking, booking_row
from tests.support.demo import MONDAY_9AM, center_id, service_id
from tests.support.statements import query_plan, recorded_statements

UPKEEP_INDEXES = {"ix_bookings_state_slot", "ix_bookings_with_contact"}


@pytest.fixture
def history(db) -> tuple[int, int]:
    """The demo center's justice field with past bookings, done with and purged, and one of tomorrow
    still holding a phone."""
    field = (center_id(db), service_id(db, "TPHT"))
    for days in range(1, 6):
        add_booking(db, *field, MONDAY_9AM - timedelta(days=days), state="checked_in")
        add_booking(db, *field, MONDAY_9AM - timedelta(days=days, hours=1), state="no_show")
    add_booking(db, *field, MONDAY_9AM + timedelta(days=1), phone="0912345678")
    return field


def _booking_plans(db, job) -> dict[str, str]:
    """The SQLite query plan of every SELECT from bookings ``job`` sends, by its statement."""
    with recorded_statements(db.engine) as executed:
        job()
    return {sql: query_plan(db.engine, sql, params) for sql, params in executed
            if sql.lstrip().upper().startswith("SELECT") and "FROM bookings" in sql}


def _jobs(db, clock):
    notices = NoticeService(db, clock)
    return {"no-shows": lambda: mark_no_shows(db, clock), "reminders": lambda: send_reminders(db, clock, notices),
            "purge": lambda: purge_contacts(db, clock)}


@pytest.mark.parametrize("job", ["no-shows", "reminders", "purge"])
def test_each_bookings_job_reads_its_bookings_through_an_index(db, clock, history, job):
    plans = _booking_plans(db, _jobs(db, clock)[job])
    assert plans, "the job read no bookings"
    for sql, plan in plans.items():
        assert "SCAN bookings" not in plan, (sql, plan)
        assert any(f"INDEX {name}" in plan for name in UPKEEP_INDEXES), (sql, plan)


def test_without_the_upkeep_indexes_the_jobs_would_read_every_booking(db, clock, history):
    with db.engine.begin() as conn:
        for name in UPKEEP_INDEXES:
            conn.execute(text(f"DROP INDEX {name}"))
    plans = {}
    for job in _jobs(db, clock).values():
        plans.update(_booking_plans(db, job))
    assert sum("SCAN bookings" in plan for plan in plans.values()) == 3, plans


def test_the_purge_keeps_the_contact_of_a_booking_whose_day_is_to_come(db, clock, history):
    # The partial index's condition is written out in the query: an OR that lost its parentheses
    # there would change which bookings are read.
    field = history
    past = add_booking(db, *field, MONDAY_9AM - timedelta(days=2), phone="0987654321", email="lan@example.vn")
    future = add_booking(db, *field, MONDAY_9AM + timedelta(days=2), email="minh@example.vn")
    assert purge_contacts(db, clock) == 1
    assert (booking_row(db, past["id"]).contact_phone, booking_row(db, past["id"]).contact_email) == ("", "")
    assert booking_row(db, future["id"]).contact_email == "minh@example.vn"


def test_the_migrated_database_has_the_upkeep_indexes(db):
    with db.engine.connect() as conn:
        rows = dict(conn.execute(select(text("name"), text("sql")).select_from(text("sqlite_master"))
                                 .where(text("type = 'index' AND tbl_name = 'bookings'"))).all())
    assert UPKEEP_INDEXES <= set(rows)
    assert "WHERE" in rows["ix_bookings_with_contact"], rows["ix_bookings_with_contact"]
