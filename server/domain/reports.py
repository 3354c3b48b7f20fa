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
"""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import format_local, local_date, local_time, utc
from server.domain.audit import LabelResolver
from server.domain.errors import DomainError
from server.domain.ratings import LEVELS, REASONS, clerk_from_actor
from server.domain.signin import signin_summary
from server.models import Center, Counter, Service, Ticket, TicketEvent, TicketState, User
from server.models import dossiers as dossier_models
from server.models.admin import Rating

MAX_RANGE_DAYS = 400
WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


# ------------------------------------------------------------------ periods
PERIOD_KINDS = ("day", "week", "month", "quarter", "half", "nine_months", "year", "range")
# Kinds a center sends up the line (kỳ báo cáo định kỳ): quarter, 6 months, 9 months, year.
REPORTING_KINDS = ("quarter", "half", "nine_months", "year")
BASES = ("calendar", "cutoff")
MIN_YEAR, MAX_YEAR = 2000, 2100
ROMAN = ("I", "II", "III", "IV")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _reporting_months(kind: str, year: int, quarter: int, half: int) -> tuple[int, int]:
    """First and last month (1..12) of a reporting period in calendar terms.

    6 months, 9 months and the year run from 1 January (lũy kế từ đầu năm), as the
    centers' periodic reports do; the second half (``half=2``) runs July–December."""
    if kind == "quarter":
        return 3 * quarter - 2, 3 * quarter
    if kind == "half":
        return (1, 6) if half == 1 else (7, 12)
    if kind == "nine_months":
        return 1, 9
    return 1, 12


