"""How long a citizen waits: people ahead, the recent mean service time, the counters open now.

The people ahead of a ticket are its index in :func:`~server.domain.queue.waiting.service_queue`,
the order call-next takes them in, so the kiosk's slip, ``GET /tickets/<token>`` and the phone
page (``server/domain/citizen_push.py``, given these estimators) all say the same number. One
ticket's index is counted in the database (:func:`people_ahead`), not read as the whole line: a
ticket is issued at the end of a line that may be hundreds long.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from server.clock import utc
from server.domain.queue.waiting import ranked, ranked_sql, service_queue
from server.models import Center, Counter, CounterService, Service, Ticket, TicketState

# How many of a service's latest done tickets its mean service time is taken over: recent enough
# to follow the day's pace, enough to smooth one long case.
RECENT_SERVICE_SAMPLE = 20


def wait_minutes(ahead: int, minutes_each: float, open_counters: int) -> float:
    """People ahead × mean service minutes ÷ open counters (at least one)."""
    return ahead * minutes_each / max(1, open_counters)


def mean_service_minutes(session: Session, service_id: int, default: float) -> float:
    """Mean call-to-finish minutes of the service's most recent done tickets."""
    rows = session.execute(
        select(Ticket.called_at, Ticket.finished_at)
        .where(Ticket.service_id == service_id, Ticket.state == TicketState.DONE, Ticket.called_at.is_not(None))
        .order_by(Ticket.finished_at.desc())
        .limit(RECENT_SERVICE_SAMPLE)
    ).all()
    if not rows:
        return default
    total = sum((utc(f) - utc(c)).total_seconds() for c, f in rows)
    return max(0.5, total / len(rows) / 60)


def serving_now() -> ColumnElement[bool]:
    """The one rule of a counter that counts as "open and serving" (wait estimates, the kiosk's
    open-counter rule): active, open (a clerk sits there, or a supervisor opened it) and not paused —
    a counter on a break, in a meeting or helping a colleague calls nobody."""
    return and_(Counter.is_open.is_(True), Counter.active.is_(True), Counter.paused_at.is_(None))


def open_counters_for(session: Session, service_id: int) -> int:
    """Counters open and serving now (:func:`serving_now`) that serve the service."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CounterService)
            .join(Counter, Counter.id == CounterService.counter_id)
            .where(CounterService.service_id == service_id, serving_now())
        )
        or 0
    )


def _before(column: Any, mine: Any, tail: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """``column`` sorts before ``mine`` in ORDER BY ``column`` ASC, or ties with it and ``tail`` holds."""
    return column < mine if tail is None else or_(column < mine, and_(column == mine, tail))


def people_ahead(session: Session, center: Center, ticket: Ticket, now: datetime | None = None) -> int:
    """How many tickets come before ``ticket`` in :func:`service_queue` at ``now`` (all of the
    service's waiting tickets when it is not waiting itself): one COUNT over the waiting order's
    keys (:func:`~server.domain.queue.waiting.waiting_order`: put back at the head, ranked, sort
    time, id), compared with the ticket's own."""
    queue = service_queue(center, ticket.service_id, ticket.day, now).order_by(None)
    if ticket.state == TicketState.WAITING:
        # The keys of waiting_order, last first, each a tie-break of the one before it.
        ahead = _before(Ticket.sort_at, ticket.sort_at, _before(Ticket.id, ticket.id, None))
        is_ranked = ranked_sql(center, now)
        if is_ranked is not None:
            ahead = _before(case((is_ranked, 0), else_=1), 0 if ranked(center, ticket, now) else 1, ahead)
        # Put back at the head (at_head DESC): only those at the head too come before one at the head.
        ahead = and_(Ticket.at_head.is_(True), ahead) if ticket.at_head else or_(Ticket.at_head.is_(True), ahead)
        queue = queue.where(ahead)
    return int(session.scalar(queue.with_only_columns(func.count())) or 0)


def estimate(session: Session, ticket: Ticket, now: datetime | None = None, center: Center | None = None) -> tuple[int, int, int]:
    """People ahead, estimated wait in whole minutes (rounded up) and open counters of a waiting ticket:
    people ahead × recent mean service time ÷ open counters serving the service.

    People ahead are the tickets before this one in :func:`service_queue` at ``now`` (the order
    call-next takes them in: a booked ticket whose slot has started is ranked), the same count the
    phone page is pushed (:func:`people_ahead`). ``center`` is the ticket's, when the caller has it."""
    center = center if center is not None else session.get(Center, ticket.center_id)
    ahead = people_ahead(session, center, ticket, now)
    minutes_each = mean_service_minutes(session, ticket.service_id, center.default_service_minutes)
    open_counters = open_counters_for(session, ticket.service_id)
    return ahead, math.ceil(wait_minutes(ahead, minutes_each, open_counters)), open_counters


def waiting_counts(session: Session, center_id: int, day: date) -> list[dict[str, Any]]:
    """How many tickets wait per service of the center on ``day``, services in their display order
    (one query: every service, with its waiting tickets counted beside it)."""
    waiting = and_(Ticket.service_id == Service.id, Ticket.center_id == center_id, Ticket.state == TicketState.WAITING,
                   Ticket.day == day)
    rows = session.execute(
        select(Service.id, Service.code, func.count(Ticket.id))
        .outerjoin(Ticket, waiting)
        .where(Service.center_id == center_id)
        .group_by(Service.id, Service.code, Service.sort_order)
        .order_by(Service.sort_order, Service.id)
    ).all()
    return [{"service_id": service_id, "code": code, "waiting": count} for service_id, code, count in rows]
