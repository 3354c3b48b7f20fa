"""The whole loop in a real browser (Debian chromium through Playwright): a clerk logs in on the
console, calls, receives a dossier whose receipt prints on a TCP test printer with a QR that decodes
to the code; the one-stop e-system marks the result ready with its token; a real SMTP server gets the
e-mail; the code is scanned at the kiosk page; the pickup ticket is called at counter 7 with the
pickup announcement. Screenshots go to test-artifacts/."""

from __future__ import annotations

import importlib.util
import threading

import pytest
import requests
import socketio as sio_client
from aiosmtpd.controller import Controller

from audio.announcements import announcement_text
from server.domain.accounts import create_api_token, register_device
from server.domain.notices import NoticeConfig
from tests.support.console_browser import DESKTOP, open_console, sit_down
from tests.support.demo import DEMO_PASSWORD
from tests.support.notices import Inbox
from tests.support.raster import read_qr_texts
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]


class Events:
    """A board-like Socket.IO client of the live server, recording what the center room gets."""

    def __init__(self, url: str) -> None:
        self.client = sio_client.Client(reconnection=False)
        self.received: list[tuple[str, dict]] = []
        self.lock = threading.Condition()
        for name in ("ticket_called", "results_ready", "ticket_issued"):
            self.client.on(name, self._recorder(name))
        self.client.connect(url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)

    def _recorder(self, name: str):
        def record(payload: dict) -> None:
            with self.lock:
                self.received.append((name, payload))
                self.lock.notify_all()

        return record

    def wait_for(self, predicate, timeout: float = 10) -> dict:
        with self.lock:
            assert self.lock.wait_for(lambda: any(predicate(n, p) for n, p in self.received), timeout), self.received
            return next(p for n, p in self.received if predicate(n, p))


