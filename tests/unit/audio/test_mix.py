"""Chime, loudness and the assembled announcement file (no speech engine needed)."""
from __future__ import annotations

import math
import wave
from array import array

import pytest

from audio.chime import C5, E5, G5, chime_samples
from audio.errors import SilentOutputError
from audio.fakes import SilentEngine, ToneEngine
from audio.mix import AudioFormat, render_announcement
from audio.wavio import (
    dbfs_to_amplitude,
    normalize_loudness,
    peak,
    read_wav,
    resample_linear,
    rms,
    silence,
    trim_silence,
    wav_info,
    write_wav,
)
from tests.support.sound import tone_power, window

RATE = 22050


def sine(freq: float, seconds: float, amplitude: float, rate: int = RATE) -> array:
    return array("h", (int(amplitude * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(seconds * rate))))


def dominant(samples: array, rate: int, candidates: list[float]) -> float:
    return max(candidates, key=lambda f: tone_power(samples, rate, f))


# ----------------------------------------------------------------- chime


def test_ding_dong_is_e_then_c():
    chime = chime_samples(RATE, "ding-dong")
    assert 1.4 <= len(chime) / RATE <= 2.0
    assert dominant(window(chime, RATE, 0.02, 0.45), RATE, [C5, E5, G5]) == E5
    assert dominant(window(chime, RATE, 0.65, 1.4), RATE, [C5, E5, G5]) == C5


def test_three_tone_rises_c_e_g():
    chime = chime_samples(RATE, "three-tone")
    notes = [dominant(window(chime, RATE, a, b), RATE, [C5, E5, G5]) for a, b in [(0.02, 0.3), (0.4, 0.65), (0.8, 1.2)]]
    assert notes == [C5, E5, G5]


def test_chime_level_and_determinism():
    chime = chime_samples(RATE, peak_dbfs=-4.0)
    assert abs(peak(chime) - dbfs_to_amplitude(-4.0)) <= 2
    assert chime == chime_samples(RATE, peak_dbfs=-4.0)
    assert abs(chime[0]) < 50  # soft onset, no click
    assert abs(chime[-1]) < 50  # faded out


def test_chime_is_made_at_any_rate():
    for rate in (16000, 22050, 44100, 48000):
        chime = chime_samples(rate)
        assert abs(len(chime) / rate - len(chime_samples(RATE)) / RATE) < 0.01
        assert dominant(window(chime, rate, 0.02, 0.45), rate, [C5, E5]) == E5


def test_unknown_chime():
    with pytest.raises(ValueError, match="unknown chime"):
        chime_samples(RATE, "fanfare")


# ----------------------------------------------------------------- levels


def test_quiet_speech_is_raised_to_the_target_rms():
    quiet = sine(300, 1.0, 500)
    louder = normalize_loudness(quiet, target_rms_dbfs=-18, peak_dbfs=-1)
    assert rms(louder) == pytest.approx(dbfs_to_amplitude(-18), rel=0.02)


def test_peak_ceiling_wins_over_the_rms_target():
    # a spiky signal: reaching -10 dBFS RMS would clip
    spiky = array("h", [0] * 1000 + [20000] + [0] * 1000)
    out = normalize_loudness(spiky, target_rms_dbfs=-10, peak_dbfs=-1)
    assert peak(out) <= dbfs_to_amplitude(-1) + 1
    assert peak(out) >= dbfs_to_amplitude(-1) - 1


def test_silence_stays_silence():
    assert normalize_loudness(silence(0.5, RATE), target_rms_dbfs=-18, peak_dbfs=-1) == silence(0.5, RATE)


def test_resampling_keeps_pitch_and_duration():
    tone = sine(440, 1.0, 10000, rate=22050)
    up = resample_linear(tone, 22050, 44100)
    assert len(up) == 44100
    assert dominant(up, 44100, [220, 440, 880]) == 440
    assert rms(up) == pytest.approx(rms(tone), rel=0.02)


def test_trim_silence_keeps_a_little_margin():
    sound = silence(1.0, RATE) + sine(300, 0.5, 8000) + silence(1.0, RATE)
    trimmed = trim_silence(sound, RATE, keep_s=0.05)
    assert 0.5 <= len(trimmed) / RATE <= 0.65
    assert rms(trimmed) > rms(sound)


