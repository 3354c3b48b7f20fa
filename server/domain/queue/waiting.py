"""The one waiting order: who is waiting for whom, and in which order call-next takes them.

call-next claims the first of :func:`waiting_for` (:func:`claim_first`, row-locked); the console's
list, the wait estimate and the phone pages' positions read the same queries, so what a clerk sees
first is what "Gọi số tiếp" calls. The order, from first to last: a ticket put back at the head
(its counter closed while calling it); then priority tickets when the center has priority on —
except that after ``max_priority_streak`` priority calls in a row at a counter one regular ticket
goes first (the fairness rule); then by sort time (issue time, kept across transfers unless the
center says otherwise), ties broken by id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.orm import Session

from server.clock import local_date
from server.models import Center, Counter, Ticket, TicketState


def regular_turn(center: Center, streak: int) -> bool:
    """Fairness: after ``max_priority_streak`` priority calls in a row at a counter, a regular
    ticket goes first (when one waits)."""
    return bool(center.priority_enabled) and streak >= center.max_priority_streak


def eligible_for(counter: Counter) -> Any:
    """Which waiting tickets a counter may call: those sent to it by name, and those of its
    services not sent to another counter."""
    return or_(
        Ticket.target_counter_id == counter.id,
        and_(Ticket.target_counter_id.is_(None), Ticket.service_id.in_(counter.service_ids or [-1])),
    )


def waiting_order(center: Center, *, regular_first: bool = False) -> list[Any]:
    """ORDER BY of the waiting order: a ticket put back at the head (its counter closed while
    calling it) before anyone; then priority tickets (when the center has priority on) — or
    regular ones when it is their turn (``regular_first``, see :func:`regular_turn`); then by
    sort time, ties broken by id."""
    order: list[Any] = [Ticket.at_head.desc()]
    if center.priority_enabled:
        is_regular = case((Ticket.priority.is_(None), 1), else_=0)
        order.append(is_regular.desc() if regular_first else is_regular.asc())
    return order + [Ticket.sort_at.asc(), Ticket.id.asc()]


def _waiting_today(center: Center, day: date) -> list[Any]:
    return [Ticket.center_id == center.id, Ticket.state == TicketState.WAITING, Ticket.day == day]


def waiting_query(center: Center, counter: Counter, day: date, *, regular_first: bool = False) -> Select:
    """SELECT of the tickets waiting for ``counter`` on ``day``, in the waiting order."""
    return (
        select(Ticket)
        .where(*_waiting_today(center, day), eligible_for(counter))
        .order_by(*waiting_order(center, regular_first=regular_first))
    )


def service_queue(center: Center, service_id: int, day: date) -> Select:
    """SELECT of a service's waiting tickets on ``day`` in the waiting order (no counter's
    fairness turn): a ticket's index in it is its people ahead."""
    return select(Ticket).where(*_waiting_today(center, day), Ticket.service_id == service_id).order_by(*waiting_order(center))


def call_sequence(tickets: list[Ticket], center: Center, streak: int) -> list[Ticket]:
    """The order successive call-nexts take ``tickets`` in (given in :func:`waiting_order`
    without a fairness turn), replaying the fairness rule from the counter's current ``streak``
    exactly as :meth:`QueueService.call_next` moves it; its first item is what
    :func:`waiting_query` with :func:`regular_turn` selects."""
    out: list[Ticket] = []
    for group in ([t for t in tickets if t.at_head], [t for t in tickets if not t.at_head]):
        ranked = [t for t in group if center.priority_enabled and t.priority]
        regular = [t for t in group if not (center.priority_enabled and t.priority)]
        while ranked or regular:
            ticket = regular.pop(0) if regular and (not ranked or regular_turn(center, streak)) else ranked.pop(0)
            streak = streak + 1 if ticket.priority else 0
            out.append(ticket)
    return out


def waiting_for(session: Session, counter: Counter, now: datetime) -> list[Ticket]:
    """Today's tickets waiting for ``counter``, in the order its call-nexts will take them
    (nobody else calling or arriving meanwhile): the first is what call-next claims now."""
    center = session.get(Center, counter.center_id)
    rows = list(session.scalars(waiting_query(center, counter, local_date(now, center.timezone))))
    return call_sequence(rows, center, counter.priority_streak)


def claim_first(session: Session, center: Center, counter: Counter, now: datetime) -> Ticket | None:
    """The first ticket of :func:`waiting_for`, row-locked for the caller's write transaction.

    One query (:func:`waiting_query` with the counter's fairness turn) rather than the whole list:
    call-next is the hot path. SQLite: the write transaction was taken up front (BEGIN IMMEDIATE),
    so nobody else claims meanwhile. PostgreSQL: a ticket another counter is claiming right now is
    skipped, not waited on (FOR UPDATE SKIP LOCKED)."""
    stmt = waiting_query(
        center, counter, local_date(now, center.timezone), regular_first=regular_turn(center, counter.priority_streak)
    ).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    return session.execute(stmt).scalar_one_or_none()


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    """The ticket called to, or being served at, a counter (the latest called, should there be two):
    the one that has left the waiting order for this counter."""
    return session.execute(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    ).scalar_one_or_none()
