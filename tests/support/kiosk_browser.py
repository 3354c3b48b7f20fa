"""The kiosk page in a real browser: opened on a portrait or landscape screen, home shown, a number taken."""
from __future__ import annotations

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
def open_kiosk(browser, live_server, token: str | None, viewport=PORTRAIT):
    context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15000)
    suffix = f"?device={token}" if token else ""
    page.goto(f"{live_server.url}/kiosk/{suffix}")
    return context, page


def wait_home(page) -> None:
    page.wait_for_selector("#view-home:not([hidden]) .svc[data-code='TPHT']")


def take_number(page, code: str, priority: str | None = None) -> None:
    """Tap a field, then answer step 2 (priority) where the kiosk asks it."""
    page.click(f".svc[data-code='{code}']")
    page.wait_for_selector("#overlay-priority:not([hidden]), #overlay-ticket:not([hidden]), #overlay-message:not([hidden])")
    if page.is_visible("#overlay-priority"):
        page.click(f".prio[data-code='{priority}']" if priority else "#priority-none")
