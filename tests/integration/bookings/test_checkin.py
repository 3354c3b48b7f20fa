"""Check-in at the kiosk: a booking's code (or the citizen's ID card) gives a ticket that goes ahead of
walk-ins from its slot's start, in the priority tier and under the same fairness bound; too early
gives a time to come back, too late an ordinary ticket with a kind word, twice the same ticket."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.clock import FixedClock, local_date, utc
from server.domain.bookings.codes import pretty
from server.domain.bookings.slots import used_per_day
from server.domain.citizen_id import citizen_key
from server.domain.dossiers import DossierService
from server.domain.kiosk import classify_scan, scan_at_kiosk
from server.domain.queue import QueueService, waiting_for
from server.models import Center, Counter, Ticket, TicketEvent
from tests.support.booking_rows import add_booking, booking_row
from tests.support.demo import MONDAY_9AM, make_db

SLOT = MONDAY_9AM + timedelta(minutes=30)  # 09:30 local; check-in from 09:15 to 09:40 (the defaults)
NUMBER = "001099013456"
CARD = f"{NUMBER}|012345678|Lê Thị Phương Thảo|02031988|Nữ|Số 18 ngõ 45 phố Khâm Thiên, Hà Nội|15082021"


def ticket_row(db, ticket_id: int) -> Ticket:
    with db.read() as s:
        ticket = s.get(Ticket, ticket_id)
        s.expunge(ticket)
        return ticket


def tickets(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


def cap_count(db, day) -> int:
    """Field 1's day as the daily cap counts it (the cap's own count)."""
    with db.read() as s:
        return used_per_day(s, 1, 1, day, day).get(day, 0)


def rules(db, *, streak: int = 3, priority: bool = True) -> None:
    with db.write() as s:
        center = s.get(Center, 1)
        center.max_priority_streak, center.priority_enabled = streak, priority


def test_a_booking_qr_is_routed_to_check_in_before_ticket_tokens():
    route = classify_scan("lh-bc4k-7m2q")
    assert (route.kind, route.code) == ("booking", "LHBC4K7M2Q")
    assert classify_scan("LHBC4K7M2QX").kind != "booking"


@pytest.mark.parametrize(("offset", "outcome", "kind"), [
    (timedelta(minutes=-15, seconds=-1), "booking_too_early", "booking"),
    (timedelta(minutes=-15), "ticket_issued", "booking"),
    (timedelta(minutes=10), "ticket_issued", "booking"),
    (timedelta(minutes=10, seconds=1), "ticket_issued", "booking_late"),
])
def test_the_check_in_window_runs_from_15_minutes_before_the_slot_to_10_after_both_ends_included(
        db, clock, queue, dossiers, offset, outcome, kind):
    booking = add_booking(db, 1, 1, SLOT)
    clock.set(SLOT + offset)
    answer = scan_at_kiosk(queue, dossiers, 1, pretty(booking["code"]))
    assert (answer["outcome"], answer["kind"]) == (outcome, kind)


def test_too_early_issues_nothing_and_says_from_when_to_come_back(db, clock, queue, dossiers):
    booking = add_booking(db, 1, 1, SLOT)
    answer = scan_at_kiosk(queue, dossiers, 1, booking["code"])
    assert answer["outcome"] == "booking_too_early" and answer["ticket"] is None
    assert answer["message_vi"] == "Chưa đến giờ nhận số của lịch hẹn. Xin mời Ông/Bà quay lại quét mã từ 09:15."
    assert "09:15" in answer["message_en"]
    assert tickets(db) == 0 and booking_row(db, booking["id"]).state == "booked"


def test_on_time_the_ticket_is_booked_for_its_slot_and_says_so(db, clock, queue, dossiers):
    booking = add_booking(db, 1, 1, SLOT)
    clock.set(SLOT - timedelta(minutes=5))
    answer = scan_at_kiosk(queue, dossiers, 1, booking["code"])
    ticket = ticket_row(db, answer["ticket"]["id"])
    assert (ticket.booking_id, utc(ticket.ahead_from), utc(ticket.sort_at)) == (booking["id"], SLOT, SLOT)
    assert answer["ticket"]["booking"] == {"booked_for": "09:30"}
    assert answer["message_vi"].startswith(f"Ông/Bà đã nhận số {answer['ticket']['number']} theo lịch hẹn 09:30.")
    row = booking_row(db, booking["id"])
    assert (row.state, row.ticket_id) == ("checked_in", ticket.id) and row.checked_in_at is not None


def test_too_late_gives_an_ordinary_ticket_with_a_kind_word_and_is_not_a_no_show(db, clock, queue, dossiers):
    booking = add_booking(db, 1, 1, SLOT)
    clock.set(SLOT + timedelta(minutes=25))
    answer = scan_at_kiosk(queue, dossiers, 1, booking["code"])
    assert (answer["outcome"], answer["kind"]) == ("ticket_issued", "booking_late")
    assert answer["message_vi"].startswith("Ông/Bà đến muộn so với giờ hẹn nên số thứ tự được cấp như số thường. "
                                           "Mong Ông/Bà thông cảm.")
    ticket = ticket_row(db, answer["ticket"]["id"])
    assert ticket.ahead_from is None and utc(ticket.sort_at) == clock.now()
    assert ticket.booking_id == booking["id"] and "Đến muộn" in ticket.note
    assert answer["ticket"]["booking"] is None  # nothing "Booked 09:30" printed on an ordinary ticket
    assert booking_row(db, booking["id"]).state == "checked_in"


def test_scanned_twice_gives_the_same_tickets_status_never_a_second_ticket(db, clock, queue, dossiers):
    booking = add_booking(db, 1, 1, SLOT)
    clock.set(SLOT)
    first = scan_at_kiosk(queue, dossiers, 1, booking["code"])
    again = scan_at_kiosk(queue, dossiers, 1, pretty(booking["code"]).lower())
    assert again["outcome"] == "ticket_status" and again["ticket"]["id"] == first["ticket"]["id"]
    assert tickets(db) == 1


def test_an_id_card_with_a_booking_today_checks_it_in_and_shows_only_the_masked_number(db, clock, queue, card_dossiers):
    booking = add_booking(db, 1, 1, SLOT, citizen_key=citizen_key(NUMBER, "test-secret"))
    clock.set(SLOT)
    answer = scan_at_kiosk(queue, card_dossiers, 1, CARD)
    assert (answer["outcome"], answer["kind"], answer["masked_id"]) == ("ticket_issued", "booking", "0010****3456")
    assert booking_row(db, booking["id"]).ticket_id == answer["ticket"]["id"]
    assert NUMBER not in str(answer) and "Thảo" not in str(answer)
    assert ticket_row(db, answer["ticket"]["id"]).citizen_key == citizen_key(NUMBER, "test-secret")


def test_a_citizen_already_marked_a_no_show_who_comes_late_gets_an_ordinary_ticket_by_code_or_card(
        db, clock, queue, card_dossiers):
    key = citizen_key(NUMBER, "test-secret")
    by_code, by_card = (add_booking(db, 1, 1, SLOT, state="no_show", citizen_key=key if card else None) for card in (0, 1))
    clock.set(SLOT + timedelta(minutes=40))  # the upkeep marked both no-shows once their windows closed
    answers = [scan_at_kiosk(queue, card_dossiers, 1, by_code["code"]), scan_at_kiosk(queue, card_dossiers, 1, CARD)]
    assert [(a["outcome"], a["kind"]) for a in answers] == [("ticket_issued", "booking_late"), ("ticket_issued", "booking_late")]
    assert [booking_row(db, b["id"]).state for b in (by_code, by_card)] == ["checked_in", "checked_in"]


def test_an_id_card_without_a_booking_today_gets_the_usual_choice(db, clock, queue, card_dossiers):
    add_booking(db, 1, 1, SLOT + timedelta(days=1), citizen_key=citizen_key(NUMBER, "test-secret"))
    clock.set(SLOT)
    assert scan_at_kiosk(queue, card_dossiers, 1, CARD)["outcome"] == "choose_service"


def test_another_days_cancelled_or_unknown_booking_is_answered_and_issues_nothing(db, clock, queue, dossiers):
    tomorrow = add_booking(db, 1, 1, SLOT + timedelta(days=1))
    cancelled = add_booking(db, 1, 1, SLOT, state="cancelled")
    clock.set(SLOT)
    not_today = scan_at_kiosk(queue, dossiers, 1, tomorrow["code"])
    assert (not_today["outcome"], not_today["date"]) == ("booking_not_today", "2026-11-24")
    assert "24/11/2026" in not_today["message_vi"] and "Thứ Ba" in not_today["message_vi"]
    assert scan_at_kiosk(queue, dossiers, 1, cancelled["code"])["outcome"] == "booking_cancelled"
    assert scan_at_kiosk(queue, dossiers, 1, "LH-2345-6789")["outcome"] == "booking_unknown"
    assert scan_at_kiosk(queue, dossiers, 2, cancelled["code"])["outcome"] == "booking_unknown"  # another center's
    assert tickets(db) == 0


def test_the_daily_cap_counts_a_checked_in_booking_once(db, clock, queue, dossiers):
    day = local_date(SLOT)
    queue.issue_ticket(1, 1)
    on_time, late = add_booking(db, 1, 1, SLOT), add_booking(db, 1, 1, SLOT - timedelta(minutes=30))
    before = cap_count(db, day)
    clock.set(SLOT)
    assert scan_at_kiosk(queue, dossiers, 1, on_time["code"])["kind"] == "booking"
    assert scan_at_kiosk(queue, dossiers, 1, late["code"])["kind"] == "booking_late"
    assert before == 3 and cap_count(db, day) == before


def test_a_booked_ticket_goes_ahead_of_walk_ins_only_from_its_slots_start(db, clock, queue, dossiers):
    rules(db, priority=False)  # booked tickets go ahead whether or not the center has priority on
    walk_ins = [queue.issue_ticket(1, 1)["id"] for _ in range(3)]
    clock.set(SLOT - timedelta(minutes=10))
    booked = scan_at_kiosk(queue, dossiers, 1, add_booking(db, 1, 1, SLOT)["code"])["ticket"]
    assert booked["people_ahead"] == 3  # before its slot it waits by its slot's start: after every walk-in
    assert queue.call_next(1).ticket["id"] == walk_ins[0]
    clock.set(SLOT)
    assert queue.ticket_by_token(booked["token"])["people_ahead"] == 0
    with db.read() as s:
        assert [t.id for t in waiting_for(s, s.get(Counter, 1), clock.now())][0] == booked["id"]
    queue.finish(1)
    assert queue.call_next(1).ticket["id"] == booked["id"]
    with db.read() as s:
        rule = s.scalars(select(TicketEvent.data).where(TicketEvent.ticket_id == booked["id"], TicketEvent.action == "call"))
        assert rule.one()["rule"] == "booking"


def test_at_most_max_priority_streak_ranked_tickets_are_called_in_a_row(db, clock, queue, dossiers):
    rules(db, streak=2)
    walk_ins = [queue.issue_ticket(1, 1)["id"] for _ in range(2)]
    clock.set(SLOT)
    booked = [scan_at_kiosk(queue, dossiers, 1, add_booking(db, 1, 1, SLOT)["code"])["ticket"]["id"] for _ in range(2)]
    elderly = queue.issue_ticket(1, 1, priority="elderly")["id"]
    called = []
    for _ in range(5):
        called.append(queue.call_next(1).ticket["id"])
        queue.finish(1)
    # Booked (by slot 09:30) and priority (issued 09:30) share one tier: two of them, then a walk-in.
    assert called == [booked[0], booked[1], walk_ins[0], elderly, walk_ins[1]]


def test_two_kiosks_scanning_one_booking_at_once_issue_one_ticket_on_postgresql(pg_url):
    db = make_db(pg_url)
    try:
        clock = FixedClock(SLOT)
        queue = QueueService(db, clock)
        dossiers = DossierService(db, clock, queue)
        booking = add_booking(db, 1, 1, SLOT)
        start, answers = threading.Barrier(4), []

        def scan() -> None:
            start.wait()
            answers.append(scan_at_kiosk(queue, dossiers, 1, booking["code"])["outcome"])

        threads = [threading.Thread(target=scan) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(answers) == ["ticket_issued"] + ["ticket_status"] * 3
        assert tickets(db) == 1
    finally:
        db.dispose()
