"""The administration in a real browser (Playwright + Debian chromium) against a real server."""
from __future__ import annotations

import pytest
import requests

from server.domain.ratings import tablet_key
from tests.support.admin_browser import admin_login, run_browser, shot
from tests.support.demo import DEMO_PASSWORD
from tests.support.server_process import login_session

pytestmark = pytest.mark.browser


def test_admin_adds_a_service_and_a_counter_and_the_kiosk_shows_it_without_restart(demo_server, browser):
    base = demo_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, next_path="/admin/c/1/devices")
        assert page.url.endswith("/admin/c/1/devices")

        # Register a kiosk: its token is shown once, in a dialog (pairing by code is the usual way now).
        page.click("details:has(#add-device) summary")
        page.select_option("#add-device select[name=kind]", "kiosk")
        page.fill("#add-device input[name=name]", "Kiosk sảnh chính")
        page.click("#add-device button[type=submit]")
        page.wait_for_selector("#secret-dialog[open]")
        token = page.inner_text("#secret-value").strip()
        assert len(token) >= 20
        shot(page, "devices-token-once")
        page.click("#secret-dialog button")
        page.wait_for_selector("#devices td:has-text('Kiosk sảnh chính')")

        kiosk = context.new_page()
        kiosk.set_viewport_size({"width": 1080, "height": 1920})
        kiosk.goto(f"{base}/kiosk/?device={token}")
        kiosk.wait_for_selector(".svc[data-code='TPHT']")
        assert kiosk.locator(".svc[data-code='BHXH']").count() == 0

        # Add a service on the services page.
        page.goto(f"{base}/admin/c/1/services")
        form = "#add-service"
        page.fill(f"{form} input[name=code]", "BHXH")
        page.fill(f"{form} input[name=name]", "Bảo hiểm xã hội – Lao động")
        page.fill(f"{form} input[name=name_en]", "Social insurance – Labour")
        page.fill(f"{form} input[name=ticket_prefix]", "B")
        page.fill(f"{form} input[name=number_start]", "1")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("#services tr[data-code='BHXH']")
        assert "Bảo hiểm xã hội – Lao động" in page.inner_text("#services tr[data-code='BHXH']")
        shot(page, "services-after-add", full_page=True)

        # Add a counter that serves it.
        page.goto(f"{base}/admin/c/1/counters")
        page.fill("#add-counter input[name=number]", "8")
        page.fill("#add-counter input[name=name]", "Bảo hiểm xã hội")
        page.check("#add-counter label:has-text('BHXH') input")
        page.click("#add-counter button[type=submit]")
        page.wait_for_selector("#counters tr[data-number='8']")
        assert "BHXH" in page.inner_text("#counters tr[data-number='8']")
        shot(page, "counters-after-add", full_page=True)

        # The kiosk, never reloaded, now offers the new service.
        kiosk.wait_for_selector(".svc[data-code='BHXH']", timeout=15000)
        assert "Bảo hiểm xã hội" in kiosk.inner_text(".svc[data-code='BHXH']")
        shot(kiosk, "kiosk-shows-new-service")

        # A clerk at the new counter calls the new service's tickets.
        requests.post(f"{base}/api/v1/tickets", json={"center_id": 1, "service_id": _service_id(base, "BHXH")}, timeout=5)
        clerk = login_session(base, "quay1", DEMO_PASSWORD)
        counter = next(c for c in requests.get(f"{base}/api/v1/centers/1/counters", timeout=5).json() if c["number"] == 8)
        assert clerk.post(f"{base}/api/v1/counters/{counter['id']}/open", timeout=5).status_code == 200  # the clerk sits down
        assert clerk.post(f"{base}/api/v1/counters/{counter['id']}/call-next", timeout=5).json()["ticket"]["number"] == "B001"

        # Both changes are in the audit log.
        page.goto(f"{base}/admin/audit")
        text = page.inner_text("#audit")
        assert "Thêm lĩnh vực BHXH" in text and "Thêm quầy số 8" in text and "Đăng ký thiết bị" in text
        shot(page, "audit-log")

    run_browser(browser, scenario)


def _service_id(base: str, code: str) -> int:
    return next(s["id"] for s in requests.get(f"{base}/api/v1/centers/1/services", timeout=5).json() if s["code"] == code)


