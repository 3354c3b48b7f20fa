"""Kiosk printing end to end: the kiosk API issues a ticket, the server prints it off the
request path to a TCP printer, and the QR read back from the printed raster is the ticket's
phone page. A dead printer never loses a ticket: it is shown on screen and an alert is raised."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hardware import PrinterConfig
from server.adapters.printing import PrintService, printing
from tests.support.demo import login
from tests.support.printing import wait_for_job
from tests.support.raster import decode_images, read_qr_texts, read_qr_texts_from_image
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def issue(client, token: str, service_id: int = 1, **extra):
    return client.post("/api/v1/kiosk/tickets", json={"service_id": service_id, **extra}, headers={"X-Device-Token": token})


@pytest.mark.parametrize("width", [384, 576], ids=["58mm", "80mm"])
def test_printed_ticket_qr_reads_back_as_the_phone_page_url(client, make_printer_kiosk, width):
    with TcpTestPrinter() as printer:
        url = printer.url_with(width=384) if width == 384 else printer.url
        assert PrinterConfig.from_url(url).width == width
        token = make_printer_kiosk(printer_url=url)
        response = issue(client, token)
        assert response.status_code == 201
        body = response.get_json()
        assert body["print_job"]["status"] == "pending"  # the answer does not wait for paper
        jobs = printer.wait_for_jobs(1, timeout=20)
        images = decode_images(jobs[0])
        assert [im.width for im in images] == [width]
        ARTIFACTS.mkdir(exist_ok=True)
        images[0].save(ARTIFACTS / f"printed-ticket-{width}.png")  # what the printer received, for a person to look at
        assert read_qr_texts(jobs[0]) == [body["phone_url"]]
        assert body["phone_url"].endswith(f"/t/{body['ticket']['token']}")
        assert wait_for_job(client, token, body["print_job"]["id"])["status"] == "printed"


def test_qr_uses_public_base_url_when_it_is_set(app, client, make_printer_kiosk):
    core = app.extensions["motcua"]
    core.settings = core.settings.replace(public_base_url="http://192.168.1.10:8000/")
    with TcpTestPrinter() as printer:
        token = make_printer_kiosk(printer_url=printer.url_with(width=384))
        body = issue(client, token).get_json()
        jobs = printer.wait_for_jobs(1, timeout=20)
        expected = f"http://192.168.1.10:8000/t/{body['ticket']['token']}"
        assert body["phone_url"] == expected
        assert read_qr_texts(jobs[0]) == [expected]


def test_dead_printer_leaves_the_ticket_issued_and_raises_an_alert(app, client, make_printer_kiosk):
    dead = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    token = make_printer_kiosk(printer_url=dead)
    response = issue(client, token)
    assert response.status_code == 201
    body = response.get_json()
    assert body["ticket"]["number"] == "1001" and body["has_printer"] is True
    job = wait_for_job(client, token, body["print_job"]["id"])
    assert job["status"] == "failed" and job["error_code"] == "unreachable"
    assert job["error"] and job["printer_online"] is False
    # The ticket exists and waits in the queue all the same.
    assert client.get(f"/api/v1/tickets/{body['ticket']['token']}").get_json()["state"] == "waiting"
    alerts = app.extensions["motcua"].alerts.open_alerts(1)
    assert [(a["kind"], a["source"]) for a in alerts] == [("printer_down", dead)]
    assert "Kiosk sảnh A" in alerts[0]["message_vi"]


def test_printer_status_is_visible_to_supervisors(client, make_printer_kiosk):
    dead = f"tcp://127.0.0.1:{free_port()}"
    token = make_printer_kiosk(printer_url=dead)
    body = issue(client, token).get_json()
    wait_for_job(client, token, body["print_job"]["id"])
    login(client, "giamsat")
    printers = client.get("/api/v1/printers?center_id=1").get_json()
    assert len(printers) == 1
    status = printers[0]
    assert status["url"] == dead and status["online"] is False
    assert "không phản hồi" in status["last_error"]
    assert status["last_print_at"] is None and status["device_name"] == "Kiosk sảnh A"


def test_a_good_print_resolves_the_printer_alert_and_records_the_last_print(app, client, make_printer_kiosk):
    port = free_port()
    token = make_printer_kiosk(printer_url=f"tcp://127.0.0.1:{port}")
    first = issue(client, token).get_json()
    assert wait_for_job(client, token, first["print_job"]["id"])["status"] == "failed"
    assert len(app.extensions["motcua"].alerts.open_alerts(1)) == 1
    with TcpTestPrinter(port=port) as printer:  # the printer is switched back on
        second = issue(client, token).get_json()
        assert wait_for_job(client, token, second["print_job"]["id"])["status"] == "printed"
        printer.wait_for_jobs(1, timeout=20)
    assert app.extensions["motcua"].alerts.open_alerts(1) == []
    status = printing(app).status(f"tcp://127.0.0.1:{port}")
    assert status["online"] is True and status["last_print_at"] is not None


def test_screen_only_kiosk_issues_without_print_job_or_alert(app, client, make_printer_kiosk):
    token = make_printer_kiosk(printer_url=None)
    body = issue(client, token).get_json()
    assert body["has_printer"] is False and body["print_job"] is None
    assert body["ticket"]["number"] == "1001"
    assert app.extensions["motcua"].alerts.open_alerts() == []


def test_issuing_never_waits_for_a_slow_printer(app, client, make_printer_kiosk):
    release = threading.Event()
    printed = []

    def slow_printer(url, image):
        release.wait(30)  # a printer stuck mid-job
        printed.append(image.width)

    service = PrintService(app.extensions["motcua"].alerts, print_func=slow_printer, retries=0)
    app.extensions["motcua"].printing = service
    token = make_printer_kiosk(printer_url="tcp://192.0.2.1:9100")
    first = issue(client, token)
    second = issue(client, token)
    # Both tickets were answered while the printer was still stuck on the first one.
    assert [r.status_code for r in (first, second)] == [201, 201]
    assert [r.get_json()["ticket"]["number"] for r in (first, second)] == ["1001", "1002"]
    assert service.job(first.get_json()["print_job"]["id"])["status"] == "pending"
    release.set()
    assert wait_for_job(client, token, second.get_json()["print_job"]["id"])["status"] == "printed"
    assert printed == [576, 576]


def test_ticket_png_preview_matches_the_paper_width_and_carries_the_qr(client, make_printer_kiosk):
    token = make_printer_kiosk()
    body = issue(client, token).get_json()
    from io import BytesIO

    from PIL import Image

    for width in (384, 576):
        response = client.get(f"{body['preview_url']}?width={width}")
        assert response.status_code == 200 and response.mimetype == "image/png"
        image = Image.open(BytesIO(response.data))
        assert image.width == width
        assert read_qr_texts_from_image(image) == [body["phone_url"]]


def test_qr_png_is_the_phone_page_url(client, make_printer_kiosk):
    token = make_printer_kiosk()
    body = issue(client, token).get_json()
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(client.get(body["qr_url"]).data))
    assert read_qr_texts_from_image(image.convert("L").resize((image.width * 3, image.height * 3))) == [body["phone_url"]]
    assert client.get("/t/nothing-here-at-all/qr.png").status_code == 404


def test_priority_ticket_prints_its_category(client, make_printer_kiosk):
    with TcpTestPrinter() as printer:
        token = make_printer_kiosk(printer_url=printer.url_with(width=384))
        body = issue(client, token, priority="elderly").get_json()
        assert body["ticket"]["priority"] == "elderly"
        jobs = printer.wait_for_jobs(1, timeout=20)
        assert read_qr_texts(jobs[0]) == [body["phone_url"]]
        ARTIFACTS.mkdir(exist_ok=True)
        decode_images(jobs[0])[0].save(ARTIFACTS / "printed-ticket-priority-384.png")


def test_supervisor_can_print_a_test_page_on_a_kiosk_printer(app, client, make_printer_kiosk):
    with TcpTestPrinter() as printer:
        make_printer_kiosk(printer_url=printer.url_with(width=384))
        login(client, "giamsat")
        devices = client.get("/api/v1/devices?center_id=1").get_json()
        response = client.post(
            f"/api/v1/devices/{devices[0]['id']}/print-test",
            headers={"X-CSRF-Token": client.get('/api/v1/auth/me').get_json()["csrf_token"]},
        )
        assert response.status_code == 202
        jobs = printer.wait_for_jobs(1, timeout=20)
        assert read_qr_texts(jobs[0]) == ["HTTP://MOT-CUA.LOCAL/TEST-PRINT"]
        assert decode_images(jobs[0])[0].width == 384
        job = client.get(f"/api/v1/print-jobs/{response.get_json()['id']}").get_json()
        assert job["kind"] == "test_page"
