"""Who may reach the administration: clerks never; supervisors read their center; admins change."""

from __future__ import annotations

import importlib.util

import pytest

from tests.support.admin import Api, audit_count
from tests.support.demo import login

PAGES = [
    "/admin/",
    "/admin/c/1/",
    "/admin/reports",
    "/admin/centers",
    "/admin/c/1/center",
    "/admin/c/1/services",
    "/admin/c/1/counters",
    "/admin/c/1/devices",
    "/admin/c/1/calendar",
    "/admin/c/1/announcements",
    "/admin/users",
    "/admin/audit",
]
if importlib.util.find_spec("server.models.dossiers") is not None:
    PAGES.append("/admin/c/1/procedures")
WRITES = [
    ("POST", "/api/v1/admin/centers", {"code": "X1", "name": "X"}),
    ("PATCH", "/api/v1/admin/centers/1", {"name": "X"}),
    ("PUT", "/api/v1/admin/centers/1/settings/opening_hours", {"value": {"mon": [["07:00", "11:00"]]}}),
    ("POST", "/api/v1/admin/centers/1/services", {"code": "X", "name": "X"}),
    ("PATCH", "/api/v1/admin/services/1", {"name": "X"}),
    ("POST", "/api/v1/admin/centers/1/counters", {"number": 9}),
    ("PATCH", "/api/v1/admin/counters/1", {"name": "X"}),
    ("POST", "/api/v1/admin/users", {"username": "xyz", "center_id": 1}),
    ("PATCH", "/api/v1/admin/users/1", {"full_name": "X"}),
    ("POST", "/api/v1/admin/users/1/reset-password", {}),
    ("POST", "/api/v1/admin/centers/import", {"data": {}}),
]
READS = [
    "/api/v1/admin/centers",
    "/api/v1/admin/centers/1",
    "/api/v1/admin/centers/1/services",
    "/api/v1/admin/centers/1/counters",
    "/api/v1/admin/audit?center_id=1",
    "/api/v1/reports?center_id=1",
    "/api/v1/reports/live?center_id=1",
    "/api/v1/reports/export?center_id=1&format=csv&table=summary",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("url", PAGES)
def test_clerks_cannot_reach_admin_pages(client, url):
    login(client, "quay1")
    response = client.get(url)
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url, body", WRITES)
def test_clerks_and_supervisors_cannot_change_anything(app, client, method, url, body):
    for username in ("quay1", "giamsat"):
        api = Api(client, username)
        before = audit_count(app)
        response = api._send(method, url, body)
        assert response.status_code == 403, (username, url, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
        assert audit_count(app) == before


@pytest.mark.parametrize("url", READS)
def test_clerks_cannot_read_admin_or_report_api(client, url):
    login(client, "quay1")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", READS)
def test_anonymous_callers_get_401_from_the_api(client, url):
    response = client.get(url)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("url", [p for p in PAGES if p != "/admin/users"])
def test_supervisors_see_their_center_read_only(client, url):
    login(client, "giamsat")
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="add-service"' not in html and 'id="add-counter"' not in html


def test_supervisors_may_change_the_board_notice(app, supervisor):
    response = supervisor.put("/api/v1/admin/centers/1/settings/board_notice", {"value": "Hôm nay nghỉ chiều."})
    assert response.status_code == 200 and response.get_json()["settings"]["board_notice"] == "Hôm nay nghỉ chiều."


def test_a_center_account_cannot_see_another_center(app, admin, client):
    other = admin.post("/api/v1/admin/centers", {"code": "KHAC", "name": "Trung tâm khác"}).get_json()
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": admin.csrf})
    login(client, "giamsat")
    assert client.get(f"/admin/c/{other['id']}/").status_code == 403
    assert client.get(f"/api/v1/reports?center_id={other['id']}").status_code == 403
    assert [c["code"] for c in client.get("/api/v1/admin/centers").get_json()] == ["HOANKIEM"]


def test_mutations_without_csrf_token_are_refused(client):
    login(client, "admin")
    response = client.post("/api/v1/admin/centers/1/services", json={"code": "X", "name": "X"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"


def test_admin_login_page_logs_in_with_csrf_and_redirects_to_next(client):
    page = client.get("/admin/login?next=/admin/c/1/services").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    bad = client.post("/admin/login", data={"username": "admin", "password": "sai-mat-khau", "csrf_token": token})
    assert bad.status_code == 401 and "Sai tên đăng nhập" in bad.get_data(as_text=True)
    forged = client.post("/admin/login", data={"username": "admin", "password": "x", "csrf_token": "forged"})
    assert forged.status_code == 401 and "hết hạn" in forged.get_data(as_text=True)
    from tests.support.demo import DEMO_PASSWORD

    ok = client.post(
        "/admin/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token, "next": "/admin/c/1/services"}
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/c/1/services"
    assert client.get("/admin/c/1/services").status_code == 200


def test_login_page_never_redirects_off_site(client):
    from tests.support.demo import DEMO_PASSWORD

    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    ok = client.post(
        "/admin/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/x"}
    )
    assert ok.headers["Location"] == "/admin/"
