"""Small WAV helpers on 16-bit mono samples (``array('h')``).

The sample loops run in numpy (a runtime dependency anyway for the Piper
engine): a cold announcement is rendered in the synthesis worker while a
citizen waits for their number to be called, and the former pure-Python
loops cost ~100 ms for a 5-second clip, more than espeak-ng takes to speak
it. Every function keeps its former results exactly (same rounding: numpy's
``rint`` rounds halves to even like Python's ``round``).
"""
from __future__ import annotations

import io
import math
import os
import wave
from array import array

import numpy as np

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
_LE_INT16 = np.dtype("<i2")


def dbfs_to_amplitude(dbfs: float) -> float:
    """-6 dBFS → about 16 422 on the 16-bit scale."""
    return FULL_SCALE * 10 ** (dbfs / 20)


def _np(samples: array | np.ndarray) -> np.ndarray:
    """A read-only int16 view (no copy) of ``array('h')``; other int sequences as int64."""
    if isinstance(samples, np.ndarray):
        return samples
    if isinstance(samples, array) and samples.typecode == "h":
        return np.frombuffer(samples, dtype=np.int16) if len(samples) else np.zeros(0, np.int16)
    return np.asarray(samples, dtype=np.int64)  # a plain list may hold any int


def _array(values: np.ndarray) -> array:
    """Back to the ``array('h')`` every caller expects."""
    out = array("h")
    out.frombytes(values.astype(np.int16, copy=False).tobytes())
    return out


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
        wide = np.frombuffer(frames, dtype=_LE_INT16).astype(np.int32)
    elif width == 1:  # unsigned 8-bit
        wide = (np.frombuffer(frames, dtype=np.uint8).astype(np.int32) - 128) << 8
    elif width == 4:
        wide = np.frombuffer(frames, dtype="<i4") >> 16
    else:
        raise ValueError(f"unsupported sample width {width} bytes in {path}")
    if channels > 1:
        usable = len(wide) - len(wide) % channels
        # Floor division of the frame's sum, as before (Python's // rounds down, so does numpy's).
        wide = wide[:usable].reshape(-1, channels).sum(axis=1, dtype=np.int64) // channels
    return _array(wide), rate


def write_wav(path: str | os.PathLike | io.BytesIO, samples: array, rate: int) -> None:
    """Write 16-bit mono PCM to a file path or an in-memory buffer."""
    data = _np(samples).astype(_LE_INT16, copy=False)  # WAV is little-endian
    with wave.open(path if isinstance(path, io.BytesIO) else str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())


def wav_bytes(samples: array, rate: int) -> bytes:
    """16-bit mono PCM as the bytes of a WAV file (a stored clip, a chime served alone)."""
    buffer = io.BytesIO()
    write_wav(buffer, samples, rate)
    return buffer.getvalue()


def _sum_squares(values: np.ndarray) -> int:
    wide = values.astype(np.int64)
    return int(np.dot(wide, wide))


def rms(samples: array) -> float:
    """Root mean square on the 16-bit scale (0 for silence, ~23 170 for a full-scale sine)."""
    if not len(samples):
        return 0.0
    # An exact integer sum divided in Python: the same float as the former loop.
    return math.sqrt(_sum_squares(_np(samples)) / len(samples))


def peak(samples: array) -> int:
    """Largest absolute sample value."""
    if not len(samples):
        return 0
    values = _np(samples)
    return max(int(values.max()), -int(values.min()))


def wav_info(path: str | os.PathLike) -> tuple[float, float]:
    """``(duration in seconds, RMS on the 16-bit scale)`` of a WAV file."""
    samples, rate = read_wav(path)
    return len(samples) / rate, rms(samples)


def silence(seconds: float, rate: int) -> array:
    """``seconds`` of digital silence."""
    return array("h", bytes(2 * int(round(seconds * rate))))


def apply_gain(samples: array, gain: float) -> array:
    """Multiply by ``gain`` with clipping to the 16-bit range."""
    if not len(samples):
        return array("h")
    scaled = np.rint(_np(samples).astype(np.float64) * float(gain))
    return _array(np.clip(scaled, -FULL_SCALE - 1, FULL_SCALE))


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
    n = len(samples)
    if not n:
        return array("h")
    values = _np(samples).astype(np.int64)
    windows = -(-n // window)
    padded = np.zeros(windows * window, np.int64)
    padded[:n] = values
    energy = (padded * padded).reshape(windows, window).sum(axis=1)
    lengths = np.full(windows, window, np.float64)
    lengths[-1] = n - (windows - 1) * window  # the last window may be short
    # Exact integer sums, one correctly rounded division and sqrt: the former per-window rms().
    loud = np.flatnonzero(np.sqrt(energy.astype(np.float64) / lengths) >= threshold)
    if not len(loud):
        return array("h")
    keep = int(rate * keep_s)
    start = max(0, int(loud[0]) * window - keep)
    end = min(n, int(loud[-1]) * window + window + keep)
    return samples[start:end]


def resample_linear(samples: array, rate_in: int, rate_out: int) -> array:
    """Linear-interpolation resampling; plenty for speech on PA speakers."""
    if rate_in == rate_out or not len(samples):
        return array("h", samples)
    n_out = int(len(samples) * rate_out / rate_in)
    step = rate_in / rate_out
    values = _np(samples).astype(np.int64)
    pos = np.arange(n_out, dtype=np.int64) * step
    j = np.minimum(pos.astype(np.int64), len(values) - 1)
    frac = pos - j
    a = values[j]
    b = values[np.minimum(j + 1, len(values) - 1)]
    return _array(np.rint(a + (b - a) * frac))
