"""The procedure catalogue (dossier area's ``procedures`` table): list, add, change — audited.

Plain Python over SQLAlchemy, like :mod:`server.domain.admin`. Procedures are never deleted
(dossiers refer to them): they are deactivated. Renames keep the old name for old reports.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from server.clock import Clock
from server.db import Database
from server.domain import audit
from server.domain.accounts import Principal
from server.domain.errors import DomainError, not_found, other_center
from server.models import Center, Service
from server.models.dossiers import Procedure

FIELDS = ("code", "name", "name_en", "service_id", "processing_days", "fee", "documents", "active", "sort_order")


def _model() -> type[Procedure]:
    return Procedure


def procedure_view(p: Any) -> dict[str, Any]:
    return audit.snapshot(p, ("id", "center_id", *FIELDS))


def _validate(s: Any, model: Any, center_id: int, data: dict[str, Any], current: Any | None) -> None:
    if "code" in data:
        if not re.fullmatch(r"[0-9A-Za-z.\-_]{1,60}", data["code"] or ""):
            raise DomainError(
                "invalid_code",
                "Mã thủ tục chỉ gồm chữ không dấu, số, '.', '-', '_'.",
                "Procedure code: letters, digits, . - _.",
                status=400,
            )
        clash = s.scalar(select(model.id).where(model.center_id == center_id, model.code == data["code"]))
        if clash is not None and (current is None or clash != current.id):
            raise DomainError(
                "code_taken", "Mã thủ tục đã có ở trung tâm này.", "This center already has that procedure code.", status=409
            )
    if current is None and not (data.get("code") and data.get("name")):
        raise DomainError("invalid_input", "Cần mã và tên thủ tục.", "A procedure needs a code and a name.", status=400)
    if data.get("service_id") is not None:
        service = s.get(Service, data["service_id"])
        if service is None or service.center_id != center_id:
            raise DomainError(
                "invalid_service", "Lĩnh vực không thuộc trung tâm này.", "The field is not in this center.", status=400
            )
    if "processing_days" in data and not (0 <= float(data["processing_days"]) <= 365):
        raise DomainError(
            "invalid_days", "Thời hạn giải quyết từ 0 đến 365 ngày làm việc.", "Processing days: 0–365.", status=400
        )
    if "documents" in data and (
        not isinstance(data["documents"], list) or not all(isinstance(x, str) for x in data["documents"])
    ):
        raise DomainError(
            "invalid_documents", "Danh sách giấy tờ không hợp lệ.", "Documents must be a list of texts.", status=400
        )


class ProcedureCatalogue:
    """The procedure catalogue of every center over one database (built in server/bootstrap.py)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def list(self, center_id: int) -> list[dict[str, Any]]:
        """Procedures of a center in catalogue order."""
        model = _model()
        with self.db.read() as s:
            rows = s.scalars(select(model).where(model.center_id == center_id).order_by(model.sort_order, model.id))
            return [procedure_view(p) for p in rows]

    def create(self, principal: Principal, center_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Add a procedure to a center's catalogue."""
        model = _model()
        with self.db.write() as s:
            if s.get(Center, center_id) is None:
                raise not_found("trung tâm", "Center", "unknown_center")
            _validate(s, model, center_id, data, None)
            values = {k: v for k, v in data.items() if k in FIELDS}
            values.setdefault("documents", [])
            if "sort_order" not in values:
                values["sort_order"] = (s.scalar(select(func.max(model.sort_order)).where(model.center_id == center_id)) or 0) + 1
            p = model(center_id=center_id, **values)
            s.add(p)
            s.flush()
            audit.record(
                s,
                actor=principal.actor,
                user_id=principal.id if principal.kind == "user" else None,
                action="create",
                entity="procedure",
                entity_id=p.id,
                center_id=center_id,
                before=None,
                after=audit.snapshot(p, FIELDS),
                summary=f"Thêm thủ tục {p.code} – {p.name}",
                now=self.clock.now(),
            )
            return procedure_view(p)

    def update(self, principal: Principal, procedure_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Change a procedure (a rename keeps the old name for old reports)."""
        model = _model()
        with self.db.write() as s:
            p = s.get(model, procedure_id)
            if p is None:
                raise not_found("thủ tục", "Procedure", "unknown_procedure")
            if not principal.may_act_in(p.center_id):
                raise other_center()
            _validate(s, model, p.center_id, data, p)
            before = audit.snapshot(p, FIELDS)
            for key, value in data.items():
                if key in FIELDS:
                    setattr(p, key, value)
            s.flush()
            now = self.clock.now()
            audit.remember_label(s, "procedure", p, before, now)
            audit.record(
                s,
                actor=principal.actor,
                user_id=principal.id if principal.kind == "user" else None,
                action="update",
                entity="procedure",
                entity_id=p.id,
                center_id=p.center_id,
                before=before,
                after=audit.snapshot(p, FIELDS),
                summary=f"Sửa thủ tục {p.code} – {p.name}",
                now=now,
            )
            return procedure_view(p)

    def center_of(self, procedure_id: int) -> int:
        """The center a procedure belongs to (404 if there is none)."""
        model = _model()
        with self.db.read() as s:
            p = s.get(model, procedure_id)
            if p is None:
                raise not_found("thủ tục", "Procedure", "unknown_procedure")
            return p.center_id
