"""Appointment times in working hours (Nghị định 118/2025/NĐ-CP: 1 working day = 8 h),
across weekends, lunch, closing time, national holidays and a center's own days."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.domain.working_time import WorkingCalendar, classify_completion, parse_hours

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


CASES = [
    # (id, received, processing days, expected appointment, calendar kwargs)
    ("monday-morning-1-day-skips-24-11", at(2026, 11, 23, 8), 1, at(2026, 11, 25, 8), {}),
    ("received-at-lunch-starts-13-30", at(2026, 11, 23, 12), 0.5, at(2026, 11, 25, 7, 30), {}),
    ("after-closing-friday-ends-monday-17-00", at(2026, 11, 27, 18), 1, at(2026, 11, 30, 17), {}),
    ("received-on-sunday", at(2026, 11, 29, 10), 0.5, at(2026, 11, 30, 11), {}),
    ("before-opening-counts-from-07-00", at(2026, 11, 30, 6, 15), 0.25, at(2026, 11, 30, 9), {}),
    ("tet-binh-ngo-2026", at(2026, 2, 13, 10), 1, at(2026, 2, 23, 10), {}),
    ("30-4-and-1-5-2026", at(2026, 4, 29, 16), 0.5, at(2026, 5, 4, 10), {}),
    ("quoc-khanh-2026-with-swapped-monday", at(2026, 8, 28, 15), 1, at(2026, 9, 3, 15), {}),
    ("make-up-saturday-22-8-2026-is-worked", at(2026, 8, 21, 16), 0.5, at(2026, 8, 22, 10), {}),
    ("gio-to-2026-observed-monday", at(2026, 4, 24, 16), 0.5, at(2026, 4, 28, 10), {}),
    ("tet-dinh-mui-2027", at(2027, 2, 3, 9), 1, at(2027, 2, 11, 9), {}),
    ("center-extra-day-off", at(2026, 11, 25, 16), 0.5, at(2026, 11, 27, 10), {"extra_days_off": [date(2026, 11, 26)]}),
    ("center-make-up-saturday", at(2026, 11, 27, 16), 0.5, at(2026, 11, 28, 10), {"make_up_days": [date(2026, 11, 28)]}),
    ("three-working-days", at(2026, 12, 7, 7), 3, at(2026, 12, 9, 17), {}),
    ("fifteen-working-days", at(2026, 12, 7, 7), 15, at(2026, 12, 25, 17), {}),
    ("half-day-is-four-hours", at(2026, 12, 7, 7), 0.5, at(2026, 12, 7, 11), {}),
    (
        "center-own-hours",
        at(2026, 12, 7, 7),
        0.75,
        at(2026, 12, 7, 15),
        {"hours": parse_hours([["07:30", "11:30"], ["13:00", "17:00"]])},
    ),
]


@pytest.mark.parametrize("received, days, expected, kwargs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_appointment(received, days, expected, kwargs):
    assert WorkingCalendar(**kwargs).appointment(received, days) == expected


def test_input_in_utc_gives_the_same_local_appointment():
    received_utc = at(2026, 11, 23, 8).astimezone(ZoneInfo("UTC"))
    assert WorkingCalendar().appointment(received_utc, 1) == at(2026, 11, 25, 8)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 11, 24), False),  # Ngày Văn hóa Việt Nam, from 2026
        (date(2026, 9, 1), False),  # the day before Quốc khánh
        (date(2026, 9, 2), False),
        (date(2026, 8, 31), False),  # swapped for Saturday 22/8
        (date(2026, 8, 22), True),
        (date(2026, 2, 17), False),  # Mùng một Tết
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2026, 11, 23), True),
    ],
)
def test_working_days(day, working):
    assert WorkingCalendar().is_working_day(day) is working


def test_holiday_has_a_vietnamese_name():
    assert WorkingCalendar().holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"


def test_working_hours_between_skips_lunch_and_nights():
    cal = WorkingCalendar()
    assert cal.working_hours_between(at(2026, 11, 23, 11), at(2026, 11, 23, 14)) == pytest.approx(1.0)
    assert cal.working_hours_between(at(2026, 11, 23, 7), at(2026, 11, 25, 7)) == pytest.approx(8.0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar().appointment(datetime(2026, 11, 23, 8), 1)


def test_bad_hours_setting_is_refused():
    with pytest.raises(ValueError):
        parse_hours([["11:30", "07:00"]])
    with pytest.raises(ValueError):
        parse_hours([["07:00", "12:00"], ["11:00", "17:00"]])


@pytest.mark.parametrize(
    "finished, expected",
    [
        (at(2026, 11, 24, 16), "early"),
        (at(2026, 11, 25, 16, 59), "on_time"),
        (at(2026, 11, 25, 7), "on_time"),
        (at(2026, 11, 26, 7, 1), "late"),
        (datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("UTC")), "late"),  # 00:30 on 26/11 in Hà Nội
    ],
)
def test_completion_compares_local_dates(finished, expected):
    assert classify_completion(finished, at(2026, 11, 25, 8)) == expected


def test_working_time_of_the_day_is_eight_hours():
    cal = WorkingCalendar()
    assert sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)).seconds for a, b in cal.hours) == 8 * 3600
    assert cal.hours[0] == (time(7, 0), time(11, 30))


# ------------------------------------------------------------------ hours per weekday
SATURDAY_MORNINGS = {d: ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))) for d in range(5)} | {
    5: ((time(7, 30), time(11, 30)),), 6: ()}


def test_a_saturday_morning_counts_its_four_hours_and_its_afternoon_none():
    cal = WorkingCalendar(weekly=SATURDAY_MORNINGS)
    assert cal.is_working_day(date(2026, 11, 28)) and not cal.is_working_day(date(2026, 11, 29))
    assert cal.working_hours_between(at(2026, 11, 28, 6), at(2026, 11, 29, 23)) == 4
    assert cal.add_working_hours(at(2026, 11, 28, 11), 1) == at(2026, 11, 30, 8)


def test_a_public_holiday_on_a_working_saturday_stays_a_holiday():
    cal = WorkingCalendar(weekly=SATURDAY_MORNINGS)
    assert not cal.is_working_day(date(2027, 5, 1))  # Ngày Quốc tế Lao động falls on a Saturday
    assert cal.is_working_day(date(2027, 5, 8))


def test_a_make_up_sunday_works_the_make_up_hours():
    cal = WorkingCalendar(weekly=SATURDAY_MORNINGS, make_up_days=[date(2026, 11, 29)], makeup_hours=[(time(8, 0), time(10, 0))])
    assert cal.periods(date(2026, 11, 29)) == ((time(8, 0), time(10, 0)),)
