"""The booking code: what the citizen is shown, what the QR holds, what the kiosk reads back.

``LH`` and eight characters from an alphabet without vowels, ``D`` or ``W``: a scanner in keyboard
mode with a Vietnamese input method (Telex, VNI) left on turns vowels plus tone keys into accented
letters and ``dd``/``w`` into đ/ư, so a code without them survives the trip unchanged. About 34
bits of randomness: with the rate limits, not guessable.
"""
from __future__ import annotations

import re
import secrets
import unicodedata

PREFIX = "LH"
ALPHABET = "23456789BCGHKMNPQTVZ"
LENGTH = 8
CODE_RE = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s\-_.]")


def new_code() -> str:
    """A fresh random booking code, e.g. ``LHBC4K7M2Q`` (uniqueness is the table's constraint)."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def pretty(code: str) -> str:
    """The code as people read it: ``LH-BC4K-7M2Q``."""
    return f"{code[:2]}-{code[2:6]}-{code[6:]}" if CODE_RE.match(code) else code


def normalise_code(text: str) -> str | None:
    """The booking code in ``text`` (typed, scanned, with dashes or spaces, any case, diacritics a
    keyboard-mode scanner added), or None when it is not one."""
    plain = unicodedata.normalize("NFD", str(text or "")[:64].replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    candidate = _SEPARATORS.sub("", plain).upper()
    return candidate if CODE_RE.match(candidate) else None


__all__ = ["ALPHABET", "CODE_RE", "PREFIX", "new_code", "normalise_code", "pretty"]
