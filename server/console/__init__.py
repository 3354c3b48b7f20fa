"""The clerk console (bàn làm việc cán bộ một cửa): login, one clerk per counter, the counter
screen with keyboard shortcuts and live updates, receiving dossiers with their receipt, and
the back-office dossier pages.

``register(app)`` is called by ``create_app`` (see server/app.py). Pages are server-rendered;
every change goes through the JSON API (``/api/v1/…``) with the session's CSRF token.
"""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register the console blueprint; on a freshly seeded demo database, add the demo procedures too."""
    from server.console.views import console_bp

    app.register_blueprint(console_bp)
    if app.extensions.get("motcua_demo_credentials"):
        _seed_demo_procedures(app)


def _seed_demo_procedures(app: Flask) -> None:
    """The demo center gets a procedure catalogue when ``make run`` creates it (server/demo.py
    knows nothing of dossiers)."""
    from sqlalchemy import select

    from server.app import services
    from server.demo import DEMO_CENTER_CODE
    from server.domain.dossiers import seed_demo_procedures
    from server.models import Center

    with services(app).db.write() as session:
        center_id = session.scalar(select(Center.id).where(Center.code == DEMO_CENTER_CODE))
        if center_id is not None:
            seed_demo_procedures(session, center_id)


__all__ = ["register"]
