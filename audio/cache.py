"""On-disk cache of finished announcement WAVs.

Key = sha256 of the spoken text (with its language segments), the engine's
name, voice, rate and volume, the rendering format (chime, loudness,
sample rate, repeat, volume, :data:`audio.mix.FORMAT_VERSION`), and, when
they are used, the recorded voice pack's fingerprint and the speaking rate. Files are written to a
temporary name and renamed into place, so a reader (another server process,
the display's HTTP request) never sees half a file.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engines import engine_identity
from .mix import AudioFormat

__all__ = ["WavCache", "cache_key", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$MOTCUA_AUDIO_CACHE``, else ``$XDG_CACHE_HOME/mot-cua-queue/audio`` (``~/.cache/…``)."""
    env = os.environ.get("MOTCUA_AUDIO_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mot-cua-queue" / "audio"


def cache_key(
    segments: Sequence[tuple[str, str]],
    engine: Any,
    fmt: AudioFormat,
    *,
    pack_fingerprint: str | None = None,
    speech_rate: int | None = None,
) -> str:
    """The hex sha256 naming the WAV for these segments, engine and format.

    ``pack_fingerprint``: the :class:`audio.voicepack.VoicePack` whose clips say
    some segment (changing one clip changes the key); ``speech_rate``: words per
    minute asked of the engine for this text.
    """
    payload = {
        "segments": [[text, lang] for text, lang in segments],
        **engine_identity(engine),
        **fmt.cache_fields(),
        "pack": pack_fingerprint,
        "speech_rate": speech_rate,
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class WavCache:
    """A directory of ``<sha256>.wav`` files."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def path_for(self, key: str) -> Path:
        """Where the WAV for ``key`` lives (whether or not it exists yet)."""
        return self.directory / f"{key}.wav"

    def get(self, key: str) -> Path | None:
        """The cached file, or ``None``. A hit refreshes its mtime (for :meth:`prune`)."""
        path = self.path_for(key)
        try:
            if path.stat().st_size <= 44:  # a bare header is not a usable file
                return None
            os.utime(path)
        except OSError:
            return None
        return path

    def temp_path(self, key: str) -> Path:
        """A unique temporary name next to the final file (same filesystem, so rename is atomic)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / f".{key}.{os.getpid()}.{time.monotonic_ns()}.tmp.wav"

    def prune(self, max_bytes: int) -> int:
        """Delete least recently used WAVs until the cache is under ``max_bytes``; returns files removed."""
        if not self.directory.is_dir():
            return 0
        files = []
        for path in self.directory.glob("*.wav"):
            if path.name.startswith("."):  # a file being written
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _m, size, _p in files)
        removed = 0
        for _mtime, size, path in sorted(files):
            if total <= max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed
