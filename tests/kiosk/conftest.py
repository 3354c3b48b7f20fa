"""Kiosk fixtures: registered kiosk devices (the live server and browser are in tests/conftest.py)."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from server.domain.accounts import register_device


@pytest.fixture
def make_device(app) -> Callable[..., str]:
    """Register a device of the demo center; returns its token."""

    def make(kind: str = "kiosk", *, printer_url: str | None = None, name: str = "Kiosk thử", center_id: int = 1, config: dict | None = None) -> str:
        with app.extensions["motcua"].db.write() as s:
            _device, token = register_device(s, center_id, kind, name, printer_url=printer_url, config=config)
        return token

    return make


@pytest.fixture
def kiosk_token(make_device) -> str:
    """A screen-only kiosk of the demo center."""
    return make_device()
