"""Browser-test helpers: a real server process over a copy of a test database, and Debian's
chromium through Playwright. Screenshots go to test-artifacts/ (git-ignored)."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.server_process import ServerProcess
from tests.support.services import free_port

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def need_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing and CI requires the browser tests")
        pytest.skip(f"{CHROMIUM} is not installed")


@contextmanager
def running_server(db_file: Path, tmp_path: Path, **env: str):
    """``python run.py serve`` over a copy of ``db_file``; yields the ServerProcess."""
    target = tmp_path / "served.sqlite3"
    shutil.copyfile(db_file, target)
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    server = ServerProcess(free_port(), {"DATABASE_URL": f"sqlite:///{target}", "MOTCUA_INSTANCE": str(instance),
                                         "SECRET_KEY": "browser-test-secret", "RATE_LIMIT_ENABLED": "0", **env},
                           tmp_path / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium(viewport=(1366, 900)):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="vi-VN")
            yield context
        finally:
            browser.close()


def run_browser(scenario, viewport=(1366, 900)):
    """Run ``scenario(context)`` with a fresh chromium in a thread of its own.

    Why a thread: other suites keep a session-wide Playwright (sync API) open on the main
    thread, and a second sync Playwright cannot start where one is already running."""
    need_chromium()
    from concurrent.futures import ThreadPoolExecutor

    def run():
        with chromium(viewport) as context:
            return scenario(context)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def shot(page, name: str, full_page: bool = False) -> Path:
    folder = ARTIFACTS / "admin"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def admin_login(page, base: str, username: str = "admin", password: str | None = None, next_path: str = "") -> None:
    from tests.support.demo import DEMO_PASSWORD

    # The target is quoted whole: its own query (e.g. a report's period and date) must survive the log-in.
    page.goto(f"{base}/admin/login" + (f"?next={quote(next_path, safe='/')}" if next_path else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
