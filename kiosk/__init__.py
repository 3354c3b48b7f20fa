"""Kiosk pages: the touch kiosk (``/kiosk/``), the ticket's phone page (``/t/<token>``) and
ticket previews. The JSON the pages call lives in ``server/web/api/kiosk.py``.

``ensure_demo_kiosk(session, center_id) -> token`` registers the demo center's kiosk.
"""
from __future__ import annotations

from typing import Any


def ensure_demo_kiosk(session: Any, center_id: int) -> str:
    """Register (once) the demo kiosk of a center and return its device token; see :mod:`kiosk.demo`."""
    from kiosk.demo import ensure_demo_kiosk as ensure

    return ensure(session, center_id)


__all__ = ["ensure_demo_kiosk"]
