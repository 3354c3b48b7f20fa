"""Announcements said from a recorded voice pack, checked on the rendered audio itself.

Each clip is a pure tone with its own frequency, so the order of the words can
be read back from the output's spectrum; the fallback engine is a 440 Hz tone.
"""
from __future__ import annotations

import io
import math
import wave
from array import array
from pathlib import Path

import numpy as np
import pytest

from audio import Segment, Synthesizer, announcement_segments, announcement_text
from audio.chime import CHIMES, chime_samples
from audio.fakes import ToneEngine
from audio.mix import AudioFormat
from audio.voicepack import CLIP_RATE, VoicePack, assemble_segment, process_clip, required_clips
from audio.worker import render_job

FALLBACK_HZ = 440.0  # ToneEngine
CALL_1023 = announcement_text("call", "1023", 3)
CALL_KEYS = ["xin mời công dân có số thứ tự", "một", "nghìn", "không", "trăm", "hai", "mươi", "ba", "đến quầy số", "ba"]


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def _frequencies(specs) -> dict[tuple[str, str], float]:
    # 60 Hz apart, and clear of the fallback's 440 Hz and its neighbours.
    freqs = [f for f in (500 + 60 * i for i in range(200))][: len(specs)]
    return {(s.lang, s.key): f for s, f in zip(specs, freqs, strict=True)}


@pytest.fixture(scope="module")
def tone_pack() -> tuple[VoicePack, dict]:
    """Every required clip (with English), each a tone recorded at its own level and with silence around it."""
    specs = required_clips(include_english=True, letters=["A", "B", "L"])
    freqs = _frequencies(specs)
    rng = np.random.default_rng(3)
    clips = {}
    for (lang, key), freq in freqs.items():
        rate, seconds = 44100, 0.18 + 0.04 * len(key.split())
        t = np.arange(int(rate * seconds)) / rate
        voice = rng.uniform(0.02, 0.6) * np.sin(2 * np.pi * freq * t)  # levels vary as real takes do
        pad = np.zeros(int(rate * rng.uniform(0.1, 0.4)))
        clips[(lang, key)] = process_clip(_wav(np.concatenate([pad, voice, pad]), rate))[0]
    return VoicePack("Tone pack", clips), freqs


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float), w.getframerate()


def _chunks(x: np.ndarray, rate: int, *, min_gap_s: float = 0.03) -> list[tuple[int, int]]:
    """(start, end) of the sounding runs, split on silences of at least ``min_gap_s``."""
    window = int(rate * 0.005)
    n = len(x) // window
    loud = np.sqrt(np.mean(x[: n * window].reshape(n, window) ** 2, axis=1)) > 30
    runs, start, quiet = [], None, 0
    for i, is_loud in enumerate(loud):
        if is_loud:
            if start is None:
                start = i
            quiet = 0
            end = i + 1
        elif start is not None:
            quiet += 1
            if quiet * window >= min_gap_s * rate:
                runs.append((start * window, end * window))
                start, quiet = None, 0
    if start is not None:
        runs.append((start * window, end * window))
    return runs


def _dominant_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def _nearest(freq: float, freqs: dict, lang: str = "vi") -> str:
    candidates = {key: f for (clip_lang, key), f in freqs.items() if clip_lang == lang}
    candidates["<engine>"] = FALLBACK_HZ
    key = min(candidates, key=lambda k: abs(candidates[k] - freq))
    assert abs(candidates[key] - freq) < 15, f"{freq:.0f} Hz is no clip's tone"
    return key


def _rms_db(x: np.ndarray) -> float:
    return 20 * math.log10(math.sqrt(np.mean(x**2)))


@pytest.fixture
def synth(cache_dir):
    s = Synthesizer(ToneEngine(rate=22050), cache_dir=cache_dir, timeout=20)
    yield s
    s.close()


def test_the_call_is_said_from_the_clips_in_order_after_the_chime(synth, tone_pack):
    pack, freqs = tone_pack
    result = synth.synthesize(CALL_1023, pack=pack)
    assert result.info["recorded_segments"] == 1
    assert synth.worker_pid is None and synth._worker.starts == 0  # no speech process for a fully recorded call
    x, rate = _read(result.path)
    assert rate == CLIP_RATE
    voice_start = int(result.info["voice_start_s"] * rate)

    chime = x[:voice_start]
    assert _rms_db(chime) > 60  # the chime sounds before the voice ...
    assert _dominant_hz(chime[: int(0.45 * rate)], rate) == pytest.approx(CHIMES["ding-dong"][0][0], abs=5)  # its first note

    voice = x[voice_start:]
    chunks = _chunks(voice, rate)
    assert [_nearest(_dominant_hz(voice[a:b], rate), freqs) for a, b in chunks] == CALL_KEYS
    gaps_ms = [(b2 - e1) / rate * 1000 for (_s1, e1), (b2, _e2) in zip(chunks, chunks[1:], strict=False)]
    assert all(40 <= gap <= 300 for gap in gaps_ms), gaps_ms
    # Numbers follow each other more closely than a phrase and the number after it.
    assert max(gaps_ms[1:7]) < gaps_ms[0]
    levels = [_rms_db(voice[a + 200 : b - 200]) for a, b in chunks]
    assert max(levels) - min(levels) < 1.5, levels  # takes recorded at 0.02–0.6 amplitude all sound alike


