"""How long a citizen waits: people ahead, the recent mean service time, the counters open now.

The people ahead of a ticket are its index in :func:`~server.domain.queue.waiting.service_queue`,
the order call-next takes them in, so the kiosk's slip, ``GET /tickets/<token>`` and the phone
page (``server/domain/citizen_push.py``, given these estimators) all say the same number. One
ticket's index is counted in the database (:func:`people_ahead`), not read as the whole line: a
ticket is issued at the end of a line that may be hundreds long.
"""

from __future__ import annotations

import functools
import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, or_, select, true
from sqlalchemy.orm import Session

from server.clock import utc
from server.db import run_core
from server.domain.queue.waiting import Shape, naive_utc, ranked, ranked_sql, service_queue
from server.models import Center, Counter, CounterService, Service, Ticket, TicketState

# How many of a service's latest done tickets its mean service time is taken over: recent enough
# to follow the day's pace, enough to smooth one long case.
RECENT_SERVICE_SAMPLE = 20


def wait_minutes(ahead: int, minutes_each: float, open_counters: int) -> float:
    """People ahead × mean service minutes ÷ open counters (at least one)."""
    return ahead * minutes_each / max(1, open_counters)


# The estimators run at every issue and every phone look-up: their statements are built once (values
# bound at execution), as building one costs SQLAlchemy more than running it (see waiting.Shape).
@functools.cache
def _recent_service_statement() -> Select:
    return (
        select(Ticket.called_at, Ticket.finished_at)
        .where(Ticket.service_id == bindparam("service_id"), Ticket.state == TicketState.DONE, Ticket.called_at.is_not(None))
        .order_by(Ticket.finished_at.desc())
        .limit(RECENT_SERVICE_SAMPLE)
    )


def mean_service_minutes(session: Session, service_id: int, default: float) -> float:
    """Mean call-to-finish minutes of the service's most recent done tickets."""
    rows = run_core(session, _recent_service_statement(), {"service_id": service_id}).all()
    return _mean_minutes([(c, f) for c, f in rows], default)


def serving_now() -> ColumnElement[bool]:
    """The one rule of a counter that counts as "open and serving" (wait estimates, the kiosk's
    open-counter rule): active, open (a clerk sits there, or a supervisor opened it) and not paused —
    a counter on a break, in a meeting or helping a colleague calls nobody."""
    return and_(Counter.is_open.is_(True), Counter.active.is_(True), Counter.paused_at.is_(None))


def open_counters_for(session: Session, service_id: int) -> int:
    """Counters open and serving now (:func:`serving_now`) that serve the service."""
    return run_core(session, _open_counters_statement(), {"service_id": service_id}).scalar() or 0


@functools.cache
def _open_counters_statement() -> Select:
    return (
        select(func.count())
        .select_from(CounterService)
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(CounterService.service_id == bindparam("service_id"), serving_now())
    )


