"""What the citizens' screens are told, computed once per change (plain Python, no Flask).

Two views, each built by one query round per event however many screens watch:

* :func:`service_offer` — what a kiosk offers now (the kiosk's rule, kept in
  :mod:`server.domain.kiosk` and re-exported here): ``GET /api/v1/kiosk/services`` answers it, and
  the realtime layer pushes it as ``kiosk_services`` whenever a counter opens, closes or changes its
  services, or an admin edits services or counters, so a kiosk enables a field within a second.
* :func:`queue_positions` — for each waiting ticket of some services, how many people are ahead
  and the estimated wait, in the same order as call-next (:func:`waiting_order_key`). Pushed as
  ``queue_moved`` to the service's room, where the phone pages of its tickets listen: one
  computation per event, no database read per phone. Tickets are keyed by id (no token, no
  personal data).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import local_date
from server.domain.centers import center_or_404
from server.domain.kiosk import NO_OPEN_COUNTER, open_counters_by_service, service_offer
from server.models import Center, Service, Ticket, TicketState


def waiting_order_key(priority_enabled: bool) -> Any:
    """The order call-next takes waiting tickets of a service in: priority ones first when the
    center has priority on, then by sort time, ties broken by id (see ``QueueService._claim``)."""
    def key(row: Any) -> tuple:
        first = 0 if (priority_enabled and row.priority) else (1 if priority_enabled else 0)
        return (first, row.sort_at, row.id)
    return key


def queue_positions(session: Session, center_id: int, service_ids: Iterable[int] | None, now: datetime,
                    mean_minutes: Any, open_counters: Any) -> list[dict[str, Any]]:
    """Per service (all of the center's when ``service_ids`` is None): each waiting ticket's
    ``people_ahead`` and ``estimated_wait_minutes``, computed as one sorted list.

    ``mean_minutes(session, service_id, default)`` and ``open_counters(session, service_id)`` are
    the queue engine's own estimators, so a phone is told what ``GET /tickets/<token>`` would say."""
    center: Center = center_or_404(session, center_id)
    today = local_date(now, center.timezone)
    if service_ids is None:
        ids = list(session.scalars(select(Service.id).where(Service.center_id == center.id)))
    else:
        ids = sorted({int(i) for i in service_ids if i is not None})
    if not ids:
        return []
    rows = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.priority, Ticket.sort_at)
        .where(Ticket.center_id == center.id, Ticket.state == TicketState.WAITING, Ticket.day == today,
               Ticket.service_id.in_(ids))
    ).all()
    by_service: dict[int, list[Any]] = {i: [] for i in ids}
    for row in rows:
        by_service[row.service_id].append(row)
    key = waiting_order_key(bool(center.priority_enabled))
    out = []
    for service_id in ids:
        waiting = sorted(by_service[service_id], key=key)
        counters = int(open_counters(session, service_id))
        minutes = mean_minutes(session, service_id, center.default_service_minutes) if waiting else 0
        out.append({
            "center_id": center.id,
            "service_id": service_id,
            "open_counters": counters,
            "positions": [
                {"id": row.id, "people_ahead": ahead, "estimated_wait_minutes": math.ceil(ahead * minutes / max(1, counters))}
                for ahead, row in enumerate(waiting)
            ],
        })
    return out


__all__ = ["service_offer", "queue_positions", "waiting_order_key", "open_counters_by_service", "NO_OPEN_COUNTER"]
