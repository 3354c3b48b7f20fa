"""The announcement endpoints: a call's sentence, its chime + voice WAV (real espeak-ng), the cache,
pre-warming when a call is published, and a failing voice that raises an alert instead of a stack trace."""

from __future__ import annotations

import io
import wave

import pytest

from audio import EspeakEngine, Synthesizer, announcement_segments, announcement_text, wav_info
from server.adapters.announcer import announcer_for
from server.app import services
from tests.support.display import issue, pickup_ticket, recent_call_ids


def _call_one(client, clerks, service: str = "TPHT", counter: int = 1) -> int:
    issue(client, service)
    clerks.call_next(counter)
    return recent_call_ids(client)[-1]


def test_the_wav_is_a_real_announcement_and_the_second_fetch_comes_from_the_cache(app, client, clerks, tmp_path):
    voice = Synthesizer(EspeakEngine(), cache_dir=tmp_path / "voice", timeout=20)
    try:
        announcer_for(app).use_synthesizer(voice)
        event_id = _call_one(client, clerks)

        first = client.get(f"/api/v1/announcements/{event_id}.wav")
        assert first.status_code == 200 and first.mimetype == "audio/wav"
        assert "max-age" in first.headers["Cache-Control"]
        path = tmp_path / "call.wav"
        path.write_bytes(first.data)
        duration, rms = wav_info(path)
        assert 2.0 <= duration <= 15.0
        assert rms > 300  # speech and chime, not silence
        with wave.open(io.BytesIO(first.data)) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2

        second = client.get(f"/api/v1/announcements/{event_id}.wav")
        assert second.status_code == 200 and second.data == first.data
        assert second.headers["X-Audio-Cache"] == "hit"
        assert voice.syntheses == 1  # made once (pre-warmed at the call, or at the first fetch), never again
        assert voice.cache_hits >= 1
    finally:
        voice.close()


def test_the_sentence_says_the_number_and_the_counter_and_a_recall_says_it_again(app, client, clerks):
    event_id = _call_one(client, clerks, "DD", 3)
    said = client.get(f"/api/v1/announcements/{event_id}").get_json()
    assert said["kind"] == "call" and said["counter_number"] == 3
    assert said["text"] == announcement_text("call", said["number"], 3)
    assert said["wav_url"] == f"/api/v1/announcements/{event_id}.wav"

    clerks.post(3, "recall")
    recall_id = recent_call_ids(client)[-1]
    again = client.get(f"/api/v1/announcements/{recall_id}").get_json()
    assert recall_id > event_id and again["kind"] == "recall"
    assert again["text"].startswith("Xin nhắc lại") and again["number"] == said["number"]


