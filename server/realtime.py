"""Realtime layer (Flask-SocketIO): rooms per center, counter, display and ticket token.

A client says what it watches when it connects (``auth``) or later with ``join``;
it first receives a ``snapshot`` of that state, then events. Events carry the
``event_id`` of the ticket-log row so a client can drop one it already applied
(the snapshot's ``last_event_id`` tells where it stands after a reconnect).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from flask_socketio import SocketIO, emit, join_room

from server.config import Settings
from server.domain.errors import DomainError
from server.domain.events import DomainEvent, center_room, counter_room, display_room, ticket_room

log = logging.getLogger("motcua.realtime")

socketio = SocketIO()
TICKET_ROOM_PREFIX = ticket_room("")


def init_app(app: Flask, settings: Settings) -> None:
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.socketio_message_queue,
        channel=settings.socketio_channel,
        cors_allowed_origins=None if not settings.testing else "*",
        # Displays on a flaky LAN: notice a dead connection within ~25 s, reconnect client-side.
        ping_interval=10,
        ping_timeout=15,
        json=app.json,
    )


def publish(event: DomainEvent) -> None:
    """Send a domain event to its rooms (through Redis when several processes share it)."""
    try:
        own = [room for room in event.rooms if room.startswith(TICKET_ROOM_PREFIX)]
        shared = [room for room in event.rooms if not room.startswith(TICKET_ROOM_PREFIX)]
        ticket = event.payload.get("ticket")
        if isinstance(ticket, dict) and "token" in ticket:
            # Anyone may watch a center (boards log in to nothing): the token, which opens the
            # citizen's phone page and rating, goes only to that ticket's own room.
            if own:
                socketio.emit(event.name, event.payload, to=own, namespace="/")
            if shared:
                public = {**event.payload, "ticket": {k: v for k, v in ticket.items() if k != "token"}}
                socketio.emit(event.name, public, to=shared, namespace="/")
        else:
            socketio.emit(event.name, event.payload, to=list(event.rooms), namespace="/")
    except Exception:  # noqa: BLE001 - a broken broker must not undo a committed call
        log.exception("could not publish %s", event.name)


def _snapshot_for(subscription: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Rooms to join and the snapshot to send for a subscription request."""
    from server.app import services

    queue = services().queue
    rooms: list[str] = []
    snapshot: dict[str, Any] = {}
    token = subscription.get("ticket")
    if token:
        ticket = queue.ticket_by_token(str(token))
        rooms.append(ticket_room(str(token)))
        snapshot["ticket"] = ticket
        return rooms, snapshot
    center_id = _int(subscription.get("center_id"))
    if center_id is None:
        raise DomainError("invalid_subscription", "Thiếu trung tâm cần theo dõi.", "Say which center to watch.", status=400)
    snapshot.update(queue.center_snapshot(center_id))
    rooms.append(center_room(center_id))
    counter_id = _int(subscription.get("counter_id"))
    if counter_id is not None:
        counter = queue.counter_view(counter_id)
        if counter["center_id"] != center_id:
            raise DomainError("invalid_subscription", "Quầy không thuộc trung tâm này.", "Counter is not in this center.", status=400)
        rooms.append(counter_room(counter_id))
        if isinstance(counter.get("current"), dict):
            # Watching a counter needs no login either: its current ticket goes out without the token.
            counter["current"] = {k: v for k, v in counter["current"].items() if k != "token"}
        snapshot["counter"] = counter
    display_id = _int(subscription.get("display_id"))
    if display_id is not None:
        rooms.append(display_room(display_id))
    return rooms, snapshot


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _subscribe(subscription: Any) -> None:
    if not isinstance(subscription, dict):
        emit("error", {"code": "invalid_subscription", "message_vi": "Yêu cầu không hợp lệ.", "message_en": "Invalid subscription."})
        return
    try:
        rooms, snapshot = _snapshot_for(subscription)
    except DomainError as error:
        emit("error", error.to_dict())
        return
    for room in rooms:
        join_room(room)
    emit("snapshot", snapshot)


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    if auth:
        _subscribe(auth)


@socketio.on("join")
def on_join(subscription: Any) -> None:
    _subscribe(subscription)


@socketio.on("resync")
def on_resync(subscription: Any) -> None:
    """A client that suspects it missed something asks for a fresh snapshot."""
    _subscribe(subscription)


def app_socketio() -> SocketIO:
    return socketio


__all__ = ["socketio", "init_app", "publish", "current_app"]
