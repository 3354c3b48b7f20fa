"""The chip ID card (CCCD) on the clerk's receive form, in Debian chromium: the scanner types the
card's QR into "Quét căn cước" and presses Enter; the form fills the name, ID number and address
(birth date and sex shown for the clerk's check); the clerk corrects and receives; the dossier keeps
the number. Garbage gets a bilingual message; a ticket the kiosk linked to a card pre-fills the form
from the citizen's earlier dossier, marked for checking. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
import requests

from tests.support.admin_browser import shot
from tests.support.console_browser import open_console, sit_down

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]

ID_NUMBER = "001099003456"
NAME = "Nguyễn Văn Bình"
ADDRESS = "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội"
CARD = f"{ID_NUMBER}|123456789|{NAME}|15031990|Nam|{ADDRESS}|01052021"
PROCEDURE = "Đăng ký kết hôn (3 ngày)"


def _open_receive_form(page, base: str) -> None:
    page.goto(f"{base}/console/dossiers/new")
    page.wait_for_selector("#receive-desk-form #id_card_scan")


def scan_into(page, selector: str, text: str) -> None:
    """A USB scanner typing into the focused field, then Enter."""
    page.click(selector)
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def test_a_scanned_card_fills_the_form_and_the_dossier_keeps_the_number(browser, live_server):
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        _open_receive_form(page, live_server.url)
        page.select_option("#procedure", label=PROCEDURE)
        page.click("input[name=channel][value=direct]")
        scan_into(page, "#id_card_scan", CARD)
        page.wait_for_function("document.getElementById('applicant_id_number').value !== ''")
        assert page.input_value("#applicant_name") == NAME
        assert page.input_value("#applicant_id_number") == ID_NUMBER
        assert page.input_value("#applicant_address") == ADDRESS
        assert page.input_value("#id_card_scan") == ""  # the raw QR is not left on screen
        assert page.is_visible("#id-card-facts")
        assert page.inner_text("#id-card-birth") == "15/03/1990"
        assert page.inner_text("#id-card-sex") == "Nam"
        assert "0010****3456" in page.inner_text("#message-vi")
        assert page.evaluate("document.activeElement.id") == "applicant_name"  # the clerk checks from the top
        shot(page, "console-id-card-filled", full_page=True)

        # The clerk corrects the address (the citizen moved), then receives.
        page.fill("#applicant_address", "Số 8 phố Huế, Hai Bà Trưng, Hà Nội")
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/console/dossiers/*-*-*")
        code = page.url.rsplit("/", 1)[1]
        stored = page.request.get(f"{live_server.url}/api/v1/dossiers/{code}").json()
        assert stored["applicant_id_number"] == ID_NUMBER
        assert stored["applicant"]["name"] == NAME
        assert stored["applicant"]["address"] == "Số 8 phố Huế, Hai Bà Trưng, Hà Nội"
        found = page.request.post(f"{live_server.url}/api/v1/centers/1/dossiers/by-citizen", data={"id_number": ID_NUMBER},
                                  headers={"X-CSRF-Token": page.evaluate("window.MOTCUA_CSRF")}).json()
        assert [d["code"] for d in found] == [code]
    finally:
        context.close()


def test_garbage_gets_a_bilingual_message_and_a_scan_into_another_field_still_reads_the_card(browser, live_server):
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        _open_receive_form(page, live_server.url)
        scan_into(page, "#id_card_scan", "00109900|ABC|khong phai can cuoc")
        page.wait_for_selector("#message.error:not([hidden])")
        assert "12 chữ số" in page.inner_text("#message-vi")
        assert "12 digits" in page.inner_text("#message-en")
        assert page.input_value("#applicant_name") == "" and page.input_value("#applicant_id_number") == ""
        assert page.is_hidden("#id-card-facts")
        assert page.url.endswith("/console/dossiers/new")  # Enter ended the scan; it did not submit the form
        shot(page, "console-id-card-unreadable", full_page=True)

        # Scanned with the cursor in the phone field: the card is read, the phone keeps what it had, nothing is submitted.
        page.fill("#applicant_phone", "0912 345 678")
        scan_into(page, "#applicant_phone", CARD)
        page.wait_for_function("document.getElementById('applicant_id_number').value !== ''")
        assert page.input_value("#applicant_id_number") == ID_NUMBER
        # Read from the keys (the phone field's maxlength cut its text): letters a keyboard cannot type are lost, as with
        # an input method left on; the number is whole and the clerk corrects the name.
        assert page.input_value("#applicant_name").startswith("Nguy")
        assert page.input_value("#applicant_phone") == "0912 345 678"
        assert page.url.endswith("/console/dossiers/new")
    finally:
        context.close()


def test_a_ticket_linked_to_a_card_prefills_the_form_from_the_citizens_earlier_dossier(browser, live_server, kiosk_token):
    kiosk = {"X-Device-Token": kiosk_token}
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        sit_down(page, 1)
        # An earlier dossier of this citizen, received with the card's number.
        _open_receive_form(page, live_server.url)
        page.select_option("#procedure", label=PROCEDURE)
        page.fill("#applicant_name", NAME)
        page.fill("#applicant_id_number", ID_NUMBER)
        page.fill("#applicant_address", ADDRESS)
        page.fill("#applicant_phone", "0901234567")
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/console/dossiers/*-*-*")

        # Today the citizen scans the card at the kiosk, takes a number; counter 1 calls it.
        scanned = requests.post(f"{live_server.url}/api/v1/kiosk/scan", json={"code": CARD}, headers=kiosk, timeout=10).json()
        assert scanned["outcome"] == "choose_service" and scanned["masked_id"] == "0010****3456"
        issued = requests.post(f"{live_server.url}/api/v1/kiosk/tickets", headers=kiosk, timeout=10,
                               json={"service_id": 1, "citizen_link": scanned["citizen_link"]}).json()
        csrf = page.evaluate("window.MOTCUA_CSRF")
        called = page.request.post(f"{live_server.url}/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).json()
        assert called["ticket"]["number"] == issued["ticket"]["number"]

        _open_receive_form(page, live_server.url)
        page.wait_for_selector("#prefill-note:not([hidden])")
        assert "Điền sẵn từ hồ sơ trước — kiểm tra lại" in page.inner_text("#prefill-note")
        assert page.input_value("#applicant_name") == NAME
        assert page.input_value("#applicant_id_number") == ID_NUMBER
        assert page.input_value("#applicant_address") == ADDRESS
        assert page.input_value("#applicant_phone") == "0901234567"
        assert page.is_checked("input[name=channel][value=direct]")  # the citizen is at the counter
        shot(page, "console-id-card-prefilled", full_page=True)

        # The counter screen's own receive form (H) for the ticket it serves: pre-filled the same way; the
        # clerk scans the card anyway (the citizen moved: the card has the new address) and receives.
        page.goto(f"{live_server.url}/console/")
        page.wait_for_selector("#live.on")
        page.wait_for_function("document.getElementById('btn-receive') && !document.getElementById('btn-receive').disabled")
        page.keyboard.press("h")
        page.wait_for_selector("#receive-panel:not([hidden]) #prefill-note:not([hidden])")
        assert page.input_value("#receive-form #applicant_id_number") == ID_NUMBER
        assert page.input_value("#receive-form #applicant_phone") == "0901234567"
        moved = CARD.replace(ADDRESS, "Số 8 phố Huế, Hai Bà Trưng, Hà Nội")
        scan_into(page, "#receive-form #id_card_scan", moved)
        page.wait_for_function("document.getElementById('applicant_address').value.startsWith('Số 8')")
        assert page.is_visible("#receive-form #id-card-facts")
        page.select_option("#receive-form #procedure", label=PROCEDURE)
        shot(page, "console-counter-id-card", full_page=True)
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#receipt-panel:not([hidden])")
        found = page.request.post(f"{live_server.url}/api/v1/centers/1/dossiers/by-citizen", data={"id_number": ID_NUMBER},
                                  headers={"X-CSRF-Token": csrf}).json()
        assert len(found) == 2 and found[0]["applicant_id_number"] == ID_NUMBER
        assert found[0]["applicant"]["address"] == "Số 8 phố Huế, Hai Bà Trưng, Hà Nội"
    finally:
        context.close()
