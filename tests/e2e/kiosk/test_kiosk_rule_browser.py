"""The kiosk's rule as a citizen meets it in Debian chromium: a receipt scanned while the return
counter is closed gets the same calm message as a tap on a closed field, not a number nobody
will call. Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest

from tests.support.demo import counter_id
from tests.support.kiosk_browser import LANDSCAPE, PORTRAIT, open_kiosk, scanner_burst, wait_home

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name, viewport", [("landscape", LANDSCAPE), ("portrait", PORTRAIT)])
def test_a_receipt_scanned_while_the_return_counter_is_closed_says_so_in_both_languages(
        browser, live_server, kiosk_token, app, db, artifacts, name, viewport):
    from tests.support.dossiers import received_dossier

    service, code = received_dossier(app)
    service.transition(code, "result_ready")
    app.extensions["motcua"].queue.set_counter_open(counter_id(db, 7), False)
    context, page = open_kiosk(browser, live_server, kiosk_token, viewport)
    try:
        wait_home(page)
        scanner_burst(page, code)  # the scanner types the receipt's QR
        page.wait_for_selector("#overlay-priority:not([hidden]), #overlay-message:not([hidden])")
        if page.is_visible("#overlay-priority"):
            page.click("#priority-none")
        page.wait_for_selector("#overlay-message:not([hidden])")
        assert "chưa có quầy nào phục vụ «Nhận kết quả»" in page.inner_text("#overlay-message")
        assert page.is_hidden("#overlay-ticket")
        page.screenshot(path=str(artifacts / f"kiosk-receipt-return-counter-closed-{name}.png"))
        assert "No counter is serving “Collect result”" in page.inner_text("#overlay-message")
        page.click("#message-ok")
        page.wait_for_selector("#overlay-message", state="hidden")
        wait_home(page)  # back home for the next citizen, no number given
    finally:
        context.close()
