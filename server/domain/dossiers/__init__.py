"""Dossiers (hồ sơ): receive at a counter, follow the national states, notify, hand back.

Plain Python over SQLAlchemy (no Flask): the API, the clerk console and the kiosk's scan
endpoint all call :class:`DossierService` (one per app, built in ``server/bootstrap.py``).

By job:

- :mod:`.states` — state, channel, result and action labels; the ``TRANSITIONS`` table;
- :mod:`.codes` — dossier codes ``agency-yymmdd-NNNN``, pre-registration codes, agency identifiers;
- :mod:`.dates` — the working calendar, dates as citizens read them, overdue or not;
- :mod:`.applicants` — the applicant and the documents, cleaned and checked;
- :mod:`.records` — locked look-ups, the event log, the "results ready" list;
- :mod:`.views` — the public view (never a name or a phone) and the clerk's full view;
- :mod:`.apology` — Mẫu 04: when one is owed, what it says, issuing it;
- :mod:`.pickup` — the one "is this a result pickup" rule; kiosk scans of receipts and pre-registrations;
- :mod:`.paper` — the standard forms, the receipt and apology for the printer, a counter's printer;
- :mod:`.service` — :class:`DossierService`, which runs each of these in one transaction.

Personal data (applicant name, phone, e-mail, address) is in :func:`dossier_view` for clerks
only; :func:`public_dossier_view`, the boards' "results ready" list and voice announcements
carry the code, procedure, state and dates — never a name or a phone.

The names below are re-exported so callers may keep importing ``server.domain.dossiers``.
"""
from __future__ import annotations

from server.domain.dossiers.apology import apology_history, apology_record
from server.domain.dossiers.applicants import Applicant
from server.domain.dossiers.codes import (
    agency_id_for,
    clean_agency_id,
    effective_agency_id,
    ensure_agency_id_free,
    normalise_code,
    short_code,
    strip_diacritics,
)
from server.domain.dossiers.dates import calendar_for, moment_text, promised_at
from server.domain.dossiers.paper import FORMS, counter_printer_url, forms_for
from server.domain.dossiers.pickup import is_pickup
from server.domain.dossiers.records import ready_items
from server.domain.dossiers.service import DossierArea, DossierService
from server.domain.dossiers.states import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    RESULT_CLASS_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    Transition,
)
from server.domain.dossiers.views import dossier_view, procedure_view, public_dossier_view

__all__ = [
    "ACTION_LABELS", "CHANNEL_LABELS", "FORMS", "RESULT_CLASS_LABELS", "STATE_LABELS", "TRANSITIONS",
    "Applicant", "DossierArea", "DossierService", "Transition",
    "agency_id_for", "apology_history", "apology_record", "calendar_for", "clean_agency_id", "counter_printer_url",
    "dossier_view", "effective_agency_id", "ensure_agency_id_free", "forms_for", "is_pickup", "moment_text",
    "normalise_code", "procedure_view", "promised_at", "public_dossier_view", "ready_items", "short_code",
    "strip_diacritics",
]
