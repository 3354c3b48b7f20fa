"""A server that stops (cleanly or by kill -9) comes back with every ticket,
number and the queue order intact."""

from __future__ import annotations

import requests

from tests.support.demo import DEMO_PASSWORD
from tests.support.server_process import ServerProcess, login_session
from tests.support.services import free_port


def test_tickets_numbers_and_order_survive_a_kill_and_restart(tmp_path, sqlite_url):
    env = {"DATABASE_URL": sqlite_url, "MOTCUA_INSTANCE": str(tmp_path), "SECRET_KEY": "restart-secret"}
    port = free_port()
    server = ServerProcess(port, env, tmp_path / "server.log").start()
    try:
        issued = [
            requests.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
            for _ in range(5)
        ]
        clerk = login_session(server.url, "quay1", DEMO_PASSWORD)
        first_call = clerk.post(server.url + "/api/v1/counters/1/call-next", timeout=5).json()["ticket"]
        before = requests.get(server.url + "/api/v1/centers/1/queue", timeout=5).json()
    finally:
        server.kill()  # kill -9: no chance to flush anything
    server = ServerProcess(port, env, tmp_path / "server.log").start()
    try:
        after = requests.get(server.url + "/api/v1/centers/1/queue", timeout=5).json()
        assert after["services"] == before["services"]
        assert after["recent_calls"] == before["recent_calls"]
        for ticket in issued:
            status = requests.get(f"{server.url}/api/v1/tickets/{ticket['token']}", timeout=5).json()
            assert status["number"] == ticket["number"]
        assert first_call["number"] == issued[0]["number"]
        # Numbering continues where it stopped, and the next call is the next in line.
        new = requests.post(server.url + "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, timeout=5).json()
        assert new["number"] == "1006"
        clerk = login_session(server.url, "quay2", DEMO_PASSWORD)
        assert (
            clerk.post(server.url + "/api/v1/counters/2/call-next", timeout=5).json()["ticket"]["number"] == issued[1]["number"]
        )
    finally:
        server.stop()
