"""What any input must be before it reaches a rule or the database (plain Python, no Flask).

One place for the shape rules every entry point shares: the JSON body parser and the schemas
of the API, the console and admin forms, the import of a center file, the Socket.IO handshake.

- A whole number is a whole number: ``1.9999``, ``1.5``, ``"1"`` and ``true`` are not ids. Python's
  ``int()`` truncates floats and reads ``" 1 "``, ``"+1"``, ``"1_0"`` or ``"١"`` (an Arabic-Indic
  one), so every id goes through :func:`strict_int` (a JSON value) or :func:`int_from_text`
  (a query string, path or form field, which is always text).
- Text the database cannot store is refused before it gets there: PostgreSQL rejects the NUL
  character in any text value (SQLite accepts it, so a 500 showed only on PostgreSQL), and a lone
  UTF-16 surrogate (``"\\ud800"`` in a JSON string) cannot be encoded as UTF-8 by either driver.
- JSON nests at most :data:`MAX_JSON_DEPTH` levels: our documents need fewer than ten, and
  Python's parser (and anything walking the result) recurses once per level.
"""
from __future__ import annotations

import re
from typing import Any

from server.domain.errors import DomainError

MAX_JSON_DEPTH = 32
# Ids and counts are 32-bit database integers; a larger number names nothing that exists.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_DIGITS = re.compile(r"-?[0-9]{1,10}")


def unstorable(text: str) -> bool:
    """True when ``text`` holds a character no database driver of ours can store (NUL, lone surrogate)."""
    return _UNSTORABLE.search(text) is not None


def invalid_input(message_vi: str, message_en: str, **details: Any) -> DomainError:
    """The one 400 ``invalid_input`` refusal for malformed input."""
    return DomainError("invalid_input", message_vi, message_en, status=400, **details)


def bad_text_error(where: str) -> DomainError:
    """``where`` (a field name, "query", "form"…) held a NUL or an unpaired surrogate."""
    return invalid_input("Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL hoặc mã hoá hỏng).",
                         "The input holds a character that is not allowed (NUL or broken encoding).", field=where)


def too_deep_error() -> DomainError:
    return invalid_input(f"Dữ liệu JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} tầng).",
                         f"The JSON document nests too deeply (at most {MAX_JSON_DEPTH} levels).")


def check_json_value(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse (``invalid_input``) a parsed JSON/YAML value nested deeper than ``max_depth`` or
    holding a key or text that cannot be stored. Walked without recursion, so any depth is safe,
    and without visiting numbers one by one (a 4 MB array of them takes a fraction of a second)."""
    if isinstance(value, str):
        if unstorable(value):
            raise bad_text_error("body")
        return
    if not isinstance(value, (dict, list, tuple)):
        return
    # (container, its depth, the top-level field it sits under: named in the refusal)
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, field = stack.pop()
        if depth >= max_depth:
            raise too_deep_error()
        if isinstance(item, dict):
            for key, child in item.items():
                name = str(key) if depth == 0 else field
                if isinstance(key, str) and unstorable(key):
                    raise bad_text_error(field or "body")
                _check_child(stack, child, depth, name)
        else:
            for child in item:
                _check_child(stack, child, depth, field)


def _check_child(stack: list[tuple[Any, int, str]], child: Any, depth: int, field: str) -> None:
    if isinstance(child, str):
        if unstorable(child):
            raise bad_text_error(field or "body")
    elif isinstance(child, (dict, list, tuple)):
        stack.append((child, depth + 1, field))


def strict_int(value: Any) -> int:
    """``value`` if it is a whole number as JSON sends one (a Python ``int``, not a ``bool``);
    otherwise ``ValueError``. ``1.0``, ``1.5``, ``"1"`` and ``True`` are refused, never truncated."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not an integer: {value!r}")
    return value


def int_from_text(text: Any) -> int:
    """A whole number written in ASCII digits (an optional leading ``-``, at most ten digits), as
    query strings, paths and form fields carry one; otherwise ``ValueError``. Refuses ``"1.5"``,
    ``" 1"``, ``"+1"``, ``"1_0"``, ``"1e3"`` and non-ASCII digits."""
    if isinstance(text, bool):
        raise ValueError(f"not an integer: {text!r}")
    if isinstance(text, int):
        return text
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def id_from_text(text: Any) -> int | None:
    """A database id from a form or query field, or ``None`` when the text is no id at all
    (empty, not ASCII digits, zero or negative, beyond 32 bits): the caller answers "not found"
    or "choose one", never a 500 from the database."""
    try:
        number = int_from_text(text)
    except ValueError:
        return None
    return number if 1 <= number <= MAX_INT else None
