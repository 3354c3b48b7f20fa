"""The supervisor's live dashboard: waiting per service, the longest wait (against the service's
wait target, with today's share within target), counters and who is at them, today's counts, open
alerts and the floor notice in force."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import format_local, local_date, utc
from server.domain.floor_messages import active_message, message_view
from server.domain.reports.periods import Period
from server.domain.reports.tables import (
    resolve_centers,
)
from server.domain.service_levels import service_levels
from server.domain.signin import signin_summary
from server.models import Counter, Service, Ticket, TicketEvent, TicketState, User


def live_dashboard(session: Session, center_id: int, now: datetime, alerts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What a supervisor watches: waiting per service, longest wait, counters and who is at them,
    today's counts and open alerts."""
    center = resolve_centers(session, center_id)[0]
    now = utc(now)
    today = local_date(now, center.timezone)
    tickets = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.state, Ticket.issued_at, Ticket.display, Ticket.counter_id)
        .where(Ticket.center_id == center.id, Ticket.day == today)
    ).all()
    by_state: dict[str, int] = defaultdict(int)
    waiting: dict[int, list] = defaultdict(list)
    for row in tickets:
        by_state[row.state] += 1
        if row.state == TicketState.WAITING:
            waiting[row.service_id].append(row)
    services = []
    longest = None
    levels = service_levels(session, center, now)  # services with a wait target only
    services_stmt = select(Service).where(Service.center_id == center.id).order_by(Service.sort_order, Service.id)
    for service in session.scalars(services_stmt):
        rows = waiting.get(service.id, [])
        oldest = min(rows, key=lambda r: utc(r.issued_at)) if rows else None
        minutes = (now - utc(oldest.issued_at)).total_seconds() / 60 if oldest else None
        services.append({"id": service.id, "code": service.code, "name": service.name, "name_en": service.name_en,
                         "active": service.active, "waiting": len(rows), "longest_wait_minutes": minutes,
                         "longest_number": oldest.display if oldest else None,
                         **_level_fields(levels.get(service.id))})
        if oldest is not None and (longest is None or minutes > longest["minutes"]):
            longest = {"minutes": minutes, "number": oldest.display, "service": service.name, "service_code": service.code}
    begin, end = Period.of("day", today).utc_bounds(center.timezone)
    served_by_counter = dict(session.execute(
        select(TicketEvent.counter_id, func.count())
        .where(TicketEvent.center_id == center.id, TicketEvent.action == "finish", TicketEvent.at >= begin, TicketEvent.at < end)
        .group_by(TicketEvent.counter_id)
    ).all())
    current = {row.counter_id: row for row in tickets
               if row.state in (TicketState.CALLED, TicketState.SERVING) and row.counter_id}
    counters = []
    counters_stmt = select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True)).order_by(Counter.number)
    for counter in session.scalars(counters_stmt):
        clerk = session.get(User, counter.clerk_id) if counter.clerk_id else None
        cur = current.get(counter.id)
        counters.append({"id": counter.id, "number": counter.number, "name": counter.name, "is_open": counter.is_open,
                         "paused": counter.paused_at is not None, "pause_reason": counter.pause_reason or "",
                         "clerk": {"id": clerk.id, "username": clerk.username, "full_name": clerk.full_name} if clerk else None,
                         "current": {"number": cur.display, "state": cur.state} if cur else None,
                         "served_today": served_by_counter.get(counter.id, 0), "service_ids": counter.service_ids})
    return {
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en},
        "day": today.isoformat(),
        "now": now.isoformat().replace("+00:00", "Z"),
        # Shown as is: the center's clock, not the supervisor's browser's (which may sit in another zone).
        "now_text": format_local(now, center.timezone),
        "timezone": center.timezone,
        "today": {"issued": len(tickets), "waiting": by_state[TicketState.WAITING],
                  "in_service": by_state[TicketState.CALLED] + by_state[TicketState.SERVING],
                  "served": by_state[TicketState.DONE], "no_show": by_state[TicketState.NO_SHOW],
                  "cancelled": by_state[TicketState.CANCELLED]},
        "longest_wait": longest,
        "services": services,
        "counters": counters,
        "counters_open": sum(1 for c in counters if c["is_open"]),
        "alerts": alerts or [],
        "signin": signin_summary(session, center.id, now, center.timezone),  # failed sign-ins (issue 12)
        "floor_message": message_view(active_message(session, center.id, now), now),
    }


def _level_fields(level: dict | None) -> dict:
    """A service's wait-target figures on the dashboard (all None for a service without a target)."""
    level = level or {}
    return {"wait_target_minutes": level.get("target_minutes"), "over_target": bool(level.get("over_target")),
            "called_today": level.get("called_today"), "within_target_today": level.get("within_target_today"),
            "share_within_target": level.get("share_within_target")}
