"""Notices to applicants: e-mail through an SMTP server, SMS through a pluggable gateway.

Every notice is first written to the ``notice_outbox`` table in the same transaction as
the change that caused it (a dossier's result became ready), so a crash, a dead SMTP
server or a busy gateway never loses it. Sending happens after commit, off the request
path, in a background thread; the row's ``status`` says what happened:
``pending`` → ``sent`` | ``failed`` (after ``max_attempts``) | ``skipped`` (the channel
is not configured on this installation — still recorded).

Configuration: a :class:`NoticeConfig`, which ``server/bootstrap.py`` builds from the settings
(``SMTP_*``, ``SMS_*``, ``NOTICE_MAX_ATTEMPTS``: see the README's configuration table). An
empty SMTP host or SMS gateway URL turns that channel off: its notices are recorded as
``skipped``.

Another SMS provider plugs in as any object with ``name`` and ``send(to, text)`` that raises
:class:`NoticeError` on failure (``NoticeService(..., sms_gateway=MyGateway())``).
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, local_time
from server.db import Database
from server.domain.dossiers.codes import strip_diacritics
from server.domain.errors import not_found
from server.models import Center
from server.models.dossiers import Dossier, NoticeOutbox, NoticeStatus, Procedure, ReturnChannel

log = logging.getLogger("motcua.notices")

STALE_SENDING = timedelta(minutes=10)  # a "sending" row older than this was lost with its process
SENDING = "sending"
# What looks like an applicant's contact in a transport's error text (an SMTP refusal quotes the
# address, a gateway may echo the number): e-mail addresses, and runs of 9+ digits, maybe spaced
# (a Vietnamese number has 9-11; ports, IP parts and dates never run that long).
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"\+?\b\d(?: ?\d){8,}\b")


class NoticeError(Exception):
    """A notice could not be sent (the reason is kept in the outbox row)."""


@dataclass
class NoticeConfig:
    """Where notices go. Empty ``smtp_host`` / ``sms_gateway_url`` = that channel is off."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "Một Cửa Queue <motcua@localhost>"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 10.0
    sms_gateway_url: str = ""
    sms_gateway_token: str = field(default="", repr=False)
    sms_sender: str = ""
    sms_unicode: bool = False
    max_attempts: int = 3


# ----------------------------------------------------------------------------- transports
class SmsGateway(Protocol):
    """Anything that sends one SMS; raises :class:`NoticeError` when it cannot."""

    name: str

    def send(self, to: str, text: str) -> None: ...


class HttpSmsGateway:
    """A generic HTTP SMS gateway: ``POST {url}`` with JSON ``{"to", "text", "sender"}``."""

    name = "http"

    def __init__(self, url: str, *, token: str = "", sender: str = "", timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not 200 <= response.status < 300:
                    raise NoticeError(f"gateway answered HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            raise NoticeError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise NoticeError(f"gateway unreachable: {getattr(exc, 'reason', exc)}") from None


class SmtpSender:
    """Sends one e-mail through the configured SMTP server (smtplib)."""

    name = "smtp"

    def __init__(self, config: NoticeConfig) -> None:
        self.config = config

    def send(self, to: str, subject: str, body: str) -> None:
        c = self.config
        message = EmailMessage()
        name, address = parseaddr(c.smtp_from)
        message["From"] = formataddr((name, address)) if name else address
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=(address.split("@")[-1] or "localhost"))
        message.set_content(body, charset="utf-8", cte="quoted-printable")  # 7-bit safe for any relay
        try:
            if c.smtp_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.smtp_host, c.smtp_port, timeout=c.smtp_timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout)
            try:
                if c.smtp_starttls and not c.smtp_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if c.smtp_user:
                    smtp.login(c.smtp_user, c.smtp_password)
                smtp.send_message(message)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except (smtplib.SMTPException, OSError) as exc:
            raise NoticeError(f"SMTP {c.smtp_host}:{c.smtp_port}: {exc}") from None


# ----------------------------------------------------------------------------- logs
def scrub_contacts(text: str, recipient: str = "") -> str:
    """``text`` without the recipient nor anything that looks like a phone number or e-mail address.

    Personal data law (91/2025/QH15): logs are kept, copied and read far more widely than the
    outbox, so they must not hold an applicant's phone or e-mail; the outbox row keeps them."""
    if recipient:
        text = re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)
    return _PHONE_RE.sub("<phone>", _EMAIL_RE.sub("<email>", text))


# ----------------------------------------------------------------------------- the service
def _strip_accents(text: str) -> str:

    return strip_diacritics(text)