def _bad_period(vi: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid_period", vi, en, status=400, **extra)


@dataclass(frozen=True)
class Period:
    """A range of local calendar days, both ends included.

    ``basis`` only matters for the reporting kinds (quarter, half, nine_months, year):
    ``calendar`` takes the calendar months (Q4 = 1/10–31/12); ``cutoff`` takes the data
    cut-off of the state's periodic reports (Nghị định 09/2019/NĐ-CP, Điều 12: from the 15th
    of the month before the period to the 14th of its last month, e.g. Q4 = 15/9–14/12, the
    year = 15/12 of the year before – 14/12)."""

    kind: str  # day | week | month | quarter | half | nine_months | year | range
    start: date
    end: date
    basis: str = "calendar"

    @staticmethod
    def of(kind: str = "day", day: date | None = None, start: date | None = None, end: date | None = None,
           *, today: date | None = None, year: int | None = None, quarter: int | None = None, half: int | None = None,
           basis: str = "calendar") -> Period:
        """The day / ISO week (Mon–Sun) / month containing ``day``; the quarter, half-year,
        nine months or year ``year`` (default: ``day``'s); or the range ``start``–``end``.

        Raises ``DomainError("invalid_period", status=400)`` on anything else."""
        day = day or today or date.today()
        if kind == "day":
            return Period("day", day, day)
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return Period("week", monday, monday + timedelta(days=6))
        if kind == "month":
            first = day.replace(day=1)
            return Period("month", first, _month_end(first.year, first.month))
        if kind in REPORTING_KINDS:
            return Period._reporting(kind, day, year, quarter, half, basis)
        if kind in ("range", "custom"):
            if start is None or end is None:
                raise _bad_period("Hãy chọn ngày bắt đầu và ngày kết thúc.", "Choose a start and an end date.")
            if end < start:
                raise _bad_period("Ngày kết thúc phải sau ngày bắt đầu.", "The end date is before the start date.")
            if (end - start).days > MAX_RANGE_DAYS:
                raise _bad_period(f"Khoảng thời gian tối đa {MAX_RANGE_DAYS} ngày.", f"At most {MAX_RANGE_DAYS} days.")
            return Period("range", start, end)
        raise _bad_period("Kỳ báo cáo không hợp lệ.", "Unknown period kind.", allowed=list(PERIOD_KINDS))

    @staticmethod
    def _reporting(kind: str, day: date, year: int | None, quarter: int | None, half: int | None, basis: str) -> Period:
        year = day.year if year is None else year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _bad_period(f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.", f"The year must be {MIN_YEAR}–{MAX_YEAR}.")
        quarter = (day.month - 1) // 3 + 1 if quarter is None else quarter
        if quarter not in (1, 2, 3, 4):
            raise _bad_period("Quý phải là 1, 2, 3 hoặc 4.", "The quarter must be 1, 2, 3 or 4.")
        half = 1 if half is None else half
        if half not in (1, 2):
            raise _bad_period("Chọn 6 tháng đầu năm (1) hoặc 6 tháng cuối năm (2).", "The half must be 1 or 2.")
        if basis not in BASES:
            raise _bad_period("Cách chốt số liệu không hợp lệ.", "Unknown cut-off basis.", allowed=list(BASES))
        first, last = _reporting_months(kind, year, quarter, half)
        if basis == "cutoff":
            before = date(year, first, 1) - timedelta(days=1)  # last day of the month before the period
            return Period(kind, before.replace(day=15), date(year, last, 14), "cutoff")
        return Period(kind, date(year, first, 1), _month_end(year, last))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware UTC instants."""
        zone = ZoneInfo(tz)
        begin = datetime.combine(self.start, time(0), tzinfo=zone)
        finish = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)
        return utc(begin), utc(finish)

    @property
    def year(self) -> int:
        """The year a reporting period belongs to (its last day's: a cut-off year starts in December before)."""
        return self.end.year

    @property
    def quarter(self) -> int:
        return (self.end.month - 1) // 3 + 1

    @property
    def half(self) -> int:
        return 1 if self.end.month <= 6 else 2

    @property
    def label_vi(self) -> str:
        if self.kind == "day":
            return f"Ngày {self.start:%d/%m/%Y}"
        if self.kind == "week":
            return f"Tuần {self.start:%d/%m} – {self.end:%d/%m/%Y}"
        if self.kind == "month":
            return f"Tháng {self.start:%m/%Y}"
        if self.kind in REPORTING_KINDS:
            name = {"quarter": f"Quý {ROMAN[self.quarter - 1]} năm {self.year}",
                    "half": f"6 tháng {'đầu' if self.half == 1 else 'cuối'} năm {self.year}",
                    "nine_months": f"9 tháng năm {self.year}", "year": f"Năm {self.year}"}[self.kind]
            return f"{name} (từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y})"
        return f"Từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"

    @property
    def label_en(self) -> str:
        if self.kind == "day":
            return f"{self.start:%d/%m/%Y}"
        if self.kind == "month":
            return f"{self.start:%m/%Y}"
        if self.kind in REPORTING_KINDS:
            name = {"quarter": f"Q{self.quarter} {self.year}", "half": f"H{self.half} {self.year}",
                    "nine_months": f"9 months {self.year}", "year": f"Year {self.year}"}[self.kind]
            return f"{name} ({self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                               "label_vi": self.label_vi, "label_en": self.label_en}
        if self.kind in REPORTING_KINDS:
            out.update(year=self.year, basis=self.basis)
            if self.kind == "quarter":
                out["quarter"] = self.quarter
            if self.kind == "half":
                out["half"] = self.half
        return out


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


def _stat_columns(prefix: str, vi: str, en: str) -> list[Column]:
    return [
        Column(f"{prefix}_mean", f"{vi} TB (phút)", f"{en} mean (min)", "min"),
        Column(f"{prefix}_median", f"{vi} trung vị (phút)", f"{en} median (min)", "min"),
        Column(f"{prefix}_p90", f"{vi} P90 (phút)", f"{en} 90th pct (min)", "min"),
    ]


def _stat_cells(prefix: str, seconds: list[float]) -> dict[str, Any]:
    d = describe(seconds)
    return {f"{prefix}_mean": d["mean"], f"{prefix}_median": d["median"], f"{prefix}_p90": d["p90"]}


RATING_COLUMNS = [
    Column("ratings", "Lượt đánh giá", "Ratings", "int"),
    Column("very_satisfied_share", "Rất hài lòng", "Very satisfied", "pct"),
    Column("satisfied_share", "Hài lòng", "Satisfied", "pct"),
    Column("unsatisfied_share", "Không hài lòng", "Unsatisfied", "pct"),
]


def _rating_cells(levels: list[str]) -> dict[str, Any]:
    total = len(levels)
    out: dict[str, Any] = {"ratings": total}
    for level in LEVELS:
        out[f"{level}_share"] = (levels.count(level) / total) if total else None
    return out


# ------------------------------------------------------------------ facts from the log
@dataclass
class Facts:
    """What happened in a period, one record per event that counts."""

    issued: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    no_shows: list[dict[str, Any]] = field(default_factory=list)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)


def _clerk_key(actor: str | None) -> str | None:
    """A stable key for the acting clerk: "user:<id>" for people, the actor's name otherwise."""
    if not actor or actor in ("system", "kiosk"):
        return None
    user_id, name = clerk_from_actor(actor)
    return f"user:{user_id}" if user_id is not None else f"other:{name}"


def collect_facts(session: Session, center: Center, begin: datetime, end: datetime) -> Facts:
    """Walk the log of every ticket that has an event in [begin, end) and keep the facts in it."""
    facts = Facts()
    touched = (
        select(TicketEvent.ticket_id)
        .where(TicketEvent.center_id == center.id, TicketEvent.at >= begin, TicketEvent.at < end)
        .distinct()
        .scalar_subquery()
    )
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.at, TicketEvent.service_id, TicketEvent.counter_id,
               TicketEvent.actor)
        .where(TicketEvent.ticket_id.in_(touched))
        .order_by(TicketEvent.ticket_id, TicketEvent.id)
    ).all()

    def inside(at: datetime) -> bool:
        return begin <= at < end

    current = None
    queue_since = call_at = start_at = None
    for ticket_id, action, at, service_id, counter_id, actor in rows:
        at = utc(at)
        if ticket_id != current:
            current, queue_since, call_at, start_at = ticket_id, None, None, None
        base = {"center_id": center.id, "ticket_id": ticket_id, "service_id": service_id, "counter_id": counter_id, "at": at}
        if action == "issue":
            queue_since = at
            if inside(at):
                facts.issued.append(base)
        elif action == "call":
            if queue_since is not None and inside(at):
                facts.waits.append({**base, "since": queue_since, "seconds": (at - queue_since).total_seconds(),
                                    "clerk": _clerk_key(actor), "actor": actor})
            queue_since, call_at, start_at = None, at, None
        elif action == "start":
            start_at = at
        elif action == "finish":
            begin_at = start_at or call_at
            if begin_at is not None and inside(at):
                facts.services.append({**base, "seconds": (at - begin_at).total_seconds(), "clerk": _clerk_key(actor), "actor": actor})
            call_at = start_at = None
        elif action == "no_show":
            if inside(at):
                facts.no_shows.append({**base, "clerk": _clerk_key(actor), "actor": actor})
            call_at = start_at = None
        elif action == "transfer":
            if inside(at):
                facts.transfers.append(base)
            queue_since, call_at, start_at = at, None, None
        elif action == "cancel":
            if inside(at):
                facts.cancels.append(base)
    when = func.coalesce(Rating.ticket_finished_at, Rating.created_at)
    for rating in session.scalars(select(Rating).where(Rating.center_id == center.id, when >= begin, when < end)):
        facts.ratings.append({"center_id": center.id, "service_id": rating.service_id, "counter_id": rating.counter_id,
                              "clerk": _clerk_key(rating.clerk_actor) or (f"user:{rating.clerk_id}" if rating.clerk_id else None),
                              "actor": rating.clerk_actor, "level": rating.level, "reason": rating.reason})
    return facts


