"""The periodic report a center publishes (báo cáo định kỳ): dossiers received (of which online,
by post), returned (of which by post), early / on time / late, returned to the citizen as not
eligible, satisfaction — for a quarter, 6 months, 9 months, a year or any range, for one center or
a province (its center and every branch and commune center under it), by field and procedure;
the Decision 766/QĐ-TTg indicators a center's own data can compute, with their points; and the
ready paragraph the centers paste into their report.

Definitions (shown on the page too):
- *received*: dossiers whose ``received_at`` falls in the period, by receiving channel
  (``Dossier.channel``: direct | online | post). Online share = online ÷ received; postal share =
  received by post ÷ received.
- *returned*: dossiers whose ``returned_at`` falls in the period, by return channel
  (``Dossier.return_channel``: counter | post | online); for a result sent by post ``returned_at`` is
  the day it was handed to the post office.
- *early / on time / late*: the ``result_class`` recorded when the result was ready or returned.
  The on-time rate is (early + on time) ÷ (early + on time + late), as Decision 766 counts
  "hồ sơ giải quyết trước hạn, đúng hạn" among those resolved; a returned dossier without a class
  (no appointment) is counted as returned but left out of the rate.
- *returned as not eligible* (trả lại do không đủ điều kiện giải quyết): dossiers refused at
  reception (``rejected``, Mẫu 03) and dossiers whose processing was stopped (``stopped``, Mẫu 05),
  by the time of that change in the dossier log. They are not part of *returned* (the result).
- *satisfaction*: "Rất hài lòng" + "Hài lòng" ÷ all ratings given in the period (ratings are of
  served tickets, so they go by field, not by procedure).
- *months*: the calendar months of the period in the center's time zone (cut to the period).

Every count is aggregated in SQL (GROUP BY center × procedure × field with conditional counts,
and one conditional count per month), each query reading one covering index of migration 0009e:
a year of a province (110,000 dossiers) stays under a second (``bench/bench_reports.py --published``).
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from server.clock import utc
from server.domain.audit import LabelResolver
from server.domain.errors import DomainError
from server.domain.reports.periods import Period
from server.domain.reports.tables import Column, Table
from server.models import Center, Service
from server.models.admin import LabelHistory, Rating, RatingLevel
from server.models.dossiers import Dossier, DossierEvent, DossierState, Procedure

SCOPES = ("center", "province")
NOT_ELIGIBLE_STATES = (DossierState.REJECTED, DossierState.STOPPED)
COUNT_KEYS = ("received", "received_direct", "received_online", "received_post",
              "returned", "returned_counter", "returned_post", "returned_online", "early", "on_time", "late",
              "rejected", "stopped", "ratings", "very_satisfied", "satisfied", "unsatisfied")
NO_FIELD = 0  # the group key of dossiers whose procedure has no field


# ------------------------------------------------------------------ Decision 766 indicators
@dataclass(frozen=True)
class Indicator:
    """One Decision 766/QĐ-TTg sub-indicator a center's own data can compute."""

    key: str
    label_vi: str
    label_en: str
    target: float  # share 0..1 at or above which the full points are earned
    points: float  # the sub-indicator's maximum points


