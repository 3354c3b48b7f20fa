"""Tables of the sign-in throttle (see server/domain/signin.py).

- ``signin_counters``: one row per typed username (``kind='account'``) and per client address
  (``kind='address'``): recent failures and the moment until which sign-in is refused. Kept in
  the database so every server process sees the same count and a restart forgets nothing.
- ``signin_failures``: one row per wrong password (never the password itself), counted on the
  supervisors' dashboard.

No foreign keys: a security log must outlive the accounts and centers it names.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.core import Base


class SigninCounter(Base):
    """Recent failed sign-ins of one username or one client address."""

    __tablename__ = "signin_counters"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_signin_counters_kind_key"),
        Index("ix_signin_counters_locked_until", "locked_until"),
        Index("ix_signin_counters_last_failed_at", "last_failed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # account | address
    key: Mapped[str] = mapped_column(String(120))  # username as typed (lower case) | client address
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SigninFailure(Base):
    """One wrong password (or unknown username) typed at a sign-in form or the API."""

    __tablename__ = "signin_failures"
    __table_args__ = (
        Index("ix_signin_failures_at", "at"),
        Index("ix_signin_failures_center_at", "center_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: no such active account
    center_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the account's center
