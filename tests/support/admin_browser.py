"""Browser-test helpers for the admin and report pages: a real server process over a copy of a test
database, a fresh context of the session's one chromium. Screenshots go to test-artifacts/ (git-ignored)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tests.support.server_process import ServerProcess
from tests.support.services import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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


def run_browser(browser, scenario, viewport=(1366, 900)):
    """Run ``scenario(context)`` in a fresh context of the session's one chromium (the ``browser``
    fixture): its own cookies and viewport, closed afterwards. One browser for the whole run: a
    second chromium launched per test was a second process that could die at start under load."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="vi-VN")
    try:
        return scenario(context)
    finally:
        context.close()


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
