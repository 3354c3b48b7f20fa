"""Every table of a center, one module an area.

- ``core``: centers, services, counters, tickets and their events, bookings, users, API tokens, devices, alerts;
- ``dossiers``: procedures, dossiers, their events and the notice outbox;
- ``admin``: audit log, label history, ratings;
- ``devices``: pairing codes and wrong-code attempts;
- ``signin``: sign-in throttle counters and failures.

Importing this package registers all of them with SQLAlchemy (and Alembic, through
:func:`load_all_models`); schema changes go only through ``server/migrations/``.
"""
from __future__ import annotations

from server.models import admin, devices, dossiers, signin, voice
from server.models.core import (
    PRIORITY_CATEGORIES,
    Alert,
    ApiToken,
    Base,
    Booking,
    BookingState,
    Center,
    Counter,
    CounterEvent,
    CounterService,
    DailySequence,
    Device,
    FloorMessage,
    Service,
    ServiceKind,
    Ticket,
    TicketEvent,
    TicketState,
    User,
)
from server.models.voice import VoiceClip, VoicePack

__all__ = [
    "PRIORITY_CATEGORIES", "Alert", "ApiToken", "Base", "Booking", "BookingState",
    "Center", "Counter", "CounterEvent", "CounterService",
    "DailySequence", "Device", "FloorMessage", "Service", "ServiceKind", "Ticket", "TicketEvent", "TicketState", "User",
    "admin", "devices", "dossiers", "load_all_models", "signin",
]
__all__ += ["VoiceClip", "VoicePack", "voice"]


def load_all_models() -> type[Base]:
    """The declarative base with every table registered (for ``create_all`` and Alembic)."""
    return Base
