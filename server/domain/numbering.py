"""Atomic daily numbering: one counter row per (center, scope, local day).

An upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``) increments and reads
the value in one statement, so concurrent kiosks and processes never get the same
number, and the sequence survives restarts because it lives in the database.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import DailySequence, Service


def next_value(session: Session, center_id: int, scope: str, day: date) -> int:
    """Allocate and return the next value (1, 2, …) of ``scope`` for ``day``."""
    dialect = session.get_bind().dialect.name
    table = DailySequence.__table__
    values = {"center_id": center_id, "scope": scope, "day": day, "last_value": 1}
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.center_id, table.c.scope, table.c.day],
        set_={"last_value": table.c.last_value + 1},
    ).returning(table.c.last_value)
    return int(session.execute(stmt).scalar_one())


def ticket_display(service: Service, seq: int) -> tuple[int, str]:
    """The printed number of the ``seq``-th ticket of the day: (number, display form).

    A service numbers either with a prefix (``A`` + 3 digits → ``A023``) or in a
    range (start 1001, 4 digits → ``1023``)."""
    number = service.number_start + seq - 1
    digits = max(1, service.number_digits)
    return number, f"{service.ticket_prefix}{number:0{digits}d}"
