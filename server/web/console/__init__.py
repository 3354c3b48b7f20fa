"""The clerk console (bàn làm việc cán bộ một cửa): login, one clerk per counter, the counter
screen with keyboard shortcuts and live updates, receiving dossiers with their receipt, and
the back-office dossier pages.

``register(app)`` is called by ``create_app`` (see server/app.py). Pages are server-rendered;
every change goes through the JSON API (``/api/v1/…``) with the session's CSRF token.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app

from server.extensions import services
from server.web.auth import note_presence, session_user_id
from server.web.console.views import console_bp


def register(app: Flask) -> None:
    """Register the console blueprint and its per-request upkeep of counter holds."""
    app.register_blueprint(console_bp)
    app.before_request(_floor_upkeep)


SWEEP_EVERY = timedelta(seconds=60)
SWEEP_KEY = "motcua_floor_sweep"


def _floor_upkeep() -> None:
    """Before any request: keep the signed-in clerk's counter hold alive, and (at most once a minute
    per process) close the counters of clerks whose session has ended.

    Sessions are signed cookies that expire ``PERMANENT_SESSION_LIFETIME`` (8 h) after the clerk's
    last request; the server never sees them end, so it notes each clerk's last request on the
    counters they hold (every few minutes) and treats a hold not refreshed for that long as ended:
    the counter closes and its called ticket goes back to the head of its queue."""


    core = services()
    now = core.clock.now()
    user_id = session_user_id()
    if user_id is not None:
        note_presence(user_id)
    last = current_app.extensions.get(SWEEP_KEY)
    if last is None or now - last >= SWEEP_EVERY:
        current_app.extensions[SWEEP_KEY] = now
        try:
            core.queue.release_lapsed_holds(current_app.permanent_session_lifetime, actor="system:session_ended")
        except Exception:
            logging.getLogger("motcua.console").exception("closing the counters of ended sessions failed")


__all__ = ["register"]
