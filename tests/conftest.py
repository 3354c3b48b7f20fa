"""The suite's one conftest: it registers the fixture modules of tests/support/fixtures/, one per
topic, so every fixture is defined once and any tier (unit, integration, e2e) can use it."""
import pytest

# Helpers and fixture modules assert as tests do; keep pytest's detailed messages for them.
pytest.register_assert_rewrite("tests.support")

# A cheap password hash for the test run, as Django's documentation advises: the suite seeds and
# signs in thousands of times, and scrypt's 0.1 s each came to minutes. Production keeps scrypt
# (tests/integration/system/test_password_hashing.py checks that in a fresh process).
import server.domain.accounts as _accounts  # noqa: E402 - after the assert-rewrite registration above

_accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

pytest_plugins = [
    "tests.support.fixtures.core",
    "tests.support.fixtures.browser",
    "tests.support.fixtures.admin",
    "tests.support.fixtures.audio",
    "tests.support.fixtures.booking_pages",
    "tests.support.fixtures.bookings",
    "tests.support.fixtures.checkin",
    "tests.support.fixtures.devices",
    "tests.support.fixtures.display",
    "tests.support.fixtures.domain",
    "tests.support.fixtures.dossiers",
    "tests.support.fixtures.floor",
    "tests.support.fixtures.hardening",
    "tests.support.fixtures.hardware",
    "tests.support.fixtures.kiosk",
    "tests.support.fixtures.notice_channels",
    "tests.support.fixtures.postal",
    "tests.support.fixtures.printing",
    "tests.support.fixtures.reports",
    "tests.support.fixtures.voice",
]
