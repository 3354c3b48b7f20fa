"""A bare Flask + Flask-SocketIO app: the baseline our figures are compared to.

    python bench/bare_app.py PORT          (or gunicorn … --chdir bench bare_app:app)
GET /ping answers a tiny JSON; POST /emit broadcasts one Socket.IO event to all clients,
or, given ``{"to": [rooms], "payload": {...}}``, to those rooms only. POST /insert is the SQLite
write floor: one row inserted in a ``BEGIN IMMEDIATE`` transaction of a file (``BARE_SQLITE``, or
``bare.sqlite3`` in a temporary folder) with server/db.py's pragmas, no ORM, no project code. POST /issue
and POST /call are the floors of our two hot paths, the same way: the statements a ticket issue needs
(the day's number, the ticket, its log row; then its people ahead), and those a call needs (claim the
first waiting ticket, its log row) committed before its event is emitted; POST /issue_sa runs /issue's
statements through SQLAlchemy, our database layer, as server/db.py opens its units; POST /issue_rules
and /issue_rules_sa send what our issue sends, statement for statement, on tables shaped like ours,
in plain SQL and through SQLAlchemy (the floor of an issue keeping our rules). A client that
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


# The issue's rules floor: what our issue sends, statement for statement, on tables shaped like ours
# (the ticket row with its columns and the indexes the queue reads by), still no project code. In one
# BEGIN IMMEDIATE: the center and the service checked together, the services sharing a number range,
# the day's number, the ticket, its log row, every field's waiting count (for the boards); then, in a
# read transaction, its people ahead, the open counters and the field's recent service times (for the
# slip). /issue_rules runs them in plain sqlite3, /issue_rules_sa through a SQLAlchemy Session.
RULES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS r_centers (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,"
    " timezone TEXT NOT NULL, priority_enabled INTEGER NOT NULL, default_service_minutes INTEGER NOT NULL,"
    " settings TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS r_services (id INTEGER PRIMARY KEY, center_id INTEGER NOT NULL REFERENCES r_centers (id),"
    " code TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, active INTEGER NOT NULL, ticket_prefix TEXT NOT NULL,"
    " number_start INTEGER NOT NULL, number_digits INTEGER NOT NULL, daily_cap INTEGER, sort_order INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS r_counters (id INTEGER PRIMARY KEY, center_id INTEGER NOT NULL, is_open INTEGER NOT NULL,"
    " number INTEGER NOT NULL, name TEXT NOT NULL, clerk_id INTEGER, priority_streak INTEGER NOT NULL,"
    " active INTEGER NOT NULL, call_state TEXT)",
    "CREATE TABLE IF NOT EXISTS r_counter_services (counter_id INTEGER NOT NULL, service_id INTEGER NOT NULL,"
    " PRIMARY KEY (counter_id, service_id))",
    "CREATE TABLE IF NOT EXISTS r_users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, full_name TEXT NOT NULL,"
    " password_hash TEXT NOT NULL, role TEXT NOT NULL, center_id INTEGER, active INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS r_sequences (center_id INTEGER NOT NULL, scope TEXT NOT NULL, day TEXT NOT NULL,"
    " last_value INTEGER NOT NULL, PRIMARY KEY (center_id, scope, day))",
    "CREATE TABLE IF NOT EXISTS r_tickets (id INTEGER PRIMARY KEY, center_id INTEGER NOT NULL REFERENCES r_centers (id),"
    " service_id INTEGER NOT NULL REFERENCES r_services (id), origin_service_id INTEGER NOT NULL, day TEXT NOT NULL,"
    " seq INTEGER NOT NULL, number INTEGER NOT NULL, display TEXT NOT NULL, priority TEXT, state TEXT NOT NULL,"
    " token TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL, sort_at TEXT NOT NULL, called_at TEXT, started_at TEXT,"
    " finished_at TEXT, counter_id INTEGER, at_head INTEGER NOT NULL, source TEXT NOT NULL, ahead_from TEXT,"
    " UNIQUE (center_id, origin_service_id, day, seq))",
    "CREATE INDEX IF NOT EXISTS r_tickets_waiting ON r_tickets (center_id, state, service_id, day, at_head, sort_at,"
    " priority, ahead_from)",
    "CREATE INDEX IF NOT EXISTS r_tickets_ahead_from ON r_tickets (ahead_from)",
    "CREATE INDEX IF NOT EXISTS r_tickets_history ON r_tickets (service_id, state, finished_at)",
    "CREATE INDEX IF NOT EXISTS r_tickets_at_counter ON r_tickets (counter_id, state, called_at)",
    "CREATE TABLE IF NOT EXISTS r_ticket_events (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES"
    " r_tickets (id), center_id INTEGER NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, to_state TEXT, actor TEXT NOT NULL,"
    " service_id INTEGER, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS r_ticket_events_ticket ON r_ticket_events (ticket_id)",
)
RULES_SEED = (
    "INSERT OR IGNORE INTO r_centers VALUES (1, 'BARE', 'Trung tâm', 'Asia/Ho_Chi_Minh', 1, 10, '{}')",
    *(f"INSERT OR IGNORE INTO r_services VALUES ({i}, 1, 'S{i}', 'Lĩnh vực {i}', 'submit', 1, '', {i}000, 4, NULL, {i})"
      for i in range(1, 7)),
    *(f"INSERT OR IGNORE INTO r_counters VALUES ({i}, 1, 1, {i}, 'Quầy {i}', {i}, 0, 1, NULL)" for i in range(1, 5)),
    *(f"INSERT OR IGNORE INTO r_counter_services VALUES ({i}, {j})" for i in range(1, 5) for j in range(1, 7)),
    *(f"INSERT OR IGNORE INTO r_users VALUES ({i}, 'quay{i}', 'Cán bộ {i}', 'x', 'clerk', 1, 1)" for i in range(1, 5)),
)
RULES_SQL = {
    "center_service": "SELECT r_centers.*, r_services.* FROM r_centers LEFT OUTER JOIN r_services"
                      " ON r_services.center_id = r_centers.id AND r_services.id = :service_id WHERE r_centers.id = :center_id",
    "siblings": "SELECT id, ticket_prefix, number_start FROM r_services WHERE center_id = :center_id",
    "number": "INSERT INTO r_sequences (center_id, scope, day, last_value) VALUES (:center_id, :scope, :day, 1)"
              " ON CONFLICT (center_id, scope, day) DO UPDATE SET last_value = r_sequences.last_value + 1 RETURNING last_value",
    "ticket": "INSERT INTO r_tickets (center_id, service_id, origin_service_id, day, seq, number, display, state, token,"
              " issued_at, sort_at, at_head, source) VALUES (:center_id, :service_id, :service_id, :day, :seq, :number,"
              " :display, 'waiting', :token, :now, :now, 0, 'api') RETURNING id",
    "log": "INSERT INTO r_ticket_events (ticket_id, center_id, at, action, to_state, actor, service_id, data)"
           " VALUES (:ticket_id, :center_id, :now, 'issue', 'waiting', 'kiosk', :service_id, '{}')",
    "counts": "SELECT r_services.id, r_services.code, count(r_tickets.id) FROM r_services LEFT OUTER JOIN r_tickets"
              " ON r_tickets.service_id = r_services.id AND r_tickets.center_id = :center_id AND r_tickets.state = 'waiting'"
              " AND r_tickets.day = :day WHERE r_services.center_id = :center_id"
              " GROUP BY r_services.id, r_services.code, r_services.sort_order ORDER BY r_services.sort_order, r_services.id",
    "estimate": "SELECT (SELECT count(*) FROM r_tickets WHERE center_id = :center_id AND state = 'waiting' AND day = :day"
                " AND service_id = :service_id AND sort_at < :now), (SELECT count(*) FROM r_counters WHERE"
                " center_id = :center_id AND is_open = 1), recent.n, recent.minutes FROM (SELECT 1) LEFT OUTER JOIN"
                " (SELECT count(*) AS n, avg(julianday(finished_at) - julianday(started_at)) * 1440 AS minutes FROM"
                " (SELECT started_at, finished_at FROM r_tickets WHERE service_id = :service_id AND state = 'done'"
                " ORDER BY finished_at DESC LIMIT 20)) AS recent ON 1 = 1",
    # A call (/call_rules_sa): the clerk and the counter read before the write, as a request's sign-in
    # and seat check do; then, under the write lock, what our call-next sends.
    "user": "SELECT * FROM r_users WHERE id = :user_id",
    "counter": "SELECT * FROM r_counters WHERE id = :counter_id",
    "counter_center": "SELECT r_counters.*, r_centers.* FROM r_counters JOIN r_centers ON r_centers.id = r_counters.center_id"
                      " WHERE r_counters.id = :counter_id",
    "current": "SELECT * FROM r_tickets WHERE counter_id = :counter_id AND state IN ('called', 'serving')"
               " ORDER BY called_at DESC LIMIT 1",
    "aging": "SELECT id, number_start FROM r_services WHERE center_id = :center_id",
    "first_waiting": "SELECT * FROM r_tickets WHERE center_id = :center_id AND state = 'waiting' AND day = :day AND service_id IN"
                     " (SELECT service_id FROM r_counter_services WHERE counter_id = :counter_id)"
                     " ORDER BY at_head DESC, priority IS NULL, sort_at, id LIMIT 1",
    "service": "SELECT * FROM r_services WHERE id = :service_id",
    "called": "UPDATE r_tickets SET state = 'called', called_at = :now, counter_id = :counter_id, at_head = 0"
              " WHERE id = :ticket_id",
    "call_log": "INSERT INTO r_ticket_events (ticket_id, center_id, at, action, to_state, actor, service_id, data)"
                " VALUES (:ticket_id, :center_id, :now, 'call', 'called', 'clerk', :service_id, '{\"rule\": \"longest_wait\"}')",
}
_rules_ready = threading.Lock()
_RULES_DONE: list[bool] = []


def _rules_schema() -> None:
    with _rules_ready:
        if not _RULES_DONE:
            conn = _connection()
            with _write_turn:
                for statement in RULES_SCHEMA + RULES_SEED:
                    conn.execute(statement)
            _RULES_DONE.append(True)


def _rules_values(body: dict, line: str) -> dict:
    """The values of one issue or call; ``line`` names the floor, whose tickets stand in a line of their
    own (a day of their own: the queue's reads go by day), so a floor measured after another does not
    count the tickets the first one issued, as ours, on its own database, does not."""
    now = time.strftime("%Y-%m-%d %H:%M:%S") + f".{time.time_ns() // 1000 % 1000000:06d}"
    service_id = int(body.get("service_id") or 1)
    return {"center_id": 1, "service_id": service_id, "scope": f"service:{service_id}", "day": f"{now[:10]} {line}",
            "now": now, "token": os.urandom(18).hex()}


def _rules_issue(run, values: dict) -> dict:
    """The write transaction's statements through ``run(name, values)`` → rows; the checks a real issue makes."""
    center_service = run("center_service", values)
    if not center_service or center_service[0][7] is None:
        raise LookupError("unknown center or service")
    siblings = run("siblings", values)
    seq = run("number", values)[0][0]
    start = next(row[2] for row in siblings if row[0] == values["service_id"])
    values.update(seq=seq, number=start + seq, display=str(start + seq))
    values["ticket_id"] = run("ticket", values)[0][0]
    run("log", values)
    counts = run("counts", values)
    return {"id": values["ticket_id"], "number": values["number"], "counts": [list(row) for row in counts]}


@app.post("/issue_rules")
def issue_rules():
    """The issue's rules floor in plain sqlite3."""
    _rules_schema()
    conn = _connection()
    values = _rules_values(request.get_json(silent=True) or {}, "plain")

    def run(name: str, params: dict) -> list:
        return conn.execute(RULES_SQL[name], params).fetchall()

    view = _write(conn, lambda: _rules_issue(run, values))
    conn.execute("BEGIN")
    try:
        ahead, counters, recent, minutes = run("estimate", values)[0]
    finally:
        conn.execute("COMMIT")
    return {**view, "people_ahead": ahead, "open_counters": counters, "recent": recent, "minutes": minutes}, 201


@app.post("/issue_rules_sa")
def issue_rules_sa():
    """The issue's rules floor through a SQLAlchemy Session, as server/db.py opens its units."""
    _rules_schema()
    sessions, _sql = _sa()
    values = _rules_values(request.get_json(silent=True) or {}, "sa")

    with _write_turn, sessions() as session, session.begin():
        view = _rules_issue(lambda name, params: _sa_rows(session, name, params), values)
    with sessions() as session:
        ahead, counters, recent, minutes = _sa_rows(session, "estimate", values)[0]
    return {**view, "people_ahead": ahead, "open_counters": counters, "recent": recent, "minutes": minutes}, 201


@app.post("/call_rules_sa")
def call_rules_sa():
    """The call's rules floor through a SQLAlchemy Session: the clerk and the counter read in one unit,
    then the call's statements in a write unit (a ticket is issued first when nobody waits), and only
    after the commit the event: ``{"to": [rooms], "payload": {...}}`` emitted as /emit does."""
    _rules_schema()
    sessions, _sql = _sa()
    body = request.get_json(silent=True) or {}
    values = _rules_values({"service_id": 1}, "call")
    values.update(counter_id=1 + int(body.get("counter", 0)) % 4, user_id=1)

    def run(session, name: str) -> list:
        return _sa_rows(session, name, values)

    with sessions() as session:
        if not run(session, "user") or not run(session, "counter"):
            return {"error": "unknown counter"}, 404
    with _write_turn, sessions() as session, session.begin():
        run(session, "counter_center")
        run(session, "current")
        run(session, "aging")
        waiting = run(session, "first_waiting")
        if not waiting:
            _rules_issue(lambda name, params: run(session, name), values)
            waiting = run(session, "first_waiting")
        values.update(ticket_id=waiting[0][0], service_id=waiting[0][2])
        run(session, "service")
        run(session, "called")
        run(session, "call_log")
        run(session, "counts")
    socketio.emit("bare_event", body.get("payload") or {"ticket_id": values["ticket_id"]}, to=body.get("to") or None)
    return {"ok": True, "ticket_id": values["ticket_id"]}


_RULES_TEXT: dict[str, object] = {}


def _sa_rows(session, name: str, values: dict) -> list:
    """Rule statement ``name`` through ``session`` (each built once); its rows, [] for a write."""
    if not _RULES_TEXT:
        from sqlalchemy import text

        _RULES_TEXT.update({key: text(sql) for key, sql in RULES_SQL.items()})
    result = session.execute(_RULES_TEXT[name], values)
    return result.all() if result.returns_rows else []


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
