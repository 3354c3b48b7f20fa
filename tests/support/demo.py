"""Look up demo-center objects by their codes, so tests say what they mean."""
from __future__ import annotations

from sqlalchemy import select

from server.db import Database
from server.models import Center, Counter, Service


def service_id(db: Database, code: str) -> int:
    with db.read() as s:
        return s.execute(select(Service.id).where(Service.code == code)).scalar_one()


def counter_id(db: Database, number: int) -> int:
    with db.read() as s:
        return s.execute(select(Counter.id).where(Counter.number == number)).scalar_one()


def center_id(db: Database) -> int:
    with db.read() as s:
        return s.execute(select(Center.id).order_by(Center.id)).scalars().first()


def update(db: Database, model, object_id: int, **values) -> None:  # noqa: ANN001
    with db.write() as s:
        obj = s.get(model, object_id)
        for key, value in values.items():
            setattr(obj, key, value)
