"""Administration and supervision pages: centers, services, counters, devices, users,
settings, audit log, live dashboard, reports and the counter rating tablet.

``register(app)`` is called by ``create_app`` (see server/app.py). The services used by
the pages and the API are built in ``server/bootstrap.py``.
"""
from __future__ import annotations

from flask import Flask

from server.domain.admin import AdminService
from server.domain.ratings import RatingService
from server.extensions import services


def admin_service(app: Flask | None = None) -> AdminService:
    """The app's AdminService (built in ``server/bootstrap.py``)."""
    return services(app).admin


def rating_service(app: Flask | None = None) -> RatingService:
    """The app's RatingService (built in ``server/bootstrap.py``)."""
    return services(app).ratings


def register(app: Flask) -> None:
    """Register the admin pages, the rating tablet pages and the supervisors' Socket.IO handler."""
    from server.web.admin import sockets  # noqa: F401 - registers the join_supervisor handler
    from server.web.admin.views import admin_bp, rate_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(rate_bp)


__all__ = ["register", "admin_service", "rating_service"]