def test_read_wav_converts_stereo_and_8_bit(tmp_path):
    stereo = tmp_path / "stereo.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(array("h", [1000, 3000] * 800).tobytes())
    samples, rate = read_wav(stereo)
    assert rate == 8000 and len(samples) == 800 and set(samples) == {2000}

    eight = tmp_path / "eight.wav"
    with wave.open(str(eight), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes([128 + 64] * 100))
    samples, _ = read_wav(eight)
    assert set(samples) == {64 << 8}


def test_read_wav_refuses_non_wav(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav")
    with pytest.raises(ValueError, match="not a PCM WAV"):
        read_wav(junk)


def test_wav_info(tmp_path):
    path = tmp_path / "tone.wav"
    write_wav(path, sine(440, 2.0, 10000), RATE)
    duration, level = wav_info(path)
    assert duration == pytest.approx(2.0)
    assert level == pytest.approx(10000 / math.sqrt(2), rel=0.01)


# ----------------------------------------------------------------- assembled file


def test_file_is_chime_gap_voice_tail(tmp_path):
    voice = tmp_path / "voice.wav"
    ToneEngine(seconds_per_word=0.2, rate=RATE).synthesize("một hai ba bốn năm", voice)  # 1.0 s of 440 Hz
    out = tmp_path / "out.wav"
    fmt = AudioFormat(gap_s=0.3, tail_s=0.3)
    info = render_announcement([voice], out, fmt)

    samples, rate = read_wav(out)
    chime = chime_samples(rate, fmt.chime, peak_dbfs=fmt.chime_peak_dbfs)
    assert rate == RATE
    assert samples[: len(chime)] == chime  # the chime comes first, untouched
    gap = window(samples, rate, len(chime) / rate, len(chime) / rate + 0.25)
    assert peak(gap) == 0  # then quiet
    assert info["voice_start_s"] == pytest.approx(len(chime) / rate + 0.3, abs=0.001)
    voice_part = window(samples, rate, info["voice_start_s"] + 0.1, info["voice_start_s"] + 0.9)
    assert dominant(voice_part, rate, [C5, E5, 440]) == 440
    assert rms(voice_part) == pytest.approx(dbfs_to_amplitude(fmt.target_rms_dbfs), rel=0.05)
    assert info["duration_s"] == pytest.approx(len(chime) / rate + 0.3 + 1.0 + 0.3, abs=0.12)
    assert wav_info(out)[0] == pytest.approx(info["duration_s"])
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)


def test_chime_is_made_at_the_voice_rate(tmp_path):
    voice = tmp_path / "voice.wav"
    ToneEngine(rate=16000).synthesize("một hai", voice)
    out = tmp_path / "out.wav"
    render_announcement([voice], out)
    samples, rate = read_wav(out)
    assert rate == 16000
    assert samples[: len(chime_samples(16000))] == chime_samples(16000)


def test_a_fixed_output_rate_resamples_the_voice(tmp_path):
    voice = tmp_path / "voice.wav"
    ToneEngine(rate=RATE).synthesize("một hai ba", voice)
    out = tmp_path / "out.wav"
    render_announcement([voice], out, AudioFormat(sample_rate=48000))
    samples, rate = read_wav(out)
    assert rate == 48000
    assert samples[: len(chime_samples(48000))] == chime_samples(48000)


def test_segments_are_joined_with_a_pause(tmp_path):
    first, second = tmp_path / "vi.wav", tmp_path / "en.wav"
    ToneEngine(seconds_per_word=0.5, rate=RATE).synthesize("một", first)
    ToneEngine(seconds_per_word=0.5, rate=RATE).synthesize("one", second)
    out = tmp_path / "out.wav"
    fmt = AudioFormat(chime=None, segment_gap_s=0.5, tail_s=0.0)
    info = render_announcement([first, second], out, fmt)
    assert info["voice_start_s"] == 0
    samples, rate = read_wav(out)
    assert peak(window(samples, rate, 0.62, 0.95)) == 0  # the pause between the languages
    assert info["duration_s"] == pytest.approx(0.5 + 0.5 + 0.5, abs=0.02)  # a tone has no silence to trim


def test_silent_voice_is_an_error(tmp_path):
    voice = tmp_path / "voice.wav"
    SilentEngine().synthesize("Xin mời", voice)
    with pytest.raises(SilentOutputError, match="silence"):
        render_announcement([voice], tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()
