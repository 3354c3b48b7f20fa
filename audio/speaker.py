"""Play announcements on the server's own speaker with ``aplay`` (alsa-utils).

For centers whose speakers hang off the server PC rather than a display.
Every failure (no ``aplay``, no sound card, busy device) is a
:class:`SpeakerError` with the reason, never a crash. :class:`SpeakerQueue`
plays one file after another so two announcements never overlap.
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

from .errors import SpeakerError

__all__ = ["SpeakerError", "SpeakerQueue", "play_wav", "speaker_status"]

log = logging.getLogger(__name__)


def _aplay(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        raise SpeakerError(f"'{binary}' not found: install alsa-utils (apt-get install alsa-utils) to play on this computer")
    return found


def play_wav(path: str | os.PathLike, *, device: str | None = None, timeout: float | None = 60.0, binary: str = "aplay") -> None:
    """Play a WAV file to the end (blocking). ``device`` is an ALSA name such as ``"plughw:1,0"``.

    Raises :class:`SpeakerError` with aplay's own message when it cannot play.
    """
    path = Path(path)
    if not path.is_file():
        raise SpeakerError(f"no such sound file: {path}")
    command = [_aplay(binary), "-q"]
    if device:
        command += ["-D", device]
    command.append(str(path))
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SpeakerError(f"playing {path.name} took longer than {timeout:g} s (is the sound device blocked?)") from None
    except OSError as error:
        raise SpeakerError(f"could not run {binary}: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # ALSA prints many config lines; the last one carries the reason.
        reason = message[-1] if message else f"exit code {done.returncode}"
        hint = " (no sound card found?)" if any("card" in line or "PCM" in line for line in message) else ""
        raise SpeakerError(f"aplay could not play {path.name}: {reason}{hint}")


def speaker_status(*, binary: str = "aplay") -> tuple[bool, str]:
    """``(True, card list)`` if aplay sees a playback device, else ``(False, why)``. Never raises."""
    try:
        done = subprocess.run([_aplay(binary), "-l"], capture_output=True, timeout=10, check=False)
    except SpeakerError as error:
        return False, str(error)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"aplay -l failed: {error}"
    text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    if done.returncode != 0 or "card" not in done.stdout.decode("utf-8", "replace"):
        return False, text or "no sound card found"
    return True, text


class SpeakerQueue:
    """Plays files one after another in a background thread (no overlap).

    Errors are logged and kept in :attr:`last_error`; the queue keeps going.
    """

    def __init__(self, *, device: str | None = None, binary: str = "aplay"):
        self.device = device
        self.binary = binary
        self.last_error: SpeakerError | None = None
        self.played = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="audio-speaker", daemon=True)
        self._thread.start()

    def play(self, path: str | os.PathLike) -> None:
        """Queue a file; returns at once."""
        self._queue.put(Path(path))

    def join(self) -> None:
        """Wait until everything queued has been played (or failed)."""
        self._queue.join()

    def close(self) -> None:
        """Stop after the files already queued."""
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            path = self._queue.get()
            try:
                if path is None:
                    return
                play_wav(path, device=self.device, binary=self.binary)
                self.played += 1
            except SpeakerError as error:
                self.last_error = error
                log.warning("server speaker: %s", error)
            finally:
                self._queue.task_done()
