"""A registered board or counter screen that goes away and is not seen again for the grace period
(MOTCUA_DISPLAY_OFFLINE_SECONDS) raises a 'display_offline' alert naming it on the supervisors'
dashboard; when it reconnects the alert is resolved. A screen back in time, or one that merely
swapped a stale connection for a new one, raises nothing. The check is the upkeep's (one tick here,
with the test's fixed clock moved on); when the screen was last seen lives in the database."""
from __future__ import annotations

import pytest

from server.adapters.realtime import PRESENCE_KEY, socketio
from server.config import ConfigError
from server.domain.accounts import register_device
from server.domain.alerts import DISPLAY_OFFLINE, DisplayDevice, display_source, offline_messages
from server.models import Alert, Device
from tests.support.demo import login
from tests.support.settings import settings_from_env

GRACE = 60  # seconds, on the test's fixed clock

pytestmark = pytest.mark.settings(display_offline_seconds=GRACE)


@pytest.fixture
def register(app):
    """Register a device of the demo center; returns (device id, token)."""

    def make(kind: str = "display", name: str = "TV sảnh tầng 1") -> tuple[int, str]:
        with app.extensions["motcua"].db.write() as s:
            device, token = register_device(s, 1, kind, name, config={})
            return device.id, token

    return make


@pytest.fixture
def later(app, clock):
    """Move the clock on by ``seconds`` and run one upkeep tick (heartbeat, then the checks)."""

    def run(seconds: float) -> None:
        clock.advance(seconds=seconds)
        app.extensions["motcua"].upkeep.tick()

    # The app has just started: the upkeep gives screens the grace period to come back first.
    clock.advance(seconds=GRACE + 1)
    return run


def display_alerts(app) -> list[dict]:
    return [a for a in app.extensions["motcua"].alerts.open_alerts(1) if a["kind"] == DISPLAY_OFFLINE]


def ever_raised(app) -> list[str]:
    """Sources of every display_offline alert ever raised, resolved or not: a raise-then-resolve
    flap is still a false alarm on the supervisors' dashboard."""
    with app.extensions["motcua"].db.read() as s:
        return [a.source for a in s.query(Alert).filter(Alert.kind == DISPLAY_OFFLINE)]


def screen(app, token: str | None):
    """A board's socket as board.js opens it: the center, and the device token when it has one."""
    auth = {"center_id": 1, **({"device": token} if token else {})}
    client = socketio.test_client(app, auth=auth)
    assert client.get_received()[0]["name"] == "snapshot"
    return client


def supervisor(app, client):
    """The supervisors' live dashboard socket, in the center's supervisors room."""
    login(client, "giamsat")
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_supervisor", {"center_id": 1}, callback=True)["ok"] is True
    watcher.get_received()
    return watcher


@pytest.mark.parametrize("kind, kind_vi", [("display", "Màn hình gọi số"), ("counter_screen", "Màn hình quầy")])
def test_a_screen_gone_past_the_grace_period_raises_display_offline_naming_it_and_its_return_resolves_it(
    app, client, register, later, kind, kind_vi
):
    device_id, token = register(kind, "TV sảnh tầng 1")
    dashboard = supervisor(app, client)
    board = screen(app, token)
    assert display_alerts(app) == []

    board.disconnect()
    later(GRACE - 1)
    assert display_alerts(app) == []  # not yet
    later(2)
    alerts = display_alerts(app)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["source"] == display_source(device_id) and alert["center_id"] == 1
    assert "TV sảnh tầng 1" in alert["message_vi"] and kind_vi in alert["message_vi"] and "mất kết nối" in alert["message_vi"]
    assert "TV sảnh tầng 1" in alert["message_en"]
    raised = [m["args"][0]["alert"] for m in dashboard.get_received() if m["name"] == "alert_raised"]
    assert [a["source"] for a in raised] == [display_source(device_id)]  # pushed to the live dashboard
    live = client.get("/api/v1/reports/live", query_string={"center_id": 1}).get_json()
    assert alert["message_vi"] in [a["message_vi"] for a in live["alerts"]]

    board.connect(auth={"center_id": 1, "device": token})
    assert display_alerts(app) == []
    resolved = [m["args"][0]["alert"] for m in dashboard.get_received() if m["name"] == "alert_resolved"]
    assert [a["id"] for a in resolved] == [alert["id"]] and resolved[0]["resolved_at"] is not None


def test_a_screen_back_within_the_grace_period_raises_nothing(app, register, later):
    _device_id, token = register()
    board = screen(app, token)
    board.disconnect()
    later(GRACE - 5)
    board.connect(auth={"center_id": 1, "device": token})  # back in time
    for _ in range(10):
        later(GRACE / 2)  # connected: the heartbeat keeps it seen
    assert ever_raised(app) == []
    assert app.extensions[PRESENCE_KEY].is_connected(_device_id)


