"""The public booking pages on a small phone (360×740) in a real browser: a citizen books a time from the
start page (field → day → time → contact → confirm) and gets the booking code and a QR that reads back
to it, saves the QR image, moves the booking and cancels it on the booking's own page; a slot filled
meanwhile is refused politely and shown "Hết chỗ"; a throttled phone is told to wait in both languages.
Nothing scrolls sideways, and the ID number typed never comes back in any response of the session.
Screenshots go to test-artifacts/booking/."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from server.models import Booking, BookingState, Center
from tests.support.booking_browser import (
    PHONE,
    open_phone,
    page_width,
    png,
    shot,
    smallest_target,
    smallest_text,
    visible_step,
)
from tests.support.browser import Recorder

pytestmark = pytest.mark.browser

ID_NUMBER = "001099003456"
PHONE_NUMBER = "0912345678"


def assert_fits_the_phone(page) -> None:
    """No sideways scroll, no text under 18 px, nothing to tap under 48 px, on the step on screen."""
    step = visible_step(page)
    assert page_width(page) <= PHONE["width"], f"sideways scroll on {step}"
    assert smallest_text(page)[0] >= 18, f"small text on {step}: {smallest_text(page)}"
    assert smallest_target(page)[0] >= 48, f"small touch target on {step}: {smallest_target(page)}"


def start_booking(page, base: str) -> None:
    """From the start page to the field step of the only center taking bookings."""
    page.goto(f"{base}/")
    page.click("#go-booking")
    page.wait_for_selector("#step-service:not([hidden]) [data-service]")


def choose_field_day_and_time(page, day_index: int = 1) -> str:
    """Tap the first field, the ``day_index``-th open day, its first free time; returns that slot's start."""
    page.click("#services [data-service] >> nth=0")
    page.wait_for_selector("#step-day:not([hidden]) #days button")
    page.locator("#days button:not([disabled])").nth(day_index).click()
    page.wait_for_selector("#step-slot:not([hidden]) #slots button")
    slot = page.locator("#slots button:not([disabled])").first
    start = slot.get_attribute("data-start")
    slot.click()
    page.wait_for_selector("#step-contact:not([hidden])")
    return start


