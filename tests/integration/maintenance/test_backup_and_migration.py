"""Backup while serving, restore, and a center's move from SQLite to PostgreSQL."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from server.clock import SystemClock
from server.db import Database
from server.domain.queue import QueueService
from server.maintenance import backup_sqlite, migrate_to_postgres, restore_sqlite
from server.models import Ticket


def test_backup_then_restore_brings_back_the_tickets(db, sqlite_url, tmp_path):
    queue = QueueService(db, SystemClock())
    kept = queue.issue_ticket(1, 1)
    backup_sqlite(sqlite_url, tmp_path / "backup.sqlite3")
    queue.issue_ticket(1, 1)  # after the backup: gone after restore
    db.dispose()
    restore_sqlite(sqlite_url, tmp_path / "backup.sqlite3")
    restored = Database(sqlite_url)
    with restored.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
    assert QueueService(restored, SystemClock()).ticket_by_token(kept["token"])["number"] == "1001"
    restored.dispose()


def test_restore_refuses_a_file_that_is_not_a_database(sqlite_url, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    # SQLite itself refuses a file that is not a database; a damaged one fails the integrity check.
    with pytest.raises((sqlite3.DatabaseError, ValueError)):
        restore_sqlite(sqlite_url, bad)


@pytest.mark.postgres
def test_migrate_to_postgres_keeps_tickets_numbers_and_continues_numbering(db, sqlite_url, pg_url):
    queue = QueueService(db, SystemClock())
    issued = [queue.issue_ticket(1, 1) for _ in range(3)]
    queue.call_next(1)
    db.dispose()
    copied = migrate_to_postgres(sqlite_url, pg_url)
    assert copied["tickets"] == 3 and copied["users"] == 9
    pg = Database(pg_url)
    try:
        pg_queue = QueueService(pg, SystemClock())
        assert pg_queue.ticket_by_token(issued[0]["token"])["state"] == "called"
        assert pg_queue.issue_ticket(1, 1)["number"] == "1004"
    finally:
        pg.dispose()
