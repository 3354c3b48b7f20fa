"""Persistent model of a one-stop center's queue.

Times are stored as UTC. A ticket's day (for numbering) is the center's local
day, stored explicitly so "today's queue" is an index lookup, not a time-zone
calculation in SQL.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class TicketState:
    """A ticket's life: waiting → called → serving → done (or no_show / cancelled)."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    PARKED = "parked"  # đang chờ bổ sung: sent away for a missing paper, recalled later from the parked list
    ACTIVE = (WAITING, CALLED, SERVING)
    ALL = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, PARKED)


class ServiceKind:
    SUBMIT = "submit"          # nộp hồ sơ
    COLLECT = "collect"        # nhận kết quả
    INFORMATION = "information"  # hỏi đáp, hướng dẫn
    ALL = (SUBMIT, COLLECT, INFORMATION)


PRIORITY_CATEGORIES = {
    # code: (Vietnamese, English)
    "elderly": ("Người cao tuổi", "Elderly"),
    "disabled": ("Người khuyết tật", "Person with disability"),
    "pregnant": ("Phụ nữ mang thai", "Pregnant woman"),
    "merit": ("Người có công với cách mạng", "Person of merit"),
}


class Center(Base):
    """A one-stop center (Trung tâm Phục vụ hành chính công or a commune/ward's Bộ phận một cửa)."""

    __tablename__ = "centers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[str] = mapped_column(String(40), default="")  # mã định danh for dossier codes
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Ho_Chi_Minh")
    level: Mapped[str] = mapped_column(String(20), default="commune")  # province | branch | commune
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True)
    # Queue policy
    priority_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    max_priority_streak: Mapped[int] = mapped_column(Integer, default=3)
    transfer_keeps_place: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_finish_on_next: Mapped[bool] = mapped_column(Boolean, default=False)
    default_service_minutes: Mapped[float] = mapped_column(default=8.0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    services: Mapped[list[Service]] = relationship(back_populates="center", order_by="Service.sort_order")
    counters: Mapped[list[Counter]] = relationship(back_populates="center", order_by="Counter.number")


class Service(Base):
    """A field (lĩnh vực) or kind of visit a citizen queues for."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("center_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default=ServiceKind.SUBMIT)
    ticket_prefix: Mapped[str] = mapped_column(String(4), default="")
    number_start: Mapped[int] = mapped_column(Integer, default=1)
    number_digits: Mapped[int] = mapped_column(Integer, default=3)
    priority_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Last number of the service's own range (e.g. 1999 for 1001…): numbers never run into another field's.
    number_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Aging rule: a ticket waiting longer than this many minutes goes first at every counter.
    aging_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Service-level target: a citizen should wait at most this many minutes.
    wait_target_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Most citizens the field takes in one day, walk-in tickets and bookings together (None = no cap).
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)

    center: Mapped[Center] = relationship(back_populates="services")


class Counter(Base):
    """A numbered counter (quầy) and the services it serves, in its order of preference."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("center_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The holding clerk's last request (refreshed every few minutes): a hold lapses with the session.
    clerk_seen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    priority_streak: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A paused counter (nghỉ giải lao, họp, hỗ trợ nghiệp vụ) stays held but calls nobody.
    paused_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    pause_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # How the counter picks among its services: longest_wait | in_order | ratio (see domain.queue.waiting).
    call_policy: Mapped[str] = mapped_column(String(20), default="longest_wait", server_default="longest_wait")
    # The policy's running state (e.g. the ratio cycle's calls so far), kept with the counter.
    call_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    center: Mapped[Center] = relationship(back_populates="counters")
    links: Mapped[list[CounterService]] = relationship(
        back_populates="counter", order_by="CounterService.position", cascade="all, delete-orphan"
    )

    @property
    def service_ids(self) -> list[int]:
        return [link.service_id for link in self.links]


class CounterService(Base):
    __tablename__ = "counter_services"
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Calls of this service per cycle under the counter's "ratio" policy (2 of A, then 1 of B).
    weight: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    counter: Mapped[Counter] = relationship(back_populates="links")


class DailySequence(Base):
    """The last number handed out per center, scope and local day (atomic upsert)."""

    __tablename__ = "daily_sequences"
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(60), primary_key=True)  # "service:<id>" or "dossier"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("center_id", "origin_service_id", "day", "seq"),
        # The waiting line of a field, covering what its counts read (people ahead, waiting per field):
        # they are answered from the index alone, without reading each waiting ticket's row.
        Index("ix_tickets_waiting", "center_id", "state", "service_id", "day", "at_head", "sort_at", "priority", "ahead_from"),
        # The upkeep looks every few seconds for booked tickets whose slot has just started.
        Index("ix_tickets_ahead_from", "ahead_from"),
        # A field's latest finished tickets, for the wait estimate of every issue (estimates.mean_service_minutes).
        Index("ix_tickets_service_history", "service_id", "state", "finished_at"),
        # The ticket called to or served at a counter, which every counter action looks up first
        # (waiting.current_ticket): without it SQLite read every ticket of the center's history.
        Index("ix_tickets_at_counter", "counter_id", "state", "called_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    origin_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    display: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(20), nullable=True)
    state: Mapped[str] = mapped_column(String(12), default=TicketState.WAITING)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    sort_at: Mapped[datetime] = mapped_column(DateTime)
    called_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    # Put back at the head of its queue (its counter closed while it was called): called before anyone else.
    at_head: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(20), default="kiosk")  # kiosk | api | scan | transfer
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    dossier_code: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    # The citizen whose ID card was scanned for this ticket (keyed hash, migration 0011): the counter pre-fills from it.
    citizen_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    parked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # The booking this ticket was checked in for (migration 0012), and the time from which it goes
    # ahead of walk-ins (its slot's start) under the fairness rule (domain.queue.waiting).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", use_alter=True), nullable=True)
    ahead_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])
    counter: Mapped[Counter | None] = relationship(foreign_keys=[counter_id])


