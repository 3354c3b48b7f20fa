"""The console in a real browser (Debian chromium): what the card says after Finish, and "Rời quầy"
with a ticket still called — the clerk must choose what becomes of it, and the citizen's phone page
stops sending them to a counter nobody sits at. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
import requests

from tests.support.console_browser import open_console, sit_down

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]


def take_ticket(live_server) -> dict:
    response = requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10)
    assert response.status_code == 201
    return response.json()


def test_after_finish_the_card_says_what_just_happened_and_what_to_press(browser, live_server, artifacts):
    take_ticket(live_server)
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        sit_down(page, 1)
        assert "Chưa gọi số nào" in page.inner_text("#current-service")
        page.keyboard.press("n")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
        page.keyboard.press("f")
        page.wait_for_function("document.getElementById('current-service').textContent.includes('Đã xong số 1001')")
        text = page.inner_text("#current-service")
        assert "Đã xong số 1001 — nhấn N để gọi số tiếp theo" in text and "Chưa gọi số nào" not in text
        assert "Ticket 1001 done — press N to call the next number" in text
        page.screenshot(path=str(artifacts / "console-after-finish.png"))
    finally:
        context.close()


def test_leaving_with_a_called_ticket_asks_what_becomes_of_it(app, browser, live_server, artifacts):
    ticket = take_ticket(live_server)
    take_ticket(live_server)
    context, page = open_console(browser, live_server, "quay1", 1)
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        sit_down(page, 1)
        page.keyboard.press("n")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
        phone = phone_context.new_page()
        phone.goto(f"{live_server.url}/t/{ticket['token']}")
        phone.wait_for_selector("#turn:not([hidden])")
        assert "mời đến quầy số 1" in phone.inner_text("#turn-vi")

        page.click("#leave")
        page.wait_for_selector("#leave-dialog[open]")
        dialog = page.inner_text("#leave-dialog")
        assert "1001" in dialog and "Đưa về đầu hàng chờ" in dialog and "Kết thúc" in dialog and "Chuyển" in dialog
        page.screenshot(path=str(artifacts / "console-leave-dialog.png"))

        page.click("#leave-submit")  # no choice made: the dialog stays, the counter stays open
        assert page.is_visible("#leave-dialog") and page.url.rstrip("/").endswith("/console")
        page.keyboard.press("Escape")  # "Ở lại quầy": nothing happened
        page.wait_for_selector("#leave-dialog:not([open])", state="attached")
        assert app.extensions["motcua"].queue.ticket_by_token(ticket["token"])["state"] == "called"

        page.click("#leave")
        page.wait_for_selector("#leave-dialog[open]")
        page.check("#leave-form input[value=requeue]")
        page.click("#leave-submit")
        page.wait_for_url("**/console/counter")
        page.screenshot(path=str(artifacts / "console-after-leave.png"))

        after = app.extensions["motcua"].queue.ticket_by_token(ticket["token"])
        assert after["state"] == "waiting" and after["people_ahead"] == 0
        phone.wait_for_selector("#turn", state="hidden")
        phone.wait_for_selector("#waiting:not([hidden])")
        assert "quầy số 1" not in phone.inner_text("body")
        phone.screenshot(path=str(artifacts / "phone-after-requeue.png"))
    finally:
        phone_context.close()
        context.close()


def test_a_clerk_who_leaves_with_no_ticket_goes_straight_to_the_counter_choice(browser, live_server):
    context, page = open_console(browser, live_server, "quay2", 2)
    try:
        sit_down(page, 2)
        page.click("#leave")
        page.wait_for_url("**/console/counter")
        assert page.is_visible("button[data-counter='2']") and not page.is_visible("#leave-dialog")
    finally:
        context.close()


def test_a_supervisor_closes_a_counter_from_the_dashboard_under_the_same_rule(app, browser, live_server, artifacts):
    from tests.support.admin_browser import admin_login

    ticket = take_ticket(live_server)
    queue = app.extensions["motcua"].queue
    assert queue.call_next(1).ticket["number"] == ticket["number"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        admin_login(page, live_server.url, "giamsat")
        page.wait_for_selector("#live-dot.on")
        tile = page.locator(".counter-tile", has_text="Quầy 1").first
        tile.locator("button.close-counter", has_text="về đầu hàng chờ").wait_for()
        assert "Đóng, kết thúc số 1001" in tile.inner_text()
        page.screenshot(path=str(artifacts / "dashboard-close-counter.png"), full_page=True)
        page.once("dialog", lambda dialog: dialog.accept())
        tile.locator("button.close-counter", has_text="về đầu hàng chờ").click()
        page.wait_for_function(
            "!document.querySelector('#counters .counter-tile.open .num') || "
            "![...document.querySelectorAll('#counters .counter-tile.open .num')].some(n => n.textContent === 'Quầy 1')"
        )
        after = queue.ticket_by_token(ticket["token"])
        assert after["state"] == "waiting" and after["people_ahead"] == 0
    finally:
        context.close()
