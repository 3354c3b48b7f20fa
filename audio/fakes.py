"""Test doubles for speech engines (importable by the worker process).

Useful to the server's tests too: :class:`ToneEngine` gives a deterministic,
non-silent WAV for any text in a few milliseconds with no espeak-ng at all.
"""
from __future__ import annotations

import math
import os
import time
from array import array
from pathlib import Path

from .wavio import write_wav

__all__ = ["CrashingEngine", "HangingEngine", "SilentEngine", "ToneEngine"]


class ToneEngine:
    """A 440 Hz tone lasting ``seconds_per_word`` per word of the text."""

    name = "tone"

    def __init__(self, seconds_per_word: float = 0.1, rate: int = 16000, voice: str = "tone"):
        self.seconds_per_word = seconds_per_word
        self.rate = rate
        self.voice = voice
        self.language = "vi"

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write the tone (amplitude ~ -10 dBFS)."""
        n = int(self.rate * self.seconds_per_word * max(1, len(text.split())))
        step = 2 * math.pi * 440 / self.rate
        write_wav(out_path, array("h", (int(10000 * math.sin(step * i)) for i in range(n))), self.rate)


class HangingEngine(ToneEngine):
    """Hangs forever (like a stuck ``runAndWait``) when the text contains ``hang_on``."""

    name = "hanging"

    def __init__(self, hang_on: str = "treo", **kwargs):
        super().__init__(**kwargs)
        self.hang_on = hang_on

    def synthesize(self, text: str, out_path: Path) -> None:
        """Sleep forever for a marked text, else behave like :class:`ToneEngine`."""
        if self.hang_on in text:
            while True:
                time.sleep(3600)
        super().synthesize(text, out_path)


class SilentEngine(ToneEngine):
    """Writes a WAV of zeros, like pyttsx3 given a voice that cannot read the text."""

    name = "silent"

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write one second of digital silence."""
        write_wav(out_path, array("h", bytes(2 * self.rate)), self.rate)


class CrashingEngine(ToneEngine):
    """Kills its own process (like a segfault in a native library) for a marked text."""

    name = "crashing"

    def __init__(self, crash_on: str = "sập", **kwargs):
        super().__init__(**kwargs)
        self.crash_on = crash_on

    def synthesize(self, text: str, out_path: Path) -> None:
        """``os._exit`` for a marked text, else a tone."""
        if self.crash_on in text:
            os._exit(13)
        super().synthesize(text, out_path)
