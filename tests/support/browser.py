"""Debian's chromium driven by Playwright, shared by every browser test.

One sync Playwright per test session: a second one cannot start on a thread where one
is running, so suites must not each open their own (use the ``playwright`` and
``browser`` fixtures of tests/support/fixtures/browser.py)."""
from __future__ import annotations

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
