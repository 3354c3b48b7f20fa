"""Database engine and transactions.

Why the extra care for SQLite: call-next and number allocation must be atomic
across threads *and* processes. On SQLite we take the write lock up front
(``BEGIN IMMEDIATE``) so two transactions never both read "ticket 7 is waiting"
and then race to claim it. On PostgreSQL the same code runs under row locks
(``FOR UPDATE SKIP LOCKED``), chosen in the domain by ``Database.is_sqlite``.

SQLite's settings, and why (measured with bench/bench_core.py, issue 17):

* ``journal_mode=WAL``: readers (boards' snapshots, reports) never wait for the writer, nor it for them.
* ``synchronous=NORMAL``: in WAL mode a commit is not fsynced, only each checkpoint; a power cut may
  lose the last commits, never corrupt the file. FULL would add an fsync to every ticket issued.
* ``busy_timeout`` (15 s): a writer of *another process* (``run.py`` commands, a second server by
  mistake) waits that long for the lock. SQLite's busy handler waits by sleeping and polling (1, 2, 5 …
  up to 100 ms a try), so a writer that keeps losing the race can wait a second or more while the
  others pass: that was the 1.3 s p99 of ticket issue under 8 writers. Writers of *this* process
  therefore queue first on :class:`WriterQueue`, first come first served, and meet the busy handler
  only against other processes.
* ``foreign_keys=ON``: SQLite does not check them otherwise.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import bindparam, create_engine, event, insert, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

SQLITE_BUSY_TIMEOUT_MS = 15000
T = TypeVar("T")


def _make_engine(url: str, *, pool_size: int, max_overflow: int, pool_timeout: float) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=20,
            max_overflow=40,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    url = postgres_driver_url(url)
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout, pool_pre_ping=True,
                         connect_args=POSTGRES_CONNECT_ARGS)


# Our columns are "timestamp without time zone" holding UTC. PostgreSQL converts an aware
# datetime to such a column through the session's TimeZone, and a server installed in
# Vietnam usually runs Asia/Ho_Chi_Minh: every time would be stored 7 hours off. Each
# connection therefore works in UTC, whatever the server's own setting.
POSTGRES_CONNECT_ARGS = {"options": "-c timezone=UTC"}


def postgres_driver_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's psycopg 3 URL; other URLs unchanged."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class WriterQueue:
    """The writers of one process to one SQLite file, served first come first served.

    A plain lock would do for mutual exclusion, but it is not fair: a thread that just released it
    can take it again before a waiting one wakes. Each waiter here gets its own lock, handed over in
    arrival order, so the wait of the last writer is bounded by the writers ahead of it. Re-entrant
    for the thread that holds it (a write inside a write stays what it was: SQLite's own business)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the process's write turn for the block (waiting at most ``timeout``; past it the
        block runs anyway and SQLite's busy timeout decides, as without the queue)."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                handed = None
            elif self._owner is None and not self._waiters:
                self._owner, self._depth, handed = me, 1, None
            else:
                handed = threading.Lock()
                handed.acquire()
                self._waiters.append(handed)
        if handed is not None and not handed.acquire(timeout=self.timeout):
            with self._mutex:
                if handed in self._waiters:  # still queued: give up the place, run unqueued
                    self._waiters.remove(handed)
                    handed = None
            if handed is not None:  # handed over just as the wait ended: the turn is ours after all
                handed.acquire()
        if handed is not None:
            with self._mutex:
                self._owner, self._depth = me, 1
        queued = self._owner == me
        try:
            yield
        finally:
            if queued:
                self._release()

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn now."""
        with self._mutex:
            return len(self._waiters)

    def _release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            if self._waiters:
                # The next one's turn: it sets itself as owner; nobody else can barge in meanwhile
                # because a waiter is queued (new arrivals queue behind it).
                self._owner = -1
                self._waiters.popleft().release()


def hold_loaded_objects(factory: sessionmaker) -> sessionmaker:
    """Keep every object a session of ``factory`` loads or adds alive until the session ends.

    SQLAlchemy's identity map holds objects weakly: a row read with ``session.get`` and not kept by
    the caller is dropped at once, and the next ``get`` of it in the same unit of work selects it
    again (a call-next read its service three times and its center twice). A unit of work is short
    and touches few rows, so holding them costs little and every later ``get`` is a dictionary hit.
    (SQLAlchemy's own recipe, "Session Referencing Behavior".)"""

    @event.listens_for(factory, "loaded_as_persistent")
    @event.listens_for(factory, "pending_to_persistent")
    @event.listens_for(factory, "detached_to_persistent")  # a row written by insert_row
    def _hold(session: Session, instance: object) -> None:
        session.info.setdefault("held", []).append(instance)

    return factory


class Database:
    """One engine, a session factory, and the two kinds of transaction we use."""

    def __init__(self, url: str, *, pool_size: int = 20, max_overflow: int = 40, pool_timeout: float = 10.0) -> None:
        """Open ``url``. The pool options apply to PostgreSQL (``DB_POOL_SIZE``, ``DB_MAX_OVERFLOW``,
        ``DB_POOL_TIMEOUT`` through server/config.py): every server process holds up to pool +
        overflow connections, so keep processes × their sum under PostgreSQL's max_connections
        (100 by default). A request that cannot get a connection within ``pool_timeout`` seconds
        gets a clean 503 "busy, try again" (server/app.py) rather than leaving a clerk staring at a
        frozen button for SQLAlchemy's 30 s. SQLite keeps its own fixed pool."""
        self.url = url
        self.engine = _make_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._write_sessions = hold_loaded_objects(sessionmaker(bind=self._write_engine, expire_on_commit=False))
        self._writers = WriterQueue(SQLITE_BUSY_TIMEOUT_MS / 1000) if self.is_sqlite else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work. Closing (not rolling back) keeps loaded objects
        readable after the block; the pool still ends the transaction."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction holding the write lock from its first statement (SQLite)
        or relying on row locks (PostgreSQL); committed on success, rolled back on error. On SQLite
        the writers of this process take turns first (:class:`WriterQueue`)."""
        if self._writers is None:
            yield from self._write_once()
            return
        with self._writers.turn():
            yield from self._write_once()

    def _write_once(self) -> Iterator[Session]:
        session = self._write_sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def write_retrying(self, work, attempts: int = 5):
        """Run ``work(session)`` in a write transaction, retrying when the database
        reports a transient lock/serialization failure."""
        delay = 0.05
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    return work(session)
            except OperationalError as exc:
                if attempt == attempts - 1 or not _is_transient(exc):
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def run_core(session: Session, stmt: Any, params: dict[str, Any] | None = None) -> Any:
    """Run the Core statement ``stmt`` (columns, not mapped objects) on the unit's connection and return
    its result, after flushing what the unit of work holds, as ``session.execute``'s autoflush would.

    For the hot paths' reads and upserts: the ORM's execution path around a Core statement cost SQLAlchemy
    twice the statement's own trip (59 against 31 µs in-process, issue 17); an ORM statement (one that
    loads mapped objects) still goes through ``session.execute``."""
    session.flush()
    return session.connection().execute(stmt, params)


def write_columns(session: Session, instance: Any, **values: Any) -> None:
    """Set ``values`` on ``instance`` (loaded in ``session``) and write them to its row now: one UPDATE
    by primary key on the transaction's connection, the values then set on the instance as already
    committed, so the unit of work has nothing to flush for them.

    For the hot paths (a call, a finish): the ORM's flush of a changed ticket and counter cost more than
    the rest of the call's statements together (issue 17). The UPDATE runs at once, so a query later
    in the transaction sees the change as an autoflush would have made it."""
    mapper = inspect(instance).mapper
    (key,) = mapper.primary_key  # every table written this way has a one-column key
    session.connection().execute(_update_by_key(mapper.local_table, key.name),
                                 {"key_": getattr(instance, key.key), **values})
    for name, value in values.items():
        set_committed_value(instance, name, value)


def insert_row(session: Session, cls: type[T], **values: Any) -> T:
    """A new row of ``cls``'s table written now with one INSERT on the transaction's connection, and
    the instance standing for it, in ``session`` as if loaded: every column set (a column not given
    takes its scalar default, else NULL), nothing left for the unit of work to flush.

    For the hot path of a ticket's issue, where the ORM's add-and-flush of the ticket cost more than
    the INSERT itself (issue 17). A column whose default is computed is refused: give it."""
    table = cls.__table__  # type: ignore[attr-defined]
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.key in values or column.primary_key:
            continue
        default = column.default
        if default is not None and not default.is_scalar:
            raise ValueError(f"insert_row: give {table.name}.{column.key}, its default is computed")
        row[column.key] = default.arg if default is not None else None
    row.update(values)
    result = session.connection().execute(_insert_of(table), row)
    (key,) = inspect(cls).primary_key
    instance = cls(**{key.key: result.inserted_primary_key[0]}, **row)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


_INSERTS: dict[Any, Any] = {}


def _insert_of(table: Any) -> Any:
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table)
    return stmt


_UPDATES: dict[tuple[Any, str], Any] = {}


def _update_by_key(table: Any, key: str) -> Any:
    # Built once per table: the SET clause comes from the parameters' names at execution.
    stmt = _UPDATES.get((table, key))
    if stmt is None:
        stmt = _UPDATES[(table, key)] = update(table).where(table.c[key] == bindparam("key_"))
    return stmt


def _is_transient(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig else str(exc).lower()
    return any(s in text for s in ("database is locked", "deadlock", "could not serialize", "busy"))
