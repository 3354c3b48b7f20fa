"""Administration and supervision pages: centers, services, counters, devices, users,
settings, audit log, live dashboard, reports and the counter rating tablet.

``register(app)`` is called by ``create_app`` (see server/app.py). The services used by
the pages and the API are kept in ``app.extensions``.
"""
from __future__ import annotations

from flask import Flask, current_app

from server.admin.manage import AdminService
from server.domain.ratings import RatingService


def admin_service(app: Flask | None = None) -> AdminService:
    """The app's AdminService (created on first use)."""
    app = app or current_app
    service = app.extensions.get("motcua_admin")
    if service is None:
        from server import realtime
        from server.app import services

        core = services(app)
        service = app.extensions["motcua_admin"] = AdminService(core.db, core.clock, publish=realtime.publish)
    return service


def rating_service(app: Flask | None = None) -> RatingService:
    """The app's RatingService (created on first use)."""
    app = app or current_app
    service = app.extensions.get("motcua_ratings")
    if service is None:
        from server import realtime
        from server.app import services

        core = services(app)
        service = app.extensions["motcua_ratings"] = RatingService(core.db, core.clock, publish=realtime.publish)
    return service


def register(app: Flask) -> None:
    """Register the admin pages, the rating tablet pages and the supervisors' Socket.IO handler."""
    from server.admin import sockets  # noqa: F401 - registers the join_supervisor handler
    from server.admin.views import admin_bp, rate_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(rate_bp)
    admin_service(app)
    rating_service(app)


__all__ = ["register", "admin_service", "rating_service"]
