"""Kiosk endpoints: a registered kiosk (device token in ``X-Device-Token``) lists its
center's services, issues tickets that print off the request path, asks how the print
went, and hands scanned codes (ticket QR, dossier receipt) to the right flow.

The public ``POST /api/v1/tickets`` stays for other callers; these endpoints add what
only a kiosk has: a printer, opening-hours rules, and a screen that must never show an
error page to a citizen.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range
from flask import request
from sqlalchemy import func, select

from server.api.blueprint import api_bp as bp
from server.api.schemas import Int, TicketOut
from server.clock import utc
from server.domain import dossier_codes
from server.domain.accounts import device_for_token
from server.domain.center_rules import issuing_allowed
from server.domain.centers import read_center
from server.domain.citizen_push import service_offer
from server.domain.dossiers import checkin_by_preregistration, pickup_by_code
from server.domain.errors import DomainError, not_found
from server.extensions import services
from server.models import PRIORITY_CATEGORIES, Center, Device, Service, Ticket, TicketState
from server.printing import issued_at_text, phone_url, printer_width, printing, public_base_url, ticket_print

log = logging.getLogger("motcua.kiosk")

DEVICE_HEADER = "X-Device-Token"
HEARTBEAT_SECONDS = 60  # last_seen_at is written at most once a minute per device
DEFAULT_IDLE_SECONDS = 20
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_SCAN_LENGTH = 512
KIOSK_DOC = {"tags": ["Kiosk"]}


# ------------------------------------------------------------------------ schemas
class PriorityOut(Schema):
    code = String()
    label_vi = String()
    label_en = String()


class KioskCenterOut(Schema):
    id = Integer()
    code = String()
    name = String()
    name_en = String()
    timezone = String()
    priority_enabled = Boolean()
    idle_seconds = Integer()


class KioskDeviceOut(Schema):
    id = Integer()
    name = String()
    kind = String()
    has_printer = Boolean()
    printer_width = Integer(allow_none=True)


class KioskMeOut(Schema):
    device = Nested(KioskDeviceOut)
    center = Nested(KioskCenterOut)
    priority_categories = List(Nested(PriorityOut))
    public_base_url = String()


class IssuingOut(Schema):
    allowed = Boolean()
    reason_vi = String()
    reason_en = String()


class KioskServiceOut(Schema):
    id = Integer()
    code = String()
    name = String()
    name_en = String()
    kind = String()
    priority_allowed = Boolean()
    waiting = Integer()
    open_counters = Integer()
    available = Boolean()
    reason_code = String(allow_none=True)
    reason_vi = String(allow_none=True)
    reason_en = String(allow_none=True)


class KioskServicesOut(Schema):
    issuing = Nested(IssuingOut)
    priority_enabled = Boolean()
    services = List(Nested(KioskServiceOut))


class PrintJobOut(Schema):
    id = String()
    kind = String()
    status = String(metadata={"description": "pending | printed | failed"})
    error = String(allow_none=True)
    error_code = String(allow_none=True)
    attempts = Integer()
    submitted_at = String(allow_none=True)
    finished_at = String(allow_none=True)
    printer_online = Boolean(allow_none=True)


class NestedPrintJobOut(PrintJobOut):
    """PrintJobOut nested in a ticket or scan answer (one name per schema class in the OpenAPI document)."""


class KioskTicketIn(Schema):
    service_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    priority = String(load_default=None, allow_none=True, validate=OneOf(sorted(PRIORITY_CATEGORIES)))


class KioskTicketOut(Schema):
    ticket = Nested(TicketOut)
    phone_url = String()
    qr_url = String()
    preview_url = String()
    issued_at_text = String()
    has_printer = Boolean()
    print_job = Nested(NestedPrintJobOut, allow_none=True)


class ScanIn(Schema):
    code = String(required=True, validate=Length(max=4096))
    priority = String(load_default=None, allow_none=True, validate=OneOf(sorted(PRIORITY_CATEGORIES)),
                      metadata={"description": "a priority category the citizen chose (step 2): a new pickup ticket is a priority one"})


class ScanOut(Schema):
    outcome = String(metadata={"description": "ticket_status | ticket_unknown | ticket_issued | not_ready | overdue_not_ready | "
                                              "already_returned | unknown | malformed | unrecognised"})
    kind = String(metadata={"description": "ticket | dossier | preregistration | other"})
    message_vi = String()
    message_en = String()
    ticket = Nested(TicketOut, allow_none=True)
    phone_url = String(allow_none=True)
    qr_url = String(allow_none=True)
    dossier = Dict(allow_none=True)
    apology = Raw(allow_none=True)
    has_printer = Boolean()
    print_job = Nested(NestedPrintJobOut, allow_none=True)


# ------------------------------------------------------------------------ device
def unregistered() -> DomainError:
    return DomainError(
        "device_unregistered",
        "Kiosk này chưa được đăng ký hoặc mã thiết bị không còn hiệu lực. Vui lòng báo cán bộ kỹ thuật.",
        "This kiosk is not registered, or its device token is no longer valid. Please call the IT officer.",
        status=401,
    )


def kiosk_device(kinds: tuple[str, ...] = ("kiosk",)) -> dict[str, Any]:
    """The registered device of this request (``X-Device-Token``), as a dict; 401 otherwise.

    Also notes the device as seen (at most once a minute, so a busy kiosk does not
    turn every request into a database write)."""
    token = request.headers.get(DEVICE_HEADER, "").strip()
    if not token or len(token) > 200:
        raise unregistered()
    shared = services()
    with shared.db.read() as s:
        device = device_for_token(s, token)
        if device is None or device.kind not in kinds:
            raise unregistered()
        view = {
            "id": device.id, "name": device.name, "kind": device.kind, "center_id": device.center_id,
            "printer_url": device.printer_url or None, "config": dict(device.config or {}), "last_seen_at": device.last_seen_at,
        }
    now = shared.clock.now()
    last = view["last_seen_at"]
    if last is None or now - utc(last) >= timedelta(seconds=HEARTBEAT_SECONDS):
        with shared.db.write() as s:
            row = s.get(Device, view["id"])
            if row is not None:
                row.last_seen_at = now
    return view


def _center(center_id: int) -> Center:
    return read_center(services().db, center_id)


def idle_seconds(center: Center, device: dict[str, Any]) -> int:
    """How long the ticket screen stays before the kiosk returns home (device, then center, then 20 s)."""
    for source in (device.get("config") or {}, center.settings or {}):
        value = source.get("kiosk_idle_seconds", source.get("idle_seconds"))
        try:
            if value is not None:
                return max(5, min(600, int(value)))
        except (TypeError, ValueError):
            continue
    return DEFAULT_IDLE_SECONDS


# ------------------------------------------------------------------------ opening hours
def issuing_state(center: Center, now: datetime, estimated_wait_minutes: float | None = None) -> tuple[bool, str, str]:
    """May this center's kiosks issue now? (opening hours, holidays, closing rules of the center's settings)"""
    allowed, vi, en = issuing_allowed(center, now, estimated_wait_minutes=estimated_wait_minutes)
    return bool(allowed), vi or "", en or ""


def center_closed(vi: str, en: str) -> DomainError:
    return DomainError("center_closed", vi or "Hiện không phát số.", en or "Tickets are not issued now.", status=409)


# ------------------------------------------------------------------------ services
def kiosk_offer(center_id: int) -> dict[str, Any]:
    """What the kiosk offers now (one rule, shared with the ``kiosk_services`` push)."""
    shared = services()
    with shared.db.read() as s:
        return service_offer(s, center_id, shared.clock.now())


def no_open_counter(service: Service) -> DomainError:
    return DomainError(
        "no_open_counter",
        f"Hiện chưa có quầy nào phục vụ «{service.name}». Vui lòng hỏi cán bộ hướng dẫn hoặc quay lại sau.",
        f"No counter is serving “{service.name_en or service.name}” right now. Please ask staff or come back later.",
        status=409,
    )


def _expected_wait(service_id: int, center: Center) -> float:
    """The wait a new ticket of this service would be told (for "stop when the wait passes closing")."""
    shared = services()
    with shared.db.read() as s:
        return shared.queue.new_ticket_wait(s, center, service_id, shared.clock.now())


# ------------------------------------------------------------------------ issuing and printing
def ticket_urls(token: str, base: str) -> dict[str, str]:
    return {
        "phone_url": phone_url(token, base),
        "qr_url": f"/t/{token}/qr.png",
        "preview_url": f"/t/{token}/ticket.png",
    }


def print_for(device: dict[str, Any], center: Center, view: dict[str, Any], base: str) -> dict[str, Any] | None:
    """Queue the ticket on the kiosk's printer; None for a screen-only kiosk."""
    if not device.get("printer_url"):
        return None
    return printing().submit_ticket(
        center_id=center.id,
        printer_url=device["printer_url"],
        ticket=ticket_print(view, center, base_url=base),
        ticket_token=view["token"],
        device_id=device["id"],
        device_name=device["name"],
    )


