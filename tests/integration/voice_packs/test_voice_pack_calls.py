"""A center's recorded voice on real calls: a call its pack covers is made from the clips with no
speech process at all; a sentence missing one clip is said by the synthesizer; the pre-warm and
the board's request meet in one cache entry; and the center's sound settings (chime, volume,
repeats) shape the WAV, measured."""
from __future__ import annotations

import pytest

from audio import Synthesizer, wav_info
from audio.fakes import ToneEngine
from server.adapters.announcer import announcer_for
from tests.support.admin import Api
from tests.support.display import issue, recent_call_ids
from tests.support.voice import fill_pack, wav_seconds

PACKS = "/api/v1/admin/voice-packs"


@pytest.fixture
def own_admin(app) -> Api:
    """The demo's administrator in a browser of their own (the ``client`` is the kiosk's, signed out)."""
    return Api(app.test_client(), "admin")


@pytest.fixture
def app_synth(app, tmp_path):
    """A synthesizer with a tone engine behind the app's announcer: its worker starts only if something is synthesized."""
    synthesizer = Synthesizer(ToneEngine(), cache_dir=tmp_path / "voice", timeout=20)
    announcer_for(app).use_synthesizer(synthesizer)
    yield synthesizer
    synthesizer.close()


def _center_uses(own_admin, pack_id: int | None, **sound) -> None:
    saved = own_admin.put("/api/v1/admin/centers/1/announcements", {"value": {"voice_pack_id": pack_id, **sound}})
    assert saved.status_code == 200, saved.get_json()


def _call(client, clerks) -> int:
    issue(client, "TPHT")
    clerks.call_next(1)
    return recent_call_ids(client)[-1]


def test_a_call_the_pack_covers_is_said_from_the_clips_with_no_speech_process(app, client, own_admin, clerks, app_synth):
    pack_id = own_admin.post(PACKS, {"name": "Giọng phường"}).get_json()["id"]
    fill_pack(own_admin, pack_id)
    _center_uses(own_admin, pack_id)

    event_id = _call(client, clerks)
    announcement = announcer_for(app).for_event(event_id)
    result = announcer_for(app).wav(announcement)
    # Made once, from the clips (by the pre-warm or by this request, whichever came first).
    assert (app_synth.assemblies, app_synth.syntheses) == (1, 0)
    assert app_synth.worker_pid is None  # no speech worker was ever started
    duration, rms = wav_info(result.path)
    assert duration > 2.0 and rms > 300

    served = client.get(f"/api/v1/announcements/{event_id}.wav")
    assert served.status_code == 200 and served.headers["X-Audio-Cache"] == "hit"  # the same key as wav() asked for


def test_a_sentence_missing_one_clip_falls_back_to_the_synthesizer(app, client, own_admin, clerks, app_synth):
    pack_id = own_admin.post(PACKS, {"name": "Thiếu một từ"}).get_json()["id"]
    fill_pack(own_admin, pack_id, skip=("đến quầy số",))
    _center_uses(own_admin, pack_id)

    result = announcer_for(app).wav(announcer_for(app).for_event(_call(client, clerks)))
    assert (app_synth.assemblies, app_synth.syntheses) == (0, 1)  # the engine said the whole sentence
    assert app_synth.worker_pid is not None and wav_info(result.path)[0] > 1.0


def test_the_pre_warm_and_the_board_ask_for_the_same_wav(app, client, own_admin, clerks, app_synth):
    pack_id = own_admin.post(PACKS, {"name": "Giọng phường"}).get_json()["id"]
    fill_pack(own_admin, pack_id)
    _center_uses(own_admin, pack_id, chime="bell", volume=0.5, repeat=2, repeat_gap_s=0.5)
    event_id = _call(client, clerks)  # published: the announcer (given a synthesizer) prepares it at once
    assert announcer_for(app).wait_prewarmed() and announcer_for(app).prewarmed == 1
    served = client.get(f"/api/v1/announcements/{event_id}.wav")
    assert served.status_code == 200
    assert app_synth.assemblies == 1 and app_synth.syntheses == 0  # the board's request joined (or found) the pre-warmed one
    assert client.get(f"/api/v1/announcements/{event_id}.wav").headers["X-Audio-Cache"] == "hit"


def test_repeats_and_volume_shape_the_wav(app, own_admin, app_synth):
    pack_id = own_admin.post(PACKS, {"name": "Giọng phường"}).get_json()["id"]
    fill_pack(own_admin, pack_id)
    _center_uses(own_admin, pack_id, chime="none", repeat=1)
    once = own_admin.post("/api/v1/admin/centers/1/announcement-preview", {"number": "1023", "counter": 3}).get_json()
    _center_uses(own_admin, pack_id, chime="none", repeat=2, repeat_gap_s=2.0, volume=0.5)
    twice = own_admin.post("/api/v1/admin/centers/1/announcement-preview", {"number": "1023", "counter": 3}).get_json()

    one, two = own_admin.get(once["wav_url"]), own_admin.get(twice["wav_url"])
    assert one.status_code == two.status_code == 200
    single, double = wav_seconds(one.data)[0], wav_seconds(two.data)[0]
    voice = single - 0.3  # the tail
    assert double == pytest.approx(single + voice + 2.0, abs=0.15)  # the voice again after a 2 s pause
    assert twice["text"].count("một nghìn không trăm hai mươi ba") == 2
    assert once["recorded_segments"] == 1 and once["missing"][0]["missing"] == []