def test_a_citizen_books_on_a_phone_keeps_the_qr_moves_and_cancels_and_the_id_number_never_comes_back(
        browser, live_server, booking_page_center, app, tmp_path):
    context, page = open_phone(browser)
    bodies = Recorder(page)
    try:
        start_booking(page, live_server.url)
        assert page.url.endswith(f"/dat-lich/{booking_page_center}"), "one center taking bookings: straight to it"
        assert "Bước 1/5" in page.inner_text("#progress")
        assert_fits_the_phone(page)
        shot(page, "1-field")

        page.click("#services [data-service] >> nth=0")
        page.wait_for_selector("#step-day:not([hidden]) #days button")
        closed = page.locator("#days button[data-open=false]")
        assert closed.count() >= 2, "two weeks ahead hold a weekend"
        assert closed.first.is_disabled() and closed.first.inner_text().strip() != ""
        assert_fits_the_phone(page)
        shot(page, "2-day")

        page.locator("#days button:not([disabled])").nth(1).click()
        page.wait_for_selector("#step-slot:not([hidden]) #slots button")
        slot = page.locator("#slots button:not([disabled])").first
        assert re.search(r"Còn \d+ chỗ", slot.inner_text())
        assert_fits_the_phone(page)
        shot(page, "3-time")
        slot.click()

        page.wait_for_selector("#step-contact:not([hidden])")
        page.fill("#id-number", "0010 9900")  # too short: said on the page, nothing sent
        page.click("#contact-next")
        page.wait_for_selector("#notice:not([hidden])")
        assert "12 chữ số" in page.inner_text("#notice") and "12 digits" in page.inner_text("#notice")
        page.fill("#id-number", ID_NUMBER)
        page.fill("#phone", PHONE_NUMBER)
        assert_fits_the_phone(page)
        shot(page, "4-contact")
        page.click("#contact-next")

        page.wait_for_selector("#step-confirm:not([hidden])")
        assert_fits_the_phone(page)
        shot(page, "5-confirm")
        page.click("#confirm")

        page.wait_for_selector("#step-done:not([hidden])")
        code = page.inner_text("#code").strip()
        assert re.fullmatch(r"LH-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
        instruction = page.inner_text("#instruction")
        assert "Đến trước giờ hẹn 15 phút và quét mã QR này tại ki-ốt" in instruction
        page.wait_for_function("document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0")
        assert "Lưu ảnh mã QR" in page.inner_text("#save-qr") and "Save QR image" in page.inner_text("#save-qr")
        assert_fits_the_phone(page)
        shot(page, "6-booked")
        assert page.get_attribute("#id-number", "value") in (None, ""), "a borrowed phone keeps nothing typed"
        assert page.url == live_server.url + page.get_attribute("#manage-link", "href"), "a reload or bookmark keeps the booking"
        page.go_back()
        page.wait_for_function("history.state && history.state.step === 'done'")  # the page answered the Back
        assert page.is_visible("#step-done") and page.inner_text("#code").strip() == code, "a stray Back keeps the code"

        with page.expect_download() as saved:
            page.click("#save-qr")
        saved_path = tmp_path / "qr.png"
        saved.value.save_as(saved_path)
        assert saved.value.suggested_filename.endswith(".png")
        image = Image.open(saved_path)
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [code.replace("-", "")], "the QR holds the booking code only"
        assert image.width >= 300 and image.height > image.width, "the code is printed under the QR"

        # The booking's own page: code, QR, state; move to another time, then cancel (with a confirm step).
        page.click("#manage-link")
        page.wait_for_selector("#state[data-state=booked]")
        assert code in page.inner_text("#code")
        assert "Đã đặt" in page.inner_text("#state") or "booked" in page.inner_text("#state").lower()
        assert_fits_the_phone(page)
        shot(page, "7-own-page")
        old_time = page.inner_text("#when-time")

        page.click("#move-open")
        page.wait_for_selector("#move-day:not([hidden]) #days button")
        page.locator("#days button:not([disabled])").nth(2).click()
        page.wait_for_selector("#move-slot:not([hidden]) #slots button")
        page.locator("#slots button:not([disabled])").last.click()
        page.wait_for_selector("#move-confirm:not([hidden])")
        assert_fits_the_phone(page)
        shot(page, "8-move-confirm")
        page.click("#move-yes")
        page.wait_for_selector("#view:not([hidden])")
        page.wait_for_selector("#notice.good:not([hidden]) >> text=Đã đổi giờ hẹn")
        assert page.inner_text("#when-time") != old_time and page.inner_text("#code").strip() == code

        page.click("#cancel-open")
        page.wait_for_selector("#cancel-confirm:not([hidden])")
        assert_fits_the_phone(page)
        shot(page, "9-cancel-confirm")
        page.click("#cancel-yes")
        page.wait_for_selector("body[data-state=cancelled]")
        assert page.is_hidden("#actions") and page.is_visible("#book-again")
        shot(page, "10-cancelled")
        with app.extensions["motcua"].db.read() as s:
            booking = s.scalars(select(Booking).where(Booking.code == code.replace("-", ""))).one()
            assert booking.state == BookingState.CANCELLED and booking.moved_count == 1
            assert booking.citizen_key and ID_NUMBER not in booking.citizen_key

        # A link that is not one: a plain 404 page in both languages.
        answer = page.goto(f"{live_server.url}/lich-hen/khong-phai-lich-hen-that")
        assert answer.status == 404
        text = page.inner_text("body")
        assert "Không tìm thấy lịch hẹn" in text and "Booking not found" in text
        shot(page, "11-unknown-link")

        assert bodies.holding(ID_NUMBER) == [], "the ID number typed came back from the server"
        assert bodies.holding(PHONE_NUMBER) == [], "the phone comes back masked only"
    finally:
        context.close()


def test_a_slot_filled_meanwhile_is_refused_politely_and_shown_full(browser, live_server, booking_page_center,
                                                                     fill_booking_slot):
    context, page = open_phone(browser)
    try:
        start_booking(page, live_server.url)
        service_id = int(page.get_attribute("#services [data-service] >> nth=0", "data-service"))
        start = choose_field_day_and_time(page)
        page.click("#contact-next")
        page.wait_for_selector("#step-confirm:not([hidden])")

        assert fill_booking_slot(booking_page_center, service_id, datetime.fromisoformat(start)) >= 1
        page.click("#confirm")

        page.wait_for_selector("#notice[data-code=slot_full]:not([hidden])")
        assert visible_step(page) == "step-slot", "back to the times of that day"
        notice = page.inner_text("#notice")
        assert "hết chỗ" in notice and "full" in notice.lower()
        taken = page.locator(f'#slots button[data-start="{start}"]')
        assert taken.is_disabled() and "Hết chỗ" in taken.inner_text(), "the list was refreshed"
        assert page.locator("#slots button:not([disabled])").count() >= 1, "another time can be picked"
        assert_fits_the_phone(page)
        shot(page, "slot-full")
    finally:
        context.close()


def test_a_second_booking_the_same_day_with_the_same_id_number_is_refused_in_both_languages(
        browser, live_server, booking_page_center, app):
    context, page = open_phone(browser)
    try:
        start_booking(page, live_server.url)
        service_id = int(page.get_attribute("#services [data-service] >> nth=0", "data-service"))
        start = choose_field_day_and_time(page)
        # The same citizen booked that day already (another phone, the same card).
        bookings = app.extensions["motcua"].bookings
        bookings.book(booking_page_center, service_id, datetime.fromisoformat(start), id_number=ID_NUMBER)
        page.fill("#id-number", ID_NUMBER)
        page.click("#contact-next")
        page.click("#confirm")
        page.wait_for_selector("#notice[data-code=booking_limit]:not([hidden])")
        notice = page.inner_text("#notice")
        assert "Mỗi người chỉ được đặt 1 lịch hẹn" in notice and "per person per day" in notice
        assert visible_step(page) == "step-confirm" and page.is_enabled("#confirm"), "the citizen can go back and change"
        assert_fits_the_phone(page)
        shot(page, "booking-limit")
    finally:
        context.close()


@pytest.mark.settings(rate_limit_public="3/minute")
def test_a_phone_that_asks_too_often_is_told_to_wait_in_both_languages(browser, live_server, booking_page_center):
    context, page = open_phone(browser)
    try:
        page.goto(f"{live_server.url}/dat-lich/{booking_page_center}")
        for _ in range(4):  # the fourth look at the days is over the limit
            page.click("#services [data-service] >> nth=0")
            page.wait_for_selector("#step-day:not([hidden])")
            page.wait_for_selector("#days-loading", state="hidden")
            if page.is_visible("#notice"):
                break
            page.click("#step-day [data-back]")
            page.wait_for_selector("#step-service:not([hidden])")
        page.wait_for_selector("#notice[data-code=rate_limited]")
        notice = page.inner_text("#notice")
        assert "Xin chờ một phút" in notice and "wait a minute" in notice
        shot(page, "rate-limited")
    finally:
        context.close()


def test_the_saved_qr_image_is_a_png_with_the_code_under_the_qr(client, booking_page_center, app):
    """(No browser) qr.png of a fresh booking: the code alone in the QR, an unknown token a 404."""
    bookings = app.extensions["motcua"].bookings
    offer = bookings.offer(booking_page_center)
    service = offer["services"][0]["id"]
    day = next(d for d in bookings.slots(booking_page_center, service)["days"] if d["open"] and d["slots"])
    booking = bookings.book(booking_page_center, service, datetime.fromisoformat(day["slots"][0]["starts_at"]))
    answer = client.get(f"/lich-hen/{booking['token']}/qr.png")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.headers["Cache-Control"] == "no-store"
    assert [r.text for r in zxingcpp.read_barcodes(png(answer.data))] == [booking["code"]]
    assert client.get("/lich-hen/x/qr.png").status_code == 404


def test_with_no_center_taking_bookings_the_start_says_so_and_a_closed_center_sends_to_the_kiosk(client, app):
    """(No browser) A center whose administrator switched bookings off is not offered."""
    with app.extensions["motcua"].db.write() as s:
        center = s.get(Center, 1)
        center.settings = {**(center.settings or {}), "booking": {"enabled": False}}
    start = client.get("/dat-lich")
    assert start.status_code == 200 and "chưa có trung tâm nào nhận đặt lịch" in start.get_data(as_text=True)
    closed = client.get("/dat-lich/1").get_data(as_text=True)
    assert 'id="closed"' in closed and "lấy số tại ki-ốt" in closed and 'id="step-service"' not in closed
    assert client.get("/dat-lich/999").status_code == 404


def test_the_booking_page_lists_every_center_taking_bookings_when_there_are_several(client, app, booking_page_center):
    """(No browser) Two centers taking bookings: the start lists both instead of choosing for the citizen."""
    with app.extensions["motcua"].db.write() as s:
        s.add(Center(code="XA-2", name="Bộ phận một cửa xã Thử", settings={"booking": {"enabled": True}}))
    page = client.get("/dat-lich")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/dat-lich/{booking_page_center}"' in text and "Bộ phận một cửa xã Thử" in text


def test_where_a_contact_is_required_the_page_says_an_id_number_or_a_phone_is_needed(client, app, booking_page_center):
    """(No browser) ``require_contact``: the contact step says so before the citizen types anything."""
    with app.extensions["motcua"].db.write() as s:
        center = s.get(Center, booking_page_center)
        center.settings = {**center.settings, "booking": {**center.settings["booking"], "require_contact": True}}
    text = client.get(f"/dat-lich/{booking_page_center}").get_data(as_text=True)
    assert 'id="contact-rule"' in text and "số CCCD hoặc số điện thoại" in text
    assert "12 chữ số) — không bắt buộc" not in text and "Số điện thoại — không bắt buộc" not in text, "neither is optional alone"
