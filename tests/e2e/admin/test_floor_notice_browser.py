"""The supervisor's notice to everyone waiting, in real browsers against a real server: posted from
the live dashboard, it appears on an open phone page of a waiting ticket and on the call board
without a reload; cleared, it goes from both. Screenshots go to the test artifacts (and /tmp/shots-C)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.models import Service
from tests.support.admin_browser import admin_login
from tests.support.demo import update

pytestmark = pytest.mark.browser

NOTICE = "Mạng của tỉnh đang gián đoạn, dự kiến 15 phút. Xin công dân vui lòng chờ."
NOTICE_EN = "The province's network is down, about 15 minutes. Please wait."
SHOTS = Path("/tmp/shots-C")


def keep(page, artifacts: Path, name: str, full_page: bool = False) -> None:
    path = artifacts / f"floor-notice-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SHOTS / path.name)


def test_a_notice_posted_on_the_dashboard_reaches_a_waiting_phone_and_the_board_without_reload(
    browser, live_server, app, db, clock, artifacts
):
    core = app.extensions["motcua"]
    justice = core.queue.center_snapshot(1)["services"][0]["id"]
    update(db, Service, justice, wait_target_minutes=15)  # the dashboard shows the target column filled
    ticket = core.queue.issue_ticket(1, justice)
    base = live_server.url

    phone_context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="vi-VN")
    board_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    admin_context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        phone = phone_context.new_page()
        phone.set_default_timeout(15000)
        phone.goto(f"{base}/t/{ticket['token']}")
        phone.wait_for_selector("#live.on")
        assert phone.locator("#floor-notice").is_hidden()

        board = board_context.new_page()
        board.set_default_timeout(15000)
        board.goto(f"{base}/display/board?center=1")
        board.wait_for_selector("body[data-online='true']")
        assert board.locator("#floor-notice").is_hidden()

        dashboard = admin_context.new_page()
        dashboard.set_default_timeout(15000)
        admin_login(dashboard, base, username="giamsat", next_path="/admin/c/1/")
        dashboard.wait_for_selector("#live-dot.on")
        dashboard.fill("#floor-text-vi", NOTICE)
        dashboard.fill("#floor-text-en", NOTICE_EN)
        dashboard.fill("#floor-expires", "60")
        dashboard.click("#floor-post")

        phone.wait_for_selector("#floor-notice:visible", timeout=5000)
        assert phone.inner_text("#floor-notice-vi") == NOTICE and phone.inner_text("#floor-notice-en") == NOTICE_EN
        board.wait_for_selector("#floor-notice:visible", timeout=5000)
        assert board.inner_text("#floor-notice-vi") == NOTICE
        dashboard.wait_for_selector("#floor-current.on", timeout=5000)
        assert NOTICE in dashboard.inner_text("#floor-current")

        # Meanwhile the ticket waits past its service's 15-minute target: the upkeep's check raises the
        # alert, and the dashboard shows the row in red and the alert, without a reload.
        dashboard.check("#target-sound")  # the supervisor wants the chime (remembered in this browser)
        assert dashboard.get_attribute("body", "data-chimed") == "1"  # a test chime as it is ticked
        clock.advance(minutes=20)
        assert core.levels.check()["raised"] == [justice]
        dashboard.wait_for_selector(f"tr.over-target[data-service-id='{justice}']", timeout=5000)
        assert "vượt chỉ tiêu 15 phút" in dashboard.inner_text("#alerts")
        dashboard.wait_for_selector("body[data-chimed='2']", timeout=5000)  # the new alert rang
        assert dashboard.evaluate("localStorage.getItem('motcua.dashboard.targetSound')") == "1"
        keep(phone, artifacts, "phone", full_page=True)
        keep(board, artifacts, "board")
        keep(dashboard, artifacts, "dashboard", full_page=True)

        # A reloaded phone page gets it from its snapshot.
        phone.reload()
        phone.wait_for_selector("#floor-notice:visible", timeout=5000)

        dashboard.click("#floor-clear")
        phone.wait_for_selector("#floor-notice", state="hidden", timeout=5000)
        board.wait_for_selector("#floor-notice", state="hidden", timeout=5000)
    finally:
        for context in (phone_context, board_context, admin_context):
            context.close()