def test_the_whole_loop_console_receipt_notice_kiosk_pickup_and_call(app, browser, live_server, artifacts):
    app.extensions["motcua"].printing.queue.retry_delay = 0.1
    core = app.extensions["motcua"]
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    printer = TcpTestPrinter()
    events = Events(live_server.url)
    contexts = []
    try:
        from server.web.api.dossiers import area

        area(app).notices.config = NoticeConfig(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="motcua@hoankiem.example")
        with core.db.write() as s:
            register_device(s, 1, "printer", "Máy in quầy 1", printer_url=printer.url, config={"counter_id": 1})
            _kiosk, kiosk_token = register_device(s, 1, "kiosk", "Kiosk sảnh")
            egov_token = create_api_token(s, "Hệ thống thông tin giải quyết TTHC", center_id=1, scopes=("dossiers",))

        # A citizen takes a ticket for Tư pháp – Hộ tịch.
        assert (
            requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10).status_code
            == 201
        )

        # ---- the clerk of counter 1 logs in, calls, receives the dossier
        context, page = open_console(browser, live_server, "quay1", 1, screenshot=artifacts / "console-login.png")
        contexts.append(context)
        page.screenshot(path=str(artifacts / "console-pick-counter.png"))
        sit_down(page, 1)
        page.screenshot(path=str(artifacts / "console-idle.png"))
        page.keyboard.press("n")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
        assert "Tư pháp" in page.inner_text("#current-service")
        page.keyboard.press("n")  # Next while serving: refused, with the API's Vietnamese message
        page.wait_for_selector("#message.error:not([hidden])")
        assert "đang phục vụ số 1001" in page.inner_text("#message-vi")
        page.wait_for_selector("#waiting-list li.empty")
        page.screenshot(path=str(artifacts / "console-next-refused.png"))
        page.keyboard.press("s")
        page.wait_for_selector("#current-card[data-state='serving']")
        page.keyboard.press("h")
        page.wait_for_selector("#receive-panel:not([hidden])")
        procedure_id = next(
            p["id"]
            for p in page.evaluate("JSON.parse(document.getElementById('config').textContent).procedures")
            if p["code"] == "TPHT-KH"
        )
        page.select_option("#procedure", str(procedure_id))
        page.fill("#applicant_name", "Nguyễn Thị Hoa")
        page.fill("#applicant_phone", "0912 345 678")
        page.fill("#applicant_email", "hoa@example.vn")
        assert page.locator("#documents input[type=checkbox]:checked").count() == 3
        page.screenshot(path=str(artifacts / "console-receive-form.png"))
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#receipt-panel:not([hidden])")
        page.wait_for_selector("#print-status[data-status='printed']")
        code = page.inner_text("#receipt-code").strip()
        assert code == "000.00.12.H26-261123-0001"
        assert page.inner_text("#receipt-appointment") == "09:00, 27/11/2026 (Thứ Sáu)"
        page.wait_for_function("document.getElementById('receipt-img').naturalWidth > 0")
        page.screenshot(path=str(artifacts / "console-receipt.png"), full_page=True)
        printer.wait_for_jobs(1, timeout=15)
        assert read_qr_texts(printer.jobs[0]) == [code]
        page.keyboard.press("f")
        page.wait_for_function("document.getElementById('current-number').textContent === '—'")

        # ---- the one-stop e-system says the result is ready; the applicant gets the e-mail
        ready = requests.post(
            f"{live_server.url}/api/v1/dossiers/{code}/result-ready",
            json={},
            headers={"Authorization": f"Bearer {egov_token}"},
            timeout=10,
        )
        assert ready.status_code == 200 and ready.json()["state"] == "result_ready"
        assert inbox.arrived.wait(15)
        assert code in inbox.messages[0]["Subject"] and inbox.envelopes[0].rcpt_tos == ["hoa@example.vn"]
        assert events.wait_for(lambda n, p: n == "results_ready" and code in p["codes"])["codes"] == [code]
        page.wait_for_function("document.getElementById('ready-count').textContent === '1'")

        # ---- the citizen scans the receipt at the kiosk (a scanner types fast and presses Enter)
        if importlib.util.find_spec("kiosk.views") is not None:
            kiosk_context = browser.new_context(
                viewport={"width": 1080, "height": 1920}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
            )
            contexts.append(kiosk_context)
            kiosk = kiosk_context.new_page()
            kiosk.set_default_timeout(15000)
            kiosk.goto(f"{live_server.url}/kiosk/?device={kiosk_token}")
            kiosk.wait_for_selector("#view-home:not([hidden]) .svc[data-code='TPHT']")
            kiosk.wait_for_timeout(300)  # the citizen walks up: not an assertion
            kiosk.keyboard.type(code, delay=10)
            kiosk.keyboard.press("Enter")
            kiosk.wait_for_selector("#overlay-priority:not([hidden])")  # step 2 where pickup takes priority
            kiosk.click("#priority-none")
            kiosk.wait_for_selector("#overlay-ticket:not([hidden])")
            assert kiosk.inner_text("#ticket-number") == "8001"
            kiosk.screenshot(path=str(artifacts / "console-loop-kiosk-pickup.png"))
        else:  # the kiosk page is another area's: without it, the same function its scan endpoint calls
            assert app.extensions["motcua"].dossiers.dossiers.pickup_by_code(1, code)["outcome"] == "ticket_issued"

        # ---- counter 7 calls the pickup ticket; the dossier shows on its console; the voice says the pickup ticket's number
        context7, page7 = open_console(browser, live_server, "quay7", 7)
        contexts.append(context7)
        sit_down(page7, 7)
        page7.wait_for_selector("#waiting-list li[data-number='8001']")
        page7.keyboard.press("n")
        page7.wait_for_function("document.getElementById('current-number').textContent === '8001'")
        page7.wait_for_selector(f"#dossier-list .dossier[data-code='{code}']")
        panel = page7.inner_text("#dossier-panel")
        assert "Nguyễn Thị Hoa" in panel and "Đăng ký kết hôn" in panel and "Đã xử lý xong" in panel
        page7.wait_for_selector("#waiting-list li.empty")
        page7.screenshot(path=str(artifacts / "console-pickup-called.png"))
        called = events.wait_for(lambda n, p: n == "ticket_called" and p["number"] == "8001")
        assert called["announcement"] == "pickup" and called["ticket"]["dossier_code"] == code
        assert (
            announcement_text("pickup", called["number"], called["counter"]["number"])
            == "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
        )
        page7.keyboard.press("k")
        page7.wait_for_selector(f"#dossier-list .dossier[data-code='{code}'][data-state='returned']")
        assert "Đã trả kết quả hồ sơ" in page7.inner_text("#message-vi")

        # ---- back office: the dossier list shows it returned, early
        page.goto(f"{live_server.url}/console/dossiers")
        row = page.locator(f"tr[data-code='{code}']")
        assert row.get_attribute("data-state") == "returned" and "Trước hạn" in row.inner_text()
        page.screenshot(path=str(artifacts / "console-dossiers.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
        events.client.disconnect()
        printer.close()
        smtp.stop()


def test_back_office_marks_a_result_ready_from_the_dossier_page(app, browser, live_server, artifacts):
    from server.domain.dossiers import Applicant, DossierService

    core = app.extensions["motcua"]
    code = DossierService(core.db, core.clock, core.queue).receive(
        1,
        procedure_code="XD-GPXD",
        applicant=Applicant("Lý Văn Khải", "0903111222"),
        documents=["Đơn đề nghị cấp giấy phép xây dựng"],
        actor="t",
    )["code"]
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/console/dossiers/{code}")
        page.fill("#username", "quay4")
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector(f".dossier-detail[data-code='{code}']")
        page.wait_for_function("document.getElementById('receipt-img').naturalWidth > 0")
        page.screenshot(path=str(artifacts / "console-dossier-detail.png"), full_page=True)
        page.click("button[data-action='request_supplement']")
        page.wait_for_selector("#reason-dialog[open]")
        page.click("#reason-submit")  # no reason given: refused clearly
        page.wait_for_selector("#message.error:not([hidden])")
        assert "lý do" in page.inner_text("#message-vi")
        page.click("button[data-action='result_ready']")
        page.wait_for_selector(".dossier-detail[data-state='result_ready']")
        assert "Đã xử lý xong" in page.inner_text("#dossier-state")
    finally:
        context.close()


def test_transfer_dialog_sends_the_ticket_to_another_service_with_a_note(app, browser, live_server, artifacts):
    requests.post(f"{live_server.url}/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=10)
    context, page = open_console(browser, live_server, "quay1", 1)
    try:
        sit_down(page, 1)
        page.keyboard.press("F1")
        page.wait_for_function("document.getElementById('current-number').textContent === '1001'")
        page.keyboard.press("r")
        page.wait_for_function("document.getElementById('current-meta').textContent.includes('đã gọi lại 1 lần')")
        page.keyboard.press("t")
        page.wait_for_selector("#transfer-dialog[open]")
        page.select_option("#transfer-service", "2")  # Đất đai
        page.fill("#transfer-note", "Hỏi về thủ tục tách thửa")
        page.screenshot(path=str(artifacts / "console-transfer-dialog.png"))
        page.click("#transfer-submit")
        page.wait_for_selector("#message.ok:not([hidden])")
        assert "Đã chuyển số 1001" in page.inner_text("#message-vi")
        page.wait_for_function("document.getElementById('current-number').textContent === '—'")
        land = app.test_client()
        from tests.support.demo import login

        csrf = login(land, "quay3")
        waiting = land.get("/api/v1/counters/3/waiting", headers={"X-CSRF-Token": csrf}).get_json()["tickets"]
        assert [(t["number"], t["note"], t["transferred"]) for t in waiting] == [("1001", "Hỏi về thủ tục tách thửa", True)]
    finally:
        context.close()
