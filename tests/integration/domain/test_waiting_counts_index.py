"""The two counts every issue and call run over the waiting line — the people ahead of a ticket and
who waits per field — are answered from one index alone: SQLite does not read each waiting ticket's
row for its day, put-back flag, priority or booked start (at a line of 2,500 that halved both)."""
from __future__ import annotations

from sqlalchemy import select, text

from server.domain.queue.estimates import people_ahead, waiting_counts
from server.models import Center, Ticket
from tests.support.statements import query_plan, recorded_statements


def _plans(db, queue, ids) -> dict[str, str]:
    """The query plans of the people-ahead count of a ticket just issued and of the counts per field."""
    view = queue.issue_ticket(ids["center"], ids["justice"])
    with recorded_statements(db.engine) as executed, db.read() as session:
        ticket = session.get(Ticket, view["id"])
        people_ahead(session, session.get(Center, ids["center"]), ticket)
        waiting_counts(session, ids["center"], ticket.day)
    counts = [(s, p) for s, p in executed if "count(" in s.lower()]
    assert len(counts) == 2, executed
    return {name: query_plan(db.engine, statement, parameters)
            for name, (statement, parameters) in zip(("people_ahead", "waiting_counts"), counts, strict=True)}


def test_people_ahead_and_the_counts_per_field_read_the_waiting_index_alone(db, queue, ids):
    plans = _plans(db, queue, ids)
    assert "USING COVERING INDEX ix_tickets_waiting" in plans["people_ahead"], plans
    assert "tickets USING COVERING INDEX ix_tickets_waiting" in plans["waiting_counts"], plans


def test_without_the_waiting_index_each_waiting_row_would_be_read(db, queue, ids):
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_tickets_waiting"))
    plans = _plans(db, queue, ids)
    assert "COVERING INDEX" not in plans["people_ahead"] and "COVERING INDEX" not in plans["waiting_counts"], plans


def test_the_migrated_database_has_the_waiting_index_in_place_of_the_old_one(db):
    with db.engine.connect() as conn:
        names = set(conn.execute(select(text("name")).select_from(text("sqlite_master"))
                                 .where(text("type = 'index' AND tbl_name = 'tickets'"))).scalars())
    assert "ix_tickets_waiting" in names and "ix_tickets_queue" not in names
