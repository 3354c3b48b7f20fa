"""What the clerk console shows: the counters a clerk may sit at, the counter screen's settings,
the counter's waiting list and the center of the dossier pages.

The waiting list is :func:`server.domain.queue.waiting.waiting_for`, the order call-next claims in: the
first ticket the clerk sees is the one "Gọi số tiếp" calls.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, local_date, utc
from server.db import Database
from server.domain.accounts import ROLE_RANK
from server.domain.centers import centers_visible_to
from server.domain.dossiers import CHANNEL_LABELS, DossierService
from server.domain.errors import not_found, other_center
from server.domain.inputs import id_from_text
from server.domain.queue.rules import CALL_CHOSEN_REASONS, PAUSE_REASONS, PAUSE_TEXT_MAX, REASON_TEXT_MAX
from server.domain.queue.views import booking_brief, counter_brief, parked_query
from server.domain.queue.waiting import waiting_for
from server.models import Center, Counter, Service, Ticket, User
from server.models.dossiers import DossierState

WAITING_LIST_LENGTH = 300  # more than a hall holds; the console scrolls, the rest still waits


def may_take_over(user: User) -> bool:
    """A supervisor (or admin) may sit at a counter another clerk holds."""
    return ROLE_RANK.get(user.role, -1) >= ROLE_RANK["supervisor"]


def held_counter(db: Database, counter_id: int | None, user: User) -> Counter | None:
    """The counter ``counter_id`` if ``user`` still holds it open (a supervisor may have taken it over)."""
    if not counter_id:
        return None
    with db.read() as s:
        counter = s.get(Counter, counter_id)
        if counter is None or not counter.active or counter.clerk_id != user.id or not counter.is_open:
            return None
        return counter


def counter_choices(db: Database, user: User) -> tuple[list[Center], list[dict[str, Any]]]:
    """The centers ``user`` sees and their active counters, each with its services, who holds it
    and whether it is ``user``'s own (the counter choice page)."""
    with db.read() as s:
        centers = centers_visible_to(s, user)
        center_ids = [c.id for c in centers] or [-1]
        counters = s.scalars(select(Counter).where(Counter.center_id.in_(center_ids), Counter.active.is_(True))
                             .order_by(Counter.center_id, Counter.number))
        names = {sv.id: sv.name for sv in s.scalars(select(Service).where(Service.center_id.in_(center_ids)))}
        holders = _holder_names(s, center_ids)
        rows = [{"id": c.id, "number": c.number, "name": c.name, "center_id": c.center_id, "is_open": c.is_open,
                 "clerk_id": c.clerk_id, "services": [names[i] for i in c.service_ids if i in names],
                 "holder": holders.get(c.id), "mine": c.clerk_id == user.id and c.is_open}
                for c in counters]
    return centers, rows


def _holder_names(session: Session, center_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Counter.id, User.full_name, User.username).join(User, User.id == Counter.clerk_id)
                           .where(Counter.center_id.in_(center_ids), Counter.is_open.is_(True))).all()
    return {cid: (full or username) for cid, full, username in rows}


def counter_screen(db: Database, dossiers: DossierService, counter_id: int, user: User) -> dict[str, Any]:
    """The counter screen's settings (its script reads them): center, counter, clerk, services,
    counters to transfer to, procedures and channels for receiving dossiers."""
    with db.read() as s:
        counter = s.get(Counter, counter_id)
        center = s.get(Center, counter.center_id)
        all_services = s.scalars(select(Service).where(Service.center_id == center.id).order_by(Service.sort_order))
        counters = s.scalars(select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True))
                             .order_by(Counter.number))
        config = {
            "center_id": center.id, "center_name": center.name, "timezone": center.timezone,
            "counter": {"id": counter.id, "number": counter.number, "name": counter.name,
                        "service_ids": list(counter.service_ids)},
            "user": {"id": user.id, "username": user.username, "name": user.full_name or user.username, "role": user.role},
            "services": [{"id": sv.id, "code": sv.code, "name": sv.name, "kind": sv.kind, "active": sv.active}
                         for sv in all_services],
            "counters": [{"id": c.id, "number": c.number, "name": c.name} for c in counters],
            "auto_finish": bool(center.auto_finish_on_next),
            "state": counter_brief(counter),
            "call_reasons": _choices(CALL_CHOSEN_REASONS), "pause_reasons": _choices(PAUSE_REASONS),
            "reason_max": REASON_TEXT_MAX, "pause_text_max": PAUSE_TEXT_MAX,
        }
    config["procedures"] = dossiers.procedures(config["center_id"])
    config["channels"] = [{"code": k, "vi": vi, "en": en} for k, (vi, en) in CHANNEL_LABELS.items()]
    return config


