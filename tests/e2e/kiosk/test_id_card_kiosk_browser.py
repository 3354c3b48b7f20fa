"""The citizen's chip ID card (CCCD) at the kiosk, in Debian chromium: the card's QR typed by a
keyboard-wedge scanner (a fast burst ending in Enter) gives a citizen whose result is ready one
printed pickup ticket, however often scanned, which a clerk then calls; a citizen with nothing ready
gets the usual field choice with the masked number, the ticket quietly linked to the card. The
kiosk is a public screen: it never shows the name or the whole number. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from server.models import Ticket
from tests.support.admin_browser import shot
from tests.support.demo import DEMO_PASSWORD
from tests.support.kiosk_browser import LANDSCAPE, open_kiosk, scanner_burst, take_number, wait_home
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = pytest.mark.browser

ID_NUMBER = "001099003456"
NAME = "Nguyễn Văn Bình"
ADDRESS = "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội"
CARD = f"{ID_NUMBER}|123456789|{NAME}|15031990|Nam|{ADDRESS}|01052021"


def card_of(id_number: str) -> str:
    """The QR text of another citizen's card (same layout)."""
    return f"{id_number}||Lê Thị Mai|02021985|Nữ|Xã Tân Lập, Đan Phượng, Hà Nội|10102022"


def _clerk(base: str, username: str) -> requests.Session:
    session = requests.Session()
    login = session.post(f"{base}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=10)
    session.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return session


def _ready_dossier_of(app, id_number: str) -> str:
    """A dossier received for the citizen with this card number, its result ready; its code."""
    from server.domain.dossiers import Applicant
    from tests.support.display import dossier_service

    service = dossier_service(app)
    procedure_id = service.procedures(1)[0]["id"]
    code = service.receive(1, procedure_id=procedure_id,
                           applicant=Applicant(name=NAME, phone="0901234567", address=ADDRESS, id_number=id_number))["code"]
    service.transition(code, "result_ready")
    return code


def assert_nothing_personal(page) -> None:
    html = page.content()
    for personal in (ID_NUMBER, NAME, ADDRESS, "Láng Hạ"):
        assert personal not in html, personal


def test_a_card_with_a_ready_result_prints_one_pickup_ticket_that_a_clerk_calls(browser, live_server, make_device, app):
    _ready_dossier_of(app, ID_NUMBER)
    with TcpTestPrinter() as printer:
        context, page = open_kiosk(browser, live_server, make_device(printer_url=printer.url), LANDSCAPE)
        try:
            wait_home(page)
            scanner_burst(page, CARD)
            page.wait_for_selector("#overlay-ticket:not([hidden])")
            assert page.get_attribute(".ticket-card", "data-mode") == "issued"
            number = page.inner_text("#ticket-number")
            assert number == "8001"  # the pickup field's first number
            assert "Ông/Bà có 1 hồ sơ đã có kết quả" in page.inner_text("#ticket-state")
            page.wait_for_selector("#print-status[data-status='printed']")
            job = printer.wait_for_jobs(1)[0]
            assert ID_NUMBER.encode() not in job
            assert_nothing_personal(page)
            shot(page, "kiosk-id-card-pickup-ticket")
            token = page.evaluate("window.MotCuaKiosk.state.currentTicket")

            # The same card again: the same ticket, not a second one.
            page.click("#ticket-done")
            scanner_burst(page, CARD)
            page.wait_for_selector(".ticket-card[data-mode='status']")
            assert page.inner_text("#ticket-number") == number
            assert "đã có số nhận kết quả" in page.inner_text("#ticket-state")
            assert len(printer.jobs) == 1
            shot(page, "kiosk-id-card-same-ticket")

            # The citizen follows the ticket on the phone; the result counter calls it.
            phone = context.new_page()
            phone.goto(f"{live_server.url}/t/{token}")
            phone.wait_for_selector("#live.on")
            assert phone.inner_text("#number") == number
            called = _clerk(live_server.url, "quay7").post(f"{live_server.url}/api/v1/counters/7/call-next", timeout=10).json()
            assert called["ticket"]["number"] == number
            phone.wait_for_selector("#turn:not([hidden])")
            assert "quầy số 7" in phone.inner_text("#turn-vi")
            for personal in (ID_NUMBER, NAME, ADDRESS):
                assert personal not in phone.content()
        finally:
            context.close()


def test_a_card_with_nothing_ready_gets_the_field_choice_and_the_ticket_is_linked(browser, live_server, kiosk_token, app):
    context, page = open_kiosk(browser, live_server, kiosk_token, LANDSCAPE)
    try:
        wait_home(page)
        scanner_burst(page, card_of("079088001234"))
        page.wait_for_selector("#citizen-banner:not([hidden])")
        assert page.is_hidden("#overlay-message") and page.is_hidden("#overlay-ticket")
        assert "Đã nhận căn cước 0790****1234" in page.inner_text("#citizen-masked")
        assert "Lê Thị Mai" not in page.content() and "079088001234" not in page.content()
        shot(page, "kiosk-id-card-choose-field")
        page.click("#lang-toggle")  # an English screen is wholly English, the card line too
        page.wait_for_function("document.getElementById('citizen-masked').textContent.startsWith('ID card received')")
        assert page.inner_text("#citizen-masked") == "ID card received 0790****1234"
        assert page.inner_text("#citizen-cancel") == "Cancel"
        page.click("#lang-toggle")
        assert page.is_visible("#citizen-banner")  # changing the language keeps the card
        take_number(page, "TPHT")
        page.wait_for_selector("#overlay-ticket:not([hidden])")
        number = page.inner_text("#ticket-number")
        assert page.is_hidden("#citizen-banner")  # one card, one ticket: the next citizen starts afresh

        # Quietly linked: the ticket carries the card's keyed hash (for the counter), the kiosk showed nothing more.
        core = app.extensions["motcua"]
        with core.db.read() as s:
            ticket = s.scalars(select(Ticket).where(Ticket.number == number)).one()
            assert ticket.citizen_key == core.dossiers.dossiers.citizen_key("079088001234")

        # A card whose number the scanner garbled: a clear message, and the fields are still there.
        page.click("#ticket-done")
        scanner_burst(page, "07908800|" + card_of("079088001234").split("|", 1)[1])
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert page.get_attribute(".message-card", "data-code") == "id_card_unreadable"
        assert "Không đọc được căn cước, vui lòng quét lại hoặc chọn lĩnh vực" in page.inner_text("#message-vi")
        assert "could not be read" in page.inner_text("#message-en")
        shot(page, "kiosk-id-card-unreadable")
        page.click("#message-ok")
        wait_home(page)
        assert page.is_hidden("#citizen-banner")
    finally:
        context.close()
