"""Announcement text: templates per kind, Vietnamese first, English optional.

Templates are plain ``str.format`` strings with exactly two placeholders,
``{number}`` and ``{counter}``. A center may override them; anything else in
braces is refused with ``ValueError`` (this also stops ``{number.__class__}``
style lookups). There is no name input anywhere: an announcement never says
who the citizen is.
"""
from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import NamedTuple

from .numbers import (
    MAX_NUMBER,
    dossier_short_number,
    dossier_words,
    number_words,
    ticket_words,
)

__all__ = [
    "DEFAULT_TEMPLATES",
    "KINDS",
    "PLACEHOLDERS",
    "Segment",
    "announcement_segments",
    "announcement_text",
    "compose",
    "compose_segments",
    "spoken_counter",
    "spoken_number",
    "validate_template",
    "validate_templates",
    "words_for_text",
]

PLACEHOLDERS = frozenset({"number", "counter"})

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "call": {
        "vi": "Xin mời công dân có số thứ tự {number} đến quầy số {counter}",
        "en": "Ticket number {number}, please go to counter {counter}",
    },
    "recall": {
        "vi": "Xin nhắc lại, mời công dân có số thứ tự {number} đến quầy số {counter}",
        "en": "Once again, ticket number {number}, please go to counter {counter}",
    },
    # A result pickup is called by the number on the citizen's pickup ticket (8001), never by
    # the dossier's daily sequence (0001): that is what they hold, and it does not repeat daily.
    "pickup": {
        "vi": "Xin mời công dân có số thứ tự {number} đến quầy số {counter} nhận kết quả",
        "en": "Ticket number {number}, please go to counter {counter} to collect your result",
    },
}
KINDS = tuple(DEFAULT_TEMPLATES)


class Segment(NamedTuple):
    """A piece of text spoken in one language (``"vi"`` or ``"en"``)."""

    text: str
    lang: str = "vi"


def validate_template(template: str) -> str:
    """Return ``template`` if it only uses ``{number}`` and ``{counter}``; else ``ValueError``."""
    if not isinstance(template, str) or not template.strip():
        raise ValueError("an announcement template must be a non-empty string")
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as error:  # unbalanced braces
        raise ValueError(f"bad announcement template {template!r}: {error}") from None
    for _literal, field, spec, conversion in fields:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise ValueError(
                f"unknown placeholder {{{field}}} in template {template!r}; "
                f"allowed: {{number}} and {{counter}}"
            )
    return template


def _templates_for(kind: str, templates: Mapping | None) -> dict[str, str]:
    """Defaults for ``kind`` overlaid with a center's override (a str = the Vietnamese text)."""
    if kind not in DEFAULT_TEMPLATES:
        raise ValueError(f"unknown announcement kind {kind!r}; known: {', '.join(KINDS)}")
    merged = dict(DEFAULT_TEMPLATES[kind])
    override = (templates or {}).get(kind)
    if isinstance(override, str):
        merged["vi"] = override
    elif isinstance(override, Mapping):
        unknown = set(override) - {"vi", "en"}
        if unknown:
            raise ValueError(f"template languages must be 'vi' or 'en', not {sorted(unknown)}")
        merged.update(override)
    elif override is not None:
        raise ValueError(f"template for {kind!r} must be a string or a {{'vi','en'}} mapping")
    return {lang: validate_template(text) for lang, text in merged.items()}


def validate_templates(templates: Mapping) -> None:
    """Check a center's whole override mapping (for its settings form). Raises ``ValueError``."""
    unknown = set(templates) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown announcement kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    for kind in templates:
        _templates_for(kind, templates)


def compose_segments(
    kind: str,
    *,
    number_spoken: str,
    counter_spoken: str,
    templates: Mapping | None = None,
    english: str | None = None,
    english_counter: str | None = None,
) -> list[Segment]:
    """Like :func:`compose` but keeps the languages apart so each gets its own voice."""
    chosen = _templates_for(kind, templates)
    segments = [Segment(chosen["vi"].format(number=number_spoken, counter=counter_spoken), "vi")]
    if english is not None:
        if english_counter is None:
            raise ValueError("english_counter is needed with english (e.g. '3')")
        segments.append(Segment(chosen["en"].format(number=english, counter=english_counter), "en"))
    return segments


def compose(
    kind: str,
    *,
    number_spoken: str,
    counter_spoken: str,
    templates: Mapping | None = None,
    english: str | None = None,
    english_counter: str | None = None,
) -> str:
    """Fill the template for ``kind`` ("call", "recall", "pickup").

    ``number_spoken``/``counter_spoken`` are already words ("a hai mươi ba",
    "ba"). If ``english`` (the number as English text, e.g. ``"A 23"``) is
    given, the English sentence follows, with ``english_counter`` (``"3"``).
    Raises ``ValueError`` for an unknown kind or placeholder.
    """
    segments = compose_segments(
        kind,
        number_spoken=number_spoken,
        counter_spoken=counter_spoken,
        templates=templates,
        english=english,
        english_counter=english_counter,
    )
    return ". ".join(segment.text for segment in segments)


