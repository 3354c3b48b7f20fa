"""Atomic daily numbering: one counter row per (center, scope, local day).

An upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``) increments and reads
the value in one statement, so concurrent kiosks and processes never get the same
number, and the sequence survives restarts because it lives in the database.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.db import run_core
from server.models import DailySequence, Service


def next_value(session: Session, center_id: int, scope: str, day: date) -> int:
    """Allocate and return the next value (1, 2, …) of ``scope`` for ``day``."""
    stmt = _next_value_statement(session.get_bind().dialect.name)
    return int(run_core(session, stmt, {"center_id": center_id, "scope": scope, "day": day}).scalar_one())


# Built once per dialect, values bound at execution: every ticket issued runs it (building a
# statement costs SQLAlchemy more than running it, see server.domain.queue.waiting.Shape).
@functools.cache
def _next_value_statement(dialect: str) -> Any:
    table = DailySequence.__table__
    values = {"center_id": bindparam("center_id"), "scope": bindparam("scope"), "day": bindparam("day"), "last_value": 1}
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values)
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(table).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.center_id, table.c.scope, table.c.day],
        set_={"last_value": table.c.last_value + 1},
    ).returning(table.c.last_value)


def number_range(service: Any, siblings: Iterable[Any]) -> tuple[int, int | None]:
    """The service's own range of numbers, ``(first, last)``; ``last`` is None when nothing
    bounds it.

    ``last`` is ``Service.number_end`` when set, else derived: one before the next range of the
    center that prints the same way (same ``ticket_prefix``; ``siblings`` are the center's
    services), so TPHT from 1001 and DD from 2001 give TPHT 1001–2000. The last range of a
    prefix is unbounded: nobody's numbers lie beyond it."""
    first = int(service.number_start)
    if service.number_end is not None:
        return first, int(service.number_end)
    later = [
        int(other.number_start)
        for other in siblings
        if other.id != service.id and (other.ticket_prefix or "") == (service.ticket_prefix or "")
        and int(other.number_start) > first
    ]
    return first, (min(later) - 1 if later else None)


def range_siblings(session: Session, service: Any) -> list[Any]:
    """What :func:`ticket_display` needs of the service's center to bound its range: the other
    services' ``id``, ``ticket_prefix`` and ``number_start`` (rows, not whole services), or nothing
    when the service has its own ``number_end``. Issuing reads them before :func:`next_value`, so
    PostgreSQL's lock on the day's sequence row is held for the insert only, not for this read."""
    if service.number_end is not None:
        return []
    return list(run_core(session, _siblings_statement(), {"center_id": service.center_id}).all())


@functools.cache
def _siblings_statement() -> Any:
    return select(Service.id, Service.ticket_prefix, Service.number_start).where(Service.center_id == bindparam("center_id"))


def ticket_display(service: Any, seq: int, siblings: Iterable[Any] | None = None) -> tuple[int, str]:
    """The printed number of the ``seq``-th ticket of the day: (number, display form).

    A service numbers either with a prefix (``A`` + 3 digits → ``A023``) or in a
    range (start 1001, 4 digits → ``1023``). The number never leaves the service's own
    range (:func:`number_range`): past its last number it **wraps** back to its first
    (TPHT 1001–2000: the 1001st ticket of the day is 1001 again), never 2001, which is the next
    field's. The ticket stays unique by its id, token and the day's ``seq``; a display number
    repeats only after a whole range in one day (a thousand tickets of one field), by which time
    the first holder has long been called. ``siblings`` default to the service's center's services."""
    if siblings is None:  # the siblings only bound a range without its own end: no load when it has one
        siblings = service.center.services if service.number_end is None else ()
    first, last = number_range(service, siblings)
    number = first + seq - 1
    if last is not None and last >= first:
        number = first + (seq - 1) % (last - first + 1)
    digits = max(1, service.number_digits)
    return number, f"{service.ticket_prefix}{number:0{digits}d}"


def overlapping_ranges(services: Iterable[Any]) -> tuple[Any, Any] | None:
    """Two services of one center whose number ranges (same prefix) overlap, or None.

    A range is ``number_start``…``number_end``; without an end it runs to the next start of the
    same prefix (:func:`number_range`), so only an explicit end, or two equal starts, can overlap."""
    by_prefix: dict[str, list[Any]] = {}
    for service in services:
        by_prefix.setdefault(service.ticket_prefix or "", []).append(service)
    for group in by_prefix.values():
        group.sort(key=lambda x: (int(x.number_start), x.id or 0))
        for low, high in zip(group, group[1:], strict=False):
            low_end = low.number_end if low.number_end is not None else int(high.number_start) - 1
            if int(high.number_start) == int(low.number_start) or int(high.number_start) <= low_end:
                return low, high
    return None
