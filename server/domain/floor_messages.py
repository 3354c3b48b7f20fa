"""The supervisor's notice to everyone waiting (thông báo cho công dân đang chờ).

A supervisor (or admin) of a center writes a short message, e.g. "Mạng của tỉnh đang gián đoạn,
dự kiến 15 phút": it shows at once on the center's boards and on the phone page of every waiting
ticket, until it is cleared, replaced or expires. One notice is active per center: posting a new
one clears the one before. The ``floor_messages`` rows are the notice's log (who posted, when, until
when, when cleared); each post and clear is also an audit entry, like any admin change.

Pushed after commit as ``floor_message`` (payload ``{"center_id", "message"}``, ``message`` None
when cleared) to the center's room (boards, consoles, the supervisors' dashboard) and to its
notice room (:func:`notice_room`, joined by the phone pages): one emit reaches every screen.
A (re)connecting client gets the active notice in its snapshot.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, utc
from server.db import Database
from server.domain import audit
from server.domain.accounts import Principal
from server.domain.errors import DomainError, other_center
from server.domain.events import DomainEvent, EventCollector, Publisher, center_room
from server.models import Center, FloorMessage

MAX_TEXT = 200  # a notice is read from across the hall and on a phone: a sentence or two
MAX_EXPIRY_MINUTES = 24 * 60  # a notice lasts the working day at most when given an expiry
EVENT = "floor_message"


def notice_room(center_id: int) -> str:
    """The phone pages of a center's tickets: they hear the floor notice (and nothing else of the center)."""
    return f"notices:{center_id}"


def message_view(message: FloorMessage | None, now: datetime) -> dict[str, Any] | None:
    """What boards and phone pages show of a notice; None when there is none (or it ended)."""
    if message is None or message.cleared_at is not None:
        return None
    if message.expires_at is not None and utc(message.expires_at) <= utc(now):
        return None
    remaining = (utc(message.expires_at) - utc(now)).total_seconds() if message.expires_at is not None else None
    return {
        "id": message.id,
        "center_id": message.center_id,
        "text_vi": message.text_vi,
        "text_en": message.text_en,
        "created_at": iso_utc(message.created_at),
        "expires_at": iso_utc(message.expires_at),
        # Seconds left by the server's clock: a board whose own clock is wrong still hides it on time.
        "expires_in_seconds": round(remaining) if remaining is not None else None,
    }


def active_message(session: Session, center_id: int, now: datetime) -> FloorMessage | None:
    """The center's notice in force at ``now`` (not cleared, not expired), if any."""
    return session.scalars(
        select(FloorMessage)
        .where(FloorMessage.center_id == center_id, FloorMessage.cleared_at.is_(None),
               or_(FloorMessage.expires_at.is_(None), FloorMessage.expires_at > now))
        .order_by(FloorMessage.id.desc())
    ).first()


