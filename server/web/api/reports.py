"""Reports (supervisor of a center, or a province-wide account for all centers): period
figures from the event log, CSV/XLSX exports of every table, and the live dashboard."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Date, String
from apiflask.validators import OneOf, Range
from flask import Response

from server.web.auth import require
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import QueryInt
from server.domain import reports
from server.domain.accounts import Principal
from server.domain.centers import local_today
from server.extensions import services

REPORT_DOC = {"tags": ["Reports"], "security": [{"BearerAuth": []}, {"CookieAuth": []}]}


class ReportQuery(Schema):
    center_id = QueryInt(load_default=None, validate=Range(min=1, max=2**31 - 1))  # omitted: all centers (province-wide accounts)
    period = String(load_default="day", validate=OneOf(list(reports.PERIOD_KINDS)),
                    metadata={"description": "day, week, month; the reporting periods quarter, half (6 tháng), "
                                             "nine_months (9 tháng), year; or range (start–end)"})
    date = Date(load_default=None)
    start = Date(load_default=None)
    end = Date(load_default=None)
    year = QueryInt(load_default=None, validate=Range(min=reports.MIN_YEAR, max=reports.MAX_YEAR))
    quarter = QueryInt(load_default=None, validate=Range(min=1, max=4))
    half = QueryInt(load_default=None, validate=Range(min=1, max=2), metadata={"description": "1: January–June, 2: July–December"})
    basis = String(load_default="calendar", validate=OneOf(list(reports.BASES)),
                   metadata={"description": "calendar months, or cutoff: the 15th of the month before to the 14th of the last month"})


class ExportQuery(ReportQuery):
    format = String(load_default="xlsx", validate=OneOf(["csv", "csv_semicolon", "xlsx"]),
                    metadata={"description": "csv: comma, dot decimals; csv_semicolon: for Excel with Vietnamese regional "
                                             "settings (; separator, decimal comma, UTF-8 BOM); xlsx"})
    table = String(load_default=None)


class LiveQuery(Schema):
    center_id = QueryInt(required=True, validate=Range(min=1, max=2**31 - 1))


def report_scope(principal: Principal, center_id: int | None) -> int | None:
    """The center a report covers: a center's own staff always get their center;
    "all centers" needs a province-wide account."""
    if center_id is None and principal.center_id is not None:
        return principal.center_id
    return center_id


def build_report(query: dict[str, Any]) -> dict[str, Any]:
    """Check the caller's rights and compute the report described by ``query``."""
    principal = require("supervisor", query.get("center_id"))
    center_id = report_scope(principal, query.get("center_id"))
    core = services()
    now = core.clock.now()
    with core.db.read() as s:
        today = local_today(s, center_id, now)
        period = reports.Period.of(query["period"], query.get("date") or today, query.get("start"), query.get("end"), today=today,
                                   year=query.get("year"), quarter=query.get("quarter"), half=query.get("half"),
                                   basis=query.get("basis") or "calendar")
        return reports.ticket_report(s, center_id, period, now)


@bp.get("/reports")
@bp.input(ReportQuery, location="query", arg_name="query")
@bp.doc(**REPORT_DOC)
def get_report(query: dict[str, Any]):  # noqa: ANN201
    """Period report: tickets issued/served/no-show by service, hour, day, counter and clerk; wait and
    service time mean, median, 90th percentile; ratings; dossier figures where the dossier area runs."""
    return build_report(query)


EXPORT_DOC = {**REPORT_DOC, "responses": {200: {"description": "CSV (một bảng) hoặc XLSX / CSV (one table) or XLSX", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
}}}}


@bp.get("/reports/export")
@bp.input(ExportQuery, location="query", arg_name="query")
@bp.doc(**EXPORT_DOC)
def export_report(query: dict[str, Any]):  # noqa: ANN201
    """One table as CSV (``format=csv&table=by_service``) or the tables as an XLSX workbook."""
    report = build_report(query)
    period = report["period"]
    scope = report["centers"][0]["code"] if report["scope"] == "center" else "tat-ca"
    stem = f"bao-cao-{scope}-{period['start']}" + (f"-{period['end']}" if period["end"] != period["start"] else "")
    if query["format"] in ("csv", "csv_semicolon"):
        table = reports.find_table(report, query.get("table") or "summary")
        flavour = "semicolon" if query["format"] == "csv_semicolon" else "comma"
        return Response(reports.table_csv(table, flavour), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}-{table["key"]}.csv"'})
    keys = [query["table"]] if query.get("table") else None
    if keys:
        reports.find_table(report, keys[0])
    return Response(reports.report_xlsx(report, keys),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})


@bp.get("/reports/live")
@bp.input(LiveQuery, location="query", arg_name="query")
@bp.doc(**REPORT_DOC)
def live(query: dict[str, Any]):  # noqa: ANN201
    """The live dashboard's data: waiting per service, longest wait, counters and clerks, today, alerts."""
    center_id = query["center_id"]
    require("supervisor", center_id)
    core = services()
    alerts = core.alerts.open_alerts(center_id)
    with core.db.read() as s:
        return reports.live_dashboard(s, center_id, core.clock.now(), alerts)


__all__ = ["build_report", "report_scope"]
