"""The suite's one conftest: it registers the fixture modules of tests/support/fixtures/, one per
topic, so every fixture is defined once and any tier (unit, integration, e2e) can use it."""
import pytest

# Helpers and fixture modules assert as tests do; keep pytest's detailed messages for them.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.fixtures.core",
    "tests.support.fixtures.browser",
    "tests.support.fixtures.admin",
    "tests.support.fixtures.audio",
    "tests.support.fixtures.devices",
    "tests.support.fixtures.display",
    "tests.support.fixtures.domain",
    "tests.support.fixtures.dossiers",
    "tests.support.fixtures.floor",
    "tests.support.fixtures.hardening",
    "tests.support.fixtures.hardware",
    "tests.support.fixtures.kiosk",
    "tests.support.fixtures.postal",
    "tests.support.fixtures.printing",
    "tests.support.fixtures.reports",
]
