"""A center exported as one file and imported as a new center."""

from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import select

from server.domain import center_io
from server.models import Center, Counter, Service
from tests.support.admin import audit_count


def test_export_holds_the_configuration_and_no_secrets(admin):
    admin.put("/api/v1/admin/centers/1/settings/opening_hours", {"value": {"mon": [["07:00", "11:30"]]}})
    response = admin.get("/api/v1/admin/centers/1/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "motcua-center" and data["version"] == 1
    assert data["center"]["name"] == "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm"
    assert data["center"]["settings"]["opening_hours"]["mon"] == [["07:00", "11:30"]]
    assert [s["code"] for s in data["services"]] == ["TPHT", "DD", "XDHKD", "VHXH", "NNMT", "HTDVC", "NKQ"]
    assert data["counters"][3] == {
        "number": 4,
        "name": "Xây dựng – Hộ kinh doanh – Nông nghiệp và Môi trường",
        "active": True,
        "services": ["XDHKD", "NNMT"],
        "call_policy": "longest_wait",
        "weights": {"XDHKD": 1, "NNMT": 1},
    }
    text = response.get_data(as_text=True)
    assert "password" not in text and "token" not in text and "quay1" not in text


def test_import_creates_a_new_center_from_a_template(app, admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    before = audit_count(app)
    # The template carries Hoàn Kiếm's agency identifier: the new center must give its own.
    clash = admin.post(
        "/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc"}
    )
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "agency_id_taken"
    response = admin.post(
        "/api/v1/admin/centers/import",
        {"data": data, "code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": "000.00.12.H27"},
    )
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    assert audit_count(app) == before + 1
    with app.extensions["motcua"].db.read() as s:
        center = s.get(Center, new_id)
        assert center.code == "HANGBAC" and center.agency_id == "000.00.12.H27"
        services = {sv.id: sv.code for sv in s.scalars(select(Service).where(Service.center_id == new_id))}
        assert sorted(services.values()) == sorted(["TPHT", "DD", "XDHKD", "VHXH", "NNMT", "HTDVC", "NKQ"])
        counters = {
            c.number: [services[i] for i in c.service_ids] for c in s.scalars(select(Counter).where(Counter.center_id == new_id))
        }
        assert counters[4] == ["XDHKD", "NNMT"] and counters[7] == ["NKQ"]
        assert all(not c.is_open for c in s.scalars(select(Counter).where(Counter.center_id == new_id)))
    # The new center issues its own numbers at once.
    ticket = admin.post("/api/v1/tickets", {"center_id": new_id, "service_id": next(i for i, c in services.items() if c == "DD")})
    assert ticket.status_code == 201 and ticket.get_json()["number"] == "2001"


def test_import_refuses_a_taken_code_and_a_bad_file(admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    taken = admin.post("/api/v1/admin/centers/import", {"data": data})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "code_taken"
    bad = admin.post("/api/v1/admin/centers/import", {"data": {"format": "something-else"}, "code": "Y"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_center_file"
    data["counters"][0]["services"] = ["NOPE"]
    broken = admin.post("/api/v1/admin/centers/import", {"data": data, "code": "Z"})
    assert broken.status_code == 400
    assert admin.get("/api/v1/admin/centers").get_json()[-1]["code"] == "HOANKIEM"  # nothing half-created


def test_yaml_round_trip_and_file_upload(app, admin):
    text = admin.get("/api/v1/admin/centers/1/export?format=yaml").get_data(as_text=True)
    assert yaml.safe_load(text)["center"]["code"] == "HOANKIEM"
    assert "Tư pháp" in text  # Vietnamese stays readable
    from io import BytesIO

    response = admin.client.post(
        "/api/v1/admin/centers/import",
        headers={"X-CSRF-Token": admin.csrf},
        data={
            "file": (BytesIO(text.encode()), "mau.yaml"),
            "code": "YAML1",
            "name": "Trung tâm từ YAML",
            "agency_id": "000.00.12.H28",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.get_json()["code"] == "YAML1"


def test_cli_hooks_export_and_import(tmp_path, sqlite_url):
    path = tmp_path / "hoankiem.json"
    assert center_io.cli_export("HOANKIEM", str(path), database_url=sqlite_url) == 0
    assert json.loads(path.read_text(encoding="utf-8"))["center"]["code"] == "HOANKIEM"
    assert (
        center_io.cli_import(str(path), code="MOI", name="Trung tâm mới", agency_id="000.00.12.H29", database_url=sqlite_url) == 0
    )
    assert center_io.cli_import(str(path), code="MOI", database_url=sqlite_url) == 2  # code taken
    assert center_io.cli_export("KHONGCO", str(tmp_path / "x.json"), database_url=sqlite_url) == 2


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_loads_refuses_garbage(text):
    with pytest.raises(Exception) as err:
        center_io.loads(text)
    assert getattr(err.value, "code", "") == "invalid_center_file"
