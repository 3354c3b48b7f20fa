"""A server out of database connections answers at once with a retryable 503, not after 30 s."""
from __future__ import annotations

import time

import pytest

from tests.support.demo import make_db
from tests.support.settings import make_settings

pytestmark = pytest.mark.postgres


def test_no_free_connection_is_a_quick_retryable_503_and_service_resumes(pg_url, tmp_path, clock):
    make_db(pg_url).dispose()
    from server.app import create_app

    app = create_app(make_settings(database_url=pg_url, instance_path=tmp_path, secret_key="k", rate_limit_enabled=False,
                                   db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.5), clock=clock)
    db = app.extensions["motcua"].db
    client = app.test_client()
    try:
        held = db.engine.connect()  # the process's only connection, busy elsewhere
        started = time.monotonic()
        busy = client.get("/api/v1/centers/1/queue")
        waited = time.monotonic() - started
        held.close()

        assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
        error = busy.get_json()["error"]
        assert error["message_vi"] and error["message_en"] and "Traceback" not in busy.get_data(as_text=True)
        assert waited < 5  # DB_POOL_TIMEOUT, not SQLAlchemy's default 30 s
        assert client.get("/api/v1/centers/1/queue").status_code == 200
    finally:
        db.dispose()
