"""The dossier API: receiving at a counter, the public status, the one-stop e-system's token,
roles, receipts on a TCP printer with a QR that decodes to the code, and the pickup call."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from audio.announcements import announcement_text
from server.adapters.realtime import socketio
from server.domain.accounts import create_api_token, register_device
from tests.support.demo import login
from tests.support.dossiers import receive_via_api, serve_next
from tests.support.raster import read_qr_texts, read_qr_texts_from_image
from tests.support.tcp_printer import TcpTestPrinter

pytestmark = pytest.mark.usefixtures("procedures")


def api_token(app, *, center_id=1, role="supervisor", scopes=("dossiers",)) -> str:
    with app.extensions["motcua"].db.write() as s:
        return create_api_token(s, "Hệ thống một cửa điện tử", center_id=center_id, role=role, scopes=scopes)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ receive
def test_clerk_receives_a_dossier_from_the_ticket_being_served(client, clerk_csrf):
    ticket = serve_next(client, clerk_csrf)
    body = receive_via_api(client, clerk_csrf)
    dossier = body["dossier"]
    assert dossier["code"] == "000.00.12.H26-261123-0001"
    assert dossier["procedure"]["name"] == "Đăng ký kết hôn"
    assert dossier["applicant"] == {"name": "Nguyễn Thị Hoa", "phone": "0912345678", "email": "hoa@example.vn", "address": ""}
    assert dossier["ticket_id"] == ticket["id"] and dossier["counter"]["number"] == 1
    assert dossier["received_by"]["name"] == "Cán bộ quầy 1"
    assert dossier["appointment_text"] == "09:00, 27/11/2026 (Thứ Sáu)"
    assert body["receipt_png_url"].endswith("/receipt.png")


def test_receiving_without_a_called_ticket_is_refused_with_a_vietnamese_message(client, clerk_csrf):
    response = client.post(
        "/api/v1/counters/1/dossiers",
        json={"procedure_code": "TPHT-KH", "applicant_name": "A"},
        headers={"X-CSRF-Token": clerk_csrf},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["message_vi"].startswith("Quầy 1 chưa gọi số nào")


def test_unknown_procedure_is_a_400(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    response = client.post(
        "/api/v1/counters/1/dossiers",
        json={"procedure_code": "KHONG-CO", "applicant_name": "A"},
        headers={"X-CSRF-Token": clerk_csrf},
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "unknown_procedure"


def test_procedure_catalogue_is_public_with_processing_days_and_field(client):
    rows = {p["code"]: p for p in client.get("/api/v1/centers/1/procedures").get_json()}
    assert rows["XD-GPXD"]["processing_days"] == 15 and rows["TPHT-CTBS"]["processing_days"] == 0.5
    assert rows["DD-BD"]["service_id"] == 2


# ------------------------------------------------------------------ public status & privacy
def test_public_status_shows_code_procedure_state_and_appointment_but_no_personal_data(app, client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    anonymous = app.test_client()
    response = anonymous.get(f"/api/v1/dossiers/{code}/status")
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == code and body["procedure_name"] == "Đăng ký kết hôn"
    assert body["state_label_vi"] == "Được tiếp nhận" and body["appointment_text"]
    raw = response.get_data(as_text=True)
    for secret in ("Nguyễn Thị Hoa", "0912345678", "hoa@example.vn", "applicant"):
        assert secret not in raw


def test_public_status_of_an_unknown_or_malformed_code_is_a_404(client):
    assert client.get("/api/v1/dossiers/000.00.12.H26-261123-0042/status").status_code == 404
    assert client.get("/api/v1/dossiers/khong-phai-ma/status").status_code == 404


# ------------------------------------------------------------------ the one-stop e-system (API token)
def test_result_ready_through_the_api_with_a_token(app, client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    machine = app.test_client()
    response = machine.post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers=bearer(api_token(app)))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "result_ready" and response.get_json()["result_class"] == "early"
    ready = app.test_client().get("/api/v1/centers/1/results-ready").get_json()
    assert ready["codes"] == [code] and ready["items"][0]["short"] == "0001"
    log = client.get(f"/api/v1/dossiers/{code}").get_json()["events"]
    assert log[-1]["action"] == "result_ready" and log[-1]["actor"].startswith("api:")


@pytest.mark.parametrize(
    "headers, status", [({}, 401), ({"Authorization": "Bearer mcq_sai"}, 401)], ids=["no-token", "wrong-token"]
)
def test_external_endpoints_refuse_without_a_valid_token(app, client, clerk_csrf, headers, status):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    for path in ("result-ready", "processing", "return"):
        response = app.test_client().post(f"/api/v1/dossiers/{code}/{path}", json={}, headers=headers)
        assert response.status_code == status, path
    assert client.get(f"/api/v1/dossiers/{code}").get_json()["state"] == "received"


def test_a_token_of_another_center_or_without_dossier_scope_is_refused(app, client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    from server.models import Center

    with app.extensions["motcua"].db.write() as s:
        s.add(Center(code="KHAC", name="Trung tâm khác", agency_id="000.00.99.H26", settings={}))
    other = api_token(app, center_id=2)
    assert app.test_client().post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers=bearer(other)).status_code == 403
    reports_only = api_token(app, scopes=("reports",))
    assert (
        app.test_client().post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers=bearer(reports_only)).status_code == 403
    )


# ------------------------------------------------------------------ roles
CLERK_ENDPOINTS = [
    ("POST", "/api/v1/counters/1/dossiers", {"procedure_code": "TPHT-KH", "applicant_name": "A"}),
    ("POST", "/api/v1/centers/1/dossiers/receive", {"procedure_code": "TPHT-KH", "applicant_name": "A"}),
    ("POST", "/api/v1/centers/1/preregistrations", {"procedure_code": "TPHT-KH", "applicant_name": "A"}),
    ("GET", "/api/v1/centers/1/dossiers", None),
    ("GET", "/api/v1/dossiers/{code}", None),
    ("POST", "/api/v1/dossiers/{code}/processing", {}),
    ("POST", "/api/v1/dossiers/{code}/supplement", {"reason": "x"}),
    ("POST", "/api/v1/dossiers/{code}/supplement-received", {}),
    ("POST", "/api/v1/dossiers/{code}/reject", {"reason": "x"}),
    ("POST", "/api/v1/dossiers/{code}/stop", {"reason": "x"}),
    ("POST", "/api/v1/dossiers/{code}/result-ready", {}),
    ("POST", "/api/v1/dossiers/{code}/return", {}),
    ("POST", "/api/v1/dossiers/{code}/apology", {}),
    ("POST", "/api/v1/dossiers/{code}/print", {"counter_id": 1}),
    ("GET", "/api/v1/dossiers/{code}/receipt.png", None),
    ("GET", "/api/v1/dossiers/{code}/receipt.pdf", None),
    ("GET", "/api/v1/dossiers/{code}/apology.png", None),
    ("GET", "/api/v1/dossiers/{code}/apology.pdf", None),
    ("GET", "/api/v1/dossier-print-jobs/abc", None),
    ("POST", "/api/v1/centers/1/dossier-pickup", {"code": "000.00.12.H26-261123-0001"}),
    ("GET", "/api/v1/counters/1/waiting", None),
    ("GET", "/api/v1/counters/1/current-dossiers", None),
    ("GET", "/api/v1/centers/1/postal-handover", None),
    ("GET", "/api/v1/centers/1/postal-handover.csv", None),
    ("POST", "/api/v1/centers/1/postal-handover/posted", {"codes": ["000.00.12.H26-261123-0001"]}),
    ("POST", "/api/v1/dossiers/{code}/delivered", {}),
]
SUPERVISOR_ENDPOINTS = [("GET", "/api/v1/centers/1/notices", None), ("POST", "/api/v1/notices/1/retry", {})]


@pytest.fixture
def existing_code(app, procedures) -> str:
    from server.domain.dossiers import Applicant, DossierService

    core = app.extensions["motcua"]
    return DossierService(core.db, core.clock, core.queue).receive(
        1, procedure_code="TPHT-KH", applicant=Applicant("Đỗ Văn Phúc"), actor="t"
    )["code"]


@pytest.mark.parametrize(
    "method, path, body", CLERK_ENDPOINTS + SUPERVISOR_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else None
)
def test_every_staff_endpoint_refuses_without_login(app, existing_code, method, path, body):
    response = app.test_client().open(path.format(code=existing_code), method=method, json=body)
    assert response.status_code == 401, (path, response.get_json())
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("method, path, body", SUPERVISOR_ENDPOINTS)
def test_supervisor_endpoints_refuse_a_clerk(app, client, clerk_csrf, method, path, body):
    response = client.open(path, method=method, json=body, headers={"X-CSRF-Token": clerk_csrf})
    assert response.status_code == 403


def test_a_clerk_of_another_center_is_refused(app, existing_code):
    from server.domain.accounts import create_user
    from server.models import Center

    with app.extensions["motcua"].db.write() as s:
        other = Center(code="KHAC", name="Trung tâm khác", agency_id="000.00.99.H26", settings={})
        s.add(other)
        s.flush()
        create_user(s, "canbo-khac", "matkhau-khac-123", role="clerk", center_id=other.id)
    stranger = app.test_client()
    csrf = login(stranger, "canbo-khac", "matkhau-khac-123")
    for method, path, body in CLERK_ENDPOINTS:
        if path.startswith("/api/v1/dossier-print-jobs"):
            continue  # an unknown job is a 404 for everyone
        response = stranger.open(path.format(code=existing_code), method=method, json=body, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 403, (path, response.get_json())


def test_changes_from_a_browser_session_need_the_csrf_token(client, existing_code):
    login(client, "quay1")
    response = client.post(f"/api/v1/dossiers/{existing_code}/result-ready", json={})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"


# ------------------------------------------------------------------ receipts
def test_receipt_png_carries_a_qr_with_the_dossier_code(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    response = client.get(f"/api/v1/dossiers/{code}/receipt.png?width=384")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.width == 384
    assert read_qr_texts_from_image(image) == [code]
    pdf = client.get(f"/api/v1/dossiers/{code}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def bind_printer(app, url: str, counter_id: int = 1) -> None:
    with app.extensions["motcua"].db.write() as s:
        register_device(s, 1, "printer", f"Máy in quầy {counter_id}", printer_url=url, config={"counter_id": counter_id})


def test_receipt_is_printed_on_the_counters_printer_and_its_qr_decodes_to_the_code(app, client, clerk_csrf):
    with TcpTestPrinter() as printer:
        bind_printer(app, printer.url)
        serve_next(client, clerk_csrf)
        body = receive_via_api(client, clerk_csrf, **{"print": True})
        code = body["dossier"]["code"]
        assert body["print_job"]["status"] in ("pending", "printed")
        printer.wait_for_jobs(1, timeout=15)
        assert read_qr_texts(printer.jobs[0]) == [code]
    job = client.get(f"/api/v1/dossier-print-jobs/{body['print_job']['id']}").get_json()
    assert job["status"] == "printed"


def test_a_dead_printer_never_loses_the_dossier_and_raises_an_alert(app, client, clerk_csrf):
    app.extensions["motcua"].printing.queue.retry_delay = 0  # a dead printer is tried again at once
    with TcpTestPrinter() as printer:
        dead = printer.url  # closed at the end of the block: nothing listens there any more
    bind_printer(app, dead)
    serve_next(client, clerk_csrf)
    body = receive_via_api(client, clerk_csrf, **{"print": True})
    code = body["dossier"]["code"]
    app.extensions["motcua"].printing.queue.close(timeout=15)  # let the print worker finish its retries
    assert client.get(f"/api/v1/dossier-print-jobs/{body['print_job']['id']}").get_json()["status"] == "failed"
    assert client.get(f"/api/v1/dossiers/{code}").get_json()["state"] == "received"
    alerts = [a for a in app.extensions["motcua"].alerts.open_alerts(1) if a["kind"] == "printer_down"]
    assert [a["source"] for a in alerts] == [dead]
    assert "giấy tiếp nhận" in alerts[0]["message_vi"]
    assert client.get(f"/api/v1/dossiers/{code}/receipt.png").status_code == 200  # the console shows the preview


def test_a_counter_without_printer_says_to_print_the_pdf(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    body = receive_via_api(client, clerk_csrf, **{"print": True})
    assert body["print_job"] is None and "PDF" in body["message_vi"]


# ------------------------------------------------------------------ pickup: ticket, call, voice
def test_pickup_ticket_is_called_with_the_pickup_announcement_and_the_dossier_code(app, client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": clerk_csrf})
    client.post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers={"X-CSRF-Token": clerk_csrf})
    answer = client.post("/api/v1/centers/1/dossier-pickup", json={"code": code}, headers={"X-CSRF-Token": clerk_csrf}).get_json()
    assert answer["outcome"] == "ticket_issued" and answer["ticket"]["dossier_code"] == code
    board = socketio.test_client(app, auth={"center_id": 1})
    board.get_received()
    desk = app.test_client()
    desk_csrf = login(desk, "quay7")
    called = desk.post("/api/v1/counters/7/call-next", headers={"X-CSRF-Token": desk_csrf}).get_json()["ticket"]
    assert called["number"] == answer["ticket"]["number"]
    event = next(m["args"][0] for m in board.get_received() if m["name"] == "ticket_called")
    assert event["announcement"] == "pickup" and event["ticket"]["dossier_code"] == code
    # Said by the number on the pickup ticket the citizen holds (8001), not the dossier's daily 0001.
    sentence = announcement_text(event["announcement"], event["number"], event["counter"]["number"])
    assert sentence == "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
    assert "Nguyễn" not in sentence and "Hoa" not in sentence
    board.disconnect()


def test_counter_dossiers_show_the_scanned_dossier_of_the_current_ticket(app, client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf)["dossier"]["code"]
    client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": clerk_csrf})
    client.post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers={"X-CSRF-Token": clerk_csrf})
    app.extensions["motcua"].dossiers.dossiers.pickup_by_code(1, code)  # what the kiosk's scan endpoint calls
    desk = app.test_client()
    csrf = login(desk, "quay7")
    assert [t["dossier_code"] for t in desk.get("/api/v1/counters/7/waiting").get_json()["tickets"]] == [code]
    desk.post("/api/v1/counters/7/call-next", headers={"X-CSRF-Token": csrf})
    shown = desk.get("/api/v1/counters/7/current-dossiers").get_json()
    assert shown["ticket"]["dossier_code"] == code
    assert shown["dossiers"][0]["code"] == code and shown["dossiers"][0]["applicant"]["name"] == "Nguyễn Thị Hoa"
    returned = desk.post(f"/api/v1/dossiers/{code}/return", json={}, headers={"X-CSRF-Token": csrf}).get_json()
    assert returned["state"] == "returned" and returned["result_class"] == "early"


def test_openapi_lists_the_dossier_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/counters/{counter_id}/dossiers",
        "/api/v1/dossiers/{code}/status",
        "/api/v1/dossiers/{code}/result-ready",
        "/api/v1/centers/{center_id}/results-ready",
        "/api/v1/dossiers/{code}/receipt.png",
    ):
        assert path in paths, path
