"""A booking from the phone to the counter, in Debian chromium: a citizen books today's 09:30 on the
phone-sized booking page with an ID number and a phone; the QR saved from the page, read by a
keyboard-wedge scanner at the kiosk at the slot's start, gives a printed ticket that says "Lịch hẹn 09:30 /
Booked 09:30", and the clerk's "Gọi số tiếp" calls it before the walk-ins who were waiting from before; a
booking scanned too late gives an ordinary ticket with a kind word. Nothing the phone or the kiosk received
(HTTP bodies, websocket frames) and no log line holds the ID number or the phone. Screenshots and the
printed tickets go to test-artifacts/booking/."""
from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image

from tests.support.booking_browser import open_phone
from tests.support.booking_rows import add_booking
from tests.support.browser import ARTIFACTS, Recorder, leaks
from tests.support.console_browser import open_console, sit_down
from tests.support.demo import MONDAY_9AM
from tests.support.kiosk_browser import LANDSCAPE, open_kiosk, scanner_burst, wait_home
from tests.support.raster import decode_images, read_qr_texts_from_image
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "booking"
SLOT = MONDAY_9AM + timedelta(minutes=30)  # 09:30 at the demo center
ID_NUMBER, PHONE_NUMBER = "001099003456", "0912345678"


def book_on_the_phone(browser, base: str, seen: list) -> str:
    """A citizen books today's 09:30 in the first field on the phone page with an ID number and a phone;
    returns what the booking's QR image (as saved from the page) reads."""
    context, phone = open_phone(browser)
    try:
        seen.append(Recorder(phone))
        phone.goto(f"{base}/dat-lich")
        phone.click("#services [data-service] >> nth=0")
        phone.locator("#days button:not([disabled])").first.click()  # today
        phone.click("#slots button[data-start*='T09:30']")
        phone.fill("#id-number", ID_NUMBER)
        phone.fill("#phone", PHONE_NUMBER)
        phone.click("#contact-next")
        phone.click("#confirm")
        phone.wait_for_selector("#step-done:not([hidden])")
        saved = phone.request.get(base + phone.get_attribute("#save-qr", "href"))
        assert saved.ok and saved.headers["content-type"] == "image/png"
        texts = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(saved.body())))]
        assert texts == [phone.inner_text("#code").strip().replace("-", "")], texts
        return texts[0]
    finally:
        context.close()


