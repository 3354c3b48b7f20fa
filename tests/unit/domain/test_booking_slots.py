"""A field's booking slots from the center's hours, and the places each slot holds.

Pure arithmetic: the center is only its settings and time zone here (the database reads and the
daily cap are specified in tests/integration/bookings/)."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from server.domain.bookings import offered_places, slot_capacity, slot_times

WEDNESDAY = date(2026, 11, 25)


def center(**settings) -> SimpleNamespace:
    return SimpleNamespace(settings=settings, timezone="Asia/Ho_Chi_Minh")


def starts(slots) -> list[str]:
    return [f"{s.local_start:%H:%M}" for s in slots]


def test_a_working_day_is_cut_into_slots_that_fit_each_session():
    slots = slot_times(center(), WEDNESDAY, 30)  # default hours 07:00–11:30, 13:30–17:00
    assert starts(slots)[:2] == ["07:00", "07:30"]
    assert "11:00" in starts(slots) and "11:30" not in starts(slots)
    assert starts(slots)[-1] == "16:30"
    assert len(slots) == 9 + 7
    assert all((s.local_end - s.local_start).total_seconds() == 1800 for s in slots)


def test_a_slot_that_would_run_past_the_session_is_not_offered():
    hours = {"wed": [["07:00", "11:30"]]}
    assert starts(slot_times(center(opening_hours=hours), WEDNESDAY, 45)) == [
        "07:00", "07:45", "08:30", "09:15", "10:00", "10:45"]


def test_the_center_hours_of_the_weekday_are_followed():
    hours = {"wed": [["07:30", "09:30"]], "thu": [["13:00", "14:00"]]}
    assert starts(slot_times(center(opening_hours=hours), WEDNESDAY, 60)) == ["07:30", "08:30"]
    assert starts(slot_times(center(opening_hours=hours), date(2026, 11, 26), 60)) == ["13:00"]


def test_no_slot_starts_after_the_session_end_minus_the_stop_before_close():
    plain = starts(slot_times(center(), WEDNESDAY, 15))
    stopped = starts(slot_times(center(closing_rules={"stop_minutes_before_close": 30}), WEDNESDAY, 15))
    assert plain[plain.index("11:00") + 1] == "11:15" and plain[-1] == "16:45"
    assert "11:15" not in stopped and "11:00" in stopped
    assert stopped[-1] == "16:30"


def test_holidays_weekends_and_the_centers_days_off_have_no_slots():
    assert slot_times(center(), date(2026, 9, 2), 30) == []  # Quốc khánh
    assert slot_times(center(), date(2026, 11, 28), 30) == []  # a Saturday
    day_off = center(calendar={"days_off": [{"date": "2026-11-25", "name": "Nghỉ đột xuất"}]})
    assert slot_times(day_off, WEDNESDAY, 30) == []


def test_a_make_up_working_saturday_has_slots():
    makeup = center(calendar={"workdays": [{"date": "2026-11-28", "name": "Làm bù"}]})
    assert starts(slot_times(makeup, date(2026, 11, 28), 30))[0] == "07:00"


def test_slot_times_are_kept_in_utc_without_a_zone():
    first = slot_times(center(), WEDNESDAY, 30)[0]
    assert first.start_utc == datetime(2026, 11, 25, 0, 0) and first.start_utc.tzinfo is None
    assert first.end_utc == datetime(2026, 11, 25, 0, 30)


def test_capacity_is_counters_times_slot_length_over_the_mean_service_time():
    assert slot_capacity(2, 30, 8.0) == 7  # 60 / 8 = 7.5
    assert slot_capacity(3, 30, 10.0) == 9
    assert slot_capacity(1, 30, 45.0) == 0  # one long case does not fit in a slot
    assert slot_capacity(0, 30, 8.0) == 0  # no counter serves the field


def test_bookings_are_offered_their_share_of_a_slot_rounded_down():
    assert offered_places(7, 50) == 3
    assert offered_places(7, 100) == 7
    assert offered_places(7, 0) == 0
    assert offered_places(9, 34) == 3
