"""The center's booking rules and a field's daily cap, set by the administrator and carried in
the center's configuration file."""
from __future__ import annotations

import pytest

RULES = {"enabled": True, "slot_minutes": 20, "share_percent": 40, "days_ahead": 30, "checkin_before_minutes": 20,
         "checkin_after_minutes": 5, "per_person_per_day": 2, "require_contact": False, "service_ids": [2]}


def test_the_center_page_shows_and_saves_the_booking_rules(admin):
    page = admin.get("/admin/c/1/center").get_data(as_text=True)
    assert 'id="booking-form"' in page and "Đặt lịch hẹn" in page and 'name="share_percent"' in page
    saved = admin.put("/api/v1/admin/centers/1/settings/booking", {"value": RULES})
    assert saved.status_code == 200, saved.get_json()
    page = admin.get("/admin/c/1/center").get_data(as_text=True)
    assert 'name="slot_minutes" type="number" min="10" max="120" data-type="int" value="20"' in page
    offer = admin.get("/api/v1/public/centers/1/booking").get_json()
    assert (offer["slot_minutes"], offer["days_ahead"], [s["id"] for s in offer["services"]]) == (20, 30, [2])


@pytest.mark.parametrize("field, value", [
    ("slot_minutes", 5), ("slot_minutes", 121), ("share_percent", 101), ("days_ahead", 0), ("days_ahead", 61),
    ("checkin_before_minutes", 121), ("checkin_after_minutes", -1), ("per_person_per_day", 6), ("per_person_per_day", "hai"),
    ("service_ids", "tất cả"), ("service_ids", [True]),
])
def test_booking_rules_out_of_range_are_refused_in_both_languages(admin, field, value):
    refused = admin.put("/api/v1/admin/centers/1/settings/booking", {"value": {**RULES, field: value}})
    assert refused.status_code == 400, (field, value)
    error = refused.get_json()["error"]
    assert error["code"] == "invalid_setting" and error["message_vi"] and error["message_en"]


def test_a_fields_daily_cap_is_set_on_the_service_form_and_checked(admin):
    assert 'name="daily_cap"' in admin.get("/admin/c/1/services").get_data(as_text=True)
    assert admin.patch("/api/v1/admin/services/1", {"daily_cap": 0}).status_code == 400
    saved = admin.patch("/api/v1/admin/services/1", {"daily_cap": 80})
    assert saved.status_code == 200 and saved.get_json()["daily_cap"] == 80
    assert admin.patch("/api/v1/admin/services/1", {"daily_cap": None}).get_json()["daily_cap"] is None


def test_the_daily_cap_and_the_fields_open_to_booking_travel_in_the_center_file(admin):
    admin.patch("/api/v1/admin/services/2", {"daily_cap": 60})
    admin.put("/api/v1/admin/centers/1/settings/booking", {"value": RULES})
    data = admin.get("/api/v1/admin/centers/1/export").get_json()
    assert data["center"]["settings"]["booking"]["service_codes"] == ["DD"]  # by code: ids are this database's
    assert next(s for s in data["services"] if s["code"] == "DD")["daily_cap"] == 60
    made = admin.post("/api/v1/admin/centers/import", {"data": data, "code": "HANGBAC", "name": "Bộ phận một cửa phường Hàng Bạc",
                                                       "agency_id": "000.00.12.H99"})
    assert made.status_code in (200, 201), made.get_json()
    new_id = made.get_json()["id"]
    offer = admin.get(f"/api/v1/public/centers/{new_id}/booking").get_json()
    assert [s["name"] for s in offer["services"]] == ["Đất đai"] and offer["enabled"]
    copy = admin.get(f"/api/v1/admin/centers/{new_id}/export").get_json()
    assert next(s for s in copy["services"] if s["code"] == "DD")["daily_cap"] == 60
