"""A field's recent service time (the wait estimate of every issued ticket and phone look-up) reads an
index, not the center's whole history: without one SQLite scanned and sorted every ticket ever kept
(21 ms at 200,000 tickets, growing every day)."""
from __future__ import annotations

from sqlalchemy import text

from server.domain.queue.estimates import mean_service_minutes
from tests.support.statements import query_plan, recorded_statements


def _plan_of_mean_service_minutes(db) -> str:
    with recorded_statements(db.engine) as executed, db.read() as session:
        mean_service_minutes(session, 1, 5.0)
    statement, parameters = next((s, p) for s, p in executed if "finished_at" in s)
    return query_plan(db.engine, statement, parameters)


def test_the_recent_service_time_reads_the_fields_history_index(db):
    plan = _plan_of_mean_service_minutes(db)
    assert "USING INDEX ix_tickets_service_history" in plan
    assert "SCAN tickets" not in plan and "TEMP B-TREE" not in plan, plan


def test_without_the_index_the_whole_history_would_be_scanned(db):
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_tickets_service_history"))
    assert "SCAN tickets" in _plan_of_mean_service_minutes(db)
