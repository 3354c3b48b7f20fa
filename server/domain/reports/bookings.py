"""Booking figures of a period (section "Đặt lịch hẹn" of the report page and its exports).

Definitions (shown on the report page too):
- *made*: bookings created in the period (whatever day they are for);
- *for the period's days*: bookings whose slot falls on one of the period's days, by their state
  now: still booked (their time has not come), checked in — *on time* when the kiosk gave the
  ticket its place from the slot's start (``Ticket.ahead_from`` set), *late* when it issued an
  ordinary ticket —, cancelled, no-show (the check-in window passed);
- *wait* of a ticket issued in the period, to its first call: a booked ticket (``booking_id`` set)
  from its slot's start or its check-in, whichever is later (it was not expected to wait before its
  time); a walk-in ticket from its issue. Median and 90th percentile as in the rest of the report.
  Only the fields that had bookings in the period count, walk-ins included: a quick result pickup
  is no yardstick for a booked dossier.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import utc
from server.domain.audit import LabelResolver, utc_naive
from server.domain.bookings.settings import booking_settings
from server.domain.reports.periods import Period
from server.domain.reports.tables import Column, Table, describe
from server.models import Center, TicketEvent
from server.models.core import Booking, BookingState, Ticket

CALLS = ("call", "call_chosen")
COUNTS: list[tuple[str, str, str]] = [
    ("made", "Lịch hẹn được đặt trong kỳ", "Bookings made in the period"),
    ("for_days", "Lịch hẹn cho các ngày trong kỳ", "Bookings for the period's days"),
    ("checked_in", "Đã đến nhận số", "Checked in"),
    ("on_time", "Đến đúng giờ hẹn", "Checked in on time"),
    ("late", "Đến muộn (cấp số thường)", "Checked in late (ordinary ticket)"),
    ("cancelled", "Đã huỷ", "Cancelled"),
    ("no_show", "Không đến", "No-shows"),
    ("awaiting", "Chưa đến giờ hẹn", "Not yet due"),
]


def booking_tables(session: Session, centers: list[Center], period: Period, now: datetime) -> list[Table]:
    """The booking summary and the booking figures by field; nothing where no center in scope takes
    bookings and none were made or due in the period."""
    made: list[tuple[Center, Booking]] = []
    due: list[tuple[Center, Booking, bool | None]] = []  # on time (True) / late (False) / not checked in (None)
    for center in centers:
        begin, end = (utc_naive(t) for t in period.utc_bounds(center.timezone))
        made += [(center, b) for b in session.scalars(
            select(Booking).where(Booking.center_id == center.id, Booking.created_at >= begin, Booking.created_at < end))]
        rows = session.execute(
            select(Booking, Ticket.ahead_from).join(Ticket, Ticket.id == Booking.ticket_id, isouter=True)
            .where(Booking.center_id == center.id, Booking.day >= period.start, Booking.day <= period.end)).all()
        after = timedelta(minutes=int(booking_settings(center)["checkin_after_minutes"]))
        due += [(center, b, _on_time(b, ahead_from, after)) for b, ahead_from in rows]
    if not (made or due or any(booking_settings(c)["enabled"] for c in centers)):
        return []
    # Walk-ins are compared within the fields that had bookings: a quick result pickup is no yardstick.
    waits: list[tuple[Center, int, bool, float]] = []  # center, field, booked?, seconds
    for center in centers:
        fields = {b.service_id for c, b in made if c is center} | {b.service_id for c, b, _t in due if c is center}
        if fields:
            begin, end = (utc_naive(t) for t in period.utc_bounds(center.timezone))
            waits += [(center, *w) for w in _waits(session, center.id, fields, begin, end)]
    return [_summary(made, due, waits), _by_service(session, centers, made, due, waits, period, now)]


def _on_time(booking: Booking, ahead_from: datetime | None, after: timedelta) -> bool | None:
    """On time or late, for a checked-in booking: its ticket says (a late one got no place ahead); without
    a ticket, the check-in time against the window."""
    if booking.state != BookingState.CHECKED_IN:
        return None
    if booking.ticket_id is not None:
        return ahead_from is not None
    return booking.checked_in_at is not None and utc(booking.checked_in_at) <= utc(booking.slot_start) + after


def _waits(session: Session, center_id: int, fields: set[int], begin: datetime, end: datetime) -> list[tuple[int, bool, float]]:
    """(field, booked?, seconds) of every ticket of these fields issued in [begin, end) and called since."""
    first_call = (select(TicketEvent.ticket_id, func.min(TicketEvent.at).label("at"))
                  .where(TicketEvent.center_id == center_id, TicketEvent.action.in_(CALLS), TicketEvent.at >= begin)
                  .group_by(TicketEvent.ticket_id).subquery())
    rows = session.execute(
        select(Ticket.origin_service_id, Ticket.booking_id, Ticket.issued_at, Ticket.ahead_from, first_call.c.at)
        .join(first_call, first_call.c.ticket_id == Ticket.id)
        .where(Ticket.center_id == center_id, Ticket.origin_service_id.in_(fields), Ticket.issued_at >= begin,
               Ticket.issued_at < end)).all()
    out = []
    for service_id, booking_id, issued_at, ahead_from, called_at in rows:
        since = max(utc(issued_at), utc(ahead_from)) if ahead_from is not None else utc(issued_at)
        out.append((service_id, booking_id is not None, max(0.0, (utc(called_at) - since).total_seconds())))
    return out


def _counts(made: list, due: list) -> dict[str, int]:
    states = [b.state for _c, b, _t in due]
    return {"made": len(made), "for_days": len(due), "checked_in": states.count(BookingState.CHECKED_IN),
            "on_time": sum(1 for *_x, t in due if t is True), "late": sum(1 for *_x, t in due if t is False),
            "cancelled": states.count(BookingState.CANCELLED), "no_show": states.count(BookingState.NO_SHOW),
            "awaiting": states.count(BookingState.BOOKED)}


def _wait_cells(waits: list[tuple[Any, ...]]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for key, booked in (("booked", True), ("walk_in", False)):
        d = describe([w[-1] for w in waits if w[-2] is booked])
        cells.update({f"{key}_called": d["count"], f"{key}_wait_median": d["median"], f"{key}_wait_p90": d["p90"]})
    return cells


WAIT_ROWS: list[tuple[str, str, str, str]] = [
    ("booked_called", "Số có lịch hẹn đã được gọi", "Booked tickets called", "int"),
    ("booked_wait_median", "Chờ trung vị — có lịch hẹn (phút)", "Median wait — booked (min)", "min"),
    ("booked_wait_p90", "Chờ P90 — có lịch hẹn (phút)", "90th percentile wait — booked (min)", "min"),
    ("walk_in_called", "Số không hẹn trước đã được gọi", "Walk-in tickets called", "int"),
    ("walk_in_wait_median", "Chờ trung vị — không hẹn trước (phút)", "Median wait — walk-in (min)", "min"),
    ("walk_in_wait_p90", "Chờ P90 — không hẹn trước (phút)", "90th percentile wait — walk-in (min)", "min"),
]


def _summary(made: list, due: list, waits: list) -> Table:
    counts, cells = _counts(made, due), _wait_cells(waits)
    closed = counts["checked_in"] + counts["no_show"]
    rows = [{"metric": k, "metric_vi": vi, "metric_en": en, "value": counts[k], "kind": "int"} for k, vi, en in COUNTS]
    rows.append({"metric": "no_show_share", "metric_vi": "Tỷ lệ không đến", "metric_en": "No-show share",
                 "value": (counts["no_show"] / closed) if closed else None, "kind": "pct"})
    rows += [{"metric": k, "metric_vi": vi, "metric_en": en, "value": cells[k], "kind": kind} for k, vi, en, kind in WAIT_ROWS]
    return Table("bookings", "Đặt lịch hẹn", "Bookings",
                 [Column("metric_vi", "Chỉ tiêu", "Metric"), Column("metric_en", "Chỉ tiêu (EN)", "Metric (EN)"),
                  Column("value", "Giá trị", "Value", "num")], rows)


def _by_service(session: Session, centers: list[Center], made: list, due: list, waits: list, period: Period,
                now: datetime) -> Table:
    multi = len(centers) > 1
    groups: dict[tuple[int, int], dict[str, list]] = defaultdict(lambda: {"made": [], "due": [], "waits": []})
    for c, b in made:
        groups[(c.id, b.service_id)]["made"].append((c, b))
    for c, b, on_time in due:
        groups[(c.id, b.service_id)]["due"].append((c, b, on_time))
    for c, service_id, booked, seconds in waits:
        groups[(c.id, service_id)]["waits"].append((booked, seconds))
    labels = LabelResolver(session)
    by_id = {c.id: c for c in centers}
    rows = []
    for (center_id, service_id) in sorted(groups):
        center, g = by_id[center_id], groups[(center_id, service_id)]
        label_at = min(period.utc_bounds(center.timezone)[1] - timedelta(microseconds=1), utc(now))
        name = labels.label("service", service_id, label_at)
        row = {"service_id": service_id, "service_code": name.get("code", ""), "service_name": name.get("name", ""),
               **_counts(g["made"], g["due"]), **_wait_cells(g["waits"])}
        rows.append({"center_code": center.code, **row} if multi else row)
    columns = ([Column("center_code", "Trung tâm", "Center")] if multi else []) + [
        Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực", "Field"),
        *[Column(k, vi, en, "int") for k, vi, en in COUNTS],
        *[Column(k, vi, en, kind) for k, vi, en, kind in WAIT_ROWS],
    ]
    return Table("bookings_by_service", "Đặt lịch hẹn theo lĩnh vực", "Bookings by field", columns, rows)


__all__ = ["booking_tables"]