def issue_for_device(device: dict[str, Any], service_id: int, priority: str | None) -> dict[str, Any]:
    """Check hours and open counters, issue, queue the print; returns the kiosk's ticket answer."""
    shared = services()
    center = _center(device["center_id"])
    with shared.db.read() as s:
        service = s.get(Service, service_id)
        if service is None or service.center_id != center.id:
            raise not_found("dịch vụ", "Service", "unknown_service")
        s.expunge(service)
    allowed, vi, en = issuing_state(center, shared.clock.now(), _expected_wait(service.id, center))
    if not allowed:
        raise center_closed(vi, en)
    if not service.active:
        raise DomainError("service_inactive", f"Dịch vụ «{service.name}» hiện không nhận số.",
                          f"Service “{service.name_en or service.name}” is not taking tickets now.", status=409)
    with shared.db.read() as s:
        if shared.queue.open_counters_for(s, service.id) == 0:
            raise no_open_counter(service)
    view = shared.queue.issue_ticket(
        center.id, service.id, priority=priority, source="kiosk",
        actor=f"device:{device['id']}:{device['name']}"[:80], device_id=device["id"],
    )
    base = public_base_url()
    job = print_for(device, center, view, base)
    return {
        "ticket": view, **ticket_urls(view["token"], base), "issued_at_text": issued_at_text(view.get("issued_at"), center.timezone),
        "has_printer": bool(device.get("printer_url")), "print_job": job,
    }


