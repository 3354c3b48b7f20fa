"""The limits bookings and walk-ins share, checked inside the caller's write transaction.

Overbooking must be impossible when many citizens book the last places at once. On SQLite the
write transaction holds the database's write lock from its first statement (``Database.write``,
``BEGIN IMMEDIATE``), so counting and inserting are serial. On PostgreSQL :func:`lock_field` takes
the field's ``services`` row ``FOR UPDATE`` first: every booking, move and walk-in ticket of a
capped field waits for the one before it to commit, then counts what that one added.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.domain.bookings.slots import HOLDING_STATES, used_per_day
from server.domain.errors import DomainError
from server.models import Booking, Service


def lock_field(session: Session, service_id: int) -> None:
    """Serialise the counting of one field's places (PostgreSQL: its row ``FOR UPDATE``; SQLite
    already holds the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Service.id).where(Service.id == service_id).with_for_update())


def daily_cap_reached() -> DomainError:
    """409 ``daily_cap_reached``: the field takes nobody more today (bilingual, polite)."""
    return DomainError(
        "daily_cap_reached",
        "Lĩnh vực này đã nhận đủ số lượt trong ngày. Xin mời Ông/Bà quay lại vào ngày làm việc tiếp theo hoặc đặt lịch hẹn.",
        "This field has reached its limit for the day. Please come back on the next working day or book a time.",
        status=409,
    )


def check_daily_cap(session: Session, center: Any, service: Service, day: date, *, exclude_booking_id: int | None = None) -> None:
    """Refuse one more citizen of ``service`` on ``day`` when its walk-in tickets (no booking, any
    state) plus its holding bookings already reach ``service.daily_cap``: 409 ``daily_cap_reached``.
    No cap, no check. A booking being moved (``exclude_booking_id``) does not count against itself."""
    if service.daily_cap is None:
        return
    lock_field(session, service.id)
    used = used_per_day(session, center.id, service.id, day, day).get(day, 0)
    if exclude_booking_id is not None:
        used -= session.scalar(select(func.count()).select_from(Booking).where(
            Booking.id == exclude_booking_id, Booking.day == day, Booking.state.in_(HOLDING_STATES))) or 0
    if used >= service.daily_cap:
        raise daily_cap_reached()


def taken_in_slot(session: Session, center_id: int, service_id: int, slot_start: datetime, *,
                  exclude_booking_id: int | None = None) -> int:
    """Places held in one slot (naive UTC start), counted under :func:`lock_field` by the caller."""
    stmt = select(func.count()).select_from(Booking).where(
        Booking.center_id == center_id, Booking.service_id == service_id, Booking.slot_start == slot_start,
        Booking.state.in_(HOLDING_STATES))
    if exclude_booking_id is not None:
        stmt = stmt.where(Booking.id != exclude_booking_id)
    return session.scalar(stmt) or 0


__all__ = ["check_daily_cap", "daily_cap_reached", "lock_field", "taken_in_slot"]
