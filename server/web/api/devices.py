"""Devices (kiosks, displays, counter screens, printers) and printer status.

An admin registers a device and gets its token once (the kiosk's setup page asks for
it); supervisors see the devices of their center, when each was last seen, and how
its printer is doing. The admin pages reuse these endpoints and :func:`device_view`.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, Nested, String
from apiflask.validators import Length, OneOf, Range
from apiflask.views import MethodView
from flask import current_app, request

from hardware import PrinterConfig
from server.adapters.printing import (
    PAPER_WIDTHS,
    printer_settings,
    printer_url_with,
    printing,
    public_base_url,
    validate_printer_url,
)
from server.clock import iso_utc, utc
from server.domain.devices import DEVICE_KINDS, DeviceService, device_or_404, public_config
from server.domain.errors import DomainError, not_found
from server.domain.pairing import PairingClaim, PairingService
from server.domain.ratings import tablet_key
from server.extensions import services
from server.models import Device
from server.web.api.blueprint import api_bp as bp
from server.web.api.kiosk import PrintJobOut
from server.web.api.schemas import Int, QueryInt
from server.web.auth import require

ONLINE_WITHIN = timedelta(minutes=3)  # a kiosk checks in every minute or so while it is in use
AUTH_DOC = {"security": [{"BearerAuth": []}, {"CookieAuth": []}], "tags": ["Devices"]}
TEST_PRINT_WAIT = 10.0  # a dead network printer fails within 2 × its 3 s timeout; a refused port at once


# ------------------------------------------------------------------------ schemas
class PrinterStatusOut(Schema):
    url = String()
    online = Boolean(allow_none=True, metadata={"description": "null until this server has printed to it"})
    last_error = String(allow_none=True)
    last_print_at = String(allow_none=True)
    last_job_id = String(allow_none=True)
    center_id = Integer(allow_none=True)
    device_id = Integer(allow_none=True)
    device_name = String(allow_none=True)


class DevicePrinterOut(PrinterStatusOut):
    """PrinterStatusOut nested in a device (one name per schema class in the OpenAPI document)."""


class DeviceOut(Schema):
    id = Integer()
    center_id = Integer()
    kind = String()
    name = String()
    printer_url = String(allow_none=True)
    printer_width = Integer(allow_none=True, metadata={"description": "paper width in dots: 384 (58 mm), 512 or 576 (80 mm)"})
    printer_cut = Boolean(allow_none=True, metadata={"description": "cut the paper after each ticket"})
    config = Dict()
    active = Boolean()
    last_seen_at = String(allow_none=True)
    online = Boolean()
    printer = Nested(DevicePrinterOut, allow_none=True)


class CreatedDeviceOut(DeviceOut):
    """DeviceOut nested in the creation answer (one name per schema class in the OpenAPI document)."""


class DeviceCreatedOut(Schema):
    device = Nested(CreatedDeviceOut)
    token = String(metadata={"description": "shown once: enter it on the device's setup page"})
    setup_url = String(allow_none=True, metadata={"description": "open once on the device (none for a bare printer)"})


class DeviceIn(Schema):
    center_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    kind = String(required=True, validate=OneOf(DEVICE_KINDS))
    name = String(required=True, validate=Length(min=1, max=120))
    printer_url = String(load_default=None, allow_none=True, validate=Length(max=300))
    config = Dict(load_default=dict)


class DevicePatchIn(Schema):
    name = String(validate=Length(min=1, max=120))
    printer_url = String(allow_none=True, validate=Length(max=300))
    printer_width = Int(validate=OneOf(PAPER_WIDTHS), metadata={"description": "384 (58 mm), 512 or 576 (80 mm)"})
    printer_cut = Boolean()
    config = Dict()
    active = Boolean()


class DeviceListQuery(Schema):
    center_id = QueryInt(load_default=None, validate=Range(min=1, max=2**31 - 1))
    kind = String(load_default=None, validate=OneOf(DEVICE_KINDS))


class PrinterListQuery(Schema):
    center_id = QueryInt(load_default=None, validate=Range(min=1, max=2**31 - 1))


# ------------------------------------------------------------------------ helpers


def device_view(device: Device, *, now: Any = None) -> dict[str, Any]:
    """A device as the API and the admin pages show it (never its token or hash)."""
    now = now or services().clock.now()
    seen = utc(device.last_seen_at) if device.last_seen_at else None
    settings = printer_settings(device.printer_url)
    printer = None
    if device.printer_url:
        printer = {**printing().status(device.printer_url), "center_id": device.center_id, "device_id": device.id,
                   "device_name": device.name}
        printer["last_job_id"] = str(printer["last_job_id"]) if printer["last_job_id"] is not None else None
    return {
        "id": device.id, "center_id": device.center_id, "kind": device.kind, "name": device.name,
        "printer_url": device.printer_url or None, "printer_width": settings["width"], "printer_cut": settings["cut"],
        "config": public_config(device.config), "active": bool(device.active),
        "last_seen_at": iso_utc(seen), "online": bool(seen and now - seen <= ONLINE_WITHIN), "printer": printer,
    }


def checked_printer_url(value: str | None) -> str | None:
    """A printer URL the server may print to, or None; 400 with the reason otherwise.

    ``file://`` printers must be device files under ``/dev/`` (e.g. ``file:///dev/usb/lp0``):
    a URL naming an ordinary file would let printing overwrite it."""
    if value is None or not str(value).strip():
        return None
    try:
        url = validate_printer_url(str(value))
    except (ValueError, TypeError) as error:
        raise DomainError("invalid_printer_url", f"Địa chỉ máy in không hợp lệ: {error}", f"Invalid printer URL: {error}",
                          status=400) from None
    if url.lower().startswith("file:"):
        device = PrinterConfig.from_url(url).device
        if not device.startswith("/dev/") or ".." in device:
            raise DomainError("invalid_printer_url", "Máy in kiểu file:// phải là một thiết bị trong /dev/ (ví dụ file:///dev/usb/lp0).",
                              "A file:// printer must be a device under /dev/ (e.g. file:///dev/usb/lp0).", status=400)
    return url


def _devices() -> DeviceService:
    core = services()
    return DeviceService(core.db, core.clock)


def _device_or_404(device_id: int) -> Device:
    return device_or_404(services().db, device_id)


def _created(device: Device, token: str) -> dict[str, Any]:
    """``DeviceCreatedOut``: the device, its token (shown once) and the link that sets it up."""
    return {"device": device_view(device), "token": token, "setup_url": _setup_url(token, device)}


def _printer_change(current: Device, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its printer URL checked, and paper width or cut folded into the URL."""
    if "printer_url" in data:
        data = {**data, "printer_url": checked_printer_url(data["printer_url"])}
    removing = "printer_url" in data and data["printer_url"] is None  # an emptied URL removes the printer, whatever its width
    if ("printer_width" in data or "printer_cut" in data) and not removing:
        base = data["printer_url"] if "printer_url" in data else current.printer_url
        if not base:
            raise DomainError("no_printer", "Hãy nhập địa chỉ máy in trước khi chọn khổ giấy hoặc cắt giấy.",
                              "Enter the printer URL before choosing paper width or cut.", status=400)
        url = printer_url_with(base, width=data.get("printer_width"), cut=data.get("printer_cut"))
        data = {**data, "printer_url": checked_printer_url(url)}
    return data


