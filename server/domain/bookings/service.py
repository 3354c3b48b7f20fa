""":class:`BookingService`: a citizen books, views, moves and cancels a time for a field; the
province's portal does the same by booking code.

Each change runs in one write transaction that locks the field (:func:`capacity.lock_field`), then
checks the slot, the per-person limit, the daily cap and the slot's places before it inserts: so
no slot is ever overbooked, however many citizens press "Đặt lịch" at once.

Privacy (Luật 91/2025/QH15): the ID number is kept only as its keyed hash (``citizen_key``), the
phone as ``phone_key``; the plain phone / e-mail only when given, for the day-before reminder; no
answer ever carries the ID number, and the contact shows masked.
"""
from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, utc
from server.db import Database
from server.domain.bookings.capacity import check_daily_cap, lock_field, taken_in_slot
from server.domain.bookings.codes import new_code, normalise_code, pretty
from server.domain.bookings.settings import booking_settings
from server.domain.bookings.slots import (
    closed_note,
    offered_places,
    recent_mean_minutes,
    serving_counters,
    slot_capacity,
    slot_times,
    taken_per_slot,
    used_per_day,
)
from server.domain.center_rules import weekday_names
from server.domain.centers import center_or_404
from server.domain.citizen_id import citizen_key, keyed_hash, parse_id_card
from server.domain.errors import DomainError, not_found
from server.domain.events import DomainEvent, EventCollector, Publisher, center_room, write_then_publish
from server.models import Booking, BookingState, Center, Service, ServiceKind

