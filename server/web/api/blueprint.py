"""The API's blueprint, in a module of its own: each area module (``server/web/api/<area>.py``)
adds its routes to it without importing the package that collects them."""
from apiflask import APIBlueprint

api_bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Queue")

__all__ = ["api_bp"]
