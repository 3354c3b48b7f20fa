"""Device registration (admin) and the device list (supervisor); the demo kiosk."""

from __future__ import annotations

import pytest

from kiosk.demo import demo_kiosk_url
from server.demo import ensure_demo_kiosk, seed_demo
from server.domain.accounts import device_for_token
from server.models import Device
from tests.support.demo import login


def admin(client) -> dict[str, str]:
    return {"X-CSRF-Token": login(client, "admin")}


def register(client, csrf: dict, **body):
    payload = {"center_id": 1, "kind": "kiosk", "name": "Kiosk tầng 1", **body}
    return client.post("/api/v1/devices", json=payload, headers=csrf)


def test_admin_registers_a_kiosk_and_gets_its_token_once(client):
    csrf = admin(client)
    response = register(client, csrf, printer_url="tcp://192.168.1.50:9100?width=384")
    assert response.status_code == 201
    body = response.get_json()
    token = body["token"]
    assert body["setup_url"].endswith(f"/kiosk/?device={token}")
    assert body["device"]["printer_url"] == "tcp://192.168.1.50:9100?width=384" and body["device"]["kind"] == "kiosk"
    # The token works as a kiosk…
    me = client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token}).get_json()
    assert me["device"]["name"] == "Kiosk tầng 1" and me["device"]["printer_width"] == 384
    # …and is never shown again.
    listed = client.get("/api/v1/devices?center_id=1").get_data(as_text=True)
    assert token not in listed and "token" not in listed


def test_devices_list_shows_last_seen_online_and_printer(client):
    csrf = admin(client)
    token = register(client, csrf, printer_url="tcp://192.168.1.50:9100").get_json()["token"]
    client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token})
    login(client, "giamsat")
    devices = client.get("/api/v1/devices?center_id=1").get_json()
    assert len(devices) == 1
    device = devices[0]
    assert device["online"] is True and device["last_seen_at"] == "2026-11-23T02:00:00Z"
    assert device["printer"] == {
        "url": "tcp://192.168.1.50:9100",
        "online": None,
        "last_error": None,
        "last_print_at": None,
        "last_job_id": None,
        "center_id": 1,
        "device_id": device["id"],
        "device_name": "Kiosk tầng 1",
    }


@pytest.mark.parametrize(
    "printer_url, fragment",
    [
        ("lpt1", "scheme://"),
        ("ftp://printer", "unknown scheme"),
        ("tcp://:9100", "missing host"),
        ("file:///etc/passwd", "/dev/"),
        ("file:///dev/../etc/passwd", "/dev/"),
    ],
)
def test_bad_printer_urls_are_refused_with_the_reason(client, printer_url, fragment):
    response = register(client, admin(client), printer_url=printer_url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_printer_url" and fragment in error["message_en"]


def test_only_admins_register_and_supervisors_only_read(client):
    csrf = {"X-CSRF-Token": login(client, "giamsat")}
    assert register(client, csrf).status_code == 403
    assert client.get("/api/v1/devices").status_code == 200
    csrf = {"X-CSRF-Token": login(client, "quay1")}
    assert client.get("/api/v1/devices").status_code == 403
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/printers").status_code == 401


def test_admin_changes_printer_and_deactivates(client):
    csrf = admin(client)
    created = register(client, csrf).get_json()
    device_id, token = created["device"]["id"], created["token"]
    response = client.patch(
        f"/api/v1/devices/{device_id}", json={"printer_url": "usb://04b8:0202", "name": "Kiosk cửa chính"}, headers=csrf
    )
    assert response.status_code == 200
    assert response.get_json()["printer_url"] == "usb://04b8:0202" and response.get_json()["name"] == "Kiosk cửa chính"
    assert (
        client.patch(f"/api/v1/devices/{device_id}", json={"printer_url": None}, headers=csrf).get_json()["printer_url"] is None
    )
    client.patch(f"/api/v1/devices/{device_id}", json={"active": False}, headers=csrf)
    assert client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token}).status_code == 401


def test_rotating_the_token_retires_the_old_one(client):
    csrf = admin(client)
    created = register(client, csrf).get_json()
    rotated = client.post(f"/api/v1/devices/{created['device']['id']}/token", headers=csrf)
    assert rotated.status_code == 201
    assert client.get("/api/v1/kiosk/me", headers={"X-Device-Token": created["token"]}).status_code == 401
    assert client.get("/api/v1/kiosk/me", headers={"X-Device-Token": rotated.get_json()["token"]}).status_code == 200


def test_device_registration_is_audited(app, client):
    from server.models.admin import AuditEntry

    register(client, admin(client))
    with app.extensions["motcua"].db.read() as s:
        entries = s.query(AuditEntry).filter_by(entity="device").all()
        assert [(e.action, e.actor.split(":")[-1]) for e in entries] == [("create", "admin")]


def test_unknown_device_is_404(client):
    admin(client)
    assert client.get("/api/v1/devices/424242").get_json()["error"]["code"] == "unknown_device"


# ---------------------------------------------------------------- demo kiosk
def test_demo_kiosk_is_created_once_and_keeps_its_token(db):
    with db.write() as s:
        token = ensure_demo_kiosk(s, 1)
    with db.write() as s:
        assert ensure_demo_kiosk(s, 1) == token
        device = device_for_token(s, token)
        assert device.kind == "kiosk" and device.center_id == 1 and device.printer_url is None  # screen-only
        assert s.query(Device).count() == 1
    assert demo_kiosk_url(token) == f"http://localhost:8000/kiosk/?device={token}"


def test_demo_kiosk_takes_its_printer_from_kiosk_printer_url(db):
    with db.write() as s:
        token = seed_demo(s, kiosk_printer_url="tcp://192.168.1.60:9100").kiosk_token
    with db.read() as s:
        assert device_for_token(s, token).printer_url == "tcp://192.168.1.60:9100"
    # The variable seeds once: a later start without it keeps the printer (see tests/integration/devices/test_printers.py).
    with db.write() as s:
        assert seed_demo(s, kiosk_printer_url="").kiosk_token == token
    with db.read() as s:
        assert device_for_token(s, token).printer_url == "tcp://192.168.1.60:9100"


def test_demo_token_is_not_shown_in_the_device_list(client, db):
    with db.write() as s:
        token = ensure_demo_kiosk(s, 1)
    admin(client)
    assert token not in client.get("/api/v1/devices").get_data(as_text=True)


def test_demo_kiosk_link_sets_up_a_working_kiosk(app, client):
    from server.cli import seed_on_start

    settings = app.extensions["motcua"].settings
    link = demo_kiosk_url(seed_on_start(app.extensions["motcua"].db, settings).kiosk_token, "http://localhost:8000")
    # The same link at every start.
    assert link == demo_kiosk_url(seed_on_start(app.extensions["motcua"].db, settings).kiosk_token, "http://localhost:8000")
    token = link.split("device=", 1)[1]
    assert client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token}).get_json()["device"]["has_printer"] is False
