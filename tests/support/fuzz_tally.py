"""Counts of fuzz requests by status code, printed at the end of the run (tests/support/fixtures/hardening.py).

The lead quotes these figures: how many requests each fuzz run tried, and what they got."""
from __future__ import annotations

from collections import Counter

TALLIES: dict[str, Counter] = {}


def count(label: str, status: int) -> None:
    """Record one request of the run ``label`` answered with ``status``."""
    TALLIES.setdefault(label, Counter())[status] += 1


def summary_lines() -> list[str]:
    """One line per run: total, then the count of each status code."""
    lines = []
    for label, statuses in TALLIES.items():
        by_status = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
        lines.append(f"{label}: {sum(statuses.values())} requests ({by_status})")
    return lines
