"""What the citizens' screens are told, computed once per change (plain Python, no Flask).

Two views, each built by one query round per event however many screens watch:

* :func:`service_offer` — what a kiosk offers now (the kiosk's rule, kept in
  :mod:`server.domain.kiosk` and re-exported here): issuing allowed (opening hours), priority on
  or off, and per active service its waiting count, open counters and whether a ticket can be
  taken. ``GET /api/v1/kiosk/services`` answers it, and the realtime layer pushes it as
  ``kiosk_services`` whenever a counter opens, closes or changes its services, or an admin edits
  services or counters, so a kiosk enables a field within a second, not at its next poll.
* :func:`queue_positions` — for each waiting ticket of some services, how many people are ahead
  and the estimated wait, in call-next's order (:func:`server.domain.queue.waiting.service_queue`). Pushed as
  ``queue_moved`` to the service's room, where the phone pages of its tickets listen: one
  computation per event, no database read per phone. Tickets are keyed by id (no token, no
  personal data).

  A line is compact (issue 17: it goes to every phone of the line at every move)::

      {"center_id": 1, "service_id": 3, "open_counters": 2, "ids": [41, 57, 44], "waits": [0, 4, 8]}

  ``ids`` are the waiting tickets in call order, so the ticket ``ids[i]`` has ``i`` people ahead
  and an estimated wait of ``waits[i]`` minutes. A dict per ticket (``{"id", "people_ahead",
  "estimated_wait_minutes"}``) made a 200-ticket line about 12.8 KB; the arrays about 2 KB.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import local_date
from server.domain.centers import center_or_404
from server.domain.kiosk import NO_OPEN_COUNTER, open_counters_by_service, service_offer
from server.domain.queue.estimates import wait_minutes
from server.domain.queue.waiting import service_queue
from server.models import Center, Service, Ticket


def queue_positions(session: Session, center_id: int, service_ids: Iterable[int] | None, now: datetime,
                    mean_minutes: Any, open_counters: Any, *, followed: Callable[[int], bool] | None = None
                    ) -> list[dict[str, Any]]:
    """Per service (all of the center's when ``service_ids`` is None): the waiting tickets' ``ids``
    in the queue engine's :func:`~server.domain.queue.waiting.service_queue` order (a ticket's index is
    its people ahead, the count ``GET /tickets/<token>`` gives too) and, at the same index, their
    estimated ``waits`` in minutes (the module's docstring shows a line).

    ``mean_minutes(session, service_id, default)`` and ``open_counters(session, service_id)`` are
    the queue engine's own estimators, so a phone is told what ``GET /tickets/<token>`` would say.
    ``followed(service_id)``, when given, says whether anyone follows that line: the others are not read."""
    if service_ids is None:
        ids = list(session.scalars(select(Service.id).where(Service.center_id == center_id)))
    else:
        ids = sorted({int(i) for i in service_ids if i is not None})
    if followed is not None:
        ids = [service_id for service_id in ids if followed(service_id)]
    if not ids:
        return []
    center: Center = center_or_404(session, center_id)
    today = local_date(now, center.timezone)
    out = []
    for service_id in ids:
        waiting = list(session.scalars(service_queue(center, service_id, today, now).with_only_columns(Ticket.id)))
        counters = int(open_counters(session, service_id))
        minutes = mean_minutes(session, service_id, center.default_service_minutes) if waiting else 0
        out.append({
            "center_id": center.id,
            "service_id": service_id,
            "open_counters": counters,
            "ids": waiting,
            "waits": [math.ceil(wait_minutes(ahead, minutes, counters)) for ahead in range(len(waiting))],
        })
    return out


__all__ = ["service_offer", "queue_positions", "open_counters_by_service", "NO_OPEN_COUNTER"]
