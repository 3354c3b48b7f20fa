"""Measuring helpers for the audio tests (no numpy needed)."""
from __future__ import annotations

import math
from array import array


def tone_power(samples: array, rate: int, freq: float) -> float:
    """Goertzel: the power of one frequency in ``samples`` (normalised by length)."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / max(1, len(samples)) ** 2


def window(samples: array, rate: int, start_s: float, end_s: float) -> array:
    """The samples between two times."""
    return samples[int(start_s * rate) : int(end_s * rate)]
