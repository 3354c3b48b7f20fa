"""Dossier codes: ``‹agency identifier›-‹yymmdd›-‹4-digit daily sequence›``.

e.g. ``000.00.12.H26-261123-0007``. The identifier is the agency's code in the
national catalogue (digits, capitals and dots). Codes keep to QR alphanumeric
characters so scanners and small QR codes agree, and so a Vietnamese input
method left on cannot mangle them unnoticed (an accented letter fails the form).

Also here: the online pre-registration code (``DKTT-XXXXXXXX``), what scanners typed made
comparable, and the rules of a center's agency identifier (mã định danh), which every code starts with.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.errors import DomainError
from server.models import Center

CODE_RE = re.compile(r"^([0-9A-Z.]+)-(\d{6})-(\d{4})$")
AGENCY_RE = re.compile(r"^[0-9A-Z.]{1,40}$")
# An online pre-registration's code, scanned at the kiosk to check in: ``DKTT-XXXXXXXX``.
PREREG_PREFIX = "DKTT-"
PREREG_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
PREREG_RE = re.compile(r"^DKTT-[0-9A-Z]{8}$")


@dataclass(frozen=True)
class DossierCodeParts:
    """A dossier code taken apart: the agency, the local day it was received, the daily sequence."""

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
    """Does this scanned or typed text look like a dossier code (a receipt's QR)?"""
    return parse_dossier_code(text) is not None


def short_number(code: str) -> int:
    """The daily sequence (``…-0007`` → 7). Never called out: a pickup is called by its ticket's number."""
    parts = parse_dossier_code(code)
    if parts is None:
        raise ValueError(f"not a dossier code: {code!r}")
    return parts.seq


def strip_diacritics(text: str) -> str:
    """"Hồ sơ đã có kết quả" → "Ho so da co ket qua" (SMS without Unicode, scanner input)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


def normalise_code(raw: Any) -> str:
    """What a scanner or a person typed, made comparable: no control characters or accents, upper case."""
    cleaned = "".join(c for c in str(raw or "") if unicodedata.category(c)[0] != "C").strip()
    return strip_diacritics(cleaned).upper()


def short_code(code: str) -> str:
    """The 4-digit daily sequence printed big and read by the voice ("0007")."""
    parts = parse_dossier_code(code)
    return f"{parts.seq:04d}" if parts else code


def _invalid_agency_id(agency: str, status: int) -> DomainError:
    return DomainError("invalid_agency_id",
                       f"Mã định danh cơ quan «{agency}» không hợp lệ (chỉ gồm chữ số, chữ in hoa và dấu chấm).",
                       f"Agency identifier “{agency}” is invalid (digits, capitals and dots only).", status=status,
                       agency_id=agency)


def effective_agency_id(agency_id: str | None, code: str | None, center_id: int | None) -> str:
    """What a center's dossier codes start with: its identifier, or one made from its code when it
    has none (unchecked: :func:`agency_id_for` validates it)."""
    agency = (agency_id or "").strip().upper()
    if agency:
        return agency
    derived = re.sub(r"[^0-9A-Z.]", "", strip_diacritics(code or "").upper())
    return derived or (f"C{center_id}" if center_id is not None else "")


def agency_id_for(center: Center) -> str:
    """The identifier printed in dossier codes: the center's ``agency_id`` (mã định danh)."""
    agency = effective_agency_id(center.agency_id, center.code, center.id)
    try:
        return validate_agency_id(agency)
    except ValueError:
        raise _invalid_agency_id(agency, 409) from None


def clean_agency_id(value: Any) -> str:
    """An agency identifier as stored and compared: no surrounding spaces, capitals ("" = none).

    Refused (400 ``invalid_agency_id``) when it holds characters a dossier code cannot carry,
    so a typo is caught on the admin form rather than at the counter's first dossier."""
    agency = str(value or "").strip().upper()
    if agency:
        try:
            validate_agency_id(agency)
        except ValueError:
            raise _invalid_agency_id(agency, 400) from None
    return agency


def ensure_agency_id_free(session: Session, *, agency_id: str | None, code: str | None, center_id: int | None = None,
                          hint_vi: str = "", hint_en: str = "") -> None:
    """Refuse (409 ``agency_id_taken``) an identifier that another center's dossier codes already use.

    The daily sequence is counted per center but the code is ``agency-yymmdd-NNNN``: two centers
    with one identifier would print the same code twice (and the database refuses the second).
    Under the national system each receiving unit has its own identifier. Compared as printed
    (capitals, no spaces), including identifiers made from a center's code when it has none."""
    mine = effective_agency_id(agency_id, code, center_id)
    if not mine:
        return
    stmt = select(Center).order_by(Center.id)
    if center_id is not None:
        stmt = stmt.where(Center.id != center_id)
    for other in session.scalars(stmt):
        if effective_agency_id(other.agency_id, other.code, other.id) != mine:
            continue
        if (agency_id or "").strip():
            vi = (f"Mã định danh cơ quan «{mine}» đã được dùng cho trung tâm «{other.name}» ({other.code}). "
                  "Mỗi đơn vị tiếp nhận phải có mã định danh riêng để mã hồ sơ không bị trùng.")
            en = (f"Agency identifier “{mine}” is already used by center “{other.name}” ({other.code}). "
                  "Each receiving unit needs its own identifier so dossier codes never repeat.")
        else:
            vi = (f"Trung tâm chưa có mã định danh cơ quan nên mã hồ sơ sẽ bắt đầu bằng «{mine}», trùng với trung tâm "
                  f"«{other.name}» ({other.code}). Hãy nhập mã định danh cơ quan riêng của trung tâm.")
            en = (f"Without an agency identifier this center's dossier codes would start with “{mine}”, like those of "
                  f"center “{other.name}” ({other.code}). Enter the center's own agency identifier.")
        raise DomainError("agency_id_taken", f"{vi} {hint_vi}".strip(), f"{en} {hint_en}".strip(), status=409,
                          agency_id=mine, center_id=other.id, center_code=other.code)
