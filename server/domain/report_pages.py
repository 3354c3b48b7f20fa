"""What the report endpoints and the admin report page ask of :mod:`server.domain.reports`: which
center a report covers, its period (from the API's checked query or the page's raw arguments),
the report itself, its exports, and the live dashboard."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from server.clock import Clock
from server.db import Database
from server.domain import reports
from server.domain.accounts import Principal
from server.domain.centers import centers_visible_to, local_today
from server.domain.errors import DomainError, other_center
from server.domain.inputs import id_from_text
from server.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportAsk:
    """A report's center (None: all centers) and period, as the caller asked for it."""

    center_id: int | None
    kind: str = "day"
    day: date | None = None  # None: the center's today
    start: date | None = None
    end: date | None = None
    numbers: dict[str, int] = field(default_factory=dict)  # year, quarter, half
    basis: str = "calendar"

    @classmethod
    def of(cls, query: Mapping[str, Any], center_id: int | None) -> ReportAsk:
        """From the API's checked query (``ReportQuery``)."""
        numbers = {k: query[k] for k in ("year", "quarter", "half") if query.get(k) is not None}
        return cls(center_id, query.get("period") or "day", query.get("date"), query.get("start"), query.get("end"), numbers,
                   query.get("basis") or "calendar")


@dataclass(frozen=True)
class ExportFile:
    """A report export: its bytes or text, media type and file name."""

    body: str | bytes
    mimetype: str
    filename: str


def report_scope(principal: Principal, center_id: int | None) -> int | None:
    """The center a report covers: a center's own staff always get their center;
    "all centers" needs a province-wide account."""
    if center_id is None and principal.center_id is not None:
        return principal.center_id
    return center_id


def period_report(db: Database, clock: Clock, ask: ReportAsk) -> tuple[dict[str, Any], reports.Period, date]:
    """The report ``ask`` describes, its period and the day it was asked about."""
    now = clock.now()
    with db.read() as s:
        period, day = _asked_period(s, ask, now)
        return reports.ticket_report(s, ask.center_id, period, now), period, day


def _asked_period(s: Session, ask: ReportAsk, now: datetime) -> tuple[reports.Period, date]:
    """The period ``ask`` names (a day when its kind is unknown) and the day it was asked about."""
    today = local_today(s, ask.center_id, now)
    day = ask.day or today
    kind = ask.kind if ask.kind in reports.PERIOD_KINDS else "day"
    return reports.Period.of(kind, day, ask.start, ask.end, today=today, basis=ask.basis, **ask.numbers), day


def export_file(report: dict[str, Any], fmt: str, table: str | None) -> ExportFile:
    """One table as CSV (``csv`` or ``csv_semicolon``) or the tables (or one) as an XLSX workbook."""
    period = report["period"]
    scope = report["centers"][0]["code"] if report["scope"] == "center" else "tat-ca"
    stem = f"bao-cao-{scope}-{period['start']}" + (f"-{period['end']}" if period["end"] != period["start"] else "")
    if fmt in ("csv", "csv_semicolon"):
        found = reports.find_table(report, table or "summary")
        flavour = "semicolon" if fmt == "csv_semicolon" else "comma"
        return ExportFile(reports.table_csv(found, flavour), "text/csv; charset=utf-8", f"{stem}-{found['key']}.csv")
    if table:
        reports.find_table(report, table)  # 404 for an unknown table, before building the workbook
    return ExportFile(reports.report_xlsx(report, [table] if table else None), XLSX, f"{stem}.xlsx")


# ------------------------------------------------------------------ the published (periodic) report
def published_scope(principal_center_id: int | None, center_id: int | None, scope: str) -> str:
    """The scope a published report may have for this account: ``center`` (one center), ``province``
    (a center and every center under it) or ``all`` (every center, ``center_id`` None). A center's own
    staff report on their center only; a province (or all centers) needs a province-wide account."""
    if scope not in reports.published.SCOPES:
        raise DomainError("invalid_scope", "Phạm vi báo cáo không hợp lệ.", "Unknown report scope.", status=400,
                          allowed=list(reports.published.SCOPES))
    if center_id is None:
        return "all"
    if scope == "province" and principal_center_id is not None:
        raise DomainError("forbidden", "Báo cáo toàn tỉnh chỉ dành cho tài khoản cấp tỉnh.",
                          "A province-wide report needs a province-wide account.", status=403)
    return scope


