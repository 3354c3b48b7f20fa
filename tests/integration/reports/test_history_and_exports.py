"""Past figures never change with the configuration; every table exports to CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests.support.daygen import at_local
from tests.support.demo import login
from tests.support.reports import MONDAY


def get_report(client, **query):
    response = client.get("/api/v1/reports", query_string={"center_id": 1, "period": "day", "date": MONDAY.isoformat(), **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def without_now_figures(report: dict) -> dict:
    """The report minus "overdue now", which is about the present by definition."""
    for table in report["tables"]:
        table["rows"] = [
            {k: v for k, v in row.items() if k != "overdue_now"} for row in table["rows"] if row.get("metric") != "overdue_now"
        ]
    return report


def test_past_day_report_does_not_change_after_renaming_and_moving_things(day_client, day_clock):
    csrf = login(day_client, "admin")
    # The next morning, before any change: a counter still open keeps adding idle time while its day runs.
    day_clock.set(at_local(MONDAY + timedelta(days=1), 7, 30))
    before = get_report(day_client)
    headers = {"X-CSRF-Token": csrf}
    assert (
        day_client.patch(
            "/api/v1/admin/services/1", json={"name": "Tư pháp (tên mới)", "code": "TP"}, headers=headers
        ).status_code
        == 200
    )
    # Counter 1 is renumbered 11 and now serves Land instead of Justice.
    assert (
        day_client.patch(
            "/api/v1/admin/counters/1", json={"number": 11, "name": "Quầy mới", "service_ids": [2]}, headers=headers
        ).status_code
        == 200
    )
    assert day_client.patch("/api/v1/admin/users/1", json={"full_name": "Người khác"}, headers=headers).status_code == 200
    assert day_client.patch("/api/v1/admin/centers/1", json={"name": "Trung tâm đổi tên"}, headers=headers).status_code == 200
    after = get_report(day_client)
    after["generated_at"] = before["generated_at"]
    after["centers"] = before["centers"]  # the header names today's center; the figures must not move
    assert without_now_figures(after) == without_now_figures(before)
    by_service = {r["service_id"]: r for r in next(t for t in after["tables"] if t["key"] == "by_service")["rows"]}
    assert by_service[1]["service_name"] == "Tư pháp – Hộ tịch – Chứng thực" and by_service[1]["service_code"] == "TPHT"


def test_after_a_rename_new_periods_use_the_new_name(day_client, day_clock):
    csrf = login(day_client, "admin")
    day_clock.set(at_local(MONDAY + timedelta(days=1), 7, 30))
    day_client.patch("/api/v1/admin/services/1", json={"name": "Tư pháp (tên mới)"}, headers={"X-CSRF-Token": csrf})
    assert (
        day_client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}, headers={"X-CSRF-Token": csrf}).status_code
        == 201
    )
    tuesday = get_report(day_client, date=(MONDAY + timedelta(days=1)).isoformat())
    rows = next(t for t in tuesday["tables"] if t["key"] == "by_service")["rows"]
    assert [(r["service_name"], r["issued"]) for r in rows] == [("Tư pháp (tên mới)", 1)]


def test_xlsx_export_opens_with_openpyxl_and_holds_the_report_rows(day_client):
    login(day_client, "giamsat")
    rep = get_report(day_client)
    response = day_client.get(
        "/api/v1/reports/export", query_string={"center_id": 1, "date": MONDAY.isoformat(), "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == len(rep["tables"])
    services = book["Theo lĩnh vực"]
    by_service = next(t for t in rep["tables"] if t["key"] == "by_service")
    header = [c.value for c in services[2]]
    assert header[:3] == ["Mã", "Lĩnh vực / dịch vụ", "Đã phát"]
    data = [[c.value for c in row] for row in services.iter_rows(min_row=3)]
    assert len(data) == len(by_service["rows"])
    keys = [c["key"] for c in by_service["columns"]]
    for line, row in zip(data, by_service["rows"], strict=True):
        assert line[keys.index("service_code")] == row["service_code"]
        assert line[keys.index("service_name")] == row["service_name"]
        assert line[keys.index("issued")] == row["issued"]
        assert line[keys.index("wait_p90")] == pytest.approx(row["wait_p90"], rel=1e-12)  # numbers stay numbers
    summary = book["Tổng hợp"]
    values = {row[0].value: row[2].value for row in summary.iter_rows(min_row=3)}
    assert values["Số phiếu đã phát"] == 230


def test_every_table_exports_as_csv_with_its_rows(day_client):
    login(day_client, "giamsat")
    rep = get_report(day_client)
    for table in rep["tables"]:
        response = day_client.get(
            "/api/v1/reports/export",
            query_string={"center_id": 1, "date": MONDAY.isoformat(), "format": "csv", "table": table["key"]},
        )
        assert response.status_code == 200, table["key"]
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff")  # Excel reads UTF-8 Vietnamese with the BOM
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert len(rows) == 1 + len(table["rows"]), table["key"]
    by_service = next(t for t in rep["tables"] if t["key"] == "by_service")
    rows = list(
        csv.reader(
            io.StringIO(
                day_client.get(
                    "/api/v1/reports/export",
                    query_string={"center_id": 1, "date": MONDAY.isoformat(), "format": "csv", "table": "by_service"},
                )
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0][1] == "Lĩnh vực / dịch vụ / Service"
    assert rows[1][1] == by_service["rows"][0]["service_name"]


def test_single_table_xlsx_and_unknown_table(day_client):
    login(day_client, "giamsat")
    one = day_client.get("/api/v1/reports/export", query_string={"center_id": 1, "date": MONDAY.isoformat(), "table": "by_clerk"})
    assert load_workbook(io.BytesIO(one.data)).sheetnames == ["Theo cán bộ"]
    missing = day_client.get("/api/v1/reports/export", query_string={"center_id": 1, "format": "csv", "table": "nope"})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_table"


def test_xlsx_export_survives_control_characters_in_names(day_client):
    csrf = login(day_client, "admin")
    assert (
        day_client.patch(
            "/api/v1/admin/services/1", json={"name": "Tư pháp\x1b\x07 mới"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 200
    )
    response = day_client.get(
        "/api/v1/reports/export", query_string={"center_id": 1, "period": "month", "date": MONDAY.isoformat()}
    )
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data))["Tổng hợp"]["A1"].value.startswith("Tổng hợp")
