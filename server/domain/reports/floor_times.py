"""The supervisor's figures of a period (issue 14): the share of waits within the services' targets,
and the times of each clerk and counter.

Share within target: of the tickets first called in the period whose service has a wait target
(``Service.wait_target_minutes``), the share whose wait (issued → first call) was at most the target,
per service, per counter (the one that called it) and per day. A service without a target counts nowhere.
Per service also how many ``wait_target`` alerts it raised in the period; and a table of the notices to
everyone waiting posted in the period (when, what, how long they were shown, by whom).

Times, from the ticket log (``ticket_events``) and the counter log (``counter_events``):
- *wait*: issued → first call; per counter and clerk of that call;
- *walk*: call → start (the citizen walking to the counter); per counter and clerk of the start;
- *service*: start → finish (the call when never started); per counter and clerk of the finish;
- *idle*: the counter open, not paused, with no ticket called or served at it; each unbroken stretch
  is one interval;
- *paused*: from ``pause`` to ``resume`` (or ``close``); each pause is one interval.
Idle and paused time belong to the clerk who opened the counter (the ``open`` row's user, or actor).
Intervals are clipped to the period (and to now, for today).

Statistics: mean, median and 90th percentile of the intervals in minutes, plus the total for idle and
paused. The percentiles here use the *nearest-rank* method (:func:`nearest_rank`): the p-th percentile
of N sorted values is the value at rank ⌈p/100 × N⌉ (1-based), always one of the observed values; the
median is thus the lower middle value when N is even. (The older report tables interpolate; see
:func:`server.domain.reports.tables.percentile`.)
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import format_local, local_date, utc
from server.domain.audit import LabelResolver
from server.domain.ratings import clerk_from_actor
from server.domain.reports.periods import Period
from server.domain.reports.tables import Column, Table
from server.domain.service_levels import WAIT_TARGET, within_target
from server.models import Alert, Center, CounterEvent, FloorMessage, Service, TicketEvent

# A ticket's handling at a counter ends with any of its events but these (call, recall, start keep it there).
_STAYS_AT_COUNTER = frozenset({"call", "recall", "start"})
KINDS = ("wait", "walk", "service", "idle", "paused")
KIND_LABELS = {"wait": ("Chờ", "Wait"), "walk": ("Đến quầy", "Walk to counter"), "service": ("Phục vụ", "Service"),
               "idle": ("Quầy rảnh", "Idle"), "paused": ("Tạm dừng", "Paused")}


def nearest_rank(values: list[float], p: float) -> float | None:
    """The p-th percentile (0 < p ≤ 100) by nearest rank: the value at rank ⌈p/100 × N⌉ of the sorted values."""
    if not values:
        return None
    data = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(data)))
    return float(data[rank - 1])


def summarize(seconds: list[float]) -> dict[str, float | int | None]:
    """Count, total, mean, median and 90th percentile (nearest rank) of durations, in minutes."""
    minutes = [s / 60.0 for s in seconds]
    if not minutes:
        return {"count": 0, "total": 0.0, "mean": None, "median": None, "p90": None}
    return {"count": len(minutes), "total": sum(minutes), "mean": sum(minutes) / len(minutes),
            "median": nearest_rank(minutes, 50), "p90": nearest_rank(minutes, 90)}


def _clerk_key(actor: str | None, user_id: int | None = None) -> str | None:
    """"user:<id>" for people, "other:<name>" for another actor, None for the system and the kiosk."""
    if user_id is not None:
        return f"user:{user_id}"
    if not actor or actor in ("system", "kiosk") or actor.startswith("system:"):
        return None
    found_id, name = clerk_from_actor(actor)
    return f"user:{found_id}" if found_id is not None else f"other:{name}"


@dataclass
class Times:
    """Durations (seconds) of each kind, per counter id and per clerk key; and the waits that had a target."""

    by_counter: dict[int, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    by_clerk: dict[str, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    # (service id, counter id, local day, within target) of each first call of a service with a target
    targeted: list[tuple[int, int | None, Any, bool]] = field(default_factory=list)

    def add(self, kind: str, seconds: float, counter_id: int | None, clerk: str | None) -> None:
        if counter_id is not None:
            self.by_counter[counter_id][kind].append(seconds)
        if clerk is not None:
            self.by_clerk[clerk][kind].append(seconds)


def collect_times(session: Session, center: Center, begin: datetime, end: datetime, until: datetime | None = None) -> Times:
    """Every wait, walk, service, idle and paused interval of the center in [begin, end); idle and paused
    stretches still running end at ``until`` (now, for today) when it is earlier than ``end``."""
    times = Times()
    targets = {s.id: s.wait_target_minutes for s in session.scalars(select(Service).where(Service.center_id == center.id))}
    busy: dict[int, list[tuple[datetime, int]]] = defaultdict(list)  # counter → (instant, +1 call / -1 end)
    touched = (select(TicketEvent.ticket_id).where(TicketEvent.center_id == center.id, TicketEvent.at >= begin,
                                                   TicketEvent.at < end).distinct().scalar_subquery())
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.at, TicketEvent.service_id, TicketEvent.counter_id,
               TicketEvent.actor)
        .where(TicketEvent.ticket_id.in_(touched)).order_by(TicketEvent.ticket_id, TicketEvent.id)
    ).all()
    current = None
    issued_at = call_at = start_at = None
    at_counter: int | None = None
    called_once = False
    for ticket_id, action, at, service_id, counter_id, actor in rows:
        at = utc(at)
        if ticket_id != current:
            current, issued_at, call_at, start_at, at_counter, called_once = ticket_id, None, None, None, None, False
        if at_counter is not None and action not in _STAYS_AT_COUNTER:
            busy[at_counter].append((at, -1))
            at_counter = None
        inside = begin <= at < end
        if action == "issue":
            issued_at = at
        elif action == "call":
            if counter_id is not None:
                if at_counter is not None:
                    busy[at_counter].append((at, -1))
                busy[counter_id].append((at, +1))
                at_counter = counter_id
            if not called_once and issued_at is not None and inside:
                waited = (at - issued_at).total_seconds()
                times.add("wait", waited, counter_id, _clerk_key(actor))
                if targets.get(service_id) is not None:
                    times.targeted.append((service_id, counter_id, local_date(at, center.timezone),
                                           within_target(waited, targets[service_id])))
            called_once, call_at, start_at = True, at, None
        elif action == "start":
            if call_at is not None and inside:
                times.add("walk", (at - call_at).total_seconds(), counter_id, _clerk_key(actor))
            start_at = at
        elif action == "finish":
            began = start_at or call_at
            if began is not None and inside:
                times.add("service", (at - began).total_seconds(), counter_id, _clerk_key(actor))
            call_at = start_at = None
        elif action != "recall":
            call_at = start_at = None
    _counter_intervals(session, center, begin, min(end, until) if until is not None else end, busy, times)
    return times


def _counter_intervals(session: Session, center: Center, begin: datetime, end: datetime,
                       busy: dict[int, list[tuple[datetime, int]]], times: Times) -> None:
    """Idle and paused stretches of each counter in [begin, end), from its log and its calls."""
    log: dict[int, list[CounterEvent]] = defaultdict(list)
    for event in session.scalars(select(CounterEvent).where(CounterEvent.center_id == center.id, CounterEvent.at < end)
                                 .order_by(CounterEvent.counter_id, CounterEvent.at, CounterEvent.id)):
        log[event.counter_id].append(event)
    for counter_id, events in log.items():
        # (instant, order, kind, value): the counter log before the calls at the same instant.
        steps: list[tuple[datetime, int, str, Any]] = [(utc(e.at), 0, e.action, e) for e in events]
        steps += [(at, 1, "busy", delta) for at, delta in busy.get(counter_id, [])]
        steps.sort(key=lambda step: (step[0], step[1]))
        _sweep(counter_id, steps, begin, end, times)


def _sweep(counter_id: int, steps: list[tuple[datetime, int, str, Any]], begin: datetime, end: datetime, times: Times) -> None:
    """Walk one counter's steps in time order, adding its idle and paused stretches."""
    is_open = paused = False
    working = 0
    clerk: str | None = None
    idle_since: datetime | None = None
    paused_since: datetime | None = None
    for at, _order, kind, value in steps:
        if kind == "busy":
            working = max(0, working + value)
        elif kind == "open":
            is_open = True
            clerk = _clerk_key(value.actor, value.user_id)
        elif kind == "close":
            is_open = paused = False
        elif kind == "pause" and is_open:
            paused = True
        elif kind == "resume":
            paused = False
        if paused and paused_since is None:
            paused_since = at
        elif not paused and paused_since is not None:
            _add_clipped(times, "paused", paused_since, at, begin, end, counter_id, clerk)
            paused_since = None
        idle_now = is_open and not paused and working == 0
        if idle_now and idle_since is None:
            idle_since = at
        elif not idle_now and idle_since is not None:
            _add_clipped(times, "idle", idle_since, at, begin, end, counter_id, clerk)
            idle_since = None
    if idle_since is not None:
        _add_clipped(times, "idle", idle_since, end, begin, end, counter_id, clerk)
    if paused_since is not None:
        _add_clipped(times, "paused", paused_since, end, begin, end, counter_id, clerk)


