"""A bare Flask + Flask-SocketIO app: the baseline our figures are compared to.

    python bench/bare_app.py PORT          (or gunicorn … --chdir bench bare_app:app)
GET /ping answers a tiny JSON; POST /emit broadcasts one Socket.IO event to all clients,
or, given ``{"to": [rooms], "payload": {...}}``, to those rooms only. POST /insert is the SQLite
write floor: one row inserted in a ``BEGIN IMMEDIATE`` transaction of a file (``BARE_SQLITE``, or
``bare.sqlite3`` in a temporary folder) with server/db.py's pragmas, no ORM, no project code. POST /issue
and POST /call are the floors of our two hot paths, the same way: the statements a ticket issue needs
(the day's number, the ticket, its log row; then its people ahead), and those a call needs (claim the
first waiting ticket, its log row) committed before its event is emitted; POST /issue_sa runs /issue's
statements through SQLAlchemy, our database layer, as server/db.py opens its units. A client that
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
# The pragmas of server/db.py, so the floors write the way we do (plain sqlite3 and SQLAlchemy alike).
PRAGMAS = ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL")


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(SQLITE_PATH, timeout=15, isolation_level=None, check_same_thread=False)
        with _write_turn:  # switching to WAL and creating the table want the write lock: one thread at a time
            for pragma in PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
            conn.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, at REAL NOT NULL, body TEXT NOT NULL)")
        _local.conn = conn
    return conn


def _write(conn: sqlite3.Connection, work):
    """``work()`` in one ``BEGIN IMMEDIATE`` transaction, this process's writers taking turns."""
    with _write_turn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return result


@app.post("/insert")
def insert():
    body = request.get_json(silent=True) or {}
    conn = _connection()
    row_id = _write(conn, lambda: conn.execute("INSERT INTO rows (at, body) VALUES (?, ?)", (time.time(), str(body))).lastrowid)
    return {"id": row_id}, 201


# The floors of our two hot paths: the statements the rules need, in plain sqlite3 inside one
# BEGIN IMMEDIATE, no ORM, no project code (bench_core.py prints them beside ours).
QUEUE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sequences (day TEXT PRIMARY KEY, last_value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, day TEXT NOT NULL, seq INTEGER NOT NULL,"
    " state TEXT NOT NULL, issued_at REAL NOT NULL, called_at REAL)",
    "CREATE INDEX IF NOT EXISTS tickets_waiting ON tickets (day, state, id)",
    "CREATE TABLE IF NOT EXISTS ticket_log (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, at REAL NOT NULL,"
    " action TEXT NOT NULL)",
)


def _queue_connection() -> sqlite3.Connection:
    conn = _connection()
    if not getattr(_local, "queue_ready", False):
        with _write_turn:
            for statement in QUEUE_SCHEMA:
                conn.execute(statement)
        _local.queue_ready = True
    return conn


@app.post("/issue")
def issue():
    """The issue floor: the day's number (upsert), the ticket, its log row, committed; then the
    people ahead of it counted, as ours prints them on the slip."""
    conn = _queue_connection()
    day, now = time.strftime("%Y-%m-%d"), time.time()

    def work():
        seq = conn.execute("INSERT INTO sequences (day, last_value) VALUES (?, 1) ON CONFLICT (day) DO UPDATE"
                           " SET last_value = last_value + 1 RETURNING last_value", (day,)).fetchone()[0]
        ticket_id = conn.execute("INSERT INTO tickets (day, seq, state, issued_at) VALUES (?, ?, 'waiting', ?)",
                                 (day, seq, now)).lastrowid
        conn.execute("INSERT INTO ticket_log (ticket_id, at, action) VALUES (?, ?, 'issue')", (ticket_id, now))
        return ticket_id, seq

    ticket_id, seq = _write(conn, work)
    ahead = conn.execute("SELECT count(*) FROM tickets WHERE day = ? AND state = 'waiting' AND id < ?",
                         (day, ticket_id)).fetchone()[0]
    return {"id": ticket_id, "number": 1000 + seq, "people_ahead": ahead}, 201