# ------------------------------------------------------------------------ scanning
def strip_diacritics(text: str) -> str:
    """"Đất đai" → "Dat dai": what a scanner typed through a Vietnamese input method, made plain."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def normalise_scan(raw: str) -> str:
    """Trim, drop control characters and diacritics, uppercase: the form dossier codes are matched in."""
    cleaned = "".join(c for c in str(raw) if unicodedata.category(c)[0] != "C").strip()
    return strip_diacritics(cleaned).upper()


def is_dossier_code(normalised: str) -> bool:
    """Does a normalised scan read as a dossier code (the receipt's QR)?"""
    return dossier_codes.is_dossier_code(normalised)


def ticket_token_candidates(raw: str) -> list[str]:
    """Tokens a scan may carry: the phone URL ``…/t/<token>`` or a bare token (as typed, then without diacritics)."""
    cleaned = "".join(c for c in str(raw) if unicodedata.category(c)[0] != "C").strip()
    found: list[str] = []
    for text in (cleaned, strip_diacritics(cleaned)):
        match = re.search(r"/t/([A-Za-z0-9_-]{8,64})", text, flags=re.IGNORECASE)
        token = match.group(1) if match else (text if TOKEN_RE.match(text) else None)
        if token and token not in found:
            found.append(token)
    return found


def find_ticket(center_id: int, candidates: list[str]) -> Ticket | None:
    """The center's ticket with one of these tokens; then case-insensitively (a scanner with Caps Lock on)."""
    if not candidates:
        return None
    with services().db.read() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.token.in_(candidates), Ticket.center_id == center_id)).first()
        if ticket is None:
            lowered = [c.lower() for c in candidates]
            ticket = s.scalars(
                select(Ticket).where(Ticket.center_id == center_id, func.lower(Ticket.token).in_(lowered)).order_by(Ticket.id.desc())
            ).first()
        return ticket


