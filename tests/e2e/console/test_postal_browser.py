"""Return by post in a real browser (Debian chromium through Playwright): the clerk receives a
dossier on the counter screen choosing "Bưu chính công ích" from the keyboard (the address field
appears only then), marks the result ready, opens the day's hand-over list — whose A4 print view
keeps the address and the signature blocks and drops the console's chrome — ticks it "đã giao bưu
điện", and records "đã phát" on the dossier page. Screenshots go to /tmp/shots-D/ and test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.support.console_browser import open_console, sit_down

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]

SHOTS = Path("/tmp/shots-D")
ADDRESS = "Số 8, ngõ 15 phố Lý Thường Kiệt, phường Cửa Nam, Hà Nội"
A4_AT_96_DPI = {"width": 794, "height": 1123}


def shot(page, artifacts: Path, name: str, **kw) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in (SHOTS, artifacts):
        page.screenshot(path=str(folder / name), **kw)


def test_a_dossier_returned_by_post_from_the_receive_form_to_the_post_office(browser, live_server, artifacts):
    ticket = requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10)
    assert ticket.status_code == 201
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        sit_down(page, 1)
        page.keyboard.press("n")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
        page.keyboard.press("s")
        page.wait_for_selector("#current-card[data-state='serving']")
        page.keyboard.press("h")
        page.wait_for_selector("#receive-panel:not([hidden])")
        procedure_id = next(p["id"] for p in page.evaluate("JSON.parse(document.getElementById('config').textContent).procedures")
                            if p["code"] == "TPHT-KH")
        page.select_option("#procedure", str(procedure_id))
        page.fill("#applicant_name", "Hoàng Văn Nam")
        page.fill("#applicant_phone", "0903 111 222")
        assert page.is_checked("input[name=return_channel][value=counter]")
        assert not page.is_visible("#delivery_address")
        # From the keyboard: focus the return choice, arrow to "Bưu chính công ích"; the address appears.
        page.focus("input[name=return_channel][value=counter]")
        page.keyboard.press("ArrowRight")
        assert page.is_checked("input[name=return_channel][value=post]")
        page.wait_for_selector("#delivery_address", state="visible")
        page.keyboard.press("Control+Enter")  # no address yet: the browser refuses the form, nothing is received
        assert page.is_visible("#receive-panel")
        assert page.evaluate("document.getElementById('delivery_address').validity.valueMissing")
        page.fill("#delivery_address", ADDRESS)
        page.uncheck("#print")
        shot(page, artifacts, "postal-receive-form.png", full_page=True)
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#receipt-panel:not([hidden])")
        code = page.inner_text("#receipt-code").strip()
        assert code == "000.00.12.H26-261123-0001"

        # The dossier page: both channels and the address; the result is marked ready there.
        page.goto(f"{live_server.url}/console/dossiers/{code}")
        assert page.inner_text("#dossier-channel") == "Trực tiếp"
        assert page.inner_text("#dossier-return-channel").startswith("Bưu chính công ích")
        assert page.inner_text("#dossier-delivery-address") == ADDRESS
        page.click(f"button[data-action='result_ready'][data-code='{code}']")
        page.wait_for_selector(f"button[data-postal='posted'][data-code='{code}']")

        # The day's hand-over list, on screen and as printed on A4.
        page.click("text=Danh sách bàn giao bưu điện")
        page.wait_for_selector(f"#postal-table tr[data-code='{code}']")
        row = page.inner_text(f"#postal-table tr[data-code='{code}']")
        assert ADDRESS in row and "Hoàng Văn Nam" in row and "0903111222" in row
        assert page.get_attribute("#postal-csv", "href").endswith("/api/v1/centers/1/postal-handover.csv?day=2026-11-23")
        shot(page, artifacts, "postal-list-screen.png", full_page=True)
        page.set_viewport_size(A4_AT_96_DPI)
        page.emulate_media(media="print")
        assert not page.is_visible(".topbar") and not page.is_visible("#mark-posted") and not page.is_visible("#postal-filters")
        assert page.is_visible(f"#postal-table tr[data-code='{code}'] td.address")
        assert page.is_visible("text=Bên giao (Bộ phận một cửa)") and page.is_visible("text=Bên nhận (Bưu điện)")
        shot(page, artifacts, "postal-list-print-a4.png", full_page=True)
        pdf = page.pdf(prefer_css_page_size=True)
        boxes = {tuple(round(float(x)) for x in box.split()) for box in re.findall(rb"/MediaBox \[([^\]]*)\]", pdf)}
        assert boxes == {(0, 0, 595, 842)}  # every page A4: 595 × 842 points
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1600, "height": 1000})

        # Đã giao bưu điện: off the list to hand over, onto "handed over this day".
        page.click("#mark-posted")
        page.wait_for_selector(f"#postal-posted tr[data-code='{code}']")
        assert page.locator("#postal-table").count() == 0
        shot(page, artifacts, "postal-list-after-posting.png", full_page=True)

        # Đã phát, with its date, on the dossier page.
        page.goto(f"{live_server.url}/console/dossiers/{code}")
        assert page.inner_text("#dossier-state") == "Đã trả kết quả"
        assert page.inner_text("#dossier-posted").startswith("09:00, 23/11/2026")
        page.click(f"button[data-postal='delivered'][data-code='{code}']")
        page.wait_for_selector("#delivered-dialog[open]")
        page.fill("#delivered-on", "2026-11-23")
        page.click("#delivered-form button[type=submit]")
        page.wait_for_function("document.getElementById('dossier-delivered') && "
                               "document.getElementById('dossier-delivered').textContent.includes('23/11/2026')")
        shot(page, artifacts, "postal-dossier-delivered.png", full_page=True)
    finally:
        context.close()


def test_a_dossier_received_by_post_on_the_back_office_page(browser, live_server, artifacts):
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        page.goto(f"{live_server.url}/console/dossiers")
        page.click("#link-receive")
        page.wait_for_selector("#receive-desk-form")
        assert page.is_checked("input[name=channel][value=post]")  # what this page is mostly for
        assert not page.is_visible("#delivery_address")
        page.select_option("#procedure", label="Đăng ký kết hôn (3 ngày)")
        page.fill("#applicant_name", "Vũ Thị Thu")
        page.check("input[name=return_channel][value=post]")
        page.fill("#delivery_address", "  ngắn ")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#message.error:not([hidden])")
        assert "từ 10 đến 300 ký tự" in page.inner_text("#message-vi")
        page.fill("#delivery_address", ADDRESS)
        shot(page, artifacts, "postal-back-office-receive.png", full_page=True)
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/console/dossiers/000.00.12.H26-261123-0001")
        assert page.inner_text("#dossier-channel") == "Bưu chính công ích"
        assert page.inner_text("#dossier-delivery-address") == ADDRESS
        assert page.inner_text("#dossier-posted") == "Chưa"
    finally:
        context.close()
