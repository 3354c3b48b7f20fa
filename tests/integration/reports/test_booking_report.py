"""The booking figures of the report ("Đặt lịch hẹn"): known booking and ticket rows on Monday
23/11/2026 give exact counts and waits, on the supervisor's report page and in its exports."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from server.models.core import BookingState
from tests.support.booking_rows import add_booking, add_called_ticket, set_booking_rules
from tests.support.daygen import at_local
from tests.support.demo import center_id, login, service_id
from tests.support.reports import MONDAY

WEDNESDAY = MONDAY.replace(day=25)
DAY = {"center_id": 1, "period": "day", "date": MONDAY.isoformat()}


def t(hh: int, mm: int = 0):
    return at_local(MONDAY, hh, mm)


@pytest.fixture
def booking_day(app, client, clock):
    """Monday's bookings and tickets at the demo center, seen at 16:00 that day.

    Justice (TPHT) bookings: 09:00 checked in at 08:50, called 09:04 (wait 4 min, from the slot's start);
    09:30 checked in at 09:35, called 09:41 (6 min, from the check-in); 10:00 checked in late at 10:20 with
    an ordinary ticket, called 10:30 (10 min); 10:30 cancelled; 11:00 no-show; 16:30 not yet due (made
    Monday 07:30). Land (DD): 14:00 no-show. Made on Monday for Wednesday: one. Walk-ins called: justice
    2, 10 and 20 min, land 30 min; one justice walk-in never called; a result pickup (a field without
    bookings) 1 min."""
    db = app.extensions["motcua"].db
    center, justice, land, results = center_id(db), service_id(db, "TPHT"), service_id(db, "DD"), service_id(db, "NKQ")
    set_booking_rules(db, center, checkin_after_minutes=10)
    clock.set(t(16))
    on_time = add_booking(db, center, justice, t(9), state=BookingState.CHECKED_IN, checked_in_at=t(8, 50))
    add_called_ticket(db, center, justice, t(8, 50), t(9, 4), booking_id=on_time["id"], ahead_from=t(9))
    in_window = add_booking(db, center, justice, t(9, 30), state=BookingState.CHECKED_IN, checked_in_at=t(9, 35))
    add_called_ticket(db, center, justice, t(9, 35), t(9, 41), booking_id=in_window["id"], ahead_from=t(9, 30))
    late = add_booking(db, center, justice, t(10), state=BookingState.CHECKED_IN, checked_in_at=t(10, 20))
    add_called_ticket(db, center, justice, t(10, 20), t(10, 30), booking_id=late["id"])
    add_booking(db, center, justice, t(10, 30), state=BookingState.CANCELLED)
    add_booking(db, center, justice, t(11), state=BookingState.NO_SHOW)
    add_booking(db, center, justice, t(16, 30), created_at=t(7, 30))
    add_booking(db, center, land, t(14), state=BookingState.NO_SHOW)
    add_booking(db, center, justice, at_local(WEDNESDAY, 8), created_at=t(8))
    for issued, called in ((t(8), t(8, 2)), (t(8, 10), t(8, 20)), (t(8, 30), t(8, 50)), (t(9), None)):
        add_called_ticket(db, center, justice, issued, called)
    add_called_ticket(db, center, land, t(13), t(13, 30))
    add_called_ticket(db, center, results, t(9), t(9, 1))
    login(client, "giamsat")
    return client


def table(report: dict, key: str) -> dict:
    return next(t for t in report["tables"] if t["key"] == key)


def test_the_booking_summary_counts_and_compares_the_waits(booking_day):
    report = booking_day.get("/api/v1/reports", query_string=DAY).get_json()
    figures = {r["metric"]: r["value"] for r in table(report, "bookings")["rows"]}
    assert figures == {
        "made": 2, "for_days": 7, "checked_in": 3, "on_time": 2, "late": 1, "cancelled": 1, "no_show": 2, "awaiting": 1,
        "no_show_share": pytest.approx(2 / 5),
        "booked_called": 3, "booked_wait_median": pytest.approx(6), "booked_wait_p90": pytest.approx(9.2),
        "walk_in_called": 4, "walk_in_wait_median": pytest.approx(15), "walk_in_wait_p90": pytest.approx(27),
    }


def test_the_booking_figures_by_field(booking_day):
    report = booking_day.get("/api/v1/reports", query_string=DAY).get_json()
    rows = {r["service_code"]: r for r in table(report, "bookings_by_service")["rows"]}
    assert sorted(rows) == ["DD", "TPHT"]
    justice, land = rows["TPHT"], rows["DD"]
    assert [justice[k] for k in ("made", "for_days", "checked_in", "on_time", "late", "cancelled", "no_show", "awaiting")] == \
        [2, 6, 3, 2, 1, 1, 1, 1]
    assert (justice["booked_wait_median"], justice["booked_wait_p90"]) == (pytest.approx(6), pytest.approx(9.2))
    assert (justice["walk_in_called"], justice["walk_in_wait_median"], justice["walk_in_wait_p90"]) == \
        (3, pytest.approx(10), pytest.approx(18))
    assert (land["for_days"], land["no_show"], land["booked_called"], land["booked_wait_median"]) == (1, 1, 0, None)
    assert (land["walk_in_wait_median"], land["walk_in_wait_p90"]) == (pytest.approx(30), pytest.approx(30))


def test_the_report_page_shows_the_booking_section_and_the_exports_carry_it(booking_day):
    page = booking_day.get("/admin/reports", query_string={"center": 1, "date": MONDAY.isoformat()})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h2 id="t-bookings">Đặt lịch hẹn <span class="en">Bookings</span></h2>' in html
    assert 'data-table="bookings_by_service"' in html and 'id="defs-bookings"' in html

    exported = booking_day.get("/api/v1/reports/export", query_string={**DAY, "format": "csv", "table": "bookings"})
    assert exported.status_code == 200
    lines = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Lịch hẹn được đặt trong kỳ", "Bookings made in the period", "2"] in lines
    assert ["Tỷ lệ không đến", "No-show share", "40.0%"] in lines
    assert ["Chờ P90 — có lịch hẹn (phút)", "90th percentile wait — booked (min)", "9.20"] in lines

    book = load_workbook(io.BytesIO(booking_day.get("/api/v1/reports/export", query_string={**DAY, "format": "xlsx"}).data))
    assert {"Đặt lịch hẹn", "Đặt lịch hẹn theo lĩnh vực"} <= set(book.sheetnames)


def test_a_center_without_bookings_gets_no_booking_section(app, client):
    db = app.extensions["motcua"].db
    set_booking_rules(db, center_id(db), enabled=False)  # the demo center takes bookings: this one does not
    login(client, "giamsat")
    report = client.get("/api/v1/reports", query_string=DAY).get_json()
    assert not {"bookings", "bookings_by_service"} & {t["key"] for t in report["tables"]}
