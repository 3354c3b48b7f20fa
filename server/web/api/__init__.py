"""JSON API under /api/v1 (described by /api/v1/openapi.json).

Each feature area adds its routes to ``api_bp`` (``server/web/api/blueprint.py``) in its own module
(``server/web/api/<area>.py``); importing them here is what registers those routes.
"""
from server.web.api import (  # noqa: F401 - registers the routes
    admin,
    bookings,
    devices,
    display,
    dossiers,
    floor,
    kiosk,
    ratings,
    reports,
    routes,
    voice_packs,
)
from server.web.api.blueprint import api_bp

__all__ = ["api_bp"]
