"""Result pickup and check-in at the kiosk: a receipt's QR (or an online pre-registration code)
becomes a ticket, inside the dossier's own write transaction.

The one rule of what a result pickup is lives here (:func:`is_pickup`): a ticket on the
collect service issued for a dossier. Its call is announced as a pickup ("… đến quầy số …
nhận kết quả") and boards show the dossier code under its number; the number said is the
ticket's own, never the dossier's daily sequence.

Answers (see :meth:`server.domain.dossiers.service.DossierService.pickup_by_code`)::

    {"outcome": "ticket_issued" | "already_issued" | "not_ready" | "overdue_not_ready"
                | "already_returned" | "returned_by_post" | "already_received" | "unknown" | "malformed" | "no_pickup_service",
     "message_vi": str, "message_en": str,
     "ticket": ticket view or None, "dossier": public view (no name/phone) or None,
     "apology": the apology (Mẫu 04) or None}
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date
from server.domain.centers import center_or_404
from server.domain.dossiers.apology import current_apology
from server.domain.dossiers.dates import moment_text, overdue, promised_at
from server.domain.dossiers.postal import posted_pickup_answer
from server.domain.dossiers.records import locked_dossier, log_event
from server.domain.dossiers.states import STATE_LABELS
from server.domain.dossiers.views import public_dossier_view
from server.models import Center, Service, ServiceKind, Ticket, TicketState
from server.models.dossiers import Dossier, DossierState

# The kiosk answers' keys that most outcomes leave empty.
EMPTY_ANSWER: dict[str, Any] = {"ticket": None, "dossier": None, "apology": None}


# ``issue(center_id, service_id, **kw)``: the queue's issue_ticket inside the dossier's transaction.
TicketIssuer = Callable[..., dict[str, Any]]
# ``ticket_view(session, ticket)``: the queue's view of a ticket (number, service, people ahead …).
TicketViewer = Callable[[Session, Ticket], dict[str, Any]]

MALFORMED_RECEIPT: dict[str, Any] = {
    **EMPTY_ANSWER, "outcome": "malformed",
    "message_vi": "Mã hồ sơ không đúng định dạng. Vui lòng quét mã QR trên giấy tiếp nhận hồ sơ hoặc hỏi cán bộ.",
    "message_en": "This is not a valid dossier code. Please scan the QR code on your dossier receipt or ask staff."}
MALFORMED_REGISTRATION: dict[str, Any] = {
    **EMPTY_ANSWER, "outcome": "malformed", "message_vi": "Mã đăng ký trực tuyến không đúng định dạng.",
    "message_en": "This is not a valid online registration code."}


def is_pickup(service: Service | None, ticket: Ticket) -> bool:
    """A result-pickup ticket: on the collect service (ServiceKind.COLLECT) and issued for a dossier."""
    return service is not None and service.kind == ServiceKind.COLLECT and bool(ticket.dossier_code)


def collect_service_id(session: Session, center_id: int) -> int | None:
    """The center's first active collect service (nhận kết quả), where pickup tickets go."""
    return session.scalar(
        select(Service.id).where(Service.center_id == center_id, Service.kind == ServiceKind.COLLECT, Service.active.is_(True))
        .order_by(Service.sort_order, Service.id).limit(1)
    )


def pickup_answer(session: Session, center_id: int, code: str, issue: TicketIssuer, ticket_view: TicketViewer, clock: Clock,
                  priority: str | None = None) -> dict[str, Any]:
    """The kiosk's answer to a receipt's (normalised, well-formed) code; a pickup ticket when the result is ready."""
    d = locked_dossier(session, Dossier.code == code)
    if d is None or d.center_id != center_id:
        return {**EMPTY_ANSWER, "outcome": "unknown",
                "message_vi": f"Không tìm thấy hồ sơ {code} tại trung tâm này. "
                              "Vui lòng kiểm tra lại giấy tiếp nhận hoặc hỏi cán bộ.",
                "message_en": f"Dossier {code} was not found at this center. Please check your receipt or ask staff."}
    center = center_or_404(session, center_id)
    now = clock.now()
    if d.posted_at is not None:
        # Sent by post (dịch vụ bưu chính công ích): nothing waits here to be collected.
        answer = posted_pickup_answer(d, center.timezone)
    elif d.state == DossierState.RESULT_READY:
        # A return by post not yet handed to the post office may still be collected in person.
        answer = _pickup_ticket(session, d, center, now, issue, ticket_view, priority)
    elif d.state == DossierState.RETURNED:
        returned_text = moment_text(d.returned_at, center.timezone)
        answer = {"outcome": "already_returned",
                  "message_vi": f"Kết quả của hồ sơ {code} đã được trả lúc {returned_text}.",
                  "message_en": f"The result of dossier {code} was already handed over ({returned_text})."}
    elif d.state in (DossierState.REJECTED, DossierState.STOPPED):
        vi, en = STATE_LABELS[d.state]
        answer = {"outcome": "not_ready",
                  "message_vi": f"Hồ sơ {code}: {vi.lower()}. Vui lòng liên hệ cán bộ tại quầy để được hướng dẫn.",
                  "message_en": f"Dossier {code}: {en.lower()}. Please ask staff at a counter."}
    elif overdue(d, now, center.timezone):
        apology = current_apology(session, d, center, now, actor="kiosk:scan")
        answer = {"outcome": "overdue_not_ready", "apology": apology,
                  "message_vi": apology["text_vi"], "message_en": apology["text_en"]}
    else:
        # The date last given to the citizen: an apology issued early moved it later.
        promised_text = moment_text(promised_at(d), center.timezone, with_time=False)
        vi, en = STATE_LABELS.get(d.state, (d.state, d.state))
        answer = {"outcome": "not_ready",
                  "message_vi": f"Hồ sơ {code} chưa có kết quả (trạng thái: {vi.lower()}). "
                                f"Ngày hẹn trả kết quả: {promised_text}.",
                  "message_en": f"Dossier {code} is not ready yet ({en.lower()}). Appointment: {promised_text}."}
    # The public view last, so it shows any apology just issued.
    return {**EMPTY_ANSWER, "dossier": public_dossier_view(session, d, now), **answer}


