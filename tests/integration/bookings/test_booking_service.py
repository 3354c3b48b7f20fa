"""Booking a time for a field (đặt lịch hẹn): the slots offered, the places they hold, the limits
against hoarding, the daily cap walk-ins share, moving and cancelling, and what is (not) stored.

The demo clock stands at Monday 23/11/2026 09:00. Tư pháp (TPHT) is served by counters 1 and 2;
with the default 8 minutes a citizen, a 30-minute slot holds floor(2 × 30 / 8) = 7, and the
default share of 50 % offers 3 of them to bookings."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from server.domain.citizen_id import citizen_key
from server.domain.errors import DomainError
from server.models import Booking, Center, Service
from tests.support.demo import update
from tests.support.fixtures.bookings import VN, WEDNESDAY, WEDNESDAY_9AM, set_center_settings

ID_NUMBER = "001203004005"


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VN)


def phone(n: int) -> str:
    return f"09{n:08d}"


def day_of(listing: dict, iso: str) -> dict:
    return next(d for d in listing["days"] if d["date"] == iso)


# ------------------------------------------------------------------ the listing
def test_the_listing_shows_each_slot_with_its_places_and_leaves_out_todays_past_ones(bookings, ids, db):
    set_center_settings(db, calendar={"days_off": [{"date": "2026-11-24", "name": "Nghỉ đột xuất"}]})
    listing = bookings.slots(ids["center"], ids["justice"], days=3)
    monday, tuesday, wednesday = listing["days"]
    assert listing["service"]["id"] == ids["justice"]
    assert monday["open"] and monday["slots"][0]["start"] == "09:30"  # 09:00 has begun
    assert (tuesday["open"], tuesday["note_vi"], tuesday["slots"]) == (False, "Nghỉ đột xuất", [])
    assert wednesday["weekday_vi"] == "Thứ Tư" and wednesday["weekday_en"] == "Wednesday"
    assert wednesday["slots"][0] == {"starts_at": "2026-11-25T07:00:00+07:00", "start": "07:00", "end": "07:30",
                                     "left": 3, "full": False}


def test_slot_places_follow_the_recent_mean_service_time(bookings, queue, clock, ids):
    for _ in range(2):  # two citizens served in 15 minutes each at Tư pháp
        queue.issue_ticket(ids["center"], ids["justice"])
        queue.call_next(ids["c1"])
        clock.advance(minutes=15)
        queue.finish(ids["c1"])
    wednesday = day_of(bookings.slots(ids["center"], ids["justice"], days=3), "2026-11-25")
    assert wednesday["slots"][0]["left"] == 2  # floor(2 × 30 / 15) = 4, half of it offered


def test_only_counters_serving_the_field_give_it_places(bookings, ids, booking_rules):
    booking_rules(share_percent=100)
    land = day_of(bookings.slots(ids["center"], ids["land"], days=3), "2026-11-25")  # one counter
    justice = day_of(bookings.slots(ids["center"], ids["justice"], days=3), "2026-11-25")  # two counters
    assert (land["slots"][0]["left"], justice["slots"][0]["left"]) == (3, 7)


# ------------------------------------------------------------------ booking
def test_a_booking_takes_a_place_and_a_full_slot_is_refused_politely(bookings, ids):
    made = [bookings.book(ids["center"], ids["justice"], at(9), phone=phone(n)) for n in range(3)]
    assert {b["state"] for b in made} == {"booked"} and len({b["code"] for b in made}) == 3
    assert made[0]["start"] == "09:00" and made[0]["end"] == "09:30" and made[0]["day"] == "2026-11-25"
    assert made[0]["code_display"] == f"{made[0]['code'][:2]}-{made[0]['code'][2:6]}-{made[0]['code'][6:]}"
    assert made[0]["manage_path"] == f"/lich-hen/{made[0]['token']}"
    error = refused(bookings.book, ids["center"], ids["justice"], at(9), phone=phone(9))
    assert (error.code, error.status) == ("slot_full", 409)
    assert error.message_vi == "Khung giờ này đã hết chỗ. Xin mời Ông/Bà chọn khung giờ khác."
    assert error.message_en == "This time slot is full. Please choose another."
    slot = next(s for s in day_of(bookings.slots(ids["center"], ids["justice"], days=3), "2026-11-25")["slots"]
                if s["start"] == "09:00")
    assert (slot["left"], slot["full"]) == (0, True)


@pytest.mark.parametrize("when, why", [
    (at(9, 10), "not a slot start"),
    (at(7, 0, day=23), "today, already past"),
    (at(9, 0, day=28), "a Saturday"),
    (datetime(2026, 12, 9, 9, 0, tzinfo=VN), "beyond days_ahead (14)"),
])
def test_a_time_that_is_no_bookable_slot_is_refused(bookings, ids, when, why):
    assert refused(bookings.book, ids["center"], ids["justice"], when, phone=phone(1)).code == "slot_unavailable", why


def test_a_naive_time_is_read_as_the_centers_wall_time(bookings, ids):
    assert bookings.book(ids["center"], ids["justice"], datetime(2026, 11, 25, 13, 30), phone=phone(1))["start"] == "13:30"


def test_one_person_books_at_most_per_person_per_day_by_card_or_by_phone(bookings, ids, booking_rules):
    bookings.book(ids["center"], ids["justice"], at(9), id_number=ID_NUMBER)
    assert refused(bookings.book, ids["center"], ids["land"], at(10), id_number=ID_NUMBER).code == "booking_limit"
    assert bookings.book(ids["center"], ids["land"], at(10, day=26), id_number=ID_NUMBER)["state"] == "booked"  # another day
    bookings.book(ids["center"], ids["justice"], at(9, 30), phone="0912 345 678")
    # The same phone, written otherwise:
    again = refused(bookings.book, ids["center"], ids["justice"], at(10), phone="+84912345678")
    assert (again.code, again.status) == ("booking_limit", 409)
    booking_rules(per_person_per_day=2)
    assert bookings.book(ids["center"], ids["justice"], at(10), phone="+84912345678")["state"] == "booked"


def test_a_contact_is_required_when_the_center_says_so(bookings, ids, booking_rules):
    error = refused(bookings.book, ids["center"], ids["justice"], at(9))
    assert (error.code, error.status) == ("contact_required", 400)
    booking_rules(require_contact=False)
    assert bookings.book(ids["center"], ids["justice"], at(9))["reminder"] is False


@pytest.mark.parametrize("contact, code", [
    ({"id_number": "12345"}, "invalid_id_number"),
    ({"id_number": "00120300400A"}, "invalid_id_number"),
    ({"phone": "12"}, "invalid_phone"),
    ({"phone": "0912345678", "email": "not-an-address"}, "invalid_email"),
])
def test_a_malformed_contact_is_a_400(bookings, ids, contact, code):
    error = refused(bookings.book, ids["center"], ids["justice"], at(9), **contact)
    assert (error.code, error.status) == (code, 400)


def test_no_plain_id_number_is_stored_and_the_contact_shows_masked(bookings, ids, db):
    view = bookings.book(ids["center"], ids["justice"], at(9), id_number=ID_NUMBER, phone="0912345689", email="nam@x.vn")
    assert ID_NUMBER not in str(view) and "0912345689" not in str(view)
    assert view["contact"] == {"phone": "09******89", "email": "n***@x.vn"} and view["reminder"] is True
    with db.read() as s:
        row = s.scalar(select(Booking).where(Booking.code == view["code"]))
        stored = {c.name: getattr(row, c.name) for c in Booking.__table__.columns}
    assert ID_NUMBER not in str(stored.values())
    assert row.citizen_key == citizen_key(ID_NUMBER, "test-secret")
    assert row.phone_key and row.phone_key != "0912345689"
    assert (row.contact_phone, row.contact_email, row.source) == ("0912345689", "nam@x.vn", "web")


def test_bookings_are_closed_when_the_center_or_the_field_does_not_take_them(bookings, ids, booking_rules):
    booking_rules(service_ids=[ids["land"]])
    assert refused(bookings.book, ids["center"], ids["justice"], at(9), phone=phone(1)).code == "bookings_closed"
    assert [s["id"] for s in bookings.offer(ids["center"])["services"]] == [ids["land"]]
    booking_rules(enabled=False)
    assert bookings.offer(ids["center"])["enabled"] is False
    assert refused(bookings.slots, ids["center"], ids["land"]).code == "bookings_closed"


# ------------------------------------------------------------------ move and cancel
def test_moving_a_booking_frees_its_old_place_and_takes_the_new_one(bookings, ids, booking_rules):
    booking_rules(share_percent=15)  # one place a slot
    mine = bookings.book(ids["center"], ids["justice"], at(9), phone=phone(1))
    other = bookings.book(ids["center"], ids["justice"], at(10), phone=phone(2))
    assert refused(bookings.move, mine["token"], at(10)).code == "slot_full"
    moved = bookings.move(mine["token"], at(9, 30))
    assert (moved["start"], moved["moved_count"], moved["code"]) == ("09:30", 1, mine["code"])
    assert bookings.move(other["token"], at(9))["start"] == "09:00"  # the place mine left


def test_a_cancelled_booking_frees_its_place_and_cannot_change_again(bookings, ids, booking_rules):
    booking_rules(share_percent=15)
    mine = bookings.book(ids["center"], ids["justice"], at(9), phone=phone(1))
    assert bookings.cancel(mine["token"])["state"] == "cancelled"
    assert bookings.book(ids["center"], ids["justice"], at(9), phone=phone(2))["state"] == "booked"
    assert refused(bookings.cancel, mine["token"]).code == "booking_not_changeable"
    assert refused(bookings.move, mine["token"], at(10)).code == "booking_not_changeable"


def test_a_booking_whose_time_has_come_can_no_longer_be_moved(bookings, ids, clock):
    mine = bookings.book(ids["center"], ids["justice"], at(9), phone=phone(1))
    clock.set(WEDNESDAY_9AM)
    assert refused(bookings.cancel, mine["token"]).code == "booking_not_changeable"
    assert bookings.view(mine["token"])["state"] == "booked"


def test_the_portal_finds_a_booking_by_its_printed_code_in_its_own_center_only(bookings, ids, db):
    mine = bookings.book(ids["center"], ids["justice"], at(9), phone=phone(1), source="portal", external_ref="HS-1")
    assert bookings.by_code(ids["center"], mine["code_display"].lower())["token"] == mine["token"]
    assert bookings.move_by_code(ids["center"], mine["code"], at(10))["start"] == "10:00"
    with db.write() as s:
        s.add(Center(code="OTHER", name="Trung tâm khác"))
    other = ids["center"] + 1
    assert refused(bookings.by_code, other, mine["code"]).code == "booking_not_found"
    assert refused(bookings.cancel_by_code, ids["center"], "LH-0000-0000").code == "booking_not_found"
    assert bookings.cancel_by_code(ids["center"], mine["code"])["state"] == "cancelled"


def test_every_change_tells_the_center_room_which_day_changed_without_personal_data(bookings, ids, published):
    mine = bookings.book(ids["center"], ids["justice"], at(9), id_number=ID_NUMBER)
    bookings.cancel(mine["token"])
    events = [e for e in published if e.name == "booking_slots"]
    assert [e.payload for e in events] == [{"center_id": ids["center"], "service_id": ids["justice"], "day": "2026-11-25"}] * 2
    assert ID_NUMBER not in str(events)


# ------------------------------------------------------------------ the daily cap, shared with walk-ins
def test_walk_ins_and_bookings_of_a_field_together_never_pass_its_daily_cap(bookings, queue, ids, db):
    update(db, Service, ids["justice"], daily_cap=3)
    queue.issue_ticket(ids["center"], ids["justice"])  # a walk-in today
    bookings.book(ids["center"], ids["justice"], at(10, day=23), phone=phone(1))
    bookings.book(ids["center"], ids["justice"], at(10, 30, day=23), phone=phone(2))
    error = refused(bookings.book, ids["center"], ids["justice"], at(11, day=23), phone=phone(3))
    assert (error.code, error.status) == ("daily_cap_reached", 409)
    walk_in = refused(queue.issue_ticket, ids["center"], ids["justice"])
    assert (walk_in.code, walk_in.status) == ("daily_cap_reached", 409)
    assert "Ông/Bà" in walk_in.message_vi and walk_in.message_en
    monday = day_of(bookings.slots(ids["center"], ids["justice"], days=3), "2026-11-23")
    assert {s["left"] for s in monday["slots"]} == {0}
    assert queue.issue_ticket(ids["center"], ids["land"])["state"] == "waiting"  # another field is not capped
    assert bookings.book(ids["center"], ids["justice"], at(9, day=25), phone=phone(3))["day"] == "2026-11-25"  # nor another day


def test_a_cancelled_booking_gives_its_place_under_the_cap_back(bookings, queue, ids, db):
    update(db, Service, ids["justice"], daily_cap=1)
    mine = bookings.book(ids["center"], ids["justice"], at(10, day=23), phone=phone(1))
    assert refused(queue.issue_ticket, ids["center"], ids["justice"]).code == "daily_cap_reached"
    bookings.cancel(mine["token"])
    assert queue.issue_ticket(ids["center"], ids["justice"])["state"] == "waiting"


def test_the_listing_of_a_month_costs_a_few_queries_whatever_the_slots(bookings, ids, db):
    from sqlalchemy import event

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - before_cursor_execute's statement
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        listing = bookings.slots(ids["center"], ids["justice"], days=31)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum(len(d["slots"]) for d in listing["days"]) > 100
    assert len(statements) <= 10, statements
    assert WEDNESDAY.isoformat() in [d["date"] for d in listing["days"]]
