"""The center sets how long a returned dossier keeps its applicant's personal data, on its settings page."""
from __future__ import annotations


def test_the_center_page_shows_and_saves_the_retention_period(admin):
    page = admin.get("/admin/c/1/center").get_data(as_text=True)
    assert 'id="privacy-form"' in page and 'name="retention_days"' in page and 'value="365"' in page  # the default

    saved = admin.put("/api/v1/admin/centers/1/settings/privacy", {"value": {"retention_days": 90}})
    assert saved.status_code == 200, saved.get_json()
    assert 'value="90"' in admin.get("/admin/c/1/center").get_data(as_text=True)


def test_a_retention_outside_30_to_3650_days_is_refused_in_both_languages(admin):
    for days in (10, 5000, "abc"):
        refused = admin.put("/api/v1/admin/centers/1/settings/privacy", {"value": {"retention_days": days}})
        assert refused.status_code == 400, days
        error = refused.get_json()["error"]
        assert error["message_vi"] and error["message_en"]
    assert 'value="365"' in admin.get("/admin/c/1/center").get_data(as_text=True)  # nothing saved
