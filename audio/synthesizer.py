"""The front door: text in, cached announcement WAV out, never on a request path.

``prepare(text)`` returns a :class:`concurrent.futures.Future` at once (done
already on a cache hit); one background thread feeds the single worker
process, one text at a time. ``wav_for(text)`` blocks, for the CLI and tests.

With ``pack=`` (a recorded :class:`audio.voicepack.VoicePack`) every segment
the pack says in full is assembled from its clips and the others are
synthesised whole, so one sentence never mixes two voices. When the pack says
every segment, no speech process is involved at all: the WAV is rendered in
this process, on a thread of its own (a slow synthesis never delays it).
"""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .announcements import Segment
from .cache import WavCache, cache_key
from .engines import Pyttsx3Engine
from .errors import SynthesisError
from .mix import AudioFormat
from .voicepack import VoicePack, assemble_samples
from .worker import SynthesisWorker, render_job

__all__ = ["SynthesisResult", "Synthesizer", "TextInput"]

# A plain string (spoken in the engine's language) or language segments.
TextInput = str | Sequence[Segment | tuple[str, str]]

DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class SynthesisResult:
    """A finished announcement file."""

    path: Path
    from_cache: bool
    elapsed_ms: float
    key: str
    # On a fresh synthesis: duration_s, rms, rate, voice_start_s, voice_s,
    # synth_ms (engine only), total_ms (engine + rendering), recorded_segments
    # (how many segments the voice pack said).
    info: dict = field(default_factory=dict, compare=False)