def _add_clipped(times: Times, kind: str, start: datetime, stop: datetime, begin: datetime, end: datetime,
                 counter_id: int, clerk: str | None) -> None:
    start, stop = max(start, begin), min(stop, end)
    if stop > start:
        times.add(kind, (stop - start).total_seconds(), counter_id, clerk)


# ------------------------------------------------------------------ tables
def _time_columns() -> list[Column]:
    columns = []
    for kind in KINDS:
        vi, en = KIND_LABELS[kind]
        if kind in ("idle", "paused"):
            columns.append(Column(f"{kind}_total", f"{vi}: tổng (phút)", f"{en}: total (min)", "min"))
        columns += [Column(f"{kind}_mean", f"{vi} TB (phút)", f"{en} mean (min)", "min"),
                    Column(f"{kind}_median", f"{vi} trung vị (phút)", f"{en} median (min)", "min"),
                    Column(f"{kind}_p90", f"{vi} P90 (phút)", f"{en} 90th pct (min)", "min")]
    return columns


def _time_cells(durations: dict[str, list[float]]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for kind in KINDS:
        stats = summarize(durations.get(kind, []))
        if kind in ("idle", "paused"):
            cells[f"{kind}_total"] = stats["total"]
        cells.update({f"{kind}_mean": stats["mean"], f"{kind}_median": stats["median"], f"{kind}_p90": stats["p90"]})
    return cells


def _share_cells(flags: list[bool]) -> dict[str, Any]:
    share = (sum(flags) / len(flags)) if flags else None
    return {"called": len(flags), "within_target": sum(flags), "share_within_target": share}


SHARE_COLUMNS = [Column("called", "Số được gọi (có chỉ tiêu)", "Called (with a target)", "int"),
                 Column("within_target", "Trong chỉ tiêu", "Within target", "int"),
                 Column("share_within_target", "Tỷ lệ trong chỉ tiêu", "Share within target", "pct")]


def floor_tables(session: Session, centers: list[Center], period: Period, now: datetime) -> list[Table]:
    """The period's share-within-target tables (service, counter, day) and times tables (clerk, counter)."""
    labels = LabelResolver(session)
    multi = len(centers) > 1
    gathered = []
    for center in centers:
        begin, end = period.utc_bounds(center.timezone)
        # Today's idle time ends now, not at midnight.
        until = max(begin, utc(now) + timedelta(microseconds=1))
        label_at = min(end - timedelta(microseconds=1), utc(now))
        gathered.append((center, collect_times(session, center, begin, end, until), label_at))
    return [*_share_tables(session, gathered, period, labels, multi), *_times_tables(gathered, labels, multi),
            _notices_table(session, centers, period, now, multi)]


def _share_tables(session: Session, gathered: list, period: Period, labels: LabelResolver, multi: bool) -> list[Table]:
    lead = [Column("center_code", "Trung tâm", "Center")] if multi else []
    by_service, by_counter, by_day = [], [], []
    days: dict[Any, list[bool]] = defaultdict(list)
    for center, times, label_at in gathered:
        services: dict[int, list[bool]] = defaultdict(list)
        counters: dict[int, list[bool]] = defaultdict(list)
        for service_id, counter_id, day, ok in times.targeted:
            services[service_id].append(ok)
            days[day].append(ok)
            if counter_id is not None:
                counters[counter_id].append(ok)
        alerts = _target_alerts(session, center, *period.utc_bounds(center.timezone))
        for service in sorted(center.services, key=lambda s: (s.sort_order, s.id)):
            if service.wait_target_minutes is None and service.id not in services:
                continue
            name = labels.label("service", service.id, label_at)
            by_service.append({**({"center_code": center.code} if multi else {}), "service_code": name.get("code", service.code),
                               "service_name": name.get("name", service.name), "target_minutes": service.wait_target_minutes,
                               **_share_cells(services.get(service.id, [])), "alerts": alerts.get(service.id, 0)})
        for counter_id, flags in sorted(counters.items()):
            name = labels.label("counter", counter_id, label_at)
            by_counter.append({**({"center_code": center.code} if multi else {}), "counter_number": name.get("number"),
                               "counter_name": name.get("name", ""), **_share_cells(flags)})
    for day in period.days:
        by_day.append({"date": day.isoformat(), **_share_cells(days.get(day, []))})
    return [
        Table("target_by_service", "Chỉ tiêu thời gian chờ theo lĩnh vực", "Wait target by service",
              lead + [Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực", "Service"),
                      Column("target_minutes", "Chỉ tiêu (phút)", "Target (min)", "int"), *SHARE_COLUMNS,
                      Column("alerts", "Lần cảnh báo vượt chỉ tiêu", "Wait-target alerts", "int")], by_service),
        Table("target_by_counter", "Chỉ tiêu thời gian chờ theo quầy", "Wait target by counter",
              lead + [Column("counter_number", "Quầy", "Counter", "int"), Column("counter_name", "Tên quầy", "Counter name"),
                      *SHARE_COLUMNS], by_counter),
        Table("target_by_day", "Chỉ tiêu thời gian chờ theo ngày", "Wait target by day",
              [Column("date", "Ngày", "Date", "date"), *SHARE_COLUMNS], by_day),
    ]


def _target_alerts(session: Session, center: Center, begin: datetime, end: datetime) -> dict[int, int]:
    """How many wait-target alerts each service of the center raised in [begin, end)."""
    counts: dict[int, int] = defaultdict(int)
    for source in session.scalars(select(Alert.source).where(Alert.center_id == center.id, Alert.kind == WAIT_TARGET,
                                                             Alert.created_at >= begin, Alert.created_at < end)):
        kind, _sep, service_id = source.partition(":")
        if kind == "service" and service_id.isdigit():
            counts[int(service_id)] += 1
    return counts


def _notices_table(session: Session, centers: list[Center], period: Period, now: datetime, multi: bool) -> Table:
    """Every notice to everyone waiting posted in the period: when, what, for how long, by whom."""
    rows = []
    for center in centers:
        begin, end = period.utc_bounds(center.timezone)
        for message in session.scalars(select(FloorMessage).where(FloorMessage.center_id == center.id,
                                                                  FloorMessage.created_at >= begin, FloorMessage.created_at < end)
                                       .order_by(FloorMessage.created_at, FloorMessage.id)):
            posted = utc(message.created_at)
            ends = [utc(t) for t in (message.cleared_at, message.expires_at) if t is not None]
            ended = min(ends) if ends else None
            shown_until = min(ended, utc(now)) if ended is not None else utc(now)
            rows.append({**({"center_code": center.code} if multi else {}), "posted_at": format_local(posted, center.timezone),
                         "text_vi": message.text_vi, "text_en": message.text_en,
                         "ended_at": format_local(ended, center.timezone) if ended and ended <= utc(now) else "",
                         "minutes_shown": max(0.0, (shown_until - posted).total_seconds() / 60),
                         "posted_by": clerk_from_actor(message.actor)[1]})
    lead = [Column("center_code", "Trung tâm", "Center")] if multi else []
    return Table("floor_notices", "Thông báo cho công dân đang chờ", "Notices to everyone waiting",
                 lead + [Column("posted_at", "Lúc đăng", "Posted"), Column("text_vi", "Nội dung", "Text"),
                         Column("text_en", "Nội dung (EN)", "Text (EN)"), Column("ended_at", "Kết thúc", "Ended"),
                         Column("minutes_shown", "Thời gian hiển thị (phút)", "Shown (min)", "min"),
                         Column("posted_by", "Người đăng", "Posted by")], rows)


def _times_tables(gathered: list, labels: LabelResolver, multi: bool) -> list[Table]:
    counter_rows, clerk_groups = [], defaultdict(lambda: defaultdict(list))
    for center, times, label_at in gathered:
        keyed = []
        for counter_id, durations in times.by_counter.items():
            name = labels.label("counter", counter_id, label_at)
            keyed.append((name.get("number") or 0, counter_id, name, durations))
        for number, _cid, name, durations in sorted(keyed, key=lambda k: (k[0], k[1])):
            counter_rows.append({**({"center_code": center.code} if multi else {}), "counter_number": number,
                                 "counter_name": name.get("name", ""), **_time_cells(durations)})
        for clerk, durations in times.by_clerk.items():
            for kind, values in durations.items():
                clerk_groups[clerk][kind].extend(values)
    label_at = max((at for _c, _t, at in gathered), default=None)
    clerk_rows = [{"clerk": key, **_clerk_names(labels, key, label_at), **_time_cells(durations)}
                  for key, durations in clerk_groups.items()]
    clerk_rows.sort(key=lambda r: (r["username"], r["clerk"]))
    lead = [Column("center_code", "Trung tâm", "Center")] if multi else []
    return [
        Table("times_by_clerk", "Thời gian theo cán bộ", "Times by clerk",
              [Column("username", "Tài khoản", "Username"), Column("full_name", "Họ tên", "Full name"), *_time_columns()],
              clerk_rows),
        Table("times_by_counter", "Thời gian theo quầy", "Times by counter",
              lead + [Column("counter_number", "Quầy", "Counter", "int"), Column("counter_name", "Tên quầy", "Counter name"),
                      *_time_columns()], counter_rows),
    ]


def _clerk_names(labels: LabelResolver, key: str, label_at: datetime | None) -> dict[str, str]:
    """The clerk's username and full name as they were in the period (a later rename changes no past report)."""
    if key.startswith("user:") and label_at is not None:
        label = labels.label("user", int(key.split(":", 1)[1]), label_at)
        if label.get("username"):
            return {"username": label["username"], "full_name": label.get("full_name", "")}
    return {"username": key.split(":", 1)[-1], "full_name": ""}


__all__ = ["KINDS", "Times", "collect_times", "floor_tables", "nearest_rank", "summarize"]
