"""The pairing page ``/pair``: a new TV, kiosk or tablet shows a 6-digit code in large type; an
admin types it on the Devices page and the browser turns into what the admin chose.

``pairing.js`` (served here) also runs inside the setup view of the kiosk and display pages, so
opening the bare ``/kiosk/`` or ``/display/board`` on an unregistered browser shows a code too.
The flow and its limits are in :mod:`server.domain.pairing`.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template, request

bp = Blueprint("pairing", __name__, template_folder="templates", static_folder="static", static_url_path="/pair/static")

WANTED = {"kiosk": ("kiosk lấy số", "ticket kiosk"), "display": ("màn hình gọi số", "call board"),
          "counter_screen": ("màn hình quầy", "counter screen"), "rating_tablet": ("máy đánh giá", "rating tablet")}


def register(app: Flask) -> None:
    """Add ``/pair`` to the app (called by ``create_app``)."""
    app.register_blueprint(bp)


@bp.get("/pair")
def pair_page() -> Response:
    """The device's pairing screen (no login: the code alone grants nothing until an admin claims it)."""
    wanted = request.args.get("for", "")
    response = Response(render_template("pairing/pair.html", wanted=wanted if wanted in WANTED else "", labels=WANTED))
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["register", "bp"]
