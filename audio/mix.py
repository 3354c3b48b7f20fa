"""Assemble the final announcement WAV: chime, gap, voice, loudness-normalised.

Output is always 16-bit mono at one sample rate: the voice's own rate
(espeak-ng: 22 050 Hz) unless :attr:`AudioFormat.sample_rate` asks otherwise,
in which case every voice segment is resampled to it. The chime is generated
at that same rate, so nothing else is resampled.
"""
from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .chime import chime_samples
from .errors import SilentOutputError
from .wavio import (
    normalize_loudness,
    read_wav,
    resample_linear,
    rms,
    silence,
    trim_silence,
    write_wav,
)

__all__ = ["FORMAT_VERSION", "AudioFormat", "SilentOutputError", "render_announcement"]

# Bump when the rendering changes so old cache entries are not reused.
FORMAT_VERSION = 1


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

    def cache_fields(self) -> dict:
        """Everything that changes the output bytes, for the cache key."""
        return {"format_version": FORMAT_VERSION, **asdict(self)}


def render_announcement(
    voice_wavs: Sequence[str | os.PathLike],
    out_path: str | os.PathLike,
    fmt: AudioFormat = AudioFormat(),
) -> dict:
    """Write chime + gap + the voice segments (in order) to ``out_path``.

    Returns ``{"duration_s", "rms", "rate", "voice_start_s"}``. Raises
    :class:`SilentOutputError` if a voice segment is silent.
    """
    if not voice_wavs:
        raise ValueError("no voice segments to render")
    rate = fmt.sample_rate
    voice = array("h")
    for index, path in enumerate(voice_wavs):
        samples, seg_rate = read_wav(path)
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
    out.extend(voice)
    out.extend(silence(fmt.tail_s, rate))
    write_wav(Path(out_path), out, rate)
    return {"duration_s": len(out) / rate, "rms": rms(out), "rate": rate, "voice_start_s": voice_start}
