"""Report figures checked against a generated day whose expected counts, means, medians and
90th percentiles are computed here, independently, with the statistics module."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from server.models import User
from tests.support.daygen import HANOI
from tests.support.demo import login
from tests.support.reports import FRIDAY, MONDAY


def expected(seconds: list[float]) -> dict:
    """Mean, median and 90th percentile (inclusive quantiles) in minutes."""
    minutes = [s / 60 for s in seconds]
    return {
        "count": len(minutes),
        "mean": statistics.fmean(minutes),
        "median": statistics.median(minutes),
        "p90": statistics.quantiles(minutes, n=10, method="inclusive")[8],
    }


def report(client, **query):
    login(client, "giamsat")
    params = {"center_id": 1, "period": "day", "date": MONDAY.isoformat(), **query}
    response = client.get("/api/v1/reports", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def table(rep, key):
    return next(t for t in rep["tables"] if t["key"] == key)


def summary(rep):
    return {row["metric"]: row["value"] for row in table(rep, "summary")["rows"]}


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def test_the_generated_day_is_realistic_enough_to_test_against(generated):
    day = generated.monday
    assert len(day.issued) == 230
    assert len(day.services) > 150 and len(day.no_shows) >= 5 and day.transfers and day.cancels
    assert max(s.seconds for s in day.waits) > 20 * 60, "some citizens must have waited a while"
    assert len(day.ratings) > 50


def test_day_counts_match_what_happened(generated, day_client):
    day = generated.monday
    figures = summary(report(day_client))
    assert figures["issued"] == len(day.issued)
    assert figures["served"] == len(day.services)
    assert figures["no_show"] == len(day.no_shows)
    assert figures["cancelled"] == len(day.cancels)
    assert figures["transferred"] == len(day.transfers)
    assert figures["ratings"] == len(day.ratings)


def test_day_wait_and_service_times_match_mean_median_and_p90(generated, day_client):
    day = generated.monday
    figures = summary(report(day_client))
    wait = expected([w.seconds for w in day.waits])
    service = expected([s.seconds for s in day.services])
    for stat in ("mean", "median", "p90"):
        assert figures[f"wait_{stat}"] == approx(wait[stat]), stat
        assert figures[f"service_{stat}"] == approx(service[stat]), stat


def test_figures_by_service_match(generated, day_client):
    day = generated.monday
    rows = {r["service_code"]: r for r in table(report(day_client), "by_service")["rows"]}
    issued = Counter(code for code, _at in day.issued)
    served = Counter(s.service_code for s in day.services)
    no_show = Counter(code for code, *_ in day.no_shows)
    for code in issued | served:
        row = rows[code]
        assert row["issued"] == issued[code], code
        assert row["served"] == served[code], code
        assert row["no_show"] == no_show[code], code
        waits = [w.seconds for w in day.waits if w.service_code == code]
        services = [s.seconds for s in day.services if s.service_code == code]
        if len(waits) >= 2:
            exp = expected(waits)
            assert (row["wait_mean"], row["wait_median"], row["wait_p90"]) == (
                approx(exp["mean"]),
                approx(exp["median"]),
                approx(exp["p90"]),
            ), code
        if len(services) >= 2:
            exp = expected(services)
            assert (row["service_mean"], row["service_median"], row["service_p90"]) == (
                approx(exp["mean"]),
                approx(exp["median"]),
                approx(exp["p90"]),
            ), code


def test_figures_by_counter_match(generated, day_client):
    day = generated.monday
    rows = {r["counter_number"]: r for r in table(report(day_client), "by_counter")["rows"]}
    for number in sorted({s.counter_number for s in day.services}):
        services = [s.seconds for s in day.services if s.counter_number == number]
        row = rows[number]
        assert row["served"] == len(services)
        assert row["called"] == sum(1 for w in day.waits if w.counter_number == number)
        assert row["no_show"] == sum(1 for n in day.no_shows if n[1] == number)
        if len(services) >= 2:
            exp = expected(services)
            assert row["service_mean"] == approx(exp["mean"]) and row["service_median"] == approx(exp["median"])
            assert row["service_p90"] == approx(exp["p90"])


def test_figures_by_clerk_follow_the_clerk_not_the_counter(generated, day_client, day_app):
    """quay1 and quay2 swap counters at noon: each clerk's figures cover both counters."""
    day = generated.monday
    rows = {r["username"]: r for r in table(report(day_client), "by_clerk")["rows"]}
    for clerk in sorted({s.clerk for s in day.services}):
        services = [s.seconds for s in day.services if s.clerk == clerk]
        row = rows[clerk]
        assert row["served"] == len(services), clerk
        if len(services) >= 2:
            exp = expected(services)
            assert (row["service_mean"], row["service_median"], row["service_p90"]) == (
                approx(exp["mean"]),
                approx(exp["median"]),
                approx(exp["p90"]),
            )
        levels = [lvl for *_x, c, lvl in day.ratings if c == clerk]
        assert row["ratings"] == len(levels)
    assert rows["quay1"]["counters"] == "1, 2" and rows["quay2"]["counters"] == "1, 2"
    with day_app.extensions["motcua"].db.read() as s:
        assert rows["quay3"]["full_name"] == s.scalar(select(User.full_name).where(User.username == "quay3"))


