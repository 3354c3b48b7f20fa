"""Looking up a center inside a unit of work, the same way for every domain service."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import local_date
from server.db import Database
from server.domain.errors import not_found
from server.models import Center, User

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def center_or_404(session: Session, center_id: int) -> Center:
    """The center, or a 404 ``unknown_center`` error in Vietnamese and English."""
    center = session.get(Center, center_id)
    if center is None:
        raise not_found("trung tâm", "Center", "unknown_center")
    return center


def read_center(db: Database, center_id: int) -> Center:
    """The center, loaded in a unit of work of its own (for reading its settings), or a 404."""
    with db.read() as session:
        return center_or_404(session, center_id)


def centers_visible_to(session: Session, user: User) -> list[Center]:
    """A center's staff see their own center; a province-wide account (no center) sees all."""
    stmt = select(Center).order_by(Center.id)
    if user.center_id is not None:
        stmt = stmt.where(Center.id == user.center_id)
    return list(session.scalars(stmt))


def local_today(session: Session, center_id: int | None, now: datetime) -> date:
    """Today in the center's time zone (Vietnam's for the all-centers view)."""
    tz = center_or_404(session, center_id).timezone if center_id is not None else DEFAULT_TIMEZONE
    return local_date(now, tz)