# The same issue through SQLAlchemy, our database layer (no ORM classes, no project code): an engine
# with server/db.py's pool, pragmas and BEGIN IMMEDIATE, a Session per unit as server/db.py opens
# them, the statements built once. What this costs above /issue is the floor of any issue written
# over that layer, whatever the rules; bench_core.py prints it beside ours.
_sa_engine = None
_sa_sessions = None
_SA_STATEMENTS: dict[str, object] = {}


def _sa() -> tuple[object, dict[str, object]]:
    global _sa_engine, _sa_sessions
    if _sa_sessions is None:
        from sqlalchemy import create_engine, event, text
        from sqlalchemy.orm import sessionmaker

        _queue_connection()  # the schema, created by plain sqlite3 once
        engine = create_engine("sqlite:///" + SQLITE_PATH, connect_args={"check_same_thread": False, "timeout": 15},
                               pool_size=20, max_overflow=40)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            for pragma in PRAGMAS:
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        _SA_STATEMENTS.update(
            number=text("INSERT INTO sequences (day, last_value) VALUES (:day, 1) ON CONFLICT (day) DO UPDATE"
                        " SET last_value = last_value + 1 RETURNING last_value"),
            ticket=text("INSERT INTO tickets (day, seq, state, issued_at) VALUES (:day, :seq, 'waiting', :now) RETURNING id"),
            log=text("INSERT INTO ticket_log (ticket_id, at, action) VALUES (:ticket_id, :now, 'issue')"),
            ahead=text("SELECT count(*) FROM tickets WHERE day = :day AND state = 'waiting' AND id < :ticket_id"),
        )
        _sa_engine, _sa_sessions = engine, sessionmaker(bind=engine)
    return _sa_sessions, _SA_STATEMENTS


@app.post("/issue_sa")
def issue_sa():
    """The issue floor of our database layer: /issue's statements through a SQLAlchemy Session."""
    sessions, sql = _sa()
    day, now = time.strftime("%Y-%m-%d"), time.time()
    with _write_turn, sessions() as session, session.begin():
        seq = session.execute(sql["number"], {"day": day}).scalar_one()
        ticket_id = session.execute(sql["ticket"], {"day": day, "seq": seq, "now": now}).scalar_one()
        session.execute(sql["log"], {"ticket_id": ticket_id, "now": now})
    with sessions() as session:
        ahead = session.execute(sql["ahead"], {"day": day, "ticket_id": ticket_id}).scalar_one()
    return {"id": ticket_id, "number": 1000 + seq, "people_ahead": ahead}, 201


@app.post("/call")
def call():
    """The call floor: the first waiting ticket claimed and its log row written, committed, and only
    then the event emitted (as ours: nobody hears of a call that could be lost). A ticket is issued
    first when nobody waits, inside the same transaction."""
    body = request.get_json(silent=True) or {}
    conn = _queue_connection()
    day, now = time.strftime("%Y-%m-%d"), time.time()

    def work():
        claim = ("UPDATE tickets SET state = 'called', called_at = ? WHERE id = (SELECT id FROM tickets WHERE day = ?"
                 " AND state = 'waiting' ORDER BY id LIMIT 1) RETURNING id")
        row = conn.execute(claim, (now, day)).fetchone()
        if row is None:
            conn.execute("INSERT INTO tickets (day, seq, state, issued_at) VALUES (?, 0, 'waiting', ?)", (day, now))
            row = conn.execute(claim, (now, day)).fetchone()
        conn.execute("INSERT INTO ticket_log (ticket_id, at, action) VALUES (?, ?, 'call')", (row[0], now))
        return row[0]

    ticket_id = _write(conn, work)
    socketio.emit("bare_event", body.get("payload") or {"ticket_id": ticket_id, "at": now}, to=body.get("to") or None)
    return {"ok": True, "ticket_id": ticket_id}


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
