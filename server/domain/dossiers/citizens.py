"""A citizen known by the ID card (CCCD): the kiosk's pickup by card, the counter's pre-fill, the clerk's look-up.

A citizen is matched only by ``citizen_key`` (HMAC of the 12-digit number, :func:`server.domain.citizen_id.citizen_key`);
every look-up of dossiers by it writes an audit row (Luật 91/2025/QH15) naming the masked number only.

The kiosk's answer (:func:`citizen_pickup_answer`)::

    {"outcome": "ticket_issued" | "ticket_status" | "choose_service" | "no_pickup_service",
     "ticket": ticket view or None, "dossiers_ready": int, "message_vi": str, "message_en": str}

No name, number or address in it: the caller adds the masked number.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date
from server.domain import audit
from server.domain.centers import center_or_404
from server.domain.dossiers.pickup import EMPTY_ANSWER, TicketIssuer, TicketViewer, collect_service_id
from server.domain.dossiers.records import log_event
from server.models import Service, ServiceKind, Ticket, TicketState
from server.models.admin import AuditEntry
from server.models.dossiers import Dossier, DossierState


def audit_lookup(session: Session, *, center_id: int, masked_id: str, actor: str, found: int, now: datetime,
                 user_id: int | None = None, purpose: str = "lookup", ticket: str = "") -> None:
    """One audit row for a look-up of dossiers by a citizen's ID (the masked number only, never the number).

    With ``ticket`` (the counter's pre-fill) one row per ticket and actor: the console re-reads its
    current ticket on every change, and the audit should say who looked, not how often the screen refreshed."""
    where = f" — {ticket}" if ticket else ""
    summary = (f"Tra cứu hồ sơ theo số định danh {masked_id} ({purpose}{where}): {found} hồ sơ / "
               f"Dossiers looked up by ID {masked_id} ({purpose}{where}): {found} found")
    if ticket and session.scalar(select(AuditEntry.id).where(
            AuditEntry.entity == "citizen", AuditEntry.entity_id == masked_id[:60], AuditEntry.actor == actor[:120],
            AuditEntry.summary == summary).limit(1)) is not None:
        return
    audit.record(session, actor=actor, action="citizen_lookup", entity="citizen", entity_id=masked_id, center_id=center_id,
                 user_id=user_id, now=now, summary=summary)


def ready_dossiers(session: Session, center_id: int, key: str) -> list[Dossier]:
    """The citizen's dossiers of this center whose result waits at the counter, locked until commit
    (PostgreSQL: a second scan of the same card waits here, then finds the first one's ticket)."""
    return list(session.scalars(
        select(Dossier).where(Dossier.center_id == center_id, Dossier.citizen_key == key,
                              Dossier.state == DossierState.RESULT_READY, Dossier.posted_at.is_(None))
        .order_by(Dossier.id).with_for_update()))


def open_pickup_ticket(session: Session, center_id: int, key: str, codes: list[str], day: Any) -> Ticket | None:
    """Today's live pickup ticket of this citizen: taken with the card, or with one of the ready dossiers' receipts."""
    clauses = [Ticket.citizen_key == key]
    if codes:
        clauses.append(Ticket.dossier_code.in_(codes))
    return session.execute(
        select(Ticket).join(Service, Service.id == Ticket.service_id)
        .where(Ticket.center_id == center_id, Ticket.day == day, Ticket.state.in_(TicketState.ACTIVE),
               Ticket.dossier_code.is_not(None), Service.kind == ServiceKind.COLLECT, or_(*clauses))
        .order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none()


def citizen_pickup_answer(session: Session, center_id: int, key: str, masked_id: str, issue: TicketIssuer,
                          ticket_view: TicketViewer, clock: Clock, priority: str | None = None) -> dict[str, Any]:
    """The kiosk's answer to a scanned ID card: one pickup ticket for all the citizen's ready dossiers."""
    center = center_or_404(session, center_id)
    now = clock.now()
    ready = ready_dossiers(session, center.id, key)
    audit_lookup(session, center_id=center.id, masked_id=masked_id, actor="kiosk:id_card", found=len(ready), now=now,
                 purpose="kiosk")
    if not ready:
        return {**EMPTY_ANSWER, "outcome": "choose_service", "dossiers_ready": 0,
                "message_vi": f"Thẻ {masked_id}: chưa có kết quả nào chờ nhận. Vui lòng chọn lĩnh vực để lấy số.",
                "message_en": f"Card {masked_id}: no result is waiting. Please choose a field to take a number."}
    codes = [d.code for d in ready if d.code]
    existing = open_pickup_ticket(session, center.id, key, codes, local_date(now, center.timezone))
    if existing is not None:
        view = ticket_view(session, existing)
        return {**EMPTY_ANSWER, "outcome": "ticket_status", "ticket": view, "dossiers_ready": len(ready),
                "message_vi": f"Ông/Bà đã có số nhận kết quả {view['number']}. Vui lòng chờ gọi số.",
                "message_en": f"You already have pickup number {view['number']}. Please wait to be called."}
    collect_id = collect_service_id(session, center.id)
    if collect_id is None:
        return {**EMPTY_ANSWER, "outcome": "no_pickup_service", "dossiers_ready": len(ready),
                "message_vi": f"Ông/Bà có {len(ready)} hồ sơ đã có kết quả. Vui lòng đến quầy trả kết quả hoặc hỏi cán bộ.",
                "message_en": f"{len(ready)} of your dossiers are ready. Please go to the result counter or ask staff."}
    # The ticket names the first dossier (boards and the call treat it as a pickup); the card links all of them.
    view = issue(center.id, collect_id, source="scan", actor="kiosk:id_card", dossier_code=codes[0], priority=priority)
    session.get(Ticket, view["id"]).citizen_key = key
    for d in ready:
        log_event(session, d, "pickup_ticket", d.state, "kiosk:id_card", now, ticket=view["number"])
    return {**EMPTY_ANSWER, "outcome": "ticket_issued", "ticket": view, "dossiers_ready": len(ready),
            "message_vi": f"Ông/Bà có {len(ready)} hồ sơ đã có kết quả. Số thứ tự nhận kết quả là {view['number']}. "
                          "Vui lòng chờ gọi số.",
            "message_en": f"{len(ready)} of your dossiers are ready. Your pickup number is {view['number']}. "
                          "Please wait to be called."}


def latest_dossier(session: Session, center_id: int, key: str) -> Dossier | None:
    """This center's most recent dossier of the citizen whose personal fields are still kept."""
    return session.execute(
        select(Dossier).where(Dossier.center_id == center_id, Dossier.citizen_key == key, Dossier.personal_purged_at.is_(None))
        .order_by(Dossier.created_at.desc(), Dossier.id.desc()).limit(1)
    ).scalar_one_or_none()


def prefill_for(d: Dossier | None) -> dict[str, str] | None:
    """What the receive form takes from the citizen's last dossier (a clerk checks it)."""
    if d is None:
        return None
    return {"name": d.applicant_name, "address": d.applicant_address, "phone": d.applicant_phone,
            "id_number": d.applicant_id_number}


__all__ = ["audit_lookup", "citizen_pickup_answer", "latest_dossier", "open_pickup_ticket", "prefill_for", "ready_dossiers"]
