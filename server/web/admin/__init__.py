"""Administration and supervision pages: centers, services, counters, devices, users,
settings, audit log, live dashboard, reports and the counter rating tablet.

``register(app)`` is called by ``create_app`` (see server/app.py). The services used by
the pages and the API are built in ``server/bootstrap.py``.
"""
from __future__ import annotations

from flask import Flask

# Importing the module registers the supervisors' join_supervisor Socket.IO handler.
from server.web.admin import sockets  # noqa: F401 - imported for its registration
from server.web.admin.views import admin_bp, rate_bp


def register(app: Flask) -> None:
    """Register the admin pages, the rating tablet pages and the supervisors' Socket.IO handler."""
    app.register_blueprint(admin_bp)
    app.register_blueprint(rate_bp)


__all__ = ["register"]
