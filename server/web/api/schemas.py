"""Request and response schemas: they validate input and describe the OpenAPI document."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from server.domain.inputs import int_from_text, strict_int
from server.models import PRIORITY_CATEGORIES


class Int(Integer):
    """An integer in a JSON body: a JSON integer, nothing else.

    marshmallow's ``Integer`` truncates (``1.9999`` issued a ticket of service 1) and reads the
    text ``"1"``; here ``1.5``, ``1.0``, ``"1"`` and ``true`` are a 400 ``invalid_input``.
    Every input schema whose OpenAPI type is integer uses this (query strings use :class:`QueryInt`)."""

    def _validated(self, value: Any) -> int:
        try:
            strict_int(value)
        except ValueError:
            raise self.make_error("invalid", input=value) from None
        return super()._validated(value)


class QueryInt(Integer):
    """An integer in a query string (always text): ASCII digits only, so ``?limit=1.5``,
    ``?center_id=+1`` or ``?center_id=%D9%A1`` are refused rather than read as something else."""

    def _validated(self, value: Any) -> int:
        try:
            value = int_from_text(value)
        except ValueError:
            raise self.make_error("invalid", input=value) from None
        return super()._validated(value)


class ServiceBrief(Schema):
    id = Integer()
    code = String()
    name = String()
    name_en = String()
    kind = String()
    prefix = String()
    priority_allowed = Boolean()


class ServiceOut(ServiceBrief):
    waiting = Integer()
    active = Boolean()


class CounterBrief(Schema):
    id = Integer()
    number = Integer()
    name = String()


class CounterOut(CounterBrief):
    is_open = Boolean()
    paused = Boolean()
    paused_at = String(allow_none=True)
    pause_reason = String()
    service_ids = List(Integer())
    center_id = Integer()
    current = Dict(allow_none=True)


class TicketOut(Schema):
    id = Integer()
    token = String()
    number = String()
    seq = Integer()
    center_id = Integer()
    service = Nested(ServiceBrief)
    state = String()
    priority = String(allow_none=True)
    issued_at = String(allow_none=True)
    called_at = String(allow_none=True)
    started_at = String(allow_none=True)
    finished_at = String(allow_none=True)
    counter = Nested(CounterBrief, allow_none=True)
    recall_count = Integer()
    dossier_code = String(allow_none=True)
    parked_at = String(allow_none=True)
    people_ahead = Integer()
    estimated_wait_minutes = Integer()
    open_counters = Integer()
    # At the kiosk: when the estimated wait runs past today's closing ({closes_at, message_vi, message_en}), else null.
    past_closing = Dict(allow_none=True)
    # A ticket checked in for a booking: its slot's local start ({"booked_for": "09:30"}), else null. Never who booked.
    booking = Dict(allow_none=True)


class TicketIn(Schema):
    center_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    service_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    priority = String(load_default=None, allow_none=True, validate=OneOf(sorted(PRIORITY_CATEGORIES)))


class CallOut(Schema):
    ticket = Nested(TicketOut, allow_none=True)
    finished = Nested(TicketOut, allow_none=True)
    message_vi = String()
    message_en = String()


class TransferIn(Schema):
    service_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    counter_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    note = String(load_default="", validate=Length(max=2000))


class CallChosenIn(Schema):
    """A ticket picked from the counter's waiting list, and why it goes out of order."""

    ticket_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    reason = String(required=True, validate=Length(max=40),
                    metadata={"description": "elderly | quick | appointment | other (with note)"})
    note = String(load_default="", validate=Length(max=2000))


class ParkIn(Schema):
    reason = String(load_default="", validate=Length(max=2000), metadata={"description": "what paper is missing"})


class ReasonIn(Schema):
    reason = String(required=True, validate=Length(max=2000))


class PauseIn(Schema):
    reason = String(required=True, validate=Length(max=40),
                    metadata={"description": "break | meeting | support | other (with note, up to 40 characters)"})
    note = String(load_default="", validate=Length(max=2000))


class ParkedTicketOut(Schema):
    id = Integer()
    number = String()
    priority = String(allow_none=True)
    service = Dict()
    parked_at = String(allow_none=True)
    parked_minutes = Integer()
    counter_number = Integer(allow_none=True)
    here = Boolean()


class ParkedOut(Schema):
    counter_id = Integer()
    tickets = List(Nested(ParkedTicketOut))


class CloseIn(Schema):
    """What becomes of the ticket called to, or served at, a counter that closes (none needed when there is none)."""

    then = String(load_default=None, allow_none=True, validate=OneOf(["finish", "requeue", "transfer"]),
                  metadata={"description": "finish | requeue (back to the head of its queue) | transfer"})
    service_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    counter_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    note = String(load_default="", validate=Length(max=2000))


class CloseOut(CounterOut):
    settled = Nested(TicketOut, allow_none=True)


class CancelIn(Schema):
    reason = String(load_default="", validate=Length(max=500))


class CenterOut(Schema):
    id = Integer()
    code = String()
    name = String()
    name_en = String()
    address = String()
    level = String()


class SnapshotServiceOut(ServiceOut):
    """ServiceOut as nested in a snapshot: a class of its own, because the OpenAPI
    document gives each schema class one name and ServiceOut is also a response."""


class SnapshotOut(Schema):
    center = Dict()
    day = String()
    last_event_id = Integer()
    services = List(Nested(SnapshotServiceOut))
    counters = List(Nested(CounterOut))
    recent_calls = List(Dict())


class LoginIn(Schema):
    username = String(required=True, validate=Length(min=1, max=80))
    password = String(required=True, validate=Length(min=1, max=200))


class MeOut(Schema):
    id = Integer()
    username = String()
    role = String()
    center_id = Integer(allow_none=True)
    csrf_token = String()
