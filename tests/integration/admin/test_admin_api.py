"""Administration through the API: each change works, is validated, and leaves an audit row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import Counter, Service, User
from tests.support.admin import audit_count, last_audit
from tests.support.demo import DEMO_PASSWORD

# (method, url, body, audited entity) — every kind of administrative change.
CHANGES = [
    ("POST", "/api/v1/admin/centers", {"code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc"}, "center"),
    ("PATCH", "/api/v1/admin/centers/1", {"address": "Số 2 phố Lê Thái Tổ"}, "center"),
    (
        "PUT",
        "/api/v1/admin/centers/1/settings/opening_hours",
        {"value": {"mon": [["07:30", "11:30"]], "tue": [["07:30", "17:00"]]}},
        "settings:opening_hours",
    ),
    (
        "PUT",
        "/api/v1/admin/centers/1/settings/closing_rules",
        {"value": {"stop_minutes_before_close": 30}},
        "settings:closing_rules",
    ),
    (
        "PUT",
        "/api/v1/admin/centers/1/settings/calendar",
        {"value": {"days_off": [{"date": "2026-12-31", "name": "Nghỉ tất niên"}]}},
        "settings:calendar",
    ),
    (
        "PUT",
        "/api/v1/admin/centers/1/settings/announcements",
        {"value": {"templates": {"call": "Mời số {number} đến quầy {counter}"}, "dialect": "south"}},
        "settings:announcements",
    ),
    (
        "PUT",
        "/api/v1/admin/centers/1/settings/board_notice",
        {"value": "Chiều nay trung tâm làm việc đến 16 giờ."},
        "settings:board_notice",
    ),
    ("PUT", "/api/v1/admin/centers/1/settings/ticket_footer", {"value": "Xin cảm ơn!"}, "settings:ticket_footer"),
    ("PUT", "/api/v1/admin/centers/1/settings/ratings", {"value": {"tablet_minutes": 5}}, "settings:ratings"),
    (
        "POST",
        "/api/v1/admin/centers/1/services",
        {"code": "BHXH", "name": "Bảo hiểm xã hội", "ticket_prefix": "B", "number_start": 1},
        "service",
    ),
    ("PATCH", "/api/v1/admin/services/2", {"name": "Đất đai – Nhà ở"}, "service"),
    ("POST", "/api/v1/admin/centers/1/counters", {"number": 8, "name": "Quầy 8", "service_ids": [1, 2]}, "counter"),
    ("PATCH", "/api/v1/admin/counters/3", {"service_ids": [2, 3]}, "counter"),
    ("POST", "/api/v1/admin/users", {"username": "quay8", "password": "mat-khau-moi-8", "role": "clerk", "center_id": 1}, "user"),
    ("PATCH", "/api/v1/admin/users/2", {"full_name": "Nguyễn Thị Hoa"}, "user"),
    ("POST", "/api/v1/admin/users/3/reset-password", {}, "user"),
    ("POST", "/api/v1/devices", {"center_id": 1, "kind": "kiosk", "name": "Kiosk sảnh chính"}, "device"),
    ("POST", "/api/v1/admin/centers/import", None, "center"),  # body filled in by the test
]


@pytest.mark.parametrize("method, url, body, entity", CHANGES, ids=[f"{m} {u}" for m, u, _b, _e in CHANGES])
def test_every_admin_change_leaves_an_audit_row(app, admin, method, url, body, entity):
    if url.endswith("/import"):
        body = {
            "data": admin.get("/api/v1/admin/centers/1/export").get_json(),
            "code": "MAU2",
            "name": "Trung tâm mẫu",
            "agency_id": "000.00.12.H90",
        }
    before = audit_count(app)
    response = admin._send(method, url, body)
    assert response.status_code in (200, 201), response.get_json()
    assert audit_count(app) == before + 1
    entry = last_audit(app)
    assert entry.entity == entity
    assert entry.actor.endswith(":admin") and entry.user_id is not None
    assert entry.at is not None and entry.summary
    assert entry.after


def test_audit_keeps_only_what_changed_before_and_after(app, admin):
    admin.patch("/api/v1/admin/services/1", {"name": "Tư pháp – Hộ tịch", "active": True})
    entry = last_audit(app)
    assert entry.action == "update" and entry.entity_id == "1" and entry.center_id == 1
    assert entry.before == {"name": "Tư pháp – Hộ tịch – Chứng thực"}
    assert entry.after == {"name": "Tư pháp – Hộ tịch"}
    log = admin.get("/api/v1/admin/audit", query_string={"center_id": 1}).get_json()
    assert log[0]["summary"].startswith("Sửa lĩnh vực TPHT")


def test_password_reset_is_audited_without_the_password(app, admin, client):
    response = admin.post("/api/v1/admin/users/3/reset-password")
    new = response.get_json()["password"]
    entry = last_audit(app)
    assert new not in str(entry.after) and "hash" not in str(entry.after)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": admin.csrf})
    assert client.post("/api/v1/auth/login", json={"username": "quay3", "password": DEMO_PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "quay3", "password": new}).status_code == 200


def test_new_service_appears_in_the_public_service_list_at_once(admin, client):
    created = admin.post(
        "/api/v1/admin/centers/1/services", {"code": "BHXH", "name": "Bảo hiểm xã hội", "name_en": "Social insurance"}
    )
    assert created.status_code == 201
    codes = [s["code"] for s in client.get("/api/v1/centers/1/services").get_json()]
    assert codes[-1] == "BHXH"
    ticket = client.post(
        "/api/v1/tickets", json={"center_id": 1, "service_id": created.get_json()["id"]}, headers={"X-CSRF-Token": admin.csrf}
    )
    assert ticket.status_code == 201 and ticket.get_json()["number"] == "001"


def test_new_counter_calls_the_services_it_was_given(app, admin, client):
    service = admin.post(
        "/api/v1/admin/centers/1/services", {"code": "BHXH", "name": "Bảo hiểm xã hội", "ticket_prefix": "B"}
    ).get_json()
    counter = admin.post(
        "/api/v1/admin/centers/1/counters", {"number": 8, "name": "BHXH", "service_ids": [service["id"]]}
    ).get_json()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service["id"]}, headers={"X-CSRF-Token": admin.csrf})
    assert admin.post(f"/api/v1/counters/{counter['id']}/open").status_code == 200  # a new counter opens when someone sits there
    called = admin.post(f"/api/v1/counters/{counter['id']}/call-next")
    assert called.status_code == 200 and called.get_json()["ticket"]["number"] == "B001"


def test_config_change_is_announced_to_the_center_room(app, admin):
    from server.adapters.realtime import socketio

    watcher = socketio.test_client(app, auth={"center_id": 1})
    watcher.get_received()
    admin.post("/api/v1/admin/centers/1/services", {"code": "BHXH", "name": "Bảo hiểm xã hội"})
    events = [m for m in watcher.get_received() if m["name"] == "config_changed"]
    assert events and events[0]["args"][0] == {"center_id": 1, "what": "services"}


def test_counter_services_can_be_reordered_and_replaced(app, admin):
    assert admin.patch("/api/v1/admin/counters/4", {"service_ids": [5, 3]}).status_code == 200
    with app.extensions["motcua"].db.read() as s:
        assert s.get(Counter, 4).service_ids == [5, 3]
    entry = last_audit(app)
    assert entry.before["service_ids"] == [3, 5] and entry.after["service_ids"] == [5, 3]
    # The links (position, weight) are audited with them: the new order is the new positions.
    assert entry.after["links"] == [{"service_id": 5, "position": 0, "weight": 1}, {"service_id": 3, "position": 1, "weight": 1}]


@pytest.mark.parametrize(
    "url, body, code",
    [
        ("/api/v1/admin/centers/1/services", {"code": "TPHT", "name": "Trùng mã"}, "code_taken"),
        ("/api/v1/admin/centers/1/services", {"code": "X", "name": "Sai tiền tố", "ticket_prefix": "a1"}, "invalid_prefix"),
        ("/api/v1/admin/centers/1/services", {"code": "có dấu", "name": "Mã có dấu"}, "invalid_code"),
        ("/api/v1/admin/centers/1/services", {"name": "Thiếu mã"}, "invalid_input"),
        ("/api/v1/admin/centers/1/counters", {"number": 1}, "number_taken"),
        ("/api/v1/admin/centers/1/counters", {"number": 9, "service_ids": [999]}, "invalid_services"),
        ("/api/v1/admin/users", {"username": "Có Dấu", "center_id": 1}, "invalid_username"),
        ("/api/v1/admin/users", {"username": "quay1", "center_id": 1}, "username_taken"),
    ],
)
def test_bad_admin_input_is_refused_clearly_and_not_audited(app, admin, url, body, code):
    before = audit_count(app)
    response = admin.post(url, body)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"] == code
    assert audit_count(app) == before


@pytest.mark.parametrize(
    "section, value",
    [
        ("opening_hours", {"mon": [["11:30", "07:00"]]}),
        ("opening_hours", {"monday": [["07:00", "11:00"]]}),
        ("calendar", {"days_off": [{"date": "31/12/2026"}]}),
        ("announcements", {"templates": {"call": "Mời ông {name} đến quầy {counter}"}}),
        ("closing_rules", {"stop_minutes_before_close": 999}),
        ("colour", "red"),
    ],
)
def test_bad_settings_are_refused(admin, section, value):
    response = admin.put(f"/api/v1/admin/centers/1/settings/{section}", {"value": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("invalid_setting", "unknown_setting")


def test_generated_password_is_returned_once_and_works(admin, client):
    created = admin.post("/api/v1/admin/users", {"username": "giamsat2", "role": "supervisor", "center_id": 1}).get_json()
    assert len(created["password"]) >= 8
    listed = admin.get("/api/v1/admin/users").get_json()
    assert all("password" not in u and "password_hash" not in u for u in listed)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": admin.csrf})
    assert client.post("/api/v1/auth/login", json={"username": "giamsat2", "password": created["password"]}).status_code == 200


def test_deactivated_user_cannot_log_in(admin, client):
    assert admin.patch("/api/v1/admin/users/1", {"active": False}).status_code == 200
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": admin.csrf})
    assert client.post("/api/v1/auth/login", json={"username": "quay1", "password": DEMO_PASSWORD}).status_code == 401


def test_admin_cannot_lock_themselves_out(app, admin):
    with app.extensions["motcua"].db.read() as s:
        me = s.scalar(select(User.id).where(User.username == "admin"))
    response = admin.patch(f"/api/v1/admin/users/{me}", {"active": False})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "self_change"


def test_deactivated_service_stops_taking_tickets_but_keeps_its_history(app, admin, client):
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 2}, headers={"X-CSRF-Token": admin.csrf})
    assert admin.patch("/api/v1/admin/services/2", {"active": False}).status_code == 200
    refused = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 2}, headers={"X-CSRF-Token": admin.csrf})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "service_inactive"
    with app.extensions["motcua"].db.read() as s:
        assert s.get(Service, 2) is not None


def test_openapi_document_lists_the_admin_ratings_and_report_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/admin/centers/{center_id}/services",
        "/api/v1/admin/counters/{counter_id}",
        "/api/v1/admin/users",
        "/api/v1/admin/audit",
        "/api/v1/admin/centers/{center_id}/export",
        "/api/v1/tickets/{token}/rating",
        "/api/v1/counters/{counter_id}/rating-tablet",
        "/api/v1/reports",
        "/api/v1/reports/export",
        "/api/v1/reports/live",
    ):
        assert path in spec["paths"], path
