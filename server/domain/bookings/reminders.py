"""The bookings' upkeep: the day-before reminder, no-show marking and the purge of plain contacts.

- :func:`send_reminders`: a booking still ``booked`` whose slot starts between 18 and 42 hours from
  now (so "the day before", whatever hour the job first sees it), with no reminder yet and a phone
  or e-mail, gets one notice per channel through the notice outbox (SMS / e-mail), written in the
  same transaction that marks ``reminder_sent_at``: sent once, never lost.
- :func:`mark_no_shows`: a booking still ``booked`` once its check-in window (slot start +
  ``checkin_after_minutes``) has passed becomes ``no_show`` (counted; it frees nothing retroactively).
- :func:`purge_contacts`: the plain phone / e-mail (kept only for the reminder) are blanked once the
  booking's local day is over, with the reminder notices sent to them; ``citizen_key`` / ``phone_key``
  stay, so the per-person counts and the reports are unchanged (Luật 91/2025/QH15).

Each is idempotent over the database, so every server process's upkeep may run them;
:func:`booking_jobs` bundles them into one throttled upkeep job (server/bootstrap.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, local_time, utc
from server.db import Database
from server.domain.audit import utc_naive
from server.domain.bookings.codes import pretty
from server.domain.bookings.settings import booking_settings
from server.domain.dossiers.codes import strip_diacritics
from server.domain.events import DomainEvent, Publisher, center_room
from server.domain.notices import NoticeService
from server.models import Center
from server.models.core import BOOKING_HOLDS_CONTACT, Booking, BookingState, Service, Ticket, TicketState
from server.models.dossiers import NoticeOutbox, NoticeStatus

log = logging.getLogger("motcua.bookings")

REMIND_FROM = timedelta(hours=18)  # a reminder goes out for slots starting 18–42 h from now: "the day before"
REMIND_UNTIL = timedelta(hours=42)
REMINDER_KIND = "booking_reminder"  # NoticeOutbox.kind of the reminders
BATCH = 200  # bookings per transaction: a backlog never holds the write lock for long


def manage_path(token: str) -> str:
    """The booking's own page (cancel / move), as in the booking view's ``manage_path``."""
    return f"/lich-hen/{token}"


def reminder_text(booking: Booking, center: Center, service: Service, base_url: str = "") -> str:
    """The reminder's words (Vietnamese, with diacritics; the SMS channel may strip them)."""
    start = local_time(booking.slot_start, center.timezone)
    link = f"{base_url.rstrip('/')}{manage_path(booking.token)}"
    return (f"Nhắc lịch hẹn: Ông/Bà có lịch hẹn {service.name} lúc {start:%H:%M} ngày {start:%d/%m/%Y} "
            f"tại {center.name}. Mã: {pretty(booking.code)}. Huỷ/đổi: {link}")


def send_reminders(db: Database, clock: Clock, notices: NoticeService, *, base_url: str = "") -> int:
    """Queue the day-before reminder of every booking due one and send them after commit; the number of
    bookings reminded. ``base_url`` prefixes the manage link (empty: the bare path)."""
    now = clock.now()
    total = 0
    while True:
        reminded, ids = db.write_retrying(lambda s: _remind_batch(s, notices, now, base_url))
        total += reminded
        if ids:
            notices.dispatch_async(ids)
        if reminded < BATCH:
            break
    if total:
        log.info("booking reminders queued for %d booking(s)", total)
    return total