# ------------------------------------------------------------------ the report
def resolve_centers(session: Session, center_id: int | None) -> list[Center]:
    """One center, or every center (``None``: a province-wide report)."""
    if center_id is not None:
        center = session.get(Center, center_id)
        if center is None:
            raise DomainError("unknown_center", "Không tìm thấy trung tâm.", "Center not found.", status=404)
        return [center]
    return list(session.scalars(select(Center).order_by(Center.id)))


def ticket_report(session: Session, center_id: int | None, period: Period, now: datetime) -> dict[str, Any]:
    """The period report of one center (or all): a dict with ``tables`` (each exportable) and ``charts`` data."""
    centers = resolve_centers(session, center_id)
    labels = LabelResolver(session)
    multi = center_id is None
    per_center: list[tuple[Center, Facts, datetime]] = []
    for center in centers:
        begin, end = period.utc_bounds(center.timezone)
        label_at = min(end - timedelta(microseconds=1), utc(now))
        per_center.append((center, collect_facts(session, center, begin, end), label_at))

    tables: list[Table] = []
    tables.append(_summary_table(per_center))
    if multi:
        tables.append(_by_center_table(per_center, labels))
    tables.append(_by_service_table(per_center, labels, multi))
    tables.append(_by_hour_table(per_center))
    if len(period.days) > 1:
        tables.append(_by_day_table(per_center, period))
    tables.append(_by_counter_table(per_center, labels, multi))
    tables.append(_by_clerk_table(per_center, labels, session))
    tables.extend(_rating_tables(per_center))
    tables.extend(dossier_tables(session, centers, period, now))
    return {
        "period": period.to_dict(),
        "centers": [{"id": c.id, "code": c.code, "name": c.name, "name_en": c.name_en} for c in centers],
        "scope": "all" if multi else "center",
        "generated_at": utc(now).isoformat().replace("+00:00", "Z"),
        "tables": [t.to_dict() for t in tables],
    }


def _all(per_center: list[tuple[Center, Facts, datetime]], name: str) -> list[dict[str, Any]]:
    return [row for _c, facts, _at in per_center for row in getattr(facts, name)]


def _summary_table(per_center: list[tuple[Center, Facts, datetime]]) -> Table:
    waits = [f["seconds"] for f in _all(per_center, "waits")]
    served = [f["seconds"] for f in _all(per_center, "services")]
    ratings = [r["level"] for r in _all(per_center, "ratings")]
    wait, service = describe(waits), describe(served)
    rows = [
        ("issued", "Số phiếu đã phát", "Tickets issued", len(_all(per_center, "issued")), "int"),
        ("served", "Số lượt đã phục vụ", "Tickets served", len(_all(per_center, "services")), "int"),
        ("no_show", "Vắng mặt khi gọi", "No-shows", len(_all(per_center, "no_shows")), "int"),
        ("cancelled", "Đã huỷ", "Cancelled", len(_all(per_center, "cancels")), "int"),
        ("transferred", "Lượt chuyển", "Transfers", len(_all(per_center, "transfers")), "int"),
        ("wait_mean", "Thời gian chờ trung bình", "Mean wait", wait["mean"], "min"),
        ("wait_median", "Thời gian chờ trung vị", "Median wait", wait["median"], "min"),
        ("wait_p90", "Thời gian chờ P90", "90th percentile wait", wait["p90"], "min"),
        ("service_mean", "Thời gian phục vụ trung bình", "Mean service time", service["mean"], "min"),
        ("service_median", "Thời gian phục vụ trung vị", "Median service time", service["median"], "min"),
        ("service_p90", "Thời gian phục vụ P90", "90th percentile service time", service["p90"], "min"),
        ("ratings", "Lượt đánh giá", "Ratings", len(ratings), "int"),
    ]
    for level, (vi, en) in LEVELS.items():
        rows.append((f"{level}_share", f"Tỷ lệ {vi.lower()}", f"{en} share", (ratings.count(level) / len(ratings)) if ratings else None, "pct"))
    rows = [(k, f"{vi} (phút)" if kind == "min" else vi, f"{en} (min)" if kind == "min" else en, v, kind) for k, vi, en, v, kind in rows]
    return Table("summary", "Tổng hợp", "Summary",
                 [Column("metric_vi", "Chỉ tiêu", "Metric"), Column("metric_en", "Chỉ tiêu (EN)", "Metric (EN)"),
                  Column("value", "Giá trị", "Value", "num")],
                 [{"metric": key, "metric_vi": vi, "metric_en": en, "value": value, "kind": kind} for key, vi, en, value, kind in rows])


def _by_center_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver) -> Table:
    rows = []
    for center, facts, label_at in per_center:
        name = labels.label("center", center.id, label_at)
        rows.append({
            "center_code": name.get("code", center.code), "center_name": name.get("name", center.name),
            "issued": len(facts.issued), "served": len(facts.services), "no_show": len(facts.no_shows),
            **_stat_cells("wait", [f["seconds"] for f in facts.waits]),
            **_stat_cells("service", [f["seconds"] for f in facts.services]),
            **_rating_cells([r["level"] for r in facts.ratings]),
        })
    columns = [Column("center_code", "Mã", "Code"), Column("center_name", "Trung tâm", "Center"),
               Column("issued", "Đã phát", "Issued", "int"), Column("served", "Đã phục vụ", "Served", "int"),
               Column("no_show", "Vắng mặt", "No-show", "int"),
               *_stat_columns("wait", "Chờ", "Wait"), *_stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS]
    return Table("by_center", "Theo trung tâm", "By center", columns, rows)


