"""Dossier codes: ``‹agency identifier›-‹yymmdd›-‹4-digit daily sequence›``.

e.g. ``000.00.12.H26-261123-0007``. The identifier is the agency's code in the
national catalogue (digits, capitals and dots). Codes keep to QR alphanumeric
characters so scanners and small QR codes agree, and so a Vietnamese input
method left on cannot mangle them unnoticed (an accented letter fails the form).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CODE_RE = re.compile(r"^([0-9A-Z.]+)-(\d{6})-(\d{4})$")
AGENCY_RE = re.compile(r"^[0-9A-Z.]{1,40}$")


@dataclass(frozen=True)
class DossierCodeParts:
    agency_id: str
    day: date
    seq: int

    @property
    def code(self) -> str:
        return format_dossier_code(self.agency_id, self.day, self.seq)


def validate_agency_id(agency_id: str) -> str:
    """The identifier itself, or ValueError when it has characters a code cannot carry."""
    if not AGENCY_RE.fullmatch(agency_id or ""):
        raise ValueError("agency identifier may hold only digits, capital letters and dots")
    return agency_id


def format_dossier_code(agency_id: str, local_date: date, seq: int) -> str:
    """The code of the ``seq``-th dossier of the agency on ``local_date``."""
    validate_agency_id(agency_id)
    if not 1 <= seq <= 9999:
        raise ValueError("daily sequence must be 1–9999")
    return f"{agency_id}-{local_date:%y%m%d}-{seq:04d}"


def parse_dossier_code(text: str) -> DossierCodeParts | None:
    """Parts of a scanned or typed code (whitespace trimmed, upper-cased), or None."""
    if not isinstance(text, str):
        return None
    match = CODE_RE.fullmatch(text.strip().upper())
    if not match:
        return None
    agency, yymmdd, seq = match.groups()
    try:
        day = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None
    if int(seq) == 0:
        return None
    return DossierCodeParts(agency, day, int(seq))


def is_dossier_code(text: str) -> bool:
    return parse_dossier_code(text) is not None


def short_number(code: str) -> int:
    """The daily sequence (``…-0007`` → 7). Never called out: a pickup is called by its ticket's number."""
    parts = parse_dossier_code(code)
    if parts is None:
        raise ValueError(f"not a dossier code: {code!r}")
    return parts.seq
