"""JSON API under /api/v1 (described by /api/v1/openapi.json).

Each feature area adds its routes to ``api_bp`` in its own module (``server/api/<area>.py``);
importing them here is what registers those routes.
"""
from apiflask import APIBlueprint

api_bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Queue")

# Below the blueprint: each area module imports ``api_bp`` from here.
from server.api import admin, devices, display, dossiers, kiosk, ratings, reports, routes  # noqa: E402, F401
