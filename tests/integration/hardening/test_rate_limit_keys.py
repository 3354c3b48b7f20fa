"""Whose bucket a public request counts against.

A registered, active device has a limit of its own; anything else — including a request that
merely *claims* to be a device with an invented ``X-Device-Token`` — is limited by its client
address. Only a real API token (or a clerk's session) lifts the limit, not any "Bearer" header.
Behind nginx (``TRUSTED_PROXIES=1``) that address is the one in ``X-Forwarded-For``;
without a trusted proxy the header is ignored, since any client could write it."""

from __future__ import annotations

import secrets

import pytest

from server.app import create_app
from server.domain.accounts import create_api_token, register_device
from tests.support.settings import settings_from_env

LIMIT = "2/minute"
CITIZEN = {"REMOTE_ADDR": "192.168.1.50"}


@pytest.fixture
def make_app(tmp_path, sqlite_url, clock):
    """Build an app with a low public limit; ``env`` is the environment it starts in."""
    built = []

    def make(**env: str):
        settings = settings_from_env(
            env, database_url=sqlite_url, instance_path=tmp_path, secret_key="x", rate_limit_public=LIMIT
        )
        app = create_app(settings, clock=clock)
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["motcua"].db.dispose()


def register(app, *, active: bool = True) -> str:
    """A kiosk of the demo center; returns its token."""
    with app.extensions["motcua"].db.write() as s:
        device, token = register_device(s, 1, "kiosk", "Kiosk sảnh")
        device.active = active
    return token


def issue(client, *, headers: dict | None = None, environ: dict | None = None) -> int:
    """A citizen's phone takes a ticket (an anonymous, rate-limited request); returns the status."""
    return client.post(
        "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, headers=headers or {}, environ_base=environ or CITIZEN
    ).status_code


def test_an_invented_device_token_does_not_escape_the_limit_of_its_address(make_app):
    client = make_app().test_client()
    codes = [issue(client, headers={"X-Device-Token": secrets.token_urlsafe(24)}) for _ in range(3)]
    assert codes == [201, 201, 429]
    # And the address stays spent, whatever token comes next.
    assert issue(client, headers={"X-Device-Token": "kiosk-gia-" + secrets.token_hex(4)}) == 429


def test_a_deactivated_device_counts_as_its_address(make_app):
    app = make_app()
    retired = register(app, active=False)
    client = app.test_client()
    assert [issue(client) for _ in range(2)] == [201, 201]
    assert issue(client, headers={"X-Device-Token": retired}) == 429


def test_a_registered_kiosk_has_a_bucket_of_its_own(make_app):
    app = make_app()
    token = register(app)
    client = app.test_client()
    assert [issue(client) for _ in range(3)] == [201, 201, 429]  # the address behind the kiosk is spent
    kiosk = [
        client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token}, environ_base=CITIZEN).status_code for _ in range(3)
    ]
    assert kiosk == [200, 200, 429]  # its own limit, neither shared with the address nor unlimited


def test_an_invented_bearer_token_does_not_lift_the_limit(make_app):
    client = make_app().test_client()
    # The phone page's ticket look-up: unlimited, it would let anyone enumerate ticket tokens.
    looks = [
        client.get("/api/v1/tickets/khong-co", headers={"Authorization": "Bearer gia-mao"}, environ_base=CITIZEN).status_code
        for _ in range(3)
    ]
    assert looks == [404, 404, 429]


def test_a_real_api_token_is_not_limited(make_app):
    app = make_app()
    with app.extensions["motcua"].db.write() as s:
        token = create_api_token(s, "hệ thống một cửa điện tử", center_id=1, role="clerk")
    client = app.test_client()
    looks = [
        client.get("/api/v1/tickets/khong-co", headers={"Authorization": f"Bearer {token}"}, environ_base=CITIZEN).status_code
        for _ in range(3)
    ]
    assert looks == [404, 404, 404]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(make_app):
    client = make_app(TRUSTED_PROXIES="1").test_client()
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    first = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    second = {"X-Forwarded-For": "203.0.113.6", "X-Forwarded-Proto": "https"}
    assert [issue(client, headers=first, environ=nginx) for _ in range(3)] == [201, 201, 429]
    assert issue(client, headers=second, environ=nginx) == 201


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(make_app):
    app = make_app()  # TRUSTED_PROXIES unset: the default is 0
    assert app.extensions["motcua"].settings.trusted_proxies == 0
    client = app.test_client()
    assert [issue(client, headers={"X-Forwarded-For": "203.0.113.5"}) for _ in range(2)] == [201, 201]
    assert issue(client, headers={"X-Forwarded-For": "203.0.113.6"}) == 429  # still the same caller
