"""A ticket's moves inside a write transaction the caller holds: each checks the ticket's life,
changes the ticket, writes its append-only :class:`TicketEvent` and collects the domain events
to publish after commit.

Here are the moves more than one operation makes: finish (a clerk's "Xong", or call-next finishing
the previous ticket), transfer and requeue (a clerk's choice, or what closing a counter does with
its ticket), and settling a counter's ticket before it closes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.clock import Clock
from server.domain.centers import center_or_404
from server.domain.errors import not_found
from server.domain.events import EventCollector
from server.domain.queue.announcements import counts_event, ticket_event
from server.domain.queue.rules import (
    LEAVE_CHOICES,
    check_allowed,
    counter_has_ticket,
    invalid_leave_choice,
    invalid_transfer_target,
)
from server.domain.queue.views import ticket_view
from server.domain.queue.waiting import current_ticket
from server.models import Counter, Service, Ticket, TicketEvent, TicketState


def log_event(
    session: Session, ticket: Ticket, action: str, from_state: str | None, actor: str, now: datetime, **data: Any
) -> TicketEvent:
    """Write the ticket's log row of ``action`` (reports and a reconnecting board read these), flushed for its id."""
    event = TicketEvent(
        ticket_id=ticket.id,
        center_id=ticket.center_id,
        at=now,
        action=action,
        from_state=from_state,
        to_state=ticket.state,
        actor=actor,
        counter_id=ticket.counter_id,
        service_id=ticket.service_id,
        data=data,
    )
    session.add(event)
    session.flush()
    return event


def finish(session: Session, events: EventCollector, ticket: Ticket, actor: str, now: datetime) -> dict[str, Any]:
    """Service done for a called or serving ticket; returns its view."""
    check_allowed(ticket, "finish")
    from_state = ticket.state
    if ticket.started_at is None:  # finished straight from "called": it was served all the same
        ticket.started_at = now
    ticket.state = TicketState.DONE
    ticket.finished_at = now
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
    return ticket_view(session, ticket)


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
    return ticket_view(session, ticket)


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


def close_counter(counter: Counter) -> None:
    """Mark the counter closed and free its seat (no clerk sits there any more)."""
    counter.is_open = False
    counter.clerk_id = None
    counter.clerk_seen_at = None