def device_page(kind: str, config: dict[str, Any] | None = None) -> str | None:
    """The page a device of ``kind`` opens (path only), or None for a bare printer."""
    config = config or {}
    if kind == "kiosk":
        return "/kiosk/"
    if kind == "display":
        return "/display/board"
    if kind == "counter_screen":
        return f"/display/counter/{config['counter_number']}" if config.get("counter_number") else "/display/board"
    if kind == "rating_tablet" and config.get("counter_id"):


        counter_id = int(config["counter_id"])
        return f"/rate/{counter_id}?key={tablet_key(current_app.config['SECRET_KEY'], counter_id)}"
    return None


def _setup_url(token: str, device: Device) -> str | None:
    """The link that makes a browser this device: its own page (a board's is the board, not the
    kiosk) with the token, on the address other machines reach (LAN or ``PUBLIC_BASE_URL``)."""

    path = device_page(device.kind, device.config)
    if path is None:
        return None
    if device.kind == "rating_tablet":
        return f"{public_base_url()}{path}"  # the tablet's link carries its own key; it has no token
    return f"{public_base_url()}{path}?device={token}"


# ------------------------------------------------------------------------ routes
@bp.post("/devices")
@bp.input(DeviceIn, arg_name="data")
@bp.output(DeviceCreatedOut, status_code=201)
@bp.doc(**AUTH_DOC)
def create_device(data: dict[str, Any]):
    """Register a kiosk, display, counter screen or printer (admin); its token is returned once."""
    principal = require("admin", data["center_id"])
    printer_url = checked_printer_url(data.get("printer_url"))
    device, token = _devices().register(principal, data["center_id"], data["kind"], data["name"], printer_url=printer_url,
                                        config=data.get("config") or {})
    return _created(device, token)


