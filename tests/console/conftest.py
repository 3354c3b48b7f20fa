"""Console fixtures: the demo center's procedures, a live server for the browser, Debian chromium via Playwright."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server.domain.dossiers import seed_demo_procedures
from tests.conftest import DEMO_PASSWORD, free_port

from tests.support.browser import ARTIFACTS
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def procedures(app) -> None:
    with app.extensions["motcua"].db.write() as s:
        seed_demo_procedures(s, 1)


def form_csrf(client, path: str = "/console/login") -> str:
    """The CSRF token a console form carries (what a browser would send back)."""
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def console_login(client, username: str, password: str = DEMO_PASSWORD):  # noqa: ANN201
    return client.post("/console/login", data={"csrf_token": form_csrf(client), "username": username, "password": password})


def sit_at(client, counter_id: int, *, force: bool = False):  # noqa: ANN201
    data = {"csrf_token": form_csrf(client, "/console/counter"), "counter_id": str(counter_id)}
    if force:
        data["force"] = "1"
    return client.post("/console/counter", data=data)


class LiveServer:
    """The app served by werkzeug (threads, websockets) on 127.0.0.1 for a browser."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="console-live-server", daemon=True)

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
