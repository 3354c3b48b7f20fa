"""Speech engines behind one small interface.

* :class:`Pyttsx3Engine` (default): pyttsx3, which on Linux drives espeak-ng's
  Vietnamese voices ``aav/vi`` (north), ``aav/vi-vn-x-central``,
  ``aav/vi-vn-x-south``; on Windows SAPI5 (e.g. "Microsoft An").
* :class:`EspeakEngine`: the ``espeak-ng`` binary directly; a fallback and the
  benchmark baseline.

Engines are plain configuration objects that can be pickled into the
synthesis worker process; the live pyttsx3 engine is created there, lazily.
pyttsx3 2.99 is not thread-safe, writes only the last of several queued files
and can hang in ``runAndWait``: callers go through :mod:`audio.worker`, which
runs one engine in one process, one utterance at a time, under a timeout.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import EngineUnavailable, SynthesisError

__all__ = [
    "DEFAULT_RATE",
    "VOICE_ALIASES",
    "EspeakEngine",
    "Pyttsx3Engine",
    "SpeechEngine",
    "engine_identity",
    "engine_for_language",
    "resolve_voice",
]

# espeak-ng's default is 175 words/min; a little slower carries better in a
# hall and for elderly listeners.
DEFAULT_RATE = 160

VOICE_ALIASES = {
    "north": "vi",
    "central": "vi-vn-x-central",
    "south": "vi-vn-x-south",
}
# The voice used for a segment in another language than the engine's own.
DEFAULT_VOICE_FOR_LANGUAGE = {"vi": "vi", "en": "en"}


@runtime_checkable
class SpeechEngine(Protocol):
    """Anything that turns text into a WAV file.

    Optional extras the library uses when present: ``voice``, ``rate``,
    ``volume`` (part of the cache key), ``language`` (default ``"vi"``),
    ``check()`` (raise :class:`EngineUnavailable` early) and
    ``for_language(lang)`` (an engine for an English segment).
    """

    name: str

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write ``text`` as speech to the WAV file ``out_path``."""
        ...


def engine_identity(engine: Any) -> dict:
    """What distinguishes an engine's output, for the cache key."""
    return {
        "engine": getattr(engine, "name", type(engine).__name__),
        "voice": str(getattr(engine, "voice", "")),
        "rate": getattr(engine, "rate", None),
        "volume": getattr(engine, "volume", None),
        "class": f"{type(engine).__module__}.{type(engine).__qualname__}",
    }


def engine_for_language(engine: Any, lang: str) -> Any:
    """The engine to speak ``lang`` with: ``engine.for_language(lang)`` if it has one, else itself."""
    if lang == getattr(engine, "language", "vi"):
        return engine
    factory = getattr(engine, "for_language", None)
    return factory(lang) if factory else engine


def _language_of(voice: str) -> str:
    """``"vi-vn-x-south"`` → ``"vi"``, ``"aav/vi"`` → ``"vi"``, ``"en-us"`` → ``"en"``."""
    voice = VOICE_ALIASES.get(voice.lower(), voice)
    return voice.rsplit("/", 1)[-1].split("-", 1)[0].lower()


def _voice_languages(voice: Any) -> list[str]:
    langs = []
    for lang in getattr(voice, "languages", None) or []:
        if isinstance(lang, bytes):
            lang = lang.decode("utf-8", "ignore")
        langs.append(str(lang).lower().replace("_", "-").lstrip("\x05"))
    return langs


