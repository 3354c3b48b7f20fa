"""Export a center's configuration as one JSON (or YAML) file, and create a new center from one.

What travels: the center's details and settings (opening hours, closing rules, days off,
announcements, board notice), its services (fields), counters with the services each
serves, and the procedure catalogue when the dossier area is installed. What does not:
tickets, dossiers, ratings, accounts (personal data and passwords) and device tokens
(each device is registered again at the new center).

CLI hooks for ``run.py``: :func:`cli_export` and :func:`cli_import`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import SystemClock, iso_utc
from server.config import Settings
from server.db import Database
from server.domain import audit
from server.domain.accounts import Principal
from server.domain.admin import SERVICE_FIELDS
from server.domain.center_rules import SETTING_SECTIONS, validate_setting
from server.domain.dossiers.codes import clean_agency_id, ensure_agency_id_free
from server.domain.errors import DomainError
from server.domain.inputs import check_json_value, too_deep_error
from server.domain.numbering import overlapping_ranges
from server.domain.queue.waiting import CALL_POLICIES
from server.models import Center, Counter, CounterService, Service, ServiceKind, load_all_models
from server.models.dossiers import Procedure
from server.schema import upgrade

FORMAT = "motcua-center"
VERSION = 1
CENTER_KEYS = (
    "code",
    "name",
    "name_en",
    "agency_id",
    "address",
    "timezone",
    "level",
    "priority_enabled",
    "max_priority_streak",
    "transfer_keeps_place",
    "auto_finish_on_next",
    "default_service_minutes",
)
# A service travels whole: every field the admin pages edit.
SERVICE_KEYS = SERVICE_FIELDS
PROCEDURE_SKIP = {"id", "center_id", "created_at", "updated_at"}


def _bad(vi: str, en: str, **details: Any) -> DomainError:
    return DomainError(
        "invalid_center_file", f"Tệp cấu hình không hợp lệ: {vi}", f"Invalid center file: {en}", status=400, **details
    )


def _portable_settings(settings: dict[str, Any], code_of: dict[int, str]) -> dict[str, Any]:
    """The settings as a file carries them: the fields open to booking by code, not by this database's ids."""
    booking = settings.get("booking")
    if not isinstance(booking, dict) or booking.get("service_ids") is None:
        return settings
    codes = [code_of[i] for i in booking["service_ids"] if i in code_of]
    return {**settings, "booking": {**{k: v for k, v in booking.items() if k != "service_ids"}, "service_codes": codes}}


def export_center(session: Session, center_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The center's configuration as a plain dict (ready for json.dumps)."""
    center = session.get(Center, center_id)
    if center is None:
        raise DomainError("unknown_center", "Không tìm thấy trung tâm.", "Center not found.", status=404)
    services = session.scalars(
        select(Service).where(Service.center_id == center.id).order_by(Service.sort_order, Service.id)
    ).all()
    code_of = {s.id: s.code for s in services}
    counters = session.scalars(select(Counter).where(Counter.center_id == center.id).order_by(Counter.number)).all()
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso_utc(now),
        "center": {**{k: getattr(center, k) for k in CENTER_KEYS},
                   "settings": _portable_settings(center.settings or {}, code_of)},
        "services": [{k: getattr(s, k) for k in SERVICE_KEYS} for s in services],
        "counters": [
            {
                "number": c.number,
                "name": c.name,
                "active": c.active,
                "services": [code_of[i] for i in c.service_ids if i in code_of],
                "call_policy": c.call_policy or "longest_wait",
                "weights": {code_of[x.service_id]: x.weight or 1 for x in c.links if x.service_id in code_of},
            }
            for c in counters
        ],
    }
    rows = session.scalars(select(Procedure).where(Procedure.center_id == center.id)).all()
    if rows:
        data["procedures"] = [_procedure_dict(p, code_of) for p in rows]
    return data