def published_view(db: Database, clock: Clock, ask: ReportAsk, scope: str) -> tuple[dict[str, Any], reports.Period, date]:
    """The published report ``ask`` and ``scope`` (from :func:`published_scope`) describe, its period and day."""
    now = clock.now()
    with db.read() as s:
        period, day = _asked_period(s, ask, now)
        centers = reports.published.scope_centers(s, ask.center_id, "center" if scope == "all" else scope)
        return reports.published.published_report(s, centers, period, now, scope=scope), period, day


def published_export(report: dict[str, Any], fmt: str, table: str | None) -> ExportFile:
    """The published report's table (default: its totals) as CSV, or the report as an XLSX workbook
    whose first sheet holds the paragraph."""
    period = report["period"]
    scope = report["centers"][0]["code"] if report["scope"] == "center" else report["scope"]
    stem = f"bao-cao-dinh-ky-{scope}-{period['start']}-{period['end']}"
    if fmt in ("csv", "csv_semicolon"):
        found = reports.find_table(report, table or "published_summary")
        flavour = "semicolon" if fmt == "csv_semicolon" else "comma"
        return ExportFile(reports.table_csv(found, flavour), "text/csv; charset=utf-8", f"{stem}-{found['key']}.csv")
    if table:
        reports.find_table(report, table)
    return ExportFile(reports.published_xlsx(report, [table] if table else None), XLSX, f"{stem}.xlsx")


def live_view(db: Database, clock: Clock, alerts: list[dict[str, Any]], center_id: int) -> dict[str, Any]:
    """The live dashboard of a center (waiting per service, longest wait, counters, today, ``alerts``)."""
    with db.read() as s:
        return reports.live_dashboard(s, center_id, clock.now(), alerts)


# ------------------------------------------------------------------ the admin report page
def page_ask(db: Database, user: User, args: Mapping[str, str]) -> ReportAsk:
    """The admin report page's raw query string as a :class:`ReportAsk`: ``center`` (an id, or
    ``all`` for a province-wide account; default the user's center or the first), ``period``,
    ``date``, ``start``, ``end``, ``year``, ``quarter``, ``half``, ``basis``. 400 ``invalid_period``
    for a date or number that is not one; 403 for another center than the user's."""
    wanted = args.get("center", "")
    center_id: int | None
    if wanted == "all" and user.center_id is None:
        center_id = None
    else:
        center_id = id_from_text(wanted) if wanted else (user.center_id or _first_center(db, user))
        if center_id is None:  # "1.5", "+1", a 30-digit number: not a center id
            center_id = user.center_id
    if center_id is not None and user.center_id is not None and center_id != user.center_id:
        raise other_center()
    try:
        dates = {k: date.fromisoformat(args[k]) if args.get(k) else None for k in ("date", "start", "end")}
        numbers = {k: int(args[k]) for k in ("year", "quarter", "half") if args.get(k)}
    except ValueError:
        raise DomainError("invalid_period", "Ngày hoặc kỳ báo cáo không hợp lệ.", "Invalid date or period.", status=400) from None
    return ReportAsk(center_id, args.get("period", "day"), dates["date"], dates["start"], dates["end"], numbers,
                     args.get("basis") or "calendar")


def page_published(db: Database, clock: Clock, user: User, ask: ReportAsk, scope: str | None) -> dict[str, Any]:
    """The admin report page's periodic report (same center and period as the page, ``scope`` from
    its query string: ``center`` by default, ``province`` for a province-wide account)."""
    return published_view(db, clock, ask, published_scope(user.center_id, ask.center_id, scope or "center"))[0]


def _first_center(db: Database, user: User) -> int | None:
    with db.read() as s:
        centers = centers_visible_to(s, user)
    return centers[0].id if centers else None


def page_query(center_id: int | None, period: reports.Period, day: date) -> dict[str, Any]:
    """The query string that shows this report again (the page's export links and period form)."""
    query: dict[str, Any] = {"center_id": center_id, "period": period.kind, "date": day.isoformat()}
    if period.kind == "range":
        query.update(start=period.start.isoformat(), end=period.end.isoformat())
    if period.kind in reports.REPORTING_KINDS:
        query.update({k: v for k, v in period.to_dict().items() if k in ("year", "quarter", "half", "basis")})
    return {k: v for k, v in query.items() if v is not None}


__all__ = ["ExportFile", "ReportAsk", "export_file", "live_view", "page_ask", "page_query", "period_report", "published_export",
           "published_scope", "published_view", "report_scope"]
