"""A bare Flask + Flask-SocketIO app: the baseline our figures are compared to.

    python bench/bare_app.py PORT          (or gunicorn … --chdir bench bare_app:app)
GET /ping answers a tiny JSON; POST /emit broadcasts one Socket.IO event to all clients,
or, given ``{"to": [rooms], "payload": {...}}``, to those rooms only. A client that
connects with ``auth={"room": name}`` joins that room (like a board joins its center).
``BARE_MESSAGE_QUEUE=redis://…`` lets several bare processes share emits, as our servers do;
``BARE_ASYNC_MODE=gevent`` (under gunicorn's gevent worker) measures that server model.
"""
from __future__ import annotations

import os
import sys
import time

from flask import Flask, request
from flask_socketio import SocketIO, join_room

app = Flask(__name__)
# Same ping settings as server/adapters/realtime.py, so both sides carry the same keep-alive traffic.
socketio = SocketIO(app, async_mode=os.environ.get("BARE_ASYNC_MODE", "threading"), ping_interval=10, ping_timeout=15,
                    message_queue=os.environ.get("BARE_MESSAGE_QUEUE") or None,
                    channel=os.environ.get("BARE_CHANNEL", "bare"))


@socketio.on("connect")
def on_connect(auth=None):
    if isinstance(auth, dict) and auth.get("room"):
        join_room(str(auth["room"]))


@app.get("/ping")
def ping():
    return {"ok": True, "at": time.time()}


@app.post("/emit")
def emit():
    body = request.get_json(silent=True) or {}
    payload = body.get("payload") or {"at": time.time()}
    socketio.emit("bare_event", payload, to=body.get("to") or None)
    return {"ok": True}


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True)
