"""Board and counter-screen pages. The page itself holds no data: it reads its settings from the
API (a registered device's token, kept by the browser, or ``?center=N`` for a silent read-only
board), then follows the center over Socket.IO."""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, render_template, request

from server.extensions import services

bp = Blueprint("display", __name__, template_folder="templates", static_folder="static", static_url_path="/display/static")

SOCKETIO_JS = "/vendor/socket.io/socket.io.min.js"


def register(app: Flask) -> None:
    """Add the display pages to the app (called by ``create_app``)."""
    app.register_blueprint(bp)


def _page(mode: str, counter_number: int | None = None) -> Response:
    services().announcer.warm_up_in_background()
    demo_center = request.args.get("center", type=int)
    config = {
        "mode": mode,
        "counterNumber": counter_number,
        "demoCenter": demo_center,
        "socketio": SOCKETIO_JS,
        # Tests and demos may speed playback up; a real TV leaves it at 1.
        "playbackRate": max(0.5, min(4.0, request.args.get("playback_rate", 1.0, type=float))),
    }
    response = Response(
        render_template("display/board.html", mode=mode, counter_number=counter_number, config_json=json.dumps(config))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/display/board")
def board_page() -> Response:
    """The main call board for a TV (1920×1080, readable from 10 m)."""
    return _page("board")


@bp.get("/display/counter/<int:number>")
def counter_page(number: int) -> Response:
    """A counter's own screen: its number and the number it is serving."""
    return _page("counter", number)


@bp.get("/display/")
def display_index() -> Response:
    return _page("board")
