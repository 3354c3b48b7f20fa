"""Booking blueprint: ``/dat-lich`` (centers taking bookings), ``/dat-lich/<center_id>`` (the
phone-first booking page), ``/lich-hen/<token>`` (the booking's own page: state, code, QR, move,
cancel) and ``/lich-hen/<token>/qr.png`` (the QR image to save).

The pages are rendered from the domain's answers; what they change goes through the public JSON
API (``/api/v1/public/…``), which anonymous phones call without a session, so without CSRF tokens,
and which is rate-limited per client. No page shows an ID number; contact details come masked."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, redirect, render_template
from sqlalchemy import select

from booking.qr import booking_qr_image
from hardware import image_to_png_bytes
from server.domain.bookings.settings import booking_settings
from server.domain.errors import DomainError
from server.extensions import services
from server.models import Center

bp = Blueprint(
    "booking", __name__, template_folder="templates", static_folder="static", static_url_path="/dat-lich/static"
)

MAX_TOKEN = 64
API = "/api/v1/public"
# The token is the booking's key: never cache its pages nor pass their address on.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def register(app: Flask) -> None:
    """Add the booking pages to the app (called by ``create_app``)."""
    app.register_blueprint(bp)


def centers_taking_bookings() -> list[dict[str, Any]]:
    """The centers whose booking rules are switched on, as ``{"id","name","name_en","address"}``."""
    with services().db.read() as s:
        centers = list(s.scalars(select(Center).order_by(Center.id)))
        return [{"id": c.id, "name": c.name, "name_en": c.name_en, "address": c.address}
                for c in centers if booking_settings(c)["enabled"]]


@bp.get("/dat-lich")
def centers_page():
    """Where a citizen starts: the centers taking bookings, or straight to the only one."""
    centers = centers_taking_bookings()
    if len(centers) == 1:
        return redirect(f"/dat-lich/{centers[0]['id']}")
    return render_template("booking/centers.html", centers=centers)


@bp.get("/dat-lich/<int:center_id>")
def booking_page(center_id: int):
    """The booking page of one center: field → day → time → contact → confirm → code and QR."""
    offer = services().bookings.offer(center_id)
    return render_template("booking/book.html", offer=offer, page_json=_json({"offer": offer, "api": API}))


@bp.get("/lich-hen/<token>")
def manage_page(token: str):
    """The booking's own page behind its secret link; an unknown link is a plain 404 page in both languages."""
    found = _booking_or_none(token)
    if found is None:
        return Response(render_template("booking/not_found.html"), status=404, headers=PRIVATE_HEADERS)
    page = render_template("booking/manage.html", booking=found, page_json=_json({"booking": found, "api": API}))
    return Response(page, headers=PRIVATE_HEADERS)


@bp.get("/lich-hen/<token>/qr.png")
def qr_png(token: str):
    """The booking's QR (the booking code only) with the code printed under it: the image "Lưu ảnh mã QR" saves."""
    found = _booking_or_none(token)
    if found is None:
        return Response(render_template("booking/not_found.html"), status=404, headers=PRIVATE_HEADERS)
    image = booking_qr_image(found["code"], found["code_display"])
    return Response(image_to_png_bytes(image), mimetype="image/png", headers=PRIVATE_HEADERS)


def _booking_or_none(token: str) -> dict[str, Any] | None:
    """The booking view of ``token``, or None for a link that is not one of ours (any shape)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        return services().bookings.view(token)
    except DomainError as error:
        if error.status == 404:
            return None
        raise


def _json(data: dict[str, Any]) -> str:
    """``data`` for a ``<script type="application/json">`` block: ``</`` cannot close the script early."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
