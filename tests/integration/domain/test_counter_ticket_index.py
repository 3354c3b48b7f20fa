"""Every counter action (call-next, recall, start, finish, no-show, park, transfer, close) first looks
up the ticket called to or served at its counter. That look-up reads an index of the counter's
tickets by state: without it SQLite read every ticket the center ever issued, and with a year of
history (100,000 tickets) a call-next and its finish took 52 ms of CPU instead of 7, holding the one
write lock meanwhile."""
from __future__ import annotations

from sqlalchemy import select, text

from tests.support.statements import query_plan, recorded_statements


def _current_ticket_plan(db, queue, ids) -> str:
    """The query plan of the current-ticket look-up a finish makes at counter 1."""
    queue.issue_ticket(ids["center"], ids["justice"])
    queue.call_next(ids["c1"])
    with recorded_statements(db.engine) as executed:
        queue.finish(ids["c1"])
    lookups = [(s, p) for s, p in executed
               if s.lstrip().upper().startswith("SELECT") and "FROM tickets" in s and "tickets.counter_id = ?" in s]
    assert len(lookups) == 1, executed
    return query_plan(db.engine, *lookups[0])


def test_a_counter_finds_its_current_ticket_through_the_counter_index(db, queue, ids):
    plan = _current_ticket_plan(db, queue, ids)
    assert "USING INDEX ix_tickets_at_counter" in plan and "SCAN tickets" not in plan, plan


def test_without_the_counter_index_every_ticket_would_be_read(db, queue, ids):
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_tickets_at_counter"))
    assert "SCAN tickets" in _current_ticket_plan(db, queue, ids)


def test_the_migrated_database_has_the_counter_index(db):
    with db.engine.connect() as conn:
        names = set(conn.execute(select(text("name")).select_from(text("sqlite_master"))
                                 .where(text("type = 'index' AND tbl_name = 'tickets'"))).scalars())
    assert "ix_tickets_at_counter" in names
