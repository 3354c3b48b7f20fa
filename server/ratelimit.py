"""Rate limits on public endpoints (ticket issue, phone page, scan).

Only anonymous requests are limited: a clerk's session or an API token is not
throttled by the rules meant for kiosks and phones. A kiosk is keyed by its
device token, everything else by client address. Storage is in memory on one
process, Redis (RATE_LIMIT_STORAGE=redis://…) when several processes serve.
"""
from __future__ import annotations

import hashlib

from flask import Flask, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from server.config import Settings

PUBLIC_PREFIXES = ("/api/v1/tickets", "/api/v1/kiosk", "/t/", "/api/v1/dossiers")


def _client_key() -> str:
    device = request.headers.get("X-Device-Token")
    if device:
        return "device:" + hashlib.sha256(device.encode()).hexdigest()[:16]
    return "ip:" + (get_remote_address() or "unknown")


def _exempt() -> bool:
    if not request.path.startswith(PUBLIC_PREFIXES):
        return True
    return bool(session.get("user_id") or request.headers.get("Authorization", "").lower().startswith("bearer "))


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
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