class BookingState:
    """A booking's life: booked → checked_in (a ticket was issued), or cancelled, or no_show (its
    check-in window passed). Moving a booking keeps it ``booked`` with a new slot."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    ALL = (BOOKED, CHECKED_IN, CANCELLED, NO_SHOW)


# A booking still holding a phone or an e-mail (purged after its day): the condition of the partial
# index the purge reads, written out because SQLite uses such an index only for a query repeating it.
BOOKING_HOLDS_CONTACT = "(contact_phone != '' OR contact_email != '')"


class Booking(Base):
    """A time booked ahead (lịch hẹn) for one field at one center.

    No name and no ID number are kept: ``citizen_key`` is the keyed hash of the ID number
    (server.domain.citizen_id.citizen_key) when one was given, ``phone_key`` the same for the
    phone; the plain phone / e-mail exist only to send the day-before reminder and are purged
    after the booking's day."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_slot", "center_id", "service_id", "slot_start", "state"),
        # The upkeep's (migration 0016): the bookings still booked, and those still holding a contact.
        Index("ix_bookings_state_slot", "state", "slot_start"),
        Index("ix_bookings_with_contact", "slot_start", sqlite_where=text(BOOKING_HOLDS_CONTACT),
              postgresql_where=text(BOOKING_HOLDS_CONTACT)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)  # shown, printed and in the QR (e.g. LH7K3M9QX2)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the secret of the cancel / move link
    day: Mapped[date] = mapped_column(Date)  # the center's local day of the slot
    slot_start: Mapped[datetime] = mapped_column(DateTime)  # UTC
    slot_end: Mapped[datetime] = mapped_column(DateTime)  # UTC
    state: Mapped[str] = mapped_column(String(12), default=BookingState.BOOKED)
    source: Mapped[str] = mapped_column(String(20), default="web")  # web | portal | api
    external_ref: Mapped[str] = mapped_column(String(80), default="", server_default="")  # the portal's own id
    citizen_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    phone_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    contact_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    moved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", use_alter=True), nullable=True)

    service: Mapped[Service] = relationship(foreign_keys=[service_id])


class TicketEvent(Base):
    """Append-only log of every ticket state change: the source of stats and audit."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_center_at", "center_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(80), default="system")
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"), nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="clerk")  # clerk | supervisor | admin
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    """A token for machines: an external one-stop e-system, a CLI, a test harness."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True)
    scopes: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Device(Base):
    """A registered kiosk, display or printer, identified by an unguessable token."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    kind: Mapped[str] = mapped_column(String(20))  # kiosk | display | counter_screen | printer
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    printer_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CounterEvent(Base):
    """A counter's append-only log: open, close, pause, resume (reports count idle and paused time from it)."""

    __tablename__ = "counter_events"
    __table_args__ = (Index("ix_counter_events_center_at", "center_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(20))  # open | close | pause | resume
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(80), default="system")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class FloorMessage(Base):
    """A supervisor's notice to everyone waiting (e.g. the province's network is down), on boards and phone pages."""

    __tablename__ = "floor_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    text_vi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    actor: Mapped[str] = mapped_column(String(80), default="system")


class Alert(Base):
    """Something a supervisor must know: a printer down, a display offline, a voice engine failing."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_center_open", "center_id", "resolved_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))  # printer_down | display_offline | voice_failed | ...
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. the printer URL or device id
    message_vi: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