def test_a_booking_made_on_the_phone_is_checked_in_by_its_qr_and_called_before_the_walk_ins(
        browser, live_server, make_device, app, clock, booking_page_center, caplog):
    SHOTS.mkdir(parents=True, exist_ok=True)
    caplog.set_level(logging.DEBUG)
    core = app.extensions["motcua"]
    walk_ins = [core.queue.issue_ticket(1, 1)["number"] for _ in range(2)]  # waiting since 09:00
    seen: list = []
    code = book_on_the_phone(browser, live_server.url, seen)
    late = add_booking(core.db, 1, 1, SLOT - timedelta(minutes=30))
    clock.set(SLOT)
    with TcpTestPrinter() as printer:
        context, page = open_kiosk(browser, live_server, make_device(printer_url=printer.url), LANDSCAPE)
        seen.append(Recorder(page))
        console_context, console = open_console(browser, live_server, "quay1", 1)
        try:
            wait_home(page)
            scanner_burst(page, code)
            page.wait_for_selector("#overlay-ticket:not([hidden])")
            assert page.get_attribute(".ticket-card", "data-mode") == "issued"
            assert page.get_attribute(".ticket-card", "data-kind") == "booking"
            booked = page.inner_text("#ticket-number")
            assert page.inner_text("#ticket-booked") == "Lịch hẹn 09:30 / Booked 09:30"
            assert f"Ông/Bà đã nhận số {booked} theo lịch hẹn 09:30" in page.inner_text("#ticket-state")
            assert page.inner_text("#ticket-ahead") == "0"  # its slot has started: ahead of both walk-ins
            assert_fits_the_screen(page)
            page.wait_for_selector("#print-status[data-status='printed']")
            printed_booked = decode_images(printer.wait_for_jobs(1)[0])[0]
            printed_booked.save(SHOTS / "printed-booked-ticket.png")
            token = page.evaluate("window.MotCuaKiosk.state.currentTicket")
            qr = read_qr_texts_from_image(printed_booked)
            assert len(qr) == 1 and qr[0].endswith(f"/t/{token}")  # the phone page, as on any ticket
            page.screenshot(path=str(SHOTS / "kiosk-booked-ticket.png"))

            # The clerk calls next: the booked ticket, not the walk-ins waiting since 09:00.
            sit_down(console, 1)
            first = console.locator("#waiting-list li").first  # first in the list is what "Gọi số tiếp" calls
            first.locator(".badge", has_text="Hẹn 09:30").wait_for()
            assert first.get_attribute("data-number") == booked
            console.keyboard.press("n")
            console.wait_for_function(f"document.getElementById('current-number').textContent === '{booked}'")
            assert "lịch hẹn 09:30" in console.inner_text("#current-meta")
            console.screenshot(path=str(SHOTS / "console-calls-the-booked-ticket.png"))
            assert booked not in walk_ins

            # A booking scanned 30 minutes after its start: an ordinary ticket and a kind word.
            page.click("#ticket-done")
            wait_home(page)
            scanner_burst(page, late["code"])
            page.wait_for_selector(".ticket-card[data-kind='booking_late']")
            assert page.is_hidden("#ticket-booked")
            state = page.inner_text("#ticket-state")
            assert "Ông/Bà đến muộn so với giờ hẹn nên số thứ tự được cấp như số thường. Mong Ông/Bà thông cảm." in state
            assert page.inner_text("#ticket-ahead") == "2"  # behind the two walk-ins, like any ticket taken now
            assert_fits_the_screen(page)
            page.wait_for_selector("#print-status[data-status='printed']")
            printed_late = decode_images(printer.wait_for_jobs(2)[1])[0]
            printed_late.save(SHOTS / "printed-late-ticket.png")
            # The same layout but for the line "Lịch hẹn 09:30 / Booked 09:30" the late ticket does not have.
            assert printed_late.width == printed_booked.width and printed_late.height < printed_booked.height
            page.screenshot(path=str(SHOTS / "kiosk-late-ticket.png"))
            texts = [text for recorder in seen for text in recorder.texts()]
            assert any("/api/v1/kiosk/scan" in where for where, _t in texts) and any(w.startswith("ws frame") for w, _t in texts)
        finally:
            console_context.close()
            context.close()
    logged = [(f"log {r.name}", r.getMessage()) for r in caplog.records]
    assert leaks(texts + logged, (ID_NUMBER, PHONE_NUMBER)) == []


def assert_fits_the_screen(page) -> None:
    """The ticket's number and its "Xong" button are on the kiosk's screen, nothing scrolled away."""
    for selector in ("#ticket-number", "#ticket-done"):
        box = page.locator(selector).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= LANDSCAPE["height"], (selector, box)


def test_a_booking_scanned_too_early_is_told_when_to_come_back(browser, live_server, kiosk_token, app, clock):
    SHOTS.mkdir(parents=True, exist_ok=True)
    booking = add_booking(app.extensions["motcua"].db, 1, 1, SLOT)
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        scanner_burst(page, booking["code"].lower())
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert page.get_attribute(".message-card", "data-code") == "booking_too_early"
        assert page.inner_text("#message-vi") == "Chưa đến giờ nhận số của lịch hẹn. Xin mời Ông/Bà quay lại quét mã từ 09:15."
        page.screenshot(path=str(SHOTS / "kiosk-booking-too-early.png"))
    finally:
        context.close()
