"""The attention chime played before every announcement, generated with math.

No third-party sound file (licence-free by construction, and the chime is
made at the voice's sample rate so nothing needs resampling).

* ``"ding-dong"``: E5 then C5, the classic two-tone door/PA chime;
* ``"three-tone"``: C5 E5 G5 rising, the airport-style attention chime;
* ``"bell"``: one soft G5 bell stroke, for a small quiet office;
* ``"four-tone"``: C5 E5 G5 C6 rising, a longer attention chime for a big, noisy hall.

Each note is a small bell: a fundamental plus two softer partials with an
exponential decay, so it is pleasant on cheap speakers and clearly not speech.
"""
from __future__ import annotations

import math
from array import array
from functools import lru_cache

from .wavio import FULL_SCALE, dbfs_to_amplitude

__all__ = ["CHIMES", "chime_notes", "chime_samples"]

C5, E5, G5, C6 = 523.25, 659.25, 783.99, 1046.50

# kind: ((frequency Hz, start s, length s), ...)
CHIMES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "ding-dong": ((E5, 0.0, 0.9), (C5, 0.5, 1.1)),
    "three-tone": ((C5, 0.0, 0.7), (E5, 0.35, 0.7), (G5, 0.7, 1.0)),
    "bell": ((G5, 0.0, 1.4),),
    "four-tone": ((C5, 0.0, 0.6), (E5, 0.3, 0.6), (G5, 0.6, 0.6), (C6, 0.9, 1.0)),
}

# (multiple of the fundamental, relative amplitude)
_PARTIALS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12))
_DECAY_S = 0.35  # e-folding time of a note
_ATTACK_S = 0.012  # a soft onset: a sharp one clicks on cheap speakers
_FADE_S = 0.05  # end of each note


def chime_notes(kind: str = "ding-dong") -> tuple[tuple[float, float, float], ...]:
    """The ``(frequency, start, length)`` notes of a chime; ``ValueError`` if unknown."""
    try:
        return CHIMES[kind]
    except KeyError:
        raise ValueError(f"unknown chime {kind!r}; known: {', '.join(CHIMES)}") from None


@lru_cache(maxsize=8)
def _chime_cached(rate: int, kind: str, peak_dbfs: float) -> bytes:
    notes = chime_notes(kind)
    total = max(start + length for _f, start, length in notes)
    mix = [0.0] * int(round(total * rate))
    for freq, start, length in notes:
        offset, n = int(round(start * rate)), int(round(length * rate))
        attack, fade = int(_ATTACK_S * rate), int(_FADE_S * rate)
        for i in range(n):
            t = i / rate
            envelope = math.exp(-t / _DECAY_S)
            if i < attack:
                envelope *= i / attack
            if i >= n - fade:
                envelope *= (n - i) / fade
            value = sum(a * math.sin(2 * math.pi * freq * m * t) for m, a in _PARTIALS)
            mix[offset + i] += envelope * value
    top = max(abs(v) for v in mix) or 1.0
    scale = dbfs_to_amplitude(peak_dbfs) / top
    samples = array("h", (max(-FULL_SCALE, min(FULL_SCALE, int(round(v * scale)))) for v in mix))
    return samples.tobytes()


def chime_samples(rate: int, kind: str = "ding-dong", *, peak_dbfs: float = -4.0) -> array:
    """The chime as 16-bit mono samples at ``rate`` Hz, peaking at ``peak_dbfs``."""
    if rate < 8000:
        raise ValueError(f"sample rate too low for a chime: {rate}")
    return array("h", _chime_cached(int(rate), kind, float(peak_dbfs)))
