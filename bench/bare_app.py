"""A bare Flask + Flask-SocketIO app: the baseline our figures are compared to.

    python bench/bare_app.py PORT          (or gunicorn … --chdir bench bare_app:app)
GET /ping answers a tiny JSON; POST /emit broadcasts one Socket.IO event to all clients,
or, given ``{"to": [rooms], "payload": {...}}``, to those rooms only. POST /insert is the SQLite
write floor: one row inserted in a ``BEGIN IMMEDIATE`` transaction of a file (``BARE_SQLITE``, or
``bare.sqlite3`` in a temporary folder) with server/db.py's pragmas, no ORM, no project code. A client that
connects with ``auth={"room": name}`` joins that room (like a board joins its center).
``BARE_MESSAGE_QUEUE=redis://…`` lets several bare processes share emits, as our servers do;
``BARE_ASYNC_MODE=gevent`` (under gunicorn's gevent worker) measures that server model.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import threading
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


SQLITE_PATH = os.environ.get("BARE_SQLITE") or os.path.join(tempfile.mkdtemp(prefix="bare-"), "bare.sqlite3")
_local = threading.local()
# The writers of this process take turns on one lock, as server/db.py's WriterQueue makes ours do:
# otherwise SQLite's busy handler (sleep and poll) is measured, not the write.
_write_turn = threading.Lock()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(SQLITE_PATH, timeout=15, isolation_level=None, check_same_thread=False)
        with _write_turn:  # switching to WAL and creating the table want the write lock: one thread at a time
            # The pragmas of server/db.py, so the floor writes the way we do.
            for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
            conn.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, at REAL NOT NULL, body TEXT NOT NULL)")
        _local.conn = conn
    return conn


@app.post("/insert")
def insert():
    body = request.get_json(silent=True) or {}
    conn = _connection()
    with _write_turn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row_id = conn.execute("INSERT INTO rows (at, body) VALUES (?, ?)", (time.time(), str(body))).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return {"id": row_id}, 201


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
