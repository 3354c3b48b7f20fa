"""A ticket's moves inside a write transaction the caller holds: each checks the ticket's life,
changes the ticket, writes its append-only :class:`TicketEvent` and collects the domain events
to publish after commit.

Here are the moves more than one operation makes: finish (a clerk's "Xong", or call-next finishing
the previous ticket), transfer and requeue (a clerk's choice, or what closing a counter does with
its ticket), settling a counter's ticket before it closes, calling a ticket to a counter (call-next,
a chosen call, a parked ticket's recall), and the counter's own moves — open, close, pause,
resume — each written to its append-only :class:`CounterEvent` log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date
from server.db import write_columns
from server.domain.centers import center_or_404
from server.domain.errors import not_found
from server.domain.events import EventCollector
from server.domain.queue.announcements import LogRow, called_event, counts_event, ticket_event
from server.domain.queue.rules import (
    LEAVE_CHOICES,
    check_allowed,
    counter_busy,
    counter_has_ticket,
    invalid_leave_choice,
    invalid_transfer_target,
)
from server.domain.queue.views import parked_query, ticket_view
from server.domain.queue.waiting import current_ticket, eligible_for, streak_after
from server.models import Center, Counter, CounterEvent, Service, Ticket, TicketEvent, TicketState

# Written with the table's own INSERT on the transaction's connection, not through the unit of work:
# the row is append-only and nothing in the transaction reads it back as an object, and the ORM's
# add-and-flush cost 2.5× this insert (312 against 127 µs in-process; ARCHITECTURE.md "How a process serves").
_LOG_INSERT = insert(TicketEvent.__table__)


def log_event(
    session: Session, ticket: Ticket, action: str, from_state: str | None, actor: str, now: datetime, **data: Any
) -> LogRow:
    """Write the ticket's log row of ``action`` (reports and a reconnecting board read these) in the
    session's transaction; returns its id and time."""
    values = {
        "ticket_id": ticket.id,
        "center_id": ticket.center_id,
        "at": now,
        "action": action,
        "from_state": from_state,
        "to_state": ticket.state,
        "actor": actor,
        "counter_id": ticket.counter_id,
        "service_id": ticket.service_id,
        "data": data,
    }
    result = session.connection().execute(_LOG_INSERT, values)
    return LogRow(result.inserted_primary_key[0], now)


def finish(session: Session, events: EventCollector, ticket: Ticket, actor: str, now: datetime) -> dict[str, Any]:
    """Service done for a called or serving ticket; returns its view."""
    check_allowed(ticket, "finish")
    from_state = ticket.state
    # Finished straight from "called": it was served all the same.
    started_at = ticket.started_at if ticket.started_at is not None else now
    write_columns(session, ticket, started_at=started_at, state=TicketState.DONE, finished_at=now)
    log = log_event(session, ticket, "finish", from_state, actor, now)
    events.add(ticket_event(session, "ticket_finished", ticket, log))
    return ticket_view(session, ticket)


