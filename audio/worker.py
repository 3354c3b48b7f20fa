"""One dedicated, killable process that runs the speech engine.

Why a process and not a thread: pyttsx3's ``runAndWait`` can hang and is not
thread-safe, and a hung thread cannot be stopped. A process started with
multiprocessing's ``spawn`` method (no inherited locks or sockets from the
web server) can be killed; the next text gets a fresh one.

Protocol over a :func:`multiprocessing.Pipe`:

* child → parent, once: ``("ready", pid)`` or ``("init-error", type, message)``;
* parent → child: ``("job", id, segments, out_path, fmt, rate)`` or ``("stop",)``: a
  segment is ``(text, lang)`` to synthesise, or ``(text, lang, samples)`` already
  assembled from a recorded voice pack (16-bit mono bytes at
  :data:`audio.voicepack.CLIP_RATE`); ``rate`` is words per minute or ``None``;
* child → parent: ``("done", id, info)`` or ``("error", id, type, message)``.

The child synthesises each segment to a temporary WAV, checks it is not
silent, renders chime + voice (:func:`audio.mix.render_announcement`) and
renames the result into ``out_path``. :func:`render_job` is that same step,
also used in-process when a voice pack says every segment (no engine at all).
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engines import engine_for_language
from .errors import EngineUnavailable, SilentOutputError, SynthesisError, SynthesisTimeout
from .mix import AudioFormat, render_announcement
from .voicepack import CLIP_RATE

__all__ = ["SynthesisError", "SynthesisTimeout", "SynthesisWorker", "blocking_pipe", "render_job"]

_ERRORS = {cls.__name__: cls for cls in (EngineUnavailable, SilentOutputError, SynthesisTimeout, SynthesisError)}


def _error_from(type_name: str, message: str) -> SynthesisError:
    cls = _ERRORS.get(type_name)
    return cls(message) if cls else SynthesisError(f"{type_name}: {message}")


# --------------------------------------------------------------------------- child side


def _speaker(engine: Any, engines: dict, lang: str, rate: int | None) -> Any:
    """The engine for ``lang`` at ``rate`` words per minute, made once per worker."""
    if (lang, rate) not in engines:
        base = engines.get((lang, None))
        if base is None:
            base = engine_for_language(engine, lang)
            if base is not engine and hasattr(base, "check"):
                base.check()
            engines[(lang, None)] = base
        with_rate = getattr(base, "with_rate", None) if rate is not None else None
        # An engine without with_rate speaks at its own rate (the key still names the rate asked).
        engines[(lang, rate)] = with_rate(rate) if with_rate is not None else base
    return engines[(lang, rate)]


def render_job(
    engine: Any,
    engines: dict,
    segments: Sequence[tuple],
    out_path: Path,
    fmt: AudioFormat,
    rate: int | None = None,
) -> dict:
    """Synthesise the ``(text, lang)`` segments, take the ``(text, lang, samples)`` ones as they are, render to ``out_path``.

    ``engines`` caches the per-language/per-rate engines between jobs. The file
    appears at ``out_path`` whole or not at all.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="motcua-tts-") as tmp:
        parts: list = []
        for index, segment in enumerate(segments):
            text, lang = segment[0], segment[1]
            if len(segment) > 2:  # recorded: the voice pack's clips, already assembled
                parts.append((array("h", segment[2]), CLIP_RATE))
                continue
            path = Path(tmp) / f"segment-{index}.wav"
            _speaker(engine, engines, lang, rate).synthesize(text, path)  # one utterance per call
            parts.append(path)
        synth_ms = (time.perf_counter() - started) * 1000
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            info = render_announcement(parts, partial, fmt)
            os.replace(partial, out_path)
        finally:
            partial.unlink(missing_ok=True)
    info["synth_ms"] = synth_ms
    info["total_ms"] = (time.perf_counter() - started) * 1000
    return info


def _worker_main(conn: Any, engine: Any) -> None:
    """Entry point of the worker process."""
    # The parent's stdout may be a pipe someone parses (``run.py say`` prints
    # the WAV path): nothing from engines goes there.
    sys.stdout = sys.stderr
    try:
        check = getattr(engine, "check", None)
        if check is not None:
            check()
    except BaseException as error:  # noqa: BLE001 - reported to the parent, then exit
        conn.send(("init-error", type(error).__name__, str(error)))
        return
    conn.send(("ready", os.getpid()))
    engines: dict = {(getattr(engine, "language", "vi"), None): engine}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message[0] == "stop":
            return
        _kind, job_id, segments, out_path, fmt, rate = message
        try:
            info = render_job(engine, engines, segments, Path(out_path), fmt, rate)
        except BaseException as error:  # noqa: BLE001 - sent to the parent as a SynthesisError; the worker lives on
            conn.send(("error", job_id, type(error).__name__, str(error) or repr(error)))
        else:
            conn.send(("done", job_id, info))


# --------------------------------------------------------------------------- parent side