def waiting_list(db: Database, clock: Clock, counter_id: int) -> dict[str, Any]:
    """Who waits for a counter today, in the order its call-nexts will take them (``WaitingOut``)."""
    now = clock.now()
    with db.read() as s:
        counter = s.get(Counter, counter_id)
        if counter is None or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        service_of = {sv.id: sv for sv in s.scalars(select(Service).where(Service.center_id == counter.center_id))}
        tickets = [_waiting_item(s, t, service_of.get(t.service_id), counter, now)
                   for t in waiting_for(s, counter, now)[:WAITING_LIST_LENGTH]]
    return {"counter_id": counter_id, "tickets": tickets}


def _choices(reasons: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    return [{"code": code, "vi": vi, "en": en} for code, (vi, en) in reasons.items()]


def parked_list(db: Database, clock: Clock, counter_id: int) -> dict[str, Any]:
    """The tickets parked today (đang chờ bổ sung) that this counter may recall, oldest first
    (:func:`~server.domain.queue.views.parked_query`): parked here, or of its services elsewhere."""
    now = clock.now()
    with db.read() as s:
        counter = s.get(Counter, counter_id)
        if counter is None or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        center = s.get(Center, counter.center_id)
        service_of = {sv.id: sv for sv in s.scalars(select(Service).where(Service.center_id == counter.center_id))}
        number_of = dict(s.execute(select(Counter.id, Counter.number).where(Counter.center_id == counter.center_id)).all())
        tickets = [
            {"id": t.id, "number": t.display, "priority": t.priority,
             "service": {"id": t.service_id, "code": service_of[t.service_id].code, "name": service_of[t.service_id].name},
             "parked_at": iso_utc(t.parked_at),
             "parked_minutes": max(0, int((now - utc(t.parked_at)).total_seconds() // 60)) if t.parked_at else 0,
             "counter_number": number_of.get(t.counter_id), "here": t.counter_id == counter.id}
            for t in s.scalars(parked_query(counter, local_date(now, center.timezone)))
        ]
    return {"counter_id": counter_id, "tickets": tickets}


def _waiting_item(session: Session, t: Ticket, sv: Service | None, counter: Counter, now: datetime) -> dict[str, Any]:
    return {
        "id": t.id, "number": t.display, "priority": t.priority,
        "service": {"id": sv.id, "code": sv.code, "name": sv.name, "kind": sv.kind} if sv else {},
        "issued_at": iso_utc(t.issued_at),
        "waited_minutes": max(0, int((now - utc(t.issued_at)).total_seconds() // 60)),
        "dossier_code": t.dossier_code, "transferred": t.service_id != t.origin_service_id or t.target_counter_id is not None,
        "targeted": t.target_counter_id == counter.id, "note": t.note or "", "booking": booking_brief(session, t),
    }


def dossier_list_center(db: Database, user: User, wanted: str | None) -> tuple[Center, list[Center]]:
    """The center whose dossiers the list shows (``?center=`` or the user's own, else the first
    visible), with the centers ``user`` may pick from; 403 for a center not among them."""
    with db.read() as s:
        centers = centers_visible_to(s, user)
    center_id = id_from_text(wanted) if wanted else (user.center_id or (centers[0].id if centers else 0))
    if center_id is None:
        center_id = user.center_id or 0
    center = next((c for c in centers if c.id == center_id), None)
    if center is None:
        raise other_center()
    return center, centers


def dossier_state(value: str | None) -> str | None:
    """A dossier state filter: one of the states, or None (all) for anything else."""
    return value if value in DossierState.ALL else None


__all__ = [
    "counter_choices", "counter_screen", "dossier_list_center", "dossier_state", "held_counter", "may_take_over", "parked_list",
    "waiting_list",
]