STATE_TEXT = {
    TicketState.WAITING: ("đang chờ", "waiting"),
    TicketState.CALLED: ("đã được gọi", "called"),
    TicketState.SERVING: ("đang được phục vụ", "being served"),
    TicketState.DONE: ("đã phục vụ xong", "served"),
    TicketState.NO_SHOW: ("đã qua lượt (vắng mặt khi được gọi)", "missed (absent when called)"),
    TicketState.CANCELLED: ("đã huỷ", "cancelled"),
}


def ticket_status_message(view: dict[str, Any]) -> tuple[str, str]:
    """One sentence in each language about where a ticket stands."""
    number, state = view["number"], view["state"]
    counter = (view.get("counter") or {}).get("number")
    if state == TicketState.WAITING:
        ahead, wait = view.get("people_ahead", 0), view.get("estimated_wait_minutes", 0)
        if not ahead:
            return f"Số {number} đang chờ — Ông/Bà là người tiếp theo.", f"Number {number} is waiting — you are next."
        return (f"Số {number} đang chờ: còn {ahead} người trước Ông/Bà, khoảng {wait} phút.",
                f"Number {number} is waiting: {ahead} people ahead of you, about {wait} minutes.")
    if state in (TicketState.CALLED, TicketState.SERVING) and counter:
        return (f"Số {number} {STATE_TEXT[state][0]} — mời đến quầy số {counter}.",
                f"Number {number} is {STATE_TEXT[state][1]} — please go to counter {counter}.")
    vi, en = STATE_TEXT.get(state, (state, state))
    return f"Số {number} {vi}.", f"Number {number} is {en}."


UNRECOGNISED = (
    "Không nhận ra mã vừa quét. Vui lòng quét mã QR trên phiếu số thứ tự hoặc trên giấy tiếp nhận và hẹn trả kết quả, "
    "hoặc hỏi cán bộ hướng dẫn.",
    "This code was not recognised. Please scan the QR code on your queue ticket or on your dossier receipt, or ask staff.",
)
DOSSIER_UNAVAILABLE = (
    "Chưa tra cứu được hồ sơ lúc này. Vui lòng thử lại sau ít phút hoặc mang giấy hẹn đến quầy trả kết quả.",
    "The dossier cannot be looked up right now. Please try again in a few minutes or take your receipt to the result counter.",
)


