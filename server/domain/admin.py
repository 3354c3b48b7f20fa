"""Administration of centers, services, counters, users and center settings.

Plain Python over SQLAlchemy (no Flask): the admin API, the admin pages and the CLI
call it. Every change is written with an audit row in the same transaction, keeps the
label history for reports, and announces ``config_changed`` to the center's room so
kiosks and boards refresh without a restart.
"""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date
from server.db import Database
from server.domain import audit
from server.domain.accounts import ROLES, Principal, create_user, set_password
from server.domain.center_rules import SETTING_SECTIONS, validate_setting
from server.domain.centers import center_or_404
from server.domain.dossiers.codes import clean_agency_id, effective_agency_id, ensure_agency_id_free
from server.domain.errors import DomainError, not_found, other_center
from server.domain.events import DomainEvent, Publisher, center_room
from server.domain.inputs import id_from_text
from server.domain.numbering import overlapping_ranges
from server.domain.queue.moves import close_counter
from server.domain.queue.rules import counter_has_ticket
from server.domain.queue.waiting import CALL_POLICIES, current_ticket
from server.models import Center, Counter, CounterService, Service, ServiceKind, Ticket, TicketState, User, VoicePack

CENTER_FIELDS = (
    "code",
    "name",
    "name_en",
    "agency_id",
    "address",
    "level",
    "parent_id",
    "timezone",
    "priority_enabled",
    "max_priority_streak",
    "transfer_keeps_place",
    "auto_finish_on_next",
    "default_service_minutes",
)
SERVICE_FIELDS = (
    "code",
    "name",
    "name_en",
    "kind",
    "ticket_prefix",
    "number_start",
    "number_digits",
    "priority_allowed",
    "active",
    "sort_order",
    "number_end",
    "aging_minutes",
    "wait_target_minutes",
    "daily_cap",
)
COUNTER_FIELDS = ("number", "name", "active", "call_policy")
USER_FIELDS = ("username", "full_name", "role", "center_id", "active")
CENTER_LEVELS = ("province", "branch", "commune")
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


def _normalised_center(data: dict[str, Any]) -> dict[str, Any]:
    """The center's fields as stored: the agency identifier without surrounding spaces, in capitals
    (so " 000.00.12.h26 " and "000.00.12.H26" are one identifier, as on the dossier codes)."""
    if "agency_id" not in data:
        return data
    return {**data, "agency_id": clean_agency_id(data["agency_id"])}


def _actor(principal: Principal) -> tuple[str, int | None]:
    return principal.actor, principal.id if principal.kind == "user" else None


def _bad(code: str, vi: str, en: str, **details: Any) -> DomainError:
    return DomainError(code, vi, en, status=400, **details)


# ------------------------------------------------------------------ views
def center_view(c: Center) -> dict[str, Any]:
    return {**audit.snapshot(c, ("id", *CENTER_FIELDS)), "settings": c.settings or {}}


def service_view(s: Service) -> dict[str, Any]:
    return audit.snapshot(s, ("id", "center_id", *SERVICE_FIELDS))


def _links(c: Counter) -> list[dict[str, int]]:
    """The counter's services with their position (``in_order``) and weight (``ratio``), in position order."""
    ordered = sorted(c.links, key=lambda link: (link.position, link.service_id))
    return [{"service_id": x.service_id, "position": x.position, "weight": x.weight or 1} for x in ordered]


def _counter_audit(c: Counter) -> dict[str, Any]:
    links = _links(c)
    return {**audit.snapshot(c, COUNTER_FIELDS), "service_ids": [x["service_id"] for x in links], "links": links}


def counter_view(c: Counter) -> dict[str, Any]:
    links = _links(c)
    return {**audit.snapshot(c, ("id", "center_id", *COUNTER_FIELDS, "is_open", "clerk_id")),
            "service_ids": [x["service_id"] for x in links], "links": links}


def user_view(u: User) -> dict[str, Any]:
    return audit.snapshot(u, ("id", *USER_FIELDS))