def _by_service_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver, multi: bool) -> Table:
    rows = []
    for center, facts, label_at in per_center:
        groups: dict[int | None, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for name in ("issued", "waits", "services", "no_shows", "cancels", "ratings"):
            for fact in getattr(facts, name):
                groups[fact["service_id"]][name].append(fact)
        order = {s.id: (s.sort_order, s.id) for s in center.services}
        for service_id in sorted(groups, key=lambda sid: order.get(sid, (10**6, sid or 0))):
            g = groups[service_id]
            name = labels.label("service", service_id, label_at)
            row = {
                "service_id": service_id, "service_code": name.get("code", ""), "service_name": name.get("name", ""),
                "issued": len(g["issued"]), "served": len(g["services"]), "no_show": len(g["no_shows"]),
                "cancelled": len(g["cancels"]),
                **_stat_cells("wait", [f["seconds"] for f in g["waits"]]),
                **_stat_cells("service", [f["seconds"] for f in g["services"]]),
                **_rating_cells([r["level"] for r in g["ratings"]]),
            }
            if multi:
                row = {"center_code": center.code, **row}
            rows.append(row)
    columns = ([Column("center_code", "Trung tâm", "Center")] if multi else []) + [
        Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực / dịch vụ", "Service"),
        Column("issued", "Đã phát", "Issued", "int"), Column("served", "Đã phục vụ", "Served", "int"),
        Column("no_show", "Vắng mặt", "No-show", "int"), Column("cancelled", "Huỷ", "Cancelled", "int"),
        *_stat_columns("wait", "Chờ", "Wait"), *_stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS,
    ]
    return Table("by_service", "Theo lĩnh vực", "By service", columns, rows)


def _local_hour(at: datetime, center: Center) -> int:
    return local_time(at, center.timezone).hour


def _by_hour_table(per_center: list[tuple[Center, Facts, datetime]]) -> Table:
    buckets: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for center, facts, _at in per_center:
        for f in facts.issued:
            buckets[_local_hour(f["at"], center)]["issued"].append(f)
        for f in facts.services:
            buckets[_local_hour(f["at"], center)]["served"].append(f["seconds"])
        for f in facts.no_shows:
            buckets[_local_hour(f["at"], center)]["no_show"].append(f)
        for f in facts.waits:  # by the hour the citizen joined the queue: the load they met
            buckets[_local_hour(f["since"], center)]["wait"].append(f["seconds"])
    rows = []
    if buckets:
        for hour in range(min(buckets), max(buckets) + 1):
            b = buckets[hour]
            wait = describe(b["wait"])
            rows.append({"hour": f"{hour:02d}:00", "issued": len(b["issued"]), "served": len(b["served"]),
                         "no_show": len(b["no_show"]), "wait_mean": wait["mean"], "wait_p90": wait["p90"],
                         "service_mean": describe(b["served"])["mean"]})
    columns = [Column("hour", "Giờ", "Hour"), Column("issued", "Đã phát", "Issued", "int"),
               Column("served", "Đã phục vụ", "Served", "int"), Column("no_show", "Vắng mặt", "No-show", "int"),
               Column("wait_mean", "Chờ TB theo giờ lấy số (phút)", "Mean wait by issue hour (min)", "min"),
               Column("wait_p90", "Chờ P90 theo giờ lấy số (phút)", "90th pct wait by issue hour (min)", "min"),
               Column("service_mean", "Phục vụ TB (phút)", "Mean service (min)", "min")]
    return Table("by_hour", "Theo giờ trong ngày", "By hour of day", columns, rows)


def _by_day_table(per_center: list[tuple[Center, Facts, datetime]], period: Period) -> Table:
    buckets: dict[date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for center, facts, _at in per_center:
        for f in facts.issued:
            buckets[local_date(f["at"], center.timezone)]["issued"].append(f)
        for f in facts.services:
            buckets[local_date(f["at"], center.timezone)]["served"].append(f["seconds"])
        for f in facts.no_shows:
            buckets[local_date(f["at"], center.timezone)]["no_show"].append(f)
        for f in facts.waits:
            buckets[local_date(f["at"], center.timezone)]["wait"].append(f["seconds"])
    rows = []
    for day in period.days:
        b = buckets.get(day, {})
        wait = describe(b.get("wait", []))
        rows.append({"date": day.isoformat(), "weekday": WEEKDAY_VI[day.weekday()], "issued": len(b.get("issued", [])),
                     "served": len(b.get("served", [])), "no_show": len(b.get("no_show", [])),
                     "wait_mean": wait["mean"], "wait_p90": wait["p90"], "service_mean": describe(b.get("served", []))["mean"]})
    columns = [Column("date", "Ngày", "Date", "date"), Column("weekday", "Thứ", "Weekday"), Column("issued", "Đã phát", "Issued", "int"),
               Column("served", "Đã phục vụ", "Served", "int"), Column("no_show", "Vắng mặt", "No-show", "int"),
               Column("wait_mean", "Chờ TB (phút)", "Mean wait (min)", "min"), Column("wait_p90", "Chờ P90 (phút)", "90th pct wait (min)", "min"),
               Column("service_mean", "Phục vụ TB (phút)", "Mean service (min)", "min")]
    return Table("by_day", "Theo ngày", "By day", columns, rows)


def _by_counter_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver, multi: bool) -> Table:
    rows = []
    for center, facts, label_at in per_center:
        groups: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for name in ("waits", "services", "no_shows", "ratings"):
            for fact in getattr(facts, name):
                if fact["counter_id"] is not None:
                    groups[fact["counter_id"]][name].append(fact)
        keyed = []
        for counter_id, g in groups.items():
            name = labels.label("counter", counter_id, label_at)
            keyed.append((name.get("number") or 0, counter_id, name, g))
        for number, counter_id, name, g in sorted(keyed, key=lambda k: (k[0], k[1])):
            clerks = sorted({f["actor"].split(":", 2)[-1] for f in g["services"] if f.get("actor")})
            row = {"counter_id": counter_id, "counter_number": number, "counter_name": name.get("name", ""),
                   "called": len(g["waits"]), "served": len(g["services"]), "no_show": len(g["no_shows"]),
                   **_stat_cells("service", [f["seconds"] for f in g["services"]]),
                   "wait_mean": describe([f["seconds"] for f in g["waits"]])["mean"],
                   "clerks": ", ".join(clerks), **_rating_cells([r["level"] for r in g["ratings"]])}
            if multi:
                row = {"center_code": center.code, **row}
            rows.append(row)
    columns = ([Column("center_code", "Trung tâm", "Center")] if multi else []) + [
        Column("counter_number", "Quầy", "Counter", "int"), Column("counter_name", "Tên quầy", "Counter name"),
        Column("called", "Lượt gọi", "Calls", "int"), Column("served", "Đã phục vụ", "Served", "int"),
        Column("no_show", "Vắng mặt", "No-show", "int"), *_stat_columns("service", "Phục vụ", "Service"),
        Column("wait_mean", "Chờ TB của số được gọi (phút)", "Mean wait of its calls (min)", "min"),
        Column("clerks", "Cán bộ", "Clerks"), *RATING_COLUMNS,
    ]
    return Table("by_counter", "Theo quầy", "By counter", columns, rows)


def _by_clerk_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver, session: Session) -> Table:
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    label_at = max((at for _c, _f, at in per_center), default=None)
    for _center, facts, _at in per_center:
        for name in ("services", "no_shows", "ratings"):
            for fact in getattr(facts, name):
                if fact.get("clerk"):
                    groups[fact["clerk"]][name].append(fact)
    rows = []
    for key, g in groups.items():
        username, full_name = "", ""
        if key.startswith("user:"):
            user_id = int(key.split(":")[1])
            label = labels.label("user", user_id, label_at) if label_at else {}
            username, full_name = label.get("username", ""), label.get("full_name", "")
        actor = next((f.get("actor") for f in g["services"] + g["no_shows"] + g["ratings"] if f.get("actor")), "")
        if not username:
            username = actor.split(":", 2)[-1] if actor else key
        counters = sorted({f["counter_id"] for f in g["services"] + g["no_shows"] if f.get("counter_id")})
        numbers = [str(labels.label("counter", cid, label_at).get("number", cid)) for cid in counters] if label_at else []
        rows.append({"clerk": key, "username": username, "full_name": full_name, "counters": ", ".join(numbers),
                     "served": len(g["services"]), "no_show": len(g["no_shows"]),
                     **_stat_cells("service", [f["seconds"] for f in g["services"]]),
                     **_rating_cells([r["level"] for r in g["ratings"]])})
    rows.sort(key=lambda r: (-r["served"], r["username"]))
    columns = [Column("username", "Tài khoản", "Username"), Column("full_name", "Họ tên", "Full name"),
               Column("counters", "Quầy", "Counters"), Column("served", "Đã phục vụ", "Served", "int"),
               Column("no_show", "Vắng mặt", "No-show", "int"), *_stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS]
    return Table("by_clerk", "Theo cán bộ", "By clerk", columns, rows)


