"""The serving model (server/worker_model.py): ``run.py`` serves with gunicorn's gevent worker — a
greenlet per connected client — and everything a center needs still works in it: websockets, a call
on the board, its voice made by the spawned speech worker, the upkeep; ``MOTCUA_WORKER=threads``
keeps the threaded worker; deploy/gunicorn.conf.py says the same as ``run.py``."""
from __future__ import annotations

import io
import os
import runpy
import subprocess
import sys
import threading
import time
import wave
from array import array
from pathlib import Path

import pytest
import requests
import socketio as sio_client

from server.cli import worker_options
from server.worker_model import GEVENT, THREADS, serves, wanted
from tests.support.demo import DEMO_PASSWORD
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[3]


def _serve(tmp_path: Path, sqlite_url: str, **env: str) -> ServerProcess:
    return ServerProcess(free_port(), {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), **env},
                         tmp_path / "server.log").start()


def _board(url: str) -> tuple[sio_client.Client, list[dict], threading.Event]:
    client, calls, snapshot = sio_client.Client(reconnection=False), [], threading.Event()
    client.on("snapshot", lambda _data: snapshot.set())
    client.on("ticket_called", calls.append)
    client.connect(url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)
    assert snapshot.wait(10), "no snapshot over the websocket"
    return client, calls, snapshot


def _wait(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def test_run_py_serves_with_gevent_and_a_call_reaches_the_board_with_its_voice(tmp_path, sqlite_url):
    server = _serve(tmp_path, sqlite_url)
    board = None
    try:
        board, calls, _ = _board(server.url)
        assert board.transport() == "websocket"
        ticket = requests.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
        clerk = login_session(server.url, "quay1", DEMO_PASSWORD)
        clerk.post(server.url + "/api/v1/counters/1/call-next", timeout=5).raise_for_status()
        assert _wait(lambda: calls), server.log_path.read_text()[-2000:]
        assert calls[0]["number"] == ticket["number"]

        # The voice comes from the speech worker process the server spawned: real audio, not silence.
        wav = requests.get(f"{server.url}/api/v1/announcements/{calls[0]['event_id']}.wav", timeout=30)
        assert wav.status_code == 200, wav.text[:500]
        with wave.open(io.BytesIO(wav.content)) as w:
            seconds = w.getnframes() / w.getframerate()
            samples = array("h", w.readframes(w.getnframes()))
        assert seconds > 2.0  # chime + "Xin mời công dân có số thứ tự … đến quầy số 1"
        assert max(abs(s) for s in samples) > 3000
    finally:
        if board is not None:
            board.disconnect()
        server.stop()
    log = server.log_path.read_text()
    assert "Using worker: gevent" in log
    assert "Traceback" not in log, log[-3000:]


def test_threads_stay_available_with_motcua_worker_threads(tmp_path, sqlite_url):
    server = _serve(tmp_path, sqlite_url, MOTCUA_WORKER="threads")
    try:
        board, calls, _ = _board(server.url)
        requests.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).raise_for_status()
        login_session(server.url, "quay1", DEMO_PASSWORD).post(server.url + "/api/v1/counters/1/call-next", timeout=5)
        assert _wait(lambda: calls)
        board.disconnect()
    finally:
        server.stop()
    assert "Using worker: gthread" in server.log_path.read_text()


@pytest.mark.parametrize(
    ("environ", "model"),
    [({}, GEVENT), ({"MOTCUA_WORKER": "threads"}, THREADS), ({"MOTCUA_WORKER": " Threads "}, THREADS),
     ({"MOTCUA_DEV_SERVER": "1"}, THREADS), ({"MOTCUA_WORKER": "gevent"}, GEVENT)],
)
def test_the_model_wanted_follows_the_environment(environ, model):
    assert wanted(environ) == model


@pytest.mark.parametrize(("argv", "serving"), [([], True), (["serve"], True), (["--port", "8001"], True),
                                               (["init-db"], False), (["--help"], False), (["say", "x"], False)])
def test_only_the_serving_command_is_patched(argv, serving):
    assert serves(argv) is serving


@pytest.mark.parametrize("environ", [{}, {"MOTCUA_WORKER": "threads", "THREADS": "300"}])
def test_deploy_gunicorn_conf_says_what_run_py_does(monkeypatch, environ):
    for name in ("MOTCUA_WORKER", "THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    conf = runpy.run_path(str(ROOT / "deploy/gunicorn.conf.py"))
    expected = worker_options(wanted(environ) == GEVENT, int(environ.get("THREADS", "1000")))
    assert {key: conf[key] for key in expected} == expected


def test_the_production_entry_freezes_what_start_up_built(tmp_path, sqlite_url):
    """gunicorn's ``server.wsgi:app`` (deploy/) and ``run.py`` (server/cli.py) hand out the app through
    ``settled``: the objects alive once it is built are frozen, so a full collection during a call
    walks only what came after (the clients), not the ~200,000 of start-up."""
    probe = "import gc, server.wsgi; print(type(server.wsgi.app).__name__, gc.get_freeze_count())"
    env = {**os.environ, "DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "settled-heap"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    app_type, frozen = done.stdout.strip().splitlines()[-1].split()
    assert app_type == "APIFlask"  # the app itself is what gunicorn serves
    assert int(frozen) > 50_000
