"""Alerts for supervisors: raised by hardware and devices, de-duplicated while open.

Display presence: a registered board or counter screen that disconnects and is not seen again
within a grace period raises ``display_offline`` naming the device; seeing it again resolves it.
The realtime layer keeps the timers; the decisions and the records live here (no Flask).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, utc
from server.db import Database
from server.domain.accounts import device_for_token
from server.domain.events import DomainEvent, Publisher, center_room
from server.models import Alert, Device

DISPLAY_OFFLINE = "display_offline"
DISPLAY_KINDS = ("display", "counter_screen")
# How supervisors read each kind of screen in an alert: (Vietnamese, English).
_DISPLAY_KIND_NAMES = {"display": ("Màn hình gọi số", "Call board"), "counter_screen": ("Màn hình quầy", "Counter screen")}


@dataclass(frozen=True)
class DisplayDevice:
    """A registered board or counter screen, as much of it as presence tracking needs."""

    id: int
    center_id: int
    name: str
    kind: str


def display_source(device_id: int) -> str:
    """The ``source`` of a display's alerts: one open offline alert per device."""
    return f"display:{device_id}"


def offline_messages(device: DisplayDevice, grace_seconds: float) -> tuple[str, str]:
    """What supervisors read: which screen, and for how long at least it has been gone."""
    kind_vi, kind_en = _DISPLAY_KIND_NAMES.get(device.kind, ("Màn hình", "Display"))
    if grace_seconds >= 60 and grace_seconds % 60 == 0:
        minutes = int(grace_seconds // 60)
        vi_for, en_for = f"{minutes} phút", f"{minutes} min"
    else:
        seconds = max(1, round(grace_seconds))
        vi_for, en_for = f"{seconds} giây", f"{seconds} s"
    return (
        f"{kind_vi} “{device.name}” mất kết nối quá {vi_for}. Kiểm tra nguồn điện, mạng và trình duyệt của màn hình.",
        f"{kind_en} “{device.name}” has been offline for over {en_for}. Check its power, network and browser.",
    )


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
            alert = s.execute(_open(center_id, kind, source)).scalar_one_or_none()
            if alert is None:
                alert = Alert(
                    center_id=center_id,
                    kind=kind,
                    source=source,
                    message_vi=message_vi,
                    message_en=message_en,
                    created_at=now,
                    last_seen_at=now,
                    occurrences=1,
                )
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
            alerts = s.scalars(_open(center_id, kind, source)).all()
            for alert in alerts:
                alert.resolved_at = now
            views = [alert_view(a) for a in alerts]
        for view in views:
            self._emit("alert_resolved", center_id, view)
        return len(views)

    # ---------------------------------------------------------------- display presence
    def display_seen(self, token: str) -> DisplayDevice | None:
        """A board or counter screen connected with its device token: note when it was seen.

        Returns None for an unknown, revoked or non-display token (a demo board, a kiosk):
        those are not watched. ``last_seen_at`` is what another server process checks before
        calling a display offline, so a display that moved to another process is not reported."""
        with self.db.write() as s:
            device = device_for_token(s, token)
            if device is None or device.kind not in DISPLAY_KINDS:
                return None
            device.last_seen_at = self.clock.now()
            return DisplayDevice(device.id, device.center_id, device.name, device.kind)

    def display_back(self, device: DisplayDevice) -> int:
        """The display is connected again: resolve its offline alert, if one is open."""
        with self.db.read() as s:
            # Nearly every connect finds nothing open: look before taking the write lock.
            if s.scalars(_open(device.center_id, DISPLAY_OFFLINE, display_source(device.id))).first() is None:
                return 0
        return self.resolve(device.center_id, DISPLAY_OFFLINE, display_source(device.id))

    def display_gone(self, device: DisplayDevice, disconnected_at: datetime, grace_seconds: float) -> dict[str, Any] | None:
        """The grace period after a disconnect ran out: raise ``display_offline`` for it.

        Nothing is raised for a device revoked meanwhile, nor for one seen after
        ``disconnected_at`` (it reconnected, possibly to another server process)."""
        with self.db.read() as s:
            if not _still_gone(s, device.id, disconnected_at):
                return None
        message_vi, message_en = offline_messages(device, grace_seconds)
        return self.raise_alert(device.center_id, DISPLAY_OFFLINE, display_source(device.id), message_vi, message_en)

    def open_alerts(self, center_id: int | None = None) -> list[dict[str, Any]]:
        """Alerts still open, the most recently seen first (all centers when ``center_id`` is None)."""
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


def _open(center_id: int | None, kind: str, source: str) -> Select[tuple[Alert]]:
    """The open alerts of one kind and source (at most one, as raise_alert bumps it)."""
    return select(Alert).where(
        Alert.center_id == center_id, Alert.kind == kind, Alert.source == source, Alert.resolved_at.is_(None)
    )


def _still_gone(session: Session, device_id: int, disconnected_at: datetime) -> bool:
    device = session.get(Device, device_id)
    if device is None or not device.active:
        return False
    return device.last_seen_at is None or utc(device.last_seen_at) <= utc(disconnected_at)


def alert_view(alert: Alert) -> dict[str, Any]:

    return {
        "id": alert.id,
        "center_id": alert.center_id,
        "kind": alert.kind,
        "source": alert.source,
        "message_vi": alert.message_vi,
        "message_en": alert.message_en,
        "created_at": iso_utc(alert.created_at),
        "last_seen_at": iso_utc(alert.last_seen_at),
        "occurrences": alert.occurrences,
        "resolved_at": iso_utc(alert.resolved_at),
    }


__all__ = [
    "AlertService",
    "DISPLAY_OFFLINE",
    "DisplayDevice",
    "display_source",
    "offline_messages",
    "supervisors_room",
    "center_room",
]
