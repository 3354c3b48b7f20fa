"""The citizen's chip ID card (CCCD gắn chip): its QR text, the masked number and the keyed hash.

The card's QR (and the same code in the VNeID app) reads::

    12-digit ID number | old 9-digit ID (may be empty) | full name | date of birth DDMMYYYY |
    sex (Nam/Nữ) | permanent address | issue date DDMMYYYY

:func:`parse_id_card` is tolerant: fewer or more fields, spaces around them, any case, an empty
old ID, a trailing ``|``. Only the 12-digit number must be right; a keyboard-mode scanner with a
Vietnamese input method left on mangles letters but not digits, so nothing here depends on the
name. The number is stored for matching only as :func:`citizen_key` (HMAC-SHA256 under the
instance's secret, Luật 91/2025/QH15); screens in a public hall show only :func:`mask_id`.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from server.domain.errors import DomainError

ID_DIGITS = 12
LINK_SECONDS = 600  # a kiosk's citizen link lives 10 minutes: long enough to choose a field, no longer
_LINK_SALT = "motcua.citizen-link"
MAX_CARD_TEXT = 1024  # a card's QR is ~250 characters; anything far longer is not a card
_DIGITS_RE = re.compile(r"^[0-9]+$")  # ASCII only: \d would take other scripts' digits


class IdCardError(DomainError, ValueError):
    """400: the text is not a readable ID card (bilingual, like every domain refusal)."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(code, vi, en, status=400)

    @property
    def vi(self) -> str:
        """The message in Vietnamese."""
        return self.message_vi

    @property
    def en(self) -> str:
        """The message in English."""
        return self.message_en


@dataclass(frozen=True)
class IdCard:
    """What a card's QR says. Only ``id_number`` is sure; the rest is for a clerk to check."""

    id_number: str
    old_id: str = ""
    name: str = ""
    birth_date: date | None = None
    sex: str = ""
    address: str = ""
    issue_date: date | None = None


def _printable(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] != "C" or c == "\t").replace("\t", " ")


