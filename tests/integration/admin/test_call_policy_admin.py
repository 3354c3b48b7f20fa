"""An admin sets how a counter picks among its services: the policy, and each served service's
position and weight; bad values are a clear bilingual error, never a 500; every change is audited."""
from __future__ import annotations

import pytest

from server.domain.accounts import Principal
from server.domain.errors import DomainError
from server.models import Counter
from tests.support.admin import last_audit
from tests.support.demo import update


def test_an_admin_sets_a_ratio_of_two_to_one_at_a_counter(app, admin):
    body = {"call_policy": "ratio", "links": {"3": {"position": 0, "weight": 2}, "5": {"position": 1, "weight": 1},
                                              "1": {"position": 0, "weight": 9}}}  # TPHT: not served, ignored
    response = admin.patch("/api/v1/admin/counters/4", body)
    assert response.status_code == 200
    data = response.get_json()
    assert data["call_policy"] == "ratio"
    assert data["links"] == [{"service_id": 3, "position": 0, "weight": 2}, {"service_id": 5, "position": 1, "weight": 1}]
    entry = last_audit(app)
    assert entry.entity == "counter" and entry.before["call_policy"] == "longest_wait" and entry.after["call_policy"] == "ratio"


def test_changing_the_policy_starts_the_ratio_cycle_again(app, admin):
    db = app.extensions["motcua"].db
    update(db, Counter, 4, call_policy="ratio", call_state={"service_id": 3, "taken": 1})
    assert admin.patch("/api/v1/admin/counters/4", {"links": {"5": {"position": 0}, "3": {"position": 1}}}).status_code == 200
    with db.read() as s:
        assert s.get(Counter, 4).call_state == {}
        assert s.get(Counter, 4).service_ids == [5, 3]


@pytest.mark.parametrize("body", [
    {"call_policy": "random"},
    {"links": {"3": {"position": 0, "weight": 0}}},
    {"links": {"3": {"position": -1}}},
    {"links": {"ba": {"weight": 2}}},
])
def test_bad_policy_values_are_a_clear_error_not_a_500(admin, body):
    response = admin.patch("/api/v1/admin/counters/4", body)
    assert response.status_code in (400, 422), body
    assert response.get_json()["error"]["message_vi"]


def test_the_domain_refuses_bad_values_given_without_the_api(app):
    admin = app.extensions["motcua"].admin
    principal = Principal(kind="user", id=1, name="admin", role="admin", center_id=None)
    with pytest.raises(DomainError) as refused:
        admin.update_counter(principal, 4, {"links": {"3": {"weight": "hai"}}})
    assert refused.value.code == "invalid_links"
    with pytest.raises(DomainError) as refused:
        admin.update_service(principal, 1, {"aging_minutes": 0})
    assert refused.value.code == "invalid_aging_minutes" and refused.value.status == 400


def test_a_centers_export_carries_call_policies_weights_and_ranges_into_the_new_center(app, admin):
    ratio = {"call_policy": "ratio", "links": {"3": {"position": 0, "weight": 2}, "5": {"position": 1, "weight": 1}}}
    assert admin.patch("/api/v1/admin/counters/4", ratio).status_code == 200
    assert admin.patch("/api/v1/admin/services/1", {"number_end": 1500, "aging_minutes": 25}).status_code == 200
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    response = admin.post("/api/v1/admin/centers/import",
                          {"data": data, "code": "HANGBAC", "name": "Hàng Bạc", "agency_id": "000.00.12.H27"})
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    counter = next(c for c in admin.get(f"/api/v1/admin/centers/{new_id}/counters").get_json() if c["number"] == 4)
    assert counter["call_policy"] == "ratio" and [x["weight"] for x in counter["links"]] == [2, 1]
    tpht = next(s for s in admin.get(f"/api/v1/admin/centers/{new_id}/services").get_json() if s["code"] == "TPHT")
    assert (tpht["number_end"], tpht["aging_minutes"]) == (1500, 25)


def test_an_import_with_overlapping_ranges_is_refused_and_creates_nothing(admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    next(s for s in data["services"] if s["code"] == "TPHT")["number_end"] = 2100  # into DD's 2001…
    response = admin.post("/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Hàng Bạc",
                                                           "agency_id": "000.00.12.H27"})
    assert response.status_code == 400 and "chồng lên" in response.get_json()["error"]["message_vi"]
    assert [c["code"] for c in admin.get("/api/v1/admin/centers").get_json()] == ["HOANKIEM"]
