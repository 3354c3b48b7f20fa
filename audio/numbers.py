"""Vietnamese number words for spoken announcements.

Our own code: ``num2words(lang="vi")`` reads 1023 as "một nghìn lẻ hai mươi ba",
which no caller at a one-stop center would say.

Rules (Tiếng Việt chuẩn, as read aloud in public announcements):

* units: không một hai ba bốn năm sáu bảy tám chín;
* tens: 10–19 "mười …" (11 mười một, 14 mười bốn, 15 mười lăm); 20–99
  "X mươi …" with 1 → "mốt" (21 hai mươi mốt), 4 → "tư" (24 hai mươi tư),
  5 → "lăm" (25 hai mươi lăm);
* a zero tens digit after a hundred is "linh" (north) or "lẻ" (south):
  105 một trăm linh năm (5 stays "năm", 4 stays "bốn", 1 stays "một");
* a zero hundreds digit after a thousand is "không trăm":
  1023 một nghìn không trăm hai mươi ba, 1005 một nghìn không trăm linh năm;
* thousands are "nghìn" (north) or "ngàn" (south); the thousands count is
  itself read with the same rules (21000 hai mươi mốt nghìn).

Supported range: 0–999 999. ``tư`` after "mươi" is kept in both dialects; the
southern option changes only nghìn→ngàn and linh→lẻ.
"""
from __future__ import annotations

import re

__all__ = [
    "DIGITS",
    "LETTER_NAMES",
    "MAX_NUMBER",
    "dossier_short_number",
    "dossier_words",
    "letter_words",
    "number_words",
    "ticket_words",
]

MAX_NUMBER = 999_999

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

# How the letters are commonly named aloud in Vietnamese (the forms a clerk
# would use over a PA system). Hyphenated names are one spoken unit; espeak-ng
# reads "e-lờ" as a single word, which is what we want.
LETTER_NAMES: dict[str, str] = {
    "A": "a",
    "Ă": "á",
    "Â": "ớ",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "Ê": "ê",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e-lờ",
    "M": "em-mờ",
    "N": "en-nờ",
    "O": "o",
    "Ô": "ô",
    "Ơ": "ơ",
    "P": "pê",
    "Q": "quy",
    "R": "e-rờ",
    "S": "ét-xì",
    "T": "tê",
    "U": "u",
    "Ư": "ư",
    "V": "vê",
    "W": "vê kép",
    "X": "ích-xì",
    "Y": "i dài",
    "Z": "dét",
}

_DIALECT_WORDS = {
    # dialect: (thousand, zero-tens connector)
    "north": ("nghìn", "linh"),
    "south": ("ngàn", "lẻ"),
}

# A dossier (hồ sơ) code: agency code, yymmdd, 4-digit daily sequence,
# e.g. 000.00.12.H23-261122-0007 (Thông tư 03/2025/TT-VPCP).
_DOSSIER_RE = re.compile(r"^[0-9A-Z.]+-\d{6}-(\d{4})$")
# A ticket display: letters and ASCII digit runs, optionally separated by - . space.
_TICKET_TOKEN_RE = re.compile(r"(?P<letters>[^\W\d_]+)|(?P<digits>[0-9]+)|(?P<sep>[\s.\-]+)|(?P<bad>.)")


def _dialect_words(dialect: str) -> tuple[str, str]:
    try:
        return _DIALECT_WORDS[dialect]
    except KeyError:
        raise ValueError(f"dialect must be 'north' or 'south', not {dialect!r}") from None


def _check_range(n: int) -> None:
    # bool is an int subclass; True is not a ticket number.
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"number must be an int, not {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range 0–{MAX_NUMBER}: {n}")


