"""Assemble the final announcement WAV: chime, gap, voice (said ``repeat`` times), loudness-normalised.

Output is always 16-bit mono at one sample rate: the voice's own rate
(espeak-ng: 22 050 Hz) unless :attr:`AudioFormat.sample_rate` asks otherwise,
in which case every voice segment is resampled to it. The chime is generated
at that same rate, so nothing else is resampled. A voice segment is a WAV file
(from the speech engine) or samples already in memory (assembled from a
recorded voice pack, see :mod:`audio.voicepack`).
"""
from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .chime import CHIMES, chime_samples
from .errors import SilentOutputError
from .wavio import (
    apply_gain,
    normalize_loudness,
    read_wav,
    resample_linear,
    rms,
    silence,
    trim_silence,
    write_wav,
)

__all__ = ["FORMAT_VERSION", "AudioFormat", "SilentOutputError", "VoicePart", "render_announcement"]

# Bump when the rendering changes so old cache entries are not reused.
# 2: repeat, repeat_gap_s and volume; recorded voice packs.
FORMAT_VERSION = 2

MAX_REPEAT = 5

# A WAV file, or (16-bit mono samples, sample rate).
VoicePart = str | os.PathLike | tuple[array, int]


@dataclass(frozen=True)
class AudioFormat:
    """How announcements are rendered; part of the cache key."""

    chime: str | None = "ding-dong"  # None: voice only
    gap_s: float = 0.3  # after the chime
    segment_gap_s: float = 0.5  # between the Vietnamese and the English sentence
    tail_s: float = 0.3  # silence at the end, so players do not clip the last syllable
    target_rms_dbfs: float = -18.0
    peak_dbfs: float = -1.0
    chime_peak_dbfs: float = -4.0
    sample_rate: int | None = None  # None: the voice's rate
    min_voice_rms: float = 100.0  # below this (≈ -50 dBFS) the engine produced silence
    repeat: int = 1  # the voice part said this many times (one chime), for a noisy hall
    repeat_gap_s: float = 1.0  # pause between the repeats
    volume: float = 1.0  # 0.1–1.0: a gain on the whole mix, so a small hall is not blasted

    def __post_init__(self) -> None:
        if self.chime is not None and self.chime not in CHIMES:
            raise ValueError(f"unknown chime {self.chime!r}; known: {', '.join(CHIMES)}")
        if not isinstance(self.repeat, int) or isinstance(self.repeat, bool) or not 1 <= self.repeat <= MAX_REPEAT:
            raise ValueError(f"repeat must be a whole number from 1 to {MAX_REPEAT}, not {self.repeat!r}")
        if not 0 <= self.repeat_gap_s <= 10:
            raise ValueError(f"repeat_gap_s must be 0–10 seconds, not {self.repeat_gap_s!r}")
        if not 0.1 <= self.volume <= 1.0:
            raise ValueError(f"volume must be from 0.1 to 1.0, not {self.volume!r}")

    def cache_fields(self) -> dict:
        """Everything that changes the output bytes, for the cache key."""
        return {"format_version": FORMAT_VERSION, **asdict(self)}


def render_announcement(
    voice_wavs: Sequence[VoicePart],
    out_path: str | os.PathLike,
    fmt: AudioFormat = AudioFormat(),
) -> dict:
    """Write chime + gap + the voice segments (in order, ``fmt.repeat`` times) to ``out_path``.

    Each segment is a WAV path or ``(samples, rate)``. Returns ``{"duration_s",
    "rms", "rate", "voice_start_s", "voice_s"}`` (``voice_s``: one saying of the
    voice part). Raises :class:`SilentOutputError` if a voice segment is silent.
    """
    if not voice_wavs:
        raise ValueError("no voice segments to render")
    rate = fmt.sample_rate
    voice = array("h")
    for index, part in enumerate(voice_wavs):
        samples, seg_rate = part if isinstance(part, tuple) else read_wav(part)
        level = rms(samples)
        if level < fmt.min_voice_rms:
            raise SilentOutputError(
                f"the speech engine wrote silence for segment {index + 1} "
                f"(RMS {level:.0f}, {len(samples)} samples): is the voice right for the language?"
            )
        rate = rate or seg_rate
        samples = resample_linear(samples, seg_rate, rate)
        samples = trim_silence(samples, rate)
        if index:
            voice.extend(silence(fmt.segment_gap_s, rate))
        voice.extend(samples)
    voice = normalize_loudness(voice, target_rms_dbfs=fmt.target_rms_dbfs, peak_dbfs=fmt.peak_dbfs)

    out = array("h")
    if fmt.chime:
        out.extend(chime_samples(rate, fmt.chime, peak_dbfs=fmt.chime_peak_dbfs))
        out.extend(silence(fmt.gap_s, rate))
    voice_start = len(out) / rate
    for index in range(fmt.repeat):
        if index:
            out.extend(silence(fmt.repeat_gap_s, rate))
        out.extend(voice)
    out.extend(silence(fmt.tail_s, rate))
    if fmt.volume != 1.0:  # after normalising, so the peak ceiling still holds (volume ≤ 1)
        out = apply_gain(out, fmt.volume)
    write_wav(Path(out_path), out, rate)
    return {
        "duration_s": len(out) / rate,
        "rms": rms(out),
        "rate": rate,
        "voice_start_s": voice_start,
        "voice_s": len(voice) / rate,
    }