def test_only_call_events_have_an_announcement(client, clerks):
    event_id = _call_one(client, clerks)
    clerks.post(1, "start")
    start_id = event_id + 1
    for path in (f"/api/v1/announcements/{start_id}.wav", "/api/v1/announcements/999999", "/api/v1/announcements/999999.wav"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "unknown_call"


def test_a_published_call_is_prepared_before_any_board_asks(speaking_app, client, clerks, voice):
    announcer = announcer_for(speaking_app)
    before = announcer.prewarmed
    event_id = _call_one(client, clerks, "VHXH", 5)
    assert announcer.wait_prewarmed()  # handed to the synthesizer by the announcer's worker
    assert announcer.prewarmed == before + 1
    segments = announcer.for_event(event_id).segments
    voice.prepare(segments).result(timeout=20)  # the pre-warm's own future (shared while in flight)
    assert voice.cached_path(segments) is not None
    assert client.get(f"/api/v1/announcements/{event_id}.wav").headers["X-Audio-Cache"] == "hit"


def test_a_broken_voice_answers_503_in_json_and_alerts_the_supervisors(app, client, clerks, tmp_path):
    broken = Synthesizer(
        EspeakEngine(binary=str(tmp_path / "no-espeak-here")), cache_dir=tmp_path / "voice", timeout=5, start_timeout=10
    )
    try:
        announcer_for(app).use_synthesizer(broken)
        event_id = _call_one(client, clerks)
        response = client.get(f"/api/v1/announcements/{event_id}.wav")
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "voice_unavailable" and error["message_vi"] and error["message_en"]
        alerts = services(app).alerts.open_alerts(1)
        assert [a["kind"] for a in alerts if a["kind"] == "voice_failed"] == ["voice_failed"]
    finally:
        broken.close()


def test_the_voice_settings_saved_in_the_administration_shape_what_is_said(app, client, clerks):
    """Southern number words, English after Vietnamese and saying it twice, as an admin sets them
    on the voice page, are what the next call says."""
    from tests.support.demo import login

    admin = app.test_client()
    csrf = login(admin, "admin")
    saved = admin.put(
        "/api/v1/admin/centers/1/settings/announcements",
        headers={"X-CSRF-Token": csrf},
        json={"value": {"dialect": "south", "english": True, "repeat": 2}},
    )
    assert saved.status_code == 200, saved.get_json()

    issue(client, "DD")
    clerks.call_next(3)
    said = client.get(f"/api/v1/announcements/{recent_call_ids(client)[-1]}").get_json()
    assert said["number"] == "2001"
    once = [segment.text for segment in announcement_segments("call", "2001", 3, dialect="south", include_english=True)]
    assert said["text"] == ". ".join(once * 2)
    assert said["text"].count("hai ngàn không trăm lẻ một") == 2  # southern words; the north says "nghìn", "linh"
    assert "counter" in said["text"].lower()


def test_the_server_voice_speed_and_volume_come_from_the_environment():
    from server.bootstrap import server_speech_engine
    from server.config import ConfigError
    from tests.support.settings import settings_from_env

    engine = server_speech_engine(
        settings_from_env(
            {
                "MOTCUA_VOICE_ENGINE": "espeak",
                "MOTCUA_VOICE_RATE": "120",  # slower, for an elderly public
                "MOTCUA_VOICE_VOLUME": "0.8",
            }
        )
    )
    assert (engine.name, engine.voice, engine.rate, engine.volume) == ("espeak-ng", "vi", 120, 0.8)

    engine = server_speech_engine(settings_from_env({"MOTCUA_VOICE_ENGINE": "pyttsx3", "MOTCUA_VOICE_VOLUME": "7"}))
    assert (engine.name, engine.rate, engine.volume) == ("pyttsx3", 160, 1.0)  # clamped to full volume
    # A typo stops the start with a message naming it, not a crash at the first call.
    with pytest.raises(ConfigError, match="MOTCUA_VOICE_RATE='fast'"):
        settings_from_env({"MOTCUA_VOICE_RATE": "fast"})


def test_a_result_pickup_is_said_and_shown_by_the_number_on_its_pickup_ticket(app, client, clerks, tmp_path):
    """The kiosk told the citizen "8001": the voice says 8001 (not the dossier's 0001, which repeats
    every day), and every screen gets that number with the dossier code for its second line."""
    voice = Synthesizer(EspeakEngine(), cache_dir=tmp_path / "voice", timeout=20)
    reference = Synthesizer(EspeakEngine(), cache_dir=tmp_path / "reference", timeout=20)
    try:
        announcer_for(app).use_synthesizer(voice)
        code, ticket = pickup_ticket(app)
        assert ticket["number"] == "8001"
        clerks.call_next(7)
        event_id = recent_call_ids(client)[-1]

        said = client.get(f"/api/v1/announcements/{event_id}").get_json()
        assert said["kind"] == "pickup" and said["number"] == "8001" and said["dossier_code"] == code
        assert said["text"] == "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"

        # The WAV is that sentence: the same engine saying it on its own gives the same audio, and
        # the old "hồ sơ số một" sentence does not.
        wav = client.get(f"/api/v1/announcements/{event_id}.wav")
        assert wav.status_code == 200 and wav.mimetype == "audio/wav"
        path = tmp_path / "pickup.wav"
        path.write_bytes(wav.data)
        duration, level = wav_info(path)
        assert 3.0 <= duration <= 15.0 and level > 300
        expected = reference.wav_for(announcement_segments("pickup", "8001", 7))
        assert wav.data == expected.read_bytes()
        old = reference.wav_for("Xin mời công dân có hồ sơ số một đến quầy số bảy nhận kết quả")
        assert wav.data != old.read_bytes()

        # The snapshot a board gets on (re)connect tells the same: the ticket's number, a pickup, its code.
        snapshot = client.get("/api/v1/centers/1/queue").get_json()
        call = next(c for c in snapshot["recent_calls"] if c["event_id"] == event_id)
        assert call["number"] == "8001" and call["announcement"] == "pickup" and call["dossier_code"] == code
        counter = next(c for c in snapshot["counters"] if c["number"] == 7)
        assert counter["current"]["number"] == "8001" and counter["current"]["dossier_code"] == code
    finally:
        voice.close()
        reference.close()


def test_the_called_event_of_a_pickup_carries_the_ticket_number_and_the_dossier_code(app, clerks):
    from server.adapters.realtime import socketio

    code, _ticket = pickup_ticket(app)
    watcher = socketio.test_client(app, auth={"center_id": 1})
    watcher.get_received()
    clerks.call_next(7)
    called = next(m["args"][0] for m in watcher.get_received() if m["name"] == "ticket_called")
    assert called["announcement"] == "pickup" and called["number"] == "8001"
    assert called["ticket"]["dossier_code"] == code and called["counter"]["number"] == 7
    watcher.disconnect()
