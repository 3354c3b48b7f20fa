"""A clerk's console in a real browser: signed in through the form, sat at a counter, live."""
from __future__ import annotations

from tests.support.demo import DEMO_PASSWORD

DESKTOP = {"width": 1600, "height": 1000}
def open_console(browser, live_server, username: str, counter: int, screenshot=None):
    """A clerk's browser: log in through the form, pick the counter, wait for the live console."""
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/console/")
    page.wait_for_selector("#login-form")
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector(f"button[data-counter='{counter}']")
    return context, page


def sit_down(page, counter: int) -> None:
    page.click(f"button[data-counter='{counter}']")
    page.wait_for_selector("#live.on")
    page.wait_for_function("document.getElementById('counts').children.length > 0")
