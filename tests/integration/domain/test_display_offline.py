"""Display-offline alerts from the database: a board's last-seen time is ``Device.last_seen_at``
(written when it connects, when it leaves and by a throttled heartbeat while connected), and one
upkeep scheduler per process checks it. So the alert survives a server restart, several processes
raise it once between them, and a display seen again resolves it. Time is the test's fixed clock."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.adapters.realtime import socketio
from server.bootstrap import build_services
from server.domain.accounts import register_device
from server.domain.alerts import DISPLAY_OFFLINE, display_source
from server.models import Alert, Device

GRACE = 60

pytestmark = pytest.mark.settings(display_offline_seconds=GRACE)


@pytest.fixture
def board(app):
    """A registered call board of the demo center: (device id, token)."""
    with app.extensions["motcua"].db.write() as s:
        device, token = register_device(s, 1, "display", "TV sảnh chính", config={})
        return device.id, token


def offline(db) -> list[Alert]:
    with db.read() as s:
        return list(s.query(Alert).filter(Alert.kind == DISPLAY_OFFLINE).order_by(Alert.id))


def last_seen(db, device_id: int):
    with db.read() as s:
        return s.get(Device, device_id).last_seen_at


def test_a_display_seen_then_not_for_longer_than_the_grace_raises_display_offline(app, clock, board):
    core = app.extensions["motcua"]
    device_id, token = board
    core.alerts.display_seen(token)  # connected (to some process), then nothing more: the TV lost power
    clock.advance(seconds=GRACE)
    assert core.upkeep.tick()["display_offline"] == {"raised": [], "resolved": []}  # the process just started
    clock.advance(seconds=1)
    assert core.upkeep.tick()["display_offline"]["raised"] == [device_id]
    [alert] = offline(core.db)
    assert alert.source == display_source(device_id) and alert.resolved_at is None and "TV sảnh chính" in alert.message_vi


def test_the_alert_survives_a_restart_and_a_new_process_raises_it_for_a_screen_that_never_came_back(
    app, settings, clock, board
):
    core = app.extensions["motcua"]
    device_id, token = board
    core.alerts.display_seen(token)
    clock.advance(seconds=30)
    # The server restarts (the old process crashed: no disconnect was ever recorded).
    restarted = build_services(settings, clock)
    clock.advance(seconds=GRACE // 2)
    assert restarted.upkeep.tick()["display_offline"]["raised"] == []  # screens get the grace period to reconnect
    clock.advance(seconds=GRACE)
    assert restarted.upkeep.tick()["display_offline"]["raised"] == [device_id]
    # And once more: a third process started later finds the open alert and raises nothing new.
    again = build_services(settings, clock)
    clock.advance(seconds=2 * GRACE)
    assert again.upkeep.tick()["display_offline"]["raised"] == []
    assert len(offline(core.db)) == 1
    restarted.db.dispose()
    again.db.dispose()


def test_a_screen_connected_to_one_process_is_not_reported_by_another(app, settings, clock, board):
    """Process A holds the board's socket and writes its heartbeat; process B sees no socket of it,
    only the database, and so raises nothing."""
    core = app.extensions["motcua"]
    device_id, token = board
    screen = socketio.test_client(app, auth={"center_id": 1, "device": token})
    other_process = build_services(settings, clock)
    for _ in range(8):
        clock.advance(seconds=GRACE / 2)
        core.upkeep.tick()  # A: heartbeat, then its checks
        other_process.upkeep.tick()
    assert offline(core.db) == []
    screen.disconnect()
    clock.advance(seconds=GRACE + 1)
    assert other_process.upkeep.tick()["display_offline"]["raised"] == [device_id]
    other_process.db.dispose()


def test_a_display_seen_again_resolves_its_alert_in_any_process(app, settings, clock, board):
    core = app.extensions["motcua"]
    device_id, token = board
    core.alerts.display_seen(token)
    clock.advance(seconds=2 * GRACE)
    core.upkeep.tick()
    assert len(offline(core.db)) == 1
    core.alerts.display_seen(token)  # it connected to another process, which only wrote last_seen_at
    assert core.upkeep.tick()["display_offline"]["resolved"] == [device_id]
    assert offline(core.db)[0].resolved_at is not None


def test_reconnecting_resolves_at_once(app, clock, board):
    core = app.extensions["motcua"]
    device_id, token = board
    core.alerts.display_seen(token)
    clock.advance(seconds=2 * GRACE)
    core.upkeep.tick()
    screen = socketio.test_client(app, auth={"center_id": 1, "device": token})
    assert screen.is_connected() and offline(core.db)[0].resolved_at is not None


def test_the_heartbeat_writes_at_most_once_per_30_seconds(app, clock, board):
    core = app.extensions["motcua"]
    device_id, _token = board
    assert core.alerts.displays_heartbeat([device_id]) == 1
    first = last_seen(core.db, device_id)
    clock.advance(seconds=29)
    assert core.alerts.displays_heartbeat([device_id]) == 0
    assert last_seen(core.db, device_id) == first
    clock.advance(seconds=1)
    assert core.alerts.displays_heartbeat([device_id]) == 1
    assert last_seen(core.db, device_id) == first + timedelta(seconds=30)


def test_a_display_never_seen_is_not_reported(app, clock, board):
    """Registered but not yet installed: nobody is missing it."""
    clock.advance(hours=3)
    assert app.extensions["motcua"].upkeep.tick()["display_offline"]["raised"] == []


@pytest.mark.postgres
def test_heartbeat_and_check_on_postgresql(pg_url):
    from server.clock import FixedClock
    from server.db import Database
    from server.domain.alerts import AlertService
    from tests.support.demo import MONDAY_9AM, make_db

    make_db(pg_url).dispose()
    db = Database(pg_url)
    try:
        clock = FixedClock(MONDAY_9AM)
        alerts = AlertService(db, clock)
        with db.write() as s:
            device, token = register_device(s, 1, "counter_screen", "Màn hình quầy 2", config={})
            device_id = device.id
        assert alerts.displays_heartbeat([device_id]) == 1
        clock.advance(seconds=10)
        assert alerts.displays_heartbeat([device_id]) == 0  # throttled in the statement
        clock.advance(seconds=GRACE + 1)
        assert alerts.check_displays(GRACE)["raised"] == [device_id]
        assert AlertService(db, clock).check_displays(GRACE)["raised"] == []  # a second process: the open alert dedups
        alerts.display_seen(token)
        assert alerts.check_displays(GRACE)["resolved"] == [device_id]
    finally:
        db.dispose()


@pytest.mark.postgres
def test_schedulers_of_several_processes_raising_one_alert_at_once_open_it_once_on_postgresql(pg_url):
    """Eight schedulers (each its own AlertService and connection pool, as separate processes have) raise the
    same display_offline at the same instant: one open alert, bumped by the others, never two."""
    import threading

    from server.clock import FixedClock
    from server.db import Database
    from server.domain.alerts import AlertService
    from tests.support.demo import MONDAY_9AM, make_db

    make_db(pg_url).dispose()
    databases = [Database(pg_url) for _ in range(8)]
    try:
        clock = FixedClock(MONDAY_9AM)
        start = threading.Barrier(len(databases))

        def scheduler(db) -> None:
            service = AlertService(db, clock)
            start.wait()
            service.raise_alert(1, DISPLAY_OFFLINE, display_source(99), "Màn hình mất kết nối", "Display offline")

        threads = [threading.Thread(target=scheduler, args=(db,)) for db in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with databases[0].read() as s:
            rows = s.query(Alert).filter(Alert.kind == DISPLAY_OFFLINE, Alert.resolved_at.is_(None)).all()
        assert [(a.source, a.occurrences) for a in rows] == [(display_source(99), len(databases))]
    finally:
        for db in databases:
            db.dispose()
