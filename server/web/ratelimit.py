"""Rate limits on public endpoints (ticket issue, phone page, scan).

Only anonymous requests are limited: a clerk's session or an API token is not
throttled by the rules meant for kiosks and phones. A registered, active device
(its token in ``X-Device-Token``) has a bucket of its own, everything else is
keyed by client address (the real one behind nginx when ``TRUSTED_PROXIES`` is
set, see server/app.py). Storage is in memory on one process, Redis
(RATE_LIMIT_STORAGE=redis://…) when several processes serve.
"""
from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError

from server.config import Settings
from server.domain.accounts import device_for_token, principal_for_token

PUBLIC_PREFIXES = ("/api/v1/tickets", "/api/v1/kiosk", "/t/", "/api/v1/dossiers")
DEVICE_HEADER = "X-Device-Token"
MAX_TOKEN = 200  # as server/web/api/kiosk.py: a longer header is no token of ours, never looked up
_UNKNOWN = object()  # "not looked up yet in this request" (None means "no registered device")


def _client_key() -> str:
    """The bucket of this request: ``device:<id>`` for a registered active device, else ``ip:<address>``.

    The header alone is never trusted: keyed by whatever token arrives, a caller inventing a
    new token per request would get a fresh limit each time."""
    device_id = _registered_device_id()
    if device_id is not None:
        return f"device:{device_id}"
    return "ip:" + (get_remote_address() or "unknown")


def _registered_device_id() -> int | None:
    """The id of the active device whose token this request carries, looked up once per request
    (the limiter asks for the key several times while it checks and writes its headers)."""
    cached = g.get("ratelimit_device_id", _UNKNOWN)
    if cached is _UNKNOWN:
        cached = _lookup_device(request.headers.get(DEVICE_HEADER, "").strip())
        g.ratelimit_device_id = cached
    return cached


def _lookup_device(token: str) -> int | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        with current_app.extensions["motcua"].db.read() as s:
            device = device_for_token(s, token)
            return device.id if device is not None else None
    except SQLAlchemyError:
        # The limiter must not fail a request on its own; the address still limits the caller.
        return None


def _valid_api_token() -> bool:
    """True when the request carries an active API token (``Authorization: Bearer …``), looked up once.

    The header alone is not enough: "Bearer anything" would otherwise lift the limit from the
    public ticket and dossier look-ups, the very ones that keep codes from being enumerated."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    if "ratelimit_api_token" not in g:
        g.ratelimit_api_token = _lookup_api_token(header[7:].strip())
    return g.ratelimit_api_token


def _lookup_api_token(token: str) -> bool:
    if not token or len(token) > MAX_TOKEN:
        return False
    try:
        with current_app.extensions["motcua"].db.read() as s:
            return principal_for_token(s, token) is not None
    except SQLAlchemyError:
        return False  # limited as anonymous: the endpoint itself will answer for the token


def _exempt() -> bool:
    """Not limited: pages outside the public prefixes, a signed-in clerk's session (signed, so
    not forgeable) and a valid API token — the kiosk/phone rule is not meant for staff."""
    if not request.path.startswith(PUBLIC_PREFIXES):
        return True
    return bool(session.get("user_id")) or _valid_api_token()


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
