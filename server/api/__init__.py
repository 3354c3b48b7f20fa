"""JSON API under /api/v1 (described by /api/v1/openapi.json).

Each feature area adds its routes in its own module here (``server/api/<area>.py``);
they are imported if present so areas can land independently.
"""
import importlib

from apiflask import APIBlueprint

api_bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Queue")

AREAS = ("routes", "kiosk", "display", "dossiers", "ratings", "reports", "admin", "devices")

for _area in AREAS:
    try:
        importlib.import_module(f"server.api.{_area}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"server.api.{_area}":
            raise
