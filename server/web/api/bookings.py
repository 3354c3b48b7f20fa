"""Booking endpoints (đặt lịch hẹn): the citizen's public ones and the province portal's.

- public (no login, rate-limited per client): a center's offer, a field's slots, book, and the
  booking behind its secret link token (view, move, cancel);
- the province's one-stop portal (``Authorization: Bearer …``, an API token with the scope
  ``bookings`` of that center, or a signed-in clerk of the center): the same by booking code,
  with ``external_ref`` (the portal's own id) when booking.

Answers never carry an ID number; the contact shows masked (server/domain/bookings/service.py).
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, Range

from server.domain.accounts import Principal
from server.domain.bookings import BookingService
from server.domain.errors import DomainError
from server.extensions import services
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int, QueryInt
from server.web.auth import require
from server.web.ratelimit import public_limit

PUBLIC_DOC = {"tags": ["Bookings"]}
PORTAL_DOC = {"security": [{"BearerAuth": []}, {"CookieAuth": []}], "tags": ["Bookings"]}
PORTAL_SCOPE = "bookings"
ID = Range(min=1, max=2**31 - 1)
BOOKINGS_PER_HOUR = "20/hour"
CHANGES_PER_HOUR = "30/hour"


def bookings() -> BookingService:
    """The app's booking service (built once in ``server/bootstrap.py``)."""
    return services().bookings


def portal(center_id: int) -> Principal:
    """A clerk (or better) of the center, or an API token of the center holding the scope ``bookings``."""
    principal = require("clerk", center_id)
    if principal.kind == "api" and PORTAL_SCOPE not in principal.scopes:
        raise DomainError("forbidden", "Mã truy cập này không được quản lý lịch hẹn.", "This token may not manage bookings.",
                          status=403)
    return principal


# ----------------------------------------------------------------------------- schemas
class BookingCenterOut(Schema):
    id = Integer()
    name = String()
    name_en = String()
    address = String()


class BookingServiceOut(Schema):
    id = Integer()
    name = String()
    name_en = String()


class BookableServiceOut(BookingServiceOut):
    kind = String()


class BookingOfferOut(Schema):
    center = Nested(BookingCenterOut)
    enabled = Boolean()
    services = List(Nested(BookableServiceOut))
    days_ahead = Integer()
    slot_minutes = Integer()
    require_contact = Boolean()
    per_person_per_day = Integer()


class SlotOut(Schema):
    starts_at = String()
    start = String()
    end = String()
    left = Integer()
    full = Boolean()


class SlotDayOut(Schema):
    date = String()
    weekday_vi = String()
    weekday_en = String()
    open = Boolean()
    note_vi = String()
    note_en = String()
    slots = List(Nested(SlotOut))


class SlotsOut(Schema):
    service = Nested(BookingServiceOut)
    days = List(Nested(SlotDayOut))


class ContactOut(Schema):
    phone = String()
    email = String()


class BookingOut(Schema):
    code = String()
    code_display = String()
    token = String()
    state = String(metadata={"description": "booked | checked_in | cancelled | no_show"})
    state_vi = String()
    state_en = String()
    center = Nested(BookingCenterOut)
    service = Nested(BookingServiceOut)
    day = String()
    weekday_vi = String()
    weekday_en = String()
    start = String()
    end = String()
    starts_at = String()
    checkin_from = String()
    checkin_until = String()
    manage_path = String()
    contact = Nested(ContactOut)
    reminder = Boolean()
    moved_count = Integer()


class SlotsQuery(Schema):
    service_id = QueryInt(required=True, validate=ID)
    start = Date(data_key="from", load_default=None, metadata={"description": "first day, YYYY-MM-DD (default today)"})
    days = QueryInt(load_default=None, validate=Range(min=1, max=62))


class BookIn(Schema):
    service_id = Int(required=True, validate=ID)
    starts_at = DateTime(required=True, metadata={"description": "the slot's start, ISO 8601 (e.g. 2026-12-08T09:30:00+07:00)"})
    id_number = String(load_default=None, allow_none=True, validate=Length(max=64),
                       metadata={"description": "12-digit ID number; kept only as a keyed hash"})
    phone = String(load_default=None, allow_none=True, validate=Length(max=30))
    email = String(load_default=None, allow_none=True, validate=Length(max=200))


class PortalBookIn(BookIn):
    external_ref = String(load_default="", validate=Length(max=80))


class MoveIn(Schema):
    starts_at = DateTime(required=True)


