"""Kiosk blueprint: ``/kiosk/`` (touch kiosk and its setup page), ``/t/<token>`` (the ticket's
phone page) and ticket images (``/t/<token>/ticket.png`` preview, ``/t/<token>/qr.png``)."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, render_template, request
from sqlalchemy import select

from hardware import image_to_png_bytes, make_qr_image, render_ticket
from server.adapters.printing import fit_to_width, issued_at_text, phone_url, public_base_url, ticket_print
from server.domain.centers import read_center
from server.domain.errors import not_found
from server.domain.ratings import choices
from server.extensions import services
from server.models import Center, Ticket

bp = Blueprint(
    "kiosk", __name__, template_folder="templates", static_folder="static", static_url_path="/kiosk/static"
)

MAX_TOKEN = 64
PREVIEW_WIDTHS = (384, 512, 576)

# Browser assets the kiosk uses, all served by this app (centers are offline).
KIOSK_CONFIG = {
    "socketio": "/vendor/socket.io/socket.io.min.js",
    "barcodeDetector": "/vendor/barcode-detector/iife/ponyfill.js",
    "zxingWasmBase": "/vendor/zxing-wasm/reader/",
    "scanMaxMeanGapMs": 50,   # a USB scanner types a key every few ms; people need 100 ms or more
    "scanResetGapMs": 300,    # a pause this long starts a new burst
    "scanMinLength": 6,
}
# What the public phone page shows of a ticket: no personal data. ``id`` finds the ticket in its
# line's ``queue_moved`` pushes (ids are not secret; the token is).
PHONE_TICKET_FIELDS = ("id", "token", "number", "state", "priority", "people_ahead", "estimated_wait_minutes",
                       "issued_at", "called_at", "finished_at", "counter", "service")


def register(app: Flask) -> None:
    """Add the kiosk pages to the app (called by ``create_app``)."""
    app.register_blueprint(bp)


def _ticket_or_404(token: str) -> dict[str, Any]:
    if not token or len(token) > MAX_TOKEN:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    return services().queue.ticket_by_token(token)


def _center(center_id: int) -> Center:
    return read_center(services().db, center_id)


def _ratings() -> dict[str, Any]:
    """The satisfaction levels the phone page offers once the ticket is served."""

    return {"levels": choices()["levels"]}


@bp.get("/kiosk/")
def kiosk_page():
    """The kiosk. Which center it serves comes from its device token (kept by the browser);
    without one the page is a setup page, not a working kiosk."""
    return render_template("kiosk/kiosk.html", config_json=json.dumps(KIOSK_CONFIG))


@bp.get("/t/<token>")
def phone_page(token: str):
    """The ticket's public phone page: number, service, people ahead, wait; live. No personal data."""
    ticket = _ticket_or_404(token)
    center = _center(ticket["center_id"])
    public = {k: ticket.get(k) for k in PHONE_TICKET_FIELDS}
    response = Response(render_template("kiosk/phone.html", ticket=public, center=center,
                                        issued_at_text=issued_at_text(ticket.get("issued_at"), center.timezone),
                                        page_json=_phone_page_json(public, center)))
    # The token is in the address: never cache the page nor pass the address on.
    response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    return response


def _phone_page_json(public: dict[str, Any], center: Center) -> str:
    """What the phone page's script starts from: the ticket's public fields, the center, the rating scale."""
    page = {"ticket": public, "center": {"name": center.name, "name_en": center.name_en, "timezone": center.timezone},
            "ratings": _ratings(), "socketio": KIOSK_CONFIG["socketio"]}
    return json.dumps(page, ensure_ascii=False)


def _preview_width(text: str | None) -> int:
    """``?width=`` of a ticket preview, one of :data:`PREVIEW_WIDTHS`; anything else is 576 (80 mm paper)."""
    width = int(text) if text and text.isascii() and text.isdigit() else 576
    return width if width in PREVIEW_WIDTHS else 576


@bp.get("/t/<token>/ticket.png")
def ticket_png(token: str):
    """The ticket as it prints now (``?width=384`` for 58 mm paper, 576 for 80 mm), for the screen and for support."""
    ticket = _ticket_or_404(token)
    center = _center(ticket["center_id"])
    width = _preview_width(request.args.get("width"))
    image = render_ticket(fit_to_width(ticket_print(ticket, center, base_url=public_base_url()), width), width)
    response = Response(image_to_png_bytes(image), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/t/<token>/qr.png")
def ticket_qr_png(token: str):
    """The QR of the ticket's phone page (the same URL the paper ticket carries)."""
    if not token or len(token) > MAX_TOKEN:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    with services().db.read() as s:
        found = s.scalar(select(Ticket.id).where(Ticket.token == token))
    if found is None:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    image = make_qr_image(phone_url(token), 240, border=2)
    response = Response(image_to_png_bytes(image), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
