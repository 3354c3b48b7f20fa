"""Schemathesis over the app's own OpenAPI document: no 5xx, no response that breaks its
documented schema, on SQLite and PostgreSQL, for an anonymous caller and for a signed-in admin
whose requests also carry a registered kiosk's device token.

Both kinds of generated input run: valid requests (positive) and requests that break the
schema (negative: wrong types, fractions for integers, missing fields…). Derandomized, so a
failure reproduces; bounded, so the whole file stays within about a minute on two busy cores.
The number of requests tried, by status code, is printed in pytest's closing summary."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.app import create_app
from server.clock import FixedClock
from server.domain.accounts import register_device
from tests.support.demo import MONDAY_9AM, login, make_db
from tests.support.fuzz_tally import count
from tests.support.settings import make_settings

POSITIVE_CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]
# Broken input is refused with our documented error body; which 4xx it gets is the route's affair.
NEGATIVE_CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}


def _app(url: str, instance):
    make_db(url).dispose()
    return create_app(
        make_settings(database_url=url, instance_path=instance, secret_key="fuzz", rate_limit_enabled=False),
        clock=FixedClock(MONDAY_9AM),
    )


def _staff(app):
    """A test client signed in as the province admin, and the headers its requests carry."""
    client = app.test_client()
    csrf = login(client, "admin")
    with app.extensions["motcua"].db.write() as s:
        _device, kiosk = register_device(s, 1, "kiosk", "Kiosk fuzz")
    # An empty Authorization replaces the random bearer tokens generated from the document's
    # security schemes: the session cookie is what signs these requests in.
    return client, {"X-CSRF-Token": csrf, "X-Device-Token": kiosk, "Authorization": ""}


def _negatable(operation) -> bool:
    """Whether schemathesis can break this operation's input: a body, a query string, a header, a
    non-text path parameter (a text-only path has no invalid value, and looking for one is slow)."""
    typed_path = any(p.definition.get("schema", {}).get("type") != "string" for p in operation.path_parameters)
    return bool(len(operation.body) or len(operation.query) or len(operation.headers) or typed_path)


def fuzz(app, label: str, client=None, headers: dict[str, str] | None = None) -> list[str]:
    """Run every operation of the served document; returns the failures (empty: all passed)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "the OpenAPI document lost operations"
    if client is not None:  # signing in or out would change who the rest of the run is (the anonymous run has them)
        operations = [op for op in operations if op.path not in ("/api/v1/auth/login", "/api/v1/auth/logout")]
    failures: list[str] = []
    for mode, examples in EXAMPLES.items():
        checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
        for operation in operations:
            if mode is GenerationMode.NEGATIVE and not _negatable(operation):
                continue

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                      derandomize=True, report_multiple_bugs=False)
            def run(case):
                response = case.call(session=client, headers=headers)
                count(label, response.status_code)
                case.validate_response(response, checks=checks)  # noqa: B023 - run() is called in this same iteration

            try:
                run()
            except Unsatisfiable:
                continue  # nothing of this operation could be made invalid after all
            except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report all
                failures.append(f"[{mode.value}] {operation.method.upper()} {operation.path}: {str(error)[:800]}")
    return failures


def test_api_never_answers_5xx_and_keeps_its_schema_on_sqlite(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}", tmp_path)
    try:
        failures = fuzz(app, "openapi sqlite anonymous")
        client, headers = _staff(app)
        failures += fuzz(app, "openapi sqlite admin+kiosk", client, headers)
    finally:
        app.extensions["motcua"].db.dispose()
    assert not failures, "\n\n".join(failures)


def test_api_never_answers_5xx_and_keeps_its_schema_on_postgresql(pg_url, tmp_path):
    app = _app(pg_url, tmp_path)
    try:
        client, headers = _staff(app)
        failures = fuzz(app, "openapi postgresql admin+kiosk", client, headers)
    finally:
        app.extensions["motcua"].db.dispose()
    assert not failures, "\n\n".join(failures)
