"""Booking and ticket rows written straight into the database, for the booking jobs and the booking
report: they need bookings in every state and tickets with known times, not the booking service."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from server.clock import local_date
from server.db import Database
from server.domain.audit import utc_naive
from server.domain.bookings.codes import new_code
from server.models import Center
from server.models.core import Booking, BookingState, Ticket, TicketEvent, TicketState


def set_booking_rules(db: Database, center_id: int, **rules) -> None:
    """Turn bookings on at the center with these rules (the rest default)."""
    with db.write() as s:
        center = s.get(Center, center_id)
        center.settings = {**(center.settings or {}), "booking": {"enabled": True, **rules}}


def add_booking(db: Database, center_id: int, service_id: int, slot_start: datetime, *, state: str = BookingState.BOOKED,
                phone: str = "", email: str = "", created_at: datetime | None = None, checked_in_at: datetime | None = None,
                slot_minutes: int = 30, citizen_key: str | None = None) -> dict:
    """One booking row for the slot starting at ``slot_start`` (aware), made as the booking service
    leaves it (``citizen_key``: the keyed hash of the ID number it was booked with); returns its id,
    code and token."""
    with db.write() as s:
        tz = s.get(Center, center_id).timezone
        made = created_at or slot_start - timedelta(days=2)
        booking = Booking(center_id=center_id, service_id=service_id, code=new_code(), token=secrets.token_urlsafe(24),
                          day=local_date(slot_start, tz), slot_start=utc_naive(slot_start),
                          slot_end=utc_naive(slot_start + timedelta(minutes=slot_minutes)), state=state, source="web",
                          contact_phone=phone, contact_email=email, citizen_key=citizen_key,
                          created_at=utc_naive(made), updated_at=utc_naive(made),
                          checked_in_at=utc_naive(checked_in_at) if checked_in_at else None,
                          cancelled_at=utc_naive(made) if state == BookingState.CANCELLED else None)
        s.add(booking)
        s.flush()
        return {"id": booking.id, "code": booking.code, "token": booking.token}


def booking_row(db: Database, booking_id: int) -> Booking:
    """The booking as stored now (detached, readable)."""
    with db.read() as s:
        return s.get(Booking, booking_id)


def add_called_ticket(db: Database, center_id: int, service_id: int, issued_at: datetime, called_at: datetime | None, *,
                      booking_id: int | None = None, ahead_from: datetime | None = None) -> int:
    """A ticket issued at ``issued_at`` and (unless None) called at ``called_at``, with its ``issue`` and
    ``call`` events in the log, as the queue would write them; a booked one carries ``booking_id`` and
    ``ahead_from`` (its slot start)."""
    with db.write() as s:
        tz = s.get(Center, center_id).timezone
        day = local_date(issued_at, tz)
        seq = (s.scalar(select(func.max(Ticket.seq)).where(Ticket.center_id == center_id, Ticket.origin_service_id == service_id,
                                                           Ticket.day == day)) or 0) + 1
        ticket = Ticket(center_id=center_id, service_id=service_id, origin_service_id=service_id, day=day, seq=seq, number=seq,
                        display=f"B{seq:03d}", state=TicketState.CALLED if called_at else TicketState.WAITING,
                        token=secrets.token_urlsafe(16), issued_at=utc_naive(issued_at),
                        sort_at=utc_naive(ahead_from or issued_at), called_at=utc_naive(called_at) if called_at else None,
                        source="kiosk", booking_id=booking_id, ahead_from=utc_naive(ahead_from) if ahead_from else None)
        s.add(ticket)
        s.flush()
        s.add(TicketEvent(ticket_id=ticket.id, center_id=center_id, at=utc_naive(issued_at), action="issue", from_state=None,
                          to_state=TicketState.WAITING, actor="kiosk", service_id=service_id, data={}))
        if called_at:
            s.add(TicketEvent(ticket_id=ticket.id, center_id=center_id, at=utc_naive(called_at), action="call",
                              from_state=TicketState.WAITING, to_state=TicketState.CALLED, actor="system",
                              service_id=service_id, data={}))
        if booking_id is not None:
            booking = s.get(Booking, booking_id)
            booking.ticket_id = ticket.id
        return ticket.id

