"""The kiosk API: only a registered kiosk works; it issues tickets unless the center is
closed or no counter serves the service; scans are answered in two languages, never with
an error page; the ticket's phone page shows no personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.adapters.realtime import socketio
from server.models import Center, Counter, Service, Ticket
from server.web.api.kiosk import normalise_scan, strip_diacritics, ticket_token_candidates
from tests.support.demo import login, update
from tests.support.dossiers import received_dossier


def headers(token: str) -> dict[str, str]:
    return {"X-Device-Token": token}


def issue(client, token: str, service_id: int = 1, **extra):
    return client.post("/api/v1/kiosk/tickets", json={"service_id": service_id, **extra}, headers=headers(token))


def scan(client, token: str, code: str) -> dict:
    response = client.post("/api/v1/kiosk/scan", json={"code": code}, headers=headers(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- registration
@pytest.mark.parametrize(
    "path, method",
    [
        ("/api/v1/kiosk/me", "get"),
        ("/api/v1/kiosk/services", "get"),
        ("/api/v1/kiosk/tickets", "post"),
        ("/api/v1/kiosk/scan", "post"),
    ],
)
@pytest.mark.parametrize("sent", [None, "khong-dung", "x" * 500], ids=["none", "wrong", "too-long"])
def test_unregistered_kiosk_gets_401_device_unregistered(client, path, method, sent):
    body = {"code": "ABCDEF"} if path.endswith("scan") else {"service_id": 1}
    kwargs = {"json": body} if method == "post" else {}
    response = getattr(client, method)(path, headers=headers(sent) if sent else {}, **kwargs)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "device_unregistered"
    assert "chưa được đăng ký" in error["message_vi"] and "not registered" in error["message_en"]


def test_a_display_token_is_not_a_kiosk(client, make_device):
    token = make_device("display", name="Màn hình sảnh")
    assert issue(client, token).status_code == 401


def test_deactivated_kiosk_stops_working(app, client, make_device):
    from server.models import Device

    token = make_device()
    assert client.get("/api/v1/kiosk/me", headers=headers(token)).status_code == 200
    with app.extensions["motcua"].db.write() as s:
        for device in s.query(Device).all():
            device.active = False
    assert client.get("/api/v1/kiosk/me", headers=headers(token)).status_code == 401


def test_kiosk_me_tells_center_printer_priority_and_idle_time(app, client, make_device, db):
    update(db, Center, 1, settings={"kiosk_idle_seconds": 35, "ticket_footer": "Xin cảm ơn"})
    token = make_device(printer_url="tcp://127.0.0.1:9100?width=384")
    me = client.get("/api/v1/kiosk/me", headers=headers(token)).get_json()
    assert me["center"]["id"] == 1 and "Hoàn Kiếm" in me["center"]["name"]
    assert me["center"]["idle_seconds"] == 35
    assert me["center"]["priority_enabled"] is True
    assert me["device"] == {
        "id": me["device"]["id"],
        "name": "Kiosk thử",
        "kind": "kiosk",
        "has_printer": True,
        "printer_width": 384,
    }
    assert [p["code"] for p in me["priority_categories"]] == ["elderly", "disabled", "pregnant", "merit"]
    assert me["priority_categories"][0]["label_vi"] == "Người cao tuổi"


def test_idle_time_defaults_to_20_seconds(client, kiosk_token):
    assert client.get("/api/v1/kiosk/me", headers=headers(kiosk_token)).get_json()["center"]["idle_seconds"] == 20


def test_kiosk_is_seen_when_it_calls(app, client, kiosk_token):
    from server.models import Device

    client.get("/api/v1/kiosk/services", headers=headers(kiosk_token))
    with app.extensions["motcua"].db.read() as s:
        seen = [d.last_seen_at for d in s.query(Device).all()]
    assert seen and seen[0] is not None


# ---------------------------------------------------------------- services and issuing
def test_services_list_groups_kinds_and_counts_waiting(client, kiosk_token):
    issue(client, kiosk_token, 1)
    body = client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()
    assert body["issuing"]["allowed"] is True
    by_code = {s["code"]: s for s in body["services"]}
    assert by_code["TPHT"]["waiting"] == 1 and by_code["TPHT"]["available"] is True and by_code["TPHT"]["open_counters"] == 2
    assert by_code["HTDVC"]["kind"] == "information" and by_code["NKQ"]["kind"] == "collect"
    assert by_code["NKQ"]["priority_allowed"] is True  # an elderly citizen collecting a result goes first too


def test_inactive_service_is_not_offered(client, kiosk_token, db):
    update(db, Service, 2, active=False)
    codes = [s["code"] for s in client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()["services"]]
    assert "DD" not in codes and "TPHT" in codes


def test_a_new_service_appears_without_restart(client, kiosk_token, db):
    with db.write() as s:
        s.add(
            Service(
                center_id=1,
                code="TNMT2",
                name="Tài nguyên nước",
                name_en="Water resources",
                kind="submit",
                number_start=9001,
                number_digits=4,
                sort_order=3,
            )
        )
    names = [s["name"] for s in client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()["services"]]
    assert "Tài nguyên nước" in names


def test_service_without_open_counter_says_so_instead_of_issuing(client, kiosk_token, db):
    update(db, Counter, 3, is_open=False)  # counter 3 is the only one serving Đất đai
    body = client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()
    land = next(s for s in body["services"] if s["code"] == "DD")
    assert land["available"] is False and land["reason_code"] == "no_open_counter" and land["reason_vi"] == "Chưa có quầy mở"
    response = issue(client, kiosk_token, 2)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "no_open_counter" and "Đất đai" in error["message_vi"] and "Land" in error["message_en"]
    assert client.get("/api/v1/centers/1/services").get_json()[1]["waiting"] == 0


def test_closed_hours_say_so_instead_of_issuing(app, client, kiosk_token, db, clock):
    update(
        db,
        Center,
        1,
        settings={"opening_hours": {d: [["07:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}},
    )
    clock.set(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # 12:00 in Hà Nội: lunch break
    body = client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()
    assert body["issuing"]["allowed"] is False and "13:30" in body["issuing"]["reason_vi"]
    response = issue(client, kiosk_token)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "center_closed" and "13:30" in error["message_vi"] and "13:30" in error["message_en"]
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # 14:00: open again
    assert issue(client, kiosk_token).status_code == 201


def test_kiosk_ticket_records_its_device_and_source(app, client, kiosk_token):
    body = issue(client, kiosk_token).get_json()
    with app.extensions["motcua"].db.read() as s:
        ticket = s.get(Ticket, body["ticket"]["id"])
        assert ticket.source == "kiosk" and ticket.device_id is not None
    assert body["issued_at_text"] == "Giờ lấy số: 09:00, 23/11/2026"
    assert body["qr_url"] == f"/t/{body['ticket']['token']}/qr.png"


def test_priority_ticket_when_allowed_refused_when_switched_off(client, kiosk_token, db):
    assert issue(client, kiosk_token, 1, priority="pregnant").get_json()["ticket"]["priority"] == "pregnant"
    update(db, Service, 2, priority_allowed=False)  # an admin switched priority off for "Đất đai"
    refused = issue(client, kiosk_token, 2, priority="elderly")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "priority_disabled"
    update(db, Center, 1, priority_enabled=False)
    assert client.get("/api/v1/kiosk/services", headers=headers(kiosk_token)).get_json()["priority_enabled"] is False
    assert issue(client, kiosk_token, 1, priority="elderly").get_json()["error"]["code"] == "priority_disabled"
    assert issue(client, kiosk_token, 1, priority="vip").status_code == 400


def test_unknown_service_and_other_centers_service_are_404(app, client, kiosk_token):
    with app.extensions["motcua"].db.write() as s:
        other = Center(code="KHAC", name="Trung tâm khác", settings={})
        s.add(other)
        s.flush()
        s.add(Service(center_id=other.id, code="X", name="Khác", kind="submit"))
        s.flush()
        foreign = s.query(Service).filter_by(center_id=other.id).one().id
    for service_id in (9999, foreign):
        response = issue(client, kiosk_token, service_id)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_service"


def test_print_job_of_another_kiosk_center_is_not_found(client, kiosk_token):
    response = client.get("/api/v1/kiosk/print-jobs/0123456789abcdef", headers=headers(kiosk_token))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_print_job"


def test_public_ticket_endpoint_still_issues_without_a_device(client):
    assert client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201


# ---------------------------------------------------------------- scanning
def test_scanned_phone_url_shows_that_tickets_status(client, kiosk_token):
    mine = issue(client, kiosk_token).get_json()
    second = issue(client, kiosk_token).get_json()
    answer = scan(client, kiosk_token, mine["phone_url"])
    assert answer["outcome"] == "ticket_status" and answer["kind"] == "ticket"
    assert answer["ticket"]["number"] == "1001"
    assert answer["message_vi"] == "Số 1001 đang chờ — Ông/Bà là người tiếp theo."
    assert answer["message_en"] == "Number 1001 is waiting — you are next."
    later = scan(client, kiosk_token, second["phone_url"])
    assert later["message_vi"] == "Số 1002 đang chờ: còn 1 người trước Ông/Bà, khoảng 4 phút."  # 1 × 8 min ÷ 2 open counters
    assert answer["phone_url"] == mine["phone_url"]


def test_scanned_called_ticket_names_the_counter(client, kiosk_token):
    mine = issue(client, kiosk_token).get_json()
    csrf = login(client, "quay2")
    client.post("/api/v1/counters/2/call-next", headers={"X-CSRF-Token": csrf})
    answer = scan(client, kiosk_token, mine["ticket"]["token"])
    assert answer["ticket"]["state"] == "called"
    assert answer["message_vi"] == "Số 1001 đã được gọi — mời đến quầy số 2."


def test_scanner_with_caps_lock_still_finds_the_ticket(client, kiosk_token):
    mine = issue(client, kiosk_token).get_json()
    answer = scan(client, kiosk_token, mine["phone_url"].upper())
    assert answer["outcome"] == "ticket_status" and answer["ticket"]["token"] == mine["ticket"]["token"]


def test_unknown_ticket_url_is_a_clear_message(client, kiosk_token):
    answer = scan(client, kiosk_token, "http://192.168.1.10:8000/t/AAAAAAAAAAAAAAAAAAAAAAAA")
    assert answer["outcome"] == "ticket_unknown" and answer["ticket"] is None
    assert "Không tìm thấy" in answer["message_vi"] and "not found" in answer["message_en"]


def test_ticket_of_another_center_is_not_shown(app, client, kiosk_token):
    with app.extensions["motcua"].db.write() as s:
        other = Center(code="KHAC", name="Trung tâm khác", settings={})
        s.add(other)
        s.flush()
        service = Service(center_id=other.id, code="X", name="Khác", kind="submit")
        s.add(service)
        s.flush()
        other_id, service_id = other.id, service.id
    foreign = client.post("/api/v1/tickets", json={"center_id": other_id, "service_id": service_id}).get_json()
    answer = scan(client, kiosk_token, f"http://x/t/{foreign['token']}")
    assert answer["outcome"] == "ticket_unknown" and answer["ticket"] is None


@pytest.mark.parametrize("code", ["XYZ#NOT-A-CODE!!", "   ", "😀😀😀😀😀😀", "a" * 600, "SELECT * FROM tickets;--"])
def test_anything_else_gets_a_bilingual_message_never_an_error(client, kiosk_token, code):
    answer = scan(client, kiosk_token, code)
    assert answer["outcome"] == "unrecognised"
    assert answer["message_vi"].startswith("Không nhận ra mã vừa quét")
    assert "not recognised" in answer["message_en"]


def test_dossier_code_goes_to_the_pickup_flow_and_its_ticket_is_printed(app, client, make_device):
    from tests.support.raster import read_qr_texts
    from tests.support.tcp_printer import TcpTestPrinter

    service, code = received_dossier(app)
    service.transition(code, "result_ready")
    with TcpTestPrinter() as printer:
        token = make_device(printer_url=printer.url)
        # Typed through a Vietnamese input method: lower case and a trailing newline; the server strips them.
        answer = scan(client, token, f" {code.lower()}\n")
        assert answer["outcome"] == "ticket_issued" and answer["ticket"]["number"] == "8001"
        assert "8001" in answer["message_vi"] and "8001" in answer["message_en"]
        assert answer["dossier"]["code"] == code
        assert "Nguyễn Văn A" not in str(answer) and "0901234567" not in str(answer)  # a kiosk screen is public
        assert answer["print_job"]["status"] == "pending"
        jobs = printer.wait_for_jobs(1, timeout=20)
        assert read_qr_texts(jobs[0]) == [answer["phone_url"]]


def test_a_receipt_scanned_after_choosing_priority_gives_a_priority_pickup_ticket(app, client, kiosk_token):
    service, code = received_dossier(app)
    service.transition(code, "result_ready")
    response = client.post("/api/v1/kiosk/scan", json={"code": code, "priority": "elderly"}, headers=headers(kiosk_token))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["outcome"] == "ticket_issued" and answer["ticket"]["priority"] == "elderly"
    assert answer["ticket"]["service"]["code"] == "NKQ" and answer["ticket"]["number"] == "8001"
    assert "Ông/Bà" in answer["message_vi"]


def test_a_scan_with_an_unknown_priority_is_a_clear_400(client, kiosk_token):
    response = client.post(
        "/api/v1/kiosk/scan", json={"code": "000.00.12.H26-261123-0007", "priority": "vip"}, headers=headers(kiosk_token)
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] and error["message_vi"] and error["message_en"]


def test_a_returned_dossier_says_when_it_was_handed_over(app, client, kiosk_token):
    service, code = received_dossier(app)
    service.transition(code, "result_ready")
    service.transition(code, "return")
    answer = scan(client, kiosk_token, code)
    assert answer["outcome"] == "already_returned" and answer["ticket"] is None and answer["print_job"] is None
    assert answer["message_vi"].startswith(f"Kết quả của hồ sơ {code} đã được trả lúc")


def test_a_well_formed_code_of_no_dossier_here_is_unknown(client, kiosk_token):
    answer = scan(client, kiosk_token, "000.00.12.H26-261123-0007")
    assert answer["outcome"] == "unknown" and answer["kind"] == "dossier" and answer["ticket"] is None
    assert "Không tìm thấy hồ sơ 000.00.12.H26-261123-0007" in answer["message_vi"]


def test_an_overdue_dossier_not_ready_gets_an_apology_not_a_ticket(app, client, kiosk_token, clock):
    service, code = received_dossier(app)
    clock.advance(days=60)  # far past any appointment of the demo procedures
    answer = scan(client, kiosk_token, code)
    assert answer["outcome"] == "overdue_not_ready" and answer["ticket"] is None
    assert answer["apology"] and answer["message_vi"] == answer["apology"]["text_vi"]
    assert "xin lỗi" in answer["message_vi"].lower()


def test_a_failing_dossier_flow_is_a_message_not_an_error(app, client, kiosk_token, monkeypatch):
    def broken(center_id, code, **_kw):
        raise RuntimeError("database went away")  # what a lost connection looks like from here

    monkeypatch.setattr(app.extensions["motcua"].dossiers.dossiers, "pickup_by_code", broken)
    answer = scan(client, kiosk_token, "000.00.12.H26-261123-0007")
    assert answer["outcome"] == "dossier_unavailable"
    assert "Chưa tra cứu được hồ sơ" in answer["message_vi"] and "cannot be looked up" in answer["message_en"]


def test_scan_normalisation_strips_what_a_vietnamese_input_method_adds():
    assert strip_diacritics("Đất đai") == "Dat dai"
    assert normalise_scan(" 000.00.12.h26-261123-0007\r\n") == "000.00.12.H26-261123-0007"
    assert normalise_scan("000.00.12.Ĥ26-261123-0007") == "000.00.12.H26-261123-0007"
    assert ticket_token_candidates("http://10.0.0.2:8000/t/abc_DEF-123456789012345") == ["abc_DEF-123456789012345"]
    assert ticket_token_candidates("hello") == []


# ---------------------------------------------------------------- phone page
def test_phone_page_shows_number_service_and_wait_but_no_personal_data(app, client, kiosk_token):
    body = app.extensions["motcua"].queue.issue_ticket(1, 7, dossier_code="000.00.12.H26-261123-0007")
    html = client.get(f"/t/{body['token']}").get_data(as_text=True)
    assert "8001" in html and "Nhận kết quả" in html and "Số người chờ trước Ông/Bà" in html
    assert "000.00.12.H26" not in html  # the dossier code is the citizen's business, not the page's
    assert 'id="rating"' in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing loaded from elsewhere


def test_phone_page_of_an_unknown_token_is_a_friendly_404(client):
    response = client.get("/t/khong-co-so-nay")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy" in html and "Traceback" not in html


def test_phone_page_hears_the_print_outcome_and_the_call(app, client, make_device):
    from tests.support.printing import wait_for_job
    from tests.support.services import free_port

    token = make_device(printer_url=f"tcp://127.0.0.1:{free_port()}")
    body = issue(client, token).get_json()
    phone = socketio.test_client(app, auth={"ticket": body["ticket"]["token"]})
    assert phone.get_received()[0]["name"] == "snapshot"
    wait_for_job(client, token, body["print_job"]["id"])
    names = [m["name"] for m in phone.get_received()]
    assert names == ["print_job"]
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    called = [m for m in phone.get_received() if m["name"] == "ticket_called"]
    assert called and called[0]["args"][0]["counter"]["number"] == 1


def test_kiosk_page_and_assets_load_only_from_this_server(client):
    html = client.get("/kiosk/").get_data(as_text=True)
    assert "/vendor/socket.io/socket.io.min.js" in html and "/kiosk/static/kiosk.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    js = client.get("/kiosk/static/kiosk.js").get_data(as_text=True)
    assert "/vendor/zxing-wasm/reader/" in client.get("/kiosk/").get_data(as_text=True)
    assert "jsdelivr" not in js and "unpkg" not in js
    assert client.get("/vendor/barcode-detector/iife/ponyfill.js").status_code == 200
    assert client.get("/vendor/zxing-wasm/reader/zxing_reader.wasm").status_code == 200


def test_result_pickup_with_the_real_dossier_flow(app, client, kiosk_token):
    """With the dossier area installed: a ready dossier's receipt QR gives a pickup number for counter 7."""
    from server.demo_procedures import seed_demo_procedures
    from server.domain import dossiers

    core = app.extensions["motcua"]
    service = dossiers.DossierService(core.db, core.clock, core.queue)
    with core.db.write() as s:
        seed_demo_procedures(s, 1)
    procedures = service.procedures(1)
    received = service.receive(
        1, procedure_id=procedures[0]["id"], applicant=dossiers.Applicant(name="Trần Thị B", phone="0912345678")
    )
    code = received["code"]
    not_ready = scan(client, kiosk_token, code)
    assert not_ready["outcome"] == "not_ready" and not_ready["ticket"] is None
    service.transition(code, "process")
    service.transition(code, "result_ready")
    answer = scan(client, kiosk_token, code)
    assert answer["outcome"] == "ticket_issued" and answer["kind"] == "dossier"
    assert answer["ticket"]["number"] == "8001" and answer["ticket"]["service"]["code"] == "NKQ"
    assert "Trần Thị B" not in str(answer) and "0912345678" not in str(answer)
    again = scan(client, kiosk_token, code)
    assert again["outcome"] == "already_issued" and again["ticket"]["number"] == "8001"


def test_online_preregistration_code_checks_in_with_a_ticket_for_its_field(app, client, kiosk_token):
    from server.demo_procedures import seed_demo_procedures
    from server.domain import dossiers

    core = app.extensions["motcua"]
    service = dossiers.DossierService(core.db, core.clock, core.queue)
    with core.db.write() as s:
        seed_demo_procedures(s, 1)
    registered = service.preregister(
        1, procedure_id=service.procedures(1)[0]["id"], applicant=dossiers.Applicant(name="Lê Văn C")
    )
    answer = scan(client, kiosk_token, registered["prereg_code"])
    assert answer["outcome"] == "ticket_issued" and answer["kind"] == "preregistration"
    assert answer["ticket"]["state"] == "waiting" and "Lê Văn C" not in str(answer)
