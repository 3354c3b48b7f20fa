"""Who reads which audit log — the page and the API follow one rule.

- a center's staff read their own center's log, whatever center they ask for;
- a province-wide supervisor reads one center's log at a time: the whole log also holds
  province-level changes (accounts, new centers) that are not theirs to read;
- only a province-wide admin reads the whole log.
"""
from __future__ import annotations

import pytest

from tests.support.admin import Api
from tests.support.demo import DEMO_PASSWORD

CENTER_ONE = "Thêm lĩnh vực VT1 – Vết trung tâm một"
CENTER_TWO = "Thêm lĩnh vực VT2 – Vết trung tâm hai"
PROVINCE = "Tạo tài khoản giamsat_tinh (supervisor)"


@pytest.fixture
def logs(app, admin) -> int:
    """One change in each center and one province-level change; returns the second center's id."""
    other = admin.post("/api/v1/admin/centers", {"code": "KHAC", "name": "Trung tâm khác"}).get_json()["id"]
    for center_id, code, name in ((1, "VT1", "Vết trung tâm một"), (other, "VT2", "Vết trung tâm hai")):
        response = admin.post(f"/api/v1/admin/centers/{center_id}/services",
                              {"code": code, "name": name, "ticket_prefix": "V", "number_start": 1})
        assert response.status_code == 201, response.get_json()
    response = admin.post("/api/v1/admin/users", {"username": "giamsat_tinh", "password": DEMO_PASSWORD, "role": "supervisor",
                                                  "center_id": None})
    assert response.status_code == 201, response.get_json()
    admin.post("/api/v1/auth/logout")
    return other


@pytest.fixture
def province_supervisor(app, logs) -> Api:
    """The province-wide supervisor created in ``logs``, logged in on a client of their own."""
    return Api(app.test_client(), "giamsat_tinh")


def page_text(api: Api, url: str) -> str:
    response = api.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def shown(text: str) -> set[str]:
    return {marker for marker in (CENTER_ONE, CENTER_TWO, PROVINCE) if marker in text}


def test_the_api_refuses_a_province_supervisor_the_whole_log(province_supervisor, logs):
    assert province_supervisor.get("/api/v1/admin/audit").status_code == 403
    one_center = province_supervisor.get("/api/v1/admin/audit", query_string={"center_id": logs}).get_json()
    assert CENTER_TWO in [e["summary"] for e in one_center] and {e["center_id"] for e in one_center} == {logs}


def test_the_page_sends_a_province_supervisor_to_one_center_instead_of_the_whole_log(province_supervisor, logs):
    response = province_supervisor.get("/admin/audit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/audit?center=1")
    assert shown(page_text(province_supervisor, "/admin/audit?center=1")) == {CENTER_ONE}


def test_the_page_shows_a_province_supervisor_the_center_they_choose_as_the_api_does(province_supervisor, logs):
    text = page_text(province_supervisor, f"/admin/audit?center={logs}")
    assert shown(text) == {CENTER_TWO}
    api = province_supervisor.get("/api/v1/admin/audit", query_string={"center_id": logs}).get_json()
    assert all(entry["summary"] in text for entry in api)


def test_a_center_supervisor_reads_only_their_own_center(client, logs):
    supervisor = Api(client, "giamsat")
    assert shown(page_text(supervisor, f"/admin/audit?center={logs}")) == {CENTER_ONE}
    assert supervisor.get("/api/v1/admin/audit", query_string={"center_id": logs}).status_code == 403


def test_a_province_admin_still_reads_the_whole_log(client, logs):
    admin = Api(client, "admin")
    assert shown(page_text(admin, "/admin/audit")) == {CENTER_ONE, CENTER_TWO, PROVINCE}
    assert admin.get("/api/v1/admin/audit").status_code == 200


def test_paging_through_one_centers_log_stays_in_that_center(province_supervisor, logs):
    html = province_supervisor.get(f"/admin/audit?center={logs}&offset=100").get_data(as_text=True)
    assert f'href="?offset=0&center={logs}"' in html  # "Mới hơn" goes back within the same center
