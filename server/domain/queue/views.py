"""The public views of tickets, services and counters: what the API, boards and phones are sent.

No personal data, ever: a ticket carries its number, service, state, times and counter; a
result-pickup ticket adds its dossier code, never a name or a phone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from server.clock import iso_utc, local_time, utc
from server.domain.queue.estimates import estimate
from server.models import Center, Counter, Service, Ticket, TicketState


def service_brief(service: Service) -> dict[str, Any]:
    """A service as the kiosk, boards and tickets name it."""
    return {
        "id": service.id,
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "kind": service.kind,
        "prefix": service.ticket_prefix,
        "priority_allowed": service.priority_allowed,
    }


def counter_brief(counter: Counter) -> dict[str, Any]:
    """A counter: number, name, open or closed, paused (and why), and the services it calls."""
    return {
        "id": counter.id,
        "number": counter.number,
        "name": counter.name,
        "is_open": counter.is_open,
        "paused": counter.paused_at is not None,
        "paused_at": iso_utc(counter.paused_at),
        "pause_reason": (counter.pause_reason or "") if counter.paused_at is not None else "",
        "service_ids": counter.service_ids,
        "center_id": counter.center_id,
    }


def parked_query(counter: Counter, day: date) -> Select:
    """SELECT of the tickets parked (đang chờ bổ sung) on ``day`` that ``counter`` may recall: those
    it parked itself, and those of its services parked at another counter (its clerk may have left).
    Oldest first: the citizen who left first is likely back first."""
    return (
        select(Ticket)
        .where(
            Ticket.center_id == counter.center_id,
            Ticket.state == TicketState.PARKED,
            Ticket.day == day,
            or_(Ticket.counter_id == counter.id, Ticket.service_id.in_(counter.service_ids or [-1])),
        )
        .order_by(Ticket.parked_at.asc(), Ticket.id.asc())
    )


def booking_brief(session: Session, ticket: Ticket) -> dict[str, Any] | None:
    """A booked ticket's booking as a ticket shows it: the slot's local start time only
    (``{"booked_for": "09:30"}``), never who booked; None for a walk-in or a late check-in."""
    if ticket.booking_id is None or ticket.ahead_from is None:
        return None
    center = session.get(Center, ticket.center_id)
    return {"booked_for": f"{local_time(utc(ticket.ahead_from), center.timezone):%H:%M}"}


def ticket_view(session: Session, ticket: Ticket, *, with_wait: bool = True, now: datetime | None = None) -> dict[str, Any]:
    """The public view of a ticket: no personal data, ever. A waiting ticket adds its people
    ahead, estimated wait and open counters unless ``with_wait`` is off (events leave it out:
    each phone is pushed its own place); they are counted at ``now`` (see
    :func:`~server.domain.queue.estimates.estimate`). A booked ticket says its slot's time (``booking``)."""
    service = session.get(Service, ticket.service_id)
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    view: dict[str, Any] = {
        "id": ticket.id,
        "token": ticket.token,
        "number": ticket.display,
        "seq": ticket.seq,
        "center_id": ticket.center_id,
        "service": service_brief(service),
        "state": ticket.state,
        "priority": ticket.priority,
        "issued_at": iso_utc(ticket.issued_at),
        "called_at": iso_utc(ticket.called_at),
        "started_at": iso_utc(ticket.started_at),
        "finished_at": iso_utc(ticket.finished_at),
        "counter": {"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
        "recall_count": ticket.recall_count,
        "dossier_code": ticket.dossier_code,
        "parked_at": iso_utc(ticket.parked_at) if ticket.state == TicketState.PARKED else None,
        "booking": booking_brief(session, ticket),
    }
    if with_wait:
        view.update(wait_view(session, ticket, now))
    return view


def wait_view(session: Session, ticket: Ticket, now: datetime | None = None, center: Center | None = None) -> dict[str, Any]:
    """What :func:`ticket_view` adds for a waiting ticket (nothing for another): ``people_ahead``,
    ``estimated_wait_minutes`` and ``open_counters`` at ``now``. Issuing adds it after its write
    transaction, in a read of its own, so the write lock is not held for the estimate; ``center``
    is the ticket's, when the caller has it."""
    if ticket.state != TicketState.WAITING:
        return {}
    ahead, minutes, open_counters = estimate(session, ticket, now, center)
    return {"people_ahead": ahead, "estimated_wait_minutes": minutes, "open_counters": open_counters}
