"""Printing fixtures: registered kiosks with a printer."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from server.domain.accounts import register_device


@pytest.fixture
def make_device(app) -> Callable[..., str]:
    """Register a device of the demo center; returns its token."""

    def make(kind: str = "kiosk", *, printer_url: str | None = None, name: str = "Kiosk sảnh A", center_id: int = 1) -> str:
        with app.extensions["motcua"].db.write() as s:
            _device, token = register_device(s, center_id, kind, name, printer_url=printer_url)
        return token

    return make