def _rating_tables(per_center: list[tuple[Center, Facts, datetime]]) -> list[Table]:
    ratings = _all(per_center, "ratings")
    total = len(ratings)
    levels = [{"level": code, "label_vi": vi, "label_en": en, "count": sum(1 for r in ratings if r["level"] == code),
               "share": (sum(1 for r in ratings if r["level"] == code) / total) if total else None}
              for code, (vi, en) in LEVELS.items()]
    with_reason = [r for r in ratings if r.get("reason")]
    reasons = [{"reason": code, "label_vi": vi, "label_en": en, "count": sum(1 for r in with_reason if r["reason"] == code)}
               for code, (vi, en) in REASONS.items()]
    return [
        Table("ratings", "Mức độ hài lòng", "Satisfaction",
              [Column("label_vi", "Mức độ", "Level"), Column("label_en", "Mức độ (EN)", "Level (EN)"),
               Column("count", "Số lượt", "Count", "int"), Column("share", "Tỷ lệ", "Share", "pct")], levels),
        Table("rating_reasons", "Lý do chưa hài lòng", "Reasons given",
              [Column("label_vi", "Lý do", "Reason"), Column("label_en", "Lý do (EN)", "Reason (EN)"),
               Column("count", "Số lượt", "Count", "int")], reasons),
    ]


# ------------------------------------------------------------------ dossiers
def dossier_tables(session: Session, centers: list[Center], period: Period, now: datetime) -> list[Table]:
    """Dossier figures (received, early/on time/late, online share, by post, overdue now)."""
    return _dossier_tables(session, dossier_models, centers, period, now)