def _book(center_id: int, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return bookings().book(center_id, data["service_id"], data["starts_at"], id_number=data.get("id_number"),
                           phone=data.get("phone"), email=data.get("email"), **extra)


# ----------------------------------------------------------------------------- public
@bp.get("/public/centers/<int:center_id>/booking")
@bp.output(BookingOfferOut)
@bp.doc(**PUBLIC_DOC)
def booking_offer(center_id: int):
    """What the center offers for booking: its fields open to booking and its rules."""
    return bookings().offer(center_id)


@bp.get("/public/centers/<int:center_id>/booking-slots")
@bp.input(SlotsQuery, location="query", arg_name="query")
@bp.output(SlotsOut)
@bp.doc(**PUBLIC_DOC)
def booking_slots(center_id: int, query: dict[str, Any]):
    """A field's slots day by day, with the places left (closed days carry a note)."""
    return bookings().slots(center_id, query["service_id"], query.get("start"), query.get("days"))


@bp.post("/public/centers/<int:center_id>/bookings")
@bp.input(BookIn, arg_name="data")
@bp.output(BookingOut, status_code=201)
@bp.doc(**PUBLIC_DOC)
def book(center_id: int, data: dict[str, Any]):
    """Book a slot: the answer holds the booking code and the secret link to manage it."""
    with public_limit(BOOKINGS_PER_HOUR):
        return _book(center_id, data, source="web")


@bp.get("/public/bookings/<token>")
@bp.output(BookingOut)
@bp.doc(**PUBLIC_DOC)
def booking_view(token: str):
    """The booking behind its secret link."""
    return bookings().view(token)


@bp.post("/public/bookings/<token>/move")
@bp.input(MoveIn, arg_name="data")
@bp.output(BookingOut)
@bp.doc(**PUBLIC_DOC)
def booking_move(token: str, data: dict[str, Any]):
    """Move the booking to another slot of its field."""
    with public_limit(CHANGES_PER_HOUR):
        return bookings().move(token, data["starts_at"])


@bp.post("/public/bookings/<token>/cancel")
@bp.output(BookingOut)
@bp.doc(**PUBLIC_DOC)
def booking_cancel(token: str):
    """Cancel the booking (its place goes back to others)."""
    with public_limit(CHANGES_PER_HOUR):
        return bookings().cancel(token)


# ----------------------------------------------------------------------------- province portal
@bp.get("/centers/<int:center_id>/booking-slots")
@bp.input(SlotsQuery, location="query", arg_name="query")
@bp.output(SlotsOut)
@bp.doc(**PORTAL_DOC)
def portal_slots(center_id: int, query: dict[str, Any]):
    """A field's slots (as the public listing), for the province's portal."""
    portal(center_id)
    return bookings().slots(center_id, query["service_id"], query.get("start"), query.get("days"))


@bp.post("/centers/<int:center_id>/bookings")
@bp.input(PortalBookIn, arg_name="data")
@bp.output(BookingOut, status_code=201)
@bp.doc(**PORTAL_DOC)
def portal_book(center_id: int, data: dict[str, Any]):
    """Book a slot for a citizen from the province's portal (source "portal", with its ``external_ref``)."""
    portal(center_id)
    return _book(center_id, data, source="portal", external_ref=data.get("external_ref", ""))


@bp.get("/centers/<int:center_id>/bookings/<code>")
@bp.output(BookingOut)
@bp.doc(**PORTAL_DOC)
def portal_booking(center_id: int, code: str):
    """A booking of the center by its code (``LH-BC4K-7M2Q`` or ``LHBC4K7M2Q``)."""
    portal(center_id)
    return bookings().by_code(center_id, code)


@bp.post("/centers/<int:center_id>/bookings/<code>/move")
@bp.input(MoveIn, arg_name="data")
@bp.output(BookingOut)
@bp.doc(**PORTAL_DOC)
def portal_move(center_id: int, code: str, data: dict[str, Any]):
    """Move a booking of the center to another slot."""
    portal(center_id)
    return bookings().move_by_code(center_id, code, data["starts_at"])


@bp.post("/centers/<int:center_id>/bookings/<code>/cancel")
@bp.output(BookingOut)
@bp.doc(**PORTAL_DOC)
def portal_cancel(center_id: int, code: str):
    """Cancel a booking of the center."""
    principal = portal(center_id)
    return bookings().cancel_by_code(center_id, code, actor=principal.actor)
