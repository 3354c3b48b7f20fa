"""The queue's period report, from the append-only ticket log: issued, served, no-shows, waits and
service times by center, service, hour, day, counter and clerk, and the ratings."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import local_date, local_time, utc
from server.domain.audit import LabelResolver
from server.domain.center_rules import WEEKDAY_VI
from server.domain.ratings import LEVELS, REASONS, clerk_from_actor
from server.domain.reports.bookings import booking_tables
from server.domain.reports.dossiers import dossier_tables
from server.domain.reports.floor_times import floor_tables
from server.domain.reports.periods import Period
from server.domain.reports.tables import (
    RATING_COLUMNS,
    Column,
    Table,
    describe,
    rating_cells,
    resolve_centers,
    stat_cells,
    stat_columns,
)
from server.models import Center, TicketEvent
from server.models.admin import Rating


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
    # Tickets parked (đang chờ bổ sung) and still parked at the period's end: never recalled, never lost.
    parked: list[dict[str, Any]] = field(default_factory=list)
    chosen_calls: list[dict[str, Any]] = field(default_factory=list)  # called out of order, with a reason in the log
    parks: list[dict[str, Any]] = field(default_factory=list)  # every "chờ bổ sung", recalled or not
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
    parked = None  # the ticket's park, while nothing after it (before the period's end) has moved it
    for ticket_id, action, at, service_id, counter_id, actor in rows:
        at = utc(at)
        if ticket_id != current:
            if parked is not None:
                facts.parked.append(parked)
            current, queue_since, call_at, start_at, parked = ticket_id, None, None, None, None
        base = {"center_id": center.id, "ticket_id": ticket_id, "service_id": service_id, "counter_id": counter_id, "at": at}
        if at < end:
            parked = base if action == "park" else None
        if action == "park" and inside(at):
            facts.parks.append(base)
        if action == "issue":
            queue_since = at
            if inside(at):
                facts.issued.append(base)
        elif action == "recall_parked":  # back from fetching a paper: served again from this call
            call_at, start_at = at, None
        elif action in ("call", "call_chosen"):
            if action == "call_chosen" and inside(at):
                facts.chosen_calls.append(base)
            if queue_since is not None and inside(at):
                facts.waits.append({**base, "since": queue_since, "seconds": (at - queue_since).total_seconds(),
                                    "clerk": _clerk_key(actor), "actor": actor})
            queue_since, call_at, start_at = None, at, None
        elif action == "start":
            start_at = at
        elif action == "finish":
            begin_at = start_at or call_at
            if begin_at is not None and inside(at):
                facts.services.append({**base, "seconds": (at - begin_at).total_seconds(), "clerk": _clerk_key(actor),
                                       "actor": actor})
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
    if parked is not None:
        facts.parked.append(parked)
    when = func.coalesce(Rating.ticket_finished_at, Rating.created_at)
    for rating in session.scalars(select(Rating).where(Rating.center_id == center.id, when >= begin, when < end)):
        facts.ratings.append({"center_id": center.id, "service_id": rating.service_id, "counter_id": rating.counter_id,
                              "clerk": _clerk_key(rating.clerk_actor) or (f"user:{rating.clerk_id}" if rating.clerk_id else None),
                              "actor": rating.clerk_actor, "level": rating.level, "reason": rating.reason})
    return facts



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
    tables.extend(floor_tables(session, centers, period, now))  # wait targets, clerk and counter times (issue 14)
    tables.extend(dossier_tables(session, centers, period, now))
    tables.extend(booking_tables(session, centers, period, now))  # where the center takes bookings (issue 16)
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
        ("chosen_calls", "Gọi ngoài lượt (có lý do)", "Called out of order (with a reason)",
         len(_all(per_center, "chosen_calls")), "int"),
        ("parks", "Lượt cho chờ bổ sung", "Tickets parked", len(_all(per_center, "parks")), "int"),
        ("parked_open", "Chờ bổ sung chưa gọi lại", "Parked and not recalled", len(_all(per_center, "parked")), "int"),
        ("wait_mean", "Thời gian chờ trung bình", "Mean wait", wait["mean"], "min"),
        ("wait_median", "Thời gian chờ trung vị", "Median wait", wait["median"], "min"),
        ("wait_p90", "Thời gian chờ P90", "90th percentile wait", wait["p90"], "min"),
        ("service_mean", "Thời gian phục vụ trung bình", "Mean service time", service["mean"], "min"),
        ("service_median", "Thời gian phục vụ trung vị", "Median service time", service["median"], "min"),
        ("service_p90", "Thời gian phục vụ P90", "90th percentile service time", service["p90"], "min"),
        ("ratings", "Lượt đánh giá", "Ratings", len(ratings), "int"),
    ]
    for level, (vi, en) in LEVELS.items():
        share = (ratings.count(level) / len(ratings)) if ratings else None
        rows.append((f"{level}_share", f"Tỷ lệ {vi.lower()}", f"{en} share", share, "pct"))
    rows = [(k, f"{vi} (phút)" if kind == "min" else vi, f"{en} (min)" if kind == "min" else en, v, kind)
            for k, vi, en, v, kind in rows]
    return Table("summary", "Tổng hợp", "Summary",
                 [Column("metric_vi", "Chỉ tiêu", "Metric"), Column("metric_en", "Chỉ tiêu (EN)", "Metric (EN)"),
                  Column("value", "Giá trị", "Value", "num")],
                 [{"metric": key, "metric_vi": vi, "metric_en": en, "value": value, "kind": kind}
                  for key, vi, en, value, kind in rows])


def _by_center_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver) -> Table:
    rows = []
    for center, facts, label_at in per_center:
        name = labels.label("center", center.id, label_at)
        rows.append({
            "center_code": name.get("code", center.code), "center_name": name.get("name", center.name),
            "issued": len(facts.issued), "served": len(facts.services), "no_show": len(facts.no_shows),
            **stat_cells("wait", [f["seconds"] for f in facts.waits]),
            **stat_cells("service", [f["seconds"] for f in facts.services]),
            **rating_cells([r["level"] for r in facts.ratings]),
        })
    columns = [Column("center_code", "Mã", "Code"), Column("center_name", "Trung tâm", "Center"),
               Column("issued", "Đã phát", "Issued", "int"), Column("served", "Đã phục vụ", "Served", "int"),
               Column("no_show", "Vắng mặt", "No-show", "int"),
               *stat_columns("wait", "Chờ", "Wait"), *stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS]
    return Table("by_center", "Theo trung tâm", "By center", columns, rows)


def _by_service_table(per_center: list[tuple[Center, Facts, datetime]], labels: LabelResolver, multi: bool) -> Table:
    rows = []
    for center, facts, label_at in per_center:
        groups: dict[int | None, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for name in ("issued", "waits", "services", "no_shows", "cancels", "parked", "ratings"):
            for fact in getattr(facts, name):
                groups[fact["service_id"]][name].append(fact)
        order = {s.id: (s.sort_order, s.id) for s in center.services}
        for service_id in sorted(groups, key=lambda sid: order.get(sid, (10**6, sid or 0))):
            g = groups[service_id]
            name = labels.label("service", service_id, label_at)
            row = {
                "service_id": service_id, "service_code": name.get("code", ""), "service_name": name.get("name", ""),
                "issued": len(g["issued"]), "served": len(g["services"]), "no_show": len(g["no_shows"]),
                "cancelled": len(g["cancels"]), "parked_open": len(g["parked"]),
                **stat_cells("wait", [f["seconds"] for f in g["waits"]]),
                **stat_cells("service", [f["seconds"] for f in g["services"]]),
                **rating_cells([r["level"] for r in g["ratings"]]),
            }
            if multi:
                row = {"center_code": center.code, **row}
            rows.append(row)
    columns = ([Column("center_code", "Trung tâm", "Center")] if multi else []) + [
        Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực / dịch vụ", "Service"),
        Column("issued", "Đã phát", "Issued", "int"), Column("served", "Đã phục vụ", "Served", "int"),
        Column("no_show", "Vắng mặt", "No-show", "int"), Column("cancelled", "Huỷ", "Cancelled", "int"),
        Column("parked_open", "Chờ bổ sung chưa gọi lại", "Parked and not recalled", "int"),
        *stat_columns("wait", "Chờ", "Wait"), *stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS,
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
    columns = [Column("date", "Ngày", "Date", "date"), Column("weekday", "Thứ", "Weekday"),
               Column("issued", "Đã phát", "Issued", "int"),
               Column("served", "Đã phục vụ", "Served", "int"), Column("no_show", "Vắng mặt", "No-show", "int"),
               Column("wait_mean", "Chờ TB (phút)", "Mean wait (min)", "min"),
               Column("wait_p90", "Chờ P90 (phút)", "90th pct wait (min)", "min"),
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
                   **stat_cells("service", [f["seconds"] for f in g["services"]]),
                   "wait_mean": describe([f["seconds"] for f in g["waits"]])["mean"],
                   "clerks": ", ".join(clerks), **rating_cells([r["level"] for r in g["ratings"]])}
            if multi:
                row = {"center_code": center.code, **row}
            rows.append(row)
    columns = ([Column("center_code", "Trung tâm", "Center")] if multi else []) + [
        Column("counter_number", "Quầy", "Counter", "int"), Column("counter_name", "Tên quầy", "Counter name"),
        Column("called", "Lượt gọi", "Calls", "int"), Column("served", "Đã phục vụ", "Served", "int"),
        Column("no_show", "Vắng mặt", "No-show", "int"), *stat_columns("service", "Phục vụ", "Service"),
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
                     **stat_cells("service", [f["seconds"] for f in g["services"]]),
                     **rating_cells([r["level"] for r in g["ratings"]])})
    rows.sort(key=lambda r: (-r["served"], r["username"]))
    columns = [Column("username", "Tài khoản", "Username"), Column("full_name", "Họ tên", "Full name"),
               Column("counters", "Quầy", "Counters"), Column("served", "Đã phục vụ", "Served", "int"),
               Column("no_show", "Vắng mặt", "No-show", "int"), *stat_columns("service", "Phục vụ", "Service"), *RATING_COLUMNS]
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
