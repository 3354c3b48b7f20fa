"""audio.wavio in numpy gives exactly what the former pure-Python loops gave.

The reference functions below are the pre-numpy implementation, kept verbatim
in spirit: random speech-like signals (noise bursts between silences, loud
ones that clip, odd lengths, 8/16/32-bit, stereo) go through both, and every
sample must match. Plus speed: a 5-second clip is processed in milliseconds.
"""
from __future__ import annotations

import math
import operator
import random
import time
import wave
from array import array

import pytest

from audio import wavio

# ----------------------------------------------------------------- the former implementation (reference)


def ref_rms(samples):
    if not samples:
        return 0.0
    return math.sqrt(sum(map(operator.mul, samples, samples)) / len(samples))


def ref_peak(samples):
    if not samples:
        return 0
    return max(max(samples), -min(samples))


def ref_apply_gain(samples, gain):
    if not samples:
        return array("h")
    if ref_peak(samples) * abs(gain) < wavio.FULL_SCALE:
        return array("h", map(round, map(float(gain).__mul__, samples)))
    lo, hi = -wavio.FULL_SCALE - 1, wavio.FULL_SCALE
    return array("h", (min(hi, max(lo, round(s * gain))) for s in samples))


def ref_normalize(samples, *, target_rms_dbfs, peak_dbfs):
    level, top = ref_rms(samples), ref_peak(samples)
    if level == 0 or top == 0:
        return array("h", samples)
    gain = min(wavio.dbfs_to_amplitude(target_rms_dbfs) / level, wavio.dbfs_to_amplitude(peak_dbfs) / top)
    return ref_apply_gain(samples, gain)


def ref_trim(samples, rate, *, threshold_dbfs=-45.0, window_s=0.01, keep_s=0.05):
    window = max(1, int(rate * window_s))
    threshold = wavio.dbfs_to_amplitude(threshold_dbfs)
    loud = [i for i in range(0, len(samples), window) if ref_rms(samples[i : i + window]) >= threshold]
    if not loud:
        return array("h")
    keep = int(rate * keep_s)
    return samples[max(0, loud[0] - keep) : min(len(samples), loud[-1] + window + keep)]


def ref_resample(samples, rate_in, rate_out):
    if rate_in == rate_out or not samples:
        return array("h", samples)
    n_out = int(len(samples) * rate_out / rate_in)
    step = rate_in / rate_out
    last = len(samples) - 1
    out = array("h", bytes(2 * n_out))
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out[i] = int(round(a + (b - a) * frac))
    return out


def ref_mono(frames: bytes, channels: int, width: int) -> array:
    if width == 2:
        samples = array("h", frames)
    elif width == 1:
        samples = array("h", ((b - 128) << 8 for b in frames))
    else:
        samples = array("h", (s >> 16 for s in array("i", frames)))
    if channels > 1:
        samples = array("h", (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)))
    return samples


# ----------------------------------------------------------------- signals


def speechlike(rng: random.Random, n: int, loudness: int) -> array:
    """Silence, then bursts of noise of random level and length, then silence: a rough shape of speech."""
    out = array("h", bytes(2 * rng.randrange(0, 3000)))
    while len(out) < n:
        level = rng.randrange(1, loudness)
        out.extend(max(-32768, min(32767, int(rng.gauss(0, level)))) for _ in range(rng.randrange(50, 4000)))
        out.extend(array("h", bytes(2 * rng.randrange(0, 2000))))
    return out[:n]


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_levels_gain_and_loudness_match_the_former_loops(seed):
    rng = random.Random(seed)
    samples = speechlike(rng, rng.randrange(1, 40000), rng.choice([200, 3000, 20000]))
    assert wavio.rms(samples) == ref_rms(samples)
    assert wavio.peak(samples) == ref_peak(samples)
    for gain in (0.0, 0.5, 1.0, 1.37, 3.9, 12.0, -1.0, rng.uniform(0.1, 20)):
        assert wavio.apply_gain(samples, gain) == ref_apply_gain(samples, gain), gain
    for target, ceiling in ((-18.0, -1.0), (-10.0, -6.0), (-30.0, -0.1)):
        assert wavio.normalize_loudness(samples, target_rms_dbfs=target, peak_dbfs=ceiling) == ref_normalize(
            samples, target_rms_dbfs=target, peak_dbfs=ceiling
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_trim_matches_the_former_loops(seed):
    rng = random.Random(100 + seed)
    rate = rng.choice([8000, 16000, 22050, 44100])
    samples = speechlike(rng, rng.randrange(1, 30000), rng.choice([50, 500, 20000]))
    for threshold in (-45.0, -30.0, -60.0):
        got = wavio.trim_silence(samples, rate, threshold_dbfs=threshold)
        assert got == ref_trim(samples, rate, threshold_dbfs=threshold)


@pytest.mark.parametrize("seed", SEEDS)
def test_resampling_matches_the_former_loop(seed):
    rng = random.Random(200 + seed)
    samples = speechlike(rng, rng.randrange(1, 8000), 30000)
    rate_in, rate_out = rng.choice([(22050, 44100), (22050, 48000), (16000, 22050), (48000, 22050), (44100, 8000)])
    assert wavio.resample_linear(samples, rate_in, rate_out) == ref_resample(samples, rate_in, rate_out)


@pytest.mark.parametrize(("channels", "width"), [(1, 1), (2, 1), (1, 2), (2, 2), (3, 2), (1, 4), (2, 4)])
def test_reading_any_pcm_matches_the_former_conversion(tmp_path, channels, width):
    rng = random.Random(channels * 10 + width)
    frames = bytes(rng.randrange(256) for _ in range(channels * width * 3001))
    path = tmp_path / "in.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(16000)
        wav.writeframes(frames)
    samples, rate = wavio.read_wav(path)
    assert rate == 16000 and isinstance(samples, array) and samples.typecode == "h"
    assert samples == ref_mono(frames, channels, width)


def test_results_are_still_arrays_of_16_bit_samples():
    samples = array("h", [0, 1000, -1000, 32767, -32768] * 100)
    for result in (
        wavio.apply_gain(samples, 2.0),
        wavio.normalize_loudness(samples, target_rms_dbfs=-18, peak_dbfs=-1),
        wavio.trim_silence(samples, 8000),
        wavio.resample_linear(samples, 8000, 22050),
        wavio.silence(0.1, 8000),
    ):
        assert isinstance(result, array) and result.typecode == "h"
    assert type(wavio.peak(samples)) is int and type(wavio.rms(samples)) is float
    assert wavio.apply_gain(array("h"), 3.0) == array("h") and wavio.rms(array("h")) == 0.0


def test_write_then_read_is_lossless(tmp_path):
    samples = speechlike(random.Random(7), 5000, 30000)
    wavio.write_wav(tmp_path / "out.wav", samples, 22050)
    assert wavio.read_wav(tmp_path / "out.wav") == (samples, 22050)


def test_a_five_second_clip_is_rendered_in_milliseconds():
    samples = speechlike(random.Random(3), 5 * 22050, 20000)
    times_ms = []
    for _ in range(3):
        started = time.perf_counter()
        trimmed = wavio.trim_silence(samples, 22050)
        loud = wavio.normalize_loudness(trimmed, target_rms_dbfs=-18.0, peak_dbfs=-1.0)
        wavio.rms(loud)
        times_ms.append((time.perf_counter() - started) * 1000)
    # The former loops took ~45 ms for this here; the whole cold announcement's budget is ~20 ms.
    assert min(times_ms) < 10, times_ms