class NoticeService:
    """Writes notices to the outbox (inside the caller's transaction) and sends them after commit."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        config: NoticeConfig | None = None,
        sms_gateway: SmsGateway | None = None,
        email_sender: Any = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config or NoticeConfig()  # no channel configured: notices are recorded as skipped
        self._sms_gateway = sms_gateway
        self._email_sender = email_sender
        self._send_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()

    # ------------------------------------------------------------------ transports
    @property
    def sms_gateway(self) -> SmsGateway | None:
        if self._sms_gateway is not None:
            return self._sms_gateway
        if self.config.sms_gateway_url:
            return HttpSmsGateway(self.config.sms_gateway_url, token=self.config.sms_gateway_token, sender=self.config.sms_sender)
        return None

    @property
    def email_sender(self) -> Any:
        if self._email_sender is not None:
            return self._email_sender
        return SmtpSender(self.config) if self.config.smtp_host else None

    # ------------------------------------------------------------------ outbox
    def enqueue(
        self,
        session: Session,
        *,
        center_id: int,
        channel: str,
        recipient: str,
        body: str,
        subject: str = "",
        dossier_id: int | None = None,
        kind: str = "result_ready",
    ) -> NoticeOutbox:
        """Record one notice in the caller's transaction; ``skipped`` when its channel is off."""
        configured = self.email_sender is not None if channel == "email" else self.sms_gateway is not None
        gateway = (
            (getattr(self.email_sender, "name", "smtp") if channel == "email" else getattr(self.sms_gateway, "name", "sms"))
            if configured
            else ""
        )
        row = NoticeOutbox(
            center_id=center_id,
            dossier_id=dossier_id,
            kind=kind,
            channel=channel,
            recipient=recipient[:200],
            subject=subject[:300],
            body=body,
            status=NoticeStatus.PENDING if configured else NoticeStatus.SKIPPED,
            attempts=0,
            last_error=""
            if configured
            else (
                "Chưa cấu hình máy chủ thư (SMTP_HOST)." if channel == "email" else "Chưa cấu hình cổng SMS (SMS_GATEWAY_URL)."
            ),
            gateway=gateway,
            created_at=self.clock.now(),
        )
        session.add(row)
        session.flush()
        return row

    def enqueue_result_ready(self, session: Session, dossier: Dossier, center: Center, procedure: Procedure | None) -> list[int]:
        """The "result ready" e-mail and SMS for a dossier's applicant; returns the ids to send."""
        ids: list[int] = []
        procedure_name = procedure.name if procedure else ""
        address = center.address or center.name
        # A result returned by post (bưu chính công ích) is not collected: say where it goes instead.
        by_post = dossier.return_channel == ReturnChannel.POST
        if by_post:
            how_vi = ["Kết quả sẽ được gửi qua dịch vụ bưu chính công ích tới địa chỉ ông/bà đã đăng ký: "
                      f"{dossier.delivery_address}."]
            how_en = f"Your dossier {dossier.code} is ready. The result will be sent by post to the address you registered."
        else:
            how_vi = [f"Mời ông/bà đến {center.name} ({address}) để nhận kết quả trong giờ làm việc.",
                      "Khi đến, vui lòng mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả, "
                      "quét mã QR trên giấy tại kiosk để lấy số."]
            how_en = (f"Your dossier {dossier.code} is ready. Please bring your receipt to {center.name_en or center.name} "
                      "and scan its QR code at the kiosk.")
        if dossier.applicant_email:
            subject = f"Hồ sơ {dossier.code} đã có kết quả"
            body = "\n".join(
                [
                    f"Kính gửi ông/bà {dossier.applicant_name},".replace(" ,", ","),
                    "",
                    f"Hồ sơ số {dossier.code} ({procedure_name}) đã có kết quả.",
                    *how_vi,
                    "",
                    "---",
                    how_en,
                    "",
                    "Thư này được gửi tự động, vui lòng không trả lời.",
                ]
            )
            row = self.enqueue(
                session,
                center_id=center.id,
                dossier_id=dossier.id,
                channel="email",
                recipient=dossier.applicant_email,
                subject=subject,
                body=body,
            )
            if row.status == NoticeStatus.PENDING:
                ids.append(row.id)
        if dossier.applicant_phone:
            text = f"{center.name}: Hồ sơ {dossier.code} đã có kết quả. Mời ông/bà mang giấy tiếp nhận đến nhận kết quả."
            if by_post:
                text = (f"{center.name}: Hồ sơ {dossier.code} đã có kết quả, "
                        "sẽ được gửi qua bưu điện tới địa chỉ ông/bà đã đăng ký.")
            if not self.config.sms_unicode:
                text = _strip_accents(text)
            row = self.enqueue(
                session, center_id=center.id, dossier_id=dossier.id, channel="sms", recipient=dossier.applicant_phone, body=text
            )
            if row.status == NoticeStatus.PENDING:
                ids.append(row.id)
        return ids

    # ------------------------------------------------------------------ sending
    def dispatch_async(self, ids: list[int]) -> threading.Thread:
        """Send these notices in a background thread (the request does not wait)."""
        thread = threading.Thread(target=self._dispatch_safely, args=(list(ids),), name="notices", daemon=True)
        with self._threads_lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for background sends started so far (tests, shutdown); True when all finished."""
        with self._threads_lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in threads)

    def _dispatch_safely(self, ids: list[int]) -> None:
        try:
            self.dispatch(ids)
        except Exception:
            log.exception("notice dispatch failed")

    def dispatch(self, ids: list[int] | None = None) -> dict[str, int]:
        """Send pending notices (these ids, or every pending one); returns counts by outcome."""
        counts = {"sent": 0, "failed": 0, "retry": 0}
        with self._send_lock:
            with self.db.write() as s:
                # Rows left "sending" by a process that died go back to the queue.
                s.execute(
                    update(NoticeOutbox)
                    .where(NoticeOutbox.status == SENDING, NoticeOutbox.created_at < self.clock.now() - STALE_SENDING)
                    .values(status=NoticeStatus.PENDING)
                )
                stmt = select(NoticeOutbox.id).where(NoticeOutbox.status == NoticeStatus.PENDING).order_by(NoticeOutbox.id)
                if ids is not None:
                    stmt = stmt.where(NoticeOutbox.id.in_(ids or [-1]))
                todo = list(s.scalars(stmt))
            for notice_id in todo:
                counts[self._send_one(notice_id)] += 1
        return counts

    def _send_one(self, notice_id: int) -> str:
        with self.db.write() as s:
            claimed = s.execute(
                update(NoticeOutbox)
                .where(NoticeOutbox.id == notice_id, NoticeOutbox.status == NoticeStatus.PENDING)
                .values(status=SENDING, attempts=NoticeOutbox.attempts + 1)
            ).rowcount
            row = s.get(NoticeOutbox, notice_id)
            channel, recipient, subject, body, attempts = row.channel, row.recipient, row.subject, row.body, row.attempts
        if not claimed:
            return "retry"
        error = ""
        try:
            if channel == "email":
                sender = self.email_sender
                if sender is None:
                    raise NoticeError("SMTP is not configured")
                sender.send(recipient, subject, body)
            else:
                gateway = self.sms_gateway
                if gateway is None:
                    raise NoticeError("no SMS gateway configured")
                gateway.send(recipient, body)
        except NoticeError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a plugged-in gateway may raise anything
            error = f"{type(exc).__name__}: {exc}"
        with self.db.write() as s:
            row = s.get(NoticeOutbox, notice_id)
            if not error:
                row.status, row.sent_at, row.last_error = NoticeStatus.SENT, self.clock.now(), ""
                return "sent"
            row.last_error = error[:2000]
            row.status = NoticeStatus.FAILED if attempts >= self.config.max_attempts else NoticeStatus.PENDING
            code = s.scalar(select(Dossier.code).where(Dossier.id == row.dossier_id)) if row.dossier_id else None
            # The notice id, channel and dossier code find the row; the recipient stays in the outbox only.
            log.warning(
                "notice %s (%s, dossier %s) failed, attempt %s: %s",
                notice_id,
                channel,
                code or "-",
                attempts,
                scrub_contacts(error, recipient),
            )
            return "failed" if row.status == NoticeStatus.FAILED else "retry"

    def retry(self, notice_id: int, *, center_id: int | None = None) -> dict[str, Any]:
        """Put a failed (or skipped) notice back in the queue and send it in the background."""
        with self.db.write() as s:
            row = s.get(NoticeOutbox, notice_id)
            if row is None or (center_id is not None and row.center_id != center_id):
                raise not_found("thông báo", "Notice", "unknown_notice")
            if row.status in (NoticeStatus.FAILED, NoticeStatus.SKIPPED):
                row.status, row.attempts = NoticeStatus.PENDING, 0
            view = notice_view(row, "Asia/Ho_Chi_Minh")
        self.dispatch_async([notice_id])
        return view

    def list(
        self, center_id: int, *, status: str | None = None, dossier_id: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The outbox of a center, newest first."""
        with self.db.read() as s:
            center = s.get(Center, center_id)
            tz = center.timezone if center else "Asia/Ho_Chi_Minh"
            stmt = select(NoticeOutbox).where(NoticeOutbox.center_id == center_id)
            if status:
                stmt = stmt.where(NoticeOutbox.status == status)
            if dossier_id is not None:
                stmt = stmt.where(NoticeOutbox.dossier_id == dossier_id)
            return [notice_view(r, tz) for r in s.scalars(stmt.order_by(NoticeOutbox.id.desc()).limit(max(1, min(limit, 500))))]


def notice_view(row: NoticeOutbox, tz: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "center_id": row.center_id,
        "dossier_id": row.dossier_id,
        "kind": row.kind,
        "channel": row.channel,
        "recipient": row.recipient,
        "subject": row.subject,
        "body": row.body,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "gateway": row.gateway,
        "created_at": iso_utc(row.created_at),
        "sent_at": iso_utc(row.sent_at),
        "created_at_text": f"{local_time(row.created_at, tz):%H:%M %d/%m/%Y}",
    }


__all__ = [
    "NoticeService",
    "NoticeConfig",
    "NoticeError",
    "HttpSmsGateway",
    "SmtpSender",
    "SmsGateway",
    "notice_view",
    "scrub_contacts",
]