@bp.get("/devices")
@bp.input(DeviceListQuery, location="query", arg_name="query")
@bp.output(DeviceOut(many=True))
@bp.doc(**AUTH_DOC)
def list_devices(query: dict[str, Any]):
    """Devices of a center (supervisor): kind, last seen, online, printer status."""
    principal = require("supervisor", query.get("center_id"))
    now = services().clock.now()
    return [device_view(d, now=now) for d in _devices().list(principal, query.get("center_id"), query.get("kind"))]


@bp.route("/devices/<int:device_id>")
class DeviceResource(MethodView):
    """One device. GET and PATCH share one URL rule, so an id out of range is a 404 for both
    (two rules on one path make werkzeug answer 405 for the second method)."""

    @bp.output(DeviceOut)
    @bp.doc(**AUTH_DOC)
    def get(self, device_id: int):
        """One device (supervisor of its center)."""
        device = _device_or_404(device_id)
        require("supervisor", device.center_id)
        return device_view(device)

    @bp.input(DevicePatchIn, arg_name="data")
    @bp.output(DeviceOut)
    @bp.doc(**AUTH_DOC)
    def patch(self, device_id: int, data: dict[str, Any]):
        """Rename a device, change its printer or settings, or deactivate it (admin)."""
        return update_device(device_id, data)