# Our reading of Decision 766/QĐ-TTg (23/6/2022) for what a center's own data can compute: the
# progress group (20 points) is measured by dossiers resolved early or on time; the online
# services group (12 points) by the share of dossiers received online; satisfaction (18 points)
# by the citizens' ratings. The targets follow 766's pattern (80% for most sub-indicators, 50% or
# 90% for some). The postal share is a center's own target (no 766 group of its own), scored the
# same way. Defaults only: a province passes its own table to ``published_report(targets=…)``.
INDICATORS_766: tuple[Indicator, ...] = (
    Indicator("on_time_rate", "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", "Resolved early or on time", 0.90, 20.0),
    Indicator("online_share", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Share received online", 0.50, 12.0),
    Indicator("postal_share", "Tỷ lệ hồ sơ tiếp nhận qua bưu chính công ích", "Share received by post", 0.10, 2.0),
    Indicator("satisfaction", "Tỷ lệ hài lòng (rất hài lòng và hài lòng)", "Satisfied or very satisfied", 0.80, 18.0),
)


def indicator_points(value: float | None, target: float, points: float) -> float | None:
    """766's formula: full points at or above the target, otherwise value × points ÷ target
    (rounded to 2 decimals); None when there is nothing to measure."""
    if value is None:
        return None
    if value >= target:
        return round(points, 2)
    return round(value * points / target, 2)


# ------------------------------------------------------------------ Vietnamese numbers and the paragraph
def vi_int(n: int) -> str:
    """A count the Vietnamese way: 3.544, 1.234.567."""
    return f"{n:,}".replace(",", ".")


def vi_decimal(x: float, places: int = 1) -> str:
    """A number with the Vietnamese decimal comma: 95,2 (and 1.234,5 with thousands)."""
    return f"{x:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def vi_percent(share: float) -> str:
    """A share (0..1) as a percentage with one decimal and a decimal comma, "95,2%"; a whole
    percentage drops its ",0" ("100%"), as the reports write it."""
    text = vi_decimal(share * 100, 1)
    return (text[:-2] if text.endswith(",0") else text) + "%"


DEFAULT_CENTER_LABEL = "Bộ phận tiếp nhận và trả kết quả"


def report_paragraph(figures: dict[str, Any], period: Period, center_label: str = DEFAULT_CENTER_LABEL) -> str:
    """The sentence a center pastes into its periodic report, in the centers' own style:

    "6 tháng đầu năm 2026, Bộ phận tiếp nhận và trả kết quả tiếp nhận 3.544 hồ sơ (trong đó 11 hồ sơ
    trực tuyến), trả 3.194 hồ sơ, trong đó trả đúng hạn 3.041 hồ sơ (đạt 95,2%), trả lại công dân do
    không đủ điều kiện giải quyết 144 hồ sơ; trả kết quả qua dịch vụ bưu chính công ích 52 hồ sơ."

    Received, returned and on time are always said (0 included: a report says "0 hồ sơ"). "Trả đúng
    hạn" counts early and on time together (766's on-time count); its rate is said when there is one.
    Left out when zero, where a report would not mention them: the online and postal parts of the
    received, the not-eligible clause, the postal return clause; and the satisfaction sentence when
    nobody rated. ``figures`` is the ``totals`` of :func:`published_report`."""
    received_parts = []
    if figures["received_online"]:
        received_parts.append(f"{vi_int(figures['received_online'])} hồ sơ trực tuyến")
    if figures["received_post"]:
        received_parts.append(f"{vi_int(figures['received_post'])} hồ sơ qua dịch vụ bưu chính công ích")
    text = f"{period.phrase_vi}, {center_label} tiếp nhận {vi_int(figures['received'])} hồ sơ"
    if received_parts:
        text += f" (trong đó {', '.join(received_parts)})"
    on_time = figures["early"] + figures["on_time"]
    text += f", trả {vi_int(figures['returned'])} hồ sơ, trong đó trả đúng hạn {vi_int(on_time)} hồ sơ"
    if figures.get("on_time_rate") is not None:
        text += f" (đạt {vi_percent(figures['on_time_rate'])})"
    not_eligible = figures["rejected"] + figures["stopped"]
    if not_eligible:
        text += f", trả lại công dân do không đủ điều kiện giải quyết {vi_int(not_eligible)} hồ sơ"
    if figures["returned_post"]:
        text += f"; trả kết quả qua dịch vụ bưu chính công ích {vi_int(figures['returned_post'])} hồ sơ"
    text += "."
    if figures["ratings"] and figures.get("satisfaction") is not None:
        text += (f" Tỷ lệ hài lòng (rất hài lòng và hài lòng) đạt {vi_percent(figures['satisfaction'])} "
                 f"trên {vi_int(figures['ratings'])} lượt đánh giá.")
    return text


# ------------------------------------------------------------------ scope
def scope_centers(session: Session, center_id: int | None, scope: str = "center") -> list[Center]:
    """The centers a published report covers: one center (``scope="center"``); a center and every
    center under it, its branches and commune centers at any depth (``scope="province"``); or every
    center of the deployment (``center_id=None``)."""
    if scope not in SCOPES:
        raise DomainError("invalid_scope", "Phạm vi báo cáo không hợp lệ.", "Unknown report scope.", status=400,
                          allowed=list(SCOPES))
    every = list(session.scalars(select(Center).order_by(Center.id)))
    if center_id is None:
        return every
    root = next((c for c in every if c.id == center_id), None)
    if root is None:
        raise DomainError("unknown_center", "Không tìm thấy trung tâm.", "Center not found.", status=404)
    if scope == "center":
        return [root]
    children: dict[int | None, list[Center]] = defaultdict(list)
    for c in every:
        children[c.parent_id].append(c)
    chosen, todo = [], [root]
    while todo:
        c = todo.pop()
        if c in chosen:  # a parent loop typed by mistake must not hang the report
            continue
        chosen.append(c)
        todo.extend(children.get(c.id, []))
    return [root, *sorted(chosen[1:], key=lambda c: c.id)]  # the root first: the paragraph names it


# ------------------------------------------------------------------ the SQL
def _naive(moment: datetime) -> datetime:
    return utc(moment).replace(tzinfo=None)  # stored UTC without a zone, on SQLite and PostgreSQL alike


def _month_bounds(period: Period, tz: str) -> list[datetime]:
    """UTC instants: the start of each month of the period (cut to it), then the end of the period."""
    edges = [_naive(Period("range", first, last).utc_bounds(tz)[0]) for first, last in period.months()]
    return edges + [_naive(period.utc_bounds(tz)[1])]


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _distinct_if(condition: Any) -> Any:
    return func.count(func.distinct(case((condition, Dossier.id))))


def _rows(session: Session, keys: list[Any], columns: list[Any], where: list[Any], source: Any = None) -> list[Any]:
    """One GROUP BY over ``keys`` (labelled k0, k1, …) with the conditional counts ``columns``."""
    labelled = [key.label(f"k{i}") for i, key in enumerate(keys)]
    stmt = select(*labelled, *columns).where(*where)
    if source is not None:
        stmt = stmt.select_from(source)
    # GROUP BY the output names k0, k1, … (no table has such a column): one statement for SQLite and
    # PostgreSQL, even for a key that is an expression with bound parameters.
    return list(session.execute(stmt.group_by(*[literal_column(f"k{i}") for i in range(len(keys))])))


RECEIVED = ("received", "received_direct", "received_online", "received_post")
RETURNED = ("returned", "returned_counter", "returned_post", "returned_online", "early", "on_time", "late")


def _received_columns() -> list[Any]:
    return [func.count().label("received"), _count_if(Dossier.channel == "direct").label("received_direct"),
            _count_if(Dossier.channel == "online").label("received_online"),
            _count_if(Dossier.channel == "post").label("received_post")]


def _returned_columns() -> list[Any]:
    return [func.count().label("returned"), _count_if(Dossier.return_channel == "counter").label("returned_counter"),
            _count_if(Dossier.return_channel == "post").label("returned_post"),
            _count_if(Dossier.return_channel == "online").label("returned_online"),
            _count_if(Dossier.result_class == "early").label("early"),
            _count_if(Dossier.result_class == "on_time").label("on_time"),
            _count_if(Dossier.result_class == "late").label("late")]


def _collect(session: Session, centers: list[Center], period: Period) -> tuple[dict[tuple, dict[str, int]], list[dict[str, int]]]:
    """Counts per (center, procedure, field) over the whole period, and per month of the period.

    Two kinds of query, each one pass over a covering index (migration 0009e): the whole period
    grouped by center × procedure × field (the index's own order: no sort), and one plain count per
    month. A dossier without a field is keyed by field ``None`` here and given its procedure's
    field by the caller (a join per row would cost more than the count)."""
    by_tz: dict[str, list[int]] = defaultdict(list)
    for c in centers:
        by_tz[c.timezone].append(c.id)
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    months = [dict.fromkeys(COUNT_KEYS, 0) for _ in period.months()]

    def add(slot: dict[str, int], row: Any, keys: tuple[str, ...]) -> None:
        for k in keys:
            slot[k] += int(getattr(row, k) or 0)

    for tz, ids in by_tz.items():
        edges = _month_bounds(period, tz)
        begin, end = edges[0], edges[-1]
        mine = Dossier.center_id.in_(ids)
        for time, columns, keys in ((Dossier.received_at, _received_columns(), RECEIVED),
                                    (Dossier.returned_at, _returned_columns(), RETURNED)):
            inside = [mine, time >= begin, time < end]
            for row in _rows(session, [Dossier.center_id, Dossier.procedure_id, Dossier.service_id], columns, inside):
                add(groups[(row.k0, row.k1, row.k2)], row, keys)
            # One small query a month rather than GROUP BY month: each reads its own slice of the
            # covering index, and no sort of the whole period is needed (4× faster on SQLite).
            for i, (start, stop) in enumerate(itertools.pairwise(edges)):
                row = session.execute(select(*columns).where(mine, time >= start, time < stop)).one()
                add(months[i], row, keys)
        # Not eligible: the log's rejected / stopped rows of the period, each dossier once.
        logged = DossierEvent.__table__.join(Dossier.__table__, Dossier.id == DossierEvent.dossier_id)
        for row in _rows(session, [Dossier.center_id, Dossier.procedure_id, Dossier.service_id],
                         [_distinct_if(DossierEvent.to_state == DossierState.REJECTED).label("rejected"),
                          _distinct_if(DossierEvent.to_state == DossierState.STOPPED).label("stopped")],
                         [DossierEvent.center_id.in_(ids), DossierEvent.to_state.in_(NOT_ELIGIBLE_STATES),
                          DossierEvent.at >= begin, DossierEvent.at < end], logged):
            add(groups[(row.k0, row.k1, row.k2)], row, ("rejected", "stopped"))
        for row in _rows(session, [Rating.center_id, Rating.service_id],
                         [func.count().label("ratings"),
                          _count_if(Rating.level == RatingLevel.VERY_SATISFIED).label("very_satisfied"),
                          _count_if(Rating.level == RatingLevel.SATISFIED).label("satisfied"),
                          _count_if(Rating.level == RatingLevel.UNSATISFIED).label("unsatisfied")],
                         [Rating.center_id.in_(ids), Rating.created_at >= begin, Rating.created_at < end]):
            add(groups[(row.k0, None, row.k1 or NO_FIELD)], row, ("ratings", "very_satisfied", "satisfied", "unsatisfied"))
    return groups, months


# ------------------------------------------------------------------ figures
def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def derive(counts: dict[str, int]) -> dict[str, Any]:
    """Counts plus the rates the report shows (None where the denominator is 0)."""
    out: dict[str, Any] = dict(counts)
    classified = counts["early"] + counts["on_time"] + counts["late"]
    out.update(
        on_time_total=counts["early"] + counts["on_time"],
        not_eligible=counts["rejected"] + counts["stopped"],
        online_share=_share(counts["received_online"], counts["received"]),
        postal_share=_share(counts["received_post"], counts["received"]),
        returned_post_share=_share(counts["returned_post"], counts["returned"]),
        on_time_rate=_share(counts["early"] + counts["on_time"], classified),
        satisfaction=_share(counts["very_satisfied"] + counts["satisfied"], counts["ratings"]),
    )
    return out


def _sum(slots: list[dict[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(COUNT_KEYS, 0)
    for slot in slots:
        for k in COUNT_KEYS:
            total[k] += slot[k]
    return total


def indicators(totals: dict[str, Any], targets: tuple[Indicator, ...] = INDICATORS_766) -> list[dict[str, Any]]:
    """Each 766 indicator's value, target, maximum points and the points earned."""
    return [{"key": i.key, "label_vi": i.label_vi, "label_en": i.label_en, "value": totals.get(i.key), "target": i.target,
             "max_points": i.points, "points": indicator_points(totals.get(i.key), i.target, i.points)} for i in targets]


FIGURE_COLUMNS = [
    Column("received", "Tiếp nhận", "Received", "int"),
    Column("received_direct", "Trực tiếp", "In person", "int"),
    Column("received_online", "Trực tuyến", "Online", "int"),
    Column("received_post", "Qua bưu chính", "By post", "int"),
    Column("online_share", "Tỷ lệ trực tuyến", "Online share", "pct"),
    Column("postal_share", "Tỷ lệ bưu chính", "Postal share", "pct"),
    Column("returned", "Đã trả kết quả", "Returned", "int"),
    Column("early", "Trước hạn", "Early", "int"),
    Column("on_time", "Đúng hạn", "On time", "int"),
    Column("late", "Quá hạn", "Late", "int"),
    Column("on_time_rate", "Tỷ lệ trước hạn, đúng hạn", "Early or on-time rate", "pct"),
    Column("returned_post", "Trả qua bưu chính", "Returned by post", "int"),
    Column("returned_online", "Trả trực tuyến", "Returned online", "int"),
    Column("not_eligible", "Trả lại do không đủ điều kiện", "Returned as not eligible", "int"),
    Column("rejected", "Từ chối tiếp nhận", "Refused at reception", "int"),
    Column("stopped", "Dừng xử lý", "Processing stopped", "int"),
    Column("ratings", "Lượt đánh giá", "Ratings", "int"),
    Column("satisfaction", "Tỷ lệ hài lòng", "Satisfaction", "pct"),
]
MONTH_COLUMNS = [Column("month_label", "Tháng", "Month"),
                 *[c for c in FIGURE_COLUMNS if c.key in ("received", "received_online", "received_post", "online_share",
                                                            "postal_share", "returned", "returned_post", "on_time_rate")]]
INDICATOR_COLUMNS = [Column("label_vi", "Chỉ số", "Indicator"), Column("label_en", "Chỉ số (EN)", "Indicator (EN)"),
                     Column("value", "Kết quả", "Value", "pct"), Column("target", "Mục tiêu", "Target", "pct"),
                     Column("max_points", "Điểm tối đa", "Max points", "num"),
                     Column("points", "Điểm đạt", "Points", "num")]


def published_report(session: Session, centers: list[Center], period: Period, now: datetime, *, scope: str = "center",
                     center_label: str | None = None, targets: tuple[Indicator, ...] = INDICATORS_766) -> dict[str, Any]:
    """The published report of ``centers`` over ``period``: totals with rates, by field, by
    procedure, by center (several centers), by month, the 766 indicators and the paragraph.

    Fields and procedures are matched by code across centers (every commune of a province files
    the same national procedure "1.001193" under its own id). ``center_label`` names the
    reporting unit in the paragraph (default: "Bộ phận tiếp nhận và trả kết quả" for one center,
    "<name> và các đơn vị trực thuộc" for a province)."""
    raw, months = _collect(session, centers, period)
    labels = LabelResolver(session)
    # Current names in two queries; the label history only for what was renamed (a province has
    # hundreds of procedures: one look-up each would cost more than the figures).
    ids = [c.id for c in centers]
    current = {("service", i): (code, title) for i, code, title in
               session.execute(select(Service.id, Service.code, Service.name).where(Service.center_id.in_(ids)))}
    field_of: dict[int, int | None] = {}
    for i, code, title, field in session.execute(select(Procedure.id, Procedure.code, Procedure.name, Procedure.service_id)
                                                 .where(Procedure.center_id.in_(ids))):
        current[("procedure", i)] = (code, title)
        field_of[i] = field
    # A dossier whose clerk left the field empty counts under its procedure's field.
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    for (center_id, procedure_id, field_id), slot in raw.items():
        key = (center_id, procedure_id, field_id or field_of.get(procedure_id) or NO_FIELD)
        groups[key] = _sum([groups[key], slot])
    renamed = {(kind, entity) for kind, entity in session.execute(
        select(LabelHistory.kind, LabelHistory.entity_id).where(LabelHistory.kind.in_(("service", "procedure"))).distinct())}
    named_at = min(_naive(period.utc_bounds(centers[0].timezone if centers else "Asia/Ho_Chi_Minh")[1])
                   - timedelta(microseconds=1), _naive(now))
    multi = len(centers) > 1

    def name(kind: str, entity_id: int | None) -> tuple[str, str]:
        if not entity_id:
            return "", "(Chưa phân lĩnh vực)" if kind == "service" else "—"
        if (kind, entity_id) not in renamed and (kind, entity_id) in current:
            return current[(kind, entity_id)]
        found = labels.label(kind, entity_id, named_at)
        return str(found.get("code", "")), str(found.get("name", "—"))

    totals = derive(_sum(list(groups.values())))

    def rows_by(key_of: Any, label_of: Any, *, procedures: bool = False) -> list[dict[str, Any]]:
        parts: dict[Any, list[dict[str, int]]] = defaultdict(list)
        named: dict[Any, dict[str, Any]] = {}
        for k, slot in groups.items():
            if procedures and not k[1]:  # ratings: of tickets, known by field only
                continue
            group = key_of(k)
            parts[group].append(slot)
            named.setdefault(group, label_of(k))
        return sorted(({**named[g], **derive(_sum(s))} for g, s in parts.items()),
                      key=lambda r: (r.get("code") == "", str(r.get("code", "")), str(r.get("name", ""))))

    def field_label(k: tuple) -> dict[str, Any]:
        code, title = name("service", k[2])
        return {"code": code, "name": title}

    def procedure_label(k: tuple) -> dict[str, Any]:
        code, title = name("procedure", k[1])
        return {"code": code, "name": title}

    # One center: its own ids; several: the codes, so that a province adds up a field across communes.
    by_field = rows_by((lambda k: field_label(k)["code"] or k[2]) if multi else (lambda k: k[2]), field_label)
    by_procedure = rows_by((lambda k: procedure_label(k)["code"] or k[1]) if multi else (lambda k: k[1]), procedure_label,
                           procedures=True)
    centers_by_id = {c.id: c for c in centers}
    by_center = rows_by(lambda k: k[0], lambda k: {"code": centers_by_id[k[0]].code, "name": centers_by_id[k[0]].name})
    month_spans = period.months()
    by_month = []
    for (first, _last), counts in zip(month_spans, months, strict=True):
        by_month.append({"month": f"{first:%Y-%m}", "month_label": f"{first:%m/%Y}", **derive(counts)})
    scored = indicators(totals, targets)
    if center_label is None:
        center_label = (DEFAULT_CENTER_LABEL if not multi
                        else f"{centers[0].name} và các đơn vị trực thuộc" if scope == "province" and centers
                        else "Các bộ phận tiếp nhận và trả kết quả")
    code_name = [Column("code", "Mã", "Code"), Column("name", "Tên", "Name")]
    tables = [
        Table("published_summary", "Báo cáo định kỳ: số liệu chung", "Periodic report: totals",
              [Column("metric_vi", "Chỉ tiêu", "Metric"), Column("metric_en", "Chỉ tiêu (EN)", "Metric (EN)"),
               Column("value", "Giá trị", "Value", "num")],
              [{"metric": c.key, "metric_vi": c.label_vi, "metric_en": c.label_en, "value": totals[c.key], "kind": c.kind}
               for c in FIGURE_COLUMNS]),
        Table("published_766", "Chỉ số theo Quyết định 766/QĐ-TTg", "Decision 766 indicators", INDICATOR_COLUMNS, scored),
        Table("published_by_field", "Theo lĩnh vực", "By field", [Column("code", "Mã", "Code"),
                                                                   Column("name", "Lĩnh vực", "Field"), *FIGURE_COLUMNS],
              by_field),
        Table("published_by_procedure", "Theo thủ tục", "By procedure",
              [Column("code", "Mã thủ tục", "Code"), Column("name", "Thủ tục", "Procedure"),
               *[c for c in FIGURE_COLUMNS if c.key not in ("ratings", "satisfaction")]], by_procedure),
        Table("published_by_month", "Theo tháng", "By month", MONTH_COLUMNS, by_month),
    ]
    if multi:
        tables.insert(2, Table("published_by_center", "Theo đơn vị", "By center", [*code_name, *FIGURE_COLUMNS], by_center))
    return {
        "scope": scope,
        "centers": [{"id": c.id, "code": c.code, "name": c.name, "level": c.level} for c in centers],
        "period": period.to_dict(), "phrase_vi": period.phrase_vi, "center_label": center_label,
        "totals": totals, "indicators": scored,
        "points": round(sum(i["points"] or 0 for i in scored), 2), "max_points": round(sum(i.points for i in targets), 2),
        "paragraph": report_paragraph(totals, period, center_label), "months": len(months),
        "tables": [t.to_dict() for t in tables],
    }


__all__ = ["DEFAULT_CENTER_LABEL", "INDICATORS_766", "SCOPES", "Indicator", "derive", "indicator_points", "indicators",
           "published_report", "report_paragraph", "scope_centers", "vi_decimal", "vi_int", "vi_percent"]
