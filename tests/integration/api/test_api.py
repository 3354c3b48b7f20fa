"""The JSON API: what a kiosk, a clerk's console and an external system see."""
from __future__ import annotations

import pytest

from tests.support.demo import DEMO_PASSWORD, login


def services_by_code(client) -> dict:
    return {s["code"]: s for s in client.get("/api/v1/centers/1/services").get_json()}


def issue(client, code="TPHT", **extra):
    service = services_by_code(client)[code]
    return client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service["id"], **extra})


def test_openapi_document_is_served_and_lists_the_queue_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/tickets", "/api/v1/tickets/{token}", "/api/v1/centers/{center_id}/queue",
                 "/api/v1/counters/{counter_id}/call-next", "/api/v1/counters/{counter_id}/transfer"):
        assert path in spec["paths"], path


def test_api_docs_page_uses_only_local_assets(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "jsdelivr" not in html


def test_issue_ticket_returns_number_wait_and_token(client):
    response = issue(client)
    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["number"] == "1001"
    assert ticket["service"]["name"] == "Tư pháp – Hộ tịch – Chứng thực"
    assert ticket["people_ahead"] == 0 and ticket["state"] == "waiting"
    status = client.get(f"/api/v1/tickets/{ticket['token']}").get_json()
    assert status["number"] == "1001"


def test_json_is_real_utf8_not_escaped(client):
    raw = client.get("/api/v1/centers/1/services").get_data()
    assert "Tư pháp".encode() in raw


@pytest.mark.parametrize(
    "body, code",
    [
        ({"center_id": 1, "service_id": 9999}, "unknown_service"),
        ({"center_id": 1}, "invalid_input"),
        ({"center_id": "một", "service_id": 1}, "invalid_input"),
        ({"center_id": 1, "service_id": 1, "priority": "vip"}, "invalid_input"),
        ({"center_id": 1, "service_id": [1]}, "invalid_input"),
        ({"center_id": -5, "service_id": 1}, "invalid_input"),
    ],
)
def test_bad_ticket_requests_get_a_clear_4xx(client, body, code):
    response = client.post("/api/v1/tickets", json=body)
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message_vi"] and error["message_en"]


def test_malformed_json_is_a_400_with_our_error_shape(client):
    response = client.post("/api/v1/tickets", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_unknown_ticket_token_is_a_404(client):
    response = client.get("/api/v1/tickets/khong-co-so-nay")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_ticket"


def test_counter_actions_need_a_login(client):
    issue(client)
    response = client.post("/api/v1/counters/1/call-next")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_counter_actions_refuse_a_session_without_csrf_token(client):
    login(client, "quay1")
    response = client.post("/api/v1/counters/1/call-next")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_wrong_password_is_refused(client):
    response = client.post("/api/v1/auth/login", json={"username": "quay1", "password": DEMO_PASSWORD + "x"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def test_clerk_calls_recalls_starts_and_finishes(client):
    first = issue(client).get_json()
    issue(client)
    csrf = login(client, "quay1")
    h = {"X-CSRF-Token": csrf}
    called = client.post("/api/v1/counters/1/call-next", headers=h).get_json()
    assert called["ticket"]["number"] == first["number"]
    assert called["ticket"]["counter"]["number"] == 1
    assert client.post("/api/v1/counters/1/recall", headers=h).get_json()["ticket"]["recall_count"] == 1
    assert client.post("/api/v1/counters/1/start", headers=h).get_json()["ticket"]["state"] == "serving"
    busy = client.post("/api/v1/counters/1/call-next", headers=h)
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "counter_busy"
    assert client.post("/api/v1/counters/1/finish", headers=h).get_json()["ticket"]["state"] == "done"
    snapshot = client.get("/api/v1/centers/1/queue").get_json()
    assert snapshot["recent_calls"][0]["number"] == first["number"]


def test_call_next_on_an_empty_queue_says_so(client):
    csrf = login(client, "quay1")
    body = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).get_json()
    assert body["ticket"] is None
    assert body["message_vi"] == "Hiện không có ai đang chờ."


def test_transfer_through_the_api_with_a_note(client):
    issue(client)
    csrf = login(client, "quay1")
    h = {"X-CSRF-Token": csrf}
    client.post("/api/v1/counters/1/call-next", headers=h)
    land = services_by_code(client)["DD"]["id"]
    moved = client.post("/api/v1/counters/1/transfer", json={"service_id": land, "note": "Chuyển sang đất đai"}, headers=h)
    assert moved.status_code == 200
    assert moved.get_json()["ticket"]["service"]["code"] == "DD"
    both = client.post("/api/v1/counters/1/transfer", json={"service_id": land, "counter_id": 2}, headers=h)
    assert both.status_code in (400, 409)


def test_a_clerk_cannot_act_on_another_centers_counter(client, app):
    from server.app import services
    from server.models import Center, Counter

    with services(app).db.write() as s:
        other = Center(code="XAKHAC", name="Bộ phận một cửa xã Khác")
        s.add(other)
        s.flush()
        s.add(Counter(center_id=other.id, number=1, name="Quầy 1"))
        s.flush()
        other_counter = s.query(Counter).filter_by(center_id=other.id).one().id
    csrf = login(client, "quay1")
    response = client.post(f"/api/v1/counters/{other_counter}/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403


def test_api_token_acts_without_a_session(client, app):
    from server.app import services
    from server.domain.accounts import create_api_token

    with services(app).db.write() as s:
        token = create_api_token(s, "hệ thống một cửa điện tử", center_id=1, role="clerk")
    issue(client)
    response = client.post("/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["ticket"]["number"] == "1001"
    bad = client.post("/api/v1/counters/1/call-next", headers={"Authorization": "Bearer mcq_sai"})
    assert bad.status_code == 401


def test_html_pages_never_show_a_stack_trace(client):
    response = client.get("/khong-ton-tai", headers={"Accept": "text/html"})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Không tìm thấy" in text and "Traceback" not in text


def test_unexpected_errors_become_a_plain_json_500(client, app, monkeypatch):
    from server.app import services

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services(app).queue, "ticket_by_token", boom)
    response = client.get("/api/v1/tickets/abc")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert response.get_json()["error"]["code"] == "internal_error"


def test_anonymous_ticket_issue_is_rate_limited_with_a_clear_429(tmp_path, sqlite_url, clock):
    from server.app import create_app
    from tests.support.settings import make_settings

    app = create_app(make_settings(database_url=sqlite_url, instance_path=tmp_path, secret_key="x",
                              rate_limit_public="3/minute"), clock=clock)
    c = app.test_client()
    codes = [c.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    error = c.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()["error"]
    assert error["code"] == "rate_limited" and "thử lại" in error["message_vi"]
    # A logged-in clerk is not throttled by the kiosk/phone rule.
    csrf = login(c, "quay1")
    assert c.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    app.extensions["motcua"].db.dispose()


def test_security_headers_are_set(client):
    response = client.get("/api/v1/centers")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("path", ["/kiosk/", "/display/board", "/console/login", "/admin/login", "/api/v1/docs"])
def test_pages_may_load_and_send_only_to_the_centers_own_server(client, path):
    policy = dict(part.strip().split(" ", 1) for part in client.get(path).headers["Content-Security-Policy"].split(";"))
    for directive in ("default-src", "script-src", "style-src", "img-src", "media-src", "connect-src", "worker-src"):
        sources = policy[directive].split()
        assert "'self'" in sources, directive
        # Nothing from another host: no scheme-wide or wildcard source (a CDN, a tracker).
        assert not [s for s in sources if s in ("*", "http:", "https:", "ws:", "wss:") or "://" in s], (directive, sources)
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'self'"
