"""Injectable clock: the domain asks a Clock for "now" so tests can move time."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and demos."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, **kwargs: float) -> datetime:
        with self._lock:
            self._now += timedelta(**kwargs)
            return self._now


def utc(dt: datetime) -> datetime:
    """Normalise a datetime read back from the database to aware UTC.

    SQLite hands back naive datetimes; we always store UTC, so naive means UTC.
    """
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC with a ``Z`` (what every client parses), or None."""
    return utc(value).isoformat().replace("+00:00", "Z") if value else None


def local_date(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    """The center's local calendar day of an instant (numbering resets on it)."""
    return utc(moment).astimezone(ZoneInfo(tz)).date()


def local_time(moment: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """An instant shown in the center's local time."""
    return utc(moment).astimezone(ZoneInfo(tz))


DATETIME_FORMAT = "%H:%M, %d/%m/%Y"  # "11:43, 06/12/2026": the one format of admin pages and reports


def format_local(moment: datetime | str | None, tz: str = DEFAULT_TZ) -> str:
    """An instant (aware/naive-UTC datetime or ISO text, "Z" allowed) as "11:43, 06/12/2026" in
    the center's time zone, whatever the server's or the browser's; "" for nothing."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return local_time(moment, tz).strftime(DATETIME_FORMAT)