class Synthesizer:
    """Cached, timed-out speech synthesis through one worker process.

    ``engine`` defaults to :class:`audio.engines.Pyttsx3Engine` (Vietnamese).
    Counters ``cache_hits``, ``syntheses`` (worker jobs) and ``assemblies``
    (announcements said wholly by a voice pack, no worker) make caching observable.
    """

    def __init__(
        self,
        engine: Any = None,
        *,
        cache_dir: str | Path | WavCache | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        audio_format: AudioFormat | None = None,
        start_timeout: float = 30.0,
    ):
        if engine is None:
            engine = Pyttsx3Engine()
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.engine = engine
        self.cache = cache_dir if isinstance(cache_dir, WavCache) else WavCache(cache_dir)
        self.timeout = timeout
        self.audio_format = audio_format or AudioFormat()
        self.cache_hits = 0
        self.syntheses = 0
        self.assemblies = 0
        self.failures = 0
        self._worker = SynthesisWorker(engine, start_timeout=start_timeout)
        self._jobs: queue.Queue = queue.Queue()
        self._inflight: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._assembler: ThreadPoolExecutor | None = None
        self._closed = False

    # ------------------------------------------------------------------ keys

    def segments_for(self, text: TextInput) -> tuple[tuple[str, str], ...]:
        """Normalise input to ``((text, lang), …)``; ``ValueError`` if empty."""
        if isinstance(text, str):
            segments = [(text, getattr(self.engine, "language", "vi"))]
        else:
            segments = [(str(t), str(lang)) for t, lang in text]
        segments = [(" ".join(t.split()), lang) for t, lang in segments]
        if not segments or not all(t for t, _lang in segments):
            raise ValueError("nothing to say: the text is empty")
        return tuple(segments)

    @staticmethod
    def recorded_plan(segments: Sequence[tuple[str, str]], pack: VoicePack | None) -> tuple[bool, ...]:
        """For each segment, whether ``pack`` says it in full (then it is assembled from clips)."""
        return tuple(pack is not None and pack.covers(text, lang) for text, lang in segments)

    def _key(
        self, segments: tuple, fmt: AudioFormat, pack: VoicePack | None, rate: int | None
    ) -> tuple[str, tuple[bool, ...]]:
        recorded = self.recorded_plan(segments, pack)
        # The pack is part of the key only if it says something, the rate only if the engine speaks:
        # a pack that covers nothing shares the engine's cache entries.
        key = cache_key(
            segments,
            self.engine,
            fmt,
            pack_fingerprint=pack.fingerprint if pack is not None and any(recorded) else None,
            speech_rate=rate if not all(recorded) else None,
        )
        return key, recorded

    def key_for(
        self, text: TextInput, *, pack: VoicePack | None = None, fmt: AudioFormat | None = None, rate: int | None = None
    ) -> str:
        """The cache key of ``text`` with this engine and format (and pack and rate, when given)."""
        return self._key(self.segments_for(text), fmt or self.audio_format, pack, rate)[0]

    def cached_path(
        self, text: TextInput, *, pack: VoicePack | None = None, fmt: AudioFormat | None = None, rate: int | None = None
    ) -> Path | None:
        """The WAV if it is already cached, else ``None`` (never synthesises)."""
        return self.cache.get(self.key_for(text, pack=pack, fmt=fmt, rate=rate))

    @property
    def restarts(self) -> int:
        """Worker processes killed after a timeout (or on close)."""
        return self._worker.kills

    @property
    def worker_pid(self) -> int | None:
        """The worker's pid, ``None`` before the first synthesis."""
        return self._worker.pid

    # ------------------------------------------------------------------ API

    def prepare(
        self,
        text: TextInput,
        *,
        timeout: float | None = None,
        pack: VoicePack | None = None,
        fmt: AudioFormat | None = None,
        rate: int | None = None,
    ) -> Future:
        """Start making the WAV for ``text`` in the background; returns a Future of :class:`SynthesisResult`.

        A cached text gives an already finished Future; the same text asked
        twice while in progress shares one Future (one synthesis). ``pack``
        says the segments it fully covers from recordings; ``fmt`` overrides
        the synthesizer's :class:`AudioFormat` (chime, repeat, volume) for this
        call; ``rate`` is words per minute for synthesised segments (through
        the engine's ``with_rate`` when it has one). All three are part of the
        cache key.
        """
        if self._closed:
            raise RuntimeError("Synthesizer is closed")
        if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or not 60 <= rate <= 400):
            raise ValueError(f"rate must be 60–400 words per minute, not {rate!r}")
        started = time.perf_counter()
        segments = self.segments_for(text)
        fmt = fmt or self.audio_format
        key, recorded = self._key(segments, fmt, pack, rate)
        with self._lock:
            # In progress first: its job writes the cache file before it counts itself and resolves, so
            # a caller that took that file for a hit saw a WAV made by no counted job yet.
            if key in self._inflight:
                return self._inflight[key]
            path = self.cache.get(key)
            if path is not None:
                self.cache_hits += 1
                future: Future = Future()
                future.set_result(SynthesisResult(path, True, (time.perf_counter() - started) * 1000, key))
                return future
            future = Future()
            self._inflight[key] = future
            job = (future, key, segments, timeout or self.timeout, started, fmt, rate, pack, recorded)
            if all(recorded):
                if self._assembler is None:
                    self._assembler = ThreadPoolExecutor(1, thread_name_prefix="audio-assembler")
                self._assembler.submit(self._run, job)
                return future
            self._ensure_thread()
        self._jobs.put(job)
        return future

    def synthesize(
        self,
        text: TextInput,
        *,
        timeout: float | None = None,
        pack: VoicePack | None = None,
        fmt: AudioFormat | None = None,
        rate: int | None = None,
    ) -> SynthesisResult:
        """Blocking: the :class:`SynthesisResult` for ``text`` (``from_cache`` tells a hit)."""
        return self.prepare(text, timeout=timeout, pack=pack, fmt=fmt, rate=rate).result()

    def wav_for(
        self,
        text: TextInput,
        *,
        timeout: float | None = None,
        pack: VoicePack | None = None,
        fmt: AudioFormat | None = None,
        rate: int | None = None,
    ) -> Path:
        """Blocking: the path of the finished WAV for ``text``.

        Raises :class:`SynthesisError` (``SynthesisTimeout`` if the engine took
        longer than ``timeout`` seconds, default ``self.timeout``).
        """
        return self.synthesize(text, timeout=timeout, pack=pack, fmt=fmt, rate=rate).path

    def warm_up(self) -> None:
        """Start the worker and load the engine now, so the first announcement is fast."""
        self._worker.warm_up()

    def close(self) -> None:
        """Stop the worker process; texts still waiting fail with :class:`SynthesisError`."""
        self._closed = True
        while True:  # fail what has not started, so no caller waits forever
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None and job[0].set_running_or_notify_cancel():
                job[0].set_exception(SynthesisError("the synthesizer was closed"))
                with self._lock:
                    self._inflight.pop(job[1], None)
        self._jobs.put(None)
        if self._assembler is not None:
            self._assembler.shutdown(wait=True)  # in-process renders are short: let them finish
        self._worker.close()

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ background

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            # A daemon thread: a hung synthesis must not keep the server from exiting.
            self._thread = threading.Thread(target=self._loop, name="audio-synthesizer", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: tuple) -> None:
        """One job, from the worker queue or the in-process assembler; the outcome goes to its Future."""
        future, key = job[0], job[1]
        try:
            if future.set_running_or_notify_cancel():
                future.set_result(self._produce(*job[1:]))
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            with self._lock:
                self.failures += 1
            if not future.done():
                future.set_exception(error if isinstance(error, Exception) else SynthesisError(repr(error)))
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def _produce(
        self,
        key: str,
        segments: tuple,
        timeout: float,
        started: float,
        fmt: AudioFormat,
        rate: int | None,
        pack: VoicePack | None,
        recorded: tuple[bool, ...],
    ) -> SynthesisResult:
        # Another process sharing the cache directory may have made it meanwhile.
        path = self.cache.get(key)
        if path is not None:
            with self._lock:
                self.cache_hits += 1
            return SynthesisResult(path, True, (time.perf_counter() - started) * 1000, key)
        path = self.cache.path_for(key)
        items: list[tuple] = []
        for (text, lang), from_pack in zip(segments, recorded, strict=True):
            if from_pack:
                items.append((text, lang, assemble_samples(pack, text, lang).tobytes()))
            else:
                items.append((text, lang))
        if all(recorded):
            info = render_job(None, {}, items, path, fmt)
        else:
            info = self._worker.run(items, path, fmt, timeout, rate=rate)
        info["recorded_segments"] = sum(recorded)
        with self._lock:
            if all(recorded):
                self.assemblies += 1
            else:
                self.syntheses += 1
        return SynthesisResult(path, False, (time.perf_counter() - started) * 1000, key, info)
