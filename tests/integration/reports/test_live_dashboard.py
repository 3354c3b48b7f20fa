"""The supervisor's live dashboard: what is happening now, pushed over Socket.IO."""

from __future__ import annotations

import pytest

from server.adapters.realtime import socketio
from tests.support.admin import Api
from tests.support.demo import login


def issue(client, service_id, headers=None):
    return client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers=headers or {}).get_json()


def test_live_figures_waiting_longest_wait_counters_and_today(app, client, clock):
    first = issue(client, 2)
    clock.advance(minutes=12)
    issue(client, 2)
    issue(client, 1)
    clock.advance(minutes=3)
    clerk = Api(client, "quay1")
    clerk.post("/api/v1/counters/1/open")
    clerk.post("/api/v1/counters/1/call-next")  # the Justice ticket
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": clerk.csrf})
    login(client, "giamsat")
    live = client.get("/api/v1/reports/live", query_string={"center_id": 1}).get_json()
    assert live["today"] == {"issued": 3, "waiting": 2, "in_service": 1, "served": 0, "no_show": 0, "cancelled": 0}
    land = next(s for s in live["services"] if s["code"] == "DD")
    assert (
        land["waiting"] == 2 and land["longest_number"] == first["number"] and land["longest_wait_minutes"] == pytest.approx(15)
    )
    assert live["longest_wait"]["number"] == first["number"] and live["longest_wait"]["minutes"] == pytest.approx(15)
    counter = next(c for c in live["counters"] if c["number"] == 1)
    assert counter["is_open"] and counter["clerk"]["username"] == "quay1" and counter["current"]["number"] == "1001"
    assert live["counters_open"] == 7


def test_open_alerts_show_on_the_dashboard(app, client):
    app.extensions["motcua"].alerts.raise_alert(
        1, "printer_down", "tcp://10.0.0.5:9100", "Máy in kiosk sảnh không phản hồi", "Kiosk printer down"
    )
    login(client, "giamsat")
    live = client.get("/api/v1/reports/live", query_string={"center_id": 1}).get_json()
    assert [a["message_vi"] for a in live["alerts"]] == ["Máy in kiosk sảnh không phản hồi"]
    html = client.get("/admin/c/1/").get_data(as_text=True)
    assert "Máy in kiosk sảnh không phản hồi" in html


def test_supervisor_joins_the_supervisors_room_and_hears_alerts(app, client):
    login(client, "giamsat")
    watcher = socketio.test_client(app, flask_test_client=client, auth={"center_id": 1})
    answer = watcher.emit("join_supervisor", {"center_id": 1}, callback=True)
    assert answer["ok"] is True and "supervisors:1" in answer["rooms"]
    watcher.get_received()
    app.extensions["motcua"].alerts.raise_alert(
        1, "display_offline", "display:3", "Màn hình tầng 1 mất kết nối", "Display offline"
    )
    events = [m for m in watcher.get_received() if m["name"] == "alert_raised"]
    assert events and events[0]["args"][0]["alert"]["kind"] == "display_offline"


@pytest.mark.parametrize("username", [None, "quay1"])
def test_clerks_and_strangers_cannot_join_the_supervisors_room(app, client, username):
    if username:
        login(client, username)
    watcher = socketio.test_client(app, flask_test_client=client)
    answer = watcher.emit("join_supervisor", {"center_id": 1}, callback=True)
    assert answer["ok"] is False and answer["code"] == "forbidden"
    app.extensions["motcua"].alerts.raise_alert(1, "printer_down", "x", "Máy in hỏng", "Printer down")
    assert not [m for m in watcher.get_received() if m["name"] == "alert_raised"]


def test_a_center_supervisor_cannot_join_another_centers_room(app, client):
    login(client, "giamsat")
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_supervisor", {"center_id": 2}, callback=True)["ok"] is False