def scan_for_device(device: dict[str, Any], raw: str, priority: str | None = None) -> dict[str, Any]:
    """Decide what a scanned code is and answer in both languages; never raises for odd input."""
    shared = services()
    center = _center(device["center_id"])
    base = public_base_url()
    answer: dict[str, Any] = {"ticket": None, "phone_url": None, "qr_url": None, "dossier": None, "apology": None,
                              "has_printer": bool(device.get("printer_url")), "print_job": None}
    text = str(raw or "")
    if not text.strip() or len(text) > MAX_SCAN_LENGTH:
        return {**answer, "outcome": "unrecognised", "kind": "other", "message_vi": UNRECOGNISED[0], "message_en": UNRECOGNISED[1]}
    normalised = normalise_scan(text)

    if is_dossier_code(normalised):
        allowed, vi, en = issuing_state(center, shared.clock.now())
        if not allowed:
            return {**answer, "outcome": "center_closed", "kind": "dossier", "message_vi": vi, "message_en": en}
        try:
            result = pickup_by_code(center.id, normalised, priority=priority) or {}
        except DomainError as error:
            result = {"outcome": error.code, "message_vi": error.message_vi, "message_en": error.message_en}
        except Exception:  # noqa: BLE001 - a citizen at a kiosk gets a message, never an error page
            log.exception("dossier pickup failed for a scanned code")
            return {**answer, "outcome": "dossier_unavailable", "kind": "dossier",
                    "message_vi": DOSSIER_UNAVAILABLE[0], "message_en": DOSSIER_UNAVAILABLE[1]}
        return _dossier_answer(answer, result, device, center, base, kind="dossier")

    candidates = ticket_token_candidates(text)
    if candidates:
        ticket = find_ticket(center.id, candidates)
        if ticket is not None:
            view = shared.queue.ticket_by_token(ticket.token)
            vi, en = ticket_status_message(view)
            return {**answer, "outcome": "ticket_status", "kind": "ticket", "ticket": view, **_urls(view["token"], base),
                    "message_vi": vi, "message_en": en}
        if "/t/" in text.lower():
            return {**answer, "outcome": "ticket_unknown", "kind": "ticket",
                    "message_vi": "Không tìm thấy số thứ tự này ở trung tâm. Phiếu có thể đã hết hạn hoặc của trung tâm khác.",
                    "message_en": "This ticket was not found at this center. It may be expired or from another center."}

    try:
        result = checkin_by_preregistration(center.id, text.strip()) or {}
    except Exception:  # noqa: BLE001 - not a pre-registration we can read: say "not recognised"
        log.exception("pre-registration check-in failed for a scanned code")
        result = {}
    if result.get("outcome") not in (None, "unknown", "malformed"):
        return _dossier_answer(answer, result, device, center, base, kind="preregistration")
    return {**answer, "outcome": "unrecognised", "kind": "other", "message_vi": UNRECOGNISED[0], "message_en": UNRECOGNISED[1]}


def _urls(token: str, base: str) -> dict[str, str]:
    urls = ticket_urls(token, base)
    return {"phone_url": urls["phone_url"], "qr_url": urls["qr_url"]}


def _dossier_answer(answer: dict[str, Any], result: dict[str, Any], device: dict[str, Any], center: Center, base: str,
                    *, kind: str) -> dict[str, Any]:
    """The dossier flow's answer, with its pickup ticket printed like any other."""
    outcome = str(result.get("outcome") or "unknown")
    out = {**answer, "outcome": outcome, "kind": kind,
           "message_vi": result.get("message_vi") or UNRECOGNISED[0], "message_en": result.get("message_en") or UNRECOGNISED[1],
           "dossier": _public_dossier(result.get("dossier")), "apology": result.get("apology")}
    ticket = result.get("ticket")
    if isinstance(ticket, dict) and ticket.get("token"):
        out["ticket"] = ticket
        out.update(_urls(ticket["token"], base))
        if outcome == "ticket_issued":
            out["print_job"] = print_for(device, center, ticket, base)
    return out


PERSONAL_KEYS = ("applicant", "phone", "email", "address", "full_name", "citizen", "identity", "id_number", "note")


def _public_dossier(dossier: Any) -> dict[str, Any] | None:
    """What a kiosk screen in a public hall may show about a dossier: the dossier area's public
    view already leaves out names and contacts; anything personal-looking is dropped again here."""
    if not isinstance(dossier, dict):
        return None
    return {k: v for k, v in dossier.items()
            if not any(p in k.lower() for p in PERSONAL_KEYS) and not (k.lower() == "name" or k.lower().endswith("_name") and "procedure" not in k.lower())}


