"""Dossier endpoints: receive at a counter, follow and change state, receipts, result-ready
notices, the boards' "results ready" list, and the external one-stop e-system's calls.

Who may call what:

- public (no login, rate-limited): the procedure catalogue, a dossier's status by code
  (code, procedure, state, dates — never the applicant), the results-ready codes;
- clerks (session + ``X-CSRF-Token``) of the dossier's center, or a machine with an API token
  (``Authorization: Bearer …``, e.g. the province's one-stop e-system): everything else;
- supervisors: the notice outbox.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range
from flask import Flask, Response

from hardware import image_to_png_bytes, render_receipt, render_receipt_pdf
from server.adapters.printing import RECEIPT_KINDS, printing
from server.domain.accounts import Principal
from server.domain.citizen_id import card_view, parse_id_card
from server.domain.console import waiting_list
from server.domain.dossiers.applicants import Applicant
from server.domain.dossiers.paper import counter_printer_url
from server.domain.dossiers.postal import parse_day
from server.domain.dossiers.service import DossierArea
from server.domain.errors import DomainError, not_found, other_center
from server.extensions import services
from server.models import Counter
from server.models.dossiers import Channel, DossierState, NoticeOutbox, NoticeStatus, ReturnChannel
from server.web.api.blueprint import api_bp as bp
from server.web.api.routes import active_counter, counter_center, ensure_seat
from server.web.api.schemas import Int, QueryInt, TicketOut
from server.web.auth import require, signed_in_user

AUTH_DOC = {"security": [{"BearerAuth": []}, {"CookieAuth": []}], "tags": ["Dossiers"]}
PUBLIC_DOC = {"tags": ["Dossiers"]}
TOKEN_SCOPES = {"dossiers", "queue"}


# ----------------------------------------------------------------------------- the area's services
def area(app: Flask | None = None) -> DossierArea:
    """The app's dossier services (built once in ``server/bootstrap.py``)."""
    return services(app).dossiers




def _principal(center_id: int | None, role: str = "clerk") -> Principal:
    """A clerk (or better) of the center, or a machine token allowed to handle dossiers."""
    principal = require(role, center_id)
    if principal.kind == "api" and not (set(principal.scopes) & TOKEN_SCOPES):
        raise DomainError("forbidden", "Mã truy cập này không được xử lý hồ sơ.", "This token may not handle dossiers.",
                          status=403)
    return principal


def _for_code(code: str, role: str = "clerk") -> tuple[Principal, int]:
    """Log in first (so strangers cannot probe which codes exist), then check the dossier's center."""
    principal = _principal(None, role)
    center_id = area().dossiers.center_of(code)
    if not principal.may_act_in(center_id):
        raise other_center()
    return principal, center_id


def _user_name(principal: Principal) -> str:
    """The name a receipt shows for who received the dossier: the clerk's full name, or the token's name."""
    user = signed_in_user() if principal.kind == "user" else None
    return (user.full_name or user.username) if user else principal.name


# ----------------------------------------------------------------------------- schemas
class ProcedureOut(Schema):
    id = Integer()
    code = String()
    name = String()
    name_en = String()
    service_id = Integer(allow_none=True)
    processing_days = Raw()
    processing_days_text = String()
    fee = String()
    documents = List(String())
    active = Boolean()


class DossierPublicOut(Schema):
    code = String(allow_none=True)
    procedure_name = String()
    procedure = Dict(allow_none=True)
    service = Dict(allow_none=True)
    state = String()
    status = String()
    state_label_vi = String()
    state_label_en = String()
    received_at = String(allow_none=True)
    appointment_at = String(allow_none=True)
    appointment_text = String()
    extended_to = String(allow_none=True)
    extended_to_text = String()
    result_ready_at = String(allow_none=True)
    returned_at = String(allow_none=True)
    result_class = String(allow_none=True)
    overdue = Boolean()


