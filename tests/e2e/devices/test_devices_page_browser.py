"""The Devices page in real chromium: "In thử" says what the printer did (red with the reason for a
printer that is not there, green once it printed), printer URL, paper width and cut are edited in
place, and a token registration shows the device's own link. Screenshots: test-artifacts/devices/."""
from __future__ import annotations

import pytest

from server.domain.accounts import register_device
from tests.support.devices_browser import admin_page
from tests.support.raster import decode_images
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = pytest.mark.browser


def test_test_print_tells_failure_then_success_after_the_admin_fixes_the_printer(app, browser, live_server, artifacts):
    out = artifacts / "devices"
    out.mkdir(exist_ok=True)
    with app.extensions["motcua"].db.write() as s:
        device, _ = register_device(s, 1, "kiosk", "Kiosk sảnh", printer_url=f"tcp://127.0.0.1:{free_port()}")
        device_id = device.id
    context, page = admin_page(browser, live_server)
    try:
        row = page.locator(f"tr[data-device='{device_id}']")
        row.locator("button.test-print").click()
        bad = row.locator(".test-print-result.bad")
        bad.wait_for(timeout=6000)  # within seconds, and red
        assert "Không in được" in bad.inner_text() and "không phản hồi" in bad.inner_text()
        assert row.locator(".test-print-result.ok").count() == 0
        assert row.locator(".printer-cell .badge").first.inner_text() == "Lỗi máy in"  # never "good" beside "failed"
        page.screenshot(path=str(out / "printer-test-failed.png"), full_page=True)

        with TcpTestPrinter() as printer:
            row.locator("details.printer-edit summary").click()
            row.locator("input[name=printer_url]").fill(printer.url)
            row.locator("select[name=printer_width]").select_option("384")
            row.locator("input[name=printer_cut]").uncheck()
            row.locator(".printer-form button[type=submit]").click()
            page.wait_for_selector(f"tr[data-device='{device_id}'] code:has-text('width=384&cut=0')")
            row = page.locator(f"tr[data-device='{device_id}']")
            row.locator("button.test-print").click()
            good = row.locator(".test-print-result.ok")
            good.wait_for(timeout=6000)
            assert "Đã in xong" in good.inner_text()
            assert decode_images(printer.wait_for_jobs(1)[0])[0].width == 384
            row.locator("details.printer-edit summary").click()
            page.screenshot(path=str(out / "printer-page.png"), full_page=True)
    finally:
        context.close()


def test_registering_a_board_with_a_token_shows_the_board_link(browser, live_server, artifacts):
    context, page = admin_page(browser, live_server)
    try:
        page.click("details.card summary")
        page.select_option("#add-device select[name=kind]", "display")
        page.fill("#add-device input[name=name]", "TV tầng 2")
        page.click("#add-device button[type=submit]")
        link = page.locator("#secret-link a")
        link.wait_for()
        assert "/display/board?device=" in link.inner_text() and "localhost" not in link.inner_text()
        page.screenshot(path=str(artifacts / "devices" / "token-dialog.png"))
    finally:
        context.close()
