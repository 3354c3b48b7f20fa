"""What the queue tells the others after commit, and what a call announces.

Each operation of :class:`~server.domain.queue.service.QueueService` collects these
:class:`DomainEvent` objects in its transaction; the app's one ``EventBus`` hands them, after commit,
to realtime (boards, consoles, phones), the citizens' pushes and the announcer (the voice).

Waiting counts ride in the ticket event (issue 17). An operation that changes how many wait
(issue, call, transfer, requeue, cancel) adds its ticket event then :func:`counts_event`; the unit
of work's collector (:class:`~server.domain.events.EventCollector`) folds the counts into that ticket
event, so every board and kiosk of the center gets ONE message::

    ticket_called {"event_id": …, "ticket": {…}, …,
                   "counts": {"center_id": 1, "services": [{"service_id": 3, "waiting": 12, …}, …]}}

``counts`` is exactly what a ``queue_counts`` event carries (:func:`counts_event`'s payload): a
client applies ``p.counts.services`` as it applies a ``queue_counts``'s ``p.services``. A ticket
event with no ``counts`` (started, finished, no-show, parked) changed no waiting count. A
standalone ``queue_counts`` still goes out where no ticket event precedes it (a counter resumed,
an admin edit), so clients keep that handler too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, local_date
from server.domain.centers import center_or_404
from server.domain.dossiers.pickup import is_pickup
from server.domain.events import COUNTS_EVENT, DomainEvent, center_room, counter_room, ticket_room
from server.domain.queue.estimates import waiting_counts
from server.domain.queue.views import counter_brief, service_brief, ticket_view
from server.models import Counter, Service, Ticket


@dataclass(frozen=True)
class LogRow:
    """A ticket's log row (:class:`~server.models.TicketEvent`) as written: its id, which the event
    carries (a reconnecting board asks for what came after it), and its time."""

    id: int
    at: datetime


# The ticket log's actions that call a citizen to a counter, and the kind of call each is announced as:
# a chosen call (out of the waiting order) and the recall of a parked ticket sound like any call.
CALL_KINDS: dict[str, str] = {"call": "call", "recall": "recall", "call_chosen": "call", "recall_parked": "call"}


def call_announcement(service: Service | None, ticket: Ticket, action: str) -> str:
    """What a call of ``ticket`` announces: ``"pickup"`` for a result-pickup ticket (the collect
    service, issued for a dossier), else ``action`` ("call" / "recall"). Either way the ticket's
    own number is what is said and shown large; a pickup adds the dossier code on screen. A log
    action of :data:`CALL_KINDS` (``call_chosen``, ``recall_parked``) is announced as its kind."""
    return "pickup" if is_pickup(service, ticket) else CALL_KINDS.get(action, action)


def ticket_event(session: Session, name: str, ticket: Ticket, log: LogRow, **extra: Any) -> DomainEvent:
    """``name`` (``ticket_issued``, ``ticket_finished`` …) for the ticket's center, its phone page
    and its counter, carrying the log row's id (a reconnecting board asks for what came after)."""
    payload = {"event_id": log.id, "at": iso_utc(log.at), "ticket": ticket_view(session, ticket, with_wait=False)}
    payload.update(extra)
    rooms = [center_room(ticket.center_id), ticket_room(ticket.token)]
    if ticket.counter_id:
        rooms.append(counter_room(ticket.counter_id))
    return DomainEvent(name, ticket.center_id, payload, tuple(rooms))


def called_event(session: Session, ticket: Ticket, counter: Counter, log: LogRow, kind: str) -> DomainEvent:
    """``ticket_called`` of a call or recall: what boards show and the announcer says."""
    service = session.get(Service, ticket.service_id)
    return ticket_event(
        session,
        "ticket_called",
        ticket,
        log,
        kind=kind,
        announcement=call_announcement(service, ticket, kind),
        number=ticket.display,
        counter={"id": counter.id, "number": counter.number, "name": counter.name},
        service=service_brief(service),
    )


def counts_event(session: Session, center_id: int, clock: Clock) -> DomainEvent:
    """``queue_counts``: how many wait per service today, for the center's boards and kiosks.
    Added right after a ticket event it goes out inside it, as its ``counts`` (see the module's docstring)."""
    center = center_or_404(session, center_id)
    today = local_date(clock.now(), center.timezone)
    return DomainEvent(
        COUNTS_EVENT,
        center_id,
        {"center_id": center_id, "services": waiting_counts(session, center_id, today)},
        (center_room(center_id),),
    )


def counter_event(counter: Counter) -> DomainEvent:
    """``counter_changed``: a counter opened, closed, paused or resumed (``paused``, ``pause_reason``)."""
    return DomainEvent(
        "counter_changed",
        counter.center_id,
        {"counter": counter_brief(counter)},
        (center_room(counter.center_id), counter_room(counter.id)),
    )
