"""The periodic report a center publishes (báo cáo định kỳ), checked against a generated province
whose expected counts, rates, Decision 766 points and paragraph are computed by hand in
tests/support/publishedgen.py — on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.db import Database
from server.domain.reports import Period
from server.domain.reports.published import published_report, scope_centers
from tests.support.demo import make_db
from tests.support.publishedgen import build_province, expected_figures, expected_paragraph

Q1 = Period.of("quarter", year=2026, quarter=1)
NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def _report(db: Database, center_id: int | None, scope: str, period: Period = Q1) -> dict:
    with db.read() as s:
        return published_report(s, scope_centers(s, center_id, scope), period, NOW, scope=scope)


def _table(report: dict, key: str) -> dict:
    return next(t for t in report["tables"] if t["key"] == key)


def _assert_matches(report: dict, fig: dict) -> None:
    totals = report["totals"]
    for key in ("received", "received_online", "received_post", "received_direct", "returned", "returned_post",
                "returned_online", "early", "on_time", "late", "rejected", "stopped", "ratings"):
        assert totals[key] == fig[key], key
    for key in ("online_share", "postal_share", "on_time_rate", "satisfaction"):
        assert totals[key] == pytest.approx(fig[key]), key
    assert {i["key"]: i["points"] for i in report["indicators"]} == fig["points"]


def test_a_province_report_counts_its_centers_and_no_other(province_db):
    db, world = province_db
    report = _report(db, world.province_id, "province")
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    _assert_matches(report, fig)
    ids = world.center_ids
    assert {c["id"] for c in report["centers"]} == {world.province_id, ids["DEMO"], ids["XA-2"]}
    # the data exercises every clause of the paragraph
    assert fig["received_online"] and fig["received_post"] and fig["returned_post"] and fig["rejected"] and fig["stopped"]


def test_one_center_report_matches_its_own_dossiers(province_db):
    db, world = province_db
    report = _report(db, world.center_ids["DEMO"], "center")
    _assert_matches(report, expected_figures(world, ("DEMO",), date(2026, 1, 1), date(2026, 3, 31)))


def test_the_paragraph_is_the_seed_style_with_dotted_thousands(province_db):
    db, world = province_db
    report = _report(db, world.center_ids["DEMO"], "center")
    fig = expected_figures(world, ("DEMO",), date(2026, 1, 1), date(2026, 3, 31))
    assert report["paragraph"] == expected_paragraph(fig, "Quý I năm 2026", "Bộ phận tiếp nhận và trả kết quả")


def test_a_year_of_the_whole_deployment_passes_a_thousand_and_writes_it_with_a_dot(province_db):
    db, world = province_db
    year = Period.of("range", start=date(2025, 12, 1), end=date(2026, 4, 30))
    report = _report(db, None, "center", year)
    fig = expected_figures(world, ("DEMO", "XA-2", "NGOAI"), date(2025, 12, 1), date(2026, 4, 30))
    _assert_matches(report, fig)
    assert fig["received"] >= 1000
    expected = expected_paragraph(fig, "Từ ngày 01/12/2025 đến ngày 30/04/2026", "Các bộ phận tiếp nhận và trả kết quả")
    assert report["paragraph"] == expected and f"tiếp nhận {fig['received'] // 1000}." in expected


def test_figures_by_field_and_procedure_add_the_communes_up_by_code(province_db):
    db, world = province_db
    report = _report(db, world.province_id, "province")
    fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
    fields = {r["code"]: (r["received"], r["returned"]) for r in _table(report, "published_by_field")["rows"] if r["code"]}
    assert fields == fig["by_field"]
    procedures = {r["code"]: (r["received"], r["returned"]) for r in _table(report, "published_by_procedure")["rows"]}
    assert procedures == fig["by_procedure"]
    centers = {r["code"]: r["received"] for r in _table(report, "published_by_center")["rows"]}
    assert sum(centers.values()) == fig["received"] and set(centers) == {c["code"] for c in report["centers"]} - {"TTHCC-TINH"}


def test_months_follow_local_days_and_add_up(province_db):
    db, world = province_db
    report = _report(db, world.province_id, "province")
    months = _table(report, "published_by_month")["rows"]
    assert [m["month_label"] for m in months] == ["01/2026", "02/2026", "03/2026"]
    for m, (first, last) in zip(months, [(1, 31), (2, 28), (3, 31)], strict=True):
        fig = expected_figures(world, world.members, date(2026, first, 1), date(2026, first, last))
        assert (m["received"], m["returned"]) == (fig["received"], fig["returned"])
        assert m["on_time_rate"] == pytest.approx(fig["on_time_rate"])


def test_766_points_are_full_at_target_and_proportional_below():
    from server.domain.reports.published import indicator_points

    assert indicator_points(0.95, 0.90, 20) == 20
    assert indicator_points(0.90, 0.90, 20) == 20
    assert indicator_points(0.45, 0.90, 20) == 10
    assert indicator_points(0.333, 0.5, 12) == 7.99
    assert indicator_points(None, 0.8, 18) is None


@pytest.mark.postgres
def test_the_same_report_on_postgresql(pg_url):
    make_db(pg_url).dispose()
    db = Database(pg_url)
    try:
        world = build_province(db, per_center=120)
        report = _report(db, world.province_id, "province")
        fig = expected_figures(world, world.members, date(2026, 1, 1), date(2026, 3, 31))
        _assert_matches(report, fig)
        label = "Trung tâm Phục vụ hành chính công tỉnh và các đơn vị trực thuộc"
        assert report["paragraph"] == expected_paragraph(fig, "Quý I năm 2026", label)
        months = _table(report, "published_by_month")["rows"]
        assert sum(m["received"] for m in months) == fig["received"]
    finally:
        db.dispose()
