"""Vietnamese announcements for Một Cửa Queue: number words, text, speech, cache, chime, speaker.

A leaf library: standard library plus pyttsx3; it knows no queue, ticket
model or web framework.

    from audio import Synthesizer, announcement_segments
    synth = Synthesizer(cache_dir="instance/audio")
    future = synth.prepare(announcement_segments("call", "A023", 3))   # never blocks
    path = future.result().path                                        # chime + voice WAV
"""
from __future__ import annotations

from .announcements import (
    DEFAULT_TEMPLATES,
    KINDS,
    Segment,
    announcement_segments,
    announcement_text,
    compose,
    compose_segments,
    validate_templates,
    words_for_text,
)
from .cache import WavCache, cache_key, default_cache_dir
from .chime import chime_samples
from .engines import EspeakEngine, Pyttsx3Engine, SpeechEngine
from .errors import EngineUnavailable, SilentOutputError, SpeakerError, SynthesisError, SynthesisTimeout
from .mix import AudioFormat, render_announcement
from .numbers import dossier_words, number_words, ticket_words
from .speaker import SpeakerQueue, play_wav, speaker_status
from .synthesizer import SynthesisResult, Synthesizer
from .wavio import wav_info

__all__ = [
    "DEFAULT_TEMPLATES",
    "KINDS",
    "AudioFormat",
    "EngineUnavailable",
    "EspeakEngine",
    "Pyttsx3Engine",
    "Segment",
    "SilentOutputError",
    "SpeakerError",
    "SpeakerQueue",
    "SpeechEngine",
    "SynthesisError",
    "SynthesisResult",
    "SynthesisTimeout",
    "Synthesizer",
    "WavCache",
    "announcement_segments",
    "announcement_text",
    "cache_key",
    "chime_samples",
    "compose",
    "compose_segments",
    "default_cache_dir",
    "dossier_words",
    "number_words",
    "play_wav",
    "render_announcement",
    "speaker_status",
    "ticket_words",
    "validate_templates",
    "wav_info",
    "words_for_text",
]
