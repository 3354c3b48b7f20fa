"""Faults a center survives: a killed server under load, Redis restarting, the
PostgreSQL connection dropping, the clock passing midnight mid-service."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections import Counter as Tally
from datetime import UTC, datetime

import psycopg
import pytest
import requests
import socketio as sio_client
from sqlalchemy import select

from server.db import Database
from server.domain.queue import QueueService
from server.models import Ticket, TicketEvent
from tests.support.demo import DEMO_PASSWORD, make_db
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import PG_ADMIN_URL, free_port


def test_kill_9_under_load_loses_doubles_and_skips_nothing(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "k", "RATE_LIMIT_ENABLED": "0"}
    port = free_port()
    server = ServerProcess(port, env, tmp_path / "server.log").start()
    acknowledged: list[str] = []
    called: list[int] = []
    stop = threading.Event()
    lock = threading.Lock()

    def kiosk() -> None:
        http = requests.Session()
        while not stop.is_set():
            try:
                r = http.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=3)
                if r.status_code == 201:
                    with lock:
                        acknowledged.append(r.json()["token"])
            except requests.RequestException:
                time.sleep(0.1)  # server down: the kiosk retries

    def clerk(counter: int) -> None:
        http = None
        while not stop.is_set():
            try:
                http = http or login_session(server.url, f"quay{counter}", DEMO_PASSWORD)
                r = http.post(f"{server.url}/api/v1/counters/{counter}/call-next", timeout=3)
                if r.status_code == 200 and r.json()["ticket"]:
                    with lock:
                        called.append(r.json()["ticket"]["id"])
                    http.post(f"{server.url}/api/v1/counters/{counter}/finish", timeout=3)
                elif r.status_code == 409:  # still busy from before the crash
                    http.post(f"{server.url}/api/v1/counters/{counter}/finish", timeout=3)
                else:
                    time.sleep(0.05)
            except requests.RequestException:
                time.sleep(0.1)

    snapshots = []
    board = sio_client.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    board.on("snapshot", lambda data: snapshots.append(data["last_event_id"]))
    board.connect(server.url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)
    workers = [threading.Thread(target=kiosk) for _ in range(3)] + [threading.Thread(target=clerk, args=(n,)) for n in (1, 2)]
    for w in workers:
        w.start()
    try:
        time.sleep(3)
        server.kill()  # kill -9 in the middle of issuing and calling
        time.sleep(0.5)
        server.start()
        time.sleep(3)
    finally:
        stop.set()
        for w in workers:
            w.join(10)
        deadline = time.monotonic() + 10
        while len(snapshots) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        board.disconnect()
        server.stop()

    db = Database(sqlite_url)
    with db.read() as s:
        tickets = {t.token: (t.id, t.seq, t.state) for t in s.scalars(select(Ticket))}
        calls = Tally(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call")))
    db.dispose()
    assert len(acknowledged) > 10 and len(called) > 5, "the load did not run"
    # Not lost: every ticket a kiosk was told about exists.
    assert set(acknowledged) <= set(tickets)
    # Not doubled or skipped: numbers are 1..N without gaps or repeats.
    seqs = sorted(seq for _id, seq, _state in tickets.values())
    assert seqs == list(range(1, len(seqs) + 1))
    # Never called twice.
    assert max(calls.values()) == 1
    assert len(called) == len(set(called))
    # The board reconnected by itself and resynced from a fresh snapshot.
    assert len(snapshots) >= 2 and snapshots[-1] >= snapshots[0]


def _restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], check=False, capture_output=True, timeout=10)
    time.sleep(0.5)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
            "--logfile",
            "/var/log/redis/ci.log",
        ],
        check=True,
        timeout=10,
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not come back")


@pytest.mark.redis
def test_events_resume_after_redis_restarts_without_restarting_servers(tmp_path, redis_url, sqlite_url):
    env = {
        "DATABASE_URL": sqlite_url,
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "MOTCUA_INSTANCE": str(tmp_path),
        "SECRET_KEY": "s",
        "SOCKETIO_CHANNEL": f"motcua-fault-{uuid.uuid4().hex[:8]}",
    }
    a = ServerProcess(free_port(), env, tmp_path / "a.log").start()
    b = ServerProcess(free_port(), env, tmp_path / "b.log").start()
    issued_numbers: list[str] = []
    board = sio_client.Client(reconnection=True)
    board.on("ticket_issued", lambda data: issued_numbers.append(data["ticket"]["number"]))
    try:
        board.connect(b.url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)
        first = requests.post(a.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
        deadline = time.monotonic() + 10
        while first["number"] not in issued_numbers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first["number"] in issued_numbers
        _restart_redis()
        # The servers' Redis listeners reconnect with backoff; keep issuing until an event crosses again.
        deadline = time.monotonic() + 40
        crossed = None
        while time.monotonic() < deadline and crossed is None:
            ticket = requests.post(a.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5)
            assert ticket.status_code == 201  # issuing never depended on Redis
            number = ticket.json()["number"]
            time.sleep(1)
            if number in issued_numbers:
                crossed = number
        assert crossed is not None, "events never resumed after Redis restarted"
    finally:
        board.disconnect()
        a.stop()
        b.stop()


@pytest.mark.postgres
def test_postgres_connection_loss_is_a_clean_retryable_503_then_recovers(tmp_path, pg_url, clock):
    from server.app import create_app
    from tests.support.settings import make_settings

    make_db(pg_url).dispose()
    app = create_app(
        make_settings(database_url=pg_url, instance_path=tmp_path, secret_key="pg", rate_limit_enabled=False), clock=clock
    )
    client = app.test_client()
    name = pg_url.rsplit("/", 1)[1]
    assert client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        )
    try:
        response = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        body = response.get_json()["error"]
        assert body["code"] == "temporarily_unavailable" and "thử lại" in body["message_vi"]
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    recovered = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    assert recovered.status_code == 201 and recovered.get_json()["number"] == "1002"
    app.extensions["motcua"].db.dispose()


def test_service_across_midnight_finishes_and_the_new_day_starts_fresh(db, clock):
    queue = QueueService(db, clock)
    clock.set(datetime(2026, 11, 23, 16, 58, tzinfo=UTC))  # 23:58 in Hà Nội
    late = queue.issue_ticket(1, 1)
    left_waiting = queue.issue_ticket(1, 1)
    queue.call_next(1)
    clock.advance(minutes=4)  # 00:02 the next day
    assert queue.finish(1).ticket["id"] == late["id"]
    first_today = queue.issue_ticket(1, 1)
    assert first_today["number"] == "1001" and first_today["people_ahead"] == 0
    assert queue.call_next(1).ticket["id"] == first_today["id"]
    assert queue.ticket_by_token(left_waiting["token"])["state"] == "waiting"
