"""The demo center's kiosk, so ``make run`` shows a working kiosk at once.

A kiosk's token is normally shown once and only its hash is kept. The demo kiosk is
the one exception: its token is also kept in ``Device.config["demo_token"]`` so every
start can print the same setup link. A kiosk token can do no more than an anonymous
caller of the public ticket API (issue tickets, print them on its own printer), so
this costs little; an admin who rotates the token ends the exception.
"""
from __future__ import annotations

import logging
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo import DEMO_CENTER_CODE
from server.domain.accounts import hash_token, register_device
from server.extensions import services
from server.models import Center, Device
from server.adapters.printing import validate_printer_url

DEMO_KIOSK_NAME = "Kiosk sảnh chính (demo)"
PRINTER_ENV = "KIOSK_PRINTER_URL"


SEEDED_KEY = "printer_seeded"  # in Device.config: the environment has given this kiosk its printer once

log = logging.getLogger("motcua.kiosk")


def _env_printer(printer_url: str | None) -> str | None:
    """The printer URL to seed with (argument, else ``KIOSK_PRINTER_URL``), or None; a malformed one
    is reported and ignored, never stored (the kiosk then prints nothing until an admin fixes it)."""

    value = (printer_url if printer_url is not None else os.environ.get(PRINTER_ENV, "")).strip()
    if not value:
        return None
    try:
        return validate_printer_url(value)
    except ValueError as error:
        log.warning("%s ignored: %s", PRINTER_ENV, error)
        print(f"  {PRINTER_ENV} không hợp lệ, bỏ qua / ignored: {error}", flush=True)
        return None


def ensure_demo_kiosk(session: Session, center_id: int, *, printer_url: str | None = None) -> str:
    """Create the demo kiosk of ``center_id`` if missing and return its token (the same one every time).

    The printer comes from ``printer_url`` or the ``KIOSK_PRINTER_URL`` environment variable, and
    only seeds: it is applied once, to a demo kiosk that has never had a printer. After that the
    Devices page owns the printer, and a later start (with the variable changed, emptied or still
    set) never undoes what an admin saved. None means a screen-only kiosk (tickets shown on
    screen with their QR, no printer alerts)."""
    printer = _env_printer(printer_url)
    for device in session.scalars(select(Device).where(Device.center_id == center_id, Device.kind == "kiosk")):
        config = dict(device.config or {})
        token = config.get("demo_token")
        if token and device.token_hash == hash_token(token) and device.active:
            if printer and not device.printer_url and not config.get(SEEDED_KEY):
                device.printer_url = printer
                device.config = {**config, SEEDED_KEY: True}
            elif printer and device.printer_url != printer:
                log.info("%s differs from the demo kiosk's saved printer; the saved one is kept (change it on Devices)", PRINTER_ENV)
            return token
    device, token = register_device(session, center_id, "kiosk", DEMO_KIOSK_NAME, printer_url=printer, config={"demo": True})
    device.config = {"demo": True, "demo_token": token, **({SEEDED_KEY: True} if printer else {})}
    session.flush()
    return token


def demo_kiosk_url(token: str, base_url: str = "http://localhost:8000") -> str:
    """The link that sets a browser up as the demo kiosk (it stores the token, then drops it from the address)."""
    return f"{base_url.rstrip('/')}/kiosk/?device={token}"


def demo_kiosk_link(app: object, base_url: str = "http://localhost:8000") -> str | None:
    """Ensure the demo center's kiosk and return its setup link; None when there is no demo center.

    For ``run.py serve``: print the link once the app is built, so ``make run`` shows a working kiosk."""

    with services(app).db.write() as session:  # type: ignore[arg-type]
        center = session.execute(select(Center).where(Center.code == DEMO_CENTER_CODE)).scalar_one_or_none()
        if center is None:
            return None
        token = ensure_demo_kiosk(session, center.id)
    return demo_kiosk_url(token, base_url)
