"""Sign-in throttle in a real browser (Debian chromium through Playwright): a clerk who keeps
typing a wrong password on the console login page keeps their username in the field, then is told
in Vietnamese and English how long to wait; after the wait the right password lets them in. The
supervisor's dashboard counts the failures. Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest

from tests.support.demo import DEMO_PASSWORD, login

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


def test_console_login_after_a_throttled_attempt(browser, live_server, clock, artifacts):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/console/login")
        page.fill("#username", "quay1")
        for _ in range(5):
            page.fill("#password", "sai-mat-khau")
            page.click("#login-submit")
            page.wait_for_selector("#login-error")
            # The username stays; the cursor waits in the password field for the next try.
            assert page.input_value("#username") == "quay1" and page.input_value("#password") == ""
            assert page.evaluate("document.activeElement.id") == "password"
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#login-error")
        error = page.inner_text("#login-error")
        assert "Đăng nhập sai nhiều lần. Vui lòng thử lại sau 1 giây." in error
        assert "Too many failed sign-ins. Please try again in 1 second." in error
        assert page.input_value("#username") == "quay1"
        page.screenshot(path=str(artifacts / "signin-console-throttled.png"), full_page=True)

        clock.advance(seconds=1)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("button[data-counter='1']")
    finally:
        context.close()


def test_admin_login_and_dashboard_show_the_throttle(browser, live_server, app, clock, artifacts):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/admin/login")
        page.fill("#username", "giamsat")
        for _ in range(6):
            page.fill("#password", "sai-mat-khau")
            page.click("button[type=submit]")
            page.wait_for_selector("#login-error")
        assert "Vui lòng thử lại sau 1 giây." in page.inner_text("#login-error")
        assert page.input_value("#username") == "giamsat"
        page.screenshot(path=str(artifacts / "signin-admin-throttled.png"), full_page=True)

        # Another supervisor's session, so the dashboard is read while giamsat is still locked.
        client = app.test_client()
        login(client, "admin")
        cookie = client.get_cookie("session")
        context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])
        page.goto(f"{live_server.url}/admin/c/1/")
        page.wait_for_selector("#signin-stats")
        assert page.inner_text("#signin-hour") == "5"
        assert page.inner_text("#signin-locked") == "1" and page.inner_text("#signin-locked-names") == "giamsat"
        page.wait_for_function("document.getElementById('live-dot').classList.contains('on')")
        page.screenshot(path=str(artifacts / "signin-dashboard.png"), full_page=True)
        page.click("#signin-audit-link")
        page.wait_for_selector("#audit")
        rows = page.inner_text("#audit tbody")
        assert "Tạm khoá đăng nhập 'giamsat'" in rows and "sai-mat-khau" not in rows
        page.screenshot(path=str(artifacts / "signin-audit.png"), full_page=True)
    finally:
        context.close()