RESULT_CLASSES: dict[str, tuple[str, str]] = {
    "early": ("Trước hạn", "Early"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Quá hạn", "Late"),
}
CHANNELS: dict[str, tuple[str, str]] = {"direct": ("Trực tiếp", "In person"), "online": ("Trực tuyến", "Online"),
                                        "post": ("Bưu chính", "By post")}
POST_WORDS = ("post", "postal", "buu_chinh", "bưu chính")


def _returned_by_post(dossier: Any, return_data: dict[str, Any] | None) -> bool:
    """Was the result sent by post? The return event says so (``method``/``via``/``delivery``);
    without that, a dossier that came by post goes back by post."""
    for key in ("method", "via", "delivery", "return_method", "channel"):
        value = (return_data or {}).get(key)
        if value:
            return str(value).lower() in POST_WORDS
    return dossier.channel == "post"


def _completion(dossier: Any, center: Center) -> str | None:
    """early / on_time / late: the class recorded at return, else dates compared locally."""
    if dossier.result_class in RESULT_CLASSES:
        return dossier.result_class
    finished = dossier.returned_at or dossier.result_ready_at
    if finished is None or dossier.appointment_at is None:
        return None
    done, due = local_date(finished, center.timezone), local_date(dossier.appointment_at, center.timezone)
    return "early" if done < due else "on_time" if done == due else "late"


def _dossier_tables(session: Session, models: Any, centers: list[Center], period: Period, now: datetime) -> list[Table]:
    """Dossiers received, by channel (online share), returned early / on time / late, returned by
    post, rejected, and open dossiers past their appointment now — per period, field and procedure.

    From the dossiers' own timestamps (received_at, returned_at: set once) and their event log."""
    Dossier, DossierEvent, Procedure = models.Dossier, models.DossierEvent, models.Procedure
    labels = LabelResolver(session)
    open_states = tuple(getattr(getattr(models, "DossierState", None), "OPEN", ("received", "processing", "supplement_requested")))
    now = utc(now)
    received: list[tuple[Center, Any]] = []
    returned: list[tuple[Center, Any, bool]] = []
    rejected: list[tuple[Center, Any]] = []
    overdue: list[tuple[Center, Any]] = []
    for center in centers:
        begin, end = period.utc_bounds(center.timezone)
        received += [(center, d) for d in session.scalars(
            select(Dossier).where(Dossier.center_id == center.id, Dossier.received_at >= begin, Dossier.received_at < end))]
        rows = session.execute(
            select(Dossier, DossierEvent.data)
            .join(DossierEvent, (DossierEvent.dossier_id == Dossier.id) & (DossierEvent.to_state == "returned"), isouter=True)
            .where(Dossier.center_id == center.id, Dossier.returned_at >= begin, Dossier.returned_at < end)
            .order_by(Dossier.id, DossierEvent.id)
        ).all()
        seen: dict[int, tuple[Any, dict[str, Any] | None]] = {}
        for dossier, data in rows:
            seen[dossier.id] = (dossier, data if data is not None else seen.get(dossier.id, (None, None))[1])
        returned += [(center, d, _returned_by_post(d, data)) for d, data in seen.values()]
        rejected_ids = (select(DossierEvent.dossier_id)
                        .where(DossierEvent.center_id == center.id, DossierEvent.to_state == "rejected",
                               DossierEvent.at >= begin, DossierEvent.at < end))
        rejected += [(center, d) for d in session.scalars(select(Dossier).where(Dossier.id.in_(rejected_ids)))]
        overdue += [(center, d) for d in session.scalars(
            select(Dossier).where(Dossier.center_id == center.id, Dossier.state.in_(open_states), Dossier.appointment_at.is_not(None),
                                  Dossier.appointment_at < now))]

    def counts(rec: list, ret: list, rej: list, over: list) -> dict[str, Any]:
        classes = [_completion(d, c) for c, d, _post in ret]
        total_classified = sum(1 for k in classes if k)
        online = sum(1 for _c, d in rec if d.channel == "online")
        row: dict[str, Any] = {
            "received": len(rec),
            "direct": sum(1 for _c, d in rec if d.channel == "direct"),
            "online": online,
            "post": sum(1 for _c, d in rec if d.channel == "post"),
            "online_share": (online / len(rec)) if rec else None,
            "rejected": len(rej),
            "returned": len(ret),
            "returned_by_post": sum(1 for _c, _d, post in ret if post),
        }
        for key in RESULT_CLASSES:
            row[key] = classes.count(key)
        row["on_time_share"] = ((row["early"] + row["on_time"]) / total_classified) if total_classified else None
        row["overdue_now"] = len(over)
        return row

    count_columns = [
        Column("received", "Tiếp nhận", "Received", "int"), Column("direct", "Trực tiếp", "In person", "int"),
        Column("online", "Trực tuyến", "Online", "int"), Column("post", "Bưu chính", "By post", "int"),
        Column("online_share", "Tỷ lệ trực tuyến", "Online share", "pct"), Column("returned", "Đã trả kết quả", "Returned", "int"),
        Column("early", "Trước hạn", "Early", "int"), Column("on_time", "Đúng hạn", "On time", "int"),
        Column("late", "Quá hạn", "Late", "int"), Column("on_time_share", "Tỷ lệ đúng và trước hạn", "Early or on-time share", "pct"),
        Column("returned_by_post", "Trả qua bưu chính", "Returned by post", "int"), Column("rejected", "Từ chối tiếp nhận", "Rejected", "int"),
        Column("overdue_now", "Đang quá hạn (hiện tại)", "Overdue now", "int"),
    ]
    total = counts(received, returned, rejected, overdue)
    summary_rows = [{"metric": c.key, "metric_vi": c.label_vi, "metric_en": c.label_en, "value": total[c.key], "kind": c.kind}
                    for c in count_columns]
    tables = [Table("dossier_summary", "Hồ sơ thủ tục hành chính", "Dossiers",
                    [Column("metric_vi", "Chỉ tiêu", "Metric"), Column("metric_en", "Chỉ tiêu (EN)", "Metric (EN)"),
                     Column("value", "Giá trị", "Value", "num")], summary_rows)]
    classified = sum(total[k] for k in RESULT_CLASSES)
    tables.append(Table("dossier_timeliness", "Kết quả trả đúng hạn", "Returned on time",
                        [Column("label_vi", "Kết quả", "Result"), Column("label_en", "Kết quả (EN)", "Result (EN)"),
                         Column("count", "Số hồ sơ", "Dossiers", "int"), Column("share", "Tỷ lệ", "Share", "pct")],
                        [{"class": k, "label_vi": vi, "label_en": en, "count": total[k],
                          "share": (total[k] / classified) if classified else None} for k, (vi, en) in RESULT_CLASSES.items()]))

    def grouped(key_of, label_of, first_columns: list[Column], key: str, title_vi: str, title_en: str) -> Table:
        groups: dict[Any, dict[str, list]] = defaultdict(lambda: {"rec": [], "ret": [], "rej": [], "over": []})
        for c, d in received:
            groups[key_of(c, d)]["rec"].append((c, d))
        for c, d, post in returned:
            groups[key_of(c, d)]["ret"].append((c, d, post))
        for c, d in rejected:
            groups[key_of(c, d)]["rej"].append((c, d))
        for c, d in overdue:
            groups[key_of(c, d)]["over"].append((c, d))
        rows = [{**label_of(k), **counts(g["rec"], g["ret"], g["rej"], g["over"])} for k, g in groups.items()]
        rows.sort(key=lambda r: tuple(str(r.get(col.key, "")) for col in first_columns))
        return Table(key, title_vi, title_en, first_columns + count_columns, rows)

    label_at = {c.id: min(period.utc_bounds(c.timezone)[1] - timedelta(microseconds=1), now) for c in centers}
    multi = len(centers) > 1
    procedures = {p.id: p for p in session.scalars(select(Procedure).where(Procedure.center_id.in_([c.id for c in centers])))}

    def service_label(k: tuple[int, int | None]) -> dict[str, Any]:
        center_id, service_id = k
        name = labels.label("service", service_id, label_at[center_id]) if service_id else {}
        out = {"service_code": name.get("code", ""), "service_name": name.get("name", "—")}
        return {"center_code": next(c.code for c in centers if c.id == center_id), **out} if multi else out

    def procedure_label(k: tuple[int, int]) -> dict[str, Any]:
        center_id, procedure_id = k
        p = procedures.get(procedure_id)
        name = labels.label("procedure", procedure_id, label_at[center_id]) if p is not None else {}
        out = {"procedure_code": name.get("code", p.code if p else ""), "procedure_name": name.get("name", p.name if p else "")}
        return {"center_code": next(c.code for c in centers if c.id == center_id), **out} if multi else out

    centre_col = [Column("center_code", "Trung tâm", "Center")] if multi else []
    tables.append(grouped(lambda c, d: (c.id, d.service_id or getattr(procedures.get(d.procedure_id), "service_id", None)), service_label,
                          centre_col + [Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực", "Field")],
                          "dossiers_by_service", "Hồ sơ theo lĩnh vực", "Dossiers by field"))
    tables.append(grouped(lambda c, d: (c.id, d.procedure_id), procedure_label,
                          centre_col + [Column("procedure_code", "Mã thủ tục", "Code"), Column("procedure_name", "Thủ tục", "Procedure")],
                          "dossiers_by_procedure", "Hồ sơ theo thủ tục", "Dossiers by procedure"))
    return tables


# ------------------------------------------------------------------ live dashboard
def live_dashboard(session: Session, center_id: int, now: datetime, alerts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What a supervisor watches: waiting per service, longest wait, counters and who is at them,
    today's counts and open alerts."""
    center = resolve_centers(session, center_id)[0]
    now = utc(now)
    today = local_date(now, center.timezone)
    tickets = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.state, Ticket.issued_at, Ticket.display, Ticket.counter_id)
        .where(Ticket.center_id == center.id, Ticket.day == today)
    ).all()
    by_state: dict[str, int] = defaultdict(int)
    waiting: dict[int, list] = defaultdict(list)
    for row in tickets:
        by_state[row.state] += 1
        if row.state == TicketState.WAITING:
            waiting[row.service_id].append(row)
    services = []
    longest = None
    for service in session.scalars(select(Service).where(Service.center_id == center.id).order_by(Service.sort_order, Service.id)):
        rows = waiting.get(service.id, [])
        oldest = min(rows, key=lambda r: utc(r.issued_at)) if rows else None
        minutes = (now - utc(oldest.issued_at)).total_seconds() / 60 if oldest else None
        services.append({"id": service.id, "code": service.code, "name": service.name, "name_en": service.name_en,
                         "active": service.active, "waiting": len(rows), "longest_wait_minutes": minutes,
                         "longest_number": oldest.display if oldest else None})
        if oldest is not None and (longest is None or minutes > longest["minutes"]):
            longest = {"minutes": minutes, "number": oldest.display, "service": service.name, "service_code": service.code}
    begin, end = Period.of("day", today).utc_bounds(center.timezone)
    served_by_counter = dict(session.execute(
        select(TicketEvent.counter_id, func.count())
        .where(TicketEvent.center_id == center.id, TicketEvent.action == "finish", TicketEvent.at >= begin, TicketEvent.at < end)
        .group_by(TicketEvent.counter_id)
    ).all())
    current = {row.counter_id: row for row in tickets if row.state in (TicketState.CALLED, TicketState.SERVING) and row.counter_id}
    counters = []
    for counter in session.scalars(select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True)).order_by(Counter.number)):
        clerk = session.get(User, counter.clerk_id) if counter.clerk_id else None
        cur = current.get(counter.id)
        counters.append({"id": counter.id, "number": counter.number, "name": counter.name, "is_open": counter.is_open,
                         "clerk": {"id": clerk.id, "username": clerk.username, "full_name": clerk.full_name} if clerk else None,
                         "current": {"number": cur.display, "state": cur.state} if cur else None,
                         "served_today": served_by_counter.get(counter.id, 0), "service_ids": counter.service_ids})
    return {
        "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en},
        "day": today.isoformat(),
        "now": now.isoformat().replace("+00:00", "Z"),
        # Shown as is: the center's clock, not the supervisor's browser's (which may sit in another zone).
        "now_text": format_local(now, center.timezone),
        "timezone": center.timezone,
        "today": {"issued": len(tickets), "waiting": by_state[TicketState.WAITING],
                  "in_service": by_state[TicketState.CALLED] + by_state[TicketState.SERVING],
                  "served": by_state[TicketState.DONE], "no_show": by_state[TicketState.NO_SHOW],
                  "cancelled": by_state[TicketState.CANCELLED]},
        "longest_wait": longest,
        "services": services,
        "counters": counters,
        "counters_open": sum(1 for c in counters if c["is_open"]),
        "alerts": alerts or [],
        "signin": signin_summary(session, center.id, now, center.timezone),  # failed sign-ins (issue 12)
    }


