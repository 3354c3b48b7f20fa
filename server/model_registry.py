"""Import every model module so SQLAlchemy (and Alembic) know all tables.

The core models live in ``server/models.py``; each feature area keeps its own
tables in ``server/models_<area>.py`` (dossiers, ratings, audit, …).
"""
from __future__ import annotations

import importlib
from pathlib import Path

from server.models import Base


def load_all_models() -> type[Base]:
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("models_*.py")):
        importlib.import_module(f"server.{path.stem}")
    return Base