def _text(value: Any, field: str, *, required: bool) -> str:
    """A notice's text: trimmed, one line breaks kept, at most MAX_TEXT characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("invalid_notice", "Nội dung thông báo không hợp lệ.", "The notice text is not text.", status=400,
                          field=field)
    text = " ".join(value.split())
    if required and not text:
        raise DomainError("invalid_notice", "Hãy nhập nội dung thông báo.", "Write the notice text.", status=400, field=field)
    if len(text) > MAX_TEXT:
        raise DomainError("notice_too_long", f"Thông báo dài quá {MAX_TEXT} ký tự.",
                          f"The notice is longer than {MAX_TEXT} characters.", status=400, field=field)
    return text


def _expiry_minutes(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EXPIRY_MINUTES:
        raise DomainError("invalid_notice", f"Thời hạn phải từ 1 đến {MAX_EXPIRY_MINUTES} phút.",
                          f"The expiry must be 1 to {MAX_EXPIRY_MINUTES} minutes.", status=400, field="expires_minutes")
    return value


class FloorMessageService:
    """Post, clear and read a center's notice to everyone waiting; every change is pushed after commit."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    def post(self, principal: Principal, center_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Show ``data['text_vi']`` (and ``text_en``) to everyone waiting in the center, for
        ``data['expires_minutes']`` minutes or until cleared; it replaces the notice in force."""
        self._allowed(principal, center_id)
        text_vi = _text(data.get("text_vi"), "text_vi", required=True)
        text_en = _text(data.get("text_en"), "text_en", required=False)
        minutes = _expiry_minutes(data.get("expires_minutes"))
        now = self.clock.now()
        events = EventCollector()
        with self.db.write() as s:
            self._center(s, center_id)
            replaced = self._clear_all(s, center_id, now)
            message = FloorMessage(center_id=center_id, text_vi=text_vi, text_en=text_en, created_at=now,
                                   expires_at=now + timedelta(minutes=minutes) if minutes else None, actor=principal.actor[:80])
            s.add(message)
            s.flush()
            view = message_view(message, now)
            audit.record(s, actor=principal.actor, user_id=_user_id(principal), action="post", entity="floor_message",
                         entity_id=message.id, center_id=center_id, after={"text_vi": text_vi, "text_en": text_en,
                                                                            "expires_minutes": minutes, "replaced": replaced},
                         summary=f"Thông báo cho công dân đang chờ: {text_vi}", now=now)
            events.add(self._event(center_id, view))
        events.flush(self.publish)
        return view  # type: ignore[return-value]

    def clear(self, principal: Principal, center_id: int) -> dict[str, Any]:
        """Take the center's notice down (nothing to clear is no error: the screens are told anyway)."""
        self._allowed(principal, center_id)
        now = self.clock.now()
        events = EventCollector()
        with self.db.write() as s:
            self._center(s, center_id)
            cleared = self._clear_all(s, center_id, now)
            if cleared:
                audit.record(s, actor=principal.actor, user_id=_user_id(principal), action="clear", entity="floor_message",
                             entity_id=cleared[-1], center_id=center_id, summary="Gỡ thông báo cho công dân đang chờ", now=now)
            events.add(self._event(center_id, None))
        events.flush(self.publish)
        return {"center_id": center_id, "cleared": cleared, "message": None}

    def active(self, center_id: int) -> dict[str, Any] | None:
        """The center's notice in force now, as screens show it; None when there is none."""
        now = self.clock.now()
        with self.db.read() as s:
            return message_view(active_message(s, center_id, now), now)

    def history(self, principal: Principal, center_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The center's latest notices, newest first, with who posted them and when they ended (the log)."""
        self._allowed(principal, center_id)
        with self.db.read() as s:
            rows = s.scalars(select(FloorMessage).where(FloorMessage.center_id == center_id)
                             .order_by(FloorMessage.id.desc()).limit(limit)).all()
            return [{"id": m.id, "text_vi": m.text_vi, "text_en": m.text_en, "actor": m.actor,
                     "created_at": iso_utc(m.created_at), "expires_at": iso_utc(m.expires_at),
                     "cleared_at": iso_utc(m.cleared_at)} for m in rows]

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _allowed(principal: Principal, center_id: int) -> None:
        if not principal.has_role("supervisor"):
            raise DomainError("forbidden", "Chỉ giám sát hoặc quản trị được gửi thông báo.",
                              "Only a supervisor or an admin may post a notice.", status=403)
        if not principal.may_act_in(center_id):
            raise other_center()

    @staticmethod
    def _center(session: Session, center_id: int) -> Center:
        center = session.get(Center, center_id)
        if center is None:
            raise DomainError("unknown_center", "Không tìm thấy trung tâm.", "Center not found.", status=404)
        return center

    @staticmethod
    def _clear_all(session: Session, center_id: int, now: datetime) -> list[int]:
        """End every notice of the center still in force (expired ones keep their expiry as their end)."""
        open_rows = session.scalars(select(FloorMessage).where(FloorMessage.center_id == center_id,
                                                               FloorMessage.cleared_at.is_(None))).all()
        cleared = []
        for row in open_rows:
            if row.expires_at is None or utc(row.expires_at) > utc(now):
                row.cleared_at = now
                cleared.append(row.id)
        return cleared

    @staticmethod
    def _event(center_id: int, view: dict[str, Any] | None) -> DomainEvent:
        return DomainEvent(EVENT, center_id, {"center_id": center_id, "message": view},
                           (center_room(center_id), notice_room(center_id)))


def _user_id(principal: Principal) -> int | None:
    return principal.id if principal.kind == "user" else None


__all__ = ["EVENT", "MAX_TEXT", "FloorMessageService", "active_message", "message_view", "notice_room"]
