"""Debian's chromium driven by Playwright, shared by every browser test.

One sync Playwright per test session: a second one cannot start on a thread where one
is running, so suites must not each open their own (use the ``playwright`` and
``browser`` fixtures of tests/support/fixtures/browser.py)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The flags a center's unattended kiosk or TV runs with; never a downloaded browser.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]


def need_chromium() -> None:
    """Skip (with the reason) where chromium is missing, but fail under CI, which must run browser tests."""
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing and CI requires the browser tests")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def forms_of(value: str) -> set[str]:
    """A value as it may travel: plain, or JSON-escaped (\\u1ec5 for ễ)."""
    return {value, json.dumps(value)[1:-1]}


class Recorder:
    """Everything a page received, for the privacy walks: its HTTP responses' text and its websocket frames."""

    def __init__(self, page) -> None:
        self.responses: list = []
        self.frames: list[str] = []
        page.on("response", lambda response: self.responses.append(response))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.frames.append(str(payload))))

    def texts(self) -> list[tuple[str, str]]:
        """(where, text) of every websocket frame and every textual response (pages, scripts, JSON, error pages)."""
        out = [(f"ws frame {i}", frame) for i, frame in enumerate(self.frames)]
        for response in self.responses:
            kind = response.headers.get("content-type", "")
            if any(t in kind for t in ("json", "text", "javascript")):
                try:
                    out.append((response.url, response.text()))
                except Exception:  # noqa: BLE001 - a redirect or an evicted body has nothing to read
                    continue
        return out

    def holding(self, secret: str) -> list[str]:
        """Where ``secret`` came back, as sent or JSON-escaped."""
        return [where for where, _value in leaks(self.texts(), (secret,))]


def leaks(texts: list[tuple[str, str]], personal: tuple[str, ...]) -> list[tuple[str, str]]:
    """(where, value) for every personal value, in any of its travelling forms, found in ``texts``."""
    return [(where, value) for where, text in texts for item in personal for value in forms_of(item) if value in text]