def _before(column: Any, mine: Any, tail: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """``column`` sorts before ``mine`` in ORDER BY ``column`` ASC, or ties with it and ``tail`` holds."""
    return column < mine if tail is None else or_(column < mine, and_(column == mine, tail))


def people_ahead(session: Session, center: Center, ticket: Ticket, now: datetime | None = None) -> int:
    """How many tickets come before ``ticket`` in :func:`service_queue` at ``now`` (all of the
    service's waiting tickets when it is not waiting itself): one COUNT over the waiting order's
    keys (:func:`~server.domain.queue.waiting.waiting_order`: put back at the head, ranked, sort
    time, id), compared with the ticket's own."""
    shape, values = _ahead_of(center, ticket, now)
    return int(run_core(session, _ahead_statement(*shape), values).scalar() or 0)


def _ahead_of(center: Center, ticket: Ticket, now: datetime | None) -> tuple[tuple[bool, ...], dict[str, Any]]:
    """The shape of ``ticket``'s people-ahead COUNT (:func:`_ahead_statement`'s arguments) and the values
    it is run with; :func:`estimate`'s one statement takes the same."""
    waiting = ticket.state == TicketState.WAITING
    shape = (bool(center.priority_enabled), now is not None, waiting, waiting and bool(ticket.at_head),
             waiting and ranked(center, ticket, now))
    values = {"center_id": center.id, "service_id": ticket.service_id, "day": ticket.day, "sort_at": ticket.sort_at,
              "ticket_id": ticket.id, "now": naive_utc(now) if now is not None else None}
    return shape, values


@functools.cache
def _ahead_statement(priority_enabled: bool, with_now: bool, waiting: bool, at_head: bool, mine_ranked: bool) -> Select:
    """The COUNT of :func:`people_ahead` for a ticket of this shape, built once (:class:`Shape`)."""
    center = Shape("center_id", priority_enabled=priority_enabled)
    now = bindparam("now") if with_now else None
    queue = service_queue(center, bindparam("service_id"), bindparam("day"), now).order_by(None)  # type: ignore[arg-type]
    if waiting:
        # The keys of waiting_order, last first, each a tie-break of the one before it.
        ahead = _before(Ticket.sort_at, bindparam("sort_at"), _before(Ticket.id, bindparam("ticket_id"), None))
        is_ranked = ranked_sql(center, now)
        if is_ranked is not None:
            ahead = _before(case((is_ranked, 0), else_=1), 0 if mine_ranked else 1, ahead)
        # Put back at the head (at_head DESC): only those at the head too come before one at the head.
        ahead = and_(Ticket.at_head.is_(True), ahead) if at_head else or_(Ticket.at_head.is_(True), ahead)
        queue = queue.where(ahead)
    return queue.with_only_columns(func.count())


def estimate(session: Session, ticket: Ticket, now: datetime | None = None, center: Center | None = None) -> tuple[int, int, int]:
    """People ahead, estimated wait in whole minutes (rounded up) and open counters of a waiting ticket:
    people ahead × recent mean service time ÷ open counters serving the service.

    People ahead are the tickets before this one in :func:`service_queue` at ``now`` (the order
    call-next takes them in: a booked ticket whose slot has started is ranked), the same count the
    phone page is pushed (:func:`people_ahead`). ``center`` is the ticket's, when the caller has it.

    The three figures are read in one statement (:func:`_estimate_statement`): each issue counts
    them, and a statement's trip through SQLAlchemy costs more than SQLite's answering it."""
    center = center if center is not None else session.get(Center, ticket.center_id)
    shape, values = _ahead_of(center, ticket, now)
    rows = run_core(session, _estimate_statement(*shape), values).all()
    ahead, open_counters = int(rows[0][0] or 0), int(rows[0][1] or 0)
    recent = [(called, finished) for _ahead, _open, called, finished in rows if called is not None]
    minutes_each = _mean_minutes(recent, center.default_service_minutes)
    return ahead, math.ceil(wait_minutes(ahead, minutes_each, open_counters)), open_counters


def _mean_minutes(rows: list[tuple[datetime, datetime]], default: float) -> float:
    """Mean call-to-finish minutes of ``rows`` (``default`` without any), half a minute at least."""
    if not rows:
        return default
    total = sum((utc(f) - utc(c)).total_seconds() for c, f in rows)
    return max(0.5, total / len(rows) / 60)


@functools.cache
def _estimate_statement(priority_enabled: bool, with_now: bool, waiting: bool, at_head: bool, mine_ranked: bool) -> Select:
    """:func:`people_ahead`, :func:`open_counters_for` and the rows of :func:`mean_service_minutes`
    as one SELECT: the two counts on every row of the recent done tickets, left-joined to one row so
    that a service with none still gives its counts (a row whose times are NULL)."""
    ahead = _ahead_statement(priority_enabled, with_now, waiting, at_head, mine_ranked).scalar_subquery()
    open_counters = _open_counters_statement().scalar_subquery()
    recent = _recent_service_statement().subquery()
    one_row = select(literal(1).label("one")).subquery()
    return (
        select(ahead, open_counters, recent.c.called_at, recent.c.finished_at)
        .select_from(one_row)
        .outerjoin(recent, true())
    )


def waiting_counts(session: Session, center_id: int, day: date) -> list[dict[str, Any]]:
    """How many tickets wait per service of the center on ``day``, services in their display order
    (one query: every service, with its waiting tickets counted beside it)."""
    rows = run_core(session, _waiting_counts_statement(), {"center_id": center_id, "day": day}).all()
    return [{"service_id": service_id, "code": code, "waiting": count} for service_id, code, count in rows]


@functools.cache
def _waiting_counts_statement() -> Select:
    center_id = bindparam("center_id")
    waiting = and_(Ticket.service_id == Service.id, Ticket.center_id == center_id, Ticket.state == TicketState.WAITING,
                   Ticket.day == bindparam("day"))
    return (
        select(Service.id, Service.code, func.count(Ticket.id))
        .outerjoin(Ticket, waiting)
        .where(Service.center_id == center_id)
        .group_by(Service.id, Service.code, Service.sort_order)
        .order_by(Service.sort_order, Service.id)
    )
