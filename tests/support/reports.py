"""The generated days the report tests read: Monday the 23rd of November 2026 (230 citizens) and
the Friday before (40), with what really happened on each."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tests.support.daygen import Truth
from tests.support.dossiergen import DossierTruth

MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 20)


@dataclass
class GeneratedDays:
    path: Path
    monday: Truth
    friday: Truth
    dossiers: DossierTruth | None  # None while the dossier area is not installed


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
