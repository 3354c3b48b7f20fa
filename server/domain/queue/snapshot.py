"""What a board or a console shows as of one moment, read in the caller's read transaction.

A client gets it on (re)connect, then applies the events newer than its ``last_event_id``; the
clerk's console gets its counter with the current ticket the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import iso_utc, local_date
from server.domain.queue.announcements import CALL_KINDS, call_announcement
from server.domain.queue.estimates import waiting_counts
from server.domain.queue.views import counter_brief, service_brief, ticket_view
from server.domain.queue.waiting import current_ticket
from server.models import Center, Counter, Service, Ticket, TicketEvent


def center_snapshot(
    session: Session,
    center: Center,
    now: datetime,
    *,
    recent_calls: int = 10,
    since_event_id: int | None = None,
    missed_calls_max: int = 50,
) -> dict[str, Any]:
    """Everything a board or console shows, as of ``now``: services with their waiting counts,
    counters with their current ticket, today's latest calls, the last event id.

    ``recent_calls`` is how many of today's latest calls it lists. A client coming back
    with ``since_event_id`` (the last event it has) gets every call after it, up to
    ``missed_calls_max``, even when that is more than ``recent_calls``: a board offline
    through 15 calls must not silently lose the oldest 5. ``now`` is the server's time,
    so a board can tell a stale missed call from a fresh one without trusting its own clock."""
    today = local_date(now, center.timezone)
    services = session.scalars(select(Service).where(Service.center_id == center.id).order_by(Service.sort_order)).all()
    counts = {c["service_id"]: c["waiting"] for c in waiting_counts(session, center.id, today)}
    counters = session.scalars(
        select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True)).order_by(Counter.number)
    ).all()
    counter_views = []
    for counter in counters:
        current = current_ticket(session, counter)
        brief = counter_brief(counter)
        brief["current"] = (
            {"number": current.display, "state": current.state, "id": current.id, "dossier_code": current.dossier_code}
            if current
            else None
        )
        counter_views.append(brief)
    latest_calls = (
        select(TicketEvent, Ticket)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.center_id == center.id, TicketEvent.action.in_(tuple(CALL_KINDS)), Ticket.day == today)
        .order_by(TicketEvent.id.desc())
    )
    calls = session.execute(latest_calls.limit(recent_calls)).all()
    if since_event_id is not None and len(calls) == recent_calls and calls[-1][0].id > since_event_id:
        # The window is full of calls the client has not seen: it missed more. Send them all (capped).
        calls = session.execute(
            latest_calls.where(TicketEvent.id > since_event_id).limit(max(recent_calls, missed_calls_max))
        ).all()
    last_event_id = session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.center_id == center.id)) or 0
    by_id = {svc.id: svc for svc in services}
    return {
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en},
        "day": today.isoformat(),
        "now": iso_utc(now),
        "last_event_id": last_event_id,
        "services": [dict(service_brief(s), waiting=counts.get(s.id, 0), active=s.active) for s in services],
        "counters": counter_views,
        "recent_calls": [
            {
                "event_id": ev.id,
                "at": iso_utc(ev.at),
                "number": t.display,
                "kind": CALL_KINDS.get(ev.action, ev.action),
                "announcement": call_announcement(by_id.get(t.service_id), t, ev.action),
                "counter_number": next((c.number for c in counters if c.id == ev.counter_id), None),
                "service_id": t.service_id,
                "dossier_code": t.dossier_code,  # set only on result-pickup tickets: boards show it under the number
            }
            for ev, t in calls
        ],
    }


def counter_view(session: Session, counter: Counter) -> dict[str, Any]:
    """A counter, its services and its current ticket (for the clerk console)."""
    current = current_ticket(session, counter)
    view = counter_brief(counter)
    view["current"] = ticket_view(session, current) if current else None
    return view
