"""Dossier figures (received, online share, early / on time / late, by post, overdue now)
checked against generated dossiers whose expected counts are computed here."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.demo import login
from tests.support.reports import MONDAY


@pytest.fixture
def truth(generated):
    if generated.dossiers is None:
        pytest.skip("the dossier area (server/models/dossiers.py) is not installed")
    return generated.dossiers


def report(client):
    login(client, "giamsat")
    return client.get("/api/v1/reports", query_string={"center_id": 1, "date": MONDAY.isoformat()}).get_json()


def table(rep, key):
    return next(t for t in rep["tables"] if t["key"] == key)


def test_dossier_summary_matches_the_generated_dossiers(truth, day_client):
    figures = {r["metric"]: r["value"] for r in table(report(day_client), "dossier_summary")["rows"]}
    channels = Counter(d["channel"] for d in truth.received)
    classes = Counter(d["class"] for d in truth.returned)
    assert figures["received"] == len(truth.received)
    assert (figures["direct"], figures["online"], figures["post"]) == (channels["direct"], channels["online"], channels["post"])
    assert figures["online_share"] == pytest.approx(channels["online"] / len(truth.received))
    assert figures["returned"] == len(truth.returned)
    assert (figures["early"], figures["on_time"], figures["late"]) == (classes["early"], classes["on_time"], classes["late"])
    assert figures["on_time_share"] == pytest.approx((classes["early"] + classes["on_time"]) / len(truth.returned))
    assert figures["returned_by_post"] == sum(1 for d in truth.returned if d["by_post"])
    assert figures["rejected"] == len(truth.rejected)
    assert figures["overdue_now"] == len(truth.overdue_now)
    assert (
        truth.returned and truth.overdue_now and classes["late"] and classes["early"] and classes["on_time"]
    )  # the data exercises every figure


def test_timeliness_table_feeds_the_on_time_chart(truth, day_client):
    rows = {r["class"]: r for r in table(report(day_client), "dossier_timeliness")["rows"]}
    classes = Counter(d["class"] for d in truth.returned)
    for key in ("early", "on_time", "late"):
        assert rows[key]["count"] == classes[key]
        assert rows[key]["share"] == pytest.approx(classes[key] / len(truth.returned))


def test_dossier_figures_by_procedure_add_up(truth, day_client):
    rows = table(report(day_client), "dossiers_by_procedure")["rows"]
    assert sum(r["received"] for r in rows) == len(truth.received)
    assert sum(r["returned"] for r in rows) == len(truth.returned)
    assert {r["procedure_name"] for r in rows} <= {
        "Đăng ký khai sinh",
        "Chứng thực bản sao từ bản chính",
        "Đăng ký biến động quyền sử dụng đất",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Hưởng trợ cấp xã hội hằng tháng",
    }
    by_service = table(report(day_client), "dossiers_by_service")["rows"]
    assert sum(r["overdue_now"] for r in by_service) == len(truth.overdue_now)


def test_dossiers_by_field_match(truth, day_client):
    rows = {r["service_code"]: r for r in table(report(day_client), "dossiers_by_service")["rows"]}
    received = Counter(d["service"] for d in truth.received)
    returned = Counter(d["service"] for d in truth.returned)
    overdue = Counter(d["service"] for d in truth.overdue_now)
    for code in set(received) | set(returned) | set(overdue):
        assert (rows[code]["received"], rows[code]["returned"], rows[code]["overdue_now"]) == (
            received[code],
            returned[code],
            overdue[code],
        ), code
