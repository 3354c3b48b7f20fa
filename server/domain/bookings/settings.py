"""A center's booking rules, kept in ``Center.settings["booking"]`` (edited on the admin center page):

```
settings["booking"] = {
    "enabled": False,              # the center takes bookings at all
    "slot_minutes": 30,            # length of one slot
    "share_percent": 50,           # share of a slot's capacity offered to bookings (the rest is for walk-ins)
    "days_ahead": 14,              # how far ahead a citizen may book
    "checkin_before_minutes": 15,  # the kiosk checks a booking in from N min before its slot…
    "checkin_after_minutes": 10,   # …to N min after its start; later → an ordinary ticket
    "per_person_per_day": 1,       # bookings per ID card (or phone) per day
    "require_contact": True,       # an ID number or a phone is needed to book (the anti-hoarding key)
    "service_ids": None,           # fields open to booking (None = every active submit / collect field)
}
```
A booked ticket goes ahead of walk-ins from its slot's start in the same tier as priority
tickets, so the center's ``max_priority_streak`` (at most N of them in a row) bounds both.
"""
from __future__ import annotations

from typing import Any

DEFAULT_BOOKING: dict[str, Any] = {
    "enabled": False,
    "slot_minutes": 30,
    "share_percent": 50,
    "days_ahead": 14,
    "checkin_before_minutes": 15,
    "checkin_after_minutes": 10,
    "per_person_per_day": 1,
    "require_contact": True,
    "service_ids": None,
}


def booking_settings(center: Any) -> dict[str, Any]:
    """The center's booking rules, defaults filled in (a center without the section has bookings off)."""
    stored = (getattr(center, "settings", None) or {}).get("booking") or {}
    return {**DEFAULT_BOOKING, **{k: v for k, v in stored.items() if k in DEFAULT_BOOKING}}


__all__ = ["DEFAULT_BOOKING", "booking_settings"]
