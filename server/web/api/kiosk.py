"""Kiosk endpoints: a registered kiosk (device token in ``X-Device-Token``) lists its
center's services, issues tickets that print off the request path, asks how the print
went, and hands scanned codes (ticket QR, dossier receipt) to the right flow.

The public ``POST /api/v1/tickets`` stays for other callers; these endpoints add what
only a kiosk has: a printer, opening-hours rules, and a screen that must never show an
error page to a citizen.
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range

from server.adapters.printing import (
    issued_at_text,
    phone_url,
    printer_width,
    printing,
    public_base_url,
    ticket_print,
)
from server.domain import kiosk as kiosk_domain
from server.domain.centers import read_center
from server.domain.errors import not_found
from server.domain.kiosk import (  # noqa: F401 - kept for callers
    normalise_scan,
    strip_diacritics,
    ticket_token_candidates,
)
from server.extensions import services
from server.models import PRIORITY_CATEGORIES, Center
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int, TicketOut
from server.web.auth import device_from_request, device_token

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
    citizen_link = String(load_default=None, allow_none=True, validate=Length(max=400),
                          metadata={"description": "the scan's citizen_link after an ID card (choose_service): the ticket is "
                                                   "linked to the citizen; a bad or expired link issues the ticket unlinked"})


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
                      metadata={"description": "a priority category the citizen chose (step 2): a new pickup ticket is a "
                                               "priority one"})


class ScanOut(Schema):
    outcome = String(metadata={"description": "ticket_status | ticket_unknown | ticket_issued | already_issued | not_ready | "
                                              "overdue_not_ready | already_returned | returned_by_post | already_received | "
                                              "no_pickup_service | "
                                              "center_closed | no_open_counter | dossier_unavailable | unknown | malformed | "
                                              "unrecognised | choose_service | id_card_unreadable | booking_too_early | "
                                              "booking_not_today | booking_cancelled | booking_unknown"})
    kind = String(metadata={"description": "ticket | dossier | preregistration | citizen_card | booking | booking_late | other"})
    booking = Dict(allow_none=True, metadata={"description": "a booking scanned: its code, day, slot start and state"})
    date = String(allow_none=True, metadata={"description": "booking_not_today: the booking's day (YYYY-MM-DD)"})
    checkin_from = String(allow_none=True, metadata={"description": "booking_too_early: the local time check-in opens"})
    masked_id = String(allow_none=True, metadata={"description": "an ID card's number masked (0010****3456)"})
    citizen_link = String(allow_none=True, metadata={"description": "choose_service: send with the kiosk ticket (10 minutes)"})
    dossiers_ready = Integer(allow_none=True, metadata={"description": "an ID card: how many results wait"})
    message_vi = String()
    message_en = String()
    ticket = Nested(TicketOut, allow_none=True)
    phone_url = String(allow_none=True)
    qr_url = String(allow_none=True)
    dossier = Dict(allow_none=True)
    apology = Raw(allow_none=True)
    has_printer = Boolean()
    print_job = Nested(NestedPrintJobOut, allow_none=True)


# ------------------------------------------------------------------------ helpers
def _core() -> Any:
    """The app's shared services: the one place this module reaches them (the composition root moves)."""
    return services()


def _center(center_id: int) -> Center:
    return read_center(_core().db, center_id)


def ticket_urls(token: str, base: str) -> dict[str, str]:
    return {
        "phone_url": phone_url(token, base),
        "qr_url": f"/t/{token}/qr.png",
        "preview_url": f"/t/{token}/ticket.png",
    }


def print_for(device: dict[str, Any], center: Center, view: dict[str, Any], base: str) -> dict[str, Any] | None:
    """Queue the ticket on the kiosk's printer (after the transaction that issued it); None for a screen-only kiosk."""
    if not device.get("printer_url"):
        return None
    return printing().print_ticket(
        center_id=center.id,
        printer_url=device["printer_url"],
        ticket=ticket_print(view, center, base_url=base),
        ticket_token=view["token"],
        device_id=device["id"],
        device_name=device["name"],
    )


def ticket_answer(device: dict[str, Any], center: Center, view: dict[str, Any]) -> dict[str, Any]:
    """The kiosk's ticket answer (``KioskTicketOut``), its print queued: a failed print never loses the ticket."""
    base = public_base_url()
    return {"ticket": view, **ticket_urls(view["token"], base),
            "issued_at_text": issued_at_text(view.get("issued_at"), center.timezone),
            "has_printer": bool(device.get("printer_url")), "print_job": print_for(device, center, view, base)}


