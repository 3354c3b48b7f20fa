"""The kiosk and the phone page in a real browser (Debian chromium through Playwright):
tap a service, get a ticket on screen; scan with a keyboard-wedge scanner; watch the phone
page flip to "your turn" when a clerk calls. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC

import pytest
import requests

from server.domain.alerts import AlertService
from tests.support.demo import DEMO_PASSWORD
from tests.support.kiosk_browser import LANDSCAPE, PORTRAIT, open_kiosk, take_number, wait_home
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = pytest.mark.browser


def test_unregistered_browser_gets_the_setup_page_not_a_kiosk(browser, live_server, artifacts):
    context, page = open_kiosk(browser, live_server, None)
    try:
        page.wait_for_selector("#view-setup:not([hidden])")
        assert page.is_hidden("#view-home")
        assert "Cài đặt kiosk" in page.inner_text("#view-setup")
        assert page.locator(".svc").count() == 0
        page.screenshot(path=str(artifacts / "kiosk-setup.png"))
        # A wrong token is refused on the setup page itself.
        page.fill("#setup-token", "khong-phai-ma-that")
        page.click("#setup-save")
        page.wait_for_selector("#setup-error:not([hidden])")
        assert "không đúng" in page.inner_text("#setup-error")
    finally:
        context.close()


def test_setup_page_accepts_a_real_token_and_the_kiosk_starts(browser, live_server, kiosk_token):
    context, page = open_kiosk(browser, live_server, None)
    try:
        page.wait_for_selector("#view-setup:not([hidden])")
        page.fill("#setup-token", kiosk_token)
        page.click("#setup-save")
        wait_home(page)
        # Remembered: a reload is a working kiosk again, with no token in the address.
        page.goto(f"{live_server.url}/kiosk/")
        wait_home(page)
        assert "device=" not in page.url
    finally:
        context.close()


def test_tap_a_service_shows_the_ticket_with_its_number_and_prints_it(browser, live_server, make_device, artifacts):
    with TcpTestPrinter() as printer:
        token = make_device(printer_url=printer.url)
        context, page = open_kiosk(browser, live_server, token)
        try:
            wait_home(page)
            assert "Hoàn Kiếm" in page.inner_text("#center-name")
            page.screenshot(path=str(artifacts / "kiosk-home-portrait.png"))
            take_number(page, "TPHT")
            page.wait_for_selector("#overlay-ticket:not([hidden])")
            assert page.inner_text("#ticket-number") == "1001"
            assert "Tư pháp" in page.inner_text("#ticket-service")
            page.wait_for_selector("#print-status[data-status='printed']")
            assert "Đã in phiếu" in page.inner_text("#print-status")
            assert page.evaluate("document.getElementById('ticket-qr').naturalWidth") > 0
            page.screenshot(path=str(artifacts / "kiosk-ticket-portrait.png"))
            printer.wait_for_jobs(1)
        finally:
            context.close()


def test_touch_targets_are_at_least_64_px_in_both_orientations(browser, live_server, kiosk_token, artifacts):
    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        context, page = open_kiosk(browser, live_server, kiosk_token, viewport)
        try:
            wait_home(page)
            sizes = page.evaluate(
                "Array.from(document.querySelectorAll('#view-home button')).filter(b => b.offsetParent)"
                ".map(b => [b.textContent.trim().slice(0, 30), b.getBoundingClientRect().width,"
                " b.getBoundingClientRect().height])"
            )
            assert len(sizes) >= 8  # 7 fields and the language button (priority is step 2 now)
            small = [s for s in sizes if s[1] < 64 or s[2] < 64]
            assert not small, small
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert overflow is False
            if name == "landscape":
                page.screenshot(path=str(artifacts / "kiosk-home-landscape.png"))
        finally:
            context.close()


def test_english_toggle_switches_the_service_names(browser, live_server, kiosk_token):
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.click("#lang-toggle")
        page.wait_for_selector(".svc[data-code='TPHT'] .svc-name:text('Justice – Civil status – Certification')")
        assert page.inner_text("#lang-toggle") == "Tiếng Việt"
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()


def test_dead_printer_shows_the_on_screen_fallback_and_raises_an_alert(browser, live_server, make_device, app, artifacts):
    dead = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    token = make_device(printer_url=dead)
    context, page = open_kiosk(browser, live_server, token, LANDSCAPE)
    try:
        wait_home(page)
        take_number(page, "DD")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "2001"
        page.wait_for_selector("#print-status[data-status='failed']")
        text = page.inner_text("#print-status")
        assert "Máy in gặp sự cố — Ông/Bà vui lòng chụp lại màn hình hoặc quét mã QR" in text
        assert "take a photo of this screen" in text
        page.screenshot(path=str(artifacts / "kiosk-ticket-printer-down-landscape.png"))
        alerts: AlertService = app.extensions["motcua"].alerts
        assert [a["source"] for a in alerts.open_alerts(1) if a["kind"] == "printer_down"] == [dead]
    finally:
        context.close()


def test_scanner_burst_of_a_ticket_qr_shows_that_tickets_status(browser, live_server, kiosk_token, artifacts):
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        issued = requests.post(
            f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": kiosk_token}, timeout=10
        ).json()
        requests.post(
            f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": kiosk_token}, timeout=10
        )
        page.wait_for_timeout(300)  # let the page settle: this is the citizen walking up, not an assertion
        page.keyboard.type(issued["phone_url"], delay=10)
        page.keyboard.press("Enter")
        page.wait_for_selector("#overlay-ticket:not([hidden]) .ticket-card[data-mode='status']")
        assert page.inner_text("#ticket-number") == issued["ticket"]["number"]
        assert "đang chờ" in page.inner_text("#ticket-state")
        page.screenshot(path=str(artifacts / "kiosk-scan-ticket-status.png"))
    finally:
        context.close()


def test_slow_typing_is_not_taken_for_a_scan(browser, live_server, kiosk_token):
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.keyboard.type("ABCDEFGH", delay=120)  # a person at a keyboard, not a scanner
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        assert page.is_hidden("#overlay-message") and page.is_hidden("#overlay-ticket")
    finally:
        context.close()


def test_malformed_scan_gets_a_clear_bilingual_message(browser, live_server, kiosk_token, artifacts):
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        page.keyboard.type("XYZ#NOT-A-CODE!!", delay=10)
        page.keyboard.press("Enter")
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert "Không nhận ra mã vừa quét" in page.inner_text("#message-vi")
        assert "not recognised" in page.inner_text("#message-en")
        page.screenshot(path=str(artifacts / "kiosk-scan-unrecognised.png"))
    finally:
        context.close()


def test_phone_page_flips_to_your_turn_when_a_clerk_calls(browser, live_server, kiosk_token, artifacts, app):
    issued = requests.post(
        f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": kiosk_token}, timeout=10
    ).json()
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(issued["phone_url"].replace(issued["phone_url"].split("/t/")[0], live_server.url))
        page.wait_for_selector("#live.on")
        assert page.inner_text("#number") == "1001"
        assert page.is_hidden("#turn")
        page.screenshot(path=str(artifacts / "phone-before-call.png"))
        clerk = requests.Session()
        csrf = clerk.post(
            f"{live_server.url}/api/v1/auth/login", json={"username": "quay1", "password": DEMO_PASSWORD}, timeout=10
        ).json()["csrf_token"]
        called = clerk.post(f"{live_server.url}/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}, timeout=10).json()
        assert called["ticket"]["number"] == "1001"
        page.wait_for_selector("#turn:not([hidden])")
        assert page.inner_text("#turn-vi") == "Đến lượt Ông/Bà — mời đến quầy số 1"
        assert " ".join(page.inner_text("#turn-en").split()) == "It's your turn — please go to counter 1"
        assert page.inner_text("#turn-counter") == "1"
        assert page.get_attribute("body", "data-alerted") == "1"
        assert page.get_attribute("body", "data-chimed") == "true"
        page.screenshot(path=str(artifacts / "phone-after-call.png"))
        clerk.post(f"{live_server.url}/api/v1/counters/1/finish", headers={"X-CSRF-Token": csrf}, timeout=10)
        page.wait_for_selector("body[data-state='done'] #finished:not([hidden])")
        assert "Đã phục vụ xong" in page.inner_text("#finished")
        ratings_served = any(r.rule == "/api/v1/tickets/<token>/rating" for r in app.url_map.iter_rules())
        if ratings_served:  # the ratings area has landed: its three buttons fill the slot
            assert page.locator("#rating button").count() == 3
            page.click("#rating button[data-level='very_satisfied']")
            page.wait_for_selector("#rating .rating-done")
            assert "Cảm ơn Ông/Bà đã đánh giá" in page.inner_text("#rating")
        else:
            assert page.locator("#rating").count() == 1 and page.is_hidden("#rating")
        page.screenshot(path=str(artifacts / "phone-done.png"))
    finally:
        context.close()


def test_camera_scanner_decodes_a_ticket_qr_with_the_local_wasm_and_no_cdn(browser, live_server, kiosk_token):
    issued = requests.post(
        f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": kiosk_token}, timeout=10
    ).json()
    context, page = open_kiosk(browser, live_server, kiosk_token)
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) or r.url.startswith("data:") else outside.append(r.url)
    )
    try:
        wait_home(page)
        texts = page.evaluate("url => window.MotCuaKiosk.detectImage(url)", issued["qr_url"])
        assert texts == [issued["phone_url"]]
        assert outside == []
    finally:
        context.close()


def test_a_service_added_meanwhile_appears_without_reload(browser, live_server, kiosk_token, app):
    from server.models import Counter, CounterService, Service

    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        assert page.locator(".svc[data-code='BHXH']").count() == 0
        with app.extensions["motcua"].db.write() as s:
            service = Service(
                center_id=1,
                code="BHXH",
                name="Bảo hiểm xã hội",
                name_en="Social insurance",
                kind="submit",
                number_start=9001,
                number_digits=4,
                sort_order=5,
            )
            s.add(service)
            s.flush()
            s.add(CounterService(counter_id=s.query(Counter).filter_by(number=5).one().id, service_id=service.id, position=1))
        # Any queue change pushes the counts of every service; an unknown one makes the kiosk reload its list.
        requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10)
        page.wait_for_selector(".svc[data-code='BHXH'] .svc-name:text('Bảo hiểm xã hội')")
        assert "Đang chờ: 0" in page.inner_text(".svc[data-code='BHXH']")
    finally:
        context.close()


def test_ticket_screen_returns_home_after_the_idle_time(browser, live_server, make_device, db):
    from server.models import Center
    from tests.support.demo import update

    update(db, Center, 1, settings={"kiosk_idle_seconds": 5})
    with TcpTestPrinter() as printer:
        context, page = open_kiosk(browser, live_server, make_device(printer_url=printer.url))
        try:
            wait_home(page)
            take_number(page, "TPHT")
            page.wait_for_selector("#overlay-ticket:not([hidden])")
            page.wait_for_selector("#overlay-ticket", state="hidden", timeout=30000)
            assert page.is_visible(".svc[data-code='TPHT']")
        finally:
            context.close()


def test_screen_only_kiosk_shows_the_ticket_and_asks_for_a_photo(browser, live_server, kiosk_token):
    context, page = open_kiosk(browser, live_server, kiosk_token)
    try:
        wait_home(page)
        take_number(page, "NKQ")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        assert page.inner_text("#ticket-number") == "8001"
        assert page.get_attribute("#print-status", "data-status") == "none"
        assert "Ông/Bà vui lòng ghi nhớ số hoặc chụp ảnh mã QR trên màn hình" in page.inner_text("#print-status")
    finally:
        context.close()


def test_closed_center_says_so_instead_of_issuing(browser, live_server, kiosk_token, db, clock):
    from datetime import datetime

    from server.models import Center
    from tests.support.demo import update

    update(
        db,
        Center,
        1,
        settings={"opening_hours": {d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}},
    )
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # 19:00 in Hà Nội
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        page.wait_for_selector("#closed-banner:not([hidden])")
        assert "Đã hết giờ phát số hôm nay" in page.inner_text("#closed-banner")
        page.click(".svc[data-code='TPHT']")
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert "hết giờ" in page.inner_text("#message-vi") and "over for today" in page.inner_text("#message-en")
        assert page.is_hidden("#overlay-ticket")
    finally:
        context.close()


def _y4m_with_qr(path, text: str) -> None:
    """A short Y4M video showing one QR code: Chromium's fake camera plays it in a loop."""
    from PIL import Image

    from hardware import make_qr_image

    width, height = 640, 480
    frame = Image.new("L", (width, height), 255)
    qr = make_qr_image(text, 360).convert("L")
    frame.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + luma + chroma + chroma)