def resolve_voice(voices: list[Any], wanted: str) -> str:
    """Find the id of ``wanted`` in pyttsx3's voice list.

    ``wanted`` may be an id (``"aav/vi"``), its last part (``"vi"``,
    ``"vi-vn-x-south"``), a language code, a voice name, or an alias
    (``"north"``, ``"central"``, ``"south"``). Raises
    :class:`EngineUnavailable` listing what exists, because pyttsx3 itself
    silently keeps the previous voice for an unknown id.
    """
    key = VOICE_ALIASES.get(wanted.lower(), wanted).lower()
    language = _language_of(key)
    matchers = (
        lambda v: str(v.id).lower() == key,
        lambda v: str(v.id).lower().rsplit("/", 1)[-1] == key,
        lambda v: key in _voice_languages(v),
        lambda v: str(getattr(v, "name", "")).lower() == key,
        # SAPI5 and others: any voice whose language starts with the code
        lambda v: any(lang.startswith(key) for lang in _voice_languages(v)),
        lambda v: key == "vi" and "vietnam" in str(getattr(v, "name", "")).lower(),
    )
    for match in matchers:
        for voice in voices:
            if match(voice):
                return str(voice.id)
    same_language = [
        str(v.id)
        for v in voices
        if str(v.id).lower().rsplit("/", 1)[-1].startswith(language)
        or any(lang.startswith(language) for lang in _voice_languages(v))
    ]
    what = "Vietnamese voice" if language == "vi" else "voice"
    hint = " Install espeak-ng (apt-get install espeak-ng)." if language == "vi" and not same_language else ""
    raise EngineUnavailable(
        f"no {what} {wanted!r} among pyttsx3's {len(voices)} voices;"
        f" voices for {language!r}: {same_language or 'none'}.{hint}"
    )


def _check_wav_written(out_path: Path, who: str) -> None:
    # pyttsx3 "succeeds" without writing when the voice cannot speak the text.
    if not out_path.exists() or out_path.stat().st_size <= 44:
        raise SynthesisError(f"{who} wrote no audio to {out_path}")


class _SharedPyttsx3:
    """The one pyttsx3 engine of this process for a driver, kept alive for good.

    pyttsx3 keeps its engines in a ``WeakValueDictionary``; when one is
    garbage-collected its espeak driver's destructor unregisters espeak's
    audio callback, the same global callback a newer engine relies on, so a
    later synthesis silently loses audio. One engine per process, never
    dropped, avoids that; the lock makes it safe to share between threads.
    """

    _instances: dict[str | None, _SharedPyttsx3] = {}
    _instances_lock = threading.Lock()

    def __init__(self, driver: str | None):
        try:
            import pyttsx3
        except ImportError as error:  # pragma: no cover - it is in requirements.txt
            raise EngineUnavailable(f"pyttsx3 is not installed: {error}") from None
        try:
            self.tts = pyttsx3.init(driver)
        except Exception as error:  # noqa: BLE001 - e.g. libespeak-ng missing
            raise EngineUnavailable(
                f"pyttsx3 could not start ({error}); on Linux install espeak-ng (apt-get install espeak-ng)"
            ) from None
        self.voices = list(self.tts.getProperty("voices"))
        self.is_playing: Any = None
        module = getattr(getattr(self.tts, "proxy", None), "_module", None)
        if getattr(module, "__name__", "").endswith(".espeak"):
            from pyttsx3.drivers import _espeak

            self.is_playing = _espeak.IsPlaying
        self.completed: bool | None = None
        self.lock = threading.Lock()
        self.tts.connect("finished-utterance", self._on_finished)
        # A new pyttsx3 engine starts "busy": property changes are queued and
        # replayed at the next runAndWait together with its cancel, which
        # drops them (the first utterance came out at pyttsx3's default 200
        # wpm). One empty run leaves it idle so later settings apply at once.
        with contextlib.redirect_stdout(io.StringIO()):
            self.tts.runAndWait()
        self.wait_idle(5.0)

    @classmethod
    def get(cls, driver: str | None) -> _SharedPyttsx3:
        with cls._instances_lock:
            if driver not in cls._instances:
                cls._instances[driver] = cls(driver)
            return cls._instances[driver]

    def _on_finished(self, name: Any = None, completed: bool = True, **_: Any) -> None:
        self.completed = bool(completed)

    def wait_idle(self, timeout: float) -> None:
        """Wait until espeak has nothing in flight (no-op for other drivers)."""
        if self.is_playing is None:
            return
        deadline = time.monotonic() + timeout
        while self.is_playing():
            if time.monotonic() > deadline:
                raise SynthesisError(f"espeak-ng stayed busy for {timeout:g} s")
            time.sleep(0.005)


