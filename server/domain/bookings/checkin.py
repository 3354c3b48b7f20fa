"""Check-in at the kiosk: a booking's code (its QR) or the citizen's ID card turns a booking into a ticket.

The window is ``[slot_start − checkin_before, slot_start + checkin_after]`` (the center's
:func:`~server.domain.bookings.settings.booking_settings`), both ends included:

- inside it: a booked ticket for the booking's field — ``booking_id``, ``sort_at`` and
  ``ahead_from`` at the slot's start, so from that moment it waits in the priority tier
  (:mod:`server.domain.queue.waiting`); the booking becomes ``checked_in``;
- before it: no ticket, ``booking_too_early`` with the time to come back from;
- after it: an ordinary ticket (no ``ahead_from``, sorted by now) with a kind word; the booking is
  still ``checked_in`` (the citizen came: not a no-show), the ticket's note says why;
- scanned again: the same ticket's status, never a second ticket (the booking's row is locked
  for the transaction: PostgreSQL ``FOR UPDATE``; SQLite holds the write lock from the start);
- another day, cancelled, unknown: ``booking_not_today`` (with the date), ``booking_cancelled``,
  ``booking_unknown``.

Either way the ticket carries ``booking_id``: a field's daily cap counts it once, as the booking,
never again as a walk-in. The ticket is issued by the kiosk's own rule (``issue_rule``, opening
hours, open counters…) in the caller's transaction: a refusal raises and rolls the check-in back.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from server.clock import local_date, local_time, utc
from server.domain.bookings.codes import normalise_code, pretty
from server.domain.bookings.settings import booking_settings
from server.domain.center_rules import weekday_names
from server.domain.events import EventCollector, write_then_publish
from server.models import Booking, BookingState, Center, Ticket

LATE_WORD = (
    "Ông/Bà đến muộn so với giờ hẹn nên số thứ tự được cấp như số thường. Mong Ông/Bà thông cảm.",
    "You came after your booked time, so your number is issued as an ordinary one. Thank you for your understanding.",
)
UNKNOWN = (
    "Không tìm thấy lịch hẹn này tại trung tâm. Vui lòng kiểm tra lại mã lịch hẹn hoặc hỏi cán bộ hướng dẫn.",
    "This booking was not found at this center. Please check the booking code or ask staff.",
)
CANCELLED = (
    "Lịch hẹn này đã được huỷ. Xin mời Ông/Bà chọn lĩnh vực trên màn hình để lấy số thường.",
    "This booking was cancelled. Please choose a field on the screen to take an ordinary number.",
)

# The dossier area's and the kiosk's ticket issuer: (session, events, center_id, service_id, **fields) → ticket view.
IssueRule = Callable[..., dict[str, Any]]


def checkin_window(center: Center, booking: Booking) -> tuple[datetime, datetime]:
    """The first and last instant (UTC, both included) the kiosk checks ``booking`` in as booked."""
    rules = booking_settings(center)
    start = utc(booking.slot_start)
    return (start - timedelta(minutes=int(rules["checkin_before_minutes"])),
            start + timedelta(minutes=int(rules["checkin_after_minutes"])))


def _hhmm(moment: datetime, center: Center) -> str:
    return f"{local_time(utc(moment), center.timezone):%H:%M}"


def _answer(outcome: str, message: tuple[str, str], *, kind: str = "booking", ticket: dict[str, Any] | None = None,
            **fields: Any) -> dict[str, Any]:
    return {"outcome": outcome, "kind": kind, "message_vi": message[0], "message_en": message[1], "ticket": ticket, **fields}


def _booking_brief(center: Center, booking: Booking) -> dict[str, Any]:
    """What the kiosk's screen may show of a booking: its code, day and slot time (no contact, no ID)."""
    return {"code_display": pretty(booking.code), "day": booking.day.isoformat(), "start": _hhmm(booking.slot_start, center),
            "state": booking.state}


def _status(session: Session, queue: Any, center: Center, booking: Booking, now: datetime) -> dict[str, Any]:
    """A booking scanned again after its check-in: its ticket's status, no new ticket."""
    ticket = session.get(Ticket, booking.ticket_id) if booking.ticket_id else None
    view = queue.ticket_view(session, ticket, now=now) if ticket is not None else None
    number = view["number"] if view else "—"
    return _answer("ticket_status", (
        f"Lịch hẹn này đã được nhận số {number}. Ông/Bà vui lòng chờ gọi số, không cần lấy số mới.",
        f"This booking already has number {number}. Please wait to be called; no new number is needed.",
    ), ticket=view, booking=_booking_brief(center, booking))


def not_today(center: Center, booking: Booking) -> dict[str, Any]:
    """``booking_not_today``: the booking is for another day, named with its weekday."""
    day: date = booking.day
    start = _hhmm(booking.slot_start, center)
    weekday_vi, weekday_en = weekday_names(day)
    return _answer("booking_not_today", (
        f"Lịch hẹn này là vào {weekday_vi}, ngày {day:%d/%m/%Y} lúc {start}, không phải hôm nay. "
        "Xin mời Ông/Bà quay lại đúng ngày hẹn.",
        f"This booking is for {weekday_en}, {day:%d/%m/%Y} at {start}, not today. Please come back on that day.",
    ), date=day.isoformat(), booking=_booking_brief(center, booking))


