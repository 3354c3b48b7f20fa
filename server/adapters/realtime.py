"""Realtime layer (Flask-SocketIO): rooms per center, counter, display and ticket token.

A client says what it watches when it connects (``auth``) or later with ``join``;
it first receives a ``snapshot`` of that state, then events. Events carry the
``event_id`` of the ticket-log row so a client can drop one it already applied
(the snapshot's ``last_event_id`` tells where it stands after a reconnect).

A reconnecting client may send ``since`` (the last event id it has): its snapshot then holds
every call after it (up to ``MISSED_CALLS_MAX``), not only the latest few. It may send
``recent`` (how many calls it lists) to get at least that many.

A registered board or counter screen also sends its ``device`` token: if it is not seen for
``settings.display_offline_seconds`` (``MOTCUA_DISPLAY_OFFLINE_SECONDS``, default 60) supervisors get a
``display_offline`` alert naming it, resolved when it reconnects (to any server process). When it
was last seen lives in the database; the upkeep scheduler (server/adapters/upkeep.py) writes the
heartbeat of the displays connected here and runs the check (server/domain/alerts.py).

Every subscription also gets the center's active floor notice (``floor_message`` in the snapshot;
server/domain/floor_messages.py), and a phone page joins its center's notice room to hear the next one.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, current_app, request
from flask_socketio import SocketIO, emit, join_room

from server.adapters.upkeep import Upkeep
from server.config import Settings
from server.domain.alerts import HEARTBEAT_SECONDS, AlertService, DisplayDevice
from server.domain.citizen_push import queue_positions, service_offer
from server.domain.errors import DomainError
from server.domain.events import DomainEvent, center_room, counter_room, display_room, queue_room, ticket_room
from server.domain.floor_messages import notice_room
from server.domain.inputs import MAX_INT, int_from_text, unstorable
from server.extensions import services, socketio
from server.worker_model import cooperative

log = logging.getLogger("motcua.realtime")

TICKET_ROOM_PREFIX = ticket_room("")
RECENT_CALLS_DEFAULT = 10  # what a client that asks for nothing gets (consoles, old boards)
MISSED_CALLS_MAX = 50  # bounds a snapshot however long a board was away, or however much it asks
PRESENCE_KEY = "motcua_display_presence"
_presence: DisplayPresence | None = None  # that of the app the module's one SocketIO serves now


def init_app(app: Flask, settings: Settings) -> None:
    """Attach Socket.IO to the app, and the presence tracking of its registered displays."""
    socketio.init_app(
        app,
        # gevent when the serving process is patched (server/worker_model.py), else threads.
        async_mode="gevent" if cooperative() else "threading",
        message_queue=settings.socketio_message_queue,
        channel=settings.socketio_channel,
        cors_allowed_origins=settings.realtime_cors_origins,
        # Displays on a flaky LAN: notice a dead connection within ~25 s, reconnect client-side.
        ping_interval=10,
        ping_timeout=15,
        json=app.json,
    )
    global _presence
    if _presence is not None:
        # The module's one SocketIO now serves this app (tests build many apps in one process):
        # the previous app's upkeep would heartbeat and alert into it, so it stops here.
        _presence.close()
    core = services(app)
    _presence = app.extensions[PRESENCE_KEY] = DisplayPresence(core.alerts, settings.display_offline_seconds, core.upkeep)
    core.upkeep.start()


class DisplayPresence:
    """The registered displays connected to this process, and their heartbeat.

    A display may hold two connections for a while (the new one is up before the server notices
    the old one died), so presence counts connections per device. Whether a display is offline is
    decided from ``Device.last_seen_at`` by the upkeep's check (any process, after a restart too):
    here a connect and the last disconnect write it, and the heartbeat, added first to the upkeep's
    jobs, keeps it fresh while the display stays connected to this process.
    """

    def __init__(self, alerts: AlertService, grace_seconds: float, upkeep: Upkeep | None = None) -> None:
        self.alerts = alerts
        self.grace_seconds = grace_seconds
        self.upkeep = upkeep
        self._lock = threading.Lock()
        self._by_sid: dict[str, DisplayDevice] = {}
        self._sids: dict[int, set[str]] = {}
        if upkeep is not None:
            upkeep.add("display_heartbeat", self.heartbeat, first=True)

    def connected(self, sid: str, token: str) -> DisplayDevice | None:
        """A client connected with a device token; returns the display it is, if it is one."""
        device = self.alerts.display_seen(token)
        if device is None:
            return None
        with self._lock:
            self._by_sid[sid] = device
            self._sids.setdefault(device.id, set()).add(sid)
        self.alerts.display_back(device)
        return device

    def disconnected(self, sid: str) -> None:
        """A connection closed; when it was the display's last one here, its grace period starts now."""
        with self._lock:
            device = self._by_sid.pop(sid, None)
            if device is None:
                return
            sids = self._sids.get(device.id, set())
            sids.discard(sid)
            if sids:
                return
            self._sids.pop(device.id, None)
        try:
            self.alerts.display_left(device.id)
        except Exception:
            log.exception("could not record display %s leaving", device.id)

    def heartbeat(self) -> int:
        """The displays connected here are seen now (written at most every HEARTBEAT_SECONDS, or a third of the grace).

        The upkeep ticks at least twice per grace period; a throttle under the tick's interval means
        every tick writes (a few milliseconds of jitter never skip one), so the last-seen time another
        process reads is never much older than one interval."""
        with self._lock:
            device_ids = sorted(self._sids)
        every = min(HEARTBEAT_SECONDS, self.grace_seconds / 3) if self.grace_seconds > 0 else HEARTBEAT_SECONDS
        return self.alerts.displays_heartbeat(device_ids, every)

    def close(self) -> None:
        """Stop this app's upkeep (the app is no longer served)."""
        if self.upkeep is not None:
            self.upkeep.close()

    def is_connected(self, device_id: int) -> bool:
        """Whether this process holds a connection of the device now."""
        with self._lock:
            return bool(self._sids.get(device_id))


