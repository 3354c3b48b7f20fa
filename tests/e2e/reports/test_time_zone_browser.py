"""Admin times follow the center's clock, not the browser's: a supervisor whose laptop sits in
another time zone still reads "09:00, 23/11/2026" when it is 9 o'clock in Hà Nội."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.models import Device
from tests.support.demo import DEMO_PASSWORD, login

pytestmark = pytest.mark.browser

# The test clock (tests/support/demo.py MONDAY_9AM) is 02:00 UTC: 09:00 in Hà Nội, 21:00 the day
# before in New York — a browser-zone clock would show "21:00" and "22/11".
HANOI_NOW = "09:00, 23/11/2026"


def signed_in_page(browser, base: str, next_path: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", timezone_id="America/New_York")
    page = context.new_page()
    page.goto(f"{base}/admin/login?next={next_path}")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


def test_dashboard_clock_shows_the_centers_time_in_a_browser_of_another_zone(browser, live_server, artifacts):
    context, page = signed_in_page(browser, live_server.url, "/admin/c/1/")
    try:
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
        page.wait_for_function("document.getElementById('live-time').textContent.length > 0")
        # The page's refresh (fetch of /reports/live) runs at once: give it time to overwrite.
        page.wait_for_timeout(800)
        assert page.inner_text("#live-time") == HANOI_NOW
        page.screenshot(path=str(artifacts / "admin-dashboard-clock.png"), full_page=True)
    finally:
        context.close()


def test_devices_last_seen_and_the_audit_log_use_the_centers_zone_and_one_format(browser, live_server, app, artifacts):
    client = app.test_client()
    csrf = login(client, "admin")
    assert (
        client.patch("/api/v1/admin/services/1", json={"name": "Tư pháp – Hộ tịch"}, headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )
    db = app.extensions["motcua"].db
    with db.write() as s:
        s.add(
            Device(
                center_id=1,
                kind="display",
                name="TV sảnh",
                token_hash="x" * 64,
                last_seen_at=datetime(2026, 11, 23, 1, 45, tzinfo=UTC).replace(tzinfo=None),
            )
        )
    with db.read() as s:
        assert s.scalars(select(Device).where(Device.name == "TV sảnh")).one()
    context, page = signed_in_page(browser, live_server.url, "/admin/c/1/devices")
    try:
        row = page.locator("#devices tr", has_text="TV sảnh")
        assert "08:45, 23/11/2026" in row.inner_text()
        page.goto(f"{live_server.url}/admin/audit?center=1")
        first = page.locator("#audit tbody tr").first.inner_text()
        assert first.startswith(HANOI_NOW), first
        page.screenshot(path=str(artifacts / "admin-audit-times.png"))
    finally:
        context.close()
