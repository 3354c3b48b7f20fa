"""Service-level targets (chỉ tiêu thời gian chờ): a service may promise a wait of at most
``Service.wait_target_minutes`` (e.g. 15 minutes).

Two figures per service with a target, on the live dashboard:
- the *longest current wait*: the oldest of today's waiting tickets, issued → now, against the target;
- the *share within target today*: of today's tickets called at least once, the share whose wait
  (issued → first call) was at most the target.

And one rule: a waiting ticket past its service's target raises an alert of kind ``wait_target``
(one open alert per service, source ``service:<id>``), resolved once nobody in that service waits
longer than the target. :meth:`ServiceLevels.check` is run by the upkeep scheduler of each server
process (server/adapters/upkeep.py): it is idempotent, the open alert in the database is the
de-duplication. The period report's tables of the share within target live in
:mod:`server.domain.reports.floor_times`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, utc
from server.db import Database
from server.domain.alerts import AlertService
from server.models import Alert, Center, Service, Ticket, TicketEvent, TicketState

WAIT_TARGET = "wait_target"


def target_source(service_id: int) -> str:
    """The ``source`` of a service's wait-target alert: one open alert per service."""
    return f"service:{service_id}"


def within_target(wait_seconds: float, target_minutes: int) -> bool:
    """A wait meets its target when it is at most the target (15 min 00 s meets a 15-minute target)."""
    return wait_seconds <= target_minutes * 60


def service_levels(session: Session, center: Center, now: datetime) -> dict[int, dict[str, Any]]:
    """Per service of the center with a target: target, longest current wait (minutes), whether it is
    over the target, and today's called / within-target counts and share (None with no call yet)."""
    now = utc(now)
    today = local_date(now, center.timezone)
    targets = {s.id: s.wait_target_minutes for s in session.scalars(
        select(Service).where(Service.center_id == center.id, Service.wait_target_minutes.is_not(None)))}
    if not targets:
        return {}
    oldest = dict(session.execute(
        select(Ticket.service_id, func.min(Ticket.issued_at))
        .where(Ticket.center_id == center.id, Ticket.day == today, Ticket.state == TicketState.WAITING,
               Ticket.service_id.in_(list(targets)))
        .group_by(Ticket.service_id)
    ).all())
    levels: dict[int, dict[str, Any]] = {}
    for service_id, target in targets.items():
        longest = (now - utc(oldest[service_id])).total_seconds() / 60 if service_id in oldest else None
        levels[service_id] = {"target_minutes": target, "longest_wait_minutes": longest,
                              "over_target": longest is not None and not within_target(longest * 60, target),
                              "called_today": 0, "within_target_today": 0, "share_within_target": None}
    for service_id, waited in first_call_waits(session, center.id, today):
        level = levels.get(service_id)
        if level is None:
            continue
        level["called_today"] += 1
        level["within_target_today"] += within_target(waited, level["target_minutes"])
    for level in levels.values():
        if level["called_today"]:
            level["share_within_target"] = level["within_target_today"] / level["called_today"]
    return levels


def first_call_waits(session: Session, center_id: int, day: date) -> list[tuple[int, float]]:
    """(service id, seconds from issue to first call) of each of the day's tickets called at least once."""
    first_call = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.at).label("called_at"))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.center_id == center_id, Ticket.day == day, TicketEvent.action == "call")
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(Ticket.service_id, Ticket.issued_at, first_call.c.called_at).join(first_call, first_call.c.ticket_id == Ticket.id)
    ).all()
    return [(service_id, (utc(called) - utc(issued)).total_seconds()) for service_id, issued, called in rows]


def target_messages(service: Service, minutes: float, number: str | None) -> tuple[str, str]:
    """What supervisors read when a service's wait passes its target."""
    who_vi = f" (số {number})" if number else ""
    who_en = f" (ticket {number})" if number else ""
    return (
        f"Lĩnh vực “{service.name}”: công dân chờ lâu nhất đã {int(minutes)} phút{who_vi}, vượt chỉ tiêu "
        f"{service.wait_target_minutes} phút. Cân nhắc mở thêm quầy.",
        f"“{service.name_en or service.name}”: the longest wait is {int(minutes)} min{who_en}, over the "
        f"{service.wait_target_minutes}-minute target. Consider opening another counter.",
    )


class ServiceLevels:
    """The wait-target rule over the database: run :meth:`check` periodically (the upkeep does)."""

    def __init__(self, db: Database, clock: Clock, alerts: AlertService) -> None:
        self.db = db
        self.clock = clock
        self.alerts = alerts

    def check(self, center_id: int | None = None) -> dict[str, list[int]]:
        """Raise ``wait_target`` for each service with a waiting ticket past its target (once: an
        open alert is not raised again), resolve it for services back within target (or whose target
        was removed). Returns the service ids raised and resolved. Two queries per center with targets."""
        now = utc(self.clock.now())
        to_raise: list[tuple[int, int, str, str]] = []
        over_now: set[tuple[int, str]] = set()
        with self.db.read() as s:
            open_stmt = select(Alert.center_id, Alert.source).where(Alert.kind == WAIT_TARGET, Alert.resolved_at.is_(None))
            if center_id is not None:
                open_stmt = open_stmt.where(Alert.center_id == center_id)
            open_sources = {(c, src) for c, src in s.execute(open_stmt)}
            targeted = select(Service).where(Service.wait_target_minutes.is_not(None))
            if center_id is not None:
                targeted = targeted.where(Service.center_id == center_id)
            by_center: dict[int, list[Service]] = {}
            for service in s.scalars(targeted):
                by_center.setdefault(service.center_id, []).append(service)
            for cid, services in by_center.items():
                center = s.get(Center, cid)
                today = local_date(now, center.timezone)
                oldest = dict(s.execute(
                    select(Ticket.service_id, func.min(Ticket.issued_at))
                    .where(Ticket.center_id == cid, Ticket.day == today, Ticket.state == TicketState.WAITING,
                           Ticket.service_id.in_([sv.id for sv in services]))
                    .group_by(Ticket.service_id)
                ).all())
                for service in services:
                    if service.id not in oldest:
                        continue
                    waited = (now - utc(oldest[service.id])).total_seconds()
                    if within_target(waited, service.wait_target_minutes):
                        continue
                    over_now.add((cid, target_source(service.id)))
                    if (cid, target_source(service.id)) not in open_sources:
                        number = s.scalars(
                            select(Ticket.display).where(Ticket.center_id == cid, Ticket.day == today,
                                                         Ticket.service_id == service.id, Ticket.state == TicketState.WAITING)
                            .order_by(Ticket.issued_at, Ticket.id).limit(1)
                        ).first()
                        to_raise.append((cid, service.id, *target_messages(service, waited / 60, number)))
        done: dict[str, list[int]] = {"raised": [], "resolved": []}
        for cid, service_id, message_vi, message_en in to_raise:
            self.alerts.raise_alert(cid, WAIT_TARGET, target_source(service_id), message_vi, message_en)
            done["raised"].append(service_id)
        # Back within target, nobody waiting, or the target removed: the alert ends.
        for cid, source in sorted(open_sources - over_now, key=lambda k: (k[0] or 0, k[1])):
            if self.alerts.resolve(cid, WAIT_TARGET, source):
                done["resolved"].append(int(source.split(":", 1)[1]))
        return done


__all__ = ["WAIT_TARGET", "ServiceLevels", "first_call_waits", "service_levels", "target_messages", "target_source",
           "within_target"]
