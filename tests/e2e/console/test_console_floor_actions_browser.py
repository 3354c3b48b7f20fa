"""The clerk's floor actions in a real browser (Debian chromium): call a chosen ticket from the
waiting list with a reason, park it ("Chờ bổ sung") and see it in the parked list, the citizen's
phone page saying where to come back to, recall it with "Gọi lại"; pause the counter with a reason,
see the banner (and the counter's own screen say so), resume. Keyboard first, as a clerk works.
Screenshots go to test-artifacts/ and /tmp/shots-A/."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from server.models import TicketEvent
from tests.support.console_browser import open_console, sit_down

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]

SHOTS = Path("/tmp/shots-A")


def take_ticket(live_server) -> dict:
    response = requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10)
    assert response.status_code == 201
    return response.json()


def shot(page, artifacts, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / name))
    page.screenshot(path=str(SHOTS / name))


def test_a_clerk_calls_a_chosen_ticket_parks_it_and_recalls_it_from_the_parked_list(app, browser, live_server, artifacts):
    take_ticket(live_server)
    take_ticket(live_server)
    chosen = take_ticket(live_server)  # 1003: the elderly citizen standing at the counter
    context, page = open_console(browser, live_server, "quay1", 1)
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        sit_down(page, 1)
        page.wait_for_selector("#waiting-list li[data-number='1003'] button[data-choose]")
        shot(page, artifacts, "console-floor-actions.png")
        page.click("#waiting-list li[data-number='1003'] button[data-choose]")
        page.wait_for_selector("#floor-dialog[open]")
        dialog = page.inner_text("#floor-dialog")
        assert "Gọi số 1003 trước lượt" in dialog and "Người cao tuổi" in dialog and "Việc nhanh" in dialog
        page.keyboard.press("4")  # "Lý do khác": words are required, the dialog says so
        page.keyboard.press("Enter")
        page.wait_for_selector("#floor-error:not([hidden])")
        assert "Hãy ghi rõ lý do" in page.inner_text("#floor-error")
        page.fill("#floor-note", "Công dân khuyết tật, đi xe lăn")
        shot(page, artifacts, "console-call-chosen-dialog.png")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('current-number').textContent === '1003'")
        assert not page.is_visible("#floor-dialog")
        page.wait_for_selector("#waiting-list li[data-number='1003']", state="detached")  # the list refreshes on its own fetch

        phone = phone_context.new_page()
        phone.goto(f"{live_server.url}/t/{chosen['token']}")
        phone.wait_for_selector("#turn:not([hidden])")

        page.keyboard.press("b")  # Chờ bổ sung
        page.wait_for_selector("#floor-dialog[open]")
        page.fill("#floor-note", "Thiếu bản sao CCCD")
        page.keyboard.press("Enter")
        page.wait_for_selector("#parked-list li[data-number='1003']")
        page.wait_for_function("document.getElementById('current-number').textContent === '—'")
        page.wait_for_function("document.getElementById('parked-count').textContent === '1'")
        assert "Số 1003 đang chờ bổ sung" in page.inner_text("#current-service")
        shot(page, artifacts, "console-parked-list.png")

        phone.wait_for_selector("#parked:not([hidden])")  # live, over the ticket's room
        assert "Đang chờ bổ sung giấy tờ — vui lòng quay lại quầy số 1 khi đã có đủ" in phone.inner_text("#parked-vi")
        assert phone.is_hidden("#turn")
        phone.screenshot(path=str(artifacts / "phone-parked.png"))
        phone.screenshot(path=str(SHOTS / "phone-parked.png"))

        page.click("#parked-list li[data-number='1003'] button[data-recall-parked]")
        page.wait_for_function("document.getElementById('current-number').textContent === '1003'")
        page.wait_for_function("document.getElementById('parked-count').textContent === '0'")
        phone.wait_for_selector("#turn:not([hidden])")
        assert "mời đến quầy số 1" in phone.inner_text("#turn-vi")
    finally:
        phone_context.close()
        context.close()
    with app.extensions["motcua"].db.read() as s:
        log = [(e.action, e.data) for e in s.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == chosen["id"]).order_by(TicketEvent.id))]
    assert ("call_chosen", {"reason": "other", "note": "Công dân khuyết tật, đi xe lăn"}) in log
    assert ("park", {"reason": "Thiếu bản sao CCCD"}) in log
    assert [a for a, _ in log][-1] == "recall_parked"


def test_a_clerk_pauses_the_counter_with_a_reason_and_the_banner_and_counter_screen_say_so(browser, live_server, artifacts):
    take_ticket(live_server)
    context, page = open_console(browser, live_server, "quay1", 1)
    screen_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    try:
        sit_down(page, 1)
        screen = screen_context.new_page()
        screen.goto(f"{live_server.url}/display/counter/1?center=1")
        screen.wait_for_selector("#counter-serving:not([hidden])")
        page.keyboard.press("p")
        page.wait_for_selector("#floor-dialog[open]")
        assert "Nghỉ giải lao" in page.inner_text("#floor-dialog") and "Hỗ trợ nghiệp vụ" in page.inner_text("#floor-dialog")
        page.keyboard.press("2")  # Họp
        page.keyboard.press("Enter")
        page.wait_for_selector("#paused-banner:not([hidden])")
        assert "Quầy đang tạm dừng" in page.inner_text("#paused-banner") and "Họp" in page.inner_text("#paused-banner")
        shot(page, artifacts, "console-paused.png")

        screen.wait_for_selector("#counter-paused:not([hidden])")
        assert "Quầy tạm dừng — Họp" in screen.inner_text("#counter-paused")
        screen.screenshot(path=str(SHOTS / "counter-screen-paused.png"))

        page.keyboard.press("n")  # a paused counter calls nobody: the clerk is told why
        page.wait_for_selector("#message.error")
        assert "đang tạm dừng" in page.inner_text("#message")
        assert page.inner_text("#current-number") == "—"

        page.click("#btn-resume")
        page.wait_for_selector("#paused-banner", state="hidden")
        screen.wait_for_selector("#counter-serving:not([hidden])")
        page.keyboard.press("n")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
    finally:
        screen_context.close()
        context.close()
