"""Service-level targets: a service promising a wait of at most N minutes. The live dashboard shows
the longest current wait against the target and today's share of first calls within it; a waiting
ticket past the target raises one 'wait_target' alert for its service, resolved once the line is back
within target; the period report gives the share within target per service, counter and day."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.domain.alerts import AlertService
from server.domain.reports import Period, live_dashboard, ticket_report
from server.domain.service_levels import WAIT_TARGET, ServiceLevels, target_source, within_target
from server.models import Service
from tests.support.demo import update


@pytest.fixture
def alerts(db, clock, published):
    return AlertService(db, clock, publish=published.append)


@pytest.fixture
def levels(db, clock, alerts):
    return ServiceLevels(db, clock, alerts)


@pytest.fixture
def target(db, ids):
    """Justice (Tư pháp – Hộ tịch) promises at most 15 minutes."""
    update(db, Service, ids["justice"], wait_target_minutes=15)
    return 15


def live(db, clock, ids) -> dict:
    with db.read() as s:
        return live_dashboard(s, ids["center"], clock.now())


def justice_row(board: dict, ids) -> dict:
    return next(s for s in board["services"] if s["id"] == ids["justice"])


def wait_alerts(alerts, ids) -> list[dict]:
    return [a for a in alerts.open_alerts(ids["center"]) if a["kind"] == WAIT_TARGET]


def test_a_wait_of_exactly_the_target_meets_it_and_one_second_more_does_not():
    assert within_target(15 * 60, 15) and not within_target(15 * 60 + 1, 15)


def test_the_dashboard_shows_the_longest_wait_against_the_target_and_red_once_it_is_passed(db, clock, queue, ids, target):
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=10)
    row = justice_row(live(db, clock, ids), ids)
    assert row["wait_target_minutes"] == 15 and round(row["longest_wait_minutes"]) == 10 and row["over_target"] is False
    clock.advance(minutes=6)
    row = justice_row(live(db, clock, ids), ids)
    assert round(row["longest_wait_minutes"]) == 16 and row["over_target"] is True


def test_a_service_without_a_target_shows_none_and_is_never_over(db, clock, queue, ids, target):
    update(db, Service, ids["land"], wait_target_minutes=None)  # the demo gives every field a target
    queue.issue_ticket(ids["center"], ids["land"])
    clock.advance(hours=3)
    land = next(s for s in live(db, clock, ids)["services"] if s["id"] == ids["land"])
    assert land["wait_target_minutes"] is None and land["over_target"] is False and land["share_within_target"] is None


def test_the_share_within_target_today_counts_first_calls_only(db, clock, queue, ids, target):
    """Three tickets: called after 5, 20 and 14 minutes of waiting → 2 of 3 within 15 minutes."""
    for _ in range(3):
        queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=5)
    queue.call_next(ids["c1"])
    queue.finish(ids["c1"])
    clock.advance(minutes=9)  # 14 min: the third one is called by counter 2 later; this is the second
    queue.call_next(ids["c2"])
    queue.finish(ids["c2"])
    clock.advance(minutes=6)  # 20 min
    queue.call_next(ids["c1"])
    row = justice_row(live(db, clock, ids), ids)
    assert (row["called_today"], row["within_target_today"]) == (3, 2)
    assert row["share_within_target"] == pytest.approx(2 / 3)


def test_a_waiting_ticket_past_the_target_raises_one_alert_and_it_resolves_when_the_line_is_back_within(
    db, clock, queue, ids, target, alerts, levels, published
):
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=15)
    assert levels.check() == {"raised": [], "resolved": []}  # exactly at the target: met
    clock.advance(seconds=1)
    assert levels.check()["raised"] == [ids["justice"]]
    [alert] = wait_alerts(alerts, ids)
    assert alert["source"] == target_source(ids["justice"])
    assert "Tư pháp" in alert["message_vi"] and "15 phút" in alert["message_vi"] and "1001" in alert["message_vi"]
    assert [e.name for e in published if e.name.startswith("alert_")] == ["alert_raised"]  # pushed to supervisors

    clock.advance(minutes=5)
    assert levels.check()["raised"] == []  # the open alert is not raised (nor rung) again
    assert wait_alerts(alerts, ids)[0]["occurrences"] == 1

    queue.call_next(ids["c1"])  # nobody waits any more
    assert levels.check()["resolved"] == [ids["justice"]]
    assert wait_alerts(alerts, ids) == []


def test_the_check_is_idempotent_across_processes_the_open_alert_in_the_database_is_the_dedup(
    db, clock, queue, ids, target, alerts
):
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=30)
    other_process = ServiceLevels(db, clock, AlertService(db, clock))
    ServiceLevels(db, clock, alerts).check()
    assert other_process.check()["raised"] == []
    assert len(wait_alerts(alerts, ids)) == 1


def test_removing_a_services_target_ends_its_alert(db, clock, queue, ids, target, alerts, levels):
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=20)
    levels.check()
    update(db, Service, ids["justice"], wait_target_minutes=None)
    assert levels.check()["resolved"] == [ids["justice"]]


def test_the_period_report_gives_the_share_within_target_per_service_counter_and_day(db, clock, queue, ids, target, levels):
    """Monday: counter 1 calls after 5 min (within), counter 2 after 20 min (not). Tuesday: counter 1 after 10 (within)."""
    queue.issue_ticket(ids["center"], ids["justice"])
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=5)
    queue.call_next(ids["c1"])
    queue.finish(ids["c1"])
    clock.advance(minutes=15)
    assert levels.check()["raised"] == [ids["justice"]]  # the second one waited 20 minutes
    queue.call_next(ids["c2"])
    queue.finish(ids["c2"])
    monday = clock.now()
    clock.advance(days=1)
    queue.issue_ticket(ids["center"], ids["justice"])
    clock.advance(minutes=10)
    queue.call_next(ids["c1"])
    with db.read() as s:
        from server.clock import local_date

        start = local_date(monday)
        report = ticket_report(s, ids["center"], Period.of("range", start, start, start + timedelta(days=1)), clock.now())
    tables = {t["key"]: t["rows"] for t in report["tables"]}
    justice = next(r for r in tables["target_by_service"] if r["service_code"] == "TPHT")
    assert (justice["target_minutes"], justice["called"], justice["within_target"]) == (15, 3, 2)
    assert justice["share_within_target"] == pytest.approx(2 / 3) and justice["alerts"] == 1
    by_counter = {r["counter_number"]: (r["called"], r["within_target"]) for r in tables["target_by_counter"]}
    assert by_counter == {1: (2, 2), 2: (1, 0)}
    by_day = [(r["called"], r["within_target"]) for r in tables["target_by_day"]]
    assert by_day == [(2, 1), (1, 1)]


@pytest.mark.postgres
def test_the_wait_target_rule_and_figures_on_postgresql(pg_url):
    from server.clock import FixedClock
    from server.db import Database
    from server.domain.queue import QueueService
    from tests.support.demo import MONDAY_9AM, center_id, counter_id, make_db, service_id

    make_db(pg_url).dispose()
    db = Database(pg_url)
    try:
        clock = FixedClock(MONDAY_9AM)
        queue, alerts = QueueService(db, clock), AlertService(db, clock)
        ids = {"center": center_id(db), "justice": service_id(db, "TPHT"), "c1": counter_id(db, 1)}
        update(db, Service, ids["justice"], wait_target_minutes=15)
        queue.issue_ticket(ids["center"], ids["justice"])
        queue.issue_ticket(ids["center"], ids["justice"])
        clock.advance(minutes=10)
        queue.call_next(ids["c1"])
        clock.advance(minutes=10)
        assert ServiceLevels(db, clock, alerts).check()["raised"] == [ids["justice"]]
        assert ServiceLevels(db, clock, AlertService(db, clock)).check()["raised"] == []  # another process
        row = justice_row(live(db, clock, ids), ids)
        assert row["over_target"] is True and (row["called_today"], row["within_target_today"]) == (1, 1)
    finally:
        db.dispose()
