"""Opening hours per weekday — Monday to Friday 07:30–11:30 and 13:30–17:00, Saturday morning
07:30–11:30, Sunday closed — saved once in the center's settings and followed alike by the
kiosk, the wait a citizen is told, and dossier appointments."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.center_rules import wait_past_closing
from server.domain.dossiers.dates import calendar_for
from server.domain.errors import DomainError
from server.domain.kiosk import check_hours, service_offer
from server.models import Center
from tests.support.admin import last_audit

HN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAY = [["07:30", "11:30"], ["13:30", "17:00"]]
HOURS = {"mon": WEEKDAY, "tue": WEEKDAY, "wed": WEEKDAY, "thu": WEEKDAY, "fri": WEEKDAY, "sat": [["07:30", "11:30"]], "sun": []}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Monday 23/11/2026 (Tuesday 24/11 is a holiday), Hà Nội time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HN)


@pytest.fixture
def center(db):
    """The demo center with the weekday hours above; returned detached, as the rules read it."""
    with db.write() as s:
        c = s.get(Center, 1)
        c.settings = {**(c.settings or {}), "opening_hours": HOURS}
    with db.read() as s:
        c = s.get(Center, 1)
        s.expunge(c)
        return c


def test_the_kiosk_refuses_on_sunday_with_a_clear_bilingual_message(db, center):
    with pytest.raises(DomainError) as refused:
        check_hours(center, local(29, 9).astimezone(UTC))
    assert refused.value.code == "center_closed" and refused.value.status == 409
    assert "Chủ nhật" in refused.value.message_vi and "closed today" in refused.value.message_en
    with db.read() as s:
        assert service_offer(s, 1, local(29, 9).astimezone(UTC))["issuing"]["allowed"] is False


def test_saturday_morning_is_open_and_saturday_afternoon_closed(db, center):
    check_hours(center, local(28, 9).astimezone(UTC))  # no refusal
    with pytest.raises(DomainError) as refused:
        check_hours(center, local(28, 14).astimezone(UTC))
    assert "hết giờ phát số" in refused.value.message_vi


def test_an_appointment_counts_saturday_mornings_hours_and_skips_its_closed_afternoon(center):
    cal = calendar_for(center)
    # Half a day (4 working hours) from Friday 16:00: 1 h on Friday, then 3 h of Saturday morning.
    assert cal.appointment(local(27, 16), 0.5) == local(28, 10, 30)
    # From Saturday 10:00: 1 h 30 that morning, nothing that afternoon or on Sunday, 2 h 30 on Monday.
    assert cal.appointment(local(28, 10), 0.5) == local(30, 10)


def test_without_weekday_hours_appointments_keep_todays_monday_to_friday_calendar(db):
    with db.read() as s:
        cal = calendar_for(s.get(Center, 1))
    assert cal.appointment(local(27, 16), 0.5) == local(30, 10)  # Saturday is off, as before


def test_a_center_that_does_not_observe_the_national_holidays_works_them_for_appointments_too(db, center):
    with db.write() as s:
        c = s.get(Center, 1)
        c.settings = {**c.settings, "calendar": {"use_national_holidays": False, "days_off": [], "workdays": []}}
    with db.read() as s:
        cal = calendar_for(s.get(Center, 1))
    assert cal.is_working_day(local(24, 9).date())  # 24/11, Ngày Văn hóa Việt Nam: worked here


def test_a_wait_that_runs_past_closing_says_so(center):
    note = wait_past_closing(center, local(28, 11).astimezone(UTC), 45)
    assert note is not None and note["closes_at"] == "11:30" and "11:30" in note["message_vi"] and note["message_en"]
    assert wait_past_closing(center, local(28, 11).astimezone(UTC), 20) is None
    # Lunch is not working time: from 11:00 on a weekday, 30 min this morning and 3 h 30 this afternoon.
    assert wait_past_closing(center, local(27, 11).astimezone(UTC), 240) is None
    assert wait_past_closing(center, local(27, 11).astimezone(UTC), 241)["closes_at"] == "17:00"


def test_an_admin_edits_the_hours_of_each_weekday_and_it_is_audited(app, admin):
    body = {"value": {**HOURS, "sat": [["08:00", "11:00"]]}}
    assert admin.put("/api/v1/admin/centers/1/settings/opening_hours", body).status_code == 200
    entry = last_audit(app)
    assert entry.entity == "settings:opening_hours" and entry.after["value"]["sat"] == [["08:00", "11:00"]]
    bad = admin.put("/api/v1/admin/centers/1/settings/opening_hours", {"value": {**HOURS, "sat": [["11:00", "08:00"]]}})
    assert bad.status_code == 400 and "sat" in bad.get_json()["error"]["message_en"]