def transfer(
    session: Session,
    events: EventCollector,
    clock: Clock,
    ticket: Ticket,
    to_service_id: int | None,
    to_counter_id: int | None,
    note: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Send the ticket to another service or to a counter by name; it waits again, keeping its
    place by original issue time unless the center says otherwise. Returns its view."""
    if (to_service_id is None) == (to_counter_id is None):
        raise invalid_transfer_target()
    check_allowed(ticket, "transfer")
    center = center_or_404(session, ticket.center_id)
    target: dict[str, Any] = {}
    if to_service_id is not None:
        service = session.get(Service, to_service_id)
        if service is None or service.center_id != center.id or not service.active:
            raise not_found("dịch vụ", "Service", "unknown_service")
        ticket.service_id = service.id
        ticket.target_counter_id = None
        target = {"service_id": service.id}
    else:
        counter = session.get(Counter, to_counter_id)
        if counter is None or counter.center_id != center.id or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        ticket.target_counter_id = counter.id
        target = {"counter_id": counter.id, "counter_number": counter.number}
    from_state = ticket.state
    from_counter = ticket.counter_id
    ticket.state = TicketState.WAITING
    ticket.counter_id = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.at_head = False
    if not center.transfer_keeps_place:
        ticket.sort_at = now
    if note:
        ticket.note = note[:2000]
    log = log_event(session, ticket, "transfer", from_state, actor, now, note=note[:500], from_counter_id=from_counter, **target)
    events.add(ticket_event(session, "ticket_transferred", ticket, log, target=target))
    events.add(counts_event(session, center.id, clock))
    return ticket_view(session, ticket, now=now)


def requeue(
    session: Session, events: EventCollector, clock: Clock, ticket: Ticket, actor: str, now: datetime, reason: str
) -> dict[str, Any]:
    """Back to waiting at the head of its service's queue: the next counter serving it calls it first.

    Not a no-show (the citizen did nothing wrong) and not a new wait: its issue time, number and
    recall count stay; reports count its wait once, up to its first call."""
    check_allowed(ticket, "requeue")
    from_state, from_counter = ticket.state, ticket.counter_id
    ticket.state = TicketState.WAITING
    ticket.counter_id = None
    ticket.target_counter_id = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.at_head = True
    log = log_event(session, ticket, "requeue", from_state, actor, now, reason=reason, from_counter_id=from_counter)
    # Sent as ``ticket_transferred`` (with ``requeued``): boards, consoles and the phone page already
    # take that event to mean "waiting again, no longer called to a counter".
    target = {"service_id": ticket.service_id, "requeued": True}
    events.add(ticket_event(session, "ticket_transferred", ticket, log, target=target, requeued=True, reason=reason))
    events.add(counts_event(session, ticket.center_id, clock))
    return ticket_view(session, ticket, now=now)


def settle_current(
    session: Session,
    events: EventCollector,
    clock: Clock,
    counter: Counter,
    then: str | None,
    to_service_id: int | None,
    to_counter_id: int | None,
    note: str,
    actor: str,
    now: datetime,
) -> dict[str, Any] | None:
    """Before a counter closes: do the chosen thing with its called/serving ticket, or refuse.
    Returns the ticket's view after the choice, or None when the counter held nobody."""
    current = current_ticket(session, counter)
    if current is None:
        return None
    if then is None:
        raise counter_has_ticket(counter, current)
    if then not in LEAVE_CHOICES:
        raise invalid_leave_choice()
    if then == "finish":
        return finish(session, events, current, actor, now)
    if then == "requeue":
        return requeue(session, events, clock, current, actor, now, "counter_closed")
    return transfer(session, events, clock, current, to_service_id, to_counter_id, note, actor, now)


def claim_chosen(session: Session, center: Center, counter: Counter, ticket_id: int, now: datetime) -> Ticket | None:
    """The ticket ``ticket_id`` if it waits for ``counter`` today (:func:`eligible_for`, the rule of
    the counter's waiting list), row-locked for the caller's write transaction; else None.

    SQLite: the write transaction was taken up front. PostgreSQL: a ticket another counter is
    calling right now is waited for, then seen called (the row is checked again) and refused."""
    stmt = select(Ticket).where(
        Ticket.id == ticket_id,
        Ticket.center_id == center.id,
        Ticket.state == TicketState.WAITING,
        Ticket.day == local_date(now, center.timezone),
        eligible_for(counter),
    )
    return _locked(session, stmt)


def claim_parked(session: Session, center: Center, counter: Counter, ticket_id: int, now: datetime) -> Ticket | None:
    """The ticket ``ticket_id`` if it is in ``counter``'s parked list today (:func:`~.views.parked_query`),
    row-locked like :func:`claim_chosen`: two counters recalling one parked ticket at once call it once."""
    return _locked(session, parked_query(counter, local_date(now, center.timezone)).where(Ticket.id == ticket_id))


def _locked(session: Session, stmt: Any) -> Ticket | None:
    # The row as it is now (populate_existing: not an older copy the session read before the lock).
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Ticket)
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()


def make_room(
    session: Session, events: EventCollector, center: Center, counter: Counter, actor: str, now: datetime
) -> dict[str, Any] | None:
    """Before a call at ``counter``: finish its current ticket when the center finishes it
    automatically (returns that ticket's view), else refuse (409 ``counter_busy``)."""
    current = current_ticket(session, counter)
    if current is None:
        return None
    if not center.auto_finish_on_next:
        raise counter_busy(counter, current)
    return finish(session, events, current, actor, now)


