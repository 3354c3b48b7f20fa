"""Dossier figures of a period: received by channel, returned early / on time / late, by post,
rejected, and open dossiers past their appointment now."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import local_date, utc
from server.domain.audit import LabelResolver
from server.domain.reports.periods import Period
from server.domain.reports.tables import (
    Column,
    Table,
)
from server.models import Center
from server.models import dossiers as dossier_models


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


def _returned_by_post(dossier: Any, return_data: dict[str, Any] | None) -> bool:
    """Was the result sent by post? The return channel chosen at intake says so (migration 0008
    gave dossiers received by post a post return). ``return_data`` is no longer read."""
    return dossier.return_channel == "post"


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
    open_states = tuple(getattr(getattr(models, "DossierState", None), "OPEN",
                                ("received", "processing", "supplement_requested")))
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
            select(Dossier).where(Dossier.center_id == center.id, Dossier.state.in_(open_states),
                                  Dossier.appointment_at.is_not(None), Dossier.appointment_at < now))]

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
        Column("online_share", "Tỷ lệ trực tuyến", "Online share", "pct"),
        Column("returned", "Đã trả kết quả", "Returned", "int"),
        Column("early", "Trước hạn", "Early", "int"), Column("on_time", "Đúng hạn", "On time", "int"),
        Column("late", "Quá hạn", "Late", "int"),
        Column("on_time_share", "Tỷ lệ đúng và trước hạn", "Early or on-time share", "pct"),
        Column("returned_by_post", "Trả qua bưu chính", "Returned by post", "int"),
        Column("rejected", "Từ chối tiếp nhận", "Rejected", "int"),
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
    def field_of(c: Center, d: Any) -> tuple[int, int | None]:
        return c.id, d.service_id or getattr(procedures.get(d.procedure_id), "service_id", None)

    tables.append(grouped(field_of, service_label,
                          centre_col + [Column("service_code", "Mã", "Code"), Column("service_name", "Lĩnh vực", "Field")],
                          "dossiers_by_service", "Hồ sơ theo lĩnh vực", "Dossiers by field"))
    tables.append(grouped(lambda c, d: (c.id, d.procedure_id), procedure_label,
                          centre_col + [Column("procedure_code", "Mã thủ tục", "Code"),
                                        Column("procedure_name", "Thủ tục", "Procedure")],
                          "dossiers_by_procedure", "Hồ sơ theo thủ tục", "Dossiers by procedure"))
    return tables
