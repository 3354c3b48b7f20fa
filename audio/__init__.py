"""Vietnamese announcements for Một Cửa Queue: number words, text, speech, cache, chime, speaker.

A leaf library: standard library plus pyttsx3 and miniaudio (decoding recorded clips); it knows no queue, ticket
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
from .voicepack import (
    CLIP_RATE,
    ClipError,
    ClipSpec,
    PackError,
    VoicePack,
    clip_key,
    export_pack,
    import_pack,
    process_clip,
    required_clips,
)
from .wavio import wav_info

__all__ = [
    "CLIP_RATE",
    "DEFAULT_TEMPLATES",
    "KINDS",
    "AudioFormat",
    "ClipError",
    "ClipSpec",
    "EngineUnavailable",
    "EspeakEngine",
    "PackError",
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
    "VoicePack",
    "WavCache",
    "announcement_segments",
    "announcement_text",
    "cache_key",
    "chime_samples",
    "clip_key",
    "compose",
    "compose_segments",
    "default_cache_dir",
    "dossier_words",
    "export_pack",
    "import_pack",
    "number_words",
    "play_wav",
    "process_clip",
    "render_announcement",
    "required_clips",
    "speaker_status",
    "ticket_words",
    "validate_templates",
    "wav_info",
    "words_for_text",
]
