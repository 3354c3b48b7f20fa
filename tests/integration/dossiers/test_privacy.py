"""Privacy (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15): public endpoints, the kiosk's answers,
the boards' live events and the voice never carry a citizen's name, phone or e-mail."""

from __future__ import annotations

import json

import pytest

from audio.announcements import announcement_text
from server.adapters.realtime import socketio
from server.domain.accounts import register_device
from tests.support.demo import login
from tests.support.dossiers import receive_via_api, serve_next

pytestmark = pytest.mark.usefixtures("procedures")

NAME, PHONE, EMAIL = "Trịnh Thị Mai Anh", "0988123456", "mai.anh@example.vn"
SECRETS = (NAME, "Trịnh", PHONE, "988123456", EMAIL)


def assert_private(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"


def test_nothing_public_carries_the_applicants_personal_data(app, client, clerk_csrf, clock):
    board = socketio.test_client(app, auth={"center_id": 1})
    with app.extensions["motcua"].db.write() as s:
        _device, kiosk = register_device(s, 1, "kiosk", "Kiosk sảnh")
    serve_next(client, clerk_csrf)
    ready_code = receive_via_api(client, clerk_csrf, applicant_name=NAME, applicant_phone=PHONE, applicant_email=EMAIL)[
        "dossier"
    ]["code"]
    client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": clerk_csrf})
    serve_next(client, clerk_csrf)
    late_code = receive_via_api(client, clerk_csrf, procedure_code="TPHT-CTBS", applicant_name=NAME, applicant_phone=PHONE)[
        "dossier"
    ]["code"]
    client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": clerk_csrf})
    client.post(f"/api/v1/dossiers/{ready_code}/result-ready", json={}, headers={"X-CSRF-Token": clerk_csrf})

    public = app.test_client()
    scan = public.post("/api/v1/kiosk/scan", json={"code": ready_code}, headers={"X-Device-Token": kiosk})
    assert scan.status_code == 200 and scan.get_json()["outcome"] == "ticket_issued"
    token = scan.get_json()["ticket"]["token"]
    desk = app.test_client()
    csrf = login(desk, "quay7")
    desk.post("/api/v1/counters/7/call-next", headers={"X-CSRF-Token": csrf})
    clock.advance(days=2)  # the 0.5-day dossier is now overdue: the kiosk shows the apology
    overdue = public.post("/api/v1/kiosk/scan", json={"code": late_code}, headers={"X-Device-Token": kiosk})
    assert overdue.get_json()["outcome"] == "overdue_not_ready" and overdue.get_json()["apology"]

    for path in (
        f"/api/v1/dossiers/{ready_code}/status",
        f"/api/v1/dossiers/{late_code}/status",
        "/api/v1/centers/1/results-ready",
        "/api/v1/centers/1/queue",
        f"/api/v1/tickets/{token}",
        "/",
    ):
        response = public.get(path)
        assert response.status_code == 200, path
        assert_private(response.get_data(as_text=True), path)
    assert_private(scan.get_data(as_text=True), "kiosk scan (ready)")
    assert_private(overdue.get_data(as_text=True), "kiosk scan (overdue)")

    messages = board.get_received()
    names = {m["name"] for m in messages}
    assert {"results_ready", "ticket_called", "ticket_issued"} <= names
    assert_private(json.dumps(messages, ensure_ascii=False), "the board's Socket.IO events")
    called = [m["args"][0] for m in messages if m["name"] == "ticket_called"][-1]
    assert called["counter"]["number"] == 7 and called["announcement"] == "pickup"
    sentence = announcement_text(called["announcement"], called["number"], called["counter"]["number"])
    assert sentence.startswith("Xin mời công dân có số thứ tự tám nghìn") and sentence.endswith("đến quầy số bảy nhận kết quả")
    assert_private(sentence, "the announcement")
    board.disconnect()


def test_the_clerks_own_view_does_show_the_applicant(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    code = receive_via_api(client, clerk_csrf, applicant_name=NAME, applicant_phone=PHONE)["dossier"]["code"]
    assert client.get(f"/api/v1/dossiers/{code}").get_json()["applicant"]["name"] == NAME