def _spaces(text: str) -> str:
    return " ".join(text.split())


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _card_date(text: str) -> date | None:
    """DDMMYYYY (the card's form) or None: a mangled date is left for the clerk, never an error."""
    digits = text.replace(" ", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def _sex(text: str) -> str:
    plain = _plain(text).strip()
    return {"nam": "Nam", "nu": "Nữ", "male": "Nam", "female": "Nữ"}.get(plain, "")


def clean_id_number(raw: str) -> str:
    """The 12-digit number from a field (spaces dropped), or :class:`IdCardError` saying what is wrong."""
    number = "".join(str(raw or "").split())
    if not number:
        raise IdCardError("id_number_missing", "Không đọc được số định danh cá nhân trên thẻ.",
                          "No ID number could be read from the card.")
    if not _DIGITS_RE.match(number):
        raise IdCardError("id_number_invalid", "Số định danh cá nhân chỉ gồm chữ số.",
                          "The ID number must contain digits only.")
    if len(number) != ID_DIGITS:
        raise IdCardError("id_number_length", f"Số định danh cá nhân phải có đủ 12 chữ số (đọc được {len(number)}).",
                          f"The ID number must have 12 digits (read {len(number)}).")
    return number


def parse_id_card(text: str) -> IdCard:
    """Read a card's QR text (or a bare 12-digit number); :class:`IdCardError` when the number is not there."""
    raw = str(text or "")
    if len(raw) > MAX_CARD_TEXT:
        raise IdCardError("id_card_too_long", "Mã quét quá dài, không phải mã QR của thẻ căn cước.",
                          "The scanned code is too long to be an ID card's QR.")
    fields = [_spaces(f) for f in _printable(raw).split("|")]
    while len(fields) > 1 and not fields[-1]:
        fields.pop()  # "…|" at the end
    number = clean_id_number(fields[0])
    rest = fields[1:]
    # The old ID is digits (9, or 12 on the first chip cards) or empty; some readers leave the field out.
    old_id = ""
    if rest and (not rest[0] or _DIGITS_RE.match(rest[0].replace(" ", ""))):
        old_id = rest.pop(0).replace(" ", "")
    rest += [""] * (5 - len(rest))
    name, birth, sex, address, issued = rest[:5]
    return IdCard(id_number=number, old_id=old_id, name=name, birth_date=_card_date(birth), sex=_sex(sex),
                  address=address, issue_date=_card_date(issued))


def looks_like_id_card(text: str) -> bool:
    """The kiosk's router test: a ``|``-separated text whose first field is a 12-digit number, or a bare 12-digit number."""
    raw = _printable(str(text or "")).strip()
    if not raw or len(raw) > MAX_CARD_TEXT:
        return False
    first = raw.split("|", 1)[0].strip()
    return len(first) == ID_DIGITS and first.isdigit() and first.isascii()


def card_shaped(text: str) -> bool:
    """A card a scanner garbled: :func:`looks_like_id_card`, or a ``|``-separated text of three fields
    or more whose first is digits (11 or 13 of them, a letter among them). No ticket token or dossier
    code has a ``|``: the kiosk answers these "card unreadable" rather than "not recognised"."""
    if looks_like_id_card(text):
        return True
    raw = _printable(str(text or "")).strip()
    if len(raw) > MAX_CARD_TEXT or raw.count("|") < 2:
        return False
    first = "".join(raw.split("|", 1)[0].split())
    return 6 <= len(first) <= 20 and sum(c.isdigit() for c in first) >= len(first) - 2


def mask_id(id_number: str) -> str:
    """``001012345678`` → ``0010****5678``: what a public screen or a log may show (first 4, last 4)."""
    number = "".join(str(id_number or "").split())
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def keyed_hash(text: str, secret: str | bytes) -> str:
    """HMAC-SHA256 (hex) of ``text`` (ASCII) under the instance's secret: how a personal number (ID card,
    phone) is kept for matching; not reversible without the secret."""
    if not secret:
        raise ValueError("a keyed hash needs the instance's secret")
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def citizen_key(id_number: str, secret: str | bytes) -> str:
    """The keyed hash (HMAC-SHA256, hex) a citizen is matched by; not reversible without the instance's secret."""
    return keyed_hash(clean_id_number(id_number), secret)


def _link_serializer(secret: str | bytes, now: datetime | None) -> URLSafeTimedSerializer:
    """The link's signer, timed by the app's clock when given (itsdangerous would read the wall clock)."""

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp()) if now is not None else super().get_timestamp()

    return URLSafeTimedSerializer(secret, salt=_LINK_SALT, signer=ClockSigner)


def citizen_link(key: str, secret: str | bytes, now: datetime | None = None) -> str:
    """An opaque, signed token naming the citizen (by key) for the kiosk's next ticket; expires after :data:`LINK_SECONDS`."""
    return _link_serializer(secret, now).dumps(key)


def citizen_from_link(token: str | None, secret: str | bytes, *, now: datetime | None = None,
                      max_age: int = LINK_SECONDS) -> str | None:
    """The citizen key a :func:`citizen_link` names, or None for a missing, forged or expired link."""
    if not token or not secret or len(token) > 400:
        return None
    try:
        key = _link_serializer(secret, now).loads(token, max_age=max_age)
    except BadData:
        return None
    return key if isinstance(key, str) and len(key) == 64 else None


def card_view(card: IdCard) -> dict[str, object]:
    """The card as JSON for the clerk's receive form (dates ISO), with the masked number."""
    return {
        "id_number": card.id_number, "old_id": card.old_id, "name": card.name,
        "birth_date": card.birth_date.isoformat() if card.birth_date else None, "sex": card.sex,
        "address": card.address, "issue_date": card.issue_date.isoformat() if card.issue_date else None,
        "masked_id": mask_id(card.id_number),
    }


__all__ = ["IdCard", "IdCardError", "parse_id_card", "looks_like_id_card", "card_shaped", "mask_id", "citizen_key", "keyed_hash",
           "clean_id_number", "card_view", "citizen_link", "citizen_from_link", "ID_DIGITS", "LINK_SECONDS"]