def test_a_missing_clip_makes_the_whole_sentence_fall_back_to_the_engine(tone_pack, cache_dir, tmp_path):
    pack, _freqs = tone_pack
    partial = VoicePack("partial", {ident: data for ident, data in pack.clips.items() if ident != ("vi", "nghìn")})
    assert partial.missing(CALL_1023) == ["nghìn"]
    with Synthesizer(ToneEngine(rate=22050), cache_dir=cache_dir) as with_pack:
        fallback = with_pack.synthesize(CALL_1023, pack=partial)
    with Synthesizer(ToneEngine(rate=22050), cache_dir=tmp_path / "other-cache") as engine_only:
        plain = engine_only.synthesize(CALL_1023)
    assert fallback.info["recorded_segments"] == 0
    assert fallback.path.read_bytes() == plain.path.read_bytes()  # exactly the engine's sentence
    x, rate = _read(fallback.path)
    voice = x[int(fallback.info["voice_start_s"] * rate) :]
    assert len(_chunks(voice, rate)) == 1  # one unbroken synthesized sentence, no clip inside it
    assert _dominant_hz(voice, rate) == pytest.approx(FALLBACK_HZ, abs=3)


def test_a_recorded_vietnamese_sentence_and_a_synthesized_english_one_in_order(synth, tone_pack):
    pack, freqs = tone_pack
    vietnamese_only = VoicePack("vi", {ident: data for ident, data in pack.clips.items() if ident[0] == "vi"})
    segments = announcement_segments("call", "B12", 3, include_english=True)
    result = synth.synthesize(segments, pack=vietnamese_only)
    assert result.info["recorded_segments"] == 1
    x, rate = _read(result.path)
    voice = x[int(result.info["voice_start_s"] * rate) :]
    heard = [_nearest(_dominant_hz(voice[a:b], rate), freqs) for a, b in _chunks(voice, rate)]
    assert heard == ["xin mời công dân có số thứ tự", "bê", "mười", "hai", "đến quầy số", "ba", "<engine>"]


def test_an_english_pack_says_the_digits_of_the_english_sentence(synth, tone_pack):
    pack, freqs = tone_pack
    english = announcement_segments("call", "A23", 3, include_english=True)[1]
    result = synth.synthesize([english], pack=pack)
    assert result.info["recorded_segments"] == 1
    x, rate = _read(result.path)
    voice = x[int(result.info["voice_start_s"] * rate) :]
    heard = [_nearest(_dominant_hz(voice[a:b], rate), freqs, "en") for a, b in _chunks(voice, rate)]
    assert heard == ["ticket number", "a", "twenty", "three", "please go to counter", "three"]


def test_recorded_announcements_are_cached_by_pack_and_format(synth, tone_pack):
    pack, _freqs = tone_pack
    first = synth.synthesize(CALL_1023, pack=pack)
    again = synth.synthesize(CALL_1023, pack=pack)
    assert not first.from_cache and again.from_cache and again.path == first.path
    assert synth.assemblies == 1 and synth.cache_hits == 1

    one_clip_changed = dict(pack.clips)
    one_clip_changed[("vi", "ba")] = pack.clips[("vi", "hai")]
    changed = VoicePack(pack.name, one_clip_changed)
    assert synth.key_for(CALL_1023, pack=changed) != first.key
    assert synth.key_for(CALL_1023, pack=pack, fmt=AudioFormat(chime="bell")) != first.key
    assert synth.key_for(CALL_1023, pack=pack, rate=200) == first.key  # nothing synthesized: the rate changes nothing
    assert synth.key_for("chưa ghi âm", rate=200) != synth.key_for("chưa ghi âm")


