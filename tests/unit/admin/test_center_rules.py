"""When a kiosk may issue tickets: opening hours, days off, make-up days, closing rules."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from server.domain.center_rules import is_working_day, issuing_allowed, sessions_on

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = {
    "mon": [["07:00", "11:30"], ["13:30", "17:00"]],
    "tue": [["07:00", "11:30"], ["13:30", "17:00"]],
    "wed": [["07:00", "11:30"], ["13:30", "17:00"]],
    "thu": [["07:00", "11:30"], ["13:30", "17:00"]],
    "fri": [["07:00", "11:30"], ["13:30", "17:00"]],
    "sat": [["07:30", "11:00"]],
    "sun": [],
}


def center(rules=None, calendar=None, hours=HOURS):
    settings = {"opening_hours": hours, "closing_rules": rules or {}, "calendar": calendar or {}}
    return SimpleNamespace(settings=settings, timezone="Asia/Ho_Chi_Minh")


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=HANOI)


@pytest.mark.parametrize(
    "when, allowed, says",
    [
        (at(2026, 11, 23, 6, 50), False, "07:00"),  # Monday before opening
        (at(2026, 11, 23, 7, 0), True, ""),
        (at(2026, 11, 23, 11, 29), True, ""),
        (at(2026, 11, 23, 12, 15), False, "13:30"),  # lunch break
        (at(2026, 11, 23, 16, 59), True, ""),
        (at(2026, 11, 23, 17, 0), False, "hết giờ"),
        (at(2026, 11, 28, 9, 0), True, ""),  # Saturday morning hours
        (at(2026, 11, 29, 9, 0), False, "Chủ nhật"),  # Sunday
        (at(2026, 11, 24, 9, 0), False, "Ngày Văn hóa Việt Nam"),  # 24/11 holiday since 2026
        (at(2026, 9, 2, 9, 0), False, "Quốc khánh"),
        (at(2027, 2, 8, 9, 0), False, "Tết"),  # Lunar New Year 2027
    ],
)
def test_opening_hours_and_national_holidays(when, allowed, says):
    ok, vi, en = issuing_allowed(center(), when)
    assert ok is allowed
    assert says in vi
    assert (vi == "" and en == "") if allowed else (vi and en)


def test_a_center_without_opening_hours_always_issues():
    ok, vi, en = issuing_allowed(SimpleNamespace(settings={}, timezone="Asia/Ho_Chi_Minh"), at(2026, 11, 29, 3, 0))
    assert (ok, vi, en) == (True, "", "")


def test_stop_issuing_n_minutes_before_each_session_closes():
    c = center({"stop_minutes_before_close": 30})
    assert issuing_allowed(c, at(2026, 11, 23, 10, 59))[0] is True
    ok, vi, _ = issuing_allowed(c, at(2026, 11, 23, 11, 5))
    assert not ok and "13:30" in vi
    assert issuing_allowed(c, at(2026, 11, 23, 16, 29))[0] is True
    ok, vi, en = issuing_allowed(c, at(2026, 11, 23, 16, 40))
    assert not ok and "30 phút" in vi and "17:00" in vi and "30 min" in en


def test_issue_early_before_opening():
    c = center({"open_early_minutes": 15})
    assert issuing_allowed(c, at(2026, 11, 23, 6, 44))[0] is False
    assert issuing_allowed(c, at(2026, 11, 23, 6, 46))[0] is True


def test_stop_when_the_estimated_wait_passes_closing_counting_working_minutes_only():
    c = center({"stop_when_wait_passes_close": True})
    # 16:00: 60 working minutes left today.
    assert issuing_allowed(c, at(2026, 11, 23, 16, 0), estimated_wait_minutes=55)[0] is True
    ok, vi, _ = issuing_allowed(c, at(2026, 11, 23, 16, 0), estimated_wait_minutes=65)
    assert not ok and "17:00" in vi
    # 11:00: 30 min this morning + 210 min this afternoon; the lunch break does not count.
    assert issuing_allowed(c, at(2026, 11, 23, 11, 0), estimated_wait_minutes=235)[0] is True
    assert issuing_allowed(c, at(2026, 11, 23, 11, 0), estimated_wait_minutes=245)[0] is False
    assert issuing_allowed(c, at(2026, 11, 23, 11, 0))[0] is True  # no estimate: no wait rule


def test_center_days_off_and_make_up_days():
    cal = {
        "days_off": [{"date": "2026-11-25", "name": "Kiểm kê"}],
        "workdays": [{"date": "2026-08-22", "name": "Làm bù"}, {"date": "2026-11-29", "name": "Làm bù Chủ nhật"}],
    }
    c = center(calendar=cal)
    ok, vi, _ = issuing_allowed(c, at(2026, 11, 25, 9, 0))
    assert not ok and "Kiểm kê" in vi
    assert issuing_allowed(c, at(2026, 11, 29, 9, 0))[0] is True  # a Sunday worked: weekday hours
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in sessions_on(c, date(2026, 11, 29))] == [
        ("07:00", "11:30"),
        ("13:30", "17:00"),
    ]
    # The national calendar knows 22/8/2026 is worked for 31/8/2026.
    assert is_working_day(c, date(2026, 8, 22)) and not is_working_day(c, date(2026, 8, 31))


def test_national_holidays_can_be_switched_off():
    c = center(calendar={"use_national_holidays": False})
    assert issuing_allowed(c, at(2026, 11, 24, 9, 0))[0] is True


def test_working_calendar_arguments_for_the_dossier_area():
    from datetime import time

    from server.domain.center_rules import working_calendar_args

    args = working_calendar_args(
        center(
            calendar={
                "days_off": [{"date": "2026-11-25", "name": "Kiểm kê"}],
                "workdays": [{"date": "2026-11-29", "name": "Làm bù"}],
            }
        )
    )
    assert args["hours"] == ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    assert args["extra_days_off"] == {date(2026, 11, 25)} and args["make_up_days"] == {date(2026, 11, 29)}
    assert args["tz"] == "Asia/Ho_Chi_Minh"
    from server.domain.working_time import WorkingCalendar

    cal = WorkingCalendar(**args)
    assert not cal.is_working_day(date(2026, 11, 25)) and cal.is_working_day(date(2026, 11, 29))
