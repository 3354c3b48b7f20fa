"""Privacy walk for the chip ID card (Luật 91/2025/QH15), against the real server process: a clerk
receives a dossier with the citizen's card and readies its result; the citizen scans the card at the
kiosk (pickup ticket, then the same ticket again) and is called to the result counter on the board;
another citizen's card leads to the field choice; a clerk reads a card on the receive form. Then
nothing the kiosk or the board received (HTTP responses, websocket frames) and no line of the
server's log (a line per request) holds a name, a 12-digit number or an address."""

from __future__ import annotations

import pytest

from server.domain.accounts import register_device
from tests.support.browser import Recorder, leaks
from tests.support.demo import DEMO_PASSWORD
from tests.support.display import wait_connected
from tests.support.kiosk_browser import LANDSCAPE, scanner_burst, take_number, wait_home
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("procedures")]

ID_NUMBER = "001099003456"
NAME = "Nguyễn Văn Bình"
ADDRESS = "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội"
CARD = f"{ID_NUMBER}|123456789|{NAME}|15031990|Nam|{ADDRESS}|01052021"
OTHER_ID, OTHER_NAME, OTHER_ADDRESS = "079088001234", "Lê Thị Mai", "Xã Tân Lập, Đan Phượng, Hà Nội"
OTHER_CARD = f"{OTHER_ID}||{OTHER_NAME}|02021985|Nữ|{OTHER_ADDRESS}|10102022"
PERSONAL = (ID_NUMBER, NAME, ADDRESS, "Láng Hạ", OTHER_ID, OTHER_NAME, OTHER_ADDRESS, "Tân Lập")


def test_no_name_number_or_address_reaches_a_public_screen_or_the_log(browser, tmp_path, sqlite_url, db):
    with db.write() as s:
        _k, kiosk_token = register_device(s, 1, "kiosk", "Kiosk sảnh")
        _d, board_token = register_device(s, 1, "display", "Bảng sảnh", config={"sound": False})
    log = tmp_path / "server.log"
    # The threaded server (as on Windows) writes a line per request, what a reverse proxy's access log would keep too.
    env = {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "privacy-walk", "RATE_LIMIT_ENABLED": "0",
           "MOTCUA_DEV_SERVER": "1"}
    server = ServerProcess(free_port(), env, log).start()
    context = browser.new_context(viewport=LANDSCAPE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        board, kiosk = context.new_page(), context.new_page()
        seen = [Recorder(board), Recorder(kiosk)]
        board.goto(f"{server.url}/display/board?device={board_token}")
        wait_connected(board)
        kiosk.goto(f"{server.url}/kiosk/?device={kiosk_token}")
        wait_home(kiosk)

        # The clerk reads the card on the receive form, receives, readies the result.
        clerk = login_session(server.url, "quay1", DEMO_PASSWORD)
        card = clerk.post(f"{server.url}/api/v1/dossiers/id-card", json={"text": CARD}, timeout=10).json()
        assert card["name"] == NAME and card["id_number"] == ID_NUMBER
        procedure = clerk.get(f"{server.url}/api/v1/centers/1/procedures", timeout=10).json()
        procedure_id = (procedure["items"] if isinstance(procedure, dict) else procedure)[0]["id"]
        received = clerk.post(f"{server.url}/api/v1/centers/1/dossiers/receive", timeout=10, json={
            "procedure_id": procedure_id, "applicant_name": card["name"], "applicant_id_number": card["id_number"],
            "applicant_address": card["address"], "channel": "direct", "documents": ["Tờ khai"], "print": False})
        assert received.status_code == 201, received.text
        code = received.json()["dossier"]["code"]
        assert clerk.post(f"{server.url}/api/v1/dossiers/{code}/result-ready", json={}, timeout=10).status_code == 200

        # The citizen scans the card twice at the kiosk; the result counter calls the ticket; the board shows it.
        for mode in ("issued", "status"):
            scanner_burst(kiosk, CARD)
            kiosk.wait_for_selector(f".ticket-card[data-mode='{mode}']")
            number = kiosk.inner_text("#ticket-number")
            kiosk.click("#ticket-done")
        called = login_session(server.url, "quay7", DEMO_PASSWORD).post(f"{server.url}/api/v1/counters/7/call-next", timeout=10)
        assert called.json()["ticket"]["number"] == number
        board.wait_for_function(f"document.getElementById('now-number').textContent === '{number}'")

        # Another citizen, nothing ready: the field choice, a linked ticket, called at counter 1.
        scanner_burst(kiosk, OTHER_CARD)
        kiosk.wait_for_selector("#citizen-banner:not([hidden])")
        take_number(kiosk, "TPHT")
        kiosk.wait_for_selector("#overlay-ticket:not([hidden])")
        other = kiosk.inner_text("#ticket-number")
        assert clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=10).json()["ticket"]["number"] == other
        board.wait_for_function(f"document.getElementById('now-number').textContent === '{other}'")

        texts = [text for recorder in seen for text in recorder.texts()]
        assert sum(1 for where, _t in texts if where.startswith("ws frame")) >= 4  # the calls did come by websocket
        assert any("/api/v1/kiosk/scan" in where for where, _t in texts)
        assert leaks(texts, PERSONAL) == []
        assert leaks([(f"page {p.url}", p.content()) for p in (kiosk, board)], PERSONAL) == []
    finally:
        context.close()
        server.stop()
    logged = log.read_text(encoding="utf-8", errors="replace")
    for request in ("POST /api/v1/kiosk/scan", "POST /api/v1/dossiers/id-card", "POST /api/v1/centers/1/dossiers/receive"):
        assert request in logged  # the log did record the walk
    assert leaks([(f"log line {i}", line) for i, line in enumerate(logged.splitlines())], PERSONAL) == []
