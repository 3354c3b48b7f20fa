"""The periodic report over HTTP: who may see which scope, bad input answered with a clear 4xx,
the CSV for Vietnamese Excel read back, the workbook opened, and the section on the report page."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.support.demo import login
from tests.support.publishedgen import expected_figures

Q1 = {"period": "quarter", "year": 2026, "quarter": 1}


def test_a_province_account_gets_the_province_and_its_figures(province_client, province_world):
    client, world = province_client, province_world
    login(client, "admin")
    response = client.get("/api/v1/reports/published", query_string={"center_id": world.province_id, "scope": "province", **Q1})
    assert response.status_code == 200
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    body = response.get_json()
    assert body["totals"]["received"] == fig["received"] and body["totals"]["returned"] == fig["returned"]
    assert body["paragraph"].startswith("Quý I năm 2026, Trung tâm Phục vụ hành chính công tỉnh và các đơn vị trực thuộc")


def test_a_center_supervisor_gets_their_center_and_not_the_province(province_client, province_world):
    client, world = province_client, province_world
    login(client, "giamsat")
    own = client.get("/api/v1/reports/published", query_string={"center_id": 1, **Q1})
    assert own.status_code == 200 and [c["id"] for c in own.get_json()["centers"]] == [1]
    assert client.get("/api/v1/reports/published", query_string={"center_id": 1, "scope": "province", **Q1}).status_code == 403
    assert client.get("/api/v1/reports/published", query_string={"center_id": world.province_id, **Q1}).status_code == 403


@pytest.mark.parametrize("query", [
    {"period": "quarter", "year": 2026, "quarter": 5}, {"period": "decade"}, {"period": "quarter", "year": "abc"},
    {"period": "range", "start": "2026-03-15", "end": "2026-03-01"},
    {"period": "range", "start": "2026-02-30", "end": "2026-03-01"},
    {"period": "range"}, {"scope": "galaxy"}, {"period": "year", "year": 1999}, {"format": "pdf"}, {"table": "nope"},
])
def test_bad_input_gets_a_clear_4xx_never_a_500(province_client, query):
    client = province_client
    login(client, "admin")
    for path in ("/api/v1/reports/published", "/api/v1/reports/published/export"):
        response = client.get(path, query_string={"center_id": 1, **query})
        if path.endswith("published") and set(query) <= {"format", "table"}:
            continue  # export-only parameters
        assert 400 <= response.status_code < 500, (path, query, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] and error["message_vi"] and error["message_en"]


def test_the_csv_for_vietnamese_excel_reads_back(province_client, province_world):
    client, world = province_client, province_world
    login(client, "admin")
    query = {"center_id": world.province_id, "scope": "province", "format": "csv_semicolon", **Q1}
    response = client.get("/api/v1/reports/published/export", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = {r[0]: r for r in list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1:]}
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    assert rows["Tiếp nhận"][2] == str(fig["received"])
    assert rows["Tỷ lệ trước hạn, đúng hạn"][2] == f"{fig['on_time_rate'] * 100:.1f}%".replace(".", ",")
    by_field = client.get("/api/v1/reports/published/export", query_string={**query, "table": "published_by_field"})
    header = next(csv.reader(io.StringIO(by_field.get_data().decode("utf-8")[1:]), delimiter=";"))
    assert header[:3] == ["Mã / Code", "Lĩnh vực / Field", "Tiếp nhận / Received"]


def test_the_workbook_opens_with_the_paragraph_first_and_numbers_as_numbers(province_client, province_world):
    client, world = province_client, province_world
    login(client, "admin")
    query = {"center_id": world.province_id, "scope": "province", "format": "xlsx", **Q1}
    response = client.get("/api/v1/reports/published/export", query_string=query)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames[0] == "Đoạn văn báo cáo"
    paragraph = client.get("/api/v1/reports/published", query_string={**query, "format": None}).get_json()["paragraph"]
    assert book.worksheets[0]["A2"].value == paragraph
    summary = book.worksheets[1]  # the totals, right after the paragraph
    assert summary["A1"].value.startswith("Báo cáo định kỳ: số liệu chung")
    values = {row[0].value: row[2].value for row in summary.iter_rows(min_row=3)}
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    assert values["Tiếp nhận"] == fig["received"] and isinstance(values["Tiếp nhận"], int)


def test_the_report_page_shows_the_periodic_section(province_client, province_world):
    client, world = province_client, province_world
    login(client, "admin")
    page = client.get("/admin/reports", query_string={"center": world.province_id, "scope": "province", **Q1})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="published-paragraph"' in html and "Sao chép" in html and "Quyết định 766/QĐ-TTg" in html
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    assert f"tiếp nhận {fig['received']:,} hồ sơ".replace(",", ".") in html


def test_the_report_page_refuses_bad_scope_or_period_with_a_4xx(province_client):
    client = province_client
    login(client, "giamsat")
    assert client.get("/admin/reports", query_string={"center": 1, "scope": "galaxy"}).status_code == 400
    assert client.get("/admin/reports", query_string={"center": 1, "scope": "province"}).status_code == 403
    assert client.get("/admin/reports", query_string={"center": 1, "period": "quarter", "year": "x"}).status_code == 400