def _is_dossier_code(text: str) -> bool:
    try:
        dossier_short_number(text)
    except ValueError:
        return False
    return True


def spoken_number(ticket_or_code: str | int, *, dialect: str = "north", digit_by_digit: bool = False) -> str:
    """Words for a ticket display ("A023"), a plain number, or a dossier code."""
    if isinstance(ticket_or_code, int):
        return number_words(ticket_or_code, dialect=dialect, digit_by_digit=digit_by_digit)
    if _is_dossier_code(ticket_or_code):
        return dossier_words(ticket_or_code, dialect=dialect, digit_by_digit=digit_by_digit)
    return ticket_words(ticket_or_code, dialect=dialect, digit_by_digit=digit_by_digit)


def spoken_counter(counter: int | str, *, dialect: str = "north") -> str:
    """Words for a counter number: 3 → "ba", "12" → "mười hai", "B2" → "bê hai"."""
    if isinstance(counter, int):
        return number_words(counter, dialect=dialect)
    return ticket_words(str(counter), dialect=dialect)


def _english_number(ticket_or_code: str | int) -> str:
    """The number as English TTS should read it: "A023" → "A 23", "8001" → "8001"."""
    if isinstance(ticket_or_code, int):
        return str(ticket_or_code)
    parts = re.findall(r"[^\W\d_]+|[0-9]+", ticket_or_code)
    return " ".join(str(int(p)) if p.isdigit() else p.upper() for p in parts)


def announcement_segments(
    kind: str,
    ticket_display_or_code: str | int,
    counter_number: int | str,
    *,
    dialect: str = "north",
    digit_by_digit: bool = False,
    templates: Mapping | None = None,
    include_english: bool = False,
) -> list[Segment]:
    """The announcement as language segments, ready for :class:`audio.Synthesizer`.

    ``ticket_display_or_code`` is the called ticket's number for every kind, a result pickup
    included. A dossier code is refused with ``ValueError``: its short number (0001) is not
    the number the citizen holds, and it repeats every day.
    """
    if not isinstance(ticket_display_or_code, int) and _is_dossier_code(ticket_display_or_code):
        raise ValueError(
            f"{kind!r} is called by the ticket's number, not by the dossier code {ticket_display_or_code!r}"
        )
    english = _english_number(ticket_display_or_code) if include_english else None
    return compose_segments(
        kind,
        number_spoken=spoken_number(ticket_display_or_code, dialect=dialect, digit_by_digit=digit_by_digit),
        counter_spoken=spoken_counter(counter_number, dialect=dialect),
        templates=templates,
        english=english,
        english_counter=_english_number(counter_number) if include_english else None,
    )


def announcement_text(
    kind: str,
    ticket_display_or_code: str | int,
    counter_number: int | str,
    *,
    dialect: str = "north",
    digit_by_digit: bool = False,
    templates: Mapping | None = None,
    include_english: bool = False,
) -> str:
    """The full announcement sentence with numbers already in words.

    >>> announcement_text("call", "A023", 3)
    'Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba'

    A result pickup says the pickup ticket's number too:

    >>> announcement_text("pickup", "8001", 7)
    'Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả'
    """
    segments = announcement_segments(
        kind,
        ticket_display_or_code,
        counter_number,
        dialect=dialect,
        digit_by_digit=digit_by_digit,
        templates=templates,
        include_english=include_english,
    )
    return ". ".join(segment.text for segment in segments)


# Free text: a dossier code, a ticket like A023 (capital letters glued to
# digits), or a bare digit run. Lower-case words are left alone.
_FREE_TEXT_NUMBER_RE = re.compile(
    r"(?<![\w.])(?:[0-9A-Z.]+-\d{6}-\d{4}|[A-ZĐ]{1,3}\d+|\d+)(?![\w])"
)


def words_for_text(text: str, *, dialect: str = "north", digit_by_digit: bool = False) -> str:
    """Replace numbers in free text by Vietnamese words, for ``run.py say "…"``.

    "Xin mời công dân có số thứ tự 1023 đến quầy số 3" →
    "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba".
    Tickets such as "A023" are read like in announcements, dossier codes by their daily sequence;
    numbers above 999 999 are read digit by digit.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.isdigit() and int(token) > MAX_NUMBER:
            return ticket_words(token, dialect=dialect, digit_by_digit=True)
        return spoken_number(token, dialect=dialect, digit_by_digit=digit_by_digit)

    return _FREE_TEXT_NUMBER_RE.sub(replace, text)
