"""Exceptions of the audio library (none of them is a crash: each says what to do)."""
from __future__ import annotations

__all__ = ["EngineUnavailable", "SilentOutputError", "SpeakerError", "SynthesisError", "SynthesisTimeout"]


class SynthesisError(RuntimeError):
    """Speech could not be produced for a text."""


class SynthesisTimeout(SynthesisError):
    """The engine did not finish in time; its worker process was killed and restarted."""


class EngineUnavailable(SynthesisError):
    """The engine or its voice is not installed (e.g. no Vietnamese voice)."""


class SilentOutputError(SynthesisError):
    """The engine wrote a file without audible sound (e.g. Vietnamese text to a non-Vietnamese voice)."""


class SpeakerError(RuntimeError):
    """The server's own speaker cannot play (no ``aplay``, no sound card, …)."""