def test_camera_scanning_reads_a_ticket_qr_held_to_the_camera(playwright, live_server, kiosk_token, tmp_path):
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    issued = requests.post(
        f"{live_server.url}/api/v1/kiosk/tickets", json={"service_id": 2}, headers={"X-Device-Token": kiosk_token}, timeout=10
    ).json()
    video = tmp_path / "qr.y4m"
    _y4m_with_qr(video, issued["phone_url"])
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera_browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        context = camera_browser.new_context(viewport=LANDSCAPE, permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(f"{live_server.url}/kiosk/?device={kiosk_token}")
        wait_home(page)
        page.wait_for_selector("#camera-button:not([hidden])")
        page.click("#camera-button")
        page.wait_for_selector("#overlay-ticket:not([hidden]) .ticket-card[data-mode='status']")
        assert page.inner_text("#ticket-number") == issued["ticket"]["number"] == "2001"
    finally:
        camera_browser.close()


def test_a_ticket_whose_wait_runs_past_closing_tells_the_citizen_at_once(browser, live_server, kiosk_token, db, clock):
    from datetime import datetime

    from server.models import Center
    from tests.support.demo import update

    update(db, Center, 1, settings={"opening_hours": {"mon": [["07:00", "11:30"]], "sat": [["07:30", "11:30"]]}})
    clock.set(datetime(2026, 11, 23, 4, 10, tzinfo=UTC))  # Monday 11:10 in Hà Nội: the morning closes at 11:30
    for _ in range(8):  # a long line already waits for the same field
        assert requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10).ok
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        page.wait_for_selector("#ticket-state:not([hidden])")
        assert "đóng cửa lúc 11:30" in page.inner_text("#ticket-state")
        assert "Ông/Bà có thể chưa được phục vụ trong hôm nay" in page.inner_text("#ticket-state")
        assert page.inner_text("#ticket-ahead") == "8"
    finally:
        context.close()
