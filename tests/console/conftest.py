"""Console fixtures: the demo center's procedures and console log-in helpers (the live server
and browser are in tests/conftest.py)."""
from __future__ import annotations

import re

import pytest

from server.demo_procedures import seed_demo_procedures
from tests.conftest import DEMO_PASSWORD

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