def check_in(session: Session, events: EventCollector, queue: Any, center: Center, booking: Booking | None,
             now: datetime, issue_rule: IssueRule, *, citizen_key: str | None = None, actor: str = "kiosk:booking",
             ) -> dict[str, Any]:
    """Check ``booking`` in at ``now`` inside the caller's write transaction (the booking's row
    locked: see :func:`locked_booking`); ``queue`` gives ticket views. Returns the kiosk's answer:
    ``outcome`` (``ticket_issued`` with ``kind`` ``booking`` or ``booking_late``, ``ticket_status``,
    ``booking_too_early``, ``booking_not_today``, ``booking_cancelled``, ``booking_unknown``),
    ``message_vi``/``message_en``, ``ticket`` (a public view or None) and ``booking`` (code, day, time).
    A refusal of the kiosk's rule (closed, no open counter…) raises its DomainError."""
    if booking is None or booking.center_id != center.id:
        return _answer("booking_unknown", UNKNOWN)
    if booking.state == BookingState.CANCELLED:
        return _answer("booking_cancelled", CANCELLED, booking=_booking_brief(center, booking))
    if booking.state == BookingState.CHECKED_IN:
        return _status(session, queue, center, booking, now)
    if booking.day != local_date(now, center.timezone):
        return not_today(center, booking)
    opens, closes = checkin_window(center, booking)
    start = _hhmm(booking.slot_start, center)
    if now < opens:
        back = _hhmm(opens, center)
        return _answer("booking_too_early", (
            f"Chưa đến giờ nhận số của lịch hẹn. Xin mời Ông/Bà quay lại quét mã từ {back}.",
            f"It is too early to check in for this booking. Please come back and scan the code from {back}.",
        ), booking=_booking_brief(center, booking), checkin_from=back)
    late = now > closes  # a no-show already marked today is late too: the citizen came after all
    fields: dict[str, Any] = {"booking_id": booking.id, "citizen_key": citizen_key or booking.citizen_key}
    if not late:
        fields.update(sort_at=utc(booking.slot_start), ahead_from=utc(booking.slot_start))
    view = issue_rule(session, events, center.id, booking.service_id, source="booking", actor=actor, **fields)
    booking.state, booking.checked_in_at, booking.ticket_id, booking.updated_at = BookingState.CHECKED_IN, now, view["id"], now
    if late:
        ticket = session.get(Ticket, view["id"])
        ticket.note = f"Đến muộn so với lịch hẹn {start} ({pretty(booking.code)}): cấp như số thường."
        # The number is on the ticket in large type: the kind word alone keeps the kiosk's card on one screen.
        return _answer("ticket_issued", LATE_WORD, kind="booking_late", ticket=view, booking=_booking_brief(center, booking))
    ahead = ("", "") if now >= utc(booking.slot_start) else (
        f" Số của Ông/Bà được ưu tiên gọi từ {start}.", f" Your number goes ahead from {start}.")
    number = view["number"]
    return _answer("ticket_issued", (
        f"Ông/Bà đã nhận số {number} theo lịch hẹn {start}. Vui lòng chờ gọi số.{ahead[0]}",
        f"Your number is {number}, booked for {start}. Please wait to be called.{ahead[1]}",
    ), ticket=view, booking=_booking_brief(center, booking))


def locked_booking(session: Session, stmt: Any) -> Booking | None:
    """The booking ``stmt`` selects, row-locked for the caller's write transaction (PostgreSQL
    ``FOR UPDATE``: a second scan of the same code waits, then sees it checked in; SQLite's write
    transaction is taken up front), read afresh."""
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking)
    return session.execute(stmt.limit(1).execution_options(populate_existing=True)).scalar_one_or_none()


def booking_by_code(session: Session, center: Center, code: str) -> Booking | None:
    """The center's booking with this code (as scanned: :func:`normalise_code`), row-locked; or None."""
    normal = normalise_code(code)
    if normal is None:
        return None
    return locked_booking(session, select(Booking).where(Booking.code == normal, Booking.center_id == center.id))


def booking_today_for(session: Session, center: Center, citizen_key: str, now: datetime) -> Booking | None:
    """The citizen's booking of today at this center (by the ID card's keyed hash), row-locked: the
    first still to check in, else one already marked a no-show (the citizen came late after all, as
    with its code), else the one already checked in; cancelled ones are not looked at."""
    rank = case((Booking.state == BookingState.BOOKED, 0), (Booking.state == BookingState.NO_SHOW, 1), else_=2)
    stmt = (
        select(Booking)
        .where(Booking.center_id == center.id, Booking.citizen_key == citizen_key,
               Booking.day == local_date(now, center.timezone),
               Booking.state.in_((BookingState.BOOKED, BookingState.NO_SHOW, BookingState.CHECKED_IN)))
        .order_by(rank, Booking.slot_start.asc(), Booking.id.asc())
    )
    return locked_booking(session, stmt)


def check_in_at_kiosk(queue: Any, center_id: int, issue_rule: IssueRule, *, code: str | None = None,
                      citizen_key: str | None = None) -> dict[str, Any] | None:
    """One write transaction: find the booking (by ``code``, or today's for ``citizen_key``), row-lock
    it, :func:`check_in`; events published after the commit. None when ``citizen_key`` has no
    booking today (the kiosk then offers its usual choice). A refusal of the kiosk's rule raises."""
    def unit(session: Session, events: EventCollector) -> dict[str, Any] | None:
        center = session.get(Center, center_id)
        if center is None:
            return _answer("booking_unknown", UNKNOWN)
        now = queue.clock.now()
        if code is not None:
            booking = booking_by_code(session, center, code)
        else:
            booking = booking_today_for(session, center, citizen_key or "", now)
            if booking is None:
                return None
        return check_in(session, events, queue, center, booking, now, issue_rule, citizen_key=citizen_key)

    return write_then_publish(queue.db, queue.publish, unit)


__all__ = ["check_in", "check_in_at_kiosk", "checkin_window", "booking_by_code", "booking_today_for", "locked_booking",
           "not_today", "LATE_WORD"]
