"""The IT officer's commands: ``run.py`` serving with gunicorn in one command (websockets,
first-start accounts, Ctrl-C, no development-server warning), ``reset-password`` and ``say --help``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import select

from server.cli import main
from server.db import Database
from server.domain.accounts import authenticate
from server.models import User
from server.models.admin import AuditEntry
from tests.support.demo import DEMO_PASSWORD
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[3]


# ------------------------------------------------------------------ serving
@pytest.fixture
def first_start(tmp_path):
    """``python run.py`` on an empty instance folder, as ``make run`` starts it."""
    port = free_port()
    log = tmp_path / "run.log"
    env = {
        **os.environ,
        "MOTCUA_INSTANCE": str(tmp_path / "instance"),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        "RATE_LIMIT_ENABLED": "0",
    }
    env.pop("DATABASE_URL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(base + "/api/v1/centers", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("run.py did not answer in 60 s:\n" + log.read_text())
        yield proc, base, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_run_py_serves_with_gunicorn_websockets_and_the_first_start_accounts(first_start):
    proc, base, log = first_start
    client = socketio.Client(reconnection=False)
    snapshots = []
    client.on("snapshot", lambda data: snapshots.append(data))
    client.connect(base, transports=["websocket"], auth={"center_id": 1}, wait_timeout=10)
    try:
        assert client.transport() == "websocket"
        deadline = time.monotonic() + 10
        while not snapshots and time.monotonic() < deadline:
            time.sleep(0.1)
        assert snapshots, "no snapshot over the websocket"
    finally:
        client.disconnect()

    output = log.read_text()
    assert "gunicorn" in output and "Using worker: gevent" in output
    assert "development server" not in output.lower() and "werkzeug" not in output.lower()
    # The demo accounts are printed once, and the printed password works.
    password = re.search(r"^\s+admin\s+(\S+)$", output, re.M).group(1)
    assert (
        requests.post(base + "/api/v1/auth/login", json={"username": "admin", "password": password}, timeout=5).status_code == 200
    )
    assert "Kiosk (demo):" in output


def test_run_py_keeps_answering_with_more_screens_connected_than_a_small_thread_pool_holds(first_start):
    """Every connected board, console or phone page holds one of gunicorn's threads: with 100 (the
    first default) the 101st screen hung and so did every request after it, a kiosk's included.
    150 screens connect over websockets, all get their snapshot, and a request is still answered."""
    _proc, base, _log = first_start
    screens, snapshots, lock = [], [], threading.Lock()

    def on_snapshot(_data: object) -> None:
        with lock:
            snapshots.append(1)

    def connect() -> None:
        client = socketio.Client(reconnection=False)
        client.on("snapshot", on_snapshot)
        client.connect(base, transports=["websocket"], auth={"center_id": 1}, wait_timeout=20)
        with lock:
            screens.append(client)

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda _i: connect(), range(150)))
        deadline = time.monotonic() + 20
        while len(snapshots) < 150 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(screens) == 150 and len(snapshots) == 150
        started = time.monotonic()
        assert requests.get(base + "/api/v1/centers", timeout=10).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        for client in screens:
            client.disconnect()


def test_ctrl_c_stops_the_server_promptly(first_start):
    proc, base, _log = first_start
    client = socketio.Client(reconnection=False)
    client.connect(base, transports=["websocket"], auth={"center_id": 1}, wait_timeout=10)  # an open board must not hold it
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    assert time.monotonic() - started < 10
    client.disconnect()
    with pytest.raises(requests.RequestException):
        requests.get(base + "/", timeout=2)


# ------------------------------------------------------------------ reset-password
def run_py(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    folder = Path(url.removeprefix("sqlite:///")).parent
    env = {**os.environ, "DATABASE_URL": url, "MOTCUA_INSTANCE": str(folder / "instance")}
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_reset_password_lets_a_locked_out_admin_back_in_and_is_audited(sqlite_url):
    done = run_py(sqlite_url, "reset-password", "admin", "--password-stdin", stdin="Mật-khẩu-mới-2026\n")
    assert done.returncode == 0, done.stderr
    db = Database(sqlite_url)
    try:
        with db.read() as s:
            assert authenticate(s, "admin", "Mật-khẩu-mới-2026") is not None
            assert authenticate(s, "admin", DEMO_PASSWORD) is None
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "reset_password")).one()
            admin = s.scalars(select(User).where(User.username == "admin")).one()
    finally:
        db.dispose()
    assert entry.actor.startswith("cli:") and entry.entity == "user" and entry.entity_id == str(admin.id)
    assert "hash" not in str(entry.after) and "Mật-khẩu" not in str(entry.after)


def test_reset_password_with_activate_reopens_a_deactivated_account(sqlite_url):
    db = Database(sqlite_url)
    with db.write() as s:
        s.scalars(select(User).where(User.username == "quay1")).one().active = False
    try:
        assert run_py(sqlite_url, "reset-password", "quay1", "--password-stdin", stdin="mat-khau-moi-1\n").returncode == 0
        with db.read() as s:
            assert authenticate(s, "quay1", "mat-khau-moi-1") is None  # still deactivated: said so, not silently opened
        done = run_py(sqlite_url, "reset-password", "quay1", "--password-stdin", "--activate", stdin="mat-khau-moi-2\n")
        assert done.returncode == 0, done.stderr
        with db.read() as s:
            assert authenticate(s, "quay1", "mat-khau-moi-2") is not None
    finally:
        db.dispose()


def test_reset_password_refuses_a_short_password_and_an_unknown_user(sqlite_url):
    short = run_py(sqlite_url, "reset-password", "admin", "--password-stdin", stdin="ngan\n")
    assert short.returncode == 2 and "ít nhất 8 ký tự" in short.stderr
    unknown = run_py(sqlite_url, "reset-password", "khong-co", "--password-stdin", stdin="mat-khau-dai-du\n")
    assert unknown.returncode == 2 and "Không có tài khoản" in unknown.stderr


def test_reset_password_asks_twice_and_changes_nothing_when_the_entries_differ(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MOTCUA_INSTANCE", str(Path(sqlite_url.removeprefix("sqlite:///")).parent / "instance"))
    answers = iter(["mat-khau-thu-nhat", "mat-khau-thu-hai"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["reset-password", "admin"]) == 2
    assert "không khớp" in capsys.readouterr().err
    answers = iter(["mat-khau-giong-nhau", "mat-khau-giong-nhau"])
    assert main(["reset-password", "admin"]) == 0
    db = Database(sqlite_url)
    try:
        with db.read() as s:
            assert authenticate(s, "admin", "mat-khau-giong-nhau") is not None
    finally:
        db.dispose()


# ------------------------------------------------------------------ say --help
def test_say_help_says_it_writes_a_file_and_plays_only_with_play():
    done = subprocess.run([sys.executable, "run.py", "say", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    text = " ".join(done.stdout.split())
    assert done.returncode == 0
    assert "WAV file" in text and "print the file's path" in text and "Nothing is heard unless --play" in text
    overview = " ".join(
        subprocess.run([sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout.split()
    )
    assert "synthesize (and play)" not in overview and "plays it only with --play" in overview
    assert "reset-password" in overview
