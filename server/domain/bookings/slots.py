"""A field's booking slots: which times of a day are offered, and how many places each has.

The rules (issue 16): slots follow the center's hours of the day (:func:`sessions_on`: holidays and
days off give none), stop ``stop_minutes_before_close`` before each session closes (no slot starts
after session end − N), and hold ``floor(counters × slot_minutes / mean_minutes)`` citizens, of which
``share_percent`` % are offered to bookings (the rest stays for walk-ins).

The arithmetic is pure (:func:`slot_times`, :func:`slot_capacity`, :func:`offered_places`); the
database reads (counters serving the field, the recent mean service time, the places taken) are
grouped so that a month's listing costs a handful of queries, whatever the number of slots.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import utc
from server.domain.center_rules import WEEKDAY_VI, closing_rules, day_off_reason, sessions_on
from server.models import Booking, BookingState, Counter, CounterService, Ticket, TicketState

# The recent mean service time is taken over the done tickets of the last N days.
MEAN_SERVICE_DAYS = 14
# Bookings that hold a place: a cancelled one frees it, a no-show frees nothing retroactively.
HOLDING_STATES = (BookingState.BOOKED, BookingState.CHECKED_IN, BookingState.NO_SHOW)


@dataclass(frozen=True)
class Slot:
    """One slot of a day, in the center's local wall time (naive) and in UTC (naive, as stored),
    with the zone's offset that day (``+07:00``)."""

    local_start: datetime
    local_end: datetime
    start_utc: datetime
    end_utc: datetime
    offset: str = "+07:00"

    @property
    def starts_at(self) -> str:
        """The start as ISO 8601 with the center's offset: ``2026-12-08T09:30:00+07:00``."""
        return f"{self.local_start:%Y-%m-%dT%H:%M:%S}{self.offset}"


def slot_times(center: Any, day: date, slot_minutes: int) -> list[Slot]:
    """The slots of ``day``: each session cut into ``slot_minutes`` pieces that fit in it, none
    starting after the session's end − ``stop_minutes_before_close``. Empty on a day off."""
    tz = getattr(center, "timezone", None) or "Asia/Ho_Chi_Minh"
    stop = timedelta(minutes=float(closing_rules(center).get("stop_minutes_before_close") or 0))
    step = timedelta(minutes=int(slot_minutes))
    # One offset per day (taken at noon): a month's listing converts hundreds of slots, and a zone
    # that shifts for summer time does it in the small hours, when no center is open.
    offset = ZoneInfo(tz).utcoffset(datetime.combine(day, time(12)))
    sign, minutes = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    text = f"{sign}{int(minutes.total_seconds() // 3600):02d}:{int(minutes.total_seconds() % 3600 // 60):02d}"
    out: list[Slot] = []
    for open_at, close_at in sessions_on(center, day):
        start, end = datetime.combine(day, open_at), datetime.combine(day, close_at)
        while start + step <= end and start <= end - stop:
            out.append(Slot(start, start + step, start - offset, start + step - offset, text))
            start += step
    return out


def slot_capacity(counters: int, slot_minutes: int, mean_minutes: float) -> int:
    """Citizens the field's counters serve in one slot: floor(counters × slot_minutes / mean_minutes)."""
    if counters <= 0 or mean_minutes <= 0:
        return 0
    return math.floor(counters * slot_minutes / mean_minutes + 1e-9)


def offered_places(capacity: int, share_percent: int) -> int:
    """The places of a slot offered to bookings: floor(capacity × share_percent / 100)."""
    return (capacity * int(share_percent)) // 100


# ------------------------------------------------------------------ database reads (grouped)
def serving_counters(session: Session, service_id: int) -> int:
    """Active counters linked to the field (open or not: a booking is for a later time)."""
    return session.scalar(
        select(func.count()).select_from(CounterService).join(Counter, Counter.id == CounterService.counter_id)
        .where(CounterService.service_id == service_id, Counter.active.is_(True))
    ) or 0


def recent_mean_minutes(session: Session, service_id: int, now: datetime, default: float) -> float:
    """Mean call-to-finish minutes of the field's done tickets over the last :data:`MEAN_SERVICE_DAYS`
    days, else ``default`` (the center's ``default_service_minutes``)."""
    since = utc(now).replace(tzinfo=None) - timedelta(days=MEAN_SERVICE_DAYS)
    rows = session.execute(
        select(Ticket.called_at, Ticket.finished_at).where(
            Ticket.service_id == service_id, Ticket.state == TicketState.DONE, Ticket.called_at.is_not(None),
            Ticket.finished_at.is_not(None), Ticket.finished_at >= since)
    ).all()
    if not rows:
        return float(default or 8.0)
    total = sum((utc(f) - utc(c)).total_seconds() for c, f in rows)
    return max(0.5, total / len(rows) / 60)


def taken_per_slot(session: Session, center_id: int, service_id: int, first: date, last: date) -> dict[datetime, int]:
    """Places held per slot start (naive UTC) from ``first`` to ``last``: one grouped query."""
    rows = session.execute(
        select(Booking.slot_start, func.count()).where(
            Booking.center_id == center_id, Booking.service_id == service_id, Booking.day >= first, Booking.day <= last,
            Booking.state.in_(HOLDING_STATES)).group_by(Booking.slot_start)
    ).all()
    return {utc(start).replace(tzinfo=None): count for start, count in rows}


def used_per_day(session: Session, center_id: int, service_id: int, first: date, last: date) -> dict[date, int]:
    """Toward the daily cap, per day from ``first`` to ``last``: walk-in tickets of the field (no
    booking, any state) plus its holding bookings. Two grouped queries."""
    walk_ins = session.execute(
        select(Ticket.day, func.count()).where(
            Ticket.center_id == center_id, Ticket.origin_service_id == service_id, Ticket.booking_id.is_(None),
            Ticket.day >= first, Ticket.day <= last).group_by(Ticket.day)
    ).all()
    booked = session.execute(
        select(Booking.day, func.count()).where(
            Booking.center_id == center_id, Booking.service_id == service_id, Booking.day >= first, Booking.day <= last,
            Booking.state.in_(HOLDING_STATES)).group_by(Booking.day)
    ).all()
    out: dict[date, int] = {}
    for day, count in (*walk_ins, *booked):
        out[day] = out.get(day, 0) + count
    return out


def closed_note(center: Any, day: date) -> tuple[str, str]:
    """Why a day has no slots, in Vietnamese and English (a holiday's name, or "Không làm việc")."""
    reason = day_off_reason(center, day)
    if reason and reason not in WEEKDAY_VI:
        return reason, "Holiday / day off"
    return "Không làm việc", "Closed"


__all__ = [
    "HOLDING_STATES", "MEAN_SERVICE_DAYS", "Slot", "closed_note", "offered_places", "recent_mean_minutes",
    "serving_counters", "slot_capacity", "slot_times", "taken_per_slot", "used_per_day",
]
