"""Tables of device pairing: a new kiosk, board or tablet shows a short code, an admin types it.

The device holds a long random secret (only its hash is kept here) and polls with it; the
6-digit code is what a person reads off the screen. Failed claims are kept a short while so
guessing codes is rate-limited across every server process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.core import Base


class DevicePairing(Base):
    """One pairing request of a device browser: waiting → claimed (by an admin) → delivered (token handed over)."""

    __tablename__ = "device_pairings"
    __table_args__ = (Index("ix_device_pairings_code", "code"), Index("ix_device_pairings_client", "client", "expires_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client: Mapped[str] = mapped_column(String(64), default="")  # the requesting address, to cap open codes per machine
    wanted: Mapped[str] = mapped_column(
        String(20), default=""
    )  # the page the device came from: kiosk | display | counter_screen | ""
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PairingAttempt(Base):
    """A failed code entry by someone (user or API token): recent ones limit further guesses."""

    __tablename__ = "device_pairing_attempts"
    __table_args__ = (Index("ix_device_pairing_attempts_actor_at", "actor", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime)
