"""The voice pack pages as served: the clips a center needs with their state, the microphone rule
explained, the sound settings on the announcements page, and who sees which controls."""
from __future__ import annotations

from server.adapters.announcer import Sound, center_sound
from server.domain.center_rules import validate_setting
from server.extensions import services
from server.models import Center
from tests.support.admin import Api
from tests.support.voice import put_clip, tone_wav


def test_the_pack_page_lists_each_needed_clip_with_its_state_and_explains_the_microphone_rule(app, admin):
    pack_id = admin.post("/api/v1/admin/voice-packs", {"name": "Giọng chị Lan"}).get_json()["id"]
    put_clip(admin, pack_id, "vi", "hai", tone_wav(0.5))
    page = admin.get(f"/admin/c/1/voice-packs/{pack_id}").get_data(as_text=True)
    assert "Xin mời công dân có số thứ tự" in page and "nghìn" in page  # phrases and number words to record
    assert 'data-key="hai"' in page and "Đã thu" in page and "Chưa có" in page
    assert "https://" in page and "localhost" in page  # why the microphone may be refused
    assert "● Thu âm" in page and "⇪ Tải tệp lên" in page
    listing = admin.get("/admin/c/1/voice-packs").get_data(as_text=True)
    assert "Giọng chị Lan" in listing and f"/api/v1/admin/voice-packs/{pack_id}/export" in listing


def test_the_announcements_page_offers_the_sound_settings_and_keeps_what_was_saved(app, admin):
    pack_id = admin.post("/api/v1/admin/voice-packs", {"name": "Giọng tỉnh"}).get_json()["id"]
    saved = admin.put("/api/v1/admin/centers/1/announcements",
                      {"value": {"voice_pack_id": pack_id, "chime": "bell", "volume": 0.7, "rate": 130, "repeat": 2,
                                 "repeat_gap_s": 1.5}})
    assert saved.status_code == 200, saved.get_json()
    page = admin.get("/admin/c/1/announcements").get_data(as_text=True)
    assert f'<option value="{pack_id}" selected>' in page
    assert '<option value="bell" selected>' in page and 'value="0.7"' in page and 'value="130"' in page
    assert 'data-chime="four-tone"' in page and "preview-form" in page


def test_sound_settings_out_of_range_or_an_unknown_pack_are_refused(admin):
    for value in ({"chime": "siren"}, {"volume": 0}, {"volume": 1.5}, {"rate": 20}, {"repeat_gap_s": 9}, {"voice_pack_id": 999},
                  {"voice_pack_id": "abc"}):
        # The page's endpoint and the generic settings section share one check (AdminService.update_setting).
        for url in ("/api/v1/admin/centers/1/announcements", "/api/v1/admin/centers/1/settings/announcements"):
            response = admin.put(url, {"value": value})
            assert response.status_code == 400, (url, value)
            assert response.get_json()["error"]["message_vi"]
    assert admin.put("/api/v1/admin/centers/1/settings/announcements",
                     {"value": {"voice_pack_id": 999}}).get_json()["error"]["code"] == "unknown_voice_pack"


def test_announcement_settings_saved_before_the_sound_fields_read_as_the_defaults(app, admin):
    with services(app).db.write() as s:  # as an older version stored them
        center = s.get(Center, 1)
        center.settings = {**(center.settings or {}), "announcements": {"dialect": "south", "repeat": 2, "templates": {}}}
    with services(app).db.read() as s:
        sound = center_sound(s.get(Center, 1).settings)
    assert sound == Sound(chime="ding-dong", volume=1.0, rate=None, repeat=2, repeat_gap_s=1.0, voice_pack_id=None)
    assert admin.get("/admin/c/1/announcements").status_code == 200
    assert validate_setting("announcements", {"dialect": "south"})["chime"] == "ding-dong"


def test_a_supervisor_may_listen_and_preview_but_not_record(app):
    supervisor = Api(app.test_client(), "giamsat")
    admin = Api(app.test_client(), "admin")
    pack_id = admin.post("/api/v1/admin/voice-packs", {"name": "Giọng phường"}).get_json()["id"]
    page = supervisor.get(f"/admin/c/1/voice-packs/{pack_id}").get_data(as_text=True)
    assert "▶ Nghe" in page and "● Thu âm" not in page
    assert supervisor.put("/api/v1/admin/centers/1/announcements", {"value": {"chime": "bell"}}).status_code == 403
    assert supervisor.get("/api/v1/admin/chimes/bell.wav").mimetype == "audio/wav"