class DossierOut(DossierPublicOut):
    id = Integer()
    center_id = Integer()
    applicant = Dict()
    documents = List(String())
    channel = String()
    channel_label_vi = String()
    channel_label_en = String()
    registered_at = String(allow_none=True)
    received_at_text = String()
    apology = Dict(allow_none=True)
    result_class_label_vi = String(allow_none=True)
    result_class_label_en = String(allow_none=True)
    reason = String()
    note = String()
    received_by = Dict(allow_none=True)
    counter = Dict(allow_none=True)
    ticket_id = Integer(allow_none=True)
    prereg_code = String(allow_none=True)
    external_id = String()
    allowed_actions = List(String())
    events = List(Dict())
    return_channel = String()
    return_channel_label_vi = String()
    return_channel_label_en = String()
    delivery_address = String()
    posted_at = String(allow_none=True)
    posted_text = String()
    delivered_at = String(allow_none=True)
    delivered_text = String()
    may_post = Boolean()
    may_deliver = Boolean()
    applicant_id_number = String()
    citizen_linked = Boolean()
    personal_purged_at = String(allow_none=True)


class IdCardIn(Schema):
    text = String(required=True, validate=Length(max=4096), metadata={"description": "the ID card's QR text as scanned"})


class IdCardOut(Schema):
    id_number = String()
    old_id = String()
    name = String()
    birth_date = String(allow_none=True)
    sex = String()
    address = String()
    issue_date = String(allow_none=True)
    masked_id = String()


class ReceiveIn(Schema):
    procedure_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    procedure_code = String(load_default=None, allow_none=True, validate=Length(max=60))
    applicant_name = String(required=True, validate=Length(min=1, max=200))
    applicant_phone = String(load_default="", validate=Length(max=40))
    applicant_email = String(load_default="", validate=Length(max=200))
    applicant_address = String(load_default="", validate=Length(max=300))
    # 12 digits or empty: the domain says so in words (invalid_id_number); kept as a personal field and as an HMAC key.
    applicant_id_number = String(load_default="", validate=Length(max=40))
    documents = List(String(validate=Length(max=300)), load_default=list, validate=Length(max=40))
    channel = String(load_default=Channel.DIRECT, validate=OneOf(Channel.ALL))
    return_channel = String(load_default=ReturnChannel.COUNTER, validate=OneOf(ReturnChannel.ALL))
    # Required and 10–300 characters when return_channel is "post": the domain says so in words.
    delivery_address = String(load_default="", validate=Length(max=1000))
    note = String(load_default="", validate=Length(max=2000))
    print = Boolean(load_default=True)


class CenterReceiveIn(ReceiveIn):
    counter_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    external_id = String(load_default="", validate=Length(max=120))


class ReceiptJobOut(Schema):
    id = String()
    kind = String()
    status = String()
    center_id = Integer()
    dossier_code = String()
    error = String(allow_none=True)
    attempts = Integer()


class ReceiptJobBrief(ReceiptJobOut):
    """The same fields, for nesting (one schema per name in the OpenAPI document)."""


class ReceiveOut(Schema):
    dossier = Nested(DossierOut)
    print_job = Nested(ReceiptJobBrief, allow_none=True)
    receipt_png_url = String()
    receipt_pdf_url = String()
    message_vi = String()
    message_en = String()


class ActionIn(Schema):
    reason = String(load_default="", validate=Length(max=2000))
    method = String(load_default=None, allow_none=True, validate=OneOf(("direct", "post")))


class ApologyIn(Schema):
    new_date = String(load_default=None, allow_none=True, validate=Length(max=40))
    reason = String(load_default="", validate=Length(max=1000))


class PreregIn(Schema):
    procedure_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    procedure_code = String(load_default=None, allow_none=True, validate=Length(max=60))
    applicant_name = String(required=True, validate=Length(min=1, max=200))
    applicant_phone = String(load_default="", validate=Length(max=40))
    applicant_email = String(load_default="", validate=Length(max=200))
    applicant_address = String(load_default="", validate=Length(max=300))
    documents = List(String(validate=Length(max=300)), load_default=list, validate=Length(max=40))
    external_id = String(load_default="", validate=Length(max=120))


