"""Recording a voice pack clip in a real browser: Chromium's fake microphone is recorded with
MediaRecorder, decoded and encoded as WAV in the page, saved, and then heard in the call preview
(the page's audio element really plays, and the served WAV is as long as its clips say)."""
from __future__ import annotations

import io
import wave

import pytest

from audio.chime import CHIMES
from audio.voicepack import import_pack
from tests.support.admin_browser import admin_login, run_browser, shot
from tests.support.demo import DEMO_PASSWORD
from tests.support.server_process import login_session
from tests.support.voice import clip_url, tone_wav

pytestmark = pytest.mark.browser

RECORDED = "đến quầy số"  # the clip the browser records; every other word of the call is uploaded first


def _seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def test_a_clip_recorded_from_the_microphone_is_saved_and_heard_in_the_preview(demo_server, fake_mic_browser):
    base = demo_server.url
    api = login_session(base, "admin", DEMO_PASSWORD)
    pack_id = api.post(f"{base}/api/v1/admin/voice-packs", json={"name": "Giọng thu trên trình duyệt"}, timeout=5).json()["id"]
    status = api.get(f"{base}/api/v1/admin/voice-packs/{pack_id}/status?center_id=1", timeout=5).json()
    for n, clip in enumerate(c for c in status if c["key"] != RECORDED):
        body = tone_wav(0.25, freq=300 + 15 * n, rate=22050, pad_s=0.05)
        response = api.put(base + clip_url(pack_id, clip["lang"], clip["key"]) + "?filename=t.wav", data=body, timeout=10)
        assert response.status_code == 200, response.text

    def scenario(context):
        page = context.new_page()
        admin_login(page, base, next_path=f"/admin/c/1/voice-packs/{pack_id}")
        assert page.locator("#mic-missing").is_hidden()  # 127.0.0.1 is a secure origin: the microphone is offered
        row = page.locator(f"tr.clip[data-key='{RECORDED}']")
        assert row.locator(".clip-status").inner_text() == "Chưa có"

        row.locator(".rec").click()
        page.wait_for_selector(f"tr.clip.recording[data-key='{RECORDED}']")
        page.wait_for_timeout(1500)  # the take itself: a second and a half of the fake microphone's beeps
        row.locator(".stop").click()
        status_js = f"document.querySelector(\"tr.clip[data-key='{RECORDED}'] .clip-status\").textContent"
        page.wait_for_function(f"{status_js} === 'Đã thu'", timeout=15000)
        assert row.locator(".play").is_enabled()
        shot(page, "voice-pack-recorded", full_page=True)

        saved = api.get(base + clip_url(pack_id, "vi", RECORDED), timeout=5)
        assert saved.status_code == 200
        with wave.open(io.BytesIO(saved.content)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
            assert 0.2 <= w.getnframes() / w.getframerate() <= 1.6  # trimmed to the beeps of a 1.5 s take

        page.fill("#preview-form input[name=number]", "1023")
        page.fill("#preview-form input[name=counter]", "3")
        page.click("#preview-form button[type=submit]")
        # Playing and moving on is proof enough; the whole file's length is measured below.
        page.wait_for_function("window.previewState && window.previewState.playing"
                               " && document.getElementById('preview-audio').currentTime > 0.2", timeout=20000)
        played = page.evaluate("({playing: window.previewState.playing, t: document.getElementById('preview-audio').currentTime,"
                               " d: document.getElementById('preview-audio').duration, r: window.previewState.response})")
        assert played["playing"] and played["t"] > 0
        assert played["r"]["recorded_segments"] == 1 and played["r"]["missing"][0]["missing"] == []
        assert "Đọc trọn bằng giọng thu" in page.inner_text("#preview-source")
        shot(page, "voice-pack-preview")

        # Opened over plain http from another PC, the browser offers no microphone: the page says so.
        plain = context.new_page()
        plain.add_init_script("Object.defineProperty(Navigator.prototype, 'mediaDevices', {get: () => undefined})")
        plain.goto(f"{base}/admin/c/1/voice-packs/{pack_id}")
        assert plain.locator("#mic-missing").is_visible()
        assert "https" in plain.inner_text("#mic-missing") and plain.locator("tr.clip .rec").first.is_disabled()
        return played

    played = run_browser(fake_mic_browser, scenario)

    # The served WAV: chime, then exactly the sentence's clips with short gaps, then the tail.
    wav = api.get(base + played["r"]["wav_url"], timeout=5)
    assert wav.status_code == 200 and wav.headers["Content-Type"].startswith("audio/wav")
    total = _seconds(wav.content)
    assert total == pytest.approx(played["d"], abs=0.05)  # what the page played is this file
    pack = import_pack(api.get(f"{base}/api/v1/admin/voice-packs/{pack_id}/export", timeout=5).content)
    keys = pack.clip_sequence(played["r"]["text"], "vi")
    assert RECORDED in keys
    durations = pack.durations()
    clips = sum(durations[("vi", k)] for k in keys)
    chime = max(start + length for _f, start, length in CHIMES["ding-dong"])
    assert clips + chime < total < clips + chime + 0.3 + 0.3 + 0.2 * len(keys) + 0.1