# ------------------------------------------------------------------ service
class AdminService:
    """All administrative changes, each audited."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    # -------------------------------------------------------------- helpers
    def _changed(self, center_id: int | None, what: str) -> None:
        """Tell kiosks, boards and consoles of the center to reload their configuration.

        ``config_changed`` says what changed; after a service or counter change the waiting
        counts (``queue_counts``, with each service's ``active`` flag) go out too, so a client
        that only follows counts still notices a new or withdrawn service."""
        if self.publish is None or center_id is None:
            return
        self.publish(DomainEvent("config_changed", center_id, {"center_id": center_id, "what": what}, (center_room(center_id),)))
        if what in ("services", "counters"):
            self.publish(
                DomainEvent(
                    "queue_counts",
                    center_id,
                    {"center_id": center_id, "services": self._counts(center_id)},
                    (center_room(center_id),),
                )
            )

    def _counts(self, center_id: int) -> list[dict[str, Any]]:
        with self.db.read() as s:
            center = self._center(s, center_id)
            today = local_date(self.clock.now(), center.timezone)
            waiting = dict(
                s.execute(
                    select(Ticket.service_id, func.count())
                    .where(Ticket.center_id == center_id, Ticket.state == TicketState.WAITING, Ticket.day == today)
                    .group_by(Ticket.service_id)
                ).all()
            )
            rows = s.scalars(select(Service).where(Service.center_id == center_id).order_by(Service.sort_order, Service.id))
            return [{"service_id": x.id, "code": x.code, "waiting": waiting.get(x.id, 0), "active": x.active} for x in rows]

    def _audit(
        self,
        session: Session,
        principal: Principal,
        action: str,
        entity: str,
        entity_id: Any,
        center_id: int | None,
        before: dict | None,
        after: dict | None,
        summary: str,
    ) -> None:
        actor, user_id = _actor(principal)
        audit.record(
            session,
            actor=actor,
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            center_id=center_id,
            before=before,
            after=after,
            summary=summary,
            now=self.clock.now(),
        )

    @staticmethod
    def _center(session: Session, center_id: int) -> Center:
        return center_or_404(session, center_id)

    @staticmethod
    def _check_allowed(principal: Principal, center_id: int | None) -> None:
        if center_id is not None and not principal.may_act_in(center_id):
            raise other_center()

    # -------------------------------------------------------------- centers
    def create_center(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        """A new center (province-wide admins only)."""
        if principal.center_id is not None:
            raise DomainError(
                "forbidden",
                "Chỉ quản trị cấp tỉnh được tạo trung tâm.",
                "Only a province-wide admin may add centers.",
                status=403,
            )
        data = _normalised_center(data)
        with self.db.write() as s:
            self._validate_center(s, data, None)
            center = Center(**{k: v for k, v in data.items() if k in CENTER_FIELDS}, settings={})
            s.add(center)
            s.flush()
            self._audit(
                s,
                principal,
                "create",
                "center",
                center.id,
                center.id,
                None,
                audit.snapshot(center, CENTER_FIELDS),
                f"Tạo trung tâm {center.name}",
            )
            return center_view(center)

    def update_center(self, principal: Principal, center_id: int, data: dict[str, Any]) -> dict[str, Any]:
        self._check_allowed(principal, center_id)
        data = _normalised_center(data)
        with self.db.write() as s:
            center = self._center(s, center_id)
            self._validate_center(s, data, center)
            before = audit.snapshot(center, CENTER_FIELDS)
            for key, value in data.items():
                if key in CENTER_FIELDS:
                    setattr(center, key, value)
            s.flush()
            audit.remember_label(s, "center", center, before, self.clock.now())
            self._audit(
                s,
                principal,
                "update",
                "center",
                center.id,
                center.id,
                before,
                audit.snapshot(center, CENTER_FIELDS),
                f"Sửa trung tâm {center.name}",
            )
            view = center_view(center)
        self._changed(center_id, "center")
        return view

    @staticmethod
    def _validate_center(s: Session, data: dict[str, Any], center: Center | None) -> None:
        if "code" in data:
            if not CODE_RE.match(data["code"] or ""):
                raise _bad(
                    "invalid_code",
                    "Mã trung tâm chỉ gồm chữ không dấu, số, '.', '-', '_'.",
                    "Center code: letters, digits, . - _ only.",
                )
            clash = s.scalar(select(Center.id).where(Center.code == data["code"]))
            if clash is not None and (center is None or clash != center.id):
                raise DomainError("code_taken", "Mã trung tâm đã tồn tại.", "Center code already exists.", status=409)
        if center is None and not (data.get("code") and data.get("name")):
            raise _bad("invalid_input", "Cần mã và tên trung tâm.", "A center needs a code and a name.")
        if "level" in data and data["level"] not in CENTER_LEVELS:
            raise _bad("invalid_level", "Cấp trung tâm không hợp lệ.", "Unknown center level.", allowed=list(CENTER_LEVELS))
        if "timezone" in data:
            try:
                ZoneInfo(data["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise _bad("invalid_timezone", "Múi giờ không hợp lệ.", "Unknown time zone.") from None
        if data.get("parent_id") is not None:
            if s.get(Center, data["parent_id"]) is None or (center is not None and data["parent_id"] == center.id):
                raise _bad("invalid_parent", "Trung tâm cấp trên không hợp lệ.", "Invalid parent center.")
        AdminService._validate_agency_id(s, data, center)

    @staticmethod
    def _validate_agency_id(s: Session, data: dict[str, Any], center: Center | None) -> None:
        """Each receiving unit its own agency identifier, or two centers print the same dossier codes.

        Checked on a new center, and on a change only when the identifier its codes start with
        changes (a rename must not be blocked by an older clash it does not touch)."""
        agency = data.get("agency_id", center.agency_id if center else "")
        code = data.get("code", center.code if center else "")
        if center is not None and effective_agency_id(agency, code, center.id) == effective_agency_id(
            center.agency_id, center.code, center.id
        ):
            return
        ensure_agency_id_free(s, agency_id=agency, code=code, center_id=center.id if center else None)

    def list_centers(self, principal: Principal) -> list[dict[str, Any]]:
        with self.db.read() as s:
            stmt = select(Center).order_by(Center.id)
            if principal.center_id is not None:
                stmt = stmt.where(Center.id == principal.center_id)
            return [center_view(c) for c in s.scalars(stmt)]

    def get_center(self, principal: Principal, center_id: int) -> dict[str, Any]:
        self._check_allowed(principal, center_id)
        with self.db.read() as s:
            return center_view(self._center(s, center_id))

    # -------------------------------------------------------------- settings
    def update_setting(self, principal: Principal, center_id: int, section: str, value: Any) -> dict[str, Any]:
        """Replace one section of ``Center.settings`` (validated), audited with before/after."""
        self._check_allowed(principal, center_id)
        if section not in SETTING_SECTIONS:
            raise _bad(
                "unknown_setting", "Mục cài đặt không hợp lệ.", "Unknown settings section.", allowed=list(SETTING_SECTIONS)
            )
        value = validate_setting(section, value)
        with self.db.write() as s:
            center = self._center(s, center_id)
            pack_id = value.get("voice_pack_id") if section == "announcements" and value else None
            if pack_id is not None and s.get(VoicePack, pack_id) is None:  # checked in the write: no delete slips between
                raise _bad("unknown_voice_pack", "Bộ giọng đọc đã chọn không còn nữa.", "The chosen voice pack does not exist.",
                           voice_pack_id=pack_id)
            settings = dict(center.settings or {})
            before = settings.get(section)
            if value is None:
                settings.pop(section, None)
            else:
                settings[section] = value
            center.settings = settings  # a new dict: SQLAlchemy sees the JSON change
            s.flush()
            self._audit(
                s,
                principal,
                "update",
                f"settings:{section}",
                center.id,
                center.id,
                {"value": before},
                {"value": value},
                f"Sửa cài đặt «{section}» của {center.name}",
            )
            view = center_view(center)
        self._changed(center_id, section)
        return view

    # -------------------------------------------------------------- services
    def list_services(self, principal: Principal, center_id: int) -> list[dict[str, Any]]:
        self._check_allowed(principal, center_id)
        with self.db.read() as s:
            self._center(s, center_id)
            return [
                service_view(x)
                for x in s.scalars(select(Service).where(Service.center_id == center_id).order_by(Service.sort_order, Service.id))
            ]

    def create_service(self, principal: Principal, center_id: int, data: dict[str, Any]) -> dict[str, Any]:
        self._check_allowed(principal, center_id)
        with self.db.write() as s:
            self._center(s, center_id)
            self._validate_service(s, center_id, data, None)
            fields = {k: v for k, v in data.items() if k in SERVICE_FIELDS}
            if "sort_order" not in fields:
                fields["sort_order"] = (
                    s.scalar(select(func.max(Service.sort_order)).where(Service.center_id == center_id)) or 0
                ) + 1
            service = Service(center_id=center_id, **fields)
            s.add(service)
            s.flush()
            self._audit(
                s,
                principal,
                "create",
                "service",
                service.id,
                center_id,
                None,
                audit.snapshot(service, SERVICE_FIELDS),
                f"Thêm lĩnh vực {service.code} – {service.name}",
            )
            view = service_view(service)
        self._changed(center_id, "services")
        return view

    def update_service(self, principal: Principal, service_id: int, data: dict[str, Any]) -> dict[str, Any]:
        with self.db.write() as s:
            service = s.get(Service, service_id)
            if service is None:
                raise not_found("lĩnh vực", "Service", "unknown_service")
            self._check_allowed(principal, service.center_id)
            self._validate_service(s, service.center_id, data, service)
            before = audit.snapshot(service, SERVICE_FIELDS)
            for key, value in data.items():
                if key in SERVICE_FIELDS:
                    setattr(service, key, value)
            s.flush()
            audit.remember_label(s, "service", service, before, self.clock.now())
            self._audit(
                s,
                principal,
                "update",
                "service",
                service.id,
                service.center_id,
                before,
                audit.snapshot(service, SERVICE_FIELDS),
                f"Sửa lĩnh vực {service.code} – {service.name}",
            )
            view, center_id = service_view(service), service.center_id
        self._changed(center_id, "services")
        return view

    @staticmethod
    def _validate_service(s: Session, center_id: int, data: dict[str, Any], service: Service | None) -> None:
        if "code" in data:
            if not CODE_RE.match(data["code"] or ""):
                raise _bad(
                    "invalid_code",
                    "Mã lĩnh vực chỉ gồm chữ không dấu, số, '.', '-', '_'.",
                    "Service code: letters, digits, . - _ only.",
                )
            clash = s.scalar(select(Service.id).where(Service.center_id == center_id, Service.code == data["code"]))
            if clash is not None and (service is None or clash != service.id):
                raise DomainError(
                    "code_taken", "Mã lĩnh vực đã có ở trung tâm này.", "This center already has that service code.", status=409
                )
        if service is None and not (data.get("code") and data.get("name")):
            raise _bad("invalid_input", "Cần mã và tên lĩnh vực.", "A service needs a code and a name.")
        if "kind" in data and data["kind"] not in ServiceKind.ALL:
            raise _bad("invalid_kind", "Loại dịch vụ không hợp lệ.", "Unknown service kind.", allowed=list(ServiceKind.ALL))
        prefix = data.get("ticket_prefix", service.ticket_prefix if service else "")
        if prefix and not re.fullmatch(r"[A-Z]{1,3}", prefix):
            raise _bad(
                "invalid_prefix",
                "Tiền tố số phiếu: 1–3 chữ cái in hoa không dấu (A, B, HT…).",
                "Ticket prefix: 1–3 capital letters.",
            )
        start = data.get("number_start", service.number_start if service else 1)
        digits = data.get("number_digits", service.number_digits if service else 3)
        if not (0 <= start <= 99_999_999) or not (1 <= digits <= 8):
            raise _bad("invalid_number_range", "Dải số không hợp lệ.", "Invalid number range.")
        AdminService._validate_minutes(data)
        AdminService._validate_range(s, center_id, data, service, prefix, start)

    @staticmethod
    def _validate_minutes(data: dict[str, Any]) -> None:
        """Aging and the wait target: whole minutes from 1 to 600 (a working day), or empty for none."""
        labels = {"aging_minutes": ("Số phút ưu tiên chờ lâu", "Aging minutes"),
                  "wait_target_minutes": ("Thời gian chờ mục tiêu", "Wait target")}
        for key, (vi, en) in labels.items():
            value = data.get(key)
            if value is not None and not (isinstance(value, int) and 1 <= value <= 600):
                raise _bad(f"invalid_{key}", f"{vi}: từ 1 đến 600 phút, hoặc để trống.", f"{en}: 1 to 600 minutes, or empty.")
        cap = data.get("daily_cap")  # walk-ins and bookings of the field together (domain.bookings.capacity)
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 100_000):
            raise _bad("invalid_daily_cap", "Số lượt tối đa mỗi ngày: từ 1 đến 100000, hoặc để trống.",
                       "Daily cap: 1 to 100000, or empty.")

    @staticmethod
    def _validate_range(s: Session, center_id: int, data: dict[str, Any], service: Service | None, prefix: str,
                        start: int) -> None:
        """A service's numbers stay in its own range: the last number is not before the first,
        and no two ranges of the center that print the same way overlap (numbering.number_range)."""
        end = data.get("number_end", service.number_end if service else None)
        if end is not None and not (start <= end <= 99_999_999):
            raise _bad("invalid_number_range", "Số cuối của dải phải từ số bắt đầu trở lên.",
                       "The range's last number must not be below its first.")
        proposed = SimpleNamespace(id=service.id if service else None, ticket_prefix=prefix or "", number_start=start,
                                   number_end=end, code=data.get("code", service.code if service else ""))
        others = s.scalars(select(Service).where(Service.center_id == center_id, Service.id != (service.id if service else -1)))
        clash = overlapping_ranges([proposed, *others])
        if clash is not None:
            a, b = clash
            raise _bad("number_ranges_overlap",
                       f"Dải số của lĩnh vực {a.code} (từ {a.number_start}) chồng lên dải của {b.code} (từ {b.number_start}).",
                       f"The number range of {a.code} (from {a.number_start}) overlaps that of {b.code} (from {b.number_start}).",
                       services=[a.code, b.code])

    # -------------------------------------------------------------- counters
    def list_counters(self, principal: Principal, center_id: int) -> list[dict[str, Any]]:
        self._check_allowed(principal, center_id)
        with self.db.read() as s:
            self._center(s, center_id)
            return [
                counter_view(x) for x in s.scalars(select(Counter).where(Counter.center_id == center_id).order_by(Counter.number))
            ]

    def create_counter(self, principal: Principal, center_id: int, data: dict[str, Any]) -> dict[str, Any]:
        self._check_allowed(principal, center_id)
        with self.db.write() as s:
            self._center(s, center_id)
            self._validate_counter(s, center_id, data, None)
            counter = Counter(center_id=center_id, **{k: v for k, v in data.items() if k in COUNTER_FIELDS})
            counter.links = [
                CounterService(service_id=sid, position=position, weight=weight)
                for sid, position, weight in _wanted_links(data.get("service_ids") or [], data.get("links"), {})
            ]
            s.add(counter)
            s.flush()
            after = _counter_audit(counter)
            self._audit(s, principal, "create", "counter", counter.id, center_id, None, after, f"Thêm quầy số {counter.number}")
            view = counter_view(counter)
        self._changed(center_id, "counters")
        return view

    def update_counter(self, principal: Principal, counter_id: int, data: dict[str, Any]) -> dict[str, Any]:
        with self.db.write() as s:
            counter = s.get(Counter, counter_id)
            if counter is None:
                raise not_found("quầy", "Counter", "unknown_counter")
            self._check_allowed(principal, counter.center_id)
            self._validate_counter(s, counter.center_id, data, counter)
            before = _counter_audit(counter)
            for key, value in data.items():
                if key in COUNTER_FIELDS:
                    setattr(counter, key, value)
            if "service_ids" in data or "links" in data:
                _relink(counter, data)
            if _counter_audit(counter)["links"] != before["links"] or counter.call_policy != before["call_policy"]:
                counter.call_state = {}  # a new policy or cycle starts from its beginning
            if data.get("active") is False:
                ticket = current_ticket(s, counter)
                if ticket is not None:  # same rule as closing: nobody left called to a counter taken out of use
                    raise counter_has_ticket(counter, ticket)
                close_counter(s, counter, self.clock.now(), principal.actor)  # logged, so idle time ends here
            s.flush()
            audit.remember_label(s, "counter", counter, before, self.clock.now())
            after = _counter_audit(counter)
            self._audit(
                s, principal, "update", "counter", counter.id, counter.center_id, before, after, f"Sửa quầy số {counter.number}"
            )
            view, center_id = counter_view(counter), counter.center_id
        self._changed(center_id, "counters")
        return view

    @staticmethod
    def _validate_counter(s: Session, center_id: int, data: dict[str, Any], counter: Counter | None) -> None:
        if "number" in data:
            if not (1 <= int(data["number"]) <= 999):
                raise _bad("invalid_number", "Số quầy từ 1 đến 999.", "Counter numbers are 1–999.")
            clash = s.scalar(select(Counter.id).where(Counter.center_id == center_id, Counter.number == data["number"]))
            if clash is not None and (counter is None or clash != counter.id):
                raise DomainError("number_taken", "Số quầy này đã có.", "This counter number already exists.", status=409)
        elif counter is None:
            raise _bad("invalid_input", "Cần số quầy.", "A counter needs a number.")
        if "call_policy" in data and data["call_policy"] not in CALL_POLICIES:
            raise _bad("invalid_call_policy", "Cách gọi số không hợp lệ.", "Unknown call policy.", allowed=list(CALL_POLICIES))
        for key, link in (data.get("links") or {}).items():
            position, weight = (link.get("position", 0), link.get("weight", 1)) if isinstance(link, dict) else (None, None)
            if id_from_text(str(key)) is None or not all(isinstance(v, int) for v in (position, weight)):
                raise _bad("invalid_links", "Thứ tự, tỉ lệ của lĩnh vực không hợp lệ.", "Invalid service position or weight.")
            if not (0 <= position <= 999 and 1 <= weight <= 20):
                raise _bad("invalid_links", "Thứ tự từ 0 đến 999, tỉ lệ từ 1 đến 20.", "Position 0–999, weight 1–20.")
        ids = data.get("service_ids")
        if ids is not None:
            if len(set(ids)) != len(ids):
                raise _bad("invalid_services", "Một lĩnh vực được chọn hai lần.", "A service is listed twice.")
            known = set(s.scalars(select(Service.id).where(Service.center_id == center_id, Service.id.in_(ids or [-1]))))
            if set(ids) - known:
                raise _bad("invalid_services", "Có lĩnh vực không thuộc trung tâm này.", "Some services are not in this center.")

    # -------------------------------------------------------------- users
    def list_users(self, principal: Principal, center_id: int | None = None) -> list[dict[str, Any]]:
        with self.db.read() as s:
            stmt = select(User).order_by(User.center_id.is_(None).desc(), User.center_id, User.username)
            if principal.center_id is not None:
                stmt = stmt.where(User.center_id == principal.center_id)
            elif center_id is not None:
                stmt = stmt.where(User.center_id == center_id)
            return [user_view(u) for u in s.scalars(stmt)]

    def create_user(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        """Create an account; without a password one is generated and returned once."""
        center_id = data.get("center_id")
        if principal.center_id is not None:
            if center_id != principal.center_id:
                raise DomainError(
                    "forbidden",
                    "Chỉ tạo được tài khoản cho trung tâm của mình.",
                    "You may only add accounts to your center.",
                    status=403,
                )
        if not re.fullmatch(r"[a-z0-9_.\-]{3,80}", data.get("username") or ""):
            raise _bad(
                "invalid_username",
                "Tên đăng nhập: 3–80 ký tự thường không dấu, số, '.', '-', '_'.",
                "Username: 3–80 lowercase letters, digits, . - _.",
            )
        password = data.get("password") or _new_password()
        with self.db.write() as s:
            if center_id is not None:
                self._center(s, center_id)
            user = create_user(
                s,
                data["username"],
                password,
                role=data.get("role", "clerk"),
                center_id=center_id,
                full_name=data.get("full_name", ""),
            )
            self._audit(
                s,
                principal,
                "create",
                "user",
                user.id,
                center_id,
                None,
                user_view(user),
                f"Tạo tài khoản {user.username} ({user.role})",
            )
            view = user_view(user)
        if not data.get("password"):
            view["password"] = password
        return view

    def update_user(self, principal: Principal, user_id: int, data: dict[str, Any]) -> dict[str, Any]:
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise not_found("tài khoản", "User", "unknown_user")
            self._check_user_scope(principal, user)
            if "role" in data and data["role"] not in ROLES:
                raise _bad("invalid_role", "Vai trò không hợp lệ.", "Unknown role.", allowed=list(ROLES))
            if "center_id" in data:
                if principal.center_id is not None and data["center_id"] != principal.center_id:
                    raise DomainError(
                        "forbidden",
                        "Không thể chuyển tài khoản sang trung tâm khác.",
                        "You cannot move accounts out of your center.",
                        status=403,
                    )
                if data["center_id"] is not None:
                    self._center(s, data["center_id"])
            if (
                user.id == principal.id
                and principal.kind == "user"
                and (data.get("active") is False or data.get("role", user.role) != user.role)
            ):
                raise DomainError(
                    "self_change",
                    "Không thể tự khoá hoặc tự đổi vai trò của mình.",
                    "You cannot deactivate or demote yourself.",
                    status=409,
                )
            before = user_view(user)
            for key in ("full_name", "role", "center_id", "active"):
                if key in data:
                    setattr(user, key, data[key])
            self._keep_an_admin(s, user)
            s.flush()
            audit.remember_label(s, "user", user, before, self.clock.now())
            self._audit(
                s, principal, "update", "user", user.id, user.center_id, before, user_view(user), f"Sửa tài khoản {user.username}"
            )
            return user_view(user)

    def reset_password(self, principal: Principal, user_id: int, password: str | None = None) -> dict[str, Any]:
        """Set a new password (given, or generated and returned once)."""
        new = password or _new_password()
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None:
                raise not_found("tài khoản", "User", "unknown_user")
            self._check_user_scope(principal, user)
            set_password(user, new)  # the one password rule (length, hash)
            # Never the hash in the audit: only that it happened.
            self._audit(
                s,
                principal,
                "reset_password",
                "user",
                user.id,
                user.center_id,
                None,
                {"password": "(đã đổi / changed)"},
                f"Đặt lại mật khẩu cho {user.username}",
            )
            view = user_view(user)
        if not password:
            view["password"] = new
        return view

    @staticmethod
    def _check_user_scope(principal: Principal, user: User) -> None:
        if principal.center_id is not None and user.center_id != principal.center_id:
            raise DomainError(
                "forbidden", "Tài khoản này không thuộc trung tâm của bạn.", "This account is not in your center.", status=403
            )

    @staticmethod
    def _keep_an_admin(s: Session, user: User) -> None:
        s.flush()
        admins = s.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))
        if not admins:
            raise DomainError(
                "last_admin",
                "Phải còn ít nhất một quản trị đang hoạt động.",
                "At least one active admin must remain.",
                status=409,
            )

    # -------------------------------------------------------------- audit
    def audit_log(
        self, principal: Principal, center_id: int | None = None, entity: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[dict[str, Any]]:
        with self.db.read() as s:
            if principal.center_id is not None:
                return audit.list_audit(s, center_id=principal.center_id, entity=entity, limit=limit, offset=offset)
            if center_id is None:
                return audit.list_audit(s, entity=entity, limit=limit, offset=offset, all_centers=True)
            return audit.list_audit(s, center_id=center_id, entity=entity, limit=limit, offset=offset)


def _wanted_links(
    service_ids: list[int], links: dict[str, dict[str, int]] | None, current: dict[int, CounterService],
    *, reordered: bool = True,
) -> list[tuple[int, int, int]]:
    """(service id, position, weight) of each service the counter will serve: ``links`` (keyed by
    the service id as text) override; else the position is the order of ``service_ids`` (when they
    are given, ``reordered``) or the current one, and the weight the current link's (1 for a new one).
    Entries for services the counter does not serve are ignored (the form sends every service's)."""
    given = {int(k): v for k, v in (links or {}).items()}
    out = []
    for index, sid in enumerate(service_ids):
        old = current.get(sid)
        position = given.get(sid, {}).get("position", index if reordered or old is None else old.position)
        weight = given.get(sid, {}).get("weight", old.weight if old else 1)
        out.append((sid, int(position), int(weight)))
    return out


def _relink(counter: Counter, data: dict[str, Any]) -> None:
    """Bring the counter's links to the wanted services, positions and weights, in place (a link
    kept keeps its row: no delete-then-insert of the same key)."""
    current = {link.service_id: link for link in counter.links}
    ids = data["service_ids"] if "service_ids" in data else [x["service_id"] for x in _links(counter)]
    wanted = _wanted_links(ids, data.get("links"), current, reordered="service_ids" in data)
    keep = {sid for sid, _, _ in wanted}
    for link in [x for x in counter.links if x.service_id not in keep]:
        counter.links.remove(link)
    for sid, position, weight in wanted:
        if sid in current:
            current[sid].position, current[sid].weight = position, weight
        else:
            counter.links.append(CounterService(service_id=sid, position=position, weight=weight))


def _new_password() -> str:
    return secrets.token_urlsafe(9)


__all__ = ["AdminService", "validate_setting", "SETTING_SECTIONS", "center_view", "service_view", "counter_view", "user_view"]