class PreregOut(Schema):
    prereg_code = String()
    qr_payload = String()
    dossier = Nested(DossierOut)


class PickupIn(Schema):
    code = String(required=True, validate=Length(min=1, max=200))


class PickupOut(Schema):
    outcome = String()
    message_vi = String()
    message_en = String()
    ticket = Nested(TicketOut, allow_none=True)
    dossier = Nested(DossierPublicOut, allow_none=True)
    apology = Dict(allow_none=True)


class ReadyItem(Schema):
    code = String()
    short = String()
    ready_at = String(allow_none=True)


class ReadyOut(Schema):
    center_id = Integer()
    codes = List(String())
    items = List(Nested(ReadyItem))


class DossierListQuery(Schema):
    state = String(load_default=None, allow_none=True, validate=OneOf(DossierState.ALL))
    q = String(load_default="", validate=Length(max=100))
    overdue = Boolean(load_default=False)
    limit = QueryInt(load_default=100, validate=Range(min=1, max=500))


class CitizenLookupIn(Schema):
    # In the body, never the URL: access logs and proxies record URLs.
    id_number = String(required=True, validate=Length(max=40),
                       metadata={"description": "the citizen's 12-digit ID number (audited look-up)"})


class PrintIn(Schema):
    counter_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    form = String(load_default="receipt", validate=OneOf(("receipt", "apology")))


class PrintOut(Schema):
    print_job = Nested(ReceiptJobBrief, allow_none=True)
    message_vi = String()
    message_en = String()


class WaitingItem(Schema):
    id = Integer()
    number = String()
    service = Dict()
    priority = String(allow_none=True)
    issued_at = String(allow_none=True)
    waited_minutes = Integer()
    dossier_code = String(allow_none=True)
    transferred = Boolean()
    targeted = Boolean()
    note = String()
    booking = Dict(allow_none=True)  # {"booked_for": "09:30"} for a ticket checked in for a booking


class WaitingOut(Schema):
    counter_id = Integer()
    tickets = List(Nested(WaitingItem))


class CounterDossiersOut(Schema):
    ticket = Dict(allow_none=True)
    dossiers = List(Nested(DossierOut))
    citizen = Dict(allow_none=True, metadata={"description": "the ticket's ID-card citizen (clerks only): {masked_id, prefill: "
                                                             "{name, address, phone, id_number} | null} | null; audited"})


class NoticeOut(Schema):
    id = Integer()
    center_id = Integer()
    dossier_id = Integer(allow_none=True)
    kind = String()
    channel = String()
    recipient = String()
    subject = String()
    body = String()
    status = String()
    attempts = Integer()
    last_error = String()
    gateway = String()
    created_at = String(allow_none=True)
    sent_at = String(allow_none=True)
    created_at_text = String()


class NoticeQuery(Schema):
    status = String(load_default=None, allow_none=True, validate=OneOf(NoticeStatus.ALL))
    limit = QueryInt(load_default=100, validate=Range(min=1, max=500))


class PostalQuery(Schema):
    day = String(load_default=None, allow_none=True, validate=Length(max=10),
                 metadata={"description": "YYYY-MM-DD, default today"})


class PostalCsvQuery(PostalQuery):
    list = String(load_default="items", validate=OneOf(("items", "posted")),
                  metadata={"description": "items: to hand over; posted: handed over that day"})


class PostalItem(Schema):
    code = String()
    applicant_name = String()
    applicant_phone = String()
    delivery_address = String()
    procedure_name = String()
    result_ready_at = String(allow_none=True)
    result_ready_text = String()
    posted_at = String(allow_none=True)
    posted_text = String()
    delivered_at = String(allow_none=True)
    delivered_text = String()


class PostalListOut(Schema):
    center_id = Integer()
    center_name = String()
    day = String()
    day_text = String()
    items = List(Nested(PostalItem))
    posted = List(Nested(PostalItem))
    marked = List(String())


class PostedIn(Schema):
    codes = List(String(validate=Length(min=1, max=80)), required=True, validate=Length(min=1, max=200))


