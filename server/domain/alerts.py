"""Alerts for supervisors: raised by hardware and devices, de-duplicated while open."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.clock import Clock
from server.db import Database
from server.domain.events import DomainEvent, Publisher, center_room
from server.models import Alert


def supervisors_room(center_id: int | None) -> str:
    return f"supervisors:{center_id if center_id is not None else 'all'}"


class AlertService:
    """Raise, resolve and list alerts; every change is pushed to the supervisors' room."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    def raise_alert(self, center_id: int | None, kind: str, source: str, message_vi: str, message_en: str = "") -> dict[str, Any]:
        """Open an alert, or bump the open one of the same kind and source."""
        now = self.clock.now()
        with self.db.write() as s:
            alert = s.execute(
                select(Alert).where(Alert.center_id == center_id, Alert.kind == kind, Alert.source == source, Alert.resolved_at.is_(None))
            ).scalar_one_or_none()
            if alert is None:
                alert = Alert(center_id=center_id, kind=kind, source=source, message_vi=message_vi, message_en=message_en,
                              created_at=now, last_seen_at=now, occurrences=1)
                s.add(alert)
            else:
                alert.occurrences += 1
                alert.last_seen_at = now
                alert.message_vi, alert.message_en = message_vi, message_en
            s.flush()
            view = alert_view(alert)
        self._emit("alert_raised", center_id, view)
        return view

    def resolve(self, center_id: int | None, kind: str, source: str) -> int:
        """Close the open alerts of this kind and source (e.g. the printer printed again)."""
        now = self.clock.now()
        with self.db.write() as s:
            alerts = s.scalars(
                select(Alert).where(Alert.center_id == center_id, Alert.kind == kind, Alert.source == source, Alert.resolved_at.is_(None))
            ).all()
            for alert in alerts:
                alert.resolved_at = now
            views = [alert_view(a) for a in alerts]
        for view in views:
            self._emit("alert_resolved", center_id, view)
        return len(views)

    def open_alerts(self, center_id: int | None = None) -> list[dict[str, Any]]:
        with self.db.read() as s:
            stmt = select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.last_seen_at.desc())
            if center_id is not None:
                stmt = stmt.where(Alert.center_id == center_id)
            return [alert_view(a) for a in s.scalars(stmt)]

    def _emit(self, name: str, center_id: int | None, view: dict[str, Any]) -> None:
        if self.publish is None:
            return
        rooms = (supervisors_room(center_id), supervisors_room(None))
        self.publish(DomainEvent(name, center_id or 0, {"alert": view}, rooms))


def alert_view(alert: Alert) -> dict[str, Any]:
    from server.domain.queue import _iso

    return {
        "id": alert.id, "center_id": alert.center_id, "kind": alert.kind, "source": alert.source,
        "message_vi": alert.message_vi, "message_en": alert.message_en, "created_at": _iso(alert.created_at),
        "last_seen_at": _iso(alert.last_seen_at), "occurrences": alert.occurrences, "resolved_at": _iso(alert.resolved_at),
    }


__all__ = ["AlertService", "supervisors_room", "center_room"]
