"""Socket.IO: a supervisor's dashboard joins ``supervisors:<center_id>`` (alerts, ratings).

Authenticated by the Flask session of the page that opened the socket: only a
supervisor or admin of that center may join.
"""
from __future__ import annotations

from typing import Any

from flask_socketio import emit

from server.adapters.realtime import join_rooms
from server.domain.alerts import supervisors_room
from server.domain.events import center_room
from server.extensions import socketio
from server.models import User
from server.web.auth import signed_in_user


def _supervisor() -> User | None:
    """The signed-in user of the page's session, when a supervisor or admin."""

    user = signed_in_user()
    return user if user is not None and user.role in ("supervisor", "admin") else None


@socketio.on("join_supervisor")
def join_supervisor(data: Any = None) -> dict[str, Any]:
    """Join the supervisors' room of a center (and its center room for ticket events)."""
    user = _supervisor()
    center_id = data.get("center_id") if isinstance(data, dict) else None
    try:
        center_id = int(center_id)
    except (TypeError, ValueError):
        center_id = None
    if user is None or center_id is None or (user.center_id is not None and user.center_id != center_id):
        error = {"code": "forbidden", "message_vi": "Bạn không có quyền theo dõi trung tâm này.",
                 "message_en": "You may not watch this center."}
        emit("error", error)
        return {"ok": False, **error}
    rooms = [supervisors_room(center_id), center_room(center_id)]
    return {"ok": join_rooms(rooms), "rooms": rooms}