class Pyttsx3Engine:
    """pyttsx3 with a Vietnamese voice (default ``"vi"`` = espeak-ng ``aav/vi``).

    ``rate`` is in words per minute, ``volume`` 0.0–1.0.

    Why the care in :meth:`synthesize`: with the espeak driver, pyttsx3 2.99
    runs espeak in *asynchronous* retrieval mode (the audio callback comes on
    espeak's own thread; voice/rate/volume changes are queued commands too)
    and, at the start of each ``runAndWait``, cancels whatever espeak still
    reports as busy. Setting the voice just before ``runAndWait`` therefore
    gets the new utterance cancelled or spoken with the old settings: seen
    here as header-only WAVs and wrong-length speech. So each attempt waits
    for espeak to be idle after setting the properties and after speaking,
    checks the voice espeak says it used, writes to its own file, and keeps
    only an utterance reported complete and non-empty.
    """

    name = "pyttsx3"

    def __init__(self, voice: str = "vi", rate: int = DEFAULT_RATE, volume: float = 1.0, driver: str | None = None):
        self.voice = voice
        self.rate = int(rate)
        self.volume = float(volume)
        self.driver = driver
        self.language = _language_of(voice)
        self.attempts = 3
        self.retries = 0  # attempts thrown away (observability)
        self.last_retry_reason: str | None = None
        self.idle_timeout = 5.0
        self._shared: _SharedPyttsx3 | None = None
        self._voice_id: str | None = None

    def __repr__(self) -> str:
        return f"Pyttsx3Engine(voice={self.voice!r}, rate={self.rate}, volume={self.volume})"

    def __getstate__(self) -> dict:
        # The live pyttsx3 engine stays in the process that made it.
        return {**self.__dict__, "_shared": None, "_voice_id": None}

    def for_language(self, lang: str) -> Pyttsx3Engine:
        """Same rate and volume, the default voice for ``lang`` (``"en"`` → espeak-ng English)."""
        if lang == self.language:
            return self
        voice = DEFAULT_VOICE_FOR_LANGUAGE.get(lang, lang)
        return Pyttsx3Engine(voice=voice, rate=self.rate, volume=self.volume, driver=self.driver)

    @property
    def voice_id(self) -> str:
        """The resolved pyttsx3 voice id (e.g. ``"aav/vi"``)."""
        self._ensure()
        assert self._voice_id is not None
        return self._voice_id

    def _ensure(self) -> _SharedPyttsx3:
        if self._shared is None:
            shared = _SharedPyttsx3.get(self.driver)
            self._voice_id = resolve_voice(shared.voices, self.voice)
            self._shared = shared
        return self._shared

    def check(self) -> None:
        """Start pyttsx3 and resolve the voice; raises :class:`EngineUnavailable`."""
        self._ensure()

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write ``text`` to ``out_path`` (one utterance per ``runAndWait``, checked, retried)."""
        shared = self._ensure()
        out_path = Path(out_path)
        out_path.unlink(missing_ok=True)
        with shared.lock:
            problem = "no attempt made"
            for attempt in range(self.attempts):
                part = out_path.with_name(f"{out_path.stem}.try{attempt}{out_path.suffix}")
                try:
                    self._attempt(shared, text, part)
                except SynthesisError as error:
                    problem = self.last_retry_reason = str(error)
                    part.unlink(missing_ok=True)
                    self.retries += 1
                    continue
                os.replace(part, out_path)
                return
        raise SynthesisError(f"{problem} (after {self.attempts} attempts)")

    def _attempt(self, shared: _SharedPyttsx3, text: str, part: Path) -> None:
        tts = shared.tts
        part.unlink(missing_ok=True)
        shared.wait_idle(self.idle_timeout)
        # Set everything every time: several engine objects share the one
        # driver (e.g. a Vietnamese and an English one).
        tts.setProperty("voice", self._voice_id)
        tts.setProperty("rate", self.rate)
        tts.setProperty("volume", self.volume)
        # In espeak's async mode these settings are queued commands: let them
        # land, or runAndWait's cancel would drop them.
        shared.wait_idle(self.idle_timeout)
        shared.completed = None
        # pyttsx3's espeak driver prints "Audio saved to …" on stdout, from
        # espeak's thread, possibly after runAndWait has returned.
        with contextlib.redirect_stdout(io.StringIO()):
            tts.save_to_file(text, str(part))
            tts.runAndWait()
            shared.wait_idle(self.idle_timeout)  # no late callback may still write
        if shared.completed is False:
            raise SynthesisError("pyttsx3 reported the utterance as interrupted")
        if shared.is_playing is not None:
            # After an utterance espeak reports the voice it really used.
            used = str(tts.getProperty("voice") or "").lower()
            if used != str(self._voice_id).lower():
                raise SynthesisError(f"espeak spoke with voice {used!r} instead of {self._voice_id!r}")
        _check_wav_written(part, f"pyttsx3 (voice {self._voice_id})")


class EspeakEngine:
    """The ``espeak-ng`` command: ``espeak-ng -v vi -s RATE -a AMP -w out.wav`` (text on stdin)."""

    name = "espeak-ng"

    def __init__(
        self,
        voice: str = "vi",
        rate: int = DEFAULT_RATE,
        volume: float = 1.0,
        binary: str = "espeak-ng",
        timeout: float | None = 30.0,
    ):
        self.voice = VOICE_ALIASES.get(voice.lower(), voice)
        self.rate = int(rate)
        self.volume = float(volume)
        self.binary = binary
        self.timeout = timeout
        self.language = _language_of(self.voice)

    def __repr__(self) -> str:
        return f"EspeakEngine(voice={self.voice!r}, rate={self.rate}, volume={self.volume})"

    def for_language(self, lang: str) -> EspeakEngine:
        """Same settings with the default voice for ``lang``."""
        if lang == self.language:
            return self
        voice = DEFAULT_VOICE_FOR_LANGUAGE.get(lang, lang)
        return EspeakEngine(voice=voice, rate=self.rate, volume=self.volume, binary=self.binary, timeout=self.timeout)

    def command(self, out_path: Path) -> list[str]:
        """The command line used (text goes on stdin, so it can never be read as an option)."""
        amplitude = max(0, min(200, int(round(self.volume * 100))))
        return [self.binary, "-v", self.voice, "-s", str(self.rate), "-a", str(amplitude), "-w", str(out_path)]

    def check(self) -> None:
        """Raise :class:`EngineUnavailable` if the binary or the voice is missing."""
        if shutil.which(self.binary) is None:
            raise EngineUnavailable(f"{self.binary} not found: install it (apt-get install espeak-ng)")
        with tempfile.TemporaryDirectory() as tmp:
            self.synthesize("một", Path(tmp) / "check.wav")

    def synthesize(self, text: str, out_path: Path) -> None:
        """Run espeak-ng once for ``text``."""
        out_path = Path(out_path)
        out_path.unlink(missing_ok=True)
        try:
            done = subprocess.run(
                self.command(out_path),
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise EngineUnavailable(f"{self.binary} not found: install it (apt-get install espeak-ng)") from None
        except subprocess.TimeoutExpired:
            raise SynthesisError(f"{self.binary} took longer than {self.timeout} s") from None
        if done.returncode != 0:
            message = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            if "voice does not exist" in message:
                raise EngineUnavailable(f"espeak-ng has no voice {self.voice!r}: {message}")
            raise SynthesisError(f"{self.binary} failed ({done.returncode}): {message}")
        _check_wav_written(out_path, f"{self.binary} (voice {self.voice})")