# ------------------------------------------------------------------ exports
# A text cell starting with one of these is a live formula once Excel or LibreOffice opens the
# file (tab and CR can shift a cell so that the next character starts one): OWASP "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading formula character is escaped with ``'``.

    Names of centers, clerks, services, counters and procedures are typed by people; a clerk named
    ``=HYPERLINK(…)`` must not turn a manager's report into a link or a command."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


CSV_FLAVOURS = ("comma", "semicolon")


def format_cell(value: Any, kind: str, *, decimal: str = ".") -> Any:
    """A cell as written to CSV: minutes with 2 decimals, shares as percentages, dates as
    DD/MM/YYYY, text made inert. ``decimal=","`` writes the decimal comma of Vietnamese Excel."""
    if value is None:
        return ""
    if kind == "min" or (kind == "num" and isinstance(value, float)):
        text = f"{value:.2f}"
    elif kind == "pct":
        text = f"{value * 100:.1f}%"
    elif kind == "date" and isinstance(value, str):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    elif isinstance(value, str):
        return inert_text(value)
    else:
        return value
    return text.replace(".", decimal) if decimal != "." else text


def find_table(report: dict[str, Any], key: str) -> dict[str, Any]:
    for table in report["tables"]:
        if table["key"] == key:
            return table
    raise DomainError("unknown_table", "Không có bảng này trong báo cáo.", "No such table in this report.", status=404,
                      tables=[t["key"] for t in report["tables"]])


