"""Reports from the append-only ticket log: counts, waits, service times, ratings, dossiers.

Why from the log: a past period's figures must never change when the configuration
does. Every figure is computed from ``ticket_events`` rows (which record the service,
counter and acting clerk of each step at the time it happened) and from ``ratings``
(which record the ticket's service/counter/clerk at finish). Names shown for a past
period come from ``label_history`` (kept by the admin on each rename), so renaming a
service or renumbering a counter changes neither the numbers nor the labels of old reports.

Definitions (shown on the report page too):
- *issued*: ``issue`` events; *served*: ``finish`` events; *no-show*: ``no_show`` events.
- *wait*: from entering a service's queue (issue, or a transfer) to the next ``call``.
- *service time*: from ``start`` (or the ``call`` when the clerk finished without "start")
  to ``finish``.
- *median* and *90th percentile* by linear interpolation between closest ranks
  (``statistics.quantiles(..., method="inclusive")``, Excel's PERCENTILE.INC).

By job: :mod:`.periods` (which days), :mod:`.tables` (statistics and exportable tables),
:mod:`.queue` (the ticket report), :mod:`.dossiers` (dossier figures), :mod:`.bookings` (booking figures), :mod:`.live` (the
supervisor's dashboard), :mod:`.published` (the periodic report a center publishes, with the
Decision 766 indicators and the ready paragraph), :mod:`.exports` (CSV and Excel). The names below are re-exported so
``from server.domain import reports`` keeps working for the pages and the API.
"""
from __future__ import annotations

from server.domain.reports import published
from server.domain.reports.dossiers import dossier_tables
from server.domain.reports.exports import (
    CSV_FLAVOURS,
    find_table,
    format_cell,
    inert_text,
    published_xlsx,
    report_xlsx,
    table_csv,
)
from server.domain.reports.live import live_dashboard
from server.domain.reports.periods import (
    BASES,
    MAX_RANGE_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    PERIOD_KINDS,
    REPORTING_KINDS,
    Period,
)
from server.domain.reports.queue import Facts, collect_facts, ticket_report
from server.domain.reports.tables import Column, Table, describe, percentile, resolve_centers

__all__ = [
    "BASES", "CSV_FLAVOURS", "MAX_RANGE_DAYS", "MAX_YEAR", "MIN_YEAR", "PERIOD_KINDS", "REPORTING_KINDS",
    "Column", "Facts", "Period", "Table", "collect_facts", "describe", "dossier_tables", "find_table", "format_cell",
    "inert_text", "live_dashboard", "percentile", "published", "published_xlsx",
    "report_xlsx", "resolve_centers", "table_csv", "ticket_report",
]
