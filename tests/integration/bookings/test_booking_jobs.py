"""The bookings' upkeep: the day-before reminder really reaches a local SMS gateway and a real SMTP
server, exactly once; a booking nobody checked in for becomes a no-show right after its check-in
window; the plain phone and e-mail are gone once the booking's day is over."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.db import Database
from server.domain.bookings.codes import pretty
from server.domain.bookings.reminders import mark_no_shows, purge_contacts, send_reminders
from server.domain.notices import NoticeConfig, NoticeService
from server.domain.reports import Period, ticket_report
from server.models.core import Booking, BookingState
from server.models.dossiers import NoticeOutbox
from tests.support.booking_rows import add_booking, booking_row, set_booking_rules
from tests.support.demo import MONDAY_9AM, center_id, make_db, service_id
from tests.support.reports import MONDAY

BASE = "https://hen.hoankiem.gov.vn"
TUESDAY_10AM = MONDAY_9AM + timedelta(hours=25)  # 10:00 local, the next day
CENTER_NAME = "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm"
FIELD_NAME = "Tư pháp – Hộ tịch – Chứng thực"


@pytest.fixture
def reminder_notices(db, clock, sms_gateway, smtp_server):
    """The real notice service, sending SMS to the local gateway and e-mail to the local SMTP server."""
    url, _received = sms_gateway
    controller, _inbox = smtp_server
    return NoticeService(db, clock, config=NoticeConfig(smtp_host="127.0.0.1", smtp_port=controller.port, sms_gateway_url=url))


def bodies(received: list[dict]) -> list[dict]:
    """What the SMS gateway was posted: ``{"to", "text", …}`` per message."""
    return [message["body"] for message in received]


@pytest.fixture
def booking_field(db) -> tuple[int, int]:
    """The demo center with bookings on (check-in until 10 min after the slot's start), and its justice field."""
    center = center_id(db)
    set_booking_rules(db, center, checkin_after_minutes=10)
    return center, service_id(db, "TPHT")


def expected_text(booking: dict) -> str:
    code = booking["code"]
    return (f"Nhắc lịch hẹn: Ông/Bà có lịch hẹn {FIELD_NAME} lúc 10:00 ngày 24/11/2026 tại {CENTER_NAME}. "
            f"Mã: {code[:2]}-{code[2:6]}-{code[6:]}. Huỷ/đổi: {BASE}/lich-hen/{booking['token']}")


def test_the_reminder_reaches_the_sms_gateway_and_the_mailbox_exactly_once(db, clock, booking_field, reminder_notices,
                                                                          sms_gateway, smtp_server):
    _url, received = sms_gateway
    _controller, inbox = smtp_server
    booking = add_booking(db, *booking_field, TUESDAY_10AM, phone="0912345678", email="hoa@example.vn")

    assert send_reminders(db, clock, reminder_notices, base_url=BASE) == 1
    assert reminder_notices.wait_idle(15) and inbox.arrived.wait(5)
    assert [m["to"] for m in bodies(received)] == ["0912345678"]
    # Without SMS_UNICODE the SMS goes unaccented (cheaper, shown right on every phone).
    sms = bodies(received)
    assert sms[0]["text"] == ("Nhac lich hen: Ong/Ba co lich hen Tu phap – Ho tich – Chung thuc luc 10:00 ngay 24/11/2026 "
                              f"tai Trung tam Phuc vu hanh chinh cong phuong Hoan Kiem. Ma: {pretty(booking['code'])}. "
                              f"Huy/doi: {BASE}/lich-hen/{booking['token']}")
    assert inbox.envelopes[0].rcpt_tos == ["hoa@example.vn"]
    message = inbox.messages[0]
    assert message["Subject"] == f"Nhắc lịch hẹn {pretty(booking['code'])}"
    assert message.get_body(("plain",)).get_content().splitlines()[0] == expected_text(booking)
    assert booking_row(db, booking["id"]).reminder_sent_at is not None

    # The next runs (the same minute, an hour later) send nothing more.
    assert send_reminders(db, clock, reminder_notices, base_url=BASE) == 0
    clock.advance(hours=1)
    assert send_reminders(db, clock, reminder_notices, base_url=BASE) == 0
    assert reminder_notices.wait_idle(15)
    assert len(received) == 1 and len(inbox.messages) == 1
    assert [n["status"] for n in reminder_notices.list(booking_field[0])] == ["sent", "sent"]


def test_with_unicode_sms_the_reminder_keeps_its_diacritics(db, clock, booking_field, sms_gateway):
    url, received = sms_gateway
    notices = NoticeService(db, clock, config=NoticeConfig(sms_gateway_url=url, sms_unicode=True))
    booking = add_booking(db, *booking_field, TUESDAY_10AM, phone="0912345678")
    assert send_reminders(db, clock, notices, base_url=BASE) == 1
    assert notices.wait_idle(15)
    assert [m["text"] for m in bodies(received)] == [expected_text(booking)]


def test_only_live_bookings_18_to_42_hours_ahead_with_a_contact_are_reminded(db, clock, booking_field, reminder_notices,
                                                                            sms_gateway):
    _url, received = sms_gateway
    due = [add_booking(db, *booking_field, MONDAY_9AM + timedelta(hours=h), phone=f"09000000{h:02d}") for h in (18, 42)]
    for hours in (17, 43):
        add_booking(db, *booking_field, MONDAY_9AM + timedelta(hours=hours), phone=f"09000000{hours:02d}")
    add_booking(db, *booking_field, TUESDAY_10AM, phone="0911111111", state=BookingState.CANCELLED)
    add_booking(db, *booking_field, TUESDAY_10AM)  # no phone, no e-mail

    assert send_reminders(db, clock, reminder_notices) == 2
    assert reminder_notices.wait_idle(15)
    assert sorted(m["to"] for m in bodies(received)) == ["0900000018", "0900000042"]
    # Without a public address the link is the bare path of the booking's page.
    assert all(f"Huy/doi: /lich-hen/{b['token']}" in " ".join(m["text"] for m in bodies(received)) for b in due)


def test_a_booking_becomes_a_no_show_only_after_its_check_in_window(db, clock, booking_field):
    booked = add_booking(db, *booking_field, MONDAY_9AM - timedelta(minutes=10))
    checked_in = add_booking(db, *booking_field, MONDAY_9AM - timedelta(minutes=30), state=BookingState.CHECKED_IN,
                             checked_in_at=MONDAY_9AM - timedelta(minutes=35))
    later = add_booking(db, *booking_field, MONDAY_9AM + timedelta(minutes=30))

    # 09:10 is the last minute of the 09:00 slot's window (10 min after its start): still booked.
    assert mark_no_shows(db, clock) == 0
    assert booking_row(db, booked["id"]).state == BookingState.BOOKED
    clock.advance(seconds=1)
    assert mark_no_shows(db, clock) == 1
    assert mark_no_shows(db, clock) == 0
    assert [booking_row(db, b["id"]).state for b in (booked, checked_in, later)] == [
        BookingState.NO_SHOW, BookingState.CHECKED_IN, BookingState.BOOKED]


def test_the_plain_contacts_go_once_the_booking_day_is_over_and_the_keys_stay(db, clock, booking_field, reminder_notices):
    today = add_booking(db, *booking_field, MONDAY_9AM + timedelta(hours=6), phone="0912345678", email="hoa@example.vn")
    tomorrow = add_booking(db, *booking_field, TUESDAY_10AM, phone="0987654321")
    with db.write() as s:
        s.get(Booking, today["id"]).phone_key = "k" * 64
    clock.set(MONDAY_9AM - timedelta(hours=18))  # Sunday 15:00: today's booking gets its reminder
    assert send_reminders(db, clock, reminder_notices) == 1
    assert reminder_notices.wait_idle(15)

    clock.set(MONDAY_9AM + timedelta(hours=14, minutes=59))  # Monday 23:59 local: the day is not over
    assert purge_contacts(db, clock) == 0
    clock.advance(minutes=1)  # Tuesday 00:00 local
    assert purge_contacts(db, clock) == 1
    assert purge_contacts(db, clock) == 0
    purged, kept = booking_row(db, today["id"]), booking_row(db, tomorrow["id"])
    assert (purged.contact_phone, purged.contact_email, purged.phone_key) == ("", "", "k" * 64)
    assert kept.contact_phone == "0987654321"
    with db.read() as s:
        assert [(n.recipient, n.body, n.status) for n in s.scalars(select(NoticeOutbox))] == [
            ("", "", "sent"), ("", "", "sent")]


def test_the_upkeep_runs_the_booking_jobs_at_most_once_a_minute(app, clock):
    core = app.extensions["motcua"]
    set_booking_rules(core.db, center_id(core.db))
    field = (center_id(core.db), service_id(core.db, "TPHT"))
    first = add_booking(core.db, *field, MONDAY_9AM - timedelta(minutes=11))
    assert core.upkeep.tick()["bookings"] == 1
    second = add_booking(core.db, *field, MONDAY_9AM - timedelta(minutes=11))
    clock.advance(seconds=59)
    assert "bookings" not in core.upkeep.tick()
    assert booking_row(core.db, second["id"]).state == BookingState.BOOKED
    clock.advance(seconds=1)
    assert core.upkeep.tick()["bookings"] == 1
    assert [booking_row(core.db, b["id"]).state for b in (first, second)] == [BookingState.NO_SHOW, BookingState.NO_SHOW]


@pytest.mark.postgres
def test_on_postgresql_two_processes_racing_send_one_reminder_and_the_jobs_and_report_agree(pg_url, clock,
                                                                                         sms_gateway):
    url, received = sms_gateway
    make_db(pg_url).dispose()
    processes = [Database(pg_url) for _ in range(2)]
    try:
        db = processes[0]
        center, justice = center_id(db), service_id(db, "TPHT")
        set_booking_rules(db, center, checkin_after_minutes=10)
        reminded = [add_booking(db, center, justice, TUESDAY_10AM + timedelta(minutes=30 * i), phone=f"091234567{i}")
                    for i in range(5)]
        missed = add_booking(db, center, justice, MONDAY_9AM - timedelta(minutes=11), email="hoa@example.vn")
        services = [NoticeService(p, clock, config=NoticeConfig(sms_gateway_url=url)) for p in processes]
        start = threading.Barrier(2)
        counts: list[int] = []

        def upkeep(process: Database, notices: NoticeService) -> None:
            start.wait()
            counts.append(send_reminders(process, clock, notices))

        threads = [threading.Thread(target=upkeep, args=pair) for pair in zip(processes, services, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(n.wait_idle(15) for n in services)
        assert sum(counts) == 5
        assert sorted(m["to"] for m in bodies(received)) == sorted(f"091234567{i}" for i in range(5))

        assert mark_no_shows(db, clock) == 1
        clock.advance(days=1)
        assert purge_contacts(db, clock) == 1
        assert booking_row(db, missed["id"]).contact_email == ""
        assert all(booking_row(db, b["id"]).contact_phone for b in reminded)  # Tuesday's day is not over yet
        with db.read() as s:
            report = ticket_report(s, center, Period.of("day", MONDAY), clock.now())
        figures = {r["metric"]: r["value"] for r in next(t for t in report["tables"] if t["key"] == "bookings")["rows"]}
        assert (figures["for_days"], figures["no_show"], figures["no_show_share"]) == (1, 1, 1.0)
    finally:
        for process in processes:
            process.dispose()