def _tens_and_units(tens: int, units: int, connector: str, after_hundreds: bool) -> list[str]:
    """Words for the last two digits of a group (may be empty)."""
    if tens == 0:
        if units == 0:
            return []
        # "linh/lẻ" only when something (a hundred) comes before: 105, not 5.
        return [connector, DIGITS[units]] if after_hundreds else [DIGITS[units]]
    if tens == 1:
        words = ["mười"]
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])  # mười một, mười bốn: no mốt/tư after mười
        return words
    words = [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 4:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group_words(n: int, connector: str, full: bool) -> list[str]:
    """Words for 0 < n < 1000. ``full`` reads a zero hundreds digit ("không trăm")."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    words += _tens_and_units(tens, units, connector, after_hundreds=bool(words))
    return words


def number_words(n: int, *, dialect: str = "north", digit_by_digit: bool = False) -> str:
    """Read ``n`` (0–999 999) in Vietnamese words.

    >>> number_words(1023)
    'một nghìn không trăm hai mươi ba'
    >>> number_words(105, dialect="south")
    'một trăm lẻ năm'
    >>> number_words(1023, digit_by_digit=True)
    'một không hai ba'

    Raises ``ValueError`` outside the range or for an unknown dialect.
    """
    _check_range(n)
    thousand, connector = _dialect_words(dialect)
    if digit_by_digit:
        return " ".join(DIGITS[int(d)] for d in str(n))
    if n == 0:
        return DIGITS[0]
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += _group_words(thousands, connector, full=False) + [thousand]
    if rest:
        words += _group_words(rest, connector, full=bool(thousands))
    return " ".join(words)


def _digit_string_words(digits: str, dialect: str, digit_by_digit: bool) -> str:
    """A run of digits as shown: as a number (leading zeros dropped) or digit by digit (all kept)."""
    _dialect_words(dialect)
    if digit_by_digit:
        return " ".join(DIGITS[int(d)] for d in digits)
    return number_words(int(digits), dialect=dialect)


def letter_words(letters: str) -> str:
    """Spoken names of the letters, e.g. ``"AB"`` → ``"a bê"``."""
    names = []
    for ch in letters.upper():
        try:
            names.append(LETTER_NAMES[ch])
        except KeyError:
            raise ValueError(f"no spoken name for letter {ch!r}") from None
    return " ".join(names)


def ticket_words(display: str, *, dialect: str = "north", digit_by_digit: bool = False) -> str:
    """Read a ticket's display form: ``"A023"`` → ``"a hai mươi ba"``.

    Letters are read by their Vietnamese names (B "bê", L "e-lờ", Y "i dài" …),
    digit runs as numbers with leading zeros dropped. With
    ``digit_by_digit=True`` every shown digit is read, zeros included
    (``"A023"`` → ``"a không hai ba"``), matching what the board shows.
    Separators ``-``, ``.`` and spaces are ignored. Raises ``ValueError`` for
    an empty or unreadable display.
    """
    text = display.strip() if isinstance(display, str) else ""
    parts = []
    for match in _TICKET_TOKEN_RE.finditer(text):
        if match.group("bad") is not None:
            raise ValueError(f"not a ticket number: {display!r}")
        if (digits := match.group("digits")) is not None:
            if not digit_by_digit and int(digits) > MAX_NUMBER:
                raise ValueError(f"ticket number too large to read as a number: {display!r}")
            parts.append(_digit_string_words(digits, dialect, digit_by_digit))
        elif (letters := match.group("letters")) is not None:
            parts.append(letter_words(letters))
    if not parts:
        raise ValueError(f"not a ticket number: {display!r}")
    return " ".join(parts)


def dossier_short_number(code: str) -> str:
    """The 4-digit daily sequence of a dossier code (``…-261122-0007`` → ``"0007"``)."""
    match = _DOSSIER_RE.match(code.strip().upper()) if isinstance(code, str) else None
    if not match:
        raise ValueError(f"not a dossier code (agency-yymmdd-NNNN): {code!r}")
    return match.group(1)


def dossier_words(code: str, *, dialect: str = "north", digit_by_digit: bool = False) -> str:
    """Read a dossier code's short number, the final daily sequence.

    ``"000.00.12.H23-261122-0007"`` → ``"bảy"``; with ``digit_by_digit=True``
    → ``"không không không bảy"``. The agency part and the date are not read:
    the receipt prints the short number large, and a sentence of 20 digits is
    not something a waiting citizen can follow. Raises ``ValueError`` if the
    code does not look like ``agency-yymmdd-NNNN``.
    """
    return _digit_string_words(dossier_short_number(code), dialect, digit_by_digit)