def _procedure_dict(row: Any, code_of: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in PROCEDURE_SKIP:
            continue
        value = getattr(row, column.key)
        if column.key == "service_id":
            out["service_code"] = code_of.get(value)
            continue
        out[column.key] = audit.jsonable(value)
    return out


def dumps(data: dict[str, Any], fmt: str = "json") -> str:
    """Serialise an export; YAML when asked and PyYAML is installed."""
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return json.dumps(data, ensure_ascii=False, indent=2)


def loads(text: str) -> dict[str, Any]:
    """Read an export written as JSON or YAML."""
    text = text.lstrip("\ufeff")
    try:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                raise _bad("không đọc được JSON hay YAML.", "neither JSON nor YAML.") from None
    except RecursionError:  # thousands of nested brackets: both parsers recurse per level
        raise too_deep_error() from None
    if not isinstance(data, dict):
        raise _bad("cần một đối tượng.", "expected an object.")
    check_json_value(data)  # the depth limit and no NUL, as for a JSON body (server/web/request_guard.py)
    return data


def _check_agency_id(session: Session, center: Center, *, from_file: bool) -> None:
    """Refuse an identifier another center's dossier codes already start with (the new center,
    already flushed, is left out of the comparison)."""
    hint_vi = hint_en = ""
    if from_file and center.agency_id:
        hint_vi = "Tệp cấu hình mang mã định danh của trung tâm nguồn: hãy nhập mã định danh cơ quan của trung tâm mới."
        hint_en = "The file carries its source center's identifier: enter the new center's own agency identifier."
    ensure_agency_id_free(
        session, agency_id=center.agency_id, code=center.code, center_id=center.id, hint_vi=hint_vi, hint_en=hint_en
    )



def import_center_as(
    db: Database,
    principal: Principal,
    data: dict[str, Any],
    *,
    now: datetime,
    code: str | None = None,
    name: str | None = None,
    agency_id: str | None = None,
) -> dict[str, Any]:
    """What ``POST /admin/centers/import`` does: only a province-wide admin adds centers; the new
    center is created in one transaction (see :func:`import_center`) and named back."""
    if principal.center_id is not None:
        raise DomainError("forbidden", "Chỉ quản trị cấp tỉnh được tạo trung tâm.",
                          "Only a province-wide admin may add centers.", status=403)
    with db.write() as session:
        center = import_center(session, data, actor=principal.actor, now=now, code=code, name=name, agency_id=agency_id,
                               user_id=principal.id if principal.kind == "user" else None)
        return {"id": center.id, "code": center.code, "name": center.name}

def import_center(
    session: Session,
    data: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    code: str | None = None,
    name: str | None = None,
    agency_id: str | None = None,
    user_id: int | None = None,
) -> Center:
    """Create a new center from an export (optionally under a new code, name and agency identifier); audited.

    The file's agency identifier is refused (409 ``agency_id_taken``) when another center has it,
    as when a center's export is used as the template of a new one: each receiving unit prints
    its own dossier codes, so the new center is given its own identifier (``agency_id``)."""
    if data.get("format") != FORMAT:
        raise _bad(f"thiếu \"format\": \"{FORMAT}\".", f"missing \"format\": \"{FORMAT}\".")
    if int(data.get("version") or 0) > VERSION:
        raise _bad("phiên bản mới hơn phần mềm này.", "written by a newer version.")
    source = data.get("center")
    if not isinstance(source, dict):
        raise _bad("thiếu mục center.", "missing center.")
    fields = {k: source[k] for k in CENTER_KEYS if k in source}
    if code:
        fields["code"] = code
    if name:
        fields["name"] = name
    if agency_id and agency_id.strip():
        fields["agency_id"] = agency_id
    if not fields.get("code") or not fields.get("name"):
        raise _bad("cần mã và tên trung tâm.", "a center needs a code and a name.")
    if session.scalar(select(Center.id).where(Center.code == fields["code"])) is not None:
        raise DomainError(
            "code_taken",
            f"Mã trung tâm {fields['code']} đã tồn tại; hãy đặt mã khác.",
            f"Center code {fields['code']} already exists; choose another.",
            status=409,
        )
    fields["agency_id"] = clean_agency_id(fields.get("agency_id"))  # stored as printed: capitals, no spaces
    settings: dict[str, Any] = {}
    for section, value in (source.get("settings") or {}).items():
        if section in SETTING_SECTIONS:
            checked = validate_setting(section, value)
            if checked is not None:
                settings[section] = checked
    center = Center(**fields, settings=settings)
    session.add(center)
    session.flush()

    services: dict[str, Service] = {}
    for i, item in enumerate(data.get("services") or []):
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            raise _bad(f"lĩnh vực thứ {i + 1} thiếu mã hoặc tên.", f"service #{i + 1} needs a code and a name.")
        if item["code"] in services:
            raise _bad(f"mã lĩnh vực {item['code']} bị lặp.", f"service code {item['code']} is repeated.")
        if item.get("kind", ServiceKind.SUBMIT) not in ServiceKind.ALL:
            raise _bad(f"loại của lĩnh vực {item['code']} không hợp lệ.", f"service {item['code']} has an unknown kind.")
        cap = item.get("daily_cap")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 100_000):
            raise _bad(f"giới hạn mỗi ngày của lĩnh vực {item['code']} không hợp lệ.",
                       f"service {item['code']} has an invalid daily_cap.")
        service = Service(center_id=center.id, **{k: item[k] for k in SERVICE_KEYS if k in item})
        session.add(service)
        services[item["code"]] = service
    clash = overlapping_ranges([  # the admin's rule: no two fields' ranges overlap (defaults are not set before the flush)
        SimpleNamespace(id=i, ticket_prefix=x.ticket_prefix or "", number_start=x.number_start or 1, number_end=x.number_end,
                        code=x.code)
        for i, x in enumerate(services.values())
    ])
    if clash is not None:
        raise _bad(f"dải số của {clash[0].code} chồng lên dải của {clash[1].code}.",
                   f"the number ranges of {clash[0].code} and {clash[1].code} overlap.")
    session.flush()
    booking_codes = ((source.get("settings") or {}).get("booking") or {}).get("service_codes") \
        if isinstance((source.get("settings") or {}).get("booking"), dict) else None
    if "booking" in settings and isinstance(booking_codes, list):  # the file names the fields open to booking by code
        ids = sorted(services[c].id for c in booking_codes if isinstance(c, str) and c in services)
        center.settings = {**settings, "booking": {**settings["booking"], "service_ids": ids}}

    numbers: set[int] = set()
    for i, item in enumerate(data.get("counters") or []):
        number = item.get("number") if isinstance(item, dict) else None
        if not isinstance(number, int) or number in numbers:
            raise _bad(f"quầy thứ {i + 1} thiếu số hoặc trùng số.", f"counter #{i + 1} has no number or a repeated one.")
        numbers.add(number)
        unknown = [c for c in item.get("services") or [] if c not in services]
        if unknown:
            raise _bad(
                f"quầy {number} phục vụ lĩnh vực không có: {unknown}.", f"counter {number} serves unknown services {unknown}."
            )
        policy, weights = item.get("call_policy", "longest_wait"), item.get("weights") or {}
        if policy not in CALL_POLICIES or not isinstance(weights, dict) or not all(
            isinstance(w, int) and 1 <= w <= 20 for w in weights.values()
        ):
            raise _bad(f"cách gọi số của quầy {number} không hợp lệ.", f"counter {number} has an invalid call policy or weights.")
        counter = Counter(
            center_id=center.id, number=number, name=item.get("name", ""), active=item.get("active", True), is_open=False,
            call_policy=policy, call_state={},
        )
        counter.links = [
            CounterService(service_id=services[c].id, position=p, weight=weights.get(c, 1))
            for p, c in enumerate(item.get("services") or [])
        ]
        session.add(counter)
    session.flush()

    procedure = Procedure
    imported_procedures = 0
    if data.get("procedures"):
        columns = {c.key for c in procedure.__table__.columns}
        for item in data["procedures"]:
            values = {k: v for k, v in item.items() if k in columns and k not in PROCEDURE_SKIP}
            if "service_code" in item and "service_id" in columns:
                values["service_id"] = services[item["service_code"]].id if item["service_code"] in services else None
            if "center_id" in columns:
                values["center_id"] = center.id
            session.add(procedure(**values))
            imported_procedures += 1
        session.flush()

    # Last, so a broken file is reported as such first; the transaction drops the half-made center.
    _check_agency_id(session, center, from_file=not (agency_id and agency_id.strip()))
    audit.record(
        session,
        actor=actor,
        user_id=user_id,
        action="import",
        entity="center",
        entity_id=center.id,
        center_id=center.id,
        before=None,
        after={
            "code": center.code,
            "name": center.name,
            "services": len(services),
            "counters": len(numbers),
            "procedures": imported_procedures,
        },
        summary=f"Tạo trung tâm {center.name} từ tệp cấu hình",
        now=now,
    )
    return center