def me_answer(device: dict[str, Any], center: Center) -> dict[str, Any]:
    """What a kiosk learns about itself at start-up (``KioskMeOut``)."""
    printer_url = device.get("printer_url")
    return {
        "device": {"id": device["id"], "name": device["name"], "kind": device["kind"], "has_printer": bool(printer_url),
                   "printer_width": printer_width(printer_url) if printer_url else None},
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en,
                   "timezone": center.timezone,
                   "priority_enabled": bool(center.priority_enabled), "idle_seconds": kiosk_domain.idle_seconds(center, device)},
        "priority_categories": [{"code": c, "label_vi": vi, "label_en": en} for c, (vi, en) in PRIORITY_CATEGORIES.items()],
        "public_base_url": public_base_url(),
    }


def scan_answer(device: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The domain's scan answer with the ticket's links, printing a ticket it just issued (``ScanOut``)."""
    base = public_base_url()
    ticket = answer.get("ticket")
    out = {**answer, "phone_url": None, "qr_url": None, "has_printer": bool(device.get("printer_url")), "print_job": None}
    if ticket:
        urls = ticket_urls(ticket["token"], base)
        out.update(phone_url=urls["phone_url"], qr_url=urls["qr_url"])
        if answer["outcome"] == "ticket_issued":
            out["print_job"] = print_for(device, _center(device["center_id"]), ticket, base)
    return out


# ------------------------------------------------------------------------ routes
@bp.get("/kiosk/me")
@bp.output(KioskMeOut)
@bp.doc(**KIOSK_DOC)
def kiosk_me():
    """The registered kiosk (header ``X-Device-Token``): its center, printer and settings."""
    device = device_from_request()
    return me_answer(device, _center(device["center_id"]))


@bp.get("/kiosk/services")
@bp.output(KioskServicesOut)
@bp.doc(**KIOSK_DOC)
def kiosk_services_list():
    """Services the kiosk offers now: waiting counts, open counters, and whether issuing is allowed."""
    return kiosk_domain.kiosk_offer(_core().queue, device_from_request()["center_id"])


@bp.post("/kiosk/tickets")
@bp.input(KioskTicketIn, arg_name="data")
@bp.output(KioskTicketOut, status_code=201)
@bp.doc(**KIOSK_DOC)
def kiosk_issue(data: dict[str, Any]):
    """Issue a ticket at this kiosk; printing starts in the background (``print_job.status`` is ``pending``).

    Refused with ``center_closed`` outside issuing hours and ``no_open_counter`` when no
    counter serves the service; the ticket exists even if the printer is dead."""
    core = _core()
    citizen = core.dossiers.dossiers.citizen_from_link(data.get("citizen_link"))  # None when bad or expired: issue unlinked
    issued = kiosk_domain.issue_at_kiosk(core.queue, device_token(), data["service_id"], data.get("priority"),
                                         citizen_key=citizen)
    return ticket_answer(issued.device, issued.center, issued.ticket)


@bp.get("/kiosk/print-jobs/<job_id>")
@bp.output(PrintJobOut)
@bp.doc(**KIOSK_DOC)
def kiosk_print_job(job_id: str):
    """How a print went: ``pending``, ``printed`` or ``failed`` (then show the ticket on screen)."""
    device = device_from_request()
    job = printing().job(job_id) if len(job_id) <= 64 else None
    if job is None or printing().job_center(job_id) != device["center_id"]:
        raise not_found("lệnh in", "Print job", "unknown_print_job")
    return job


@bp.post("/kiosk/tickets/<token>/reprint")
@bp.output(KioskTicketOut, status_code=201)
@bp.doc(**KIOSK_DOC)
def kiosk_reprint(token: str):
    """Print a ticket of this center again (paper jam, torn ticket) on this kiosk's printer."""
    device = device_from_request()
    view, center = kiosk_domain.ticket_to_reprint(_core().queue, device, token)
    return ticket_answer(device, center, view)


@bp.post("/kiosk/scan")
@bp.input(ScanIn, arg_name="data")
@bp.output(ScanOut)
@bp.doc(**KIOSK_DOC)
def kiosk_scan(data: dict[str, Any]):
    """A code read by the kiosk's scanner: a ticket QR shows its status, a dossier receipt goes to
    the result-pickup flow, anything else gets a clear message (always 200 for a registered kiosk)."""
    device = device_from_request()
    core = _core()
    answer = kiosk_domain.scan_at_kiosk(core.queue, core.dossiers.dossiers, device["center_id"], data["code"],
                                        data.get("priority"))
    return scan_answer(device, answer)
