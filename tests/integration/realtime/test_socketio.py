"""Realtime: a client gets a snapshot first, then events; several server
processes share events through Redis."""
from __future__ import annotations

import threading

import pytest
import socketio as sio_client

from server.adapters.realtime import socketio
from tests.support.demo import DEMO_PASSWORD, login
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import free_port


def test_client_gets_a_snapshot_on_connect_then_one_message_per_issue_and_per_call(app, client):
    watcher = socketio.test_client(app, auth={"center_id": 1})
    received = watcher.get_received()
    assert received[0]["name"] == "snapshot"
    assert received[0]["args"][0]["center"]["id"] == 1

    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    names = [m["name"] for m in watcher.get_received()]
    assert names == ["ticket_issued", "ticket_called"]  # the waiting counts ride inside (issue 17)


def _waiting(counts: dict, service_id: int) -> int:
    return next(s["waiting"] for s in counts["services"] if s["service_id"] == service_id)


def test_a_board_reads_the_waiting_counts_from_the_ticket_event_that_changed_them(app, client):
    watcher = socketio.test_client(app, auth={"center_id": 1})
    watcher.get_received()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    client.post("/api/v1/counters/1/start", headers={"X-CSRF-Token": csrf})
    events = [(m["name"], m["args"][0]) for m in watcher.get_received()]
    issued = [p for name, p in events if name == "ticket_issued"]
    called = next(p for name, p in events if name == "ticket_called")
    started = next(p for name, p in events if name == "ticket_started")
    assert [_waiting(p["counts"], 1) for p in issued] == [1, 2]
    assert called["counts"]["center_id"] == 1 and _waiting(called["counts"], 1) == 1
    assert "counts" not in started  # nobody joined or left the line


def test_counts_with_no_ticket_event_still_go_out_as_queue_counts(app, client):
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/pause", json={"reason": "break"}, headers={"X-CSRF-Token": csrf})
    watcher = socketio.test_client(app, auth={"center_id": 1})
    watcher.get_received()
    assert client.post("/api/v1/counters/1/resume", headers={"X-CSRF-Token": csrf}).status_code == 200
    names = [m["name"] for m in watcher.get_received()]
    assert names == ["counter_changed", "queue_counts"]


def test_called_event_carries_number_counter_service_and_kind(app, client):
    watcher = socketio.test_client(app, auth={"center_id": 1})
    watcher.get_received()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    called = next(m["args"][0] for m in watcher.get_received() if m["name"] == "ticket_called")
    assert called["number"] == "1001"
    assert called["counter"]["number"] == 1
    assert called["service"]["code"] == "TPHT"
    assert called["kind"] == "call" and called["announcement"] == "call"


def test_phone_page_room_hears_only_its_own_ticket(app, client):
    mine = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    phone = socketio.test_client(app, auth={"ticket": mine["token"]})
    first = phone.get_received()[0]
    assert first["name"] == "snapshot" and first["args"][0]["ticket"]["number"] == "1001"
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": csrf})
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})  # 1002: not mine
    events = [m for m in phone.get_received() if m["name"].startswith("ticket_")]
    assert [e["name"] for e in events] == ["ticket_called", "ticket_finished"]
    assert all(e["args"][0]["ticket"]["number"] == "1001" for e in events)


def test_bad_subscription_gets_an_error_event_not_a_crash(app):
    watcher = socketio.test_client(app, auth={"center_id": 999})
    received = watcher.get_received()
    assert received[0]["name"] == "error"
    assert received[0]["args"][0]["code"] == "unknown_center"
    assert watcher.is_connected()


def test_reconnect_resyncs_from_a_fresh_snapshot(app, client):
    watcher = socketio.test_client(app, auth={"center_id": 1})
    assert watcher.get_received()[0]["args"][0]["services"][0]["waiting"] == 0
    watcher.disconnect()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})  # missed while away
    watcher.connect(auth={"center_id": 1})
    snap = watcher.get_received()[0]
    assert snap["name"] == "snapshot"
    assert next(s for s in snap["args"][0]["services"] if s["id"] == 1)["waiting"] == 1


@pytest.mark.redis
def test_event_raised_in_one_process_reaches_a_client_of_another(tmp_path, redis_url, sqlite_url):
    """Two real server processes share Redis; a real python-socketio client on B
    hears a ticket issued and called through A."""
    import uuid

    channel_env = {
        "DATABASE_URL": sqlite_url,
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "MOTCUA_INSTANCE": str(tmp_path),
        "SECRET_KEY": "shared-secret",
        # Keep this test's traffic apart from any other user of the same Redis.
        "SOCKETIO_CHANNEL": f"motcua-test-{uuid.uuid4().hex[:8]}",
    }
    a = ServerProcess(free_port(), channel_env, tmp_path / "a.log").start()
    b = ServerProcess(free_port(), channel_env, tmp_path / "b.log").start()
    client = sio_client.Client(reconnection=False)
    got_snapshot = threading.Event()
    got_call = threading.Event()
    calls = []
    client.on("snapshot", lambda data: got_snapshot.set())

    def on_called(data):
        calls.append(data)
        got_call.set()

    client.on("ticket_called", on_called)
    try:
        client.connect(b.url, auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)
        assert got_snapshot.wait(10)
        import requests

        ticket = requests.post(a.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
        clerk = login_session(a.url, "quay1", DEMO_PASSWORD)
        clerk.post(a.url + "/api/v1/counters/1/call-next", timeout=5).raise_for_status()
        assert got_call.wait(10), (tmp_path / "a.log").read_text()[-2000:]
        assert calls[0]["number"] == ticket["number"]
        assert calls[0]["counter"]["number"] == 1
    finally:
        client.disconnect()
        a.stop()
        b.stop()
