"""Signing in at the console and sitting down at a counter, as a browser's forms would."""
from __future__ import annotations

import re

from tests.support.demo import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_csrf(client, path: str = "/console/login") -> str:
    """The CSRF token a console form carries (what a browser would send back)."""
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def console_login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/console/login", data={"csrf_token": form_csrf(client), "username": username, "password": password})


def sit_at(client, counter_id: int, *, force: bool = False):
    data = {"csrf_token": form_csrf(client, "/console/counter"), "counter_id": str(counter_id)}
    if force:
        data["force"] = "1"
    return client.post("/console/counter", data=data)