# ------------------------------------------------------------------------ routes
@bp.get("/kiosk/me")
@bp.output(KioskMeOut)
@bp.doc(**KIOSK_DOC)
def kiosk_me():  # noqa: ANN201
    """The registered kiosk (header ``X-Device-Token``): its center, printer and settings."""
    device = kiosk_device()
    center = _center(device["center_id"])
    printer_url = device.get("printer_url")
    return {
        "device": {"id": device["id"], "name": device["name"], "kind": device["kind"], "has_printer": bool(printer_url),
                   "printer_width": printer_width(printer_url) if printer_url else None},
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en, "timezone": center.timezone,
                   "priority_enabled": bool(center.priority_enabled), "idle_seconds": idle_seconds(center, device)},
        "priority_categories": [{"code": c, "label_vi": vi, "label_en": en} for c, (vi, en) in PRIORITY_CATEGORIES.items()],
        "public_base_url": public_base_url(),
    }


@bp.get("/kiosk/services")
@bp.output(KioskServicesOut)
@bp.doc(**KIOSK_DOC)
def kiosk_services_list():  # noqa: ANN201
    """Services the kiosk offers now: waiting counts, open counters, and whether issuing is allowed."""
    device = kiosk_device()
    return kiosk_offer(device["center_id"])


@bp.post("/kiosk/tickets")
@bp.input(KioskTicketIn, arg_name="data")
@bp.output(KioskTicketOut, status_code=201)
@bp.doc(**KIOSK_DOC)
def kiosk_issue(data: dict[str, Any]):  # noqa: ANN201
    """Issue a ticket at this kiosk; printing starts in the background (``print_job.status`` is ``pending``).

    Refused with ``center_closed`` outside issuing hours and ``no_open_counter`` when no
    counter serves the service; the ticket exists even if the printer is dead."""
    device = kiosk_device()
    return issue_for_device(device, data["service_id"], data.get("priority"))


@bp.get("/kiosk/print-jobs/<job_id>")
@bp.output(PrintJobOut)
@bp.doc(**KIOSK_DOC)
def kiosk_print_job(job_id: str):  # noqa: ANN201
    """How a print went: ``pending``, ``printed`` or ``failed`` (then show the ticket on screen)."""
    device = kiosk_device()
    job = printing().job(job_id) if len(job_id) <= 64 else None
    if job is None or printing().job_center(job_id) != device["center_id"]:
        raise not_found("lệnh in", "Print job", "unknown_print_job")
    return job


@bp.post("/kiosk/tickets/<token>/reprint")
@bp.output(KioskTicketOut, status_code=201)
@bp.doc(**KIOSK_DOC)
def kiosk_reprint(token: str):  # noqa: ANN201
    """Print a ticket of this center again (paper jam, torn ticket) on this kiosk's printer."""
    device = kiosk_device()
    center = _center(device["center_id"])
    ticket = find_ticket(center.id, [token]) if TOKEN_RE.match(token or "") else None
    if ticket is None:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    if not device.get("printer_url"):
        raise DomainError("no_printer", "Kiosk này không có máy in.", "This kiosk has no printer.", status=409)
    view = services().queue.ticket_by_token(ticket.token)
    base = public_base_url()
    return {"ticket": view, **ticket_urls(view["token"], base), "issued_at_text": issued_at_text(view.get("issued_at"), center.timezone),
            "has_printer": True, "print_job": print_for(device, center, view, base)}


@bp.post("/kiosk/scan")
@bp.input(ScanIn, arg_name="data")
@bp.output(ScanOut)
@bp.doc(**KIOSK_DOC)
def kiosk_scan(data: dict[str, Any]):  # noqa: ANN201
    """A code read by the kiosk's scanner: a ticket QR shows its status, a dossier receipt goes to
    the result-pickup flow, anything else gets a clear message (always 200 for a registered kiosk)."""
    device = kiosk_device()
    return scan_for_device(device, data["code"], data.get("priority"))
