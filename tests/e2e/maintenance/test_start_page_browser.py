"""The start page ``/``: where the IT officer and the staff find every part, in large Vietnamese links."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TILES = {"go-kiosk": ("/kiosk/", "Kiosk lấy số"), "go-board": ("/display/board", "Màn hình gọi số"),
         "go-console": ("/console/", "Bàn làm việc cán bộ"), "go-admin": ("/admin/", "Giám sát, quản trị và báo cáo"),
         "go-pair": ("/pair", "Ghép nối thiết bị mới"), "go-api": ("/api/v1/docs", "Tài liệu API"),
         "go-booking": ("/dat-lich", "Đặt lịch hẹn / Book a time")}


def test_start_page_links_every_part_in_large_vietnamese_tiles(browser, live_server, artifacts):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        for element_id, (href, title) in TILES.items():
            link = page.locator(f"#{element_id}")
            assert link.get_attribute("href") == href
            assert link.locator("b").inner_text() == title
            box = link.bounding_box()
            assert box["height"] >= 100 and box["width"] >= 300, (element_id, box)  # an easy target, even on a touch screen
            size = link.locator("b").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
            assert size >= 24, (element_id, size)
        assert "reset-password" in page.inner_text("main")
        page.screenshot(path=str(artifacts / "start-page.png"), full_page=True)
        page.click("#go-admin")
        page.wait_for_load_state()
        assert "/admin/login" in page.url
    finally:
        context.close()
