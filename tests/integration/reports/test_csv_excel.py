""" "CSV cho Excel (dấu ;)": what Excel on a Windows with Vietnamese regional settings opens into
columns by double-click (list separator ``;``, decimal symbol ``,``), UTF-8 with a BOM so the
names keep their diacritics; the comma CSV and the XLSX stay as they were."""

from __future__ import annotations

import csv
import io
import re

from server.domain.reports import table_csv
from tests.support.demo import login
from tests.support.reports import MONDAY

BOM = b"\xef\xbb\xbf"


def export(client, fmt: str, table: str):
    login(client, "giamsat")
    return client.get(
        "/api/v1/reports/export",
        query_string={"center_id": 1, "period": "day", "date": MONDAY.isoformat(), "format": fmt, "table": table},
    )


def test_semicolon_csv_has_a_bom_semicolons_and_decimal_commas(day_client):
    response = export(day_client, "csv_semicolon", "by_service")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(BOM)
    text = body[len(BOM) :].decode("utf-8")
    header, *lines = text.splitlines()
    assert header.split(";")[:2] == ["Mã / Code", "Lĩnh vực / dịch vụ / Service"]
    assert "," not in header  # labels hold no comma, so a comma here would be a separator
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    columns = rows[0]
    mean = columns.index("Chờ TB (phút) / Wait mean (min)")
    values = [r[mean] for r in rows[1:] if r[mean]]
    assert values, "the generated day has waits"
    assert all(re.fullmatch(r"\d+,\d\d", v) for v in values), values  # 12,50 — never 12.50
    # A Vietnamese name survives byte for byte.
    assert "Tư pháp – Hộ tịch – Chứng thực" in [r[1] for r in rows[1:]]


def test_semicolon_csv_writes_shares_and_summary_numbers_with_decimal_commas(day_client):
    text = export(day_client, "csv_semicolon", "summary").get_data()[len(BOM) :].decode("utf-8")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text), delimiter=";")}
    wait = next(r for key, r in rows.items() if key.startswith("wait_mean") or "Thời gian chờ trung bình" in " ".join(r))
    assert re.fullmatch(r"\d+,\d\d", wait[-1]), wait
    share = next(r for r in rows.values() if r[-1].endswith("%"))
    assert re.fullmatch(r"\d+,\d%", share[-1]), share


def test_the_comma_csv_keeps_commas_and_decimal_points(day_client):
    body = export(day_client, "csv", "by_service").get_data()
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"))))
    mean = rows[0].index("Chờ TB (phút) / Wait mean (min)")
    assert all(re.fullmatch(r"\d+\.\d\d", r[mean]) for r in rows[1:] if r[mean])


def test_semicolon_csv_keeps_formula_like_names_inert_and_quotes_a_semicolon_in_a_name():
    table = {
        "key": "t",
        "columns": [
            {"key": "name", "label_vi": "Tên", "label_en": "Name", "kind": "text"},
            {"key": "wait", "label_vi": "Chờ", "label_en": "Wait", "kind": "min"},
        ],
        "rows": [{"name": "=HYPERLINK(\"http://x\";\"bấm\")", "wait": 3.5}, {"name": "Nguyễn Văn A; tổ 2", "wait": 12.0}],
    }
    text = table_csv(table, "semicolon")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["'=HYPERLINK(\"http://x\";\"bấm\")", "3,50"]
    assert rows[2] == ["Nguyễn Văn A; tổ 2", "12,00"]


def test_an_unknown_export_format_is_a_clear_400(day_client):
    response = export(day_client, "csv_tab", "summary")
    assert response.status_code == 400
    assert response.get_json()["error"]["message_en"]


def test_the_by_day_table_writes_dates_as_dd_mm_yyyy(day_client):
    login(day_client, "giamsat")
    text = day_client.get(
        "/api/v1/reports/export",
        query_string={
            "center_id": 1,
            "period": "month",
            "date": MONDAY.isoformat(),
            "format": "csv_semicolon",
            "table": "by_day",
        },
    ).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "01/11/2026" and rows[1][1] == "Chủ nhật"


def test_the_xlsx_by_day_sheet_holds_real_dates_shown_dd_mm_yyyy(day_client):
    from datetime import datetime

    from openpyxl import load_workbook

    login(day_client, "giamsat")
    body = day_client.get(
        "/api/v1/reports/export",
        query_string={"center_id": 1, "period": "month", "date": MONDAY.isoformat(), "format": "xlsx", "table": "by_day"},
    ).get_data()
    sheet = load_workbook(io.BytesIO(body)).active
    first = sheet.cell(3, 1)  # row 1: title, row 2: header
    assert isinstance(first.value, datetime) and first.value.date().isoformat() == "2026-11-01"
    assert first.number_format == "dd/mm/yyyy"
