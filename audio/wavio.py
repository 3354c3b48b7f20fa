"""Small WAV helpers on 16-bit mono samples (``array('h')``), stdlib only.

``audioop`` would be faster but is deprecated (gone in Python 3.13); our clips
are a few seconds long, so plain Python loops take tens of milliseconds, and
they run in the synthesis worker, not in the web server.
"""
from __future__ import annotations

import math
import operator
import os
import sys
import wave
from array import array

__all__ = [
    "apply_gain",
    "dbfs_to_amplitude",
    "normalize_loudness",
    "peak",
    "read_wav",
    "resample_linear",
    "rms",
    "silence",
    "trim_silence",
    "wav_info",
    "write_wav",
]

FULL_SCALE = 32767


def dbfs_to_amplitude(dbfs: float) -> float:
    """-6 dBFS → about 16 422 on the 16-bit scale."""
    return FULL_SCALE * 10 ** (dbfs / 20)


def read_wav(path: str | os.PathLike) -> tuple[array, int]:
    """Read a PCM WAV as 16-bit mono samples and its sample rate.

    Stereo is averaged to mono; 8-bit and 32-bit PCM are converted.
    Raises ``ValueError`` for anything that is not PCM WAV.
    """
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(f"not a PCM WAV file: {path} ({error})") from None
    if width == 2:
        samples = array("h", frames)
        if sys.byteorder == "big":  # WAV is little-endian
            samples.byteswap()
    elif width == 1:  # unsigned 8-bit
        samples = array("h", ((b - 128) << 8 for b in frames))
    elif width == 4:
        wide = array("i", frames)
        if sys.byteorder == "big":
            wide.byteswap()
        samples = array("h", (s >> 16 for s in wide))
    else:
        raise ValueError(f"unsupported sample width {width} bytes in {path}")
    if channels > 1:
        samples = array(
            "h",
            (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)),
        )
    return samples, rate


def write_wav(path: str | os.PathLike, samples: array, rate: int) -> None:
    """Write 16-bit mono PCM."""
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())


def rms(samples: array) -> float:
    """Root mean square on the 16-bit scale (0 for silence, ~23 170 for a full-scale sine)."""
    if not samples:
        return 0.0
    return math.sqrt(sum(map(operator.mul, samples, samples)) / len(samples))


def peak(samples: array) -> int:
    """Largest absolute sample value."""
    if not samples:
        return 0
    return max(max(samples), -min(samples))


def wav_info(path: str | os.PathLike) -> tuple[float, float]:
    """``(duration in seconds, RMS on the 16-bit scale)`` of a WAV file."""
    samples, rate = read_wav(path)
    return len(samples) / rate, rms(samples)


def silence(seconds: float, rate: int) -> array:
    """``seconds`` of digital silence."""
    return array("h", bytes(2 * int(round(seconds * rate))))


def apply_gain(samples: array, gain: float) -> array:
    """Multiply by ``gain`` with clipping to the 16-bit range."""
    if not samples:
        return array("h")
    if peak(samples) * abs(gain) < FULL_SCALE:  # the usual case: no clipping possible
        return array("h", map(round, map(float(gain).__mul__, samples)))
    lo, hi = -FULL_SCALE - 1, FULL_SCALE
    return array("h", (min(hi, max(lo, round(s * gain))) for s in samples))


def normalize_loudness(samples: array, *, target_rms_dbfs: float, peak_dbfs: float) -> array:
    """Bring speech to a target RMS level, never letting the peak pass ``peak_dbfs``.

    RMS (not peak) sets the level because what a hall hears as "loud" is the
    average energy; the peak ceiling keeps a plosive from clipping.
    """
    level, top = rms(samples), peak(samples)
    if level == 0 or top == 0:
        return array("h", samples)
    gain = min(dbfs_to_amplitude(target_rms_dbfs) / level, dbfs_to_amplitude(peak_dbfs) / top)
    return apply_gain(samples, gain)


def trim_silence(
    samples: array,
    rate: int,
    *,
    threshold_dbfs: float = -45.0,
    window_s: float = 0.01,
    keep_s: float = 0.05,
) -> array:
    """Drop leading and trailing near-silence, keeping ``keep_s`` around the sound.

    The engine's own lead-in/out would otherwise make the gap after the chime
    depend on the voice. A 10 ms window and a -45 dBFS threshold are far below
    speech (so no syllable is cut) and above dither-like noise.
    """
    window = max(1, int(rate * window_s))
    threshold = dbfs_to_amplitude(threshold_dbfs)
    loud = [
        i
        for i in range(0, len(samples), window)
        if rms(samples[i : i + window]) >= threshold
    ]
    if not loud:
        return array("h")
    keep = int(rate * keep_s)
    start = max(0, loud[0] - keep)
    end = min(len(samples), loud[-1] + window + keep)
    return samples[start:end]


def resample_linear(samples: array, rate_in: int, rate_out: int) -> array:
    """Linear-interpolation resampling; plenty for speech on PA speakers."""
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
