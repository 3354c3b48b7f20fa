"""Kiosk fixtures: registered kiosk devices, a live server for the browser, Playwright + Debian chromium."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server.domain.accounts import register_device
from tests.conftest import free_port
from tests.support.browser import ARTIFACTS


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


class LiveServer:
    """The app served by werkzeug (threads, websockets) on 127.0.0.1 for a browser."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