def _remind_batch(session: Session, notices: NoticeService, now: datetime, base_url: str) -> tuple[int, list[int]]:
    due = list(session.scalars(
        select(Booking).where(Booking.state == BookingState.BOOKED, Booking.reminder_sent_at.is_(None),
                              Booking.slot_start >= utc_naive(now + REMIND_FROM),
                              Booking.slot_start <= utc_naive(now + REMIND_UNTIL),
                              or_(Booking.contact_phone != "", Booking.contact_email != ""))
        .order_by(Booking.id).limit(BATCH)))
    reminded, ids = 0, []
    for booking in due:
        # Claim it first: another process's upkeep may be at the same booking (PostgreSQL row lock;
        # SQLite's write lock serialises anyway). Only the claimant writes the notices.
        claimed = session.execute(
            update(Booking).where(Booking.id == booking.id, Booking.reminder_sent_at.is_(None))
            .values(reminder_sent_at=utc_naive(now)).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        reminded += 1
        center = session.get(Center, booking.center_id)
        text = reminder_text(booking, center, session.get(Service, booking.service_id), base_url)
        rows = []
        if booking.contact_phone:
            sms = text if notices.config.sms_unicode else strip_diacritics(text)
            rows.append(notices.enqueue(session, center_id=center.id, channel="sms", recipient=booking.contact_phone,
                                        body=sms, kind=REMINDER_KIND))
        if booking.contact_email:
            body = "\n".join([text, "", "---",
                              f"Reminder: you have a booking at {center.name_en or center.name}. Code: {pretty(booking.code)}.",
                              "", "Thư này được gửi tự động, vui lòng không trả lời."])
            rows.append(notices.enqueue(session, center_id=center.id, channel="email", recipient=booking.contact_email,
                                        subject=f"Nhắc lịch hẹn {pretty(booking.code)}", body=body, kind=REMINDER_KIND))
        ids += [r.id for r in rows if r.status == NoticeStatus.PENDING]
    return reminded, ids


def mark_no_shows(db: Database, clock: Clock) -> int:
    """Bookings still ``booked`` whose check-in window has ended become ``no_show``; how many."""
    now = clock.now()

    def work(session: Session) -> int:
        late = list(session.scalars(select(Booking).where(Booking.state == BookingState.BOOKED,
                                                          Booking.slot_start < utc_naive(now))))
        settings = {}
        over = []
        for booking in late:
            if booking.center_id not in settings:
                settings[booking.center_id] = booking_settings(session.get(Center, booking.center_id))
            window_end = utc(booking.slot_start) + timedelta(minutes=int(settings[booking.center_id]["checkin_after_minutes"]))
            if window_end < now:
                over.append(booking.id)
        if not over:
            return 0
        # "Still booked" is checked again by the UPDATE itself: a check-in committed meanwhile (PostgreSQL
        # re-reads the row it waited for) is never overwritten.
        return session.execute(
            update(Booking).where(Booking.id.in_(over), Booking.state == BookingState.BOOKED)
            .values(state=BookingState.NO_SHOW, updated_at=utc_naive(now)).execution_options(synchronize_session=False)).rowcount

    return db.write_retrying(work)


def purge_contacts(db: Database, clock: Clock) -> int:
    """Blank the plain phone / e-mail of bookings whose local day is over (any state), and of the reminders
    sent to them; the number of bookings purged."""
    now = clock.now()

    def work(session: Session) -> int:
        holding = list(session.scalars(
            select(Booking).where(text(BOOKING_HOLDS_CONTACT), Booking.slot_start < utc_naive(now))))
        purged = 0
        for booking in holding:
            center = session.get(Center, booking.center_id)
            if booking.day >= local_date(now, center.timezone):
                continue
            contacts = [c for c in (booking.contact_phone, booking.contact_email) if c]
            # The reminders name the recipient; a pending one (another booking's, same contact) still has to go.
            session.execute(update(NoticeOutbox).where(
                NoticeOutbox.center_id == booking.center_id, NoticeOutbox.kind == REMINDER_KIND,
                NoticeOutbox.recipient.in_(contacts),
                NoticeOutbox.status.in_((NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.SKIPPED)))
                .values(recipient="", body="").execution_options(synchronize_session=False))
            booking.contact_phone, booking.contact_email, booking.updated_at = "", "", utc_naive(now)
            purged += 1
        return purged

    return db.write_retrying(work)


def run_booking_jobs(db: Database, clock: Clock, notices: NoticeService, *, base_url: str = "") -> int:
    """The upkeep's bookings job (registered to run once a minute): no-shows, reminders and the contact
    purge; returns the number of bookings changed."""
    return mark_no_shows(db, clock) + send_reminders(db, clock, notices, base_url=base_url) + purge_contacts(db, clock)


class SlotStarts:
    """The upkeep's job that says when booked tickets go ahead: a checked-in ticket joins the priority
    tier at its slot's start with no queue event of its own, so the phones of its line would keep
    their old places until the next call. Each run publishes one ``queue_reordered`` event per center
    whose booked tickets' slots started since the last run (``{"service_ids": [...]}``); the
    citizens' push recomputes those lines."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher) -> None:
        self.db, self.clock, self.publish = db, clock, publish
        self.since = clock.now()

    def __call__(self) -> int:
        """One run; returns how many lines were told."""
        now = self.clock.now()
        since, self.since = self.since, now
        with self.db.read() as s:
            rows = s.execute(
                select(Ticket.center_id, Ticket.service_id).distinct().where(
                    Ticket.ahead_from > utc_naive(since), Ticket.ahead_from <= utc_naive(now),
                    Ticket.state == TicketState.WAITING)
            ).all()
        lines: dict[int, set[int]] = {}
        for center_id, service_id in rows:
            lines.setdefault(center_id, set()).add(service_id)
        for center_id, service_ids in sorted(lines.items()):
            self.publish(DomainEvent("queue_reordered", center_id, {"service_ids": sorted(service_ids)},
                                     rooms=(center_room(center_id),)))
        return len(rows)


__all__ = ["REMINDER_KIND", "SlotStarts", "run_booking_jobs", "manage_path", "mark_no_shows", "purge_contacts", "reminder_text",
           "send_reminders"]