def test_repeat_says_the_voice_twice_after_one_chime(synth, tone_pack):
    pack, _freqs = tone_pack
    once = synth.synthesize(CALL_1023, pack=pack)
    twice = synth.synthesize(CALL_1023, pack=pack, fmt=AudioFormat(repeat=2, repeat_gap_s=0.8))
    x1, rate = _read(once.path)
    x2, _ = _read(twice.path)
    voice_s = once.info["voice_s"]
    assert (len(x2) - len(x1)) / rate == pytest.approx(voice_s + 0.8, abs=0.002)
    start = int(twice.info["voice_start_s"] * rate)
    first, second = x2[start : start + int(voice_s * rate)], x2[start + int((voice_s + 0.8) * rate) :][: int(voice_s * rate)]
    assert np.array_equal(first, second)
    assert np.max(np.abs(x2[start + int(voice_s * rate) + 50 : start + int((voice_s + 0.8) * rate) - 50])) == 0


def test_half_volume_is_six_db_quieter_and_never_clips(synth, tone_pack):
    pack, _freqs = tone_pack
    full = synth.synthesize(CALL_1023, pack=pack)
    half = synth.synthesize(CALL_1023, pack=pack, fmt=AudioFormat(volume=0.5))
    x_full, _ = _read(full.path)
    x_half, _ = _read(half.path)
    assert _rms_db(x_half) - _rms_db(x_full) == pytest.approx(-6.02, abs=0.1)
    assert np.max(np.abs(x_full)) <= 32767 * 10 ** (-1 / 20) + 1


@pytest.mark.parametrize("bad", [{"volume": 0.0}, {"volume": 1.5}, {"repeat": 0}, {"repeat": 9}, {"chime": "gong"}])
def test_out_of_range_sound_settings_are_refused(bad):
    with pytest.raises(ValueError):
        AudioFormat(**bad)


@pytest.mark.parametrize("kind", ["bell", "four-tone"])
def test_the_new_chimes_ring_their_notes(kind):
    samples = np.frombuffer(chime_samples(CLIP_RATE, kind).tobytes(), dtype=np.int16).astype(float)
    notes = CHIMES[kind]
    assert len(samples) / CLIP_RATE == pytest.approx(max(s + n for _f, s, n in notes), abs=0.01)
    last_freq, last_start, _ = notes[-1]
    tail = samples[int((last_start + 0.05) * CLIP_RATE) : int((last_start + 0.35) * CLIP_RATE)]
    assert _dominant_hz(tail, CLIP_RATE) == pytest.approx(last_freq, abs=5)


class _RatedTone(ToneEngine):
    """A tone engine whose word length follows the words-per-minute asked (as espeak's rate does)."""

    def with_rate(self, rate: int) -> _RatedTone:
        return _RatedTone(seconds_per_word=60 / rate, rate=self.rate)


def test_the_rate_applies_to_synthesized_segments_only(tmp_path, tone_pack):
    pack, _freqs = tone_pack
    engine, engines = _RatedTone(rate=22050), {("vi", None): _RatedTone(rate=22050)}
    fmt = AudioFormat(chime=None)
    text = "một hai ba bốn năm sáu"
    slow = render_job(engine, engines, [(text, "vi")], tmp_path / "slow.wav", fmt, rate=90)
    fast = render_job(engine, engines, [(text, "vi")], tmp_path / "fast.wav", fmt, rate=180)
    assert slow["voice_s"] == pytest.approx(2 * fast["voice_s"], rel=0.05)
    recorded = [(text, "vi", array("h", bytes(200)).tobytes() + _clip_samples(pack, "một"))]
    same_a = render_job(engine, engines, recorded, tmp_path / "a.wav", fmt, rate=90)
    same_b = render_job(engine, engines, recorded, tmp_path / "b.wav", fmt, rate=180)
    assert same_a["voice_s"] == same_b["voice_s"]


def _clip_samples(pack: VoicePack, key: str) -> bytes:
    return pack.samples("vi", key).tobytes()


def test_assemble_segment_writes_the_clips_with_the_gaps(tmp_path, tone_pack):
    pack, _freqs = tone_pack
    keys = ["một", "hai", "đến quầy số"]
    seconds = assemble_segment([pack.clips[("vi", k)] for k in keys], tmp_path / "s.wav", keys=keys)
    x, rate = _read(tmp_path / "s.wav")
    clip_s = sum(len(pack.samples("vi", k)) for k in keys) / CLIP_RATE
    assert seconds == pytest.approx(len(x) / rate) == pytest.approx(clip_s + 0.06 + 0.15, abs=0.001)


def test_plain_text_in_the_engine_language_uses_the_pack_too(synth, tone_pack):
    pack, _freqs = tone_pack
    result = synth.synthesize([Segment("Đến quầy số ba", "vi")], pack=pack)
    assert result.info["recorded_segments"] == 1