# ------------------------------------------------------------------ CLI hooks (wired in run.py by the lead)
def cli_export(center_code: str, path: str, *, database_url: str | None = None) -> int:
    """``python run.py export-center CODE FILE`` (FILE ending in .yaml/.yml writes YAML)."""

    load_all_models()
    url = database_url or Settings.from_env().database_url
    upgrade(url)
    db = Database(url)
    try:
        with db.read() as session:
            center = session.scalar(select(Center).where(Center.code == center_code))
            if center is None:
                print(f"Không có trung tâm mã {center_code} / no such center")
                return 2

            data = export_center(session, center.id, now=SystemClock().now())
        fmt = "yaml" if path.endswith((".yaml", ".yml")) else "json"
        Path(path).write_text(dumps(data, fmt), encoding="utf-8")
        print(f"Đã xuất / exported {center_code} → {path}")
        return 0
    finally:
        db.dispose()


def cli_import(
    path: str, *, code: str | None = None, name: str | None = None, agency_id: str | None = None, database_url: str | None = None
) -> int:
    """``python run.py import-center FILE [--code NEW] [--name "…"] [--agency-id ID]``: a new center from a file."""

    load_all_models()
    url = database_url or Settings.from_env().database_url
    upgrade(url)
    db = Database(url)
    try:
        data = loads(Path(path).read_text(encoding="utf-8"))
        with db.write() as session:
            center = import_center(session, data, actor="cli", now=SystemClock().now(), code=code, name=name, agency_id=agency_id)
            print(f"Đã tạo trung tâm / created center {center.code} (id {center.id}): {center.name}")
        return 0
    except DomainError as error:
        print(f"{error.message_vi} / {error.message_en}")
        return 2
    finally:
        db.dispose()


__all__ = [
    "export_center", "import_center", "import_center_as", "dumps", "loads", "cli_export", "cli_import", "FORMAT", "VERSION",
]
