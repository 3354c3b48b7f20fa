"""What a dossier looks like to whom: the public view (code, procedure, state, dates — never a
name or a phone) and the clerk's full view with the applicant and the event log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import iso_utc
from server.domain.dossiers.dates import (
    days_text,
    moment_text,
    overdue,
    promise_missed,
)
from server.domain.dossiers.states import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    RESULT_CLASS_LABELS,
    RETURN_CHANNEL_LABELS,
    STATE_LABELS,
    TRANSITIONS,
)
from server.models import Center, Counter, Service
from server.models.dossiers import Dossier, DossierEvent, DossierState, Procedure, ReturnChannel


def procedure_view(p: Procedure) -> dict[str, Any]:
    """A procedure of the catalogue as the console and the API show it (processing days in words too)."""
    return {"id": p.id, "code": p.code, "name": p.name, "name_en": p.name_en, "service_id": p.service_id,
            "processing_days": p.processing_days, "processing_days_text": days_text(p.processing_days), "fee": p.fee,
            "documents": list(p.documents or []), "active": p.active}


def public_dossier_view(session: Session, d: Dossier, now: datetime) -> dict[str, Any]:
    """What anyone holding the code may see: no name, phone, e-mail or address, ever."""
    center = session.get(Center, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    service = session.get(Service, d.service_id) if d.service_id else None
    tz = center.timezone
    vi, en = STATE_LABELS.get(d.state, (d.state, d.state))
    return {
        "code": d.code,
        "procedure_name": procedure.name if procedure else "",
        "procedure": {"code": procedure.code, "name": procedure.name, "name_en": procedure.name_en} if procedure else None,
        "service": {"code": service.code, "name": service.name} if service else None,
        "state": d.state,
        "status": vi,
        "state_label_vi": vi,
        "state_label_en": en,
        "received_at": iso_utc(d.received_at),
        "appointment_at": iso_utc(d.appointment_at),
        "appointment_text": moment_text(d.appointment_at, tz),
        "extended_to": iso_utc(d.extended_to),
        "extended_to_text": moment_text(d.extended_to, tz),
        "result_ready_at": iso_utc(d.result_ready_at),
        "returned_at": iso_utc(d.returned_at),
        "result_class": d.result_class,
        "overdue": overdue(d, now, tz),
        # The apology's new date has passed too: the back office must act (and the kiosk re-apologises).
        "extension_overdue": d.extended_to is not None and promise_missed(d, now, tz),
    }


def dossier_view(session: Session, d: Dossier, now: datetime, *, events: bool = False) -> dict[str, Any]:
    """A clerk's full view of a dossier, applicant included."""
    view = public_dossier_view(session, d, now)
    center = session.get(Center, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    counter = session.get(Counter, d.counter_id) if d.counter_id else None
    channel_vi, channel_en = CHANNEL_LABELS.get(d.channel, (d.channel, d.channel))
    return_vi, return_en = RETURN_CHANNEL_LABELS.get(d.return_channel, (d.return_channel, d.return_channel))
    klass = RESULT_CLASS_LABELS.get(d.result_class or "")
    by_post = d.return_channel == ReturnChannel.POST
    view.update(
        id=d.id,
        center_id=d.center_id,
        procedure=procedure_view(procedure) if procedure else None,
        applicant={"name": d.applicant_name, "phone": d.applicant_phone, "email": d.applicant_email,
                   "address": d.applicant_address, "id_number": d.applicant_id_number},
        citizen_linked=bool(d.citizen_key),
        personal_purged_at=iso_utc(d.personal_purged_at),
        documents=list(d.documents or []),
        channel=d.channel,
        channel_label_vi=channel_vi,
        channel_label_en=channel_en,
        return_channel=d.return_channel,
        return_channel_label_vi=return_vi,
        return_channel_label_en=return_en,
        delivery_address=d.delivery_address,
        posted_at=iso_utc(d.posted_at),
        posted_text=moment_text(d.posted_at, center.timezone),
        delivered_at=iso_utc(d.delivered_at),
        delivered_text=moment_text(d.delivered_at, center.timezone, with_time=False),
        # What the dossier page offers: hand to the post office, then record the delivery.
        may_post=by_post and d.posted_at is None and d.state == DossierState.RESULT_READY,
        may_deliver=by_post and d.posted_at is not None and d.delivered_at is None,
        registered_at=iso_utc(d.registered_at),
        received_at_text=moment_text(d.received_at, center.timezone),
        apology=d.apology,
        result_class_label_vi=klass[0] if klass else None,
        result_class_label_en=klass[1] if klass else None,
        reason=d.reason,
        note=d.note,
        received_by={"id": d.received_by_id, "name": d.received_by_name} if d.received_by_name else None,
        counter={"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
        ticket_id=d.ticket_id,
        prereg_code=d.prereg_code,
        external_id=d.external_id,
        allowed_actions=[name for name, t in TRANSITIONS.items() if d.state in t.allowed_from and name != "receive"],
    )
    if events:
        rows = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id).order_by(DossierEvent.id)).all()
        view["events"] = [{"id": e.id, "at": iso_utc(e.at), "action": e.action,
                           "action_label_vi": ACTION_LABELS.get(e.action, (e.action, e.action))[0],
                           "from_state": e.from_state, "to_state": e.to_state, "actor": e.actor, "data": e.data} for e in rows]
    return view
