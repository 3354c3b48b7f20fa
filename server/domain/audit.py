"""Audit log of administrative changes, and the label history that keeps old reports stable.

Every change made through the administration (pages, API, import) writes one
:class:`AuditEntry` in the same transaction as the change itself: either both are
saved or neither. Only the fields that changed are kept in ``before``/``after``.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import utc
from server.models import Center, Counter, Service, User
from server.models.admin import AuditEntry, LabelHistory
from server.models.dossiers import Procedure

# The fields that name an entity in reports (and so are kept in label_history).
LABEL_FIELDS: dict[str, tuple[str, ...]] = {
    "service": ("code", "name", "name_en"),
    "counter": ("number", "name"),
    "user": ("username", "full_name"),
    "center": ("code", "name", "name_en"),
    "procedure": ("code", "name"),
}
LABEL_MODELS: dict[str, type] = {"service": Service, "counter": Counter, "user": User, "center": Center, "procedure": Procedure}


def _label_model(kind: str) -> type | None:
    """The model naming ``kind``."""
    return LABEL_MODELS.get(kind)
# "Since always": the first known label of an entity applies to everything before its first change.
BEGINNING = datetime(1970, 1, 1)


def jsonable(value: Any) -> Any:
    """A value as it can be kept in a JSON column (dates as ISO text)."""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The listed attributes of ``obj`` as a JSON-friendly dict."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keep only the keys whose values differ (all keys for a creation or a deletion)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any = "",
    center_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    user_id: int | None = None,
    now: datetime,
) -> AuditEntry:
    """Write one audit row (in the caller's transaction)."""
    before, after = diff(jsonable(before), jsonable(after))
    entry = AuditEntry(
        at=now,
        actor=actor[:120],
        user_id=user_id,
        center_id=center_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id if entity_id is not None else "")[:60],
        summary=summary[:2000],
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": utc(entry.at).isoformat().replace("+00:00", "Z"),
        "actor": entry.actor,
        "user_id": entry.user_id,
        "center_id": entry.center_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }


def list_audit(
    session: Session, *, center_id: int | None = None, entity: str | None = None, limit: int = 200, offset: int = 0,
    all_centers: bool = False,
) -> list[dict[str, Any]]:
    """Newest first. ``all_centers`` includes province-wide entries (center None) and every center."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if not all_centers:
        stmt = stmt.where(AuditEntry.center_id == center_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return [audit_view(e) for e in session.scalars(stmt)]


# ----------------------------------------------------------------- label history
def remember_label(session: Session, kind: str, obj: Any, before: dict[str, Any], now: datetime) -> None:
    """Call after changing ``obj``: if its naming fields changed, keep the old and new label.

    The first time an entity is renamed, its old label is stored as valid "since always",
    so reports of periods before the rename keep the old name."""
    fields = LABEL_FIELDS[kind]
    old = {f: before.get(f) for f in fields}
    new = {f: jsonable(getattr(obj, f)) for f in fields}
    if old == new:
        return
    known = session.scalar(
        select(func.count()).select_from(LabelHistory).where(LabelHistory.kind == kind, LabelHistory.entity_id == obj.id)
    )
    if not known:
        session.add(LabelHistory(kind=kind, entity_id=obj.id, valid_from=BEGINNING, label=old))
    session.add(LabelHistory(kind=kind, entity_id=obj.id, valid_from=now, label=new))
    session.flush()


class LabelResolver:
    """Names of services, counters, users and centers as they were at a moment.

    Without any recorded rename, the current name is the name of all time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._history: dict[tuple[str, int], list[tuple[datetime, dict[str, Any]]]] | None = None
        self._current: dict[tuple[str, int], dict[str, Any]] = {}

    def _load(self) -> dict[tuple[str, int], list[tuple[datetime, dict[str, Any]]]]:
        if self._history is None:
            self._history = {}
            rows = self.session.scalars(select(LabelHistory).order_by(LabelHistory.valid_from, LabelHistory.id))
            for row in rows:
                self._history.setdefault((row.kind, row.entity_id), []).append((utc(row.valid_from), row.label))
        return self._history

    def label(self, kind: str, entity_id: int | None, at: datetime) -> dict[str, Any]:
        """The naming fields of the entity at ``at`` (empty dict for an unknown entity)."""
        if entity_id is None:
            return {}
        at = utc(at)
        history = self._load().get((kind, entity_id))
        if history:
            chosen = None
            for valid_from, label in history:
                if valid_from <= at:
                    chosen = label
                else:
                    break
            if chosen is not None:
                return dict(chosen)
        key = (kind, entity_id)
        if key not in self._current:
            model = _label_model(kind)
            obj = self.session.get(model, entity_id) if model is not None else None
            self._current[key] = snapshot(obj, LABEL_FIELDS[kind]) if obj is not None else {}
        return dict(self._current[key])


def utc_naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as the database columns store it."""
    return utc(moment).astimezone(UTC).replace(tzinfo=None)
