"""The two counts every issue and call run over the waiting line — the people ahead of a ticket and
who waits per field — are answered from one index alone: SQLite does not read each waiting ticket's
row for its day, put-back flag, priority or booked start (at a line of 2,500 that halved both)."""
from __future__ import annotations

from sqlalchemy import event, select, text

from server.domain.queue.estimates import people_ahead, waiting_counts
from server.models import Center, Ticket


def _plans(db, queue, ids) -> dict[str, str]:
    """The query plans of the people-ahead count of a ticket just issued and of the counts per field."""
    view = queue.issue_ticket(ids["center"], ids["justice"])
    executed: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        executed.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with db.read() as session:
            ticket = session.get(Ticket, view["id"])
            people_ahead(session, session.get(Center, ids["center"]), ticket)
            waiting_counts(session, ids["center"], ticket.day)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    counts = [(s, p) for s, p in executed if "count(" in s.lower()]
    assert len(counts) == 2, executed
    plans = {}
    with db.engine.connect() as conn:
        for name, (statement, parameters) in zip(("people_ahead", "waiting_counts"), counts, strict=True):
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans[name] = " | ".join(str(row[-1]) for row in rows)
    return plans


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