# Events after which a kiosk's offer may differ: a counter opened, closed or changed its services
# (whatever caused it: console, sign-in rules, admin), or an admin edited services, counters or the center.
OFFER_EVENTS = frozenset({"counter_changed", "config_changed"})
# Events after which waiting tickets may stand elsewhere in their line: one left the waiting state
# (called, cancelled, transferred), one came back (transferred in), or open counters changed the estimate.
QUEUE_EVENTS = frozenset({"ticket_called", "ticket_cancelled", "ticket_transferred", "counter_changed", "config_changed"})


class CitizenPush:
    """Turns domain events into what citizens' screens need, computed once per event — or once for
    several events that come close together.

    ``kiosk_services`` (the kiosk's whole offer) goes to the center's room; ``queue_moved`` (every
    waiting ticket's position in a service) to that service's queue room, where the phone pages of
    its tickets listen. Chosen over "tell the phones to re-fetch": a re-fetch costs a database read
    per phone per call, this costs one read per event however many phones watch.

    Off the emit path (issue 17): ``follow`` only notes what moved; a worker thread sends the pushes
    ``coalesce_seconds`` later, one per center and line for everything noted meanwhile. Reading the
    whole line right behind a call took the server's CPU while the call itself was still going out to
    the boards, and thirty clerks calling in the same second needed one reading of each line, not thirty.

    A line nobody follows is not read at all, when the process can tell: ``listeners_known`` (one
    process, no message queue) lets it look at its own rooms. Most citizens never open the phone page,
    so most moves would otherwise read a whole line for no one.
    """

    COALESCE_SECONDS = 0.05

    def __init__(self, queue: Any, *, coalesce_seconds: float = COALESCE_SECONDS, listeners_known: bool = False) -> None:
        self.queue = queue
        self.coalesce_seconds = coalesce_seconds
        self.listeners_known = listeners_known
        self._lock = threading.Lock()
        self._offers: set[int] = set()  # centers whose kiosks get their offer
        self._lines: dict[int, set[int] | None] = {}  # center → services whose lines moved (None: all)
        self._worker: threading.Thread | None = None

    def follow(self, event: DomainEvent) -> None:
        """Note the citizens' pushes that ``event`` calls for; they go out shortly (never raises)."""
        try:
            offer = event.name in OFFER_EVENTS
            moved = self._moved_services(event)
            if not offer and moved is False:
                return
            with self._lock:
                if offer:
                    self._offers.add(event.center_id)
                if moved is not False:
                    self._note_lines(event.center_id, moved)
                if self._worker is None:
                    self._worker = threading.Thread(target=self._send_pending, name="citizen-push", daemon=True)
                    self._worker.start()
        except Exception:
            log.exception("could not push the citizens' view after %s", event.name)

    def _note_lines(self, center_id: int, moved: list[int] | None) -> None:
        if moved is None or (center_id in self._lines and self._lines[center_id] is None):
            self._lines[center_id] = None
        else:
            self._lines.setdefault(center_id, set()).update(moved)  # type: ignore[union-attr]

    def _send_pending(self) -> None:
        """The worker: every ``coalesce_seconds``, send what was noted; stop when nothing was."""
        while True:
            time.sleep(self.coalesce_seconds)
            with self._lock:
                offers, lines = self._offers, self._lines
                self._offers, self._lines = set(), {}
                if not offers and not lines:
                    self._worker = None
                    return
            for center_id in sorted(offers):
                self._safely(self.push_offer, center_id)
            for center_id, service_ids in sorted(lines.items()):
                self._safely(self.push_positions, center_id, sorted(service_ids) if service_ids is not None else None)

    @staticmethod
    def _safely(push: Any, *args: Any) -> None:
        try:
            push(*args)
        except Exception:
            log.exception("could not push the citizens' view (%s %s)", push.__name__, args)

    @staticmethod
    def _moved_services(event: DomainEvent) -> list[int] | None | bool:
        """The services whose lines moved (None: all of the center's; False: none)."""
        payload = event.payload or {}
        ticket = payload.get("ticket") if isinstance(payload.get("ticket"), dict) else None
        service_id = ((ticket or {}).get("service") or {}).get("id")
        if event.name == "queue_reordered":  # booked tickets went ahead at their slot's start
            return list(payload.get("service_ids") or []) or False
        if event.name == "ticket_issued":
            # A regular ticket joins at the end: nobody moves. A priority or booked one may go ahead of the regular ones.
            return [service_id] if ticket and (ticket.get("priority") or ticket.get("booking")) and service_id else False
        if event.name not in QUEUE_EVENTS:
            return False
        if event.name == "counter_changed":
            return list((payload.get("counter") or {}).get("service_ids") or []) or False
        if event.name in ("ticket_transferred", "config_changed"):
            return None  # the line it left and the one it joined; or any service an admin touched
        return [service_id] if service_id else None

    def push_offer(self, center_id: int) -> None:
        """Send the center's kiosks their offer now."""

        with self.queue.db.read() as s:
            offer = service_offer(s, center_id, self.queue.clock.now())
        socketio.emit("kiosk_services", offer, to=center_room(center_id), namespace="/")

    def push_positions(self, center_id: int, service_ids: list[int] | None) -> None:
        """Send each service's waiting tickets their places, to the phones of that service."""

        with self.queue.db.read() as s:
            lines = queue_positions(
                s, center_id, service_ids, self.queue.clock.now(), self.queue.mean_service_minutes, self.queue.open_counters_for,
                followed=(lambda service_id: followed(queue_room(service_id))) if self.listeners_known else None,
            )
        for line in lines:
            socketio.emit("queue_moved", line, to=queue_room(line["service_id"]), namespace="/")


