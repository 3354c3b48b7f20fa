"""What every report is made of: durations summarised (mean, median, P90), exportable tables
and their columns, and the centers a report covers."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.errors import DomainError
from server.domain.ratings import LEVELS
from server.models import Center


# ------------------------------------------------------------------ statistics
def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks (inclusive method)."""
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    position = (len(data) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    fraction = position - low
    return data[low] + (data[high] - data[low]) * fraction


def describe(seconds: list[float]) -> dict[str, float | int | None]:
    """Count, mean, median and 90th percentile of durations, in minutes."""
    minutes = [s / 60.0 for s in seconds]
    if not minutes:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    return {"count": len(minutes), "mean": sum(minutes) / len(minutes), "median": percentile(minutes, 0.5),
            "p90": percentile(minutes, 0.9)}


# ------------------------------------------------------------------ tables
@dataclass
class Column:
    key: str
    label_vi: str
    label_en: str
    kind: str = "text"  # text | int | min (minutes) | pct (share 0..1)


@dataclass
class Table:
    """One exportable table of a report."""

    key: str
    title_vi: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title_vi": self.title_vi, "title_en": self.title_en,
                "columns": [c.__dict__ for c in self.columns], "rows": self.rows}


def stat_columns(prefix: str, vi: str, en: str) -> list[Column]:
    return [
        Column(f"{prefix}_mean", f"{vi} TB (phút)", f"{en} mean (min)", "min"),
        Column(f"{prefix}_median", f"{vi} trung vị (phút)", f"{en} median (min)", "min"),
        Column(f"{prefix}_p90", f"{vi} P90 (phút)", f"{en} 90th pct (min)", "min"),
    ]


def stat_cells(prefix: str, seconds: list[float]) -> dict[str, Any]:
    d = describe(seconds)
    return {f"{prefix}_mean": d["mean"], f"{prefix}_median": d["median"], f"{prefix}_p90": d["p90"]}


RATING_COLUMNS = [
    Column("ratings", "Lượt đánh giá", "Ratings", "int"),
    Column("very_satisfied_share", "Rất hài lòng", "Very satisfied", "pct"),
    Column("satisfied_share", "Hài lòng", "Satisfied", "pct"),
    Column("unsatisfied_share", "Không hài lòng", "Unsatisfied", "pct"),
]


def rating_cells(levels: list[str]) -> dict[str, Any]:
    total = len(levels)
    out: dict[str, Any] = {"ratings": total}
    for level in LEVELS:
        out[f"{level}_share"] = (levels.count(level) / total) if total else None
    return out




def resolve_centers(session: Session, center_id: int | None) -> list[Center]:
    """One center, or every center (``None``: a province-wide report)."""
    if center_id is not None:
        center = session.get(Center, center_id)
        if center is None:
            raise DomainError("unknown_center", "Không tìm thấy trung tâm.", "Center not found.", status=404)
        return [center]
    return list(session.scalars(select(Center).order_by(Center.id)))
