"""Personal data stays out of the logs (Law 91/2025/QH15 on personal data protection).

When a result-ready notice cannot be sent, the log says which notice, which channel and which
dossier — never the applicant's phone number or e-mail address, not even when the transport's
own error message quotes them. The outbox row (shown to the center's staff) keeps both."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from server.demo_procedures import seed_demo_procedures
from server.domain.dossiers import Applicant, DossierService
from server.domain.notices import NoticeConfig, NoticeError, NoticeService
from server.domain.queue import QueueService
from server.models.dossiers import NoticeOutbox
from tests.support.services import free_port

PHONE = "0912345678"
EMAIL = "hoa.nguyen@example.vn"
# Every way the contacts could show up in a log line.
FORMS = [PHONE, "0912 345 678", "84912345678", "912345678", EMAIL, "hoa.nguyen"]


class RefusingSmtp:
    """An SMTP relay that refuses the recipient and, like real ones, quotes the address."""

    name = "smtp"

    def send(self, to: str, subject: str, body: str) -> None:
        raise NoticeError(f"SMTP 10.0.0.5:25: {{'{to.upper()}': (550, b'5.1.1 <{to}>: Recipient address rejected')}}")


class EchoingGateway:
    """An SMS gateway that echoes the number it rejected, in international form."""

    name = "echo"

    def send(self, to: str, text: str) -> None:
        raise NoticeError(f"HTTP 400: invalid destination +84{to[1:]} (was {to})")


@pytest.fixture
def make_service(db, clock):
    """A dossier service whose notices go through ``notices``; seeds the procedure catalogue."""
    with db.write() as s:
        seed_demo_procedures(s, 1)

    def make(notices: NoticeService) -> DossierService:
        return DossierService(db, clock, QueueService(db, clock), notices=notices)

    return make


def result_ready(service: DossierService) -> str:
    """Receive a dossier for an applicant with both phone and e-mail, then mark its result ready."""
    code = service.receive(
        1, procedure_code="TPHT-KH", applicant=Applicant("Nguyễn Thị Hoa", PHONE, EMAIL), documents=["Tờ khai"], actor="test"
    )["code"]
    service.transition(code, "result_ready", actor="test")
    assert service.notices.wait_idle(15)
    return code


def logged_text(caplog) -> str:
    """Everything the records say: messages, arguments and tracebacks."""
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), record.exc_text or ""]
    return "\n".join(parts)


def failure_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "motcua.notices" and r.levelno >= logging.WARNING]


def test_a_failed_notice_is_logged_by_id_channel_and_dossier_code_only(db, clock, make_service, caplog):
    caplog.set_level(logging.DEBUG)
    dead = NoticeConfig(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_timeout=2,
        sms_gateway_url=f"http://127.0.0.1:{free_port()}/sms",
        max_attempts=1,
    )
    code = result_ready(make_service(NoticeService(db, clock, config=dead)))

    messages = [r.getMessage() for r in failure_records(caplog)]
    assert len(messages) == 2
    assert any(f"(email, dossier {code})" in m for m in messages) and any(f"(sms, dossier {code})" in m for m in messages)
    text = logged_text(caplog)
    assert not [form for form in FORMS if form in text]


def test_contacts_quoted_by_the_transport_are_kept_out_of_the_log(db, clock, make_service, caplog):
    caplog.set_level(logging.DEBUG)
    notices = NoticeService(
        db, clock, config=NoticeConfig(max_attempts=1), sms_gateway=EchoingGateway(), email_sender=RefusingSmtp()
    )
    code = result_ready(make_service(notices))

    assert len(failure_records(caplog)) == 2
    text = logged_text(caplog)
    assert not [form for form in FORMS + [EMAIL.upper()] if form in text]
    assert "Recipient address rejected" in text and code in text  # still useful to the IT officer
    with db.read() as s:
        errors = {row.channel: row.last_error for row in s.scalars(select(NoticeOutbox))}
    # The outbox, which the staff may read, keeps the transport's words unchanged.
    assert EMAIL in errors["email"] and PHONE in errors["sms"]
