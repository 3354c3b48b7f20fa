"""Alerts for supervisors: raised by hardware and devices, de-duplicated while open.

Display presence: a registered board or counter screen that is not seen for longer than a grace
period raises ``display_offline`` naming the device; seeing it again resolves it. When a display
was last seen lives in the database (``Device.last_seen_at``: written when it connects, when it
leaves, and by a throttled heartbeat while it stays connected), so the check survives a restart
and works across server processes: :meth:`AlertService.check_displays`, run by the one upkeep
scheduler (server/adapters/upkeep.py) of every process, is idempotent (the open alert is the
de-duplication, in the database). The decisions and the records live here (no Flask).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, text, update

from server.clock import Clock, iso_utc, utc
from server.db import Database
from server.domain.accounts import device_for_token
from server.domain.events import DomainEvent, Publisher, center_room
from server.models import Alert, Device

DISPLAY_OFFLINE = "display_offline"
HEARTBEAT_SECONDS = 30.0  # a connected display's last_seen_at is written at most this often
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
            if s.get_bind().dialect.name == "postgresql":
                # Several processes' schedulers may raise the same alert at once: one at a time per alert, so
                # the second sees the first's row and bumps it (SQLite's write transaction already serialises).
                s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"alert:{center_id}:{kind}:{source}"})
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

    def display_left(self, device_id: int) -> None:
        """A display's last connection to this process closed: its grace period counts from now."""
        with self.db.write() as s:
            s.execute(update(Device).where(Device.id == device_id).values(last_seen_at=self.clock.now()))

    def displays_heartbeat(self, device_ids: list[int], every_seconds: float = HEARTBEAT_SECONDS) -> int:
        """The displays still connected to this process are seen now; returns how many rows were written.

        Throttled in the statement itself: a device seen less than ``every_seconds`` ago is not
        written again, whichever process saw it (a center's dozen screens cost a dozen small writes
        a minute at most)."""
        if not device_ids:
            return 0
        now = self.clock.now()
        stale = now - timedelta(seconds=every_seconds)
        with self.db.write() as s:
            result = s.execute(
                update(Device)
                .where(Device.id.in_(device_ids), or_(Device.last_seen_at.is_(None), Device.last_seen_at <= stale))
                .values(last_seen_at=now)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def check_displays(self, grace_seconds: float, *, not_before: datetime | None = None) -> dict[str, list[Any]]:
        """Raise ``display_offline`` for every active display not seen for more than ``grace_seconds``;
        resolve it for those seen again. Idempotent: run by every server process's upkeep, the open
        alert in the database is what keeps one alert per device.

        A display never seen (registered, not yet installed) is not reported. ``not_before``: no
        alert is raised before that instant (a process that has just started gives the screens the
        grace period to reconnect to it, however long the server itself was down). Returns the ids
        of the devices raised and resolved (the alert's source for a revoked device's)."""
        done: dict[str, list[Any]] = {"raised": [], "resolved": []}
        if grace_seconds <= 0:
            return done
        now = self.clock.now()
        cutoff = now - timedelta(seconds=grace_seconds)
        with self.db.read() as s:
            devices = s.scalars(
                select(Device).where(Device.active.is_(True), Device.kind.in_(DISPLAY_KINDS), Device.last_seen_at.is_not(None))
            ).all()
            watched = [(DisplayDevice(d.id, d.center_id, d.name, d.kind), utc(d.last_seen_at)) for d in devices]
            open_alerts = s.execute(select(Alert.center_id, Alert.source)
                                    .where(Alert.kind == DISPLAY_OFFLINE, Alert.resolved_at.is_(None))).all()
        open_sources = {source for _center, source in open_alerts}
        # A screen revoked (or deleted) while reported offline: nobody is missing it any more.
        still_watched = {(d.center_id, display_source(d.id)) for d, _seen in watched}
        for center_id, source in set(map(tuple, open_alerts)) - still_watched:
            if self.resolve(center_id, DISPLAY_OFFLINE, source):
                done["resolved"].append(source)
        may_raise = not_before is None or utc(now) >= utc(not_before)
        for device, seen_at in watched:
            source = display_source(device.id)
            if seen_at < utc(cutoff):
                if may_raise and source not in open_sources:
                    message_vi, message_en = offline_messages(device, grace_seconds)
                    self.raise_alert(device.center_id, DISPLAY_OFFLINE, source, message_vi, message_en)
                    done["raised"].append(device.id)
            elif source in open_sources and self.resolve(device.center_id, DISPLAY_OFFLINE, source):
                done["resolved"].append(device.id)
        return done

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
