"""The apology (Mẫu 04): when an overdue dossier owes one, what it says, and issuing it with a new
date. A dossier past its date gets one; a fresh one (the earlier ones kept in its ``previous``
list) when that new date passes too, so a kiosk never shows a past date as the new appointment."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from server.clock import iso_utc, local_date, local_time, utc
from server.domain.dossiers.dates import calendar_for, moment_text, overdue, promise_missed, promised_at
from server.domain.dossiers.paper import dossier_settings, forms_for
from server.domain.dossiers.records import log_event
from server.domain.errors import DomainError
from server.models import Center
from server.models.dossiers import Dossier

DEFAULT_APOLOGY_EXTENSION_DAYS = 2.0


def apology_due(d: Dossier, now: datetime, tz: str) -> bool:
    """An overdue dossier needs an apology when it has none, or when the new date of its
    latest one has passed as well (then it is overdue again and owes a fresh apology)."""
    return overdue(d, now, tz) and (d.apology is None or promise_missed(d, now, tz))


def apology_history(apology: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every apology issued before (oldest first), the given one last, each without its own history."""
    if not apology:
        return []
    earlier = [dict(a) for a in apology.get("previous") or [] if isinstance(a, dict)]
    return [*earlier, {k: v for k, v in apology.items() if k != "previous"}]


def apology_record(center: Center, d: Dossier, new_at: datetime, reason: str, now: datetime, *,
                   missed_at: datetime | None = None, previous: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The apology's content (Mẫu 04): no name, so it may be shown on a public kiosk.

    ``missed_at`` is the date the citizen was last given (a previous apology's new date when
    this is not the first); ``previous`` the earlier apologies, kept for the record."""
    tz = center.timezone
    form = forms_for(center)["apology"]
    missed = missed_at or d.appointment_at
    old_text = moment_text(missed, tz, with_time=False)
    new_text = moment_text(new_at, tz)
    history = list(previous or [])
    sequence = len(history) + 1
    again_vi = f" Đây là lần thứ {sequence} trung tâm phải hẹn lại ngày trả kết quả của hồ sơ này." if sequence > 1 else ""
    again_en = f" This is apology no. {sequence} for this dossier." if sequence > 1 else ""
    return {
        "form": form["number"], "title": form["title"], "issued_at": iso_utc(now), "reason": reason, "sequence": sequence,
        "original_appointment_at": iso_utc(d.appointment_at),
        "original_appointment_text": moment_text(d.appointment_at, tz, with_time=False),
        "missed_appointment_at": iso_utc(missed), "missed_appointment_text": old_text,
        "new_appointment_at": iso_utc(new_at), "new_appointment_text": new_text,
        "text_vi": (f"{center.name} xin lỗi ông/bà vì hồ sơ {d.code} chưa được giải quyết đúng hẹn ({old_text}). "
                    f"Lý do: {reason} Trung tâm hẹn trả kết quả vào {new_text}.{again_vi} Mong ông/bà thông cảm."),
        "text_en": (f"We apologise: dossier {d.code} was not ready on the date we gave ({old_text}). "
                    f"The result will be ready by {new_text}.{again_en}"),
        "previous": history,
    }


def _new_date_refused(vi: str, en: str) -> DomainError:
    return DomainError("invalid_new_date", vi, en, status=400)


def apologise(session: Session, d: Dossier, center: Center, now: datetime, *, new_date: datetime | date | None,
              reason: str, actor: str) -> dict[str, Any]:
    """Issue an apology (Mẫu 04) with a new date after the date last promised (the receipt's,
    or a previous apology's); earlier apologies stay in the record's ``previous`` list.

    Without ``new_date`` the new appointment is ``apology_extension_days`` working days
    (center setting ``settings["dossiers"]``, default 2) from now."""
    cal = calendar_for(center)
    tz = center.timezone
    # A second apology must move on from the date the first one promised, not the receipt's.
    missed = utc(promised_at(d)) if promised_at(d) else None
    if new_date is None:
        days = float(dossier_settings(center).get("apology_extension_days") or DEFAULT_APOLOGY_EXTENSION_DAYS)
        new_at = cal.add_working_days(max(now, missed) if missed else now, days)
    elif isinstance(new_date, datetime):
        new_at = new_date if new_date.tzinfo else new_date.replace(tzinfo=local_time(now, tz).tzinfo)
    else:
        # A date chosen by the clerk: the end of that working day.
        new_at = datetime.combine(new_date, cal.hours[-1][1], tzinfo=cal.tz)
    new_at = utc(new_at)
    if missed is not None and local_date(new_at, tz) <= local_date(missed, tz):
        missed_text = moment_text(missed, tz, with_time=False)
        raise _new_date_refused(f"Ngày hẹn mới phải sau ngày hẹn đã báo ({missed_text}).",
                                f"The new date must be after the date last given ({missed_text}).")
    if new_at <= now:
        raise _new_date_refused("Ngày hẹn mới không được là ngày, giờ đã qua.", "The new date must be in the future.")
    if not cal.is_working_day(local_date(new_at, tz)):
        raise _new_date_refused("Ngày hẹn mới phải là ngày làm việc.", "The new date must be a working day.")
    reason = " ".join((reason or "").split())[:1000] or "Hồ sơ cần thêm thời gian thẩm định, xác minh."
    previous = apology_history(d.apology)
    d.apology = apology_record(center, d, new_at, reason, now, missed_at=missed, previous=previous)
    d.extended_to = new_at
    d.updated_at = now
    session.flush()
    log_event(session, d, "apology", d.state, actor, now, new_appointment_at=iso_utc(new_at), reason=reason,
              missed_appointment_at=iso_utc(missed), sequence=d.apology["sequence"])
    return d.apology


def current_apology(session: Session, d: Dossier, center: Center, now: datetime, *, actor: str) -> dict[str, Any]:
    """The apology to show for an overdue dossier: the latest one while its new date holds,
    a fresh one (new date from today) once that date has passed too — a kiosk never shows
    a past date as the new appointment."""
    if apology_due(d, now, center.timezone):
        apologise(session, d, center, now, new_date=None, reason="", actor=actor)
    return d.apology
