"""Retention of applicants' personal data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15).

A dossier whose result was handed back keeps its applicant's name, phone, e-mail, address, ID
number and citizen key only for the center's retention period (``Center.settings["privacy"]
["retention_days"]``, default :data:`DEFAULT_RETENTION_DAYS`, validated in
:mod:`server.domain.center_rules`). After that :func:`purge_personal_data` blanks those fields
(and the e-mail/SMS notices sent about it) and marks the dossier ``personal_purged_at``; its code,
procedure, dates, channels and result class stay, so every count and report is unchanged.

Idempotent and cheap: only returned dossiers past retention and not yet purged are touched. The
upkeep scheduler calls it (:func:`purge_job`); tests call it with a fixed clock.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.clock import Clock
from server.db import Database
from server.domain.audit import utc_naive
from server.domain.center_rules import DEFAULT_RETENTION_DAYS, retention_days
from server.models import Center
from server.models.dossiers import Dossier, DossierState, NoticeOutbox

log = logging.getLogger("motcua.retention")

BATCH = 500  # rows per statement: a first purge of years of dossiers does not hold the write lock for long

# What a purged dossier keeps of its applicant: nothing.
PURGED_FIELDS = {"applicant_name": "", "applicant_phone": "", "applicant_email": "", "applicant_address": "",
                 "applicant_id_number": "", "delivery_address": "", "citizen_key": None}


def purge_personal_data(db: Database, clock: Clock, center_id: int | None = None) -> int:
    """Blank the personal fields of returned dossiers past their center's retention; the number of dossiers purged."""
    now = clock.now()
    with db.read() as s:
        stmt = select(Center)
        if center_id is not None:
            stmt = stmt.where(Center.id == center_id)
        cutoffs = {c.id: utc_naive(now - timedelta(days=retention_days(c))) for c in s.scalars(stmt)}
    purged = 0
    for cid, cutoff in cutoffs.items():
        while True:
            done = db.write_retrying(lambda s, cid=cid, cutoff=cutoff: _purge_batch(s, cid, cutoff, utc_naive(now)))
            purged += done
            if done < BATCH:
                break
    if purged:
        log.info("personal data purged from %d returned dossier(s)", purged)
    return purged


def _purge_batch(session: Session, center_id: int, cutoff: datetime, now: datetime) -> int:
    ids = list(session.scalars(
        select(Dossier.id).where(Dossier.center_id == center_id, Dossier.state == DossierState.RETURNED,
                                 Dossier.returned_at.is_not(None), Dossier.returned_at < cutoff,
                                 Dossier.personal_purged_at.is_(None)).order_by(Dossier.id).limit(BATCH)))
    if not ids:
        return 0
    session.execute(update(Dossier).where(Dossier.id.in_(ids)).values(**PURGED_FIELDS, personal_purged_at=now)
                    .execution_options(synchronize_session=False))
    # The notices sent about it named the recipient and the applicant: their status stays, the words go.
    session.execute(update(NoticeOutbox).where(NoticeOutbox.dossier_id.in_(ids)).values(recipient="", body="")
                    .execution_options(synchronize_session=False))
    return len(ids)


__all__ = ["purge_personal_data", "DEFAULT_RETENTION_DAYS", "PURGED_FIELDS"]
