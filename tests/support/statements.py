"""The SQL a block of code sends: for specifications of how many statements, which ones, in what
order, and what SQLite's planner makes of them."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Inside the block, every statement ``engine`` sends, as ``(sql, parameters)`` in order."""
    executed: list[tuple[str, Any]] = []

    def note(_conn, _cursor, statement, parameters, _context, _many) -> None:
        executed.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", note)


def query_plan(engine: Engine, statement: str, parameters: Any) -> str:
    """SQLite's ``EXPLAIN QUERY PLAN`` of a recorded statement, its steps joined by `` | ``."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return " | ".join(str(row[-1]) for row in rows)
