"""Times are UTC in the database whatever time zone the PostgreSQL server runs in.

A PostgreSQL installed on a PC in Vietnam usually has TimeZone = Asia/Ho_Chi_Minh; our
columns are "timestamp without time zone" holding UTC, so a connection left in the
server's zone would store every issue, call and appointment 7 hours off."""
from __future__ import annotations

import psycopg
import pytest

from server.clock import FixedClock
from server.domain.queue import QueueService
from tests.support.demo import MONDAY_9AM, center_id, counter_id, make_db, service_id

pytestmark = pytest.mark.postgres


@pytest.fixture
def vietnam_pg_url(pg_url: str) -> str:
    """A fresh database whose sessions default to Hà Nội time, as on a server set up in Vietnam."""
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Ho_Chi_Minh'")
        # The setting is real: a new plain connection sees it.
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SHOW timezone").fetchone()[0] == "Asia/Ho_Chi_Minh"
    return pg_url


def test_a_ticket_issued_at_9_in_hanoi_is_stored_as_2_utc_on_a_server_in_vietnam_time(vietnam_pg_url):
    db = make_db(vietnam_pg_url)
    try:
        queue = QueueService(db, FixedClock(MONDAY_9AM))  # 02:00 UTC = 09:00 in Hà Nội
        view = queue.issue_ticket(center_id(db), service_id(db, "TPHT"))
        called = queue.call_next(counter_id(db, 1)).ticket
    finally:
        db.dispose()

    assert view["issued_at"] == "2026-11-23T02:00:00Z"
    assert called["called_at"] == "2026-11-23T02:00:00Z"
    # What another tool (a report in psql, a backup) reads from the column is UTC too.
    with psycopg.connect(vietnam_pg_url) as conn:
        stored = conn.execute("SELECT issued_at FROM tickets WHERE id = %s", (view["id"],)).fetchone()[0]
    assert (stored.hour, stored.minute) == (2, 0)
