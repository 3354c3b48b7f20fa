"""Pairing in real chromium: a fresh TV opens the bare board address, a fresh tablet opens /pair;
each shows a 6-digit code; the admin types it on Devices; each page turns into its role by itself
and stays so after a reload. Screenshots: test-artifacts/devices/."""
from __future__ import annotations

import pytest

from tests.support.devices_browser import admin_page

pytestmark = pytest.mark.browser
WAIT = 15000


def shown_code(page) -> str:
    page.wait_for_selector("#pair-code", state="visible", timeout=WAIT)
    code = page.get_attribute("#pair-code", "data-code")
    assert code and len(code) == 6 and code.isdigit()
    return code


def pair(page, code: str, kind: str, name: str, counter: str | None = None) -> None:
    page.fill("#pair-code-input", f"{code[:3]} {code[3:]}")
    page.select_option("#pair-kind", kind)
    if counter:
        page.select_option("#pair-counter", label=counter)
    page.fill("#pair-form input[name=name]", name)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector(f"#devices td:has-text('{name}')", timeout=WAIT)


def test_a_fresh_tv_and_a_fresh_kiosk_become_board_and_kiosk_when_the_admin_types_their_codes(browser, live_server, artifacts):
    out = artifacts / "devices"
    out.mkdir(exist_ok=True)
    tv_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    kiosk_context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    admin_context, admin = admin_page(browser, live_server)
    try:
        tv = tv_context.new_page()
        tv.goto(f"{live_server.url}/display/board")  # the bare board address, no token
        tv_code = shown_code(tv)
        assert "chưa được đăng ký" in tv.inner_text("#view-setup")
        tv.screenshot(path=str(out / "pair-on-board.png"))

        kiosk = kiosk_context.new_page()
        kiosk.goto(f"{live_server.url}/pair")
        kiosk_code = shown_code(kiosk)
        assert kiosk_code != tv_code
        kiosk.screenshot(path=str(out / "pair-page.png"))
        # A reload shows the same code until it expires (the TV may be restarted by the IT officer).
        kiosk.reload()
        assert shown_code(kiosk) == kiosk_code

        admin.fill("#pair-code-input", tv_code)
        admin.select_option("#pair-kind", "display")
        admin.fill("#pair-form input[name=name]", "TV sảnh chính")
        admin.locator("#pair-card").screenshot(path=str(out / "admin-pair-form.png"))
        admin.click("#pair-form button[type=submit]")
        admin.wait_for_selector("#devices td:has-text('TV sảnh chính')", timeout=WAIT)

        # The TV turns into the board by itself, within a couple of seconds.
        tv.wait_for_selector("#view-main", state="visible", timeout=5000)
        assert tv.url.endswith("/display/board")
        assert "Hoàn Kiếm" in tv.inner_text("#center-name")
        tv.reload()
        tv.wait_for_selector("#view-main", state="visible", timeout=WAIT)
        assert "device=" not in tv.url
        tv.screenshot(path=str(out / "paired-board.png"))

        pair(admin, kiosk_code, "kiosk", "Kiosk tầng 1")
        kiosk.wait_for_selector("#view-home:not([hidden]) .svc[data-code='TPHT']", timeout=5000)
        assert kiosk.url.endswith("/kiosk/")
        kiosk.goto(f"{live_server.url}/kiosk/")
        kiosk.wait_for_selector("#view-home:not([hidden]) .svc[data-code='TPHT']", timeout=WAIT)
        kiosk.screenshot(path=str(out / "paired-kiosk.png"))
        admin.screenshot(path=str(out / "admin-devices.png"), full_page=True)
    finally:
        tv_context.close()
        kiosk_context.close()
        admin_context.close()


def test_a_counter_screen_opened_bare_pairs_to_the_counter_the_admin_picks(browser, live_server):
    screen_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    admin_context, admin = admin_page(browser, live_server)
    try:
        screen = screen_context.new_page()
        screen.goto(f"{live_server.url}/display/counter/1")
        code = shown_code(screen)
        pair(admin, code, "counter_screen", "Màn hình quầy 3", counter="Quầy 3 – Đất đai")
        screen.wait_for_url("**/display/counter/3", timeout=5000)
        screen.wait_for_selector("#view-main", state="visible", timeout=WAIT)
        assert screen.inner_text("#counter-number") == "3"
    finally:
        screen_context.close()
        admin_context.close()
