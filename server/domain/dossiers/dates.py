"""Dates of a dossier: the center's working calendar, dates as citizens read them, and whether
the appointment (or the date last promised) has passed."""
from __future__ import annotations

from datetime import datetime

from server.clock import local_date, local_time
from server.domain.center_rules import WEEKDAY_VI, working_calendar_args
from server.domain.working_time import WorkingCalendar
from server.models import Center
from server.models.dossiers import Dossier, DossierState


def calendar_for(center: Center) -> WorkingCalendar:
    """The center's working calendar as the admin pages save it: weekday hours
    (``settings["opening_hours"]``), extra days off and make-up days (``settings["calendar"]``)."""
    return WorkingCalendar(**working_calendar_args(center))


def moment_text(moment: datetime | None, tz: str, *, with_time: bool = True) -> str:
    """"08:00, 25/11/2026 (Thứ Tư)" in the center's local time ("" for None): the house format
    "HH:MM, DD/MM/YYYY" used on every screen, with the weekday after it, since a citizen plans
    the trip back by the day of the week."""
    if moment is None:
        return ""
    local = local_time(moment, tz)
    day = f"{local:%d/%m/%Y} ({WEEKDAY_VI[local.weekday()]})"
    return f"{local:%H:%M}, {day}" if with_time else day



def days_text(days: float) -> str:
    """15.0 → "15", 0.5 → "0,5" (the Vietnamese decimal comma)."""
    value = float(days or 0)
    return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")


def overdue(d: Dossier, now: datetime, tz: str) -> bool:
    """Past its original appointment date (compared as local dates) and not finished.

    Deliberately the original date, even after an apology: the law judges timeliness against
    the appointment on the receipt (an apology does not make a late dossier on time), and the
    back office's "overdue" list must keep showing it. Whether the date last promised to the
    citizen has passed too is :func:`promise_missed`."""
    if d.appointment_at is None or d.state not in DossierState.OPEN:
        return False
    return local_date(now, tz) > local_date(d.appointment_at, tz)


def promised_at(d: Dossier) -> datetime | None:
    """The date last given to the citizen: the apology's new date (Mẫu 04) if any, else the receipt's."""
    return d.extended_to or d.appointment_at


def promise_missed(d: Dossier, now: datetime, tz: str) -> bool:
    """Not finished and past the date last given to the citizen (the apology's new date included)."""
    promised = promised_at(d)
    if promised is None or d.state not in DossierState.OPEN:
        return False
    return local_date(now, tz) > local_date(promised, tz)
