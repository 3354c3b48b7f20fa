"""The same report code on PostgreSQL: migrations, ratings, audit and figures."""

from __future__ import annotations

import importlib.util
import statistics
from datetime import date

import pytest

from server.clock import FixedClock
from server.db import Database
from server.domain.queue import QueueService
from server.domain.ratings import RatingService
from server.domain.reports import Period, ticket_report
from tests.support.daygen import at_local, simulate_day
from tests.support.demo import login, make_db
from tests.support.dossiergen import generate_dossiers
from tests.support.settings import make_settings

pytestmark = pytest.mark.postgres
DAY = date(2026, 11, 23)


def test_day_report_on_postgresql_matches_the_generated_day(pg_url, tmp_path):
    make_db(pg_url).dispose()
    db = Database(pg_url)
    clock = FixedClock(at_local(DAY, 7))
    truth = simulate_day(QueueService(db, clock), RatingService(db, clock), clock, db, DAY, seed=5, citizens=60)
    dossiers = (
        generate_dossiers(db, DAY, at_local(DAY, 18), count=40) if importlib.util.find_spec("server.models.dossiers") else None
    )
    clock.set(at_local(DAY, 18))
    with db.read() as s:
        report = ticket_report(s, 1, Period.of("day", DAY), clock.now())
    db.dispose()
    figures = {r["metric"]: r["value"] for r in next(t for t in report["tables"] if t["key"] == "summary")["rows"]}
    assert figures["issued"] == len(truth.issued) and figures["served"] == len(truth.services)
    assert figures["ratings"] == len(truth.ratings)
    waits = [w.seconds / 60 for w in truth.waits]
    assert figures["wait_mean"] == pytest.approx(statistics.fmean(waits))
    assert figures["wait_p90"] == pytest.approx(statistics.quantiles(waits, n=10, method="inclusive")[8])
    if dossiers is not None:
        dossier_figures = {
            r["metric"]: r["value"] for r in next(t for t in report["tables"] if t["key"] == "dossier_summary")["rows"]
        }
        assert dossier_figures["received"] == len(dossiers.received) and dossier_figures["rejected"] == len(dossiers.rejected)
        assert dossier_figures["returned"] == len(dossiers.returned) and dossier_figures["overdue_now"] == len(
            dossiers.overdue_now
        )

    from server.app import create_app

    app = create_app(
        make_settings(database_url=pg_url, instance_path=tmp_path, secret_key="pg", rate_limit_enabled=False),
        clock=FixedClock(at_local(DAY, 19)),
    )
    try:
        client = app.test_client()
        csrf = login(client, "admin")
        app.extensions["motcua"].clock.set(at_local(date(2026, 11, 24), 8))
        assert (
            client.patch("/api/v1/admin/services/1", json={"name": "Tên mới"}, headers={"X-CSRF-Token": csrf}).status_code == 200
        )
        assert client.get("/api/v1/admin/audit").get_json()[0]["after"] == {"name": "Tên mới"}
        again = client.get("/api/v1/reports", query_string={"center_id": 1, "date": DAY.isoformat()}).get_json()
        names = {r["service_id"]: r["service_name"] for r in next(t for t in again["tables"] if t["key"] == "by_service")["rows"]}
        assert names[1] == "Tư pháp – Hộ tịch – Chứng thực"
        assert client.get("/api/v1/reports/export", query_string={"center_id": 1, "date": DAY.isoformat()}).status_code == 200
    finally:
        app.extensions["motcua"].db.dispose()
