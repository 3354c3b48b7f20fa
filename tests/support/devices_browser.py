"""The admin's Devices page in a real browser, where codes are typed and devices paired."""
from __future__ import annotations

from tests.support.demo import DEMO_PASSWORD

WAIT = 15000  # ms


def admin_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(f"{live_server.url}/admin/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.goto(f"{live_server.url}/admin/c/1/devices")
    return context, page