def update_device(device_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Apply a device change as the current principal (admin of the device's center); audited."""
    current = _device_or_404(device_id)
    principal = require("admin", current.center_id)
    return device_view(_devices().update(principal, device_id, _printer_change(current, data)))


@bp.post("/devices/<int:device_id>/token")
@bp.output(DeviceCreatedOut, status_code=201)
@bp.doc(**AUTH_DOC)
def rotate_device_token(device_id: int):
    """Give a device a new token (admin): the old one stops working at once; the new one is shown once."""

    principal = require("admin", _device_or_404(device_id).center_id)
    return _created(*_devices().rotate_token(principal, device_id))


@bp.post("/devices/<int:device_id>/print-test")
@bp.output(PrintJobOut, status_code=202)
@bp.doc(**AUTH_DOC)
def print_test(device_id: int):
    """Print the test page (every Vietnamese letter and a QR) on the device's printer (supervisor).

    Answers with the real outcome: ``printed``, or ``failed`` with the reason in words
    (``error``), once the printer has answered — at most ``TEST_PRINT_WAIT`` seconds; a
    printer slower than that leaves the job ``pending`` (ask ``GET /print-jobs/<id>``)."""
    device = _device_or_404(device_id)
    require("supervisor", device.center_id)
    if not device.printer_url:
        raise DomainError("no_printer", "Thiết bị này chưa có máy in.", "This device has no printer.", status=409)
    job = printing().print_test_page(center_id=device.center_id, printer_url=device.printer_url, device_id=device.id,
                                      device_name=device.name)
    return printing().wait(job["id"], TEST_PRINT_WAIT) or job


@bp.get("/print-jobs/<job_id>")
@bp.output(PrintJobOut)
@bp.doc(**AUTH_DOC)
def print_job_status(job_id: str):
    """Outcome of a print job (supervisor of its center), e.g. a test page."""
    center_id = printing().job_center(job_id) if len(job_id) <= 64 else None
    if center_id is None:
        require("supervisor")
        raise not_found("lệnh in", "Print job", "unknown_print_job")
    require("supervisor", center_id)
    return printing().job(job_id)


@bp.get("/printers")
@bp.input(PrinterListQuery, location="query", arg_name="query")
@bp.output(PrinterStatusOut(many=True))
@bp.doc(**AUTH_DOC)
def list_printers(query: dict[str, Any]):
    """Printer status per device with a printer (supervisor): online, last error, last print.

    ``online`` is null until this server has printed to the printer since it started."""
    principal = require("supervisor", query.get("center_id"))
    return [device_view(d)["printer"] for d in _devices().list(principal, query.get("center_id"), with_printer=True)]


# ------------------------------------------------------------------------ pairing
PAIR_DOC = {"tags": ["Devices"]}
# Where each kind keeps its token in the browser: the kiosk and display pages read these.
TOKEN_STORAGE = {
    "kiosk": {"local_storage": "motcua.kiosk.deviceToken", "cookie": "motcua_kiosk_device", "path": "/kiosk"},
    "display": {"local_storage": "motcua.display.deviceToken", "cookie": "motcua_display_device", "path": "/display"},
    "counter_screen": {"local_storage": "motcua.display.deviceToken", "cookie": "motcua_display_device", "path": "/display"},
}


class PairingStartIn(Schema):
    wanted = String(load_default="", validate=OneOf(["", "kiosk", "display", "counter_screen", "rating_tablet"]),
                    metadata={"description": "the page the device came from (a hint shown on the pairing screen)"})


class PairingStartOut(Schema):
    code = String(metadata={"description": "6 digits to show in large type; the admin types them"})
    secret = String(metadata={"description": "kept by the device only; polls with it"})
    expires_at = String()
    expires_in = Integer()
    state = String()


class PairingPollIn(Schema):
    secret = String(required=True, validate=Length(min=1, max=200))


class PairedDeviceOut(Schema):
    id = Integer()
    name = String()
    kind = String()
    center_id = Integer()
    counter_id = Integer(allow_none=True)
    counter_number = Integer(allow_none=True)


class TokenStorageOut(Schema):
    local_storage = String()
    cookie = String()
    path = String()


class PairingPollOut(Schema):
    state = String(metadata={"description": "waiting | paired (once, with the token) | used | expired"})
    code = String()
    expires_at = String()
    token = String(metadata={"description": "the device token, given once when paired"})
    device = Nested(PairedDeviceOut)
    page = String(metadata={"description": "where the device goes now"})
    storage = Nested(TokenStorageOut, allow_none=True)


class PairingClaimIn(Schema):
    code = String(required=True, validate=Length(min=1, max=20))
    center_id = Int(required=True, validate=Range(min=1, max=2**31 - 1))
    kind = String(required=True, validate=OneOf(["kiosk", "display", "counter_screen", "rating_tablet"]))
    name = String(load_default="", validate=Length(max=120))
    counter_id = Int(load_default=None, allow_none=True, validate=Range(min=1, max=2**31 - 1))
    printer_url = String(load_default=None, allow_none=True, validate=Length(max=300))


def _pairing() -> Any:

    return PairingService(services().db, services().clock)


@bp.post("/pairing")
@bp.input(PairingStartIn, arg_name="data")
@bp.output(PairingStartOut, status_code=201)
@bp.doc(**PAIR_DOC)
def start_pairing(data: dict[str, Any]):
    """A browser with no device token asks for a pairing code (public; a few open codes per machine)."""

    return _pairing().start(client=request.remote_addr or "", wanted=data.get("wanted") or "")


@bp.post("/pairing/poll")
@bp.input(PairingPollIn, arg_name="data")
@bp.output(PairingPollOut)
@bp.doc(**PAIR_DOC)
def poll_pairing(data: dict[str, Any]):
    """The device asks whether an admin has typed its code; once paired it gets its token, once."""
    answer = _pairing().poll(data["secret"])
    if answer["state"] == "paired":
        device = answer["device"]
        answer["page"] = device_page(device["kind"], device)
        answer["storage"] = TOKEN_STORAGE.get(device["kind"])
    return answer


@bp.post("/pairing/claim")
@bp.input(PairingClaimIn, arg_name="data")
@bp.output(DeviceOut, status_code=201)
@bp.doc(**AUTH_DOC)
def claim_pairing(data: dict[str, Any]):
    """Pair the device showing ``code`` (admin of the center): it becomes a kiosk, board, counter
    screen or rating tablet within a couple of seconds; no token is typed anywhere. Audited."""

    principal = require("admin", data["center_id"])
    printer_url = checked_printer_url(data.get("printer_url"))
    claim = PairingClaim(code=data["code"], center_id=data["center_id"], kind=data["kind"], name=data.get("name") or "",
                         counter_id=data.get("counter_id"), printer_url=printer_url)
    device = _pairing().claim(claim, actor=principal.actor, user_id=principal.id if principal.kind == "user" else None)
    with services().db.read() as s:
        return device_view(s.get(Device, device.id))


__all__ = ["device_view", "update_device", "checked_printer_url", "DEVICE_KINDS", "DeviceOut", "PrinterStatusOut"]
