"""Tables of the administration, ratings and reports area.

- ``ratings``: one satisfaction rating per ticket (Rất hài lòng / Hài lòng / Không hài lòng),
  tied to the ticket's service, counter and clerk as they were when it finished.
- ``audit_log``: who changed what, when, with the values before and after.
- ``label_history``: the names a service, counter, user or center had over time, so a
  report of a past period shows the names of that period after a rename.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.core import Base


class RatingLevel:
    """The three levels used in Vietnamese one-stop centers."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    ALL = (VERY_SATISFIED, SATISFIED, UNSATISFIED)


class Rating(Base):
    """A citizen's satisfaction with one served ticket (at most one per ticket)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_center_at", "center_id", "created_at"),
                      Index("ix_ratings_center_service_at", "center_id", "service_id", "created_at", "level"))  # 0009e
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The clerk as the ticket log named them ("user:5:quay1"), kept for history.
    clerk_actor: Mapped[str] = mapped_column(String(80), default="")
    level: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="phone")  # phone | tablet
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ticket_finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    """One administrative change: who, when, what, and the values before/after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_center_at", "center_id", "at"),
        Index("ix_audit_entity", "entity", "entity_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(40))  # create | update | deactivate | revoke | reset_password | import …
    entity: Mapped[str] = mapped_column(String(40))  # center | service | counter | device | user | settings:<section> …
    entity_id: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class LabelHistory(Base):
    """A name an entity carried from ``valid_from`` on (until the next row)."""

    __tablename__ = "label_history"
    __table_args__ = (Index("ix_label_history_entity", "kind", "entity_id", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # service | counter | user | center
    entity_id: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    label: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
