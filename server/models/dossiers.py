"""Tables of the dossier area (hồ sơ thủ tục hành chính).

- ``procedures``: the center's catalogue of administrative procedures (thủ tục), each
  with its field (lĩnh vực = a queue service), its processing time in working days and
  an optional fee; the receive form is built from it.
- ``dossiers``: one dossier received (or pre-registered online) at a center, with its
  code ``agency-yymmdd-NNNN``, applicant (personal data: never on public pages, boards
  or voice), documents, channel, appointment and state on the national list.
- ``dossier_events``: append-only log of every change of a dossier.
- ``notice_outbox``: every e-mail/SMS notice, written in the same transaction as the
  change that caused it, then sent off the request path; its status tells what happened.

Times are UTC like the core tables. The center's working calendar (hours, days off,
make-up days) stays in ``Center.settings`` (see ``server/domain/center_rules.py``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.core import Base


class DossierState:
    """States on the national list (Thông tư 03/2025/TT-VPCP), English identifiers."""

    REGISTERED = "registered"                # mới đăng ký (online pre-registration, not yet received)
    RECEIVED = "received"                    # được tiếp nhận
    REJECTED = "rejected"                    # không được tiếp nhận (Mẫu 03)
    PROCESSING = "processing"                # đang xử lý
    SUPPLEMENT = "supplement_requested"      # yêu cầu bổ sung (Mẫu 02)
    STOPPED = "stopped"                      # dừng xử lý (Mẫu 05)
    RESULT_READY = "result_ready"            # đã xử lý xong
    RETURNED = "returned"                    # đã trả kết quả
    ALL = (REGISTERED, RECEIVED, REJECTED, PROCESSING, SUPPLEMENT, STOPPED, RESULT_READY, RETURNED)
    OPEN = (RECEIVED, PROCESSING, SUPPLEMENT)  # being handled: the appointment is running


class Channel:
    DIRECT = "direct"    # trực tiếp
    ONLINE = "online"    # trực tuyến
    POST = "post"        # bưu chính (dịch vụ bưu chính công ích)
    ALL = (DIRECT, ONLINE, POST)


class ReturnChannel:
    COUNTER = "counter"  # tại quầy
    POST = "post"        # bưu chính công ích
    ONLINE = "online"    # trực tuyến
    ALL = (COUNTER, POST, ONLINE)


class Procedure(Base):
    """An administrative procedure of a center's catalogue."""

    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("center_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))  # e.g. the national procedure code 1.001193
    name: Mapped[str] = mapped_column(String(400))
    name_en: Mapped[str] = mapped_column(String(400), default="")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)  # field (lĩnh vực)
    processing_days: Mapped[float] = mapped_column(Float, default=0.0)  # working days (1 day = 8 working hours)
    fee: Mapped[str] = mapped_column(String(300), default="")  # lệ phí / phí, as printed ("50.000 đồng")
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the usual paper list, for the receive form
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    """One dossier. ``code`` is given when it is received (pre-registrations have none yet)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("code"),
        UniqueConstraint("prereg_code"),
        Index("ix_dossiers_center_state", "center_id", "state"),
        Index("ix_dossiers_center_received", "center_id", "received_at"),
        # The periodic report's covering indexes (migration 0009e, server/domain/reports/published.py).
        Index("ix_dossiers_pub_received", "center_id", "procedure_id", "service_id", "received_at", "channel"),
        Index("ix_dossiers_pub_returned", "center_id", "procedure_id", "service_id", "returned_at", "return_channel",
              "result_class"),
        Index("ix_dossiers_pub_received_month", "center_id", "received_at", "channel"),
        Index("ix_dossiers_pub_returned_month", "center_id", "returned_at", "return_channel", "result_class"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)  # local day of the code's sequence
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    # Personal data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15): only clerks and the applicant see it.
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    applicant_phone: Mapped[str] = mapped_column(String(40), default="")
    applicant_email: Mapped[str] = mapped_column(String(200), default="")
    applicant_address: Mapped[str] = mapped_column(String(300), default="")
    # The ID card's number as the receipt prints it (migration 0011); matching uses citizen_key only.
    applicant_id_number: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # HMAC-SHA256 of the ID number under the instance's secret (server/domain/citizen_id.py): never reversible.
    citizen_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # When the retention period cleared the personal fields (server/domain/dossiers/retention.py).
    personal_purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channel: Mapped[str] = mapped_column(String(12), default=Channel.DIRECT)  # receiving channel
    return_channel: Mapped[str] = mapped_column(String(12), default=ReturnChannel.COUNTER, server_default="counter")
    delivery_address: Mapped[str] = mapped_column(String(300), default="", server_default="")  # for return by post
    posted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)     # đã giao bưu điện
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # đã phát (by the post office)
    state: Mapped[str] = mapped_column(String(24), default=DossierState.RECEIVED)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Mẫu 04: the apology's new date (the original appointment stays for classification).
    extended_to: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    apology: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result_ready_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    result_class: Mapped[str | None] = mapped_column(String(10), nullable=True)  # early | on_time | late
    reason: Mapped[str] = mapped_column(Text, default="")  # why rejected / stopped / what to supplement
    note: Mapped[str] = mapped_column(Text, default="")
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    received_by_name: Mapped[str] = mapped_column(String(200), default="")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True, index=True)
    prereg_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    external_id: Mapped[str] = mapped_column(String(120), default="")  # id in the one-stop e-system, if any
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DossierEvent(Base):
    """Append-only log of every change of a dossier (who, when, from → to, details)."""

    __tablename__ = "dossier_events"
    __table_args__ = (Index("ix_dossier_events_center_at", "center_id", "at"),
                      Index("ix_dossier_events_center_state_at", "center_id", "to_state", "at"))  # migration 0009e
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(120), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NoticeStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"      # gave up after the attempts allowed; a supervisor may retry
    SKIPPED = "skipped"    # channel not configured (no SMTP server / SMS gateway): kept for the record
    ALL = (PENDING, SENT, FAILED, SKIPPED)


class NoticeOutbox(Base):
    """One e-mail or SMS to send (or sent): the durable record of every notice."""

    __tablename__ = "notice_outbox"
    __table_args__ = (Index("ix_notice_outbox_status", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30), default="result_ready")
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=NoticeStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    gateway: Mapped[str] = mapped_column(String(40), default="")  # smtp | http | …
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