# Live bookings count toward the per-person limit (a no-show's day is over; a cancelled one is gone).
LIVE_STATES = (BookingState.BOOKED, BookingState.CHECKED_IN)
STATE_LABELS = {
    BookingState.BOOKED: ("Đã đặt lịch", "Booked"),
    BookingState.CHECKED_IN: ("Đã đến", "Checked in"),
    BookingState.CANCELLED: ("Đã huỷ", "Cancelled"),
    BookingState.NO_SHOW: ("Không đến", "No-show"),
}
PHONE_RE = re.compile(r"^0[0-9]{9,10}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_DAYS_LISTED = 62
CODE_ATTEMPTS = 8


# ------------------------------------------------------------------ refusals (bilingual)
def _closed() -> DomainError:
    return DomainError("bookings_closed", "Trung tâm chưa nhận đặt lịch hẹn cho lĩnh vực này.",
                       "This center does not take bookings for this field.", status=409)


def _unavailable() -> DomainError:
    return DomainError("slot_unavailable", "Khung giờ này không có để đặt lịch. Xin mời Ông/Bà chọn khung giờ khác.",
                       "This time slot cannot be booked. Please choose another.", status=409)


def _full() -> DomainError:
    return DomainError("slot_full", "Khung giờ này đã hết chỗ. Xin mời Ông/Bà chọn khung giờ khác.",
                       "This time slot is full. Please choose another.", status=409)


def _limit(per_day: int) -> DomainError:
    return DomainError("booking_limit", f"Mỗi người chỉ được đặt {per_day} lịch hẹn trong một ngày.",
                       f"At most {per_day} booking(s) per person per day.", status=409)


def _not_found() -> DomainError:
    return not_found("lịch hẹn", "Booking", "booking_not_found")


def _not_changeable() -> DomainError:
    return DomainError("booking_not_changeable", "Lịch hẹn này không thể thay đổi (đã đến, đã huỷ hoặc đã qua giờ).",
                       "This booking can no longer be changed (checked in, cancelled or past).", status=409)


# ------------------------------------------------------------------ contact
def normalise_phone(raw: str) -> str:
    """A Vietnamese phone as ``0xxxxxxxxx`` (spaces, dots, dashes dropped; +84/84 read as 0), or 400 ``invalid_phone``."""
    text = re.sub(r"[\s.\-()]", "", str(raw or ""))[:20]
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if not PHONE_RE.match(text):
        raise DomainError("invalid_phone", "Số điện thoại không hợp lệ.", "Invalid phone number.", status=400)
    return text


def phone_key(phone: str, secret: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) of a normalised phone: the anti-hoarding key without the number."""
    return keyed_hash(normalise_phone(phone), secret)


def _email(raw: str) -> str:
    text = str(raw or "").strip()
    if len(text) > 200 or not EMAIL_RE.match(text):
        raise DomainError("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.", status=400)
    return text


def _id_key(raw: str, secret: str) -> str:
    try:
        number = parse_id_card(str(raw)[:64]).id_number
    except DomainError:
        raise DomainError("invalid_id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                          "The ID number must have exactly 12 digits.", status=400) from None
    return citizen_key(number, secret)


def mask_phone(phone: str) -> str:
    """``0912345689`` → ``09******89``."""
    return phone[:2] + "*" * max(0, len(phone) - 4) + phone[-2:] if phone else ""


def mask_email(email: str) -> str:
    """``nam@x.vn`` → ``n***@x.vn``."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


# ------------------------------------------------------------------ the service
class BookingService:
    """Bookings of every center over one database."""

    def __init__(self, db: Database, clock: Clock, *, citizen_secret: str, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.secret = citizen_secret
        self.publish = publish

    # -------------------------------------------------------------- reading
    def offer(self, center_id: int) -> dict[str, Any]:
        """What a center offers for booking: its fields and rules (the booking page's first step)."""
        with self.db.read() as session:
            center = center_or_404(session, center_id)
            rules = booking_settings(center)
            fields = _bookable(session, center, rules) if rules["enabled"] else []
            services = [_service_brief(s) | {"kind": s.kind} for s in fields]
            return {
                "center": _center_brief(center), "enabled": bool(rules["enabled"] and services), "services": services,
                "days_ahead": int(rules["days_ahead"]), "slot_minutes": int(rules["slot_minutes"]),
                "require_contact": bool(rules["require_contact"]), "per_person_per_day": int(rules["per_person_per_day"]),
            }

    def slots(self, center_id: int, service_id: int, start: date | None = None, days: int | None = None) -> dict[str, Any]:
        """The field's slots day by day from ``start`` (default today) for ``days`` days (default up to
        ``days_ahead``), each with the places left; past slots of today left out. A handful of grouped
        queries whatever the number of days."""
        with self.db.read() as session:
            center, service, rules = self._bookable_service(session, center_id, service_id)
            now = self.clock.now()
            today = local_date(now, center.timezone)
            last_allowed = today + timedelta(days=int(rules["days_ahead"]))
            first = max(start or today, today)
            if first > last_allowed:  # beyond what may be booked: nothing to list (and no date arithmetic near year 9999)
                return {"service": _service_brief(service), "days": []}
            count = max(1, min(int(days) if days else (last_allowed - first).days + 1, MAX_DAYS_LISTED))
            last = min(first + timedelta(days=count - 1), last_allowed)
            places = offered_places(slot_capacity(serving_counters(session, service.id), int(rules["slot_minutes"]),
                                                  recent_mean_minutes(session, service.id, now, center.default_service_minutes)),
                                    int(rules["share_percent"]))
            taken = taken_per_slot(session, center.id, service.id, first, last) if first <= last else {}
            capped = service.daily_cap is not None and first <= last
            used = used_per_day(session, center.id, service.id, first, last) if capped else {}
            now_naive = utc(now).replace(tzinfo=None)
            out_days = []
            day = first
            while day <= last:
                out_days.append(self._day(center, service, rules, day, places, taken, used, now_naive))
                day += timedelta(days=1)
            return {"service": _service_brief(service), "days": out_days}

    @staticmethod
    def _day(center: Center, service: Service, rules: dict[str, Any], day: date, places: int, taken: dict[datetime, int],
             used: dict[date, int], now_naive: datetime) -> dict[str, Any]:
        weekday_vi, weekday_en = weekday_names(day)
        slots = slot_times(center, day, int(rules["slot_minutes"]))
        entry: dict[str, Any] = {"date": day.isoformat(), "weekday_vi": weekday_vi, "weekday_en": weekday_en,
                                 "open": bool(slots), "note_vi": "", "note_en": "", "slots": []}
        if not slots:
            entry["note_vi"], entry["note_en"] = closed_note(center, day)
            return entry
        cap_left = None if service.daily_cap is None else max(0, service.daily_cap - used.get(day, 0))
        for slot in slots:
            if slot.start_utc <= now_naive:
                continue
            left = max(0, places - taken.get(slot.start_utc, 0))
            if cap_left is not None:
                left = min(left, cap_left)
            entry["slots"].append({"starts_at": slot.starts_at,
                                   "start": f"{slot.local_start:%H:%M}", "end": f"{slot.local_end:%H:%M}",
                                   "left": left, "full": left <= 0})
        return entry

    def view(self, token: str) -> dict[str, Any]:
        """The booking behind its secret link token."""
        with self.db.read() as session:
            return self._view(session, self._by_token(session, token))

    def by_code(self, center_id: int, code: str) -> dict[str, Any]:
        """The center's booking by its code (as printed, ``LH-BC4K-7M2Q``, or raw)."""
        with self.db.read() as session:
            return self._view(session, self._by_code(session, center_id, code))

    # -------------------------------------------------------------- changing
    def book(self, center_id: int, service_id: int, starts_at: datetime, *, id_number: str | None = None,
             phone: str | None = None, email: str | None = None, source: str = "web", external_ref: str = "") -> dict[str, Any]:
        """Book the slot starting at ``starts_at`` (aware, or naive = the center's wall time) for the
        field. Refusals: ``bookings_closed``, ``unknown_service``, ``slot_unavailable``, ``slot_full``,
        ``daily_cap_reached``, ``booking_limit``, ``contact_required``, ``invalid_*``."""
        if not self.secret:
            raise ValueError("bookings need the instance's secret (it keys ID numbers and phones)")
        ckey = _id_key(id_number, self.secret) if id_number not in (None, "") else None
        plain_phone = normalise_phone(phone) if phone not in (None, "") else ""
        pkey = keyed_hash(plain_phone, self.secret) if plain_phone else None
        plain_email = _email(email) if email not in (None, "") else ""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center, service, rules = self._bookable_service(session, center_id, service_id, lock=True)
            if rules["require_contact"] and not (ckey or pkey):
                raise DomainError("contact_required", "Xin Ông/Bà cho biết số định danh cá nhân hoặc số điện thoại.",
                                  "Please give an ID number or a phone number.", status=400)
            start, end, day = self._check_slot(session, center, service, rules, starts_at)
            self._check_person(session, center, rules, day, ckey, pkey)
            now = utc(self.clock.now()).replace(tzinfo=None)
            booking = Booking(center_id=center.id, service_id=service.id, day=day, slot_start=start, slot_end=end,
                              state=BookingState.BOOKED, source=str(source)[:20], external_ref=str(external_ref or "")[:80],
                              citizen_key=ckey, phone_key=pkey, contact_phone=plain_phone, contact_email=plain_email,
                              created_at=now, updated_at=now, moved_count=0)
            _insert_with_fresh_code(session, booking)
            events.add(_slots_event(center.id, service.id, day))
            return self._view(session, booking)

        return self._run(work)

    def move(self, token: str, starts_at: datetime) -> dict[str, Any]:
        """Move a live booking to another slot of its field (same checks as booking, itself excluded)."""
        return self._run(lambda session, events: self._move(session, events, self._by_token(session, token, lock=True),
                                                            starts_at))

    def move_by_code(self, center_id: int, code: str, starts_at: datetime) -> dict[str, Any]:
        """:meth:`move` for the province's portal, by booking code."""
        return self._run(lambda session, events: self._move(session, events, self._by_code(session, center_id, code, lock=True),
                                                            starts_at))

    def cancel(self, token: str, *, actor: str = "citizen") -> dict[str, Any]:
        """Cancel a live booking (its place is freed)."""
        return self._run(lambda session, events: self._cancel(session, events, self._by_token(session, token, lock=True)))

    def cancel_by_code(self, center_id: int, code: str, *, actor: str = "portal") -> dict[str, Any]:
        """:meth:`cancel` for the province's portal, by booking code."""
        return self._run(lambda session, events: self._cancel(session, events,
                                                              self._by_code(session, center_id, code, lock=True)))

    def _move(self, session: Session, events: EventCollector, booking: Booking, starts_at: datetime) -> dict[str, Any]:
        self._check_changeable(booking)
        center, service, rules = self._bookable_service(session, booking.center_id, booking.service_id, lock=True)
        start, end, day = self._check_slot(session, center, service, rules, starts_at, exclude=booking.id)
        self._check_person(session, center, rules, day, booking.citizen_key, booking.phone_key, exclude=booking.id)
        old_day = booking.day
        booking.slot_start, booking.slot_end, booking.day = start, end, day
        booking.moved_count = (booking.moved_count or 0) + 1
        booking.reminder_sent_at = None  # the new day gets its own reminder
        booking.updated_at = utc(self.clock.now()).replace(tzinfo=None)
        session.flush()
        events.add(_slots_event(center.id, service.id, old_day))
        if day != old_day:
            events.add(_slots_event(center.id, service.id, day))
        return self._view(session, booking)

    def _cancel(self, session: Session, events: EventCollector, booking: Booking) -> dict[str, Any]:
        self._check_changeable(booking)
        now = utc(self.clock.now()).replace(tzinfo=None)
        booking.state, booking.cancelled_at, booking.updated_at = BookingState.CANCELLED, now, now
        session.flush()
        events.add(_slots_event(booking.center_id, booking.service_id, booking.day))
        return self._view(session, booking)

    # -------------------------------------------------------------- rules
    def _check_changeable(self, booking: Booking) -> None:
        if booking.state != BookingState.BOOKED or utc(booking.slot_start) <= utc(self.clock.now()):
            raise _not_changeable()

    def _check_slot(self, session: Session, center: Center, service: Service, rules: dict[str, Any], starts_at: datetime,
                    *, exclude: int | None = None) -> tuple[datetime, datetime, date]:
        """The slot that starts at ``starts_at`` (naive UTC start, end, local day) if it exists, is
        ahead, within ``days_ahead``, under the daily cap and not full."""
        if not isinstance(starts_at, datetime):
            raise _unavailable()
        tz = ZoneInfo(center.timezone)
        aware = starts_at.replace(tzinfo=tz) if starts_at.tzinfo is None else starts_at
        try:
            start = aware.astimezone(UTC).replace(tzinfo=None)
            day = local_date(aware, center.timezone)
        except (OverflowError, ValueError):  # year 1 or 9999 with an offset: no slot of ours
            raise _unavailable() from None
        now = self.clock.now()
        today = local_date(now, center.timezone)
        if start <= utc(now).replace(tzinfo=None) or not today <= day <= today + timedelta(days=int(rules["days_ahead"])):
            raise _unavailable()
        slot = next((s for s in slot_times(center, day, int(rules["slot_minutes"])) if s.start_utc == start), None)
        if slot is None:
            raise _unavailable()
        check_daily_cap(session, center, service, day, exclude_booking_id=exclude)
        places = offered_places(slot_capacity(serving_counters(session, service.id), int(rules["slot_minutes"]),
                                              recent_mean_minutes(session, service.id, now, center.default_service_minutes)),
                                int(rules["share_percent"]))
        if taken_in_slot(session, center.id, service.id, start, exclude_booking_id=exclude) >= places:
            raise _full()
        return slot.start_utc, slot.end_utc, day

    @staticmethod
    def _check_person(session: Session, center: Center, rules: dict[str, Any], day: date, ckey: str | None,
                      pkey: str | None, *, exclude: int | None = None) -> None:
        keys = [Booking.citizen_key == ckey] if ckey else []
        keys += [Booking.phone_key == pkey] if pkey else []
        if not keys:
            return
        stmt = select(func.count()).select_from(Booking).where(
            Booking.center_id == center.id, Booking.day == day, Booking.state.in_(LIVE_STATES), or_(*keys))
        if exclude is not None:
            stmt = stmt.where(Booking.id != exclude)
        per_day = int(rules["per_person_per_day"])
        if (session.scalar(stmt) or 0) >= per_day:
            raise _limit(per_day)

    def _bookable_service(self, session: Session, center_id: int, service_id: int, *,
                          lock: bool = False) -> tuple[Center, Service, dict[str, Any]]:
        center = center_or_404(session, center_id)
        service = session.get(Service, service_id)
        if service is None or service.center_id != center.id:
            raise not_found("lĩnh vực", "Service", "unknown_service")
        rules = booking_settings(center)
        if not rules["enabled"] or service not in _bookable(session, center, rules):
            raise _closed()
        if lock:
            lock_field(session, service.id)
        return center, service, rules

    # -------------------------------------------------------------- look-ups and views
    @staticmethod
    def _by_token(session: Session, token: str, *, lock: bool = False) -> Booking:
        if not isinstance(token, str) or not 8 <= len(token) <= 64:
            raise _not_found()
        booking = session.scalar(select(Booking).where(Booking.token == token))
        if booking is None:
            raise _not_found()
        if lock:
            lock_field(session, booking.service_id)
        return booking

    @staticmethod
    def _by_code(session: Session, center_id: int, code: str, *, lock: bool = False) -> Booking:
        normal = normalise_code(code) if isinstance(code, str) else None
        booking = session.scalar(select(Booking).where(Booking.code == normal)) if normal else None
        if booking is None or booking.center_id != center_id:
            raise _not_found()
        if lock:
            lock_field(session, booking.service_id)
        return booking

    def _view(self, session: Session, booking: Booking) -> dict[str, Any]:
        center = session.get(Center, booking.center_id)
        service = session.get(Service, booking.service_id)
        rules = booking_settings(center)
        tz = center.timezone
        start = utc(booking.slot_start).astimezone(ZoneInfo(tz))
        end = utc(booking.slot_end).astimezone(ZoneInfo(tz))
        weekday_vi, weekday_en = weekday_names(booking.day)
        state_vi, state_en = STATE_LABELS.get(booking.state, (booking.state, booking.state))
        return {
            "code": booking.code, "code_display": pretty(booking.code), "token": booking.token, "state": booking.state,
            "state_vi": state_vi, "state_en": state_en, "center": _center_brief(center), "service": _service_brief(service),
            "day": booking.day.isoformat(), "weekday_vi": weekday_vi, "weekday_en": weekday_en,
            "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "starts_at": start.isoformat(),
            "checkin_from": f"{start - timedelta(minutes=int(rules['checkin_before_minutes'])):%H:%M}",
            "checkin_until": f"{start + timedelta(minutes=int(rules['checkin_after_minutes'])):%H:%M}",
            "manage_path": f"/lich-hen/{booking.token}",
            "contact": {"phone": mask_phone(booking.contact_phone), "email": mask_email(booking.contact_email)},
            "reminder": bool(booking.contact_phone or booking.contact_email), "moved_count": int(booking.moved_count or 0),
        }

    def _run(self, work):
        return write_then_publish(self.db, self.publish, work)


# ------------------------------------------------------------------ helpers
def _bookable(session: Session, center: Center, rules: dict[str, Any]) -> list[Service]:
    """The center's active fields open to booking: those of ``service_ids``, else every submit / collect field."""
    services = session.scalars(select(Service).where(Service.center_id == center.id, Service.active.is_(True))
                               .order_by(Service.sort_order, Service.id)).all()
    chosen = rules.get("service_ids")
    if chosen is None:
        return [s for s in services if s.kind in (ServiceKind.SUBMIT, ServiceKind.COLLECT)]
    wanted = {int(i) for i in chosen if isinstance(i, int) or str(i).isdigit()}
    return [s for s in services if s.id in wanted]


def _insert_with_fresh_code(session: Session, booking: Booking) -> None:
    """Insert ``booking`` under a fresh code and link token; a code that collides with another
    booking's (unique constraint) is drawn again in a savepoint, not reported."""
    for _ in range(CODE_ATTEMPTS):
        booking.code, booking.token = new_code(), secrets.token_urlsafe(24)
        try:
            with session.begin_nested():
                session.add(booking)
                session.flush()
            return
        except IntegrityError:
            continue
    raise DomainError("booking_code_exhausted", "Không tạo được mã lịch hẹn, xin thử lại.",
                      "Could not draw a booking code; retry.", status=503)


def _center_brief(center: Center) -> dict[str, Any]:
    return {"id": center.id, "name": center.name, "name_en": center.name_en or "", "address": center.address or ""}


def _service_brief(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "name_en": service.name_en or ""}


def _slots_event(center_id: int, service_id: int, day: date) -> DomainEvent:
    """Open booking pages of the center refresh the day's places (no personal data)."""
    return DomainEvent("booking_slots", center_id, {"center_id": center_id, "service_id": service_id, "day": day.isoformat()},
                       (center_room(center_id),))


__all__ = ["BookingService", "mask_email", "mask_phone", "normalise_phone", "phone_key"]