def test_issued_and_served_by_hour_match(generated, day_client):
    day = generated.monday
    rows = {r["hour"]: r for r in table(report(day_client), "by_hour")["rows"]}
    issued = Counter(f"{at.astimezone(HANOI).hour:02d}:00" for _c, at in day.issued)
    served = Counter(f"{s.end.astimezone(HANOI).hour:02d}:00" for s in day.services)
    for hour in set(issued) | set(served):
        assert rows[hour]["issued"] == issued[hour], hour
        assert rows[hour]["served"] == served[hour], hour
    by_entry_hour = defaultdict(list)
    for w in day.waits:
        by_entry_hour[f"{w.start.astimezone(HANOI).hour:02d}:00"].append(w.seconds)
    for hour, waits in by_entry_hour.items():
        assert rows[hour]["wait_mean"] == approx(statistics.fmean(waits) / 60), hour
    assert sum(r["issued"] for r in rows.values()) == len(day.issued)


def test_rating_shares_match(generated, day_client):
    day = generated.monday
    rep = report(day_client)
    rows = {r["level"]: r for r in table(rep, "ratings")["rows"]}
    counts = Counter(level for *_x, level in day.ratings)
    total = len(day.ratings)
    for level in ("very_satisfied", "satisfied", "unsatisfied"):
        assert rows[level]["count"] == counts[level]
        assert rows[level]["share"] == approx(counts[level] / total)
    reasons = {r["reason"]: r["count"] for r in table(rep, "rating_reasons")["rows"]}
    assert reasons["long_wait"] == counts["unsatisfied"]


def test_a_day_report_leaves_out_the_other_days_and_a_week_or_month_sums_them(generated, day_client):
    monday, friday = generated.monday, generated.friday
    assert summary(report(day_client))["issued"] == len(monday.issued)
    assert summary(report(day_client, date=FRIDAY.isoformat()))["issued"] == len(friday.issued)
    assert summary(report(day_client, period="week"))["issued"] == len(monday.issued)  # Mon 23 – Sun 29
    month = report(day_client, period="month")
    assert summary(month)["issued"] == len(monday.issued) + len(friday.issued)
    assert month["period"]["start"] == "2026-11-01" and month["period"]["end"] == "2026-11-30"
    both = report(day_client, period="range", start=FRIDAY.isoformat(), end=MONDAY.isoformat())
    served = [s.seconds for s in monday.services + friday.services]
    assert summary(both)["served"] == len(served)
    assert summary(both)["service_p90"] == approx(expected(served)["p90"])
    days = {r["date"]: r for r in table(both, "by_day")["rows"]}
    assert list(days) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    assert days["2026-11-20"]["issued"] == len(friday.issued) and days["2026-11-22"]["issued"] == 0


def test_all_centers_report_for_a_province_wide_account(generated, day_client):
    login(day_client, "admin")
    rep = day_client.get("/api/v1/reports", query_string={"period": "day", "date": MONDAY.isoformat()}).get_json()
    assert rep["scope"] == "all"
    rows = table(rep, "by_center")["rows"]
    assert rows[0]["center_code"] == "HOANKIEM" and rows[0]["issued"] == len(generated.monday.issued)
    assert "center_code" in table(rep, "by_service")["rows"][0]


def test_a_center_supervisor_gets_their_center_even_without_asking(day_client):
    login(day_client, "giamsat")
    rep = day_client.get("/api/v1/reports", query_string={"date": MONDAY.isoformat()}).get_json()
    assert rep["scope"] == "center" and rep["centers"][0]["id"] == 1


def test_clerks_cannot_read_reports(day_client):
    login(day_client, "quay1")
    response = day_client.get("/api/v1/reports", query_string={"center_id": 1})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_bad_periods_are_refused_clearly(day_client):
    login(day_client, "giamsat")
    bad = day_client.get(
        "/api/v1/reports", query_string={"center_id": 1, "period": "range", "start": "2026-11-23", "end": "2026-11-01"}
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_period"
    assert day_client.get("/api/v1/reports", query_string={"center_id": 1, "period": "decade"}).status_code == 400


def test_report_page_renders_every_table_and_the_chart_data(generated, day_client):
    login(day_client, "admin")
    html = day_client.get(
        "/admin/reports", query_string={"center": "all", "period": "month", "date": MONDAY.isoformat()}
    ).get_data(as_text=True)
    for title in (
        "Tổng hợp",
        "Theo trung tâm",
        "Theo lĩnh vực",
        "Theo giờ trong ngày",
        "Theo ngày",
        "Theo quầy",
        "Theo cán bộ",
        "Mức độ hài lòng",
    ):
        assert f"{title} <span" in html, title
    assert '<script src="/vendor/chart.js/chart.umd.js">' in html and "cdn" not in html.lower()
    assert 'id="report-data"' in html and "format=csv" in html and "format=xlsx" in html