def test_a_stale_connection_closing_after_the_screen_reconnected_raises_nothing(app, register, later):
    """The board reconnects before the server notices its old socket died (ping timeout):
    the old one closing later does not make the board 'offline'; the last one closing does."""
    device_id, token = register()
    old = screen(app, token)
    new = screen(app, token)
    old.disconnect()
    for _ in range(6):
        later(GRACE / 2)
    assert ever_raised(app) == []

    new.disconnect()
    later(GRACE + 1)
    assert [a["source"] for a in display_alerts(app)] == [display_source(device_id)]


def test_a_second_outage_raises_a_new_alert_after_the_first_was_resolved(app, register, later):
    device_id, token = register()
    board = screen(app, token)
    board.disconnect()
    later(GRACE + 1)
    first = display_alerts(app)[0]
    later(GRACE)
    assert display_alerts(app) == [first]  # still one alert however many checks run
    board.connect(auth={"center_id": 1, "device": token})
    board.disconnect()
    later(GRACE + 1)
    second = display_alerts(app)[0]
    assert second["id"] != first["id"] and second["source"] == display_source(device_id)


def test_screens_without_a_display_token_are_not_watched(app, register, later):
    """A read-only demo board, a wrong token and a kiosk's token: nobody to report missing."""
    _kiosk_id, kiosk_token = register("kiosk", "Kiosk sảnh")
    for token in (None, "not-a-real-token", kiosk_token):
        screen(app, token).disconnect()
    later(3 * GRACE)
    assert ever_raised(app) == []


def test_a_screen_revoked_while_away_raises_nothing(app, register, later):
    device_id, token = register()
    board = screen(app, token)
    with app.extensions["motcua"].db.write() as s:
        s.get(Device, device_id).active = False  # the IT officer took this TV out of service
    board.disconnect()
    later(3 * GRACE)
    assert ever_raised(app) == []


def test_a_screen_seen_since_it_left_is_not_offline_as_when_it_reconnected_to_another_server_process(app, register, clock):
    """Several processes serve: the one checking cannot see the other's sockets, but it sees the
    device's last_seen_at written when the screen connected there."""
    device_id, token = register()
    alerts = app.extensions["motcua"].alerts
    assert alerts.display_seen(token) == DisplayDevice(device_id, 1, "TV sảnh tầng 1", "display")
    clock.advance(seconds=50)
    alerts.display_seen(token)  # connected again, to another process
    clock.advance(seconds=50)
    assert alerts.check_displays(60)["raised"] == []
    assert ever_raised(app) == []
    clock.advance(seconds=11)
    assert alerts.check_displays(60)["raised"] == [device_id]


def test_a_screen_revoked_while_reported_offline_has_its_alert_resolved(app, register, later):
    device_id, token = register()
    screen(app, token).disconnect()
    later(GRACE + 1)
    assert len(display_alerts(app)) == 1
    with app.extensions["motcua"].db.write() as s:
        s.get(Device, device_id).active = False
    later(1)
    assert display_alerts(app) == []


def test_the_alert_says_how_long_in_words_a_supervisor_reads():
    device = DisplayDevice(3, 1, "Màn hình quầy 3", "counter_screen")
    vi, en = offline_messages(device, 60)
    assert vi.startswith("Màn hình quầy “Màn hình quầy 3” mất kết nối quá 1 phút.")
    assert en.startswith("Counter screen “Màn hình quầy 3” has been offline for over 1 min.")
    assert "quá 90 giây" in offline_messages(device, 90)[0]


@pytest.mark.parametrize("value, seconds", [(None, 60.0), ("", 60.0), ("120", 120.0), ("0", 0.0), ("-5", 0.0)])
def test_the_grace_period_comes_from_the_environment(value, seconds):
    environ = {} if value is None else {"MOTCUA_DISPLAY_OFFLINE_SECONDS": value}
    assert settings_from_env(environ).display_offline_seconds == seconds


def test_a_grace_period_that_is_no_number_stops_the_start_with_a_clear_message():
    with pytest.raises(ConfigError, match="MOTCUA_DISPLAY_OFFLINE_SECONDS='soon'"):
        settings_from_env({"MOTCUA_DISPLAY_OFFLINE_SECONDS": "soon"})


@pytest.mark.settings(display_offline_seconds=0)
def test_a_zero_grace_period_turns_the_alert_off(app, register, later):
    _device_id, token = register()
    screen(app, token).disconnect()
    later(3600)
    assert ever_raised(app) == []
