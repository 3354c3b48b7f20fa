"""The citizens' screens in Debian chromium (issue 12): priority asked as step 2 where the citizen
looks, pickup with priority, the language kept until the kiosk goes idle, the offline bar, the
calm no-printer notice, changes pushed within 2 s to the kiosk and the phone page, and one form
of address ("Ông/Bà") and one date-time format ("09:00, 23/11/2026") on kiosk, phone and tablet.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import time

import pytest
import requests

from server.models import Center, Service
from tests.support.demo import DEMO_PASSWORD, counter_id, service_id, update
from tests.support.kiosk_browser import LANDSCAPE, PORTRAIT, open_kiosk, scanner_burst, take_number, wait_home
from tests.support.server_process import ServerProcess
from tests.support.services import free_port

pytestmark = pytest.mark.browser

PUSH_WITHIN_S = 2.0
MOMENT = re.compile(r"^\d{2}:\d{2}, \d{2}/\d{2}/\d{4}$")  # "11:43, 06/12/2026"


def _clerk(base: str, username: str = "quay1") -> requests.Session:
    session = requests.Session()
    csrf = session.post(f"{base}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=10).json()[
        "csrf_token"
    ]
    session.headers["X-CSRF-Token"] = csrf
    return session


def _center_of_box(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


# ---------------------------------------------------------------- priority, step 2
@pytest.mark.parametrize("name, viewport", [("landscape", LANDSCAPE), ("portrait", PORTRAIT)])
def test_priority_is_asked_as_step_two_in_the_middle_of_the_screen(browser, live_server, kiosk_token, artifacts, name, viewport):
    context, page = open_kiosk(browser, live_server, kiosk_token, viewport)
    try:
        wait_home(page)
        assert page.locator(".prio").count() == 0  # nothing to choose before the field
        page.screenshot(path=str(artifacts / f"kiosk-step1-{name}.png"))
        page.click(".svc[data-code='VHXH']")
        page.wait_for_selector("#overlay-priority:not([hidden])")
        assert page.inner_text("#priority-question") == "Ông/Bà có thuộc diện ưu tiên không?"
        assert "Văn hóa" in page.inner_text("#priority-service")
        # Where the citizen is looking: the card sits in the middle of the screen, not in a corner.
        x, y = _center_of_box(page, ".priority-card")
        assert (
            abs(x - viewport["width"] / 2) < viewport["width"] * 0.1
            and abs(y - viewport["height"] / 2) < viewport["height"] * 0.15
        )
        sizes = page.evaluate(
            "Array.from(document.querySelectorAll('#overlay-priority button'))"
            ".map(b => [b.textContent.trim().slice(0, 20), b.getBoundingClientRect().width, b.getBoundingClientRect().height])"
        )
        assert len(sizes) == 6 and not [s for s in sizes if s[1] < 64 or s[2] < 64], sizes
        page.screenshot(path=str(artifacts / f"kiosk-step2-priority-{name}.png"))
        page.click(".prio[data-code='elderly']")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "4001"
        assert page.inner_text("#ticket-priority") == "Ưu tiên: Người cao tuổi"
        page.click("#ticket-done")
        take_number(page, "VHXH")  # "Không — lấy số thường"
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "4002" and page.is_hidden("#ticket-priority")
    finally:
        context.close()


def test_no_priority_step_where_the_center_or_the_field_does_not_offer_it(browser, live_server, kiosk_token, db):
    update(db, Service, service_id(db, "DD"), priority_allowed=False)
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.click(".svc[data-code='DD']")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "2001"
        page.click("#ticket-done")
        update(db, Center, 1, priority_enabled=False)
        page.reload()
        wait_home(page)
        page.click(".svc[data-code='TPHT']")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "1001"
        assert page.is_hidden("#overlay-priority")
    finally:
        context.close()


def test_collect_result_takes_priority_by_button_and_by_receipt_scan(browser, live_server, kiosk_token, app):
    from tests.support.dossiers import received_dossier

    service, code = received_dossier(app)
    service.transition(code, "result_ready")
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        take_number(page, "NKQ", "disabled")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "8001"
        assert page.inner_text("#ticket-priority") == "Ưu tiên: Người khuyết tật"
        page.click("#ticket-done")
        # The receipt's QR, read by the scanner: step 2 comes first, then the pickup number.
        scanner_burst(page, code)
        page.wait_for_selector("#overlay-priority:not([hidden])")
        assert "Nhận kết quả" in page.inner_text("#priority-service")
        page.click(".prio[data-code='elderly']")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "8002"
        assert page.inner_text("#ticket-priority") == "Ưu tiên: Người cao tuổi"
        assert code in page.inner_text("#ticket-state")
        assert page.is_hidden("#overlay-message")
    finally:
        context.close()


# ---------------------------------------------------------------- language
def test_english_holds_after_ok_on_a_message_and_returns_to_vietnamese_when_idle(browser, live_server, kiosk_token, app, db):
    update(db, Center, 1, settings={"kiosk_idle_seconds": 5})
    app.extensions["motcua"].queue.set_counter_open(counter_id(db, 3), False)  # "Đất đai" has no open counter
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.click("#lang-toggle")
        page.wait_for_selector("#lang-toggle:text('Tiếng Việt')")
        page.click(".svc[data-code='DD']")
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert "No counter is serving" in page.inner_text("#message-en")
        page.click("#message-ok")
        page.wait_for_selector("#overlay-message", state="hidden")
        assert page.inner_text("#lang-toggle") == "Tiếng Việt"
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.inner_text(".svc[data-code='TPHT'] .svc-name") == "Justice – Civil status – Certification"
        # Nobody touches it: after the idle time the next citizen finds it in Vietnamese.
        page.wait_for_selector("#lang-toggle:text('English')", timeout=12000)
        assert page.evaluate("document.documentElement.lang") == "vi"
    finally:
        context.close()


# ---------------------------------------------------------------- offline bar
def test_offline_bar_shows_within_2_s_of_the_server_stopping_and_leaves_on_reconnect(
    browser, tmp_path, sqlite_url, db, artifacts
):
    from server.domain.accounts import register_device

    with db.write() as s:
        _device, token = register_device(s, 1, "kiosk", "Kiosk sảnh")
    env = {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "offline-test"}
    server = ServerProcess(free_port(), env, tmp_path / "server.log").start()
    context = browser.new_context(viewport=LANDSCAPE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        page.goto(f"{server.url}/kiosk/?device={token}")
        wait_home(page)
        page.wait_for_function("document.body.dataset.online === 'true'")
        assert page.is_hidden("#offline-bar")
        server.stop()
        stopped = time.monotonic()
        page.wait_for_selector("#offline-bar:not([hidden])", timeout=5000)
        assert time.monotonic() - stopped < PUSH_WITHIN_S
        assert "mất kết nối với máy chủ" in page.inner_text("#offline-bar")
        # A tap while offline: one calm message, not an error box or a pile of them.
        page.click(".svc[data-code='TPHT']")
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert page.get_attribute(".message-card", "data-code") == "offline"
        assert "info" in page.get_attribute(".message-card", "class")
        page.click(".svc[data-code='DD']", force=True)
        assert page.locator("#overlay-message:not([hidden])").count() == 1
        page.screenshot(path=str(artifacts / "kiosk-offline-landscape.png"))
        page.click("#message-ok")
        server.start()
        page.wait_for_selector("#offline-bar", state="hidden", timeout=15000)
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "1001"
    finally:
        context.close()
        server.stop()


# ---------------------------------------------------------------- no printer
def test_a_kiosk_without_printer_shows_a_calm_notice_not_an_error(browser, live_server, kiosk_token, artifacts):
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        status = page.locator("#print-status")
        assert status.get_attribute("data-status") == "none"
        assert "Ông/Bà vui lòng ghi nhớ số hoặc chụp ảnh mã QR trên màn hình" in status.inner_text()
        assert "Please remember your number" in status.inner_text()
        # Calm: not the red of a fault, and no error box on top.
        assert page.evaluate("getComputedStyle(document.getElementById('print-status')).borderTopColor") != "rgb(185, 28, 28)"
        assert page.is_hidden("#overlay-message")
        page.screenshot(path=str(artifacts / "kiosk-ticket-no-printer-landscape.png"))
    finally:
        context.close()


# ---------------------------------------------------------------- pushes within 2 s
def test_ticking_a_service_on_a_counter_enables_it_on_the_kiosk_within_2_s(browser, live_server, kiosk_token, db):
    admin = _clerk(live_server.url, "admin")
    htdvc, nkq = service_id(db, "HTDVC"), service_id(db, "NKQ")
    admin.patch(
        f"{live_server.url}/api/v1/admin/counters/{counter_id(db, 6)}", json={"service_ids": []}, timeout=10
    ).raise_for_status()
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.wait_for_selector(".svc.off[data-code='HTDVC']")
        page.wait_for_function("window.MotCuaKiosk.state.socket && window.MotCuaKiosk.state.socket.connected")
        page.wait_for_timeout(1500)  # the kiosk has settled (its after-connect refresh is done): only a push can tell it now
        assert page.locator(".svc.off[data-code='HTDVC']").count() == 1
        ticked = time.monotonic()
        admin.patch(
            f"{live_server.url}/api/v1/admin/counters/{counter_id(db, 7)}", json={"service_ids": [nkq, htdvc]}, timeout=10
        ).raise_for_status()
        page.wait_for_selector(".svc:not(.off)[data-code='HTDVC']", timeout=5000)
        assert time.monotonic() - ticked < PUSH_WITHIN_S
    finally:
        context.close()


def test_a_call_moves_the_phone_pages_people_ahead_within_2_s(browser, live_server, kiosk_token, artifacts):
    issued = [
        requests.post(
            f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": kiosk_token}, timeout=10
        ).json()
        for _ in range(3)
    ]
    mine = issued[2]
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/t/{mine['ticket']['token']}")
        page.wait_for_selector("#live.on")
        assert page.inner_text("#ahead") == "2"
        clerk = _clerk(live_server.url)
        called = time.monotonic()
        clerk.post(f"{live_server.url}/api/v1/counters/1/call-next", timeout=10).raise_for_status()
        page.wait_for_selector("#ahead:text-is('1')", timeout=5000)
        assert time.monotonic() - called < PUSH_WITHIN_S
        page.screenshot(path=str(artifacts / "phone-people-ahead-moved.png"))
    finally:
        context.close()


# ---------------------------------------------------------------- texts
def test_citizen_screens_say_ong_ba_and_one_date_time_format(browser, live_server, kiosk_token, app, db, artifacts):
    from server.domain.ratings import tablet_key

    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        assert MOMENT.match(page.inner_text("#clock")), page.inner_text("#clock")
        assert "Ông/Bà" in page.inner_text("#view-home")
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-heading") == "SỐ THỨ TỰ CỦA ÔNG/BÀ"
        assert page.inner_text("#ticket-time") == "09:00, 23/11/2026"  # the server's clock, in Hà Nội time
        card = page.inner_text("#overlay-ticket")
        assert "Ông/Bà" in card and not re.search(r"\bbạn\b", card, re.IGNORECASE)
        token = page.evaluate("window.MotCuaKiosk.state.currentTicket")
        page.click("#ticket-done")
        page.click("#lang-toggle")
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-heading") == "YOUR NUMBER" and page.inner_text("#ticket-time") == "09:00, 23/11/2026"
    finally:
        context.close()

    phone = browser.new_context(
        viewport={"width": 412, "height": 915}, is_mobile=True, locale="en-US", timezone_id="America/New_York"
    )
    page = phone.new_page()
    try:
        page.goto(f"{live_server.url}/t/{token}")
        page.wait_for_selector("#live.on")
        text = page.inner_text("main")
        assert "Giờ lấy số: 09:00, 23/11/2026" in text  # the center's time, not the phone's (New York)
        assert "Số thứ tự của Ông/Bà" in text and "Số người chờ trước Ông/Bà" in text
        page.screenshot(path=str(artifacts / "phone-waiting.png"))
    finally:
        phone.close()

    clerk = _clerk(live_server.url)
    clerk.post(f"{live_server.url}/api/v1/counters/1/call-next", timeout=10).raise_for_status()
    clerk.post(f"{live_server.url}/api/v1/counters/1/finish", timeout=10).raise_for_status()
    key = tablet_key(app.config["SECRET_KEY"], 1)
    tablet = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="Europe/London")
    page = tablet.new_page()
    try:
        page.goto(f"{live_server.url}/rate/1?key={key}")
        page.wait_for_selector("#ask:not([hidden])")
        text = page.inner_text("main")
        assert "Ông/Bà có hài lòng với sự phục vụ?" in text and "quý khách" not in text.lower()
        assert page.inner_text("#ticket-finished") == "· phục vụ xong lúc 09:00, 23/11/2026"
        page.screenshot(path=str(artifacts / "rating-tablet.png"))
    finally:
        tablet.close()


def test_the_english_kiosk_is_wholly_english(browser, live_server, kiosk_token, artifacts):
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        page.click("#lang-toggle")
        page.wait_for_selector("#lang-toggle:text('Tiếng Việt')")
        fields = page.inner_text(".area-services")
        assert "Justice – Civil status – Certification" in fields and "Tư pháp" not in fields and "Đang chờ" not in fields
        page.click(".svc[data-code='VHXH']")
        page.wait_for_selector("#overlay-priority:not([hidden])")
        step = page.inner_text(".priority-card")
        assert "Do you qualify for priority?" in step and "Người cao tuổi" not in step and "Bước" not in step
        page.screenshot(path=str(artifacts / "kiosk-step2-priority-english-landscape.png"))
        page.click(".prio[data-code='pregnant']")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        card = page.inner_text(".ticket-card")
        assert "YOUR NUMBER" in card and "Please remember your number" in card and "Priority: Pregnant woman" in card
        assert "Ông/Bà" not in card and "Văn hóa" not in card
    finally:
        context.close()


def test_the_kiosk_losing_its_network_shows_the_offline_bar_and_hides_it_when_back(browser, live_server, kiosk_token):
    """The browser going offline (not the server stopping): the bar within seconds, gone when the network returns."""
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        page.wait_for_function("document.body.dataset.online === 'true'")
        context.set_offline(True)
        pulled = time.monotonic()
        page.wait_for_selector("#offline-bar:not([hidden])", timeout=15000)
        assert time.monotonic() - pulled < 8
        context.set_offline(False)
        page.wait_for_selector("#offline-bar", state="hidden", timeout=15000)
    finally:
        context.close()


def test_a_closed_collect_result_button_looks_closed_like_every_other_field(browser, live_server, kiosk_token, db):
    """With no counter returning results, "Nhận kết quả" greys out like a closed field: it used to
    stay green with grey text that nobody could read."""
    from server.models import Counter

    update(db, Counter, counter_id(db, 7), is_open=False)
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        page.wait_for_selector("#collect-buttons .svc.off")
        look = page.evaluate("""() => {
            const button = document.querySelector("#collect-buttons .svc.off");
            return {background: getComputedStyle(button).backgroundColor,
                    closed: getComputedStyle(document.documentElement).getPropertyValue("--off-bg").trim()};
        }""")
        assert look["closed"] == "#d1d5db" and look["background"] == "rgb(209, 213, 219)", look
    finally:
        context.close()
