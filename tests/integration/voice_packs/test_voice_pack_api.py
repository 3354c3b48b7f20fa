"""Voice packs through the admin API: create a pack, record, replace, listen to and delete clips
(real audio, measured), refuse unusable audio and hostile pack files with a bilingual 4xx, export
and import a pack, and who may do what (roles, CSRF)."""
from __future__ import annotations

import io
import zipfile

from server.domain.voice_packs import load_pack
from server.extensions import services
from tests.support.admin import Api, last_audit
from tests.support.voice import clip_url, fill_pack, put_clip, tone_wav, wav_seconds

PACKS = "/api/v1/admin/voice-packs"


def _new_pack(admin, name: str = "Giọng chị Lan") -> int:
    response = admin.post(PACKS, {"name": name, "description": "Thu tại phường Hoàn Kiếm"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _status(admin, pack_id: int) -> dict[tuple[str, str], dict]:
    rows = admin.get(f"{PACKS}/{pack_id}/status?center_id=1").get_json()
    return {(row["lang"], row["key"]): row for row in rows}


def test_a_recorded_clip_is_trimmed_resampled_listed_replaced_and_deleted(app, admin):
    pack_id = _new_pack(admin)
    status = _status(admin, pack_id)
    assert ("vi", "đến quầy số") in status and ("vi", "nghìn") in status  # the demo center's templates, northern words
    assert not any(row["recorded"] for row in status.values())

    # 0.6 s of voice inside 0.3 s of silence each side, 44.1 kHz stereo, as a microphone gives it.
    saved = put_clip(admin, pack_id, "vi", "đến quầy số", tone_wav(0.6, rate=44100, channels=2))
    assert saved.status_code == 200, saved.get_json()
    assert 550 <= saved.get_json()["duration_ms"] <= 700  # the silence is trimmed off
    row = _status(admin, pack_id)[("vi", "đến quầy số")]
    assert row["recorded"] and row["source"] == "recorded" and row["label"]

    heard = admin.get(clip_url(pack_id, "vi", "đến quầy số"))
    assert heard.status_code == 200 and heard.mimetype == "audio/wav"
    seconds, rate, channels = wav_seconds(heard.data)
    assert (rate, channels) == (22050, 1) and 0.55 <= seconds <= 0.7
    assert last_audit(app).entity == "voice_clip" and "đến quầy số" in last_audit(app).summary

    replaced = put_clip(admin, pack_id, "vi", "đến quầy số", tone_wav(1.2, rate=48000))
    assert 1150 <= replaced.get_json()["duration_ms"] <= 1300
    assert wav_seconds(admin.get(clip_url(pack_id, "vi", "đến quầy số")).data)[0] > 1.1
    assert last_audit(app).action == "update"

    gone = admin.client.delete(clip_url(pack_id, "vi", "đến quầy số"), headers={"X-CSRF-Token": admin.csrf})
    assert gone.status_code == 204
    assert not _status(admin, pack_id)[("vi", "đến quầy số")]["recorded"]
    assert admin.get(clip_url(pack_id, "vi", "đến quầy số")).status_code == 404


def test_a_file_upload_is_accepted_as_a_form(admin):
    pack_id = _new_pack(admin)
    response = admin.client.put(clip_url(pack_id, "vi", "một"), headers={"X-CSRF-Token": admin.csrf},
                                data={"file": (io.BytesIO(tone_wav(0.4)), "mot.wav"), "source": "uploaded"},
                                content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["source"] == "uploaded"


def test_unusable_audio_is_refused_with_the_reason_in_both_languages(admin):
    pack_id = _new_pack(admin)
    cases = {
        "not audio": (b"this is not a sound file" * 20, 422),
        "silence": (tone_wav(1.0, amplitude=0), 422),
        "twenty seconds": (tone_wav(20.0, rate=8000), 422),
        "nothing": (b"", 400),
    }
    for name, (data, status) in cases.items():
        response = put_clip(admin, pack_id, "vi", "một", data)
        assert response.status_code == status, name
        error = response.get_json()["error"]
        assert error["message_vi"] and error["message_en"] and error["message_vi"] != error["message_en"], name
    assert put_clip(admin, pack_id, "vi", "Một!", tone_wav()).status_code == 400  # not a clip key: upper case, punctuation
    assert put_clip(admin, pack_id, "fr", "un", tone_wav()).status_code == 400
    too_big = put_clip(admin, pack_id, "vi", "một", b"\0" * (10 * 1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert not _status(admin, pack_id)[("vi", "một")]["recorded"]


def test_export_then_import_gives_a_second_pack_with_the_same_clips(app, admin):
    pack_id = _new_pack(admin, "Giọng tỉnh")
    put_clip(admin, pack_id, "vi", "một", tone_wav(0.3, freq=500))
    put_clip(admin, pack_id, "vi", "hai", tone_wav(0.4, freq=600))

    exported = admin.get(f"{PACKS}/{pack_id}/export")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    assert "Gi%E1%BB%8Dng%20t%E1%BB%89nh" in exported.headers["Content-Disposition"]  # named after the pack
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(exported.data)).namelist()

    imported = admin.client.post(f"{PACKS}/import", headers={"X-CSRF-Token": admin.csrf},
                                 data={"file": (io.BytesIO(exported.data), "pack.zip")}, content_type="multipart/form-data")
    assert imported.status_code == 201, imported.get_json()
    copy = imported.get_json()
    assert copy["name"] == "Giọng tỉnh (2)" and copy["clip_count"] == 2  # the name was taken: a number is added
    db = services(app).db
    assert load_pack(db, copy["id"]).fingerprint == load_pack(db, pack_id).fingerprint
    clips = admin.get(f"{PACKS}/{copy['id']}").get_json()["clips"]
    assert {c["source"] for c in clips} == {"imported"}


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_hostile_or_broken_pack_file_is_refused_and_creates_nothing(admin):
    manifest = b'{"format": "motcua-voicepack", "version": 1, "name": "x", "rate": 22050, "clips": ' \
               b'[{"lang": "vi", "key": "m\\u1ed9t", "file": "../../etc/passwd", "duration_s": 1}]}'
    hostile = {
        "not a zip": b"PK\x03\x04 garbage",
        "no manifest": _zip({"clips/vi/0.wav": tone_wav()}),
        "path traversal": _zip({"manifest.json": manifest, "../../etc/passwd": tone_wav()}),
        "wrong format": _zip({"manifest.json": b'{"format": "something-else", "version": 1}'}),
    }
    before = len(admin.get(PACKS).get_json())
    for name, data in hostile.items():
        response = admin.client.post(f"{PACKS}/import", data=data, headers={"X-CSRF-Token": admin.csrf})
        assert 400 <= response.status_code < 500, name
        assert response.get_json()["error"]["message_vi"], name
    assert len(admin.get(PACKS).get_json()) == before


def test_only_administrators_change_packs_and_a_session_needs_its_csrf_token(app, admin):
    pack_id = _new_pack(admin)
    supervisor = Api(app.test_client(), "giamsat")  # a browser of their own: one client holds one session
    assert supervisor.get(PACKS).status_code == 200  # supervisors may look and listen
    assert supervisor.post(PACKS, {"name": "Của giám sát"}).status_code == 403
    assert put_clip(supervisor, pack_id, "vi", "một", tone_wav()).status_code == 403
    no_token = admin.client.put(clip_url(pack_id, "vi", "một"), data=tone_wav())
    assert no_token.status_code == 403 and no_token.get_json()["error"]["code"] == "csrf_failed"
    anonymous = app.test_client()
    assert anonymous.get(PACKS).status_code == 401
    assert anonymous.put(clip_url(pack_id, "vi", "một"), data=tone_wav()).status_code == 401


def test_a_pack_in_use_cannot_be_deleted_until_the_center_chooses_another(admin):
    pack_id = _new_pack(admin)
    chosen = admin.put("/api/v1/admin/centers/1/announcements", {"value": {"voice_pack_id": pack_id}})
    assert chosen.status_code == 200, chosen.get_json()
    refused = admin.client.delete(f"{PACKS}/{pack_id}", headers={"X-CSRF-Token": admin.csrf})
    assert refused.status_code == 409 and "Hoàn Kiếm" in refused.get_json()["error"]["message_vi"]
    admin.put("/api/v1/admin/centers/1/announcements", {"value": {"voice_pack_id": None}})
    assert admin.client.delete(f"{PACKS}/{pack_id}", headers={"X-CSRF-Token": admin.csrf}).status_code == 204
    assert admin.get(f"{PACKS}/{pack_id}").status_code == 404


def test_coverage_names_what_a_pack_lacks_until_it_is_complete(admin):
    pack_id = _new_pack(admin)
    empty = admin.get(f"{PACKS}/{pack_id}/coverage?center_id=1").get_json()
    assert not empty["full"] and empty["sentences"] and not any(s["full"] for s in empty["sentences"])
    assert {s["kind"] for s in empty["sentences"]} == {"call", "recall", "pickup"}
    assert empty["sentences"][0]["missing"][:2] == ["Xin mời công dân có số thứ tự", "một"]

    fill_pack(admin, pack_id, skip=("nhận kết quả",))
    partial = admin.get(f"{PACKS}/{pack_id}/coverage?center_id=1").get_json()
    by_kind = {}
    for sentence in partial["sentences"]:
        by_kind.setdefault(sentence["kind"], []).append(sentence)
    assert all(s["full"] for s in by_kind["call"]) and all(s["full"] for s in by_kind["recall"])
    # The sentence names the clip it lacks, as the admin must record it, not its loose words.
    assert not by_kind["pickup"][0]["full"] and by_kind["pickup"][0]["missing"] == ["nhận kết quả"]
    assert partial["missing_clips"] == [{"lang": "vi", "key": "nhận kết quả"}]
