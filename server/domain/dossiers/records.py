"""Reading and writing dossier rows inside a transaction: the locked look-up that makes scans of
one receipt wait for each other, the look-up by code, the append-only event log, the procedure
a clerk chose, and the boards' "results ready" list."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import iso_utc, utc
from server.domain.dossiers.codes import agency_id_for, normalise_code, short_code
from server.domain.errors import DomainError
from server.domain.events import DomainEvent, center_room
from server.domain.working_time import classify_completion
from server.models import Center
from server.models.dossiers import Dossier, DossierEvent, DossierState, Procedure

READY_LIST_LIMIT = 200


def locked_dossier(session: Session, *where: Any) -> Dossier | None:
    """The dossier matching ``where``, locked until commit.

    PostgreSQL: ``SELECT … FOR UPDATE`` makes a second scan of the same code wait for the
    first to commit, then re-read (and find its ticket). SQLite: the write transaction already
    holds the database's write lock (BEGIN IMMEDIATE) and SQLAlchemy leaves FOR UPDATE out."""
    return session.execute(select(Dossier).where(*where).with_for_update()).scalar_one_or_none()


def dossier_by_code(session: Session, code: str, center_id: int | None = None, *, lock: bool = False) -> Dossier:
    """The dossier with this code (as scanned or typed), of ``center_id`` when given; 404 otherwise."""
    normal = normalise_code(code)
    d = None
    if normal:
        d = locked_dossier(session, Dossier.code == normal) if lock else \
            session.execute(select(Dossier).where(Dossier.code == normal)).scalar_one_or_none()
    if d is None or (center_id is not None and d.center_id != center_id):
        raise DomainError("unknown_dossier", f"Không tìm thấy hồ sơ {normal or code}.", f"Dossier {normal or code} not found.",
                          status=404)
    return d


def log_event(session: Session, d: Dossier, action: str, from_state: str | None, actor: str, now: datetime, **data: Any) -> None:
    """Append one row to the dossier's event log (empty values left out)."""
    session.add(DossierEvent(dossier_id=d.id, center_id=d.center_id, at=now, action=action, from_state=from_state,
                             to_state=d.state, actor=actor, data={k: v for k, v in data.items() if v not in (None, "")}))
    session.flush()


def record_return(d: Dossier, center: Center, at: datetime) -> None:
    """The one rule of a result handed back (at the counter, or to the post office for a return
    by post): state ``returned``, ``returned_at = at``, and the early / on time / late class —
    the one set when the result was ready, else ``at`` against the appointment (local dates)."""
    d.state = DossierState.RETURNED
    d.returned_at = at
    if d.result_class is None and d.appointment_at is not None:
        d.result_class = classify_completion(d.result_ready_at or at, utc(d.appointment_at), center.timezone)


def refuse_taken_code(session: Session, center: Center, code: str) -> None:
    """A clear 409 instead of the database's unique-constraint error (a 500) when another
    center's dossier already has this code: two centers share one agency identifier (data
    from before the admin forms refused that), and only an administrator can fix it."""
    if session.scalar(select(Dossier.id).where(Dossier.code == code)) is None:
        return
    agency = agency_id_for(center)
    raise DomainError("agency_id_taken",
                      f"Không cấp được mã hồ sơ {code}: mã định danh cơ quan «{agency}» của trung tâm trùng với một trung tâm "
                      "khác. Vui lòng báo quản trị hệ thống sửa mã định danh cơ quan.",
                      f"Cannot give dossier code {code}: this center's agency identifier “{agency}” is shared with another "
                      "center. Ask the administrator to correct it.", status=409, agency_id=agency)


def procedure_for(session: Session, center_id: int, procedure_id: int | None = None,
                  procedure_code: str | None = None) -> Procedure:
    """The active procedure of the center chosen by id or code; 400 when there is none."""
    p = None
    if procedure_id is not None:
        p = session.get(Procedure, procedure_id)
    elif procedure_code:
        p = session.execute(select(Procedure).where(Procedure.center_id == center_id, Procedure.code == procedure_code)
                            ).scalar_one_or_none()
    if p is None or p.center_id != center_id or not p.active:
        raise DomainError("unknown_procedure", "Hãy chọn một thủ tục trong danh mục.", "Choose a procedure from the catalogue.",
                          status=400)
    return p


def ready_items(session: Session, center_id: int) -> list[dict[str, Any]]:
    """Result-ready dossiers of a center, oldest ready first: code, short number, ready time."""
    rows = session.execute(
        select(Dossier.code, Dossier.result_ready_at)
        .where(Dossier.center_id == center_id, Dossier.state == DossierState.RESULT_READY)
        .order_by(Dossier.result_ready_at, Dossier.id).limit(READY_LIST_LIMIT)
    ).all()
    return [{"code": code, "short": short_code(code), "ready_at": iso_utc(at)} for code, at in rows]


def ready_event(session: Session, center_id: int, *, added: Sequence[str] = (), removed: Sequence[str] = ()) -> DomainEvent:
    """The boards' ``results_ready`` event: the whole list, and what this change added or removed."""
    items = ready_items(session, center_id)
    return DomainEvent("results_ready", center_id, {
        "center_id": center_id, "codes": [i["code"] for i in items], "items": items,
        "added": list(added), "removed": list(removed),
    }, (center_room(center_id),))
