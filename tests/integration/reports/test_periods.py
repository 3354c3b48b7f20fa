"""Reporting periods (kỳ báo cáo): quarter, 6 months, 9 months and year, by calendar months or by
the state's data cut-off (15th of the month before – 14th of the last month), counted in the
center's time zone; and the API's clear 400 for a period that makes no sense."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.clock import FixedClock
from server.db import Database
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.domain.reports import Period, ticket_report
from tests.support.demo import login, make_db


@pytest.mark.parametrize(
    "quarter, start, end",
    [
        (1, date(2026, 1, 1), date(2026, 3, 31)),
        (2, date(2026, 4, 1), date(2026, 6, 30)),
        (3, date(2026, 7, 1), date(2026, 9, 30)),
        (4, date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_a_quarter_is_its_three_calendar_months(quarter, start, end):
    period = Period.of("quarter", year=2026, quarter=quarter)
    assert (period.start, period.end) == (start, end)
    assert period.to_dict()["quarter"] == quarter and period.to_dict()["year"] == 2026


def test_the_first_quarter_of_a_leap_year_has_91_days_and_ends_on_31_march():
    leap, common = Period.of("quarter", year=2028, quarter=1), Period.of("quarter", year=2027, quarter=1)
    assert len(leap.days) == 91 and len(common.days) == 90
    assert date(2028, 2, 29) in leap.days


def test_six_and_nine_months_and_the_year_run_from_the_first_of_january():
    assert (Period.of("half", year=2026).start, Period.of("half", year=2026).end) == (date(2026, 1, 1), date(2026, 6, 30))
    second = Period.of("half", year=2026, half=2)
    assert (second.start, second.end) == (date(2026, 7, 1), date(2026, 12, 31))
    nine = Period.of("nine_months", year=2026)
    assert (nine.start, nine.end) == (date(2026, 1, 1), date(2026, 9, 30))
    year = Period.of("year", year=2028)
    assert (year.start, year.end, len(year.days)) == (date(2028, 1, 1), date(2028, 12, 31), 366)
    assert len(Period.of("year", year=2026).days) == 365


def test_the_cut_off_basis_runs_from_the_15th_of_the_month_before_to_the_14th_of_the_last_month():
    q1 = Period.of("quarter", year=2026, quarter=1, basis="cutoff")
    assert (q1.start, q1.end) == (date(2025, 12, 15), date(2026, 3, 14))
    q4 = Period.of("quarter", year=2026, quarter=4, basis="cutoff")
    assert (q4.start, q4.end) == (date(2026, 9, 15), date(2026, 12, 14))
    year = Period.of("year", year=2026, basis="cutoff")
    assert (year.start, year.end) == (date(2025, 12, 15), date(2026, 12, 14))
    # The year it belongs to is its last day's, though it starts in December before.
    assert year.to_dict()["year"] == 2026 and year.to_dict()["basis"] == "cutoff"
    nine = Period.of("nine_months", year=2026, basis="cutoff")
    assert (nine.start, nine.end) == (date(2025, 12, 15), date(2026, 9, 14))
    half = Period.of("half", year=2028, basis="cutoff")
    assert (half.start, half.end) == (date(2027, 12, 15), date(2028, 6, 14))


def test_without_a_year_or_quarter_the_period_is_the_one_holding_the_day():
    period = Period.of("quarter", date(2026, 11, 23))
    assert (period.start, period.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert Period.of("year", today=date(2027, 2, 1)).start == date(2027, 1, 1)


def test_periods_are_labelled_the_vietnamese_way():
    assert Period.of("quarter", year=2026, quarter=4).label_vi == "Quý IV năm 2026 (từ 01/10/2026 đến 31/12/2026)"
    assert Period.of("half", year=2026).label_vi.startswith("6 tháng đầu năm 2026")
    assert Period.of("nine_months", year=2026).label_vi.startswith("9 tháng đầu năm 2026")
    assert Period.of("quarter", year=2026, quarter=4).label_en.startswith("Q4 2026")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "quarter", "year": 2026, "quarter": 5},
        {"kind": "quarter", "year": 2026, "quarter": 0},
        {"kind": "half", "year": 2026, "half": 3},
        {"kind": "year", "year": 1899},
        {"kind": "year", "year": 2026, "basis": "lunar"},
        {"kind": "decade"},
    ],
)
def test_nonsense_periods_are_refused_by_the_domain(kwargs):
    kind = kwargs.pop("kind")
    with pytest.raises(DomainError) as raised:
        Period.of(kind, date(2026, 11, 23), **kwargs)
    assert raised.value.code == "invalid_period" and raised.value.status == 400


def test_a_quarter_is_cut_at_midnight_in_the_centers_time_zone():
    begin, end = Period.of("quarter", year=2026, quarter=4).utc_bounds("Asia/Ho_Chi_Minh")
    assert begin == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


def _issued(report: dict) -> int:
    summary = next(t for t in report["tables"] if t["key"] == "summary")
    return next(r["value"] for r in summary["rows"] if r["metric"] == "issued")


def new_year_quarters(db: Database) -> tuple[int, int, int]:
    """Issued counts of Q4 2026, Q1 2027 and the year 2027 after a ticket either side of local midnight."""
    # 31/12/2026 23:30 in Hà Nội is 16:30 UTC; 01/01/2027 00:30 there is still 31/12 17:30 in UTC.
    clock = FixedClock(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    queue = QueueService(db, clock)
    queue.issue_ticket(1, 1, actor="kiosk")
    clock.set(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    queue.issue_ticket(1, 1, actor="kiosk")
    now = datetime(2027, 1, 2, tzinfo=UTC)
    with db.read() as s:
        q4 = ticket_report(s, 1, Period.of("quarter", year=2026, quarter=4), now)
        q1 = ticket_report(s, 1, Period.of("quarter", year=2027, quarter=1), now)
        year = ticket_report(s, 1, Period.of("year", year=2027), now)
    return _issued(q4), _issued(q1), _issued(year)


def test_a_ticket_taken_after_midnight_on_new_years_day_counts_in_the_new_year_not_the_old_quarter(sqlite_url):
    db = Database(sqlite_url)
    try:
        assert new_year_quarters(db) == (1, 1, 1)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_quarters_are_cut_in_the_centers_zone_on_postgresql_too(pg_url):
    db = make_db(pg_url)
    try:
        assert new_year_quarters(db) == (1, 1, 1)
    finally:
        db.dispose()


def test_the_api_reports_a_quarter(client):
    login(client, "giamsat")
    response = client.get("/api/v1/reports", query_string={"center_id": 1, "period": "quarter", "year": 2026, "quarter": 4})
    assert response.status_code == 200, response.get_json()
    period = response.get_json()["period"]
    assert (period["kind"], period["start"], period["end"], period["quarter"]) == ("quarter", "2026-10-01", "2026-12-31", 4)
    cut = client.get(
        "/api/v1/reports", query_string={"center_id": 1, "period": "year", "year": 2026, "basis": "cutoff"}
    ).get_json()
    assert (cut["period"]["start"], cut["period"]["end"]) == ("2025-12-15", "2026-12-14")


@pytest.mark.parametrize(
    "query",
    [
        {"period": "quarter", "year": 2026, "quarter": 5},
        {"period": "quarter", "year": 2026, "quarter": "IV"},
        {"period": "half", "year": 2026, "half": 0},
        {"period": "year", "year": 99999},
        {"period": "year", "year": 2026, "basis": "moon"},
        {"period": "fortnight"},
    ],
)
def test_the_api_refuses_a_nonsense_period_with_a_clear_400(client, query):
    login(client, "giamsat")
    for path in ("/api/v1/reports", "/api/v1/reports/export"):
        response = client.get(path, query_string={"center_id": 1, **query})
        assert response.status_code == 400, (path, query, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] and error["message_vi"] and error["message_en"]


def test_the_report_page_refuses_a_nonsense_quarter_with_a_400_not_a_500(client):
    login(client, "giamsat")
    assert (
        client.get("/admin/reports", query_string={"center": 1, "period": "quarter", "year": 2026, "quarter": 9}).status_code
        == 400
    )
    assert client.get("/admin/reports", query_string={"center": 1, "period": "quarter", "year": "x"}).status_code == 400
    page = client.get("/admin/reports", query_string={"center": 1, "period": "quarter", "year": 2026, "quarter": 4})
    assert page.status_code == 200 and "Quý IV năm 2026" in page.get_data(as_text=True)