def followed(room: str) -> bool:
    """Whether a client of this process is in ``room`` (before Socket.IO is up: assume so). Only
    this process's clients: with a message queue others may be listening elsewhere."""
    server = socketio.server
    if server is None:
        return True
    return next(iter(server.manager.get_participants("/", room)), None) is not None


def publish(event: DomainEvent) -> None:
    """Send a domain event to its rooms (through Redis when several processes share it). The
    citizens' pushes it calls for (kiosk offer, phone positions) are a subscriber of their own,
    :class:`CitizenPush`, wired after this one in ``server/bootstrap.py``."""
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
    except Exception:
        log.exception("could not publish %s", event.name)


def _snapshot_for(subscription: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Rooms to join and the snapshot to send for a subscription request."""
    queue = services().queue
    rooms: list[str] = []
    snapshot: dict[str, Any] = {}
    token = subscription.get("ticket")
    if token and unstorable(str(token)):  # PostgreSQL cannot even compare a NUL: no ticket has one
        raise DomainError("unknown_ticket", "Không tìm thấy số thứ tự.", "Ticket not found.", status=404)
    if token:
        ticket = queue.ticket_by_token(str(token))
        rooms.append(ticket_room(str(token)))
        service_id = (ticket.get("service") or {}).get("id")
        if service_id is not None:
            rooms.append(queue_room(int(service_id)))  # its line's ``queue_moved`` (positions by ticket id)
        snapshot["ticket"] = ticket
        if ticket.get("center_id") is not None:
            # The center's notice to everyone waiting: in force now, and the next one (a room of its own:
            # the phone hears no other event of the center).
            rooms.append(notice_room(int(ticket["center_id"])))
            snapshot["floor_message"] = services().floor.active(int(ticket["center_id"]))
        return rooms, snapshot
    center_id = _int(subscription.get("center_id"))
    if center_id is None:
        raise DomainError("invalid_subscription", "Thiếu trung tâm cần theo dõi.", "Say which center to watch.", status=400)
    recent = _int(subscription.get("recent")) or RECENT_CALLS_DEFAULT
    snapshot.update(
        queue.center_snapshot(
            center_id,
            recent_calls=max(RECENT_CALLS_DEFAULT, min(recent, MISSED_CALLS_MAX)),
            since_event_id=_int(subscription.get("since")),
            missed_calls_max=MISSED_CALLS_MAX,
        )
    )
    rooms.append(center_room(center_id))
    snapshot["floor_message"] = services().floor.active(center_id)
    counter_id = _int(subscription.get("counter_id"))
    if counter_id is not None:
        counter = queue.counter_view(counter_id)
        if counter["center_id"] != center_id:
            raise DomainError(
                "invalid_subscription", "Quầy không thuộc trung tâm này.", "Counter is not in this center.", status=400
            )
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
    # A whole number or its ASCII digits within the ids' range (int() turned 1.9 into 1, and a
    # 30-digit number overflowed the database's integers); anything else counts as not given.
    try:
        number = int_from_text(value)
    except ValueError:
        return None
    return number if 0 <= number <= MAX_INT else None


def _subscribe(subscription: Any) -> None:
    if not isinstance(subscription, dict):
        emit(
            "error",
            {"code": "invalid_subscription", "message_vi": "Yêu cầu không hợp lệ.", "message_en": "Invalid subscription."},
        )
        return
    try:
        rooms, snapshot = _snapshot_for(subscription)
    except DomainError as error:
        emit("error", error.to_dict())
        return
    if join_rooms(rooms):
        emit("snapshot", snapshot)


def join_rooms(rooms: list[str] | tuple[str, ...]) -> bool:
    """Join the current client to ``rooms``; False (nothing to answer) when it left before the join
    ran: python-socketio raises ValueError for a gone client, and a page closed mid-connect is normal."""
    try:
        for room in rooms:
            join_room(room)
    except ValueError:
        log.info("a client left before joining %s", ", ".join(rooms))
        return False
    return True


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Track a registered display (``auth.device``), then send the snapshot it asked for."""
    if isinstance(auth, dict) and isinstance(auth.get("device"), str) and 0 < len(auth["device"]) <= 200:
        try:
            current_app.extensions[PRESENCE_KEY].connected(request.sid, auth["device"])
        except Exception:
            log.exception("could not record a display's connection")
    if auth:
        _subscribe(auth)


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    """A display that leaves starts its grace period (nothing happens for other clients)."""
    presence = current_app.extensions.get(PRESENCE_KEY)
    if presence is not None:
        presence.disconnected(request.sid)


@socketio.on("join")
def on_join(subscription: Any) -> None:
    _subscribe(subscription)


@socketio.on("resync")
def on_resync(subscription: Any) -> None:
    """A client that suspects it missed something asks for a fresh snapshot."""
    _subscribe(subscription)


def app_socketio() -> SocketIO:
    return socketio


__all__ = ["socketio", "init_app", "publish", "current_app", "DisplayPresence", "CitizenPush"]
