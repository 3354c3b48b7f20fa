"""Administration API (admin role; supervisors may read their center): centers, settings,
services, counters, users, audit log, center export/import, rating-tablet links.
(Devices are managed through ``/api/v1/devices``, server/web/api/devices.py.)

Every change is audited by :class:`server.domain.admin.AdminService`.
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range
from flask import Response, current_app, request, url_for
from flask.views import MethodView
from marshmallow import ValidationError

from server.adapters.printing import public_base_url
from server.domain import center_io
from server.domain.errors import DomainError, not_found
from server.domain.ratings import tablet_key
from server.extensions import services
from server.models import Counter, Service, User
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import Int, QueryInt
from server.web.auth import require

ADMIN_DOC = {"tags": ["Admin"], "security": [{"BearerAuth": []}, {"CookieAuth": []}]}
CREATED_DOC = {**ADMIN_DOC, "responses": {201: "Đã tạo / created"}}
ID = Range(min=1, max=2**31 - 1)


AGENCY_DOC = {"description": "Mã định danh cơ quan, đầu mã hồ sơ; mỗi trung tâm một mã (không phân biệt hoa thường) / "
                             "agency identifier that starts dossier codes; unique per center (case-insensitive)",
              "example": "000.00.12.H26"}


class CenterIn(Schema):
    code = String(required=True, validate=Length(min=1, max=40))
    name = String(required=True, validate=Length(min=1, max=200))
    name_en = String(validate=Length(max=200))
    agency_id = String(validate=Length(max=40), metadata=AGENCY_DOC)
    address = String(validate=Length(max=300))
    level = String(validate=OneOf(["province", "branch", "commune"]))
    parent_id = Int(allow_none=True, validate=ID)
    timezone = String(validate=Length(max=60))
    priority_enabled = Boolean()
    max_priority_streak = Int(validate=Range(min=1, max=50))
    transfer_keeps_place = Boolean()
    auto_finish_on_next = Boolean()
    default_service_minutes = Float(validate=Range(min=0.5, max=240))


class ServiceIn(Schema):
    code = String(required=True, validate=Length(min=1, max=40))
    name = String(required=True, validate=Length(min=1, max=200))
    name_en = String(validate=Length(max=200))
    kind = String(validate=OneOf(["submit", "collect", "information"]))
    ticket_prefix = String(validate=Length(max=3))
    number_start = Int(validate=Range(min=0, max=99_999_999))
    number_digits = Int(validate=Range(min=1, max=8))
    priority_allowed = Boolean()
    active = Boolean()
    sort_order = Int(validate=Range(min=0, max=10_000))
    # The last number of the service's own range (wraps back to number_start past it); empty: up to the next range.
    number_end = Int(allow_none=True, validate=Range(min=0, max=99_999_999))
    # A ticket waiting this long goes before the counter's policy (domain.queue.waiting); empty: no aging.
    aging_minutes = Int(allow_none=True, validate=Range(min=1, max=600))
    wait_target_minutes = Int(allow_none=True, validate=Range(min=1, max=600))
    # Most citizens of the field a day, walk-in tickets and bookings together; empty: no cap.
    daily_cap = Int(allow_none=True, validate=Range(min=1, max=100_000))


class CounterLinkIn(Schema):
    position = Int(validate=Range(min=0, max=999))
    weight = Int(validate=Range(min=1, max=20))


class CounterIn(Schema):
    number = Int(required=True, validate=Range(min=1, max=999))
    name = String(validate=Length(max=200))
    active = Boolean()
    service_ids = List(Int(validate=ID), validate=Length(max=100))
    call_policy = String(validate=OneOf(["longest_wait", "in_order", "ratio"]))
    # Per served service (its id as the key): position under "in_order", weight under "ratio".
    links = Dict(keys=String(validate=Length(max=12)), values=Nested(CounterLinkIn), validate=Length(max=100))


class ProcedureIn(Schema):
    code = String(required=True, validate=Length(min=1, max=60))
    name = String(required=True, validate=Length(min=1, max=400))
    name_en = String(validate=Length(max=400))
    service_id = Int(allow_none=True, validate=ID)
    processing_days = Float(validate=Range(min=0, max=365))
    fee = String(validate=Length(max=300))
    documents = List(String(validate=Length(max=300)), validate=Length(max=100))
    active = Boolean()
    sort_order = Int(validate=Range(min=0, max=100_000))


class UserIn(Schema):
    username = String(required=True, validate=Length(min=3, max=80))
    password = String(validate=Length(min=8, max=200))
    full_name = String(validate=Length(max=200))
    role = String(validate=OneOf(["clerk", "supervisor", "admin"]))
    center_id = Int(allow_none=True, validate=ID)


class UserPatch(Schema):
    full_name = String(validate=Length(max=200))
    role = String(validate=OneOf(["clerk", "supervisor", "admin"]))
    center_id = Int(allow_none=True, validate=ID)
    active = Boolean()


class PasswordIn(Schema):
    password = String(validate=Length(min=8, max=200))


class SettingIn(Schema):
    value = Raw(required=True, allow_none=True)


class ImportIn(Schema):
    data = Dict(required=True)
    code = String(validate=Length(min=1, max=40))
    name = String(validate=Length(min=1, max=200))
    # A template carries its source center's identifier: the new center needs its own.
    agency_id = String(validate=Length(max=40), metadata=AGENCY_DOC)


class AuditQuery(Schema):
    center_id = QueryInt(validate=ID)
    entity = String(validate=Length(max=40))
    limit = QueryInt(load_default=200, validate=Range(min=1, max=1000))
    offset = QueryInt(load_default=0, validate=Range(min=0, max=2**31 - 1))  # an SQL OFFSET beyond 64 bits is a 500 otherwise


class UsersQuery(Schema):
    center_id = QueryInt(validate=ID)


def _center_of(model: type, object_id: int, what_vi: str, what_en: str, code: str) -> int:
    with services().db.read() as s:
        obj = s.get(model, object_id)
        if obj is None:
            raise not_found(what_vi, what_en, code)
        return obj.center_id


# ------------------------------------------------------------------ centers & settings
@bp.get("/admin/centers")
@bp.doc(**ADMIN_DOC)
def admin_list_centers():
    """Centers with all their details and settings (a center's own accounts see only it)."""
    return services().admin.list_centers(require("supervisor"))


@bp.post("/admin/centers")
@bp.input(CenterIn, arg_name="data")
@bp.doc(**CREATED_DOC)
def admin_create_center(data: dict[str, Any]):
    """Add a center (province-wide admin)."""
    return services().admin.create_center(require("admin"), data), 201


@bp.route("/admin/centers/<int:center_id>")
class CenterResource(MethodView):
    """One center. GET and PATCH share one URL rule so an out-of-range id is a 404 for both."""

    @bp.doc(**ADMIN_DOC)
    def get(self, center_id: int):
        """One center with its settings."""
        return services().admin.get_center(require("supervisor", center_id), center_id)

    @bp.input(CenterIn(partial=True), arg_name="data")
    @bp.doc(**ADMIN_DOC)
    def patch(self, center_id: int, data: dict[str, Any]):
        """Change a center's details and queue policy."""
        return services().admin.update_center(require("admin", center_id), center_id, data)


@bp.put("/admin/centers/<int:center_id>/settings/<section>")
@bp.input(SettingIn, arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_put_setting(center_id: int, section: str, data: dict[str, Any]):
    """Replace one settings section: opening_hours, closing_rules, calendar, announcements,
    board_notice, ticket_footer, ratings. Supervisors may change the board notice."""
    role = "supervisor" if section == "board_notice" else "admin"
    return services().admin.update_setting(require(role, center_id), center_id, section, data["value"])


# ------------------------------------------------------------------ services
@bp.route("/admin/centers/<int:center_id>/services")
class CenterServices(MethodView):
    """A center's services (one URL rule for GET and POST)."""

    @bp.doc(**ADMIN_DOC)
    def get(self, center_id: int):
        """All services of a center, inactive ones too."""
        return services().admin.list_services(require("supervisor", center_id), center_id)

    @bp.input(ServiceIn, arg_name="data")
    @bp.doc(**CREATED_DOC)
    def post(self, center_id: int, data: dict[str, Any]):
        """Add a service (field); kiosks show it at once."""
        return services().admin.create_service(require("admin", center_id), center_id, data), 201


@bp.patch("/admin/services/<int:service_id>")
@bp.input(ServiceIn(partial=True), arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_update_service(service_id: int, data: dict[str, Any]):
    """Rename, renumber, (de)activate a service. Past reports keep the old name."""
    center_id = _center_of(Service, service_id, "lĩnh vực", "Service", "unknown_service")
    return services().admin.update_service(require("admin", center_id), service_id, data)


# ------------------------------------------------------------------ counters
@bp.route("/admin/centers/<int:center_id>/counters")
class CenterCounters(MethodView):
    """A center's counters (one URL rule for GET and POST)."""

    @bp.doc(**ADMIN_DOC)
    def get(self, center_id: int):
        """All counters of a center with the services each serves."""
        return services().admin.list_counters(require("supervisor", center_id), center_id)

    @bp.input(CounterIn, arg_name="data")
    @bp.doc(**CREATED_DOC)
    def post(self, center_id: int, data: dict[str, Any]):
        """Add a counter and the services it serves, in order of preference."""
        return services().admin.create_counter(require("admin", center_id), center_id, data), 201


@bp.patch("/admin/counters/<int:counter_id>")
@bp.input(CounterIn(partial=True), arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_update_counter(counter_id: int, data: dict[str, Any]):
    """Renumber, rename, (de)activate a counter or change its services."""
    center_id = _center_of(Counter, counter_id, "quầy", "Counter", "unknown_counter")
    return services().admin.update_counter(require("admin", center_id), counter_id, data)


@bp.get("/admin/centers/<int:center_id>/rating-links")
@bp.doc(**ADMIN_DOC)
def admin_rating_links(center_id: int):
    """The URL to open on each counter's rating tablet (keyed, unguessable)."""

    require("admin", center_id)
    secret = current_app.config["SECRET_KEY"]
    return [
        {"counter_id": c["id"], "number": c["number"],
         # The LAN address (or PUBLIC_BASE_URL): a tablet cannot open the admin's "localhost".
         "url": public_base_url() + url_for("rate.tablet", counter_id=c["id"], key=tablet_key(secret, c["id"]))}
        for c in services().admin.list_counters(require("admin", center_id), center_id)
    ]


# ------------------------------------------------------------------ procedures (dossier area)
@bp.route("/admin/centers/<int:center_id>/procedures")
class CenterProcedures(MethodView):
    """A center's procedure catalogue (one URL rule for GET and POST)."""

    @bp.doc(**ADMIN_DOC)
    def get(self, center_id: int):
        """The center's procedure catalogue with processing days (404 without the dossier area)."""
        require("supervisor", center_id)
        return services().procedures.list(center_id)

    @bp.input(ProcedureIn, arg_name="data")
    @bp.doc(**CREATED_DOC)
    def post(self, center_id: int, data: dict[str, Any]):
        """Add a procedure: code, name, field, processing time in working days, fee, usual documents."""
        return services().procedures.create(require("admin", center_id), center_id, data), 201


@bp.patch("/admin/procedures/<int:procedure_id>")
@bp.input(ProcedureIn(partial=True), arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_update_procedure(procedure_id: int, data: dict[str, Any]):
    """Change or deactivate a procedure."""
    catalogue = services().procedures
    return catalogue.update(require("admin", catalogue.center_of(procedure_id)), procedure_id, data)


# ------------------------------------------------------------------ users
@bp.get("/admin/users")
@bp.input(UsersQuery, location="query", arg_name="query")
@bp.doc(**ADMIN_DOC)
def admin_list_users(query: dict[str, Any]):
    """Accounts (a center admin sees only their center's)."""
    return services().admin.list_users(require("admin"), query.get("center_id"))


@bp.post("/admin/users")
@bp.input(UserIn, arg_name="data")
@bp.doc(**CREATED_DOC)
def admin_create_user(data: dict[str, Any]):
    """Create an account. Without ``password``, one is generated and returned once."""
    return services().admin.create_user(require("admin", data.get("center_id")), data), 201


def _user_center(user_id: int) -> int | None:
    with services().db.read() as s:
        user = s.get(User, user_id)
        if user is None:
            raise not_found("tài khoản", "User", "unknown_user")
        return user.center_id


@bp.patch("/admin/users/<int:user_id>")
@bp.input(UserPatch, arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_update_user(user_id: int, data: dict[str, Any]):
    """Change an account's name, role, center; deactivate or reactivate it."""
    return services().admin.update_user(require("admin", _user_center(user_id)), user_id, data)


@bp.post("/admin/users/<int:user_id>/reset-password")
@bp.input(PasswordIn, arg_name="data")
@bp.doc(**ADMIN_DOC)
def admin_reset_password(user_id: int, data: dict[str, Any]):
    """Set a new password; without one, a generated password is returned once."""
    return services().admin.reset_password(require("admin", _user_center(user_id)), user_id, data.get("password"))


# ------------------------------------------------------------------ audit
@bp.get("/admin/audit")
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.doc(**ADMIN_DOC)
def admin_audit(query: dict[str, Any]):
    """Who changed what and when, newest first, with values before and after."""
    principal = require("supervisor", query.get("center_id"))
    if principal.center_id is None and query.get("center_id") is None and principal.role != "admin":
        raise DomainError("forbidden", "Bạn không có quyền làm việc này.", "You are not allowed to do this.", status=403)
    return services().admin.audit_log(principal, query.get("center_id"), query.get("entity"), query["limit"], query["offset"])


# ------------------------------------------------------------------ export / import
@bp.get("/admin/centers/<int:center_id>/export")
@bp.doc(**{**ADMIN_DOC, "responses": {200: {"description": "Tệp cấu hình / configuration file", "content": {
    "application/json": {"schema": {"type": "object"}}, "application/yaml": {"schema": {"type": "string"}}}}}})
def admin_export_center(center_id: int):
    """The center's configuration as one file (``?format=yaml`` for YAML)."""
    require("admin", center_id)
    fmt = "yaml" if request.args.get("format") == "yaml" else "json"
    with services().db.read() as s:
        data = center_io.export_center(s, center_id, now=services().clock.now())
    body = center_io.dumps(data, fmt)
    filename = f"trung-tam-{data['center']['code']}.{fmt}"
    mimetype = "application/yaml" if fmt == "yaml" else "application/json"
    return Response(body, mimetype=f"{mimetype}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _import_request() -> tuple[dict[str, Any], str | None, str | None, str | None]:
    """The export to import and the new center's code, name and agency id, from an upload or a JSON body."""
    if request.files.get("file"):
        data = center_io.loads(request.files["file"].read().decode("utf-8", errors="replace"))
        # An agency id over 40 characters is refused as invalid by the domain.
        return data, request.form.get("code") or None, request.form.get("name") or None, request.form.get("agency_id") or None
    try:
        body = ImportIn().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        raise DomainError("invalid_input", "Dữ liệu gửi lên không hợp lệ.", "Invalid input.", status=400,
                          fields=exc.messages) from None
    return body["data"], body.get("code"), body.get("name"), body.get("agency_id")


@bp.post("/admin/centers/import")
@bp.doc(**CREATED_DOC)
def admin_import_center():
    """Create a new center from an export: JSON body ``{data, code?, name?, agency_id?}`` or a form
    upload (``file``, ``code``, ``name``, ``agency_id``). The agency identifier must be the new
    center's own (409 ``agency_id_taken`` when another center has the file's)."""
    principal = require("admin")
    data, code, name, agency_id = _import_request()
    core = services()
    created = center_io.import_center_as(core.db, principal, data, now=core.clock.now(), code=code, name=name,
                                         agency_id=agency_id)
    return created, 201
