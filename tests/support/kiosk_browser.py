"""The kiosk page in a real browser: opened on a portrait or landscape screen, home shown, a number taken."""
from __future__ import annotations

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def scanner_burst(page, text: str) -> None:
    """What a USB scanner does: the whole code as key presses in one quick burst, then Enter.

    The keys are dispatched inside the page in one go, back to back (a scanner sends them a few
    milliseconds apart; either is well inside the kiosk's burst rule). Playwright's typing sends each key in a round
    trip of its own, and on a loaded 2-core CI machine those spread past the kiosk's 50 ms burst rule:
    a scan was then taken for a person typing and ignored. People typing are still typed for real
    (``test_kiosk_browser``)."""
    page.evaluate(
        """(text) => {
            for (const key of [...text, "Enter"]) {
                window.dispatchEvent(new KeyboardEvent("keydown", {key: key, bubbles: true, cancelable: true}));
            }
        }""",
        text,
    )


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
