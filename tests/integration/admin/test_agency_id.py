"""Each receiving unit has its own agency identifier (mã định danh cơ quan).

Dossier codes are ``agency-yymmdd-NNNN`` with the sequence counted per center, so two centers
sharing an identifier would print the same code twice (and the database would refuse the second
with a 500). Wherever a center is created or changed — admin API (which the admin pages call),
center import, CLI import — a duplicate identifier is refused with a clear message in both
languages, compared as printed: capitals, no surrounding spaces."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from server.demo_procedures import seed_demo_procedures
from server.domain import center_io
from server.domain.dossiers import Applicant, DossierService
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.models import Center
from tests.support.admin import audit_count

DEMO_AGENCY = "000.00.12.H26"  # the demo center Hoàn Kiếm's identifier


def center_count(app) -> int:
    with app.extensions["motcua"].db.read() as s:
        return s.scalar(select(func.count()).select_from(Center))


def assert_taken(response, agency: str = DEMO_AGENCY) -> dict:
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "agency_id_taken"
    assert agency in error["message_vi"] and "Hoàn Kiếm" in error["message_vi"] and "mã định danh" in error["message_vi"]
    assert agency in error["message_en"] and "identifier" in error["message_en"]
    return error


# ------------------------------------------------------------------ admin API (and so the admin pages)
@pytest.mark.parametrize(
    "typed",
    [DEMO_AGENCY, "000.00.12.h26", f"  {DEMO_AGENCY}  ", " 000.00.12.h26\t"],
    ids=["same", "lower-case", "spaces", "both"],
)
def test_a_new_center_cannot_take_another_centers_identifier(app, admin, typed):
    before_centers, before_audit = center_count(app), audit_count(app)
    response = admin.post(
        "/api/v1/admin/centers", {"code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": typed}
    )
    assert_taken(response)
    assert center_count(app) == before_centers and audit_count(app) == before_audit  # nothing half-made


def test_a_new_center_with_its_own_identifier_is_stored_as_printed(admin):
    response = admin.post(
        "/api/v1/admin/centers", {"code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": " 000.00.13.h26 "}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["agency_id"] == "000.00.13.H26"


def test_a_center_cannot_be_changed_to_another_centers_identifier(admin):
    other = admin.post(
        "/api/v1/admin/centers", {"code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": "000.00.13.H26"}
    ).get_json()
    assert_taken(admin.patch(f"/api/v1/admin/centers/{other['id']}", {"agency_id": "000.00.12.h26"}))
    assert admin.get(f"/api/v1/admin/centers/{other['id']}").get_json()["agency_id"] == "000.00.13.H26"


def test_a_center_keeps_its_own_identifier_when_saved_again(admin):
    response = admin.patch("/api/v1/admin/centers/1", {"agency_id": " 000.00.12.h26 ", "address": "Số 2 phố Lê Thái Tổ"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["agency_id"] == DEMO_AGENCY


def test_an_identifier_a_dossier_code_cannot_carry_is_refused_on_the_form(admin):
    response = admin.post(
        "/api/v1/admin/centers", {"code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": "000-00-13 Hà Nội"}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_agency_id" and "Mã định danh cơ quan" in error["message_vi"] and error["message_en"]


def test_a_center_without_identifier_must_not_print_the_codes_of_another(admin):
    # Without an identifier a center's codes start with its own code, letters, digits and dots only.
    assert admin.post("/api/v1/admin/centers", {"code": "HANG-BAC", "name": "Phường Hàng Bạc"}).status_code == 201
    response = admin.post("/api/v1/admin/centers", {"code": "HANGBAC", "name": "Phường Hàng Bạc (cơ sở 2)"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "agency_id_taken"
    assert "HANGBAC" in response.get_json()["error"]["message_vi"]


# ------------------------------------------------------------------ import
def test_importing_a_template_refuses_the_source_centers_identifier_and_says_what_to_do(app, admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    before = center_count(app)
    response = admin.post(
        "/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc"}
    )
    error = assert_taken(response)
    assert "trung tâm mới" in error["message_vi"] and "new center" in error["message_en"]
    assert center_count(app) == before  # no center, services or counters half-created


def test_importing_a_template_under_the_new_centers_own_identifier_works(app, admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    response = admin.post(
        "/api/v1/admin/centers/import",
        {"data": data, "code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc", "agency_id": "000.00.13.h26"},
    )
    assert response.status_code == 201, response.get_json()
    with app.extensions["motcua"].db.read() as s:
        assert s.get(Center, response.get_json()["id"]).agency_id == "000.00.13.H26"


def test_importing_with_an_identifier_another_center_has_is_refused(admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    data["center"]["agency_id"] = ""
    assert_taken(
        admin.post(
            "/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Hàng Bạc", "agency_id": " 000.00.12.h26"}
        )
    )


def test_a_file_upload_import_takes_the_new_identifier_from_the_form(admin):
    from io import BytesIO

    text = admin.get("/api/v1/admin/centers/1/export").get_data(as_text=True)

    def upload(**form):
        return admin.client.post(
            "/api/v1/admin/centers/import",
            headers={"X-CSRF-Token": admin.csrf},
            data={"file": (BytesIO(text.encode()), "mau.json"), "code": "TAIMAU", "name": "Trung tâm từ tệp", **form},
            content_type="multipart/form-data",
        )

    assert_taken(upload())
    response = upload(agency_id="000.00.14.H26")
    assert response.status_code == 201, response.get_json()


def test_the_cli_import_refuses_a_taken_identifier_and_takes_a_new_one(tmp_path, sqlite_url, capsys):
    path = tmp_path / "hoankiem.json"
    assert center_io.cli_export("HOANKIEM", str(path), database_url=sqlite_url) == 0
    assert center_io.cli_import(str(path), code="MOI", name="Trung tâm mới", database_url=sqlite_url) == 2
    assert "mã định danh" in capsys.readouterr().out
    assert (
        center_io.cli_import(str(path), code="MOI", name="Trung tâm mới", agency_id="000.00.15.H26", database_url=sqlite_url) == 0
    )
    assert json.loads(path.read_text(encoding="utf-8"))["center"]["agency_id"] == DEMO_AGENCY  # the file itself is untouched


# ------------------------------------------------------------------ dossier codes
def test_two_centers_receiving_on_the_same_day_print_different_codes(app, admin, clock):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    new_id = admin.post(
        "/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Hàng Bạc", "agency_id": "000.00.13.H26"}
    ).get_json()["id"]
    db = app.extensions["motcua"].db
    with db.write() as s:
        seed_demo_procedures(s, 1)
        seed_demo_procedures(s, new_id)
    service = DossierService(db, clock, QueueService(db, clock))
    codes = [
        service.receive(center, procedure_code="TPHT-KH", applicant=Applicant("Nguyễn Thị Hoa"), actor="t")["code"]
        for center in (1, new_id)
    ]
    assert codes == ["000.00.12.H26-261123-0001", "000.00.13.H26-261123-0001"]


def test_a_shared_identifier_from_older_data_gives_a_clear_refusal_not_a_crash(db, clock):
    with db.write() as s:
        # Written straight to the database, as before the forms refused it.
        s.add(Center(code="HANGBAC", name="Hàng Bạc", agency_id=DEMO_AGENCY, settings={}))
    with db.read() as s:
        other = s.scalar(select(Center.id).where(Center.code == "HANGBAC"))
    with db.write() as s:
        seed_demo_procedures(s, 1)
        seed_demo_procedures(s, other)
    service = DossierService(db, clock, QueueService(db, clock))
    service.receive(1, procedure_code="TPHT-KH", applicant=Applicant("Nguyễn Thị Hoa"), actor="t")
    with pytest.raises(DomainError) as refused:
        service.receive(other, procedure_code="TPHT-KH", applicant=Applicant("Trần Văn Bình"), actor="t")
    assert refused.value.code == "agency_id_taken" and refused.value.status == 409
    assert "quản trị" in refused.value.message_vi and "administrator" in refused.value.message_en


def test_a_broken_template_is_reported_as_broken_before_its_identifier(admin):
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    data["counters"][0]["services"] = ["NOPE"]
    response = admin.post("/api/v1/admin/centers/import", {"data": data, "code": "Z", "name": "Z"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_center_file"