def _cell_kind(table: dict[str, Any], row: dict[str, Any], column: dict[str, Any]) -> str:
    return row.get("kind", "num") if column["kind"] == "num" else column["kind"]


def table_csv(table: dict[str, Any], flavour: str = "comma") -> str:
    """One table as CSV, UTF-8 with a BOM so spreadsheet programs read Vietnamese right.

    ``comma``: ``,`` between cells and ``.`` in decimals (LibreOffice, scripts, English Excel).
    ``semicolon``: what Excel on a Windows with Vietnamese regional settings opens into columns
    by double-click: its list separator is ``;`` because its decimal symbol is ``,``
    (Control Panel › Region › Additional settings), so cells are split on ``;`` and 12,50 is a number."""
    if flavour not in CSV_FLAVOURS:
        raise DomainError("invalid_format", "Định dạng CSV không hợp lệ.", "Unknown CSV flavour.", status=400,
                          allowed=list(CSV_FLAVOURS))
    semicolon = flavour == "semicolon"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",")
    writer.writerow([inert_text(f"{c['label_vi']} / {c['label_en']}" if c["label_vi"] != c["label_en"] else c["label_vi"])
                     for c in table["columns"]])
    for row in table["rows"]:
        writer.writerow([format_cell(row.get(c["key"]), _cell_kind(table, row, c), decimal="," if semicolon else ".")
                         for c in table["columns"]])
    return "\ufeff" + out.getvalue()


def report_xlsx(report: dict[str, Any], keys: Iterable[str] | None = None) -> bytes:
    """The report's tables as one workbook, one sheet per table (numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wanted = set(keys) if keys else None
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report["tables"]:
        if wanted is not None and table["key"] not in wanted:
            continue
        sheet = workbook.create_sheet(_sheet_title(table["title_vi"], workbook.sheetnames))
        names = ", ".join(c["name"] for c in report["centers"]) if report.get("scope") == "center" else "Tất cả trung tâm / All centers"
        sheet.append([_xlsx_value(f"{table['title_vi']} / {table['title_en']} — {report['period']['label_vi']} — {names}")])
        sheet["A1"].font = Font(bold=True, size=13)
        header = [_xlsx_value(c["label_vi"]) for c in table["columns"]]
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F3")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table["rows"]:
            sheet.append([_xlsx_value(row.get(column["key"]), column["kind"]) for column in table["columns"]])
            line = sheet.max_row
            for i, column in enumerate(table["columns"], start=1):
                kind = _cell_kind(table, row, column)
                if kind == "min" or (kind == "num" and isinstance(row.get(column["key"]), float)):
                    sheet.cell(line, i).number_format = "0.0"
                elif kind == "pct":
                    sheet.cell(line, i).number_format = "0.0%"
                elif kind == "date":
                    sheet.cell(line, i).number_format = "dd/mm/yyyy"
        for i, column in enumerate(table["columns"], start=1):
            width = max([len(str(column["label_vi"]))] + [len(str(r.get(column["key"]) or "")) for r in table["rows"]])
            sheet.column_dimensions[get_column_letter(i)].width = min(45, max(10, width + 2))
        sheet.freeze_panes = "A3"
    if not workbook.sheetnames:
        workbook.create_sheet("Trống")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any, kind: str = "text") -> Any:
    """A date column as a real date; text without the control characters a worksheet cannot hold (a name typed with one
    must not break the export), and never a formula (openpyxl writes "=…" as one); numbers as they are."""
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        # Stripped first: "\x07=cmd" would otherwise become a formula once its bell is gone.
        return inert_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _sheet_title(title: str, existing: list[str]) -> str:
    base = "".join(ch for ch in title if ch not in '[]:*?/\\')[:28] or "Bang"
    name, n = base, 2
    while name in existing:
        name, n = f"{base[:25]} {n}", n + 1
    return name


__all__ = ["Period", "ticket_report", "live_dashboard", "percentile", "describe", "table_csv", "report_xlsx", "find_table",
           "collect_facts", "Table", "Column"]
