"""Schemathesis over the app's own OpenAPI document: no 5xx, no response that
breaks its documented schema, on a bounded number of generated requests per
operation."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.clock import FixedClock
from server.config import Settings
from tests.conftest import MONDAY_9AM, make_db

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]
EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    url = f"sqlite:///{path}"
    make_db(url).dispose()
    app = create_app(
        Settings(database_url=url, instance_path=path.parent, secret_key="fuzz", testing=True, rate_limit_enabled=False),
        clock=FixedClock(MONDAY_9AM),
    )
    yield app
    app.extensions["motcua"].db.dispose()


@pytest.fixture(scope="module")
def admin_token(fuzz_app):
    from server.domain.accounts import create_api_token

    with fuzz_app.extensions["motcua"].db.write() as s:
        return create_api_token(s, "fuzz", center_id=None, role="admin")


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "admin-token"])
def test_api_never_answers_5xx_and_keeps_its_schema(fuzz_app, admin_token, authenticated):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, "the OpenAPI document lost operations"
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):  # noqa: ANN001, ANN202
            headers = {"Authorization": f"Bearer {admin_token}"} if authenticated else None
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:600]}")
    assert not failures, "\n\n".join(failures)