def test_admin_edits_hours_and_calendar_and_supervisor_sees_read_only(demo_server, browser):
    base = demo_server.url

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, next_path="/admin/c/1/center")
        page.fill("#hours-form input[name=mon]", "07:30-11:30, 13:30-17:00")
        page.fill("#hours-form input[name=sat]", "")
        page.click("#hours-form button[type=submit]")
        page.wait_for_selector("#hours-form input[name=mon][value='07:30-11:30, 13:30-17:00']")
        page.fill("#rules-form input[name=stop_minutes_before_close]", "30")
        page.click("#rules-form button[type=submit]")
        page.wait_for_selector("#rules-form input[name=stop_minutes_before_close][value='30']")
        shot(page, "center-hours", full_page=True)
        # A bad session is refused with a readable message.
        page.fill("#hours-form input[name=tue]", "17:00-07:00")
        page.click("#hours-form button[type=submit]")
        page.wait_for_selector("#hours-form .form-error:not(:empty)")
        assert "closes before it opens" in page.inner_text("#hours-form .form-error")

        page.goto(f"{base}/admin/c/1/calendar")
        page.fill("#calendar-form textarea[name=days_off]", "31/12/2026 Nghỉ tổng kết năm")
        page.click("#calendar-form button[type=submit]")
        page.wait_for_selector("#calendar-form textarea[name=days_off]:has-text('2026-12-31 Nghỉ tổng kết năm')")
        shot(page, "calendar", full_page=True)

        page.goto(f"{base}/admin/c/1/announcements")
        page.fill("#announce-form input[name='templates.call.vi']", "Mời công dân số {number} đến quầy {counter}")
        page.click("#announce-form button[type=submit]")
        page.wait_for_timeout(800)
        page.goto(f"{base}/admin/c/1/announcements")
        assert page.input_value("#announce-form input[name='templates.call.vi']") == "Mời công dân số {number} đến quầy {counter}"
        shot(page, "announcements", full_page=True)

        sup = context.browser.new_context(viewport={"width": 1366, "height": 900})
        spage = sup.new_page()
        admin_login(spage, base, "giamsat", next_path="/admin/c/1/services")
        assert spage.locator("#add-service").count() == 0
        assert "Chỉ xem" in spage.inner_text("main")
        shot(spage, "services-supervisor-read-only")
        sup.close()

    run_browser(browser, scenario)


def test_clerk_login_on_the_admin_page_never_reaches_admin(demo_server, browser):

    def scenario(context):
        page = context.new_page()
        admin_login(page, demo_server.url, "quay1")
        response = page.goto(f"{demo_server.url}/admin/c/1/services")
        assert response.status == 403
        assert "Bạn không có quyền" in page.inner_text("body")

    run_browser(browser, scenario)


def test_counter_tablet_rates_the_ticket_just_served_and_resets(demo_server, browser):
    base = demo_server.url
    clerk = login_session(base, "quay1", DEMO_PASSWORD)
    clerk.post(f"{base}/api/v1/counters/1/open", timeout=5)
    ticket = requests.post(f"{base}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
    key = tablet_key("browser-test-secret", 1)

    def scenario(context):
        page = context.new_page()
        page.goto(f"{base}/rate/1?key={key}")
        page.wait_for_selector("#idle:not([hidden])")
        shot(page, "tablet-idle")
        clerk.post(f"{base}/api/v1/counters/1/call-next", timeout=5)
        clerk.post(f"{base}/api/v1/counters/1/finish", timeout=5)
        page.wait_for_selector("#ask:not([hidden])", timeout=10000)
        assert page.inner_text("#ticket-number") == ticket["number"]
        sizes = page.eval_on_selector_all("#levels button", "els => els.map(e => [e.offsetWidth, e.offsetHeight])")
        assert len(sizes) == 3 and all(w >= 64 and h >= 64 for w, h in sizes)
        shot(page, "tablet-ask")
        page.click("button[data-level='satisfied']")
        page.wait_for_selector("#thanks:not([hidden])")
        shot(page, "tablet-thanks")
        page.wait_for_selector("#idle:not([hidden])", timeout=10000)  # resets by itself

    run_browser(browser, scenario, viewport=(1280, 800))
    sup = login_session(base, "giamsat", DEMO_PASSWORD)
    report = sup.get(f"{base}/api/v1/reports", params={"center_id": 1}, timeout=10).json()
    rows = {r["level"]: r["count"] for r in next(t for t in report["tables"] if t["key"] == "ratings")["rows"]}
    assert rows == {"very_satisfied": 0, "satisfied": 1, "unsatisfied": 0}


def test_phone_rating_page_with_a_reason(demo_server, browser):
    base = demo_server.url
    clerk = login_session(base, "quay3", DEMO_PASSWORD)
    ticket = requests.post(f"{base}/api/v1/tickets", json={"center_id": 1, "service_id": 2}, timeout=5).json()
    clerk.post(f"{base}/api/v1/counters/3/call-next", timeout=5)
    clerk.post(f"{base}/api/v1/counters/3/finish", timeout=5)

    def scenario(context):
        page = context.new_page()
        page.goto(f"{base}/rate/t/{ticket['token']}")
        shot(page, "phone-rate", full_page=True)
        page.click("button[data-level='unsatisfied']")
        page.wait_for_selector("#reason-step:not([hidden])")
        shot(page, "phone-reasons", full_page=True)
        page.click("button[data-reason='long_wait']")
        page.wait_for_selector("#thanks:not([hidden])")
        page.reload()
        assert "Cảm ơn Ông/Bà đã đánh giá" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    run_browser(browser, scenario, viewport=(390, 844))
