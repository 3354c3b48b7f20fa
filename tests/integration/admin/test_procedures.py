"""The procedure catalogue (dossier area) administered here: processing days, audited, exported."""

from __future__ import annotations

import importlib.util

import pytest

from tests.support.admin import audit_count, last_audit

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("server.models.dossiers") is None,
    reason="the dossier area (server/models/dossiers.py) is not installed",
)

BIRTH = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "service_id": 1,
    "processing_days": 0.5,
    "fee": "Miễn phí",
    "documents": ["Giấy chứng sinh", "Tờ khai đăng ký khai sinh"],
}


def test_admin_adds_and_changes_a_procedure_with_audit(app, admin):
    before = audit_count(app)
    created = admin.post("/api/v1/admin/centers/1/procedures", BIRTH)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["processing_days"] == 0.5 and body["documents"] == BIRTH["documents"]
    assert audit_count(app) == before + 1 and last_audit(app).entity == "procedure"
    changed = admin.patch(
        f"/api/v1/admin/procedures/{body['id']}", {"processing_days": 3, "name": "Đăng ký khai sinh (có yếu tố nước ngoài)"}
    )
    assert changed.status_code == 200 and changed.get_json()["processing_days"] == 3
    assert last_audit(app).before == {"name": "Đăng ký khai sinh", "processing_days": 0.5}
    assert [p["code"] for p in admin.get("/api/v1/admin/centers/1/procedures").get_json()] == ["1.001193"]


def test_procedure_input_is_checked(admin):
    admin.post("/api/v1/admin/centers/1/procedures", BIRTH)
    assert admin.post("/api/v1/admin/centers/1/procedures", BIRTH).get_json()["error"]["code"] == "code_taken"
    bad = admin.post("/api/v1/admin/centers/1/procedures", {**BIRTH, "code": "X.1", "processing_days": -1})
    assert bad.status_code == 400


def test_clerks_and_supervisors_cannot_change_procedures(client):
    from tests.support.admin import Api

    for user in ("quay1", "giamsat"):
        api = Api(client, user)
        assert api.post("/api/v1/admin/centers/1/procedures", BIRTH).status_code == 403


def test_procedures_page_and_export_carry_the_catalogue(admin):
    admin.post("/api/v1/admin/centers/1/procedures", BIRTH)
    html = admin.get("/admin/c/1/procedures").get_data(as_text=True)
    assert "Đăng ký khai sinh" in html and 'id="add-procedure"' in html
    exported = admin.get("/api/v1/admin/centers/1/export").get_json()
    assert exported["procedures"][0]["code"] == "1.001193" and exported["procedures"][0]["service_code"] == "TPHT"
    imported = admin.post(
        "/api/v1/admin/centers/import", {"data": exported, "code": "MOI", "name": "Trung tâm mới", "agency_id": "000.00.12.H91"}
    ).get_json()
    assert [p["name"] for p in admin.get(f"/api/v1/admin/centers/{imported['id']}/procedures").get_json()] == [
        "Đăng ký khai sinh"
    ]
