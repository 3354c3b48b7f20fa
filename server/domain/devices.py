"""Registered devices (kiosks, displays, counter screens, rating tablets, printers): register one,
change it, give it a new token, list a center's. Every change is written to the audit log.

A device's token is shown once (at registration or rotation) and kept only as a hash; its
settings never show the demo kiosk's token kept there. Printer URLs arrive checked by the
caller (the print adapter knows which URLs it can print to).
"""
from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.clock import Clock
from server.db import Database
from server.domain.accounts import Principal, hash_token, register_device
from server.domain.audit import record
from server.domain.errors import DomainError, not_found
from server.models import Center, Device

DEVICE_KINDS = ("kiosk", "display", "counter_screen", "rating_tablet", "printer")
MAX_CONFIG_CHARS = 4000
SECRET_KEYS = ("demo_token",)  # settings the server keeps in a device's config and never shows
# Server-kept markers that survive an admin's config edit: the demo token, and "the environment
# already seeded this printer" (else a restart could seed it again).
KEPT_KEYS = ("demo_token", "printer_seeded")


def public_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """The device's settings without secrets kept there (the demo kiosk's token)."""
    return {k: v for k, v in (config or {}).items() if k not in SECRET_KEYS}


def checked_config(config: dict[str, Any]) -> dict[str, Any]:
    """Settings an admin sent: JSON of at most :data:`MAX_CONFIG_CHARS`, secrets dropped; 400 otherwise."""
    try:
        text = json.dumps(config, ensure_ascii=False)
    except (TypeError, ValueError):
        text = ""
    if not text or len(text) > MAX_CONFIG_CHARS:
        raise DomainError("invalid_config", "Cấu hình thiết bị không hợp lệ hoặc quá dài.",
                          "Device config is invalid or too long.", status=400)
    return public_config(config)


def device_or_404(db: Database, device_id: int) -> Device:
    """The device (active or not), or 404 ``unknown_device``."""
    with db.read() as s:
        device = s.get(Device, device_id)
        if device is None:
            raise not_found("thiết bị", "Device", "unknown_device")
        return device


def _audit(session: Session, clock: Clock, principal: Principal, action: str, device: Device, summary: str,
           before: dict | None = None) -> None:
    after = {"name": device.name, "kind": device.kind, "printer_url": device.printer_url, "active": device.active,
             "config": public_config(device.config)}
    record(session, actor=principal.actor, action=action, entity="device", entity_id=device.id, center_id=device.center_id,
           before=before, after=after, summary=summary, user_id=principal.id if principal.kind == "user" else None,
           now=clock.now())


class DeviceService:
    """Register, change and list devices over one database; audited as ``principal``."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def register(self, principal: Principal, center_id: int, kind: str, name: str, *, printer_url: str | None,
                 config: dict[str, Any]) -> tuple[Device, str]:
        """A new device and its token (shown once); 404 for an unknown center."""
        config = checked_config(config or {})
        with self.db.write() as s:
            if s.get(Center, center_id) is None:
                raise not_found("trung tâm", "Center", "unknown_center")
            device, token = register_device(s, center_id, kind, name.strip(), printer_url=printer_url, config=config)
            _audit(s, self.clock, principal, "create", device, f"Đăng ký thiết bị {device.kind} «{device.name}»")
            return device, token

    def update(self, principal: Principal, device_id: int, data: dict[str, Any]) -> Device:
        """Rename, change the printer (``printer_url`` already checked; None removes it), settings or
        ``active``; only the keys present in ``data`` change."""
        config = checked_config(data["config"]) if "config" in data else None
        with self.db.write() as s:
            device = s.get(Device, device_id)
            if device is None:
                raise not_found("thiết bị", "Device", "unknown_device")
            before = {"name": device.name, "printer_url": device.printer_url, "active": device.active,
                      "config": public_config(device.config)}
            if "name" in data:
                device.name = data["name"].strip() or device.name
            if "printer_url" in data:
                device.printer_url = data["printer_url"]
                if (device.config or {}).get("demo"):
                    # The admin's choice (even "no printer") now rules: KIOSK_PRINTER_URL never seeds it again.
                    device.config = {**(device.config or {}), "printer_seeded": True}
            if config is not None:
                keep = {k: v for k, v in (device.config or {}).items() if k in KEPT_KEYS}
                device.config = {**config, **keep}
            if "active" in data:
                device.active = bool(data["active"])
            _audit(s, self.clock, principal, "update", device, f"Sửa thiết bị «{device.name}»", before)
            s.flush()
            return device

    def rotate_token(self, principal: Principal, device_id: int) -> tuple[Device, str]:
        """A new token for the device (the old one stops working at once), shown once."""
        token = secrets.token_urlsafe(24)
        with self.db.write() as s:
            device = s.get(Device, device_id)
            if device is None:
                raise not_found("thiết bị", "Device", "unknown_device")
            device.token_hash = hash_token(token)
            device.config = public_config(device.config)  # a rotated demo kiosk is no longer the demo's
            _audit(s, self.clock, principal, "rotate_token", device, f"Cấp lại mã thiết bị «{device.name}»")
            s.flush()
            return device, token

    def list(self, principal: Principal, center_id: int | None = None, kind: str | None = None, *,
             with_printer: bool = False) -> list[Device]:
        """Devices of ``center_id`` (default: the principal's center, or all for a province-wide
        account), of one ``kind`` or all; only active ones with a printer when ``with_printer``."""
        center_id = center_id if center_id is not None else principal.center_id
        stmt = select(Device)
        if with_printer:
            stmt = stmt.where(Device.printer_url.is_not(None), Device.active.is_(True)).order_by(Device.center_id, Device.name)
        else:
            stmt = stmt.order_by(Device.center_id, Device.kind, Device.name)
        if center_id is not None:
            stmt = stmt.where(Device.center_id == center_id)
        if kind:
            stmt = stmt.where(Device.kind == kind)
        with self.db.read() as s:
            return list(s.scalars(stmt))


__all__ = ["DEVICE_KINDS", "DeviceService", "checked_config", "device_or_404", "public_config"]
