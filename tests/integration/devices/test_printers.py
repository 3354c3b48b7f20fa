"""Printer administration tells the truth: a test print reports what the printer did (printed, or
why not, in words, within seconds); URL, paper width and cut are editable; KIOSK_PRINTER_URL seeds
the demo kiosk once and never undoes what an admin saved."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from server.demo import ensure_demo_kiosk
from server.domain.accounts import device_for_token, register_device
from server.models import Device
from tests.support.raster import decode_images, read_qr_texts
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter


def add_kiosk(app, printer_url: str | None) -> int:
    with app.extensions["motcua"].db.write() as s:
        device, _token = register_device(s, 1, "kiosk", "Kiosk tầng 1", printer_url=printer_url)
        return device.id


def test_a_test_print_on_a_working_printer_answers_printed(app, client, admin_headers):
    with TcpTestPrinter() as printer:
        device_id = add_kiosk(app, printer.url)
        response = client.post(f"/api/v1/devices/{device_id}/print-test", headers=admin_headers)
        body = response.get_json()
        assert body["status"] == "printed" and body["error"] is None and body["printer_online"] is True
        assert read_qr_texts(printer.wait_for_jobs(1)[0]) == ["HTTP://MOT-CUA.LOCAL/TEST-PRINT"]


def test_a_test_print_on_a_printer_that_is_not_there_fails_in_words_within_seconds(app, client, admin_headers):
    closed = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    device_id = add_kiosk(app, closed)
    started = time.monotonic()
    response = client.post(f"/api/v1/devices/{device_id}/print-test", headers=admin_headers)
    elapsed = time.monotonic() - started
    body = response.get_json()
    assert body["status"] == "failed" and body["printer_online"] is False
    assert "Máy in không phản hồi" in body["error"] and "connection refused" in body["error"]
    assert elapsed < 5
    listed = client.get(f"/api/v1/devices/{device_id}").get_json()
    assert listed["printer"]["online"] is False and "không phản hồi" in listed["printer"]["last_error"]


def test_an_admin_edits_printer_url_width_and_cut_and_the_next_print_follows(app, client, admin_headers):
    device_id = add_kiosk(app, "tcp://192.168.1.50:9100")
    with TcpTestPrinter() as printer:
        response = client.patch(
            f"/api/v1/devices/{device_id}",
            headers=admin_headers,
            json={"printer_url": printer.url, "printer_width": 384, "printer_cut": False},
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["printer_url"] == f"{printer.url}?width=384&cut=0"
        assert body["printer_width"] == 384 and body["printer_cut"] is False
        assert client.post(f"/api/v1/devices/{device_id}/print-test", headers=admin_headers).get_json()["status"] == "printed"
        job = printer.wait_for_jobs(1)[0]
        assert decode_images(job)[0].width == 384
        assert b"\x1dV" not in job  # no cut command
    # Width alone keeps the URL and replaces only the width.
    again = client.patch(
        f"/api/v1/devices/{device_id}", headers=admin_headers, json={"printer_width": 576, "printer_cut": True}
    ).get_json()
    assert again["printer_url"] == f"{printer.url}?width=576&cut=1" and again["printer_cut"] is True


@pytest.mark.parametrize(
    "body, code",
    [
        ({"printer_width": 100}, "validation_error"),
        ({"printer_url": "lpt://x"}, "invalid_printer_url"),
        ({"printer_cut": "maybe"}, "validation_error"),
    ],
)
def test_bad_printer_settings_are_refused_in_words(app, client, admin_headers, body, code):
    device_id = add_kiosk(app, "tcp://192.168.1.50:9100")
    response = client.patch(f"/api/v1/devices/{device_id}", headers=admin_headers, json=body)
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["message_vi"] and error["message_en"]
    if code != "validation_error":
        assert error["code"] == code


def test_width_needs_a_printer_and_an_emptied_url_removes_it(app, client, admin_headers):
    device_id = add_kiosk(app, None)
    refused = client.patch(f"/api/v1/devices/{device_id}", headers=admin_headers, json={"printer_width": 384})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "no_printer"
    other = add_kiosk(app, "tcp://192.168.1.50:9100?width=384")
    removed = client.patch(
        f"/api/v1/devices/{other}", headers=admin_headers, json={"printer_url": "", "printer_width": 384, "printer_cut": True}
    )
    assert removed.status_code == 200 and removed.get_json()["printer_url"] is None


# ---------------------------------------------------------------- KIOSK_PRINTER_URL seeds once
def demo_printer(db, token: str) -> str | None:
    with db.read() as s:
        return device_for_token(s, token).printer_url


def test_kiosk_printer_url_seeds_the_demo_kiosk_once_and_never_undoes_an_admins_printer(app, client, admin_headers):
    db = app.extensions["motcua"].db
    with db.write() as s:
        token = ensure_demo_kiosk(s, 1, printer_url="tcp://192.168.1.60:9100")  # first start
    assert demo_printer(db, token) == "tcp://192.168.1.60:9100"
    with db.read() as s:
        device_id = s.scalar(select(Device.id).where(Device.kind == "kiosk"))
    saved = client.patch(
        f"/api/v1/devices/{device_id}",
        headers=admin_headers,
        json={"printer_url": "tcp://192.168.1.77:9100", "printer_width": 384},
    )
    assert saved.status_code == 200
    for env in ("tcp://192.168.1.60:9100", "tcp://192.168.1.61:9100", ""):  # later starts, whatever the variable says
        with db.write() as s:
            assert ensure_demo_kiosk(s, 1, printer_url=env) == token
        assert demo_printer(db, token) == "tcp://192.168.1.77:9100?width=384"


def test_a_printer_added_later_by_the_variable_is_seeded_but_an_admins_removal_stays(app, client, admin_headers):
    db = app.extensions["motcua"].db
    with db.write() as s:
        token = ensure_demo_kiosk(s, 1)
    assert demo_printer(db, token) is None
    with db.write() as s:  # the IT officer restarts with a printer
        ensure_demo_kiosk(s, 1, printer_url="tcp://192.168.1.60:9100")
    assert demo_printer(db, token) == "tcp://192.168.1.60:9100"
    with db.read() as s:
        device_id = s.scalar(select(Device.id).where(Device.kind == "kiosk"))
    assert client.patch(f"/api/v1/devices/{device_id}", headers=admin_headers, json={"printer_url": None}).status_code == 200
    with db.write() as s:
        ensure_demo_kiosk(s, 1, printer_url="tcp://192.168.1.60:9100")
    assert demo_printer(db, token) is None


def test_a_malformed_kiosk_printer_url_is_ignored_not_stored(db, capsys):
    with db.write() as s:
        token = ensure_demo_kiosk(s, 1, printer_url="192.168.1.60")
    assert demo_printer(db, token) is None
    assert "KIOSK_PRINTER_URL" in capsys.readouterr().out
