"""Reports (supervisor of a center, or a province-wide account for all centers): period
figures from the event log, CSV/XLSX exports of every table, and the live dashboard."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Date, String
from apiflask.validators import OneOf, Range
from flask import Response

from server.domain import reports
from server.domain.report_pages import (
    ReportAsk,
    export_file,
    live_view,
    period_report,
    published_export,
    published_scope,
    published_view,
    report_scope,
)
from server.extensions import services
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import QueryInt
from server.web.auth import require

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
    half = QueryInt(load_default=None, validate=Range(min=1, max=2),
                    metadata={"description": "1: January–June, 2: July–December"})
    basis = String(load_default="calendar", validate=OneOf(list(reports.BASES)),
                   metadata={"description": "calendar months, or cutoff: the 15th of the month before to the 14th of the "
                                            "last month"})


class ExportQuery(ReportQuery):
    format = String(load_default="xlsx", validate=OneOf(["csv", "csv_semicolon", "xlsx"]),
                    metadata={"description": "csv: comma, dot decimals; csv_semicolon: for Excel with Vietnamese regional "
                                             "settings (; separator, decimal comma, UTF-8 BOM); xlsx"})
    table = String(load_default=None)


class PublishedQuery(ReportQuery):
    scope = String(load_default="center", validate=OneOf(list(reports.published.SCOPES)),
                   metadata={"description": "center: the center alone; province: the center and every center under it "
                                            "(province-wide accounts). Without center_id: every center"})


class PublishedExportQuery(PublishedQuery):
    format = String(load_default="xlsx", validate=OneOf(["csv", "csv_semicolon", "xlsx"]),
                    metadata={"description": "csv_semicolon: for Excel with Vietnamese regional settings; csv; xlsx"})
    table = String(load_default=None)


class LiveQuery(Schema):
    center_id = QueryInt(required=True, validate=Range(min=1, max=2**31 - 1))


def build_report(query: dict[str, Any]) -> dict[str, Any]:
    """Check the caller's rights and compute the report described by ``query``."""
    principal = require("supervisor", query.get("center_id"))
    ask = ReportAsk.of(query, report_scope(principal, query.get("center_id")))
    return period_report(services().db, services().clock, ask)[0]


@bp.get("/reports")
@bp.input(ReportQuery, location="query", arg_name="query")
@bp.doc(**REPORT_DOC)
def get_report(query: dict[str, Any]):
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
def export_report(query: dict[str, Any]):
    """One table as CSV (``format=csv&table=by_service``) or the tables as an XLSX workbook."""
    file = export_file(build_report(query), query["format"], query.get("table"))
    return Response(file.body, mimetype=file.mimetype, headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


def build_published(query: dict[str, Any]) -> dict[str, Any]:
    """Check the caller's rights (a province scope needs a province-wide account) and compute the published report."""
    principal = require("supervisor", query.get("center_id"))
    center_id = report_scope(principal, query.get("center_id"))
    scope = published_scope(principal.center_id, center_id, query["scope"])
    return published_view(services().db, services().clock, ReportAsk.of(query, center_id), scope)[0]


@bp.get("/reports/published")
@bp.input(PublishedQuery, location="query", arg_name="query")
@bp.doc(**REPORT_DOC)
def get_published(query: dict[str, Any]):
    """The periodic report a center publishes: received (online, by post), returned (by post), early / on time /
    late, returned as not eligible, satisfaction — by field, procedure and month; the Decision 766 indicators with
    their points; and the ready Vietnamese paragraph."""
    return build_published(query)


@bp.get("/reports/published/export")
@bp.input(PublishedExportQuery, location="query", arg_name="query")
@bp.doc(**EXPORT_DOC)
def export_published(query: dict[str, Any]):
    """One table of the periodic report as CSV (default: the totals) or the report as XLSX (paragraph first)."""
    file = published_export(build_published(query), query["format"], query.get("table"))
    return Response(file.body, mimetype=file.mimetype, headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


@bp.get("/reports/live")
@bp.input(LiveQuery, location="query", arg_name="query")
@bp.doc(**REPORT_DOC)
def live(query: dict[str, Any]):
    """The live dashboard's data: waiting per service, longest wait, counters and clerks, today, alerts."""
    require("supervisor", query["center_id"])
    core = services()
    return live_view(core.db, core.clock, core.alerts.open_alerts(query["center_id"]), query["center_id"])


__all__ = ["build_published", "build_report", "report_scope"]