def call_to(
    session: Session, events: EventCollector, clock: Clock, ticket: Ticket, counter: Counter, action: str, actor: str,
    now: datetime, **data: Any,
) -> dict[str, Any]:
    """Call ``ticket`` to ``counter``: called, logged as ``action`` (``call``, ``call_chosen``,
    ``recall_parked``) with ``data``, announced as a call on every board. Returns its view.

    The fairness rule's count (see waiting.regular_turn) moves as at call-next: a ranked call
    (priority, or booked from its slot's start) adds one, a regular call starts it again — a
    chosen call is still a call of that kind. Read before the ticket's fields change."""
    center = session.get(Center, counter.center_id)
    streak = streak_after(center, counter.priority_streak, ticket, now)
    if streak != counter.priority_streak:
        write_columns(session, counter, priority_streak=streak)
    from_state = ticket.state
    write_columns(session, ticket, state=TicketState.CALLED, counter_id=counter.id, called_at=now, started_at=None,
                  target_counter_id=None, at_head=False, parked_at=None)
    log = log_event(session, ticket, action, from_state, actor, now, **data)
    events.add(called_event(session, ticket, counter, log, "call"))
    events.add(counts_event(session, counter.center_id, clock))
    return ticket_view(session, ticket)


def park(
    session: Session, events: EventCollector, ticket: Ticket, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """The citizen went to fetch a missing paper: the ticket leaves the counter's hands (the
    counter is free to call the next one) and waits in the parked list, keeping the counter it was
    parked at (the phone page says where to come back to). Returns its view."""
    check_allowed(ticket, "park")
    from_state = ticket.state
    ticket.state = TicketState.PARKED
    ticket.parked_at = now
    log = log_event(session, ticket, "park", from_state, actor, now, reason=reason)
    events.add(ticket_event(session, "ticket_parked", ticket, log, reason=reason))
    return ticket_view(session, ticket)


# ---------------------------------------------------------------- the counter's own log
def log_counter(
    session: Session, counter: Counter, action: str, now: datetime, actor: str, *, user_id: int | None = None,
    reason: str = "",
) -> CounterEvent:
    """Write the counter's log row (``open``, ``close``, ``pause``, ``resume``): reports count open,
    idle and paused time from these, per counter and per clerk (``user_id``)."""
    row = CounterEvent(
        center_id=counter.center_id, counter_id=counter.id, at=now, action=action, reason=reason[:200], actor=actor[:80],
        user_id=user_id,
    )
    session.add(row)
    return row


def open_counter(session: Session, counter: Counter, now: datetime, actor: str, *, clerk_id: int | None = None) -> None:
    """Open the counter, seating ``clerk_id`` if given (logged ``open``). Already open: a new clerk
    taking it over closes the previous holder's shift first (``close`` then ``open``); the same clerk,
    or nobody named, changes nothing but the clerk's "last seen"."""
    if counter.is_open and (clerk_id is None or clerk_id == counter.clerk_id):
        if clerk_id is not None:
            counter.clerk_seen_at = now
        return
    if counter.is_open:
        end_shift(session, counter, now, actor)
    counter.is_open = True
    if clerk_id is not None:
        counter.clerk_id, counter.clerk_seen_at = clerk_id, now
    log_counter(session, counter, "open", now, actor, user_id=counter.clerk_id)


def end_shift(session: Session, counter: Counter, now: datetime, actor: str) -> None:
    """Log the end of an open counter's shift: its pause ends first (``resume``), then ``close``,
    so every pause in the log has its end and every open its close."""
    if counter.paused_at is not None:
        log_counter(session, counter, "resume", now, actor, user_id=counter.clerk_id, reason="counter_closed")
        counter.paused_at, counter.pause_reason = None, ""
    log_counter(session, counter, "close", now, actor, user_id=counter.clerk_id)


def close_counter(session: Session, counter: Counter, now: datetime, actor: str) -> None:
    """Mark the counter closed and free its seat (no clerk sits there any more); logged when it was open.

    Tickets parked here stay parked: the parked lists of their service's counters still show them,
    and the day's report counts those never recalled — nothing is silently dropped."""
    if counter.is_open:
        end_shift(session, counter, now, actor)
    counter.is_open = False
    counter.clerk_id = None
    counter.clerk_seen_at = None
    counter.paused_at, counter.pause_reason = None, ""