class DeliveredIn(Schema):
    delivered_on = String(load_default=None, allow_none=True, validate=Length(max=10),
                          metadata={"description": "YYYY-MM-DD (not after today), default today"})


class RenderQuery(Schema):
    width = QueryInt(load_default=576, validate=Range(min=384, max=832))


BINARY_DOC = {
    "png": {200: {"description": "PNG image", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
    "pdf": {200: {"description": "PDF (A4)", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}},
    "csv": {200: {"description": "CSV (UTF-8 with BOM, ; separator)", "content": {"text/csv": {"schema": {"type": "string"}}}}},
}


# ----------------------------------------------------------------------------- public
@bp.get("/centers/<int:center_id>/procedures")
@bp.output(ProcedureOut(many=True))
@bp.doc(**PUBLIC_DOC)
def list_procedures(center_id: int):
    """The center's procedure catalogue (thủ tục): field, processing time in working days, fee."""
    return area().dossiers.procedures(center_id)


@bp.get("/dossiers/<code>/status")
@bp.output(DossierPublicOut)
@bp.doc(**PUBLIC_DOC)
def dossier_status(code: str):
    """A dossier's public status by its code: code, procedure, state, appointment. No personal data."""
    if len(code) > 80:
        raise DomainError("invalid_dossier_code", "Mã hồ sơ không đúng định dạng.", "Malformed dossier code.", status=404)
    return area().dossiers.public_status(code)


@bp.get("/centers/<int:center_id>/results-ready")
@bp.output(ReadyOut)
@bp.doc(**PUBLIC_DOC)
def results_ready(center_id: int):
    """Codes of the dossiers whose result waits to be collected (what boards list). Codes only, no names."""
    items = area().dossiers.ready_codes(center_id)
    return {"center_id": center_id, "codes": [i["code"] for i in items], "items": items}


# ----------------------------------------------------------------------------- receive
def _receive_body(dossier: dict[str, Any], *, want_print: bool, center_id: int, counter_id: int | None) -> dict[str, Any]:
    code = dossier["code"]
    body: dict[str, Any] = {"dossier": dossier, "print_job": None,
                            "receipt_png_url": f"/api/v1/dossiers/{code}/receipt.png",
                            "receipt_pdf_url": f"/api/v1/dossiers/{code}/receipt.pdf",
                            "message_vi": f"Đã tiếp nhận hồ sơ {code}.", "message_en": f"Dossier {code} received."}
    if want_print:
        job, vi, en = _print(code, center_id, counter_id, "receipt")
        body["print_job"] = job
        body["message_vi"] += " " + vi
        body["message_en"] += " " + en
    return body


def _print(code: str, center_id: int, counter_id: int | None, form: str) -> tuple[dict[str, Any] | None, str, str]:
    """Send a receipt/apology to the counter's printer; (job or None, what happened vi, en)."""
    if counter_id is None:
        return None, "Không có quầy để in: hãy tải bản PDF.", "No counter to print at: download the PDF."
    with services().db.read() as s:
        url, device_name = counter_printer_url(s, counter_id)
        counter = s.get(Counter, counter_id)
        label = f"quầy {counter.number}" if counter else device_name
    if not url:
        return None, "Quầy chưa có máy in: hãy in bản PDF.", "This counter has no printer: print the PDF."
    dossiers = area().dossiers
    paper_of = dossiers.apology_print if form == "apology" else dossiers.receipt_print
    paper = paper_of(code, center_id=center_id)
    job = printing().print_receipt(center_id=center_id, printer_url=url, receipt=paper, label=label, kind=form)
    return job, "Đang in giấy tiếp nhận.", "Printing the receipt."


def _applicant(data: dict[str, Any]) -> Applicant:
    return Applicant(data.get("applicant_name", ""), data.get("applicant_phone", ""), data.get("applicant_email", ""),
                     data.get("applicant_address", ""), data.get("applicant_id_number", ""))


def _user_id(principal: Principal) -> int | None:
    return principal.id if principal.kind == "user" else None


def _received(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """What both receive endpoints pass on: procedure, applicant, documents, both channels, who received it."""
    return {"procedure_id": data.get("procedure_id"), "procedure_code": data.get("procedure_code"), "applicant": _applicant(data),
            "documents": data.get("documents"), "channel": data["channel"], "note": data.get("note", ""),
            "return_channel": data["return_channel"], "delivery_address": data["delivery_address"], "actor": principal.actor,
            "user_id": principal.id if principal.kind == "user" else None, "received_by_name": _user_name(principal)}


@bp.post("/counters/<int:counter_id>/dossiers")
@bp.input(ReceiveIn, arg_name="data")
@bp.output(ReceiveOut, status_code=201)
@bp.doc(**AUTH_DOC)
def receive_at_counter(counter_id: int, data: dict[str, Any]):
    """Receive a dossier from the citizen the counter is serving: code, appointment, receipt (Mẫu 01) printed
    on the counter's printer (a dead printer never loses the dossier: download the PNG/PDF copy)."""
    counter = active_counter(counter_id)
    center_id = counter.center_id
    principal = _principal(center_id)
    ensure_seat(principal, counter)
    dossier = area().dossiers.receive(center_id, **_received(data, principal), counter_id=counter_id, from_counter_ticket=True)
    return _receive_body(dossier, want_print=data["print"], center_id=center_id, counter_id=counter_id)


@bp.post("/centers/<int:center_id>/dossiers/receive")
@bp.input(CenterReceiveIn, arg_name="data")
@bp.output(ReceiveOut, status_code=201)
@bp.doc(**AUTH_DOC)
def receive_dossier(center_id: int, data: dict[str, Any]):
    """Receive a dossier without a queue ticket (by post, or recorded by the one-stop e-system)."""
    principal = _principal(center_id)
    dossier = area().dossiers.receive(center_id, **_received(data, principal), counter_id=data.get("counter_id"),
                                      external_id=data.get("external_id", ""))
    return _receive_body(dossier, want_print=data["print"] and data.get("counter_id") is not None, center_id=center_id,
                         counter_id=data.get("counter_id"))


@bp.post("/centers/<int:center_id>/preregistrations")
@bp.input(PreregIn, arg_name="data")
@bp.output(PreregOut, status_code=201)
@bp.doc(**AUTH_DOC)
def preregister(center_id: int, data: dict[str, Any]):
    """An online pre-registration (mới đăng ký): returns the ``DKTT-…`` code its QR carries; scanned at the
    kiosk it gives a ticket for the procedure's field, linked to the registration."""
    principal = _principal(center_id)
    dossier = area().dossiers.preregister(center_id, procedure_id=data.get("procedure_id"),
                                          procedure_code=data.get("procedure_code"),
                                          applicant=_applicant(data), documents=data.get("documents"),
                                          external_id=data.get("external_id", ""), actor=principal.actor)
    return {"prereg_code": dossier["prereg_code"], "qr_payload": dossier["prereg_code"], "dossier": dossier}


@bp.get("/centers/<int:center_id>/dossiers")
@bp.input(DossierListQuery, location="query", arg_name="query")
@bp.output(DossierOut(many=True))
@bp.doc(**AUTH_DOC)
def list_dossiers(center_id: int, query: dict[str, Any]):
    """Dossiers of a center, newest first (filter by state, code or name, overdue)."""
    _principal(center_id)
    return area().dossiers.list_dossiers(center_id, state=query.get("state"), query=query.get("q", ""), limit=query["limit"],
                                         overdue_only=query["overdue"])


@bp.post("/centers/<int:center_id>/dossiers/by-citizen")
@bp.input(CitizenLookupIn, arg_name="data")
@bp.output(DossierOut(many=True))
@bp.doc(**AUTH_DOC)
def citizen_dossiers(center_id: int, data: dict[str, Any]):
    """One citizen's dossiers in this center, by ID number (in the body, never in a URL), newest first; audited."""
    principal = _principal(center_id)
    return area().dossiers.citizen_dossiers(center_id, data["id_number"], actor=principal.actor, user_id=_user_id(principal))


@bp.post("/dossiers/id-card")
@bp.input(IdCardIn, arg_name="data")
@bp.output(IdCardOut)
@bp.doc(**AUTH_DOC)
def read_id_card(data: dict[str, Any]):
    """An ID card's QR (CCCD, or VNeID) scanned on the receive form, read into its fields for the clerk to check.
    Parsing only: nothing is looked up or stored; 400 ``id_number_*`` when the 12-digit number is not there."""
    _principal(None)
    return card_view(parse_id_card(data["text"]))


@bp.get("/dossiers/<code>")
@bp.output(DossierOut)
@bp.doc(**AUTH_DOC)
def get_dossier(code: str):
    """A dossier with its applicant and event log (clerks of its center)."""
    _who, center_id = _for_code(code)
    return area().dossiers.get(code, center_id=center_id)


# ----------------------------------------------------------------------------- transitions
def _transition(code: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
    principal, center_id = _for_code(code)
    return area().dossiers.transition(code, action, actor=principal.actor, reason=data.get("reason", ""), center_id=center_id,
                                      method=data.get("method"))


def _action_route(path: str, action: str, summary: str) -> None:
    def view(code: str, data: dict[str, Any]):
        return _transition(code, action, data)

    view.__name__ = f"dossier_{action}"
    view.__doc__ = summary
    bp.post(f"/dossiers/<code>/{path}")(bp.doc(**AUTH_DOC)(bp.output(DossierOut)(bp.input(ActionIn, arg_name="data")(view))))


_action_route("processing", "process", "Start processing (đang xử lý).")
_action_route("supplement", "request_supplement",
              "Ask the citizen for a supplement (yêu cầu bổ sung, Mẫu 02); ``reason`` required.")
_action_route("supplement-received", "supplement_received", "The supplement came in: processing again, appointment counted anew.")
_action_route("reject", "reject", "Not accepted (không được tiếp nhận, Mẫu 03); ``reason`` required.")
_action_route("stop", "stop", "Stop processing (dừng xử lý, Mẫu 05); ``reason`` required.")
_action_route("result-ready", "result_ready",
              "The result is ready (đã xử lý xong): classified early/on time/late, e-mail/SMS notice, boards' list. "
              "Called by a clerk or by the one-stop e-system with its API token.")
_action_route("return", "return", "The result was handed over (đã trả kết quả); ``method`` direct or post.")


# ----------------------------------------------------------------------------- return by post
@bp.get("/centers/<int:center_id>/postal-handover")
@bp.input(PostalQuery, location="query", arg_name="query")
@bp.output(PostalListOut)
@bp.doc(**AUTH_DOC)
def postal_handover(center_id: int, query: dict[str, Any]):
    """The day's postal hand-over list (danh sách bàn giao bưu điện): result-ready dossiers returned by
    post, not yet handed over (``items``), and those handed over that day (``posted``). Staff of the center only."""
    _principal(center_id)
    return area().dossiers.postal_list(center_id, parse_day(query.get("day")))


@bp.get("/centers/<int:center_id>/postal-handover.csv")
@bp.input(PostalCsvQuery, location="query", arg_name="query")
@bp.doc(responses=BINARY_DOC["csv"], **AUTH_DOC)
def postal_handover_csv(center_id: int, query: dict[str, Any]):
    """The list as CSV for the post office (Vietnamese headers, ``;`` for Excel with Vietnamese settings, UTF-8 BOM)."""
    _principal(center_id)
    text, name = area().dossiers.postal_csv(center_id, parse_day(query.get("day")), query["list"])
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/centers/<int:center_id>/postal-handover/posted")
@bp.input(PostedIn, arg_name="data")
@bp.output(PostalListOut)
@bp.doc(**AUTH_DOC)
def mark_posted(center_id: int, data: dict[str, Any]):
    """Đã giao bưu điện: these dossiers were handed to the post office now (all or none). Each counts as
    returned at the hand-over (returned_at = posted_at). Answers with the day's list as it now stands."""
    principal = _principal(center_id)
    return area().dossiers.mark_posted(center_id, data["codes"], actor=principal.actor)


@bp.post("/dossiers/<code>/delivered")
@bp.input(DeliveredIn, arg_name="data")
@bp.output(DossierOut)
@bp.doc(**AUTH_DOC)
def mark_delivered(code: str, data: dict[str, Any]):
    """Đã phát: the post office delivered the result on ``delivered_on`` (default today; not in the future,
    not before the hand-over)."""
    principal, center_id = _for_code(code)
    delivered_on = parse_day(data.get("delivered_on"), "invalid_delivered_on")
    return area().dossiers.mark_delivered(code, delivered_on=delivered_on, actor=principal.actor, center_id=center_id)


@bp.post("/dossiers/<code>/apology")
@bp.input(ApologyIn, arg_name="data")
@bp.output(DossierOut)
@bp.doc(**AUTH_DOC)
def apology(code: str, data: dict[str, Any]):
    """Mẫu 04: apologise for a late dossier and set a new date (``new_date`` YYYY-MM-DD, default a few working days on)."""
    principal, center_id = _for_code(code)
    return area().dossiers.issue_apology(code, new_date=_new_date(data.get("new_date")), reason=data.get("reason", ""),
                                         actor=principal.actor, center_id=center_id)


def _new_date(text: str | None) -> date | datetime | None:
    """An apology's new date as sent (``YYYY-MM-DD`` or an ISO moment), or None for the default."""
    new_date: date | datetime | None = None
    raw = (text or "").strip()
    if raw:
        try:
            new_date = datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
        except ValueError:
            raise DomainError("invalid_new_date", "Ngày hẹn mới không hợp lệ (YYYY-MM-DD).", "Invalid new date (YYYY-MM-DD).",
                              status=400) from None
    return new_date


@bp.post("/centers/<int:center_id>/dossier-pickup")
@bp.input(PickupIn, arg_name="data")
@bp.output(PickupOut)
@bp.doc(**AUTH_DOC)
def pickup(center_id: int, data: dict[str, Any]):
    """A clerk (or the information desk) types a receipt's code: same answer as a kiosk scan, pickup ticket included."""
    _principal(center_id)
    result = area().dossiers.pickup_by_code(center_id, data["code"])
    return result


# ----------------------------------------------------------------------------- paper
@bp.get("/dossiers/<code>/receipt.png")
@bp.input(RenderQuery, location="query", arg_name="query")
@bp.doc(responses=BINARY_DOC["png"], **AUTH_DOC)
def receipt_png(code: str, query: dict[str, Any]):
    """The receipt (Mẫu 01) as the printer would print it, for the console's preview and reprints."""
    _who, center_id = _for_code(code)
    return _png(area().dossiers.receipt_print(code, center_id=center_id), query["width"])


def _png(paper: Any, width: int) -> Response:
    """A printed paper (receipt, apology) as the PNG the thermal printer would get."""
    return Response(image_to_png_bytes(render_receipt(paper, width)), mimetype="image/png", headers={"Cache-Control": "no-store"})


def _pdf(paper: Any, name: str) -> Response:
    """A printed paper as an A4 PDF, named after its dossier code."""
    return Response(render_receipt_pdf(paper), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}-{paper.dossier_code}.pdf"',
                             "Cache-Control": "no-store"})


@bp.get("/dossiers/<code>/receipt.pdf")
@bp.doc(responses=BINARY_DOC["pdf"], **AUTH_DOC)
def receipt_pdf(code: str):
    """An A4 PDF copy of the receipt (Mẫu 01)."""
    _who, center_id = _for_code(code)
    return _pdf(area().dossiers.receipt_print(code, center_id=center_id), "giay-tiep-nhan")


@bp.get("/dossiers/<code>/apology.png")
@bp.input(RenderQuery, location="query", arg_name="query")
@bp.doc(responses=BINARY_DOC["png"], **AUTH_DOC)
def apology_png(code: str, query: dict[str, Any]):
    """The apology (Mẫu 04) with its new date, as printed."""
    _who, center_id = _for_code(code)
    return _png(area().dossiers.apology_print(code, center_id=center_id), query["width"])


@bp.get("/dossiers/<code>/apology.pdf")
@bp.doc(responses=BINARY_DOC["pdf"], **AUTH_DOC)
def apology_pdf(code: str):
    """An A4 PDF of the apology (Mẫu 04)."""
    _who, center_id = _for_code(code)
    return _pdf(area().dossiers.apology_print(code, center_id=center_id), "xin-loi")


@bp.post("/dossiers/<code>/print")
@bp.input(PrintIn, arg_name="data")
@bp.output(PrintOut)
@bp.doc(**AUTH_DOC)
def print_again(code: str, data: dict[str, Any]):
    """Print the receipt (or apology) again on a counter's printer."""
    _principal_ignored, center_id = _for_code(code)
    counter_id = data.get("counter_id")
    if counter_id is not None and counter_center(counter_id) != center_id:
        raise not_found("quầy", "Counter", "unknown_counter")
    job, vi, en = _print(code, center_id, counter_id, data["form"])
    return {"print_job": job, "message_vi": vi, "message_en": en}


@bp.get("/dossier-print-jobs/<job_id>")
@bp.output(ReceiptJobOut)
@bp.doc(**AUTH_DOC)
def print_job(job_id: str):
    """Did the receipt print? (``pending`` → ``printed`` | ``failed``)."""
    principal = _principal(None)
    job = printing().job(job_id) if len(job_id) <= 64 else None
    # Receipts only: a kiosk's ticket jobs are the kiosk's business (GET /kiosk/print-jobs/<id>).
    if job is None or job["kind"] not in RECEIPT_KINDS or not principal.may_act_in(job["center_id"]):
        raise not_found("lệnh in", "Print job", "unknown_print_job")
    return job


# ----------------------------------------------------------------------------- the console's counter data
@bp.get("/counters/<int:counter_id>/waiting")
@bp.output(WaitingOut)
@bp.doc(**AUTH_DOC)
def counter_waiting(counter_id: int):
    """Who waits for this counter today, in the order its call-nexts will take them (the queue
    engine's one waiting order: first of the list = what "Gọi số tiếp" calls)."""
    _principal(counter_center(counter_id))
    return waiting_list(services().db, services().clock, counter_id)


@bp.get("/counters/<int:counter_id>/current-dossiers")
@bp.output(CounterDossiersOut)
@bp.doc(**AUTH_DOC)
def counter_dossiers(counter_id: int):
    """The counter's current ticket and the dossiers linked to it (scanned receipt, pre-registration, received)."""
    principal = _principal(counter_center(counter_id))
    current = services().queue.counter_view(counter_id).get("current")
    citizen = area().dossiers.citizen_of_ticket(current and current["id"], actor=principal.actor, user_id=_user_id(principal))
    return {"ticket": current, "dossiers": area().dossiers.for_ticket(current["id"]) if current else [], "citizen": citizen}


# ----------------------------------------------------------------------------- notices
@bp.get("/centers/<int:center_id>/notices")
@bp.input(NoticeQuery, location="query", arg_name="query")
@bp.output(NoticeOut(many=True))
@bp.doc(**AUTH_DOC)
def list_notices(center_id: int, query: dict[str, Any]):
    """The e-mail/SMS outbox of a center (supervisors): what was sent, what failed and why."""
    _principal(center_id, "supervisor")
    return area().notices.list(center_id, status=query.get("status"), limit=query["limit"])


@bp.post("/notices/<int:notice_id>/retry")
@bp.output(NoticeOut)
@bp.doc(**AUTH_DOC)
def retry_notice(notice_id: int):
    """Send a failed or skipped notice again (supervisors)."""
    principal = _principal(None, "supervisor")
    with services().db.read() as s:
        row = s.get(NoticeOutbox, notice_id)
        center_id = row.center_id if row else None
    if center_id is None or not principal.may_act_in(center_id):
        raise not_found("thông báo", "Notice", "unknown_notice")
    return area().notices.retry(notice_id, center_id=center_id)


__all__ = ["area", "DossierArea"]
