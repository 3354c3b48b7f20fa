"""Booking rows for the check-in specifications, inserted as the booking service would leave them
(tests/integration/bookings, tests/e2e/kiosk): no booking service needed to check one in."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.clock import local_date
from server.db import Database
from server.domain.bookings.codes import new_code
from server.models import Booking, BookingState, Center, Ticket


def add_booking(db: Database, slot_start: datetime, *, service_id: int = 1, center_id: int = 1, minutes: int = 30,
                state: str = BookingState.BOOKED, citizen_key: str | None = None) -> dict[str, Any]:
    """A booking of ``service_id`` for the slot starting at ``slot_start`` (UTC); returns its ``id`` and ``code``."""
    with db.write() as s:
        center = s.get(Center, center_id)
        booking = Booking(center_id=center_id, service_id=service_id, code=new_code(), token=secrets.token_urlsafe(24),
                          day=local_date(slot_start, center.timezone), slot_start=slot_start,
                          slot_end=slot_start + timedelta(minutes=minutes), state=state, citizen_key=citizen_key,
                          created_at=slot_start - timedelta(days=1), updated_at=slot_start - timedelta(days=1))
        s.add(booking)
        s.flush()
        return {"id": booking.id, "code": booking.code}


def booking_row(db: Database, booking_id: int) -> dict[str, Any]:
    """A booking's state, check-in time and ticket, as stored."""
    with db.read() as s:
        b = s.get(Booking, booking_id)
        return {"state": b.state, "checked_in_at": b.checked_in_at, "ticket_id": b.ticket_id}


def cap_count(db: Database, service_id: int, day: Any) -> int:
    """A field's day as the daily cap counts it (the booking contract): its walk-in tickets (no booking,
    any state) plus its bookings booked, checked in or not shown."""
    with db.read() as s:
        walk_ins = s.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.service_id == service_id, Ticket.day == day, Ticket.booking_id.is_(None)))
        booked = s.scalar(select(func.count()).select_from(Booking).where(
            Booking.service_id == service_id, Booking.day == day,
            Booking.state.in_((BookingState.BOOKED, BookingState.CHECKED_IN, BookingState.NO_SHOW))))
        return int(walk_ins) + int(booked)