def blocking_pipe(ctx: Any) -> tuple[Any, Any]:
    """A duplex :func:`multiprocessing.Pipe` of ``ctx`` whose two ends block.

    A duplex pipe is a socketpair, and under gevent's patching (the server's gevent worker) its
    sockets come non-blocking: multiprocessing's framing then read half a message, failed with EAGAIN
    under load, and the worker was taken for dead and killed. The parent still waits for a reply with
    ``poll()``, which gevent makes cooperative."""
    parent, child = ctx.Pipe(duplex=True)
    for end in (parent, child):
        os.set_blocking(end.fileno(), True)
    return parent, child


class SynthesisWorker:
    """Parent-side handle on the worker process: start, run one job under a timeout, kill, restart.

    :meth:`run` is serialised by a lock; use it from one thread (the
    :class:`audio.Synthesizer` queue does).
    """

    def __init__(self, engine: Any, *, start_timeout: float = 30.0):
        self.engine = engine
        self.start_timeout = start_timeout
        self.starts = 0  # processes started
        self.kills = 0  # processes killed after a timeout or on close
        self._ctx = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Any = None
        self._ready = False
        self._closed = False
        self._lock = threading.Lock()
        self._job_ids = itertools.count(1)

    @property
    def pid(self) -> int | None:
        """The worker's process id, if one is running."""
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def start(self) -> None:
        """Start a worker process now (does not wait for it to be ready)."""
        parent, child = blocking_pipe(self._ctx)
        process = self._ctx.Process(
            target=_worker_main, args=(child, self.engine), name="audio-synthesis-worker", daemon=True
        )
        process.start()
        child.close()  # so the parent sees EOF if the child dies
        self._process, self._conn, self._ready = process, parent, False
        self.starts += 1

    def _discard(self) -> int | None:
        """Forget the current process (killing it if still alive); returns its exit code."""
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready = None, None, False
        code = None
        if process is not None:
            if process.is_alive():
                process.kill()
                self.kills += 1
            process.join(5)
            code = process.exitcode
        if conn is not None:
            conn.close()
        return code

    def _ensure_ready(self) -> None:
        if self._closed:
            raise SynthesisError("the speech worker has been closed")
        if self._process is None or not self._process.is_alive():
            self._discard()
            self.start()
        if self._ready:
            return
        if not self._conn.poll(self.start_timeout):
            self._discard()
            raise SynthesisTimeout(f"the speech worker did not start within {self.start_timeout:g} s")
        try:
            message = self._conn.recv()
        except (EOFError, OSError):
            code = self._discard()
            raise SynthesisError(f"the speech worker exited while starting (exit code {code})") from None
        if message[0] == "init-error":
            self._discard()
            raise _error_from(message[1], message[2])
        self._ready = True

    def warm_up(self) -> None:
        """Start the worker and wait until its engine is loaded."""
        with self._lock:
            self._ensure_ready()

    def run(
        self,
        segments: Sequence[tuple],
        out_path: Path,
        fmt: AudioFormat,
        timeout: float,
        *,
        rate: int | None = None,
    ) -> dict:
        """Synthesise and render ``segments`` into ``out_path`` within ``timeout`` seconds.

        A segment is ``(text, lang)``, or ``(text, lang, samples_bytes)`` when it
        comes from a voice pack; ``rate`` (words per minute) applies to this job only.

        On timeout the worker is killed, a new one started, and
        :class:`SynthesisTimeout` raised. A worker that dies mid-job (crash in
        a native library) gives :class:`SynthesisError`; the next job starts a
        new one.
        """
        with self._lock:
            self._ensure_ready()
            job_id = next(self._job_ids)
            try:
                self._conn.send(("job", job_id, [tuple(s) for s in segments], str(out_path), fmt, rate))
            except (OSError, ValueError):
                code = self._discard()
                raise SynthesisError(f"the speech worker is gone (exit code {code})") from None
            if not self._conn.poll(timeout):
                self._discard()
                if not self._closed:
                    self.start()  # restart now: the next text should not pay for the hang
                raise SynthesisTimeout(
                    f"speech synthesis took longer than {timeout:g} s; the worker was killed and restarted"
                )
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                code = self._discard()
                raise SynthesisError(f"the speech worker died while speaking (exit code {code})") from None
        if message[0] == "done" and message[1] == job_id:
            return message[2]
        if message[0] == "error":
            raise _error_from(message[2], message[3])
        raise SynthesisError(f"unexpected message from the speech worker: {message[:2]!r}")

    def close(self) -> None:
        """Stop the worker (politely if it is idle, else by killing it); it is not restarted."""
        self._closed = True
        if self._lock.acquire(timeout=0.5):
            try:
                if self._conn is not None and self._process is not None and self._process.is_alive():
                    try:
                        self._conn.send(("stop",))
                        self._process.join(2)
                    except (OSError, ValueError):
                        pass
                self._discard()
            finally:
                self._lock.release()
        else:  # a job is running (maybe hung): kill; the job's poll sees EOF
            process = self._process
            if process is not None and process.is_alive():
                process.kill()
                self.kills += 1

