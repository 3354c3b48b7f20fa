"""JSON API under /api/v1 (described by /api/v1/openapi.json)."""
from apiflask import APIBlueprint

api_bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Queue")

from server.api import routes  # noqa: E402,F401  (registers the routes)
