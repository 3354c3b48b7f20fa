"""Rate limits on public endpoints (ticket issue, phone page, scan).

Only anonymous requests are limited: a clerk's session or an API token is not
throttled by the rules meant for kiosks and phones. A registered, active device
(its token in ``X-Device-Token``) has a bucket of its own, everything else is
keyed by client address (the real one behind nginx when ``TRUSTED_PROXIES`` is
set, see server/app.py). Storage is in memory on one process, Redis
(RATE_LIMIT_STORAGE=redis://…) when several processes serve.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError

from server.config import Settings
from server.web.auth import api_principal, registered_device, session_user_id

PUBLIC_PREFIXES = ("/api/v1/tickets", "/api/v1/kiosk", "/t/", "/api/v1/dossiers", "/api/v1/public/")


def _client_key() -> str:
    """The bucket of this request: ``device:<id>`` for a registered active device, else ``ip:<address>``.

    The header alone is never trusted: keyed by whatever token arrives, a caller inventing a
    new token per request would get a fresh limit each time."""
    try:
        device = registered_device()
    except SQLAlchemyError:
        # The limiter must not fail a request on its own; the address still limits the caller.
        device = None
    if device is not None:
        return f"device:{device['id']}"
    return "ip:" + (get_remote_address() or "unknown")


def _valid_api_token() -> bool:
    """True when the request carries an active API token (``Authorization: Bearer …``), looked up once.

    The header alone is not enough: "Bearer anything" would otherwise lift the limit from the
    public ticket and dossier look-ups, the very ones that keep codes from being enumerated."""
    try:
        return api_principal() is not None
    except SQLAlchemyError:
        return False  # limited as anonymous: the endpoint itself will answer for the token


def _exempt() -> bool:
    """Not limited: pages outside the public prefixes, a signed-in clerk's session (signed, so
    not forgeable) and a valid API token — the kiosk/phone rule is not meant for staff."""
    if not request.path.startswith(PUBLIC_PREFIXES):
        return True
    return session_user_id() is not None or _valid_api_token()


def public_limit(value: str) -> AbstractContextManager:
    """A tighter limit of one public endpoint on top of the default, per client, as
    ``with public_limit("20/hour"): …`` in the view (the ``with`` line names the bucket): e.g. the
    bookings a phone may make in an hour. Staff sessions and API tokens are not limited by it."""
    limiter = current_app.extensions.get("motcua_limiter")
    if limiter is None or not limiter.enabled:
        return nullcontext()
    return limiter.limit(value, exempt_when=lambda: session_user_id() is not None or _valid_api_token())


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Install the public-endpoint limits on ``app`` (kept in ``app.extensions['motcua_limiter']``)."""
    limiter = Limiter(
        _client_key,
        app=app,
        default_limits=[settings.rate_limit_public] if settings.rate_limit_public else [],
        default_limits_exempt_when=_exempt,
        storage_uri=settings.rate_limit_storage,
        headers_enabled=True,
        # A broken limiter store must not stop a kiosk from issuing tickets.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        enabled=settings.rate_limit_enabled,
        key_prefix="motcua",
    )
    app.extensions["motcua_limiter"] = limiter
    return limiter