def _pickup_ticket(session: Session, d: Dossier, center: Center, now: datetime, issue: TicketIssuer, ticket_view: TicketViewer,
                   priority: str | None = None) -> dict[str, Any]:
    """A ready dossier: its live pickup ticket of today, or a new one on the collect service."""
    code = d.code
    active = session.execute(
        select(Ticket).where(Ticket.center_id == center.id, Ticket.dossier_code == code, Ticket.state.in_(TicketState.ACTIVE),
                             Ticket.day == local_date(now, center.timezone)).order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none()
    if active is not None:
        view = ticket_view(session, active)
        return {"outcome": "already_issued", "ticket": view,
                "message_vi": f"Hồ sơ {code} đã được lấy số nhận kết quả: số {view['number']}. Vui lòng chờ gọi số.",
                "message_en": f"Dossier {code} already has a pickup number: {view['number']}. Please wait to be called."}
    collect_id = collect_service_id(session, center.id)
    if collect_id is None:
        return {"outcome": "no_pickup_service",
                "message_vi": f"Hồ sơ {code} đã có kết quả. Vui lòng đến quầy trả kết quả hoặc hỏi cán bộ.",
                "message_en": f"Dossier {code} is ready. Please go to the result counter or ask staff."}
    ticket = issue(center.id, collect_id, source="scan", actor="kiosk:scan", dossier_code=code, priority=priority)
    log_event(session, d, "pickup_ticket", d.state, "kiosk:scan", now, ticket=ticket["number"])
    return {"outcome": "ticket_issued", "ticket": ticket,
            "message_vi": f"Hồ sơ {code} đã có kết quả. Số thứ tự nhận kết quả của Ông/Bà là {ticket['number']}. "
                          "Vui lòng chờ gọi số.",
            "message_en": f"Dossier {code} is ready. Your pickup number is {ticket['number']}. Please wait to be called."}


def checkin_answer(session: Session, center_id: int, code: str, issue: TicketIssuer, ticket_view: TicketViewer,
                   clock: Clock) -> dict[str, Any]:
    """The kiosk's answer to an online pre-registration code: a ticket for the procedure's field, linked to it."""
    d = locked_dossier(session, Dossier.prereg_code == code)
    if d is None or d.center_id != center_id:
        return {**EMPTY_ANSWER, "outcome": "unknown",
                "message_vi": f"Không tìm thấy đăng ký trực tuyến {code} tại trung tâm này. Vui lòng hỏi cán bộ.",
                "message_en": f"Online registration {code} was not found at this center. Please ask staff."}
    center = center_or_404(session, center_id)
    now = clock.now()
    out = {**EMPTY_ANSWER, "dossier": public_dossier_view(session, d, now)}
    out["dossier"]["code"] = d.code  # None until received: the registration code stays private
    if d.state != DossierState.REGISTERED:
        return {**out, "outcome": "already_received",
                "message_vi": f"Hồ sơ đăng ký trực tuyến này đã được tiếp nhận (mã hồ sơ {d.code or '—'}).",
                "message_en": f"This online registration was already received (dossier {d.code or '—'})."}
    linked = session.get(Ticket, d.ticket_id) if d.ticket_id else None
    if linked is not None and linked.state in TicketState.ACTIVE and linked.day == local_date(now, center.timezone):
        view = ticket_view(session, linked)
        return {**out, "outcome": "already_issued", "ticket": view,
                "message_vi": f"Ông/Bà đã lấy số {view['number']} cho hồ sơ đăng ký trực tuyến này. Vui lòng chờ gọi số.",
                "message_en": f"You already have number {view['number']} for this registration. Please wait to be called."}
    service_id = d.service_id or session.scalar(
        select(Service.id).where(Service.center_id == center_id, Service.kind == ServiceKind.SUBMIT, Service.active.is_(True))
        .order_by(Service.sort_order).limit(1))
    if service_id is None:
        return {**out, "outcome": "unknown", "message_vi": "Trung tâm chưa có lĩnh vực tiếp nhận hồ sơ này. Vui lòng hỏi cán bộ.",
                "message_en": "No field takes this dossier here. Please ask staff."}
    ticket = issue(center_id, service_id, source="scan", actor="kiosk:preregistration")
    d.ticket_id = ticket["id"]
    d.updated_at = now
    log_event(session, d, "checkin", d.state, "kiosk:preregistration", now, ticket=ticket["number"])
    service = ticket.get("service") or {}
    name_en = service.get("name_en") or service.get("name", "")
    return {**out, "outcome": "ticket_issued", "ticket": ticket,
            "message_vi": f"Đã nhận đăng ký trực tuyến. Số thứ tự của Ông/Bà là {ticket['number']} ({service.get('name', '')}). "
                          "Vui lòng chờ gọi số.",
            "message_en": f"Registration found. Your number is {ticket['number']} ({name_en}). Please wait to be called."}
