"""Result-ready notices: a real SMTP server (aiosmtpd on 127.0.0.1) receives the e-mail, a local
HTTP SMS gateway receives the SMS, and the outbox keeps every notice with its status."""
from __future__ import annotations

import pytest

from server.bootstrap import notice_config
from tests.support.demo import login
from tests.support.dossiers import receive_via_api, serve_next
from tests.support.services import free_port
from tests.support.settings import settings_from_env

pytestmark = pytest.mark.usefixtures("procedures")


def configure(app, monkeypatch, **env: str):
    """Configure notices from the environment ``env``, as the running app would read it at start."""
    from server.web.api.dossiers import area

    notices = area(app).notices
    notices.config = notice_config(settings_from_env(env))
    return notices


def ready_dossier(client, csrf: str, **body) -> str:
    serve_next(client, csrf)
    code = receive_via_api(client, csrf, **body)["dossier"]["code"]
    response = client.post(f"/api/v1/dossiers/{code}/result-ready", json={}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    return code


def test_result_ready_sends_the_email_through_a_real_smtp_server(app, client, clerk_csrf, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    notices = configure(app, monkeypatch, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port),
                        SMTP_FROM="Trung tâm PVHCC Hoàn Kiếm <motcua@hoankiem.example>")
    code = ready_dossier(client, clerk_csrf, applicant_phone="")
    assert notices.wait_idle(15)
    assert inbox.arrived.wait(5)
    message = inbox.messages[0]
    assert inbox.envelopes[0].rcpt_tos == ["hoa@example.vn"]
    assert message["Subject"] == f"Hồ sơ {code} đã có kết quả"
    body = message.get_body(("plain",)).get_content()
    assert code in body and "Đăng ký kết hôn" in body and "Kính gửi ông/bà Nguyễn Thị Hoa" in body
    outbox = client.get("/api/v1/centers/1/notices", headers={"X-CSRF-Token": login(client, "giamsat")}).get_json()
    assert [(n["channel"], n["status"], n["attempts"]) for n in outbox] == [("email", "sent", 1)]


def test_result_ready_sends_the_sms_through_the_http_gateway_without_accents(app, client, clerk_csrf, sms_gateway, monkeypatch):
    url, received = sms_gateway
    notices = configure(app, monkeypatch, SMS_GATEWAY_URL=url, SMS_GATEWAY_TOKEN="bi-mat")
    code = ready_dossier(client, clerk_csrf, applicant_email="")
    assert notices.wait_idle(15)
    assert len(received) == 1
    sms = received[0]
    assert sms["auth"] == "Bearer bi-mat" and sms["body"]["to"] == "0912345678"
    assert code in sms["body"]["text"] and "da co ket qua" in sms["body"]["text"]
    assert sms["body"]["text"].isascii()


def test_without_configuration_the_notices_are_recorded_as_skipped(app, client, clerk_csrf, monkeypatch):
    configure(app, monkeypatch)
    ready_dossier(client, clerk_csrf)
    outbox = client.get("/api/v1/centers/1/notices", headers={"X-CSRF-Token": login(client, "giamsat")}).get_json()
    assert sorted((n["channel"], n["status"]) for n in outbox) == [("email", "skipped"), ("sms", "skipped")]
    assert all("Chưa cấu hình" in n["last_error"] for n in outbox)


def test_a_dead_smtp_server_never_loses_the_notice_and_a_retry_sends_it(app, client, clerk_csrf, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    dead_port = free_port()
    notices = configure(app, monkeypatch, SMTP_HOST="127.0.0.1", SMTP_PORT=str(dead_port), NOTICE_MAX_ATTEMPTS="1")
    ready_dossier(client, clerk_csrf, applicant_phone="")
    assert notices.wait_idle(15)
    supervisor = login(client, "giamsat")
    failed = client.get("/api/v1/centers/1/notices", headers={"X-CSRF-Token": supervisor}).get_json()
    assert [(n["status"], n["attempts"]) for n in failed] == [("failed", 1)]
    assert str(dead_port) in failed[0]["last_error"]
    notices.config = notice_config(settings_from_env({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port)}))
    retried = client.post(f"/api/v1/notices/{failed[0]['id']}/retry", headers={"X-CSRF-Token": supervisor})
    assert retried.status_code == 200
    assert notices.wait_idle(15) and inbox.arrived.wait(5)
    after = client.get("/api/v1/centers/1/notices", headers={"X-CSRF-Token": supervisor}).get_json()
    assert [(n["status"], n["attempts"]) for n in after] == [("sent", 1)]


def test_the_notice_is_written_in_the_same_transaction_as_result_ready(app, client, clerk_csrf, monkeypatch):
    """Even if sending never happens (process killed right after commit), the row exists, pending."""
    notices = configure(app, monkeypatch, SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()))
    monkeypatch.setattr(notices, "dispatch_async", lambda ids: None)
    ready_dossier(client, clerk_csrf, applicant_phone="")
    outbox = notices.list(1)
    assert [(n["channel"], n["status"], n["attempts"]) for n in outbox] == [("email", "pending", 0)]
