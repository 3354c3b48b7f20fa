"""Speech engines behind one small interface.

* :class:`Pyttsx3Engine` (default): pyttsx3, which on Linux drives espeak-ng's
  Vietnamese voices ``aav/vi`` (north), ``aav/vi-vn-x-central``,
  ``aav/vi-vn-x-south``; on Windows SAPI5 (e.g. "Microsoft An").
* :class:`EspeakEngine`: the ``espeak-ng`` binary directly; a fallback and the
  benchmark baseline.
* :class:`audio.piper_engine.PiperEngine`: a Piper neural voice from a model
  file the operator supplies (``vi_VN-…onnx`` + its ``.onnx.json``).

On Linux, where pyttsx3 would drive libespeak-ng, :class:`Pyttsx3Engine`
calls that same library (through pyttsx3's own ctypes binding) in espeak's
*synchronous* mode instead of going through pyttsx3's event loop: the same
voice, rate and volume give the same samples (tested), in a third of the time
(pyttsx3's loop polls every 10 ms and runs espeak asynchronously, which is
also where its lost-file and cancelled-utterance pitfalls come from).

Engines are plain configuration objects that can be pickled into the
synthesis worker process; the live pyttsx3 engine is created there, lazily.
pyttsx3 2.99 is not thread-safe, writes only the last of several queued files
and can hang in ``runAndWait``: callers go through :mod:`audio.worker`, which
runs one engine in one process, one utterance at a time, under a timeout.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import locale
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import EngineUnavailable, SynthesisError

__all__ = [
    "DEFAULT_RATE",
    "VOICE_ALIASES",
    "EspeakEngine",
    "Pyttsx3Engine",
    "SpeechEngine",
    "engine_for_language",
    "engine_at_rate",
    "engine_identity",
    "language_tag",
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
    ``check()`` (raise :class:`EngineUnavailable` early),
    ``for_language(lang)`` (an engine for an English segment),
    ``with_rate(rate)`` (the same engine at another speaking rate, words per
    minute) and ``identity()`` (more fields for the cache key).
    """

    name: str

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write ``text`` as speech to the WAV file ``out_path``."""
        ...


def engine_identity(engine: Any) -> dict:
    """What distinguishes an engine's output, for the cache key.

    Voice, rate and volume always; an engine's own ``identity()`` adds what
    else changes its output (Piper: the model file's name, size and mtime).
    """
    identity = {
        "engine": getattr(engine, "name", type(engine).__name__),
        "voice": str(getattr(engine, "voice", "")),
        "rate": getattr(engine, "rate", None),
        "volume": getattr(engine, "volume", None),
        "class": f"{type(engine).__module__}.{type(engine).__qualname__}",
    }
    extra = getattr(engine, "identity", None)
    if callable(extra):
        identity.update(extra())
    return identity


def engine_for_language(engine: Any, lang: str) -> Any:
    """The engine to speak ``lang`` with: ``engine.for_language(lang)`` if it has one, else itself."""
    if lang == getattr(engine, "language", "vi"):
        return engine
    factory = getattr(engine, "for_language", None)
    return factory(lang) if factory else engine


def engine_at_rate(engine: Any, rate: int) -> Any:
    """``engine`` itself at ``rate`` words per minute, or a shallow clone of it sharing what it has loaded
    (a live pyttsx3 driver, a Piper model): not ``copy.copy``, whose ``__getstate__`` would drop them."""
    rate = int(rate)
    if rate <= 0:
        raise ValueError(f"speaking rate must be positive, got {rate}")
    if rate == engine.rate:
        return engine
    clone = object.__new__(type(engine))
    clone.__dict__.update(engine.__dict__)
    clone.rate = rate
    return clone


def _language_of(voice: str) -> str:
    """``"vi-vn-x-south"`` → ``"vi"``, ``"aav/vi"`` → ``"vi"``, ``"en-us"`` → ``"en"``."""
    voice = VOICE_ALIASES.get(voice.lower(), voice)
    return voice.rsplit("/", 1)[-1].split("-", 1)[0].lower()


_LCID_HEX = re.compile(r"^(?:0x)?(?=[0-9a-f]*\d)[0-9a-f]{3,4}$")
_UNKNOWN_LCID = re.compile(r"^unknown locale: (\d+)$")
# A plain BCP 47 tag: language, optionally a region ("vi", "vi-VN", "vi_VN").
_PLAIN_TAG = re.compile(r"^([a-z]{2,3})(?:-([a-z]{2}|\d{3}))?$")


def language_tag(value: Any) -> str:
    """A platform's voice language as a lower-case BCP 47 tag.

    What pyttsx3 2.99's drivers put in ``Voice.languages``: espeak ``"vi"``
    (older versions: bytes with espeak's priority byte first, ``b"\\x05vi"``),
    macOS NSSpeechSynthesizer ``"vi_VN"``, AVSpeech ``"vi-VN"``, SAPI5
    ``"vi-VN"`` converted from the LCID (``"Unknown Locale: 1066"`` when
    Python's table lacks it; other versions gave the raw LCID ``"42a"`` or
    ``0x042A``). All of them → ``"vi-vn"`` or ``"vi"``.
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "ignore")
    if isinstance(value, int):
        lcid: int | None = value
    else:
        text = "".join(ch for ch in str(value) if ch.isprintable()).strip().lower()
        lcid = None
        if _LCID_HEX.match(text):
            lcid = int(text, 16)
        elif (unknown := _UNKNOWN_LCID.match(text)) is not None:
            lcid = int(unknown.group(1))
        if lcid is None:
            return text.replace("_", "-")
    name = locale.windows_locale.get(lcid)
    return name.lower().replace("_", "-") if name else f"lcid-{lcid:#06x}"


def _voice_languages(voice: Any) -> list[str]:
    return [language_tag(lang) for lang in getattr(voice, "languages", None) or []]


def _tag_rank(voice_tag: str, wanted: re.Match) -> int | None:
    """How well a voice's language serves a wanted plain tag (lower is better; None: not at all)."""
    lang, region = wanted.group(1), wanted.group(2)
    parts = voice_tag.split("-")
    if parts[0] != lang:
        return None
    plain = "x" not in parts[1:]  # espeak's dialect variants carry a private-use "-x-…"
    voice_region = parts[1] if len(parts) > 1 and parts[1] != "x" else None
    if region is None:
        return 1 if plain else 3
    if voice_region == region:
        return 1 if plain else 3
    if voice_region is None:
        return 2 if plain else 4  # "vi" serves "vi-VN"
    return None  # another region's variant is not what was asked for


def _available(voices: list[Any], limit: int = 12) -> str:
    shown = [f"{v.id} ({', '.join(_voice_languages(v)) or '?'})" for v in voices[:limit]]
    more = f", … {len(voices) - limit} more" if len(voices) > limit else ""
    return ", ".join(shown) + more if shown else "none"


def resolve_voice(voices: list[Any], wanted: str) -> str:
    """Find the id of ``wanted`` in pyttsx3's voice list, as any platform reports it.

    ``wanted`` may be an id (``"aav/vi"``, a SAPI5 registry token), its last
    part (``"vi"``, ``"vi-vn-x-south"``), an alias (``"north"``,
    ``"central"``, ``"south"``), a voice name (``"Microsoft An"``, ``"Linh"``)
    or a language tag (``"vi"``, ``"vi-VN"``, ``"vi_VN"``): a tag picks the
    voice whose language matches best, so Windows' "Microsoft An" (vi-VN) or
    macOS's "Linh" (vi_VN) is chosen by ``"vi"`` where no espeak-ng voice
    exists. Raises :class:`EngineUnavailable` naming what exists, because
    pyttsx3 itself silently keeps the previous voice for an unknown id.
    """
    key = VOICE_ALIASES.get(wanted.lower(), wanted).lower()
    tag = _PLAIN_TAG.match(key.replace("_", "-"))
    for match in (
        lambda v: str(v.id).lower() == key,
        lambda v: str(v.id).lower().rsplit("/", 1)[-1] == key,
        lambda v: str(getattr(v, "name", "") or "").lower() in (key, f"{key} desktop"),
        # SAPI5 names: "Microsoft An - Vietnamese (Vietnam)"
        lambda v: str(getattr(v, "name", "") or "").lower().split(" - ", 1)[0] == key,
    ):
        for voice in voices:
            if match(voice):
                return str(voice.id)
    if tag is not None:
        ranked = []
        for order, voice in enumerate(voices):
            ranks = [r for r in (_tag_rank(t, tag) for t in _voice_languages(voice)) if r is not None]
            if key.replace("_", "-") in _voice_languages(voice):
                ranks.append(0)
            if ranks:
                ranked.append((min(ranks), order, str(voice.id)))
        if ranked:
            return min(ranked)[2]
        if tag.group(1) == "vi":  # a voice list without language tags but a telling name
            for voice in voices:
                if "vietnam" in str(getattr(voice, "name", "") or "").lower():
                    return str(voice.id)
    language = _language_of(key)
    same_language = [
        str(v.id)
        for v in voices
        if str(v.id).lower().rsplit("/", 1)[-1].startswith(language)
        or any(lang.split("-")[0] == language for lang in _voice_languages(v))
    ]
    vi_what, what = ("giọng tiếng Việt", "Vietnamese voice") if language == "vi" else ("giọng", "voice")
    hint_vi, hint = "", ""
    if language == "vi" and not same_language:
        hint_vi = " Cài espeak-ng (apt-get install espeak-ng) hoặc giọng Microsoft An (Windows: Cài đặt › Ngôn ngữ › Tiếng Việt)."
        hint = " Install espeak-ng (apt-get install espeak-ng) or, on Windows, the Vietnamese language's voice Microsoft An."
    raise EngineUnavailable(
        f"Không có {vi_what} {wanted!r} trong {len(voices)} giọng của pyttsx3.{hint_vi}"
        f" / no {what} {wanted!r} among pyttsx3's {len(voices)} voices;"
        f" voices for {language!r}: {same_language or 'none'}; available: {_available(voices)}.{hint}"
    )


def _check_wav_written(out_path: Path, who: str) -> None:
    # pyttsx3 "succeeds" without writing when the voice cannot speak the text.
    if not out_path.exists() or out_path.stat().st_size <= 44:
        raise SynthesisError(f"{who} wrote no audio to {out_path}")


_ESPEAK_MODE: list[str] = []  # "direct" or "pyttsx3": libespeak-ng can be initialised once per process


def _claim_espeak(mode: str) -> None:
    if _ESPEAK_MODE and _ESPEAK_MODE[0] != mode:
        raise EngineUnavailable(
            f"libespeak-ng đã được khởi tạo ở chế độ {_ESPEAK_MODE[0]!r} trong tiến trình này."
            f" / libespeak-ng was already initialised in {_ESPEAK_MODE[0]!r} mode in this process;"
            f" {mode!r} cannot share it (use one kind of Pyttsx3Engine per process)"
        )
    _ESPEAK_MODE[:] = [mode]


def _pyttsx3_would_use_espeak(driver: str | None) -> bool:
    """pyttsx3.init(None) picks sapi5 on Windows, nsss/avspeech on macOS, espeak elsewhere."""
    return driver == "espeak" or (driver is None and sys.platform not in ("win32", "cygwin", "darwin"))


class _DirectEspeak:
    """libespeak-ng in synchronous mode, through pyttsx3's own ctypes binding; one per process.

    ``espeak_Synth`` returns only when the whole utterance has been passed to
    our callback, on this thread: no event loop to poll, nothing to cancel,
    no late callback. The settings pyttsx3 would apply are applied the same
    way (``SetVoiceByName(id)``, ``RATE`` = wpm, ``VOLUME`` = round(volume ×
    100), flags ``ENDPAUSE | CHARS_UTF8``), so the samples are the same.
    """

    _instance: _DirectEspeak | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        try:
            from pyttsx3.drivers import _espeak
            from pyttsx3.drivers.espeak import EspeakDriver
        except (ImportError, OSError, RuntimeError) as error:  # RuntimeError: libespeak-ng not found
            raise EngineUnavailable(
                f"Không nạp được libespeak-ng ({error}): cài espeak-ng (apt-get install espeak-ng)."
                f" / libespeak-ng could not be loaded ({error}); install espeak-ng (apt-get install espeak-ng)"
            ) from None
        _claim_espeak("direct")
        self._espeak = _espeak
        # 1000 ms buffers: a call sentence comes back in a handful of callbacks.
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000)
        if self.sample_rate == -1:
            raise EngineUnavailable("espeak-ng không khởi động được. / espeak_Initialize failed")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._on_synth)
        self.voices = list(EspeakDriver.getProperty("voices"))  # the list pyttsx3 shows, built the same way
        self.lock = threading.Lock()

    @classmethod
    def get(cls) -> _DirectEspeak:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _on_synth(self, wav: Any, numsamples: int, events: Any) -> int:
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        return 0  # 0: go on

    def speak(self, text: str, voice_id: str, rate: int, volume: float) -> bytes:
        """The utterance as 16-bit mono PCM at :attr:`sample_rate` (call with :attr:`lock` held)."""
        espeak = self._espeak
        if espeak.SetVoiceByName(voice_id.encode("utf-8")) != espeak.EE_OK:
            raise SynthesisError(f"espeak-ng could not select voice {voice_id!r}")
        espeak.SetParameter(espeak.RATE, int(rate), 0)
        espeak.SetParameter(espeak.VOLUME, int(round(volume * 100, 2)), 0)
        self._chunks = []
        status = espeak.Synth(text.encode("utf-8"), flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        if status != espeak.EE_OK:
            raise SynthesisError(f"espeak_Synth failed with status {status}")
        used = espeak.GetCurrentVoice()
        used_id = used.contents.identifier.decode("utf-8").lower() if used else ""
        if used_id != voice_id.lower():
            raise SynthesisError(f"espeak spoke with voice {used_id!r} instead of {voice_id!r}")
        return b"".join(self._chunks)


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
        if _pyttsx3_would_use_espeak(driver):
            _claim_espeak("pyttsx3")
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

    Where pyttsx3 would use espeak (Linux), ``direct_espeak=True`` (default)
    calls libespeak-ng synchronously instead (:class:`_DirectEspeak`): same
    samples, none of the above, ~3× faster. ``direct_espeak=False`` keeps
    pyttsx3's own loop (one mode per process: libespeak-ng initialises once).
    Elsewhere (SAPI5, macOS) pyttsx3 is used as is.
    """

    name = "pyttsx3"

    def __init__(
        self,
        voice: str = "vi",
        rate: int = DEFAULT_RATE,
        volume: float = 1.0,
        driver: str | None = None,
        *,
        direct_espeak: bool = True,
    ):
        self.voice = voice
        self.rate = int(rate)
        self.volume = float(volume)
        self.driver = driver
        self.direct_espeak = direct_espeak
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
        return Pyttsx3Engine(
            voice=voice, rate=self.rate, volume=self.volume, driver=self.driver, direct_espeak=self.direct_espeak
        )

    def with_rate(self, rate: int) -> Pyttsx3Engine:
        """The same engine at ``rate`` words per minute; shares the live driver (nothing restarts)."""
        return engine_at_rate(self, rate)

    @property
    def voice_id(self) -> str:
        """The resolved pyttsx3 voice id (e.g. ``"aav/vi"``)."""
        self._ensure()
        assert self._voice_id is not None
        return self._voice_id

    @property
    def uses_direct_espeak(self) -> bool:
        """True when this engine calls libespeak-ng itself rather than through pyttsx3's loop."""
        return self.direct_espeak and _pyttsx3_would_use_espeak(self.driver)

    def _ensure(self) -> _SharedPyttsx3 | _DirectEspeak:
        if self._shared is None:
            shared: _SharedPyttsx3 | _DirectEspeak
            shared = _DirectEspeak.get() if self.uses_direct_espeak else _SharedPyttsx3.get(self.driver)
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
        if isinstance(shared, _DirectEspeak):
            self._speak_direct(shared, text, out_path)
            return
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

    def _speak_direct(self, shared: _DirectEspeak, text: str, out_path: Path) -> None:
        assert self._voice_id is not None
        with shared.lock:
            pcm = shared.speak(text, self._voice_id, self.rate, self.volume)
        if not pcm:
            raise SynthesisError(f"espeak-ng (voice {self._voice_id}) produced no audio for {text[:40]!r}")
        part = out_path.with_name(f".{out_path.name}.{os.getpid()}.part")
        with wave.open(str(part), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(shared.sample_rate)
            wav.writeframes(pcm)
        os.replace(part, out_path)
        _check_wav_written(out_path, f"espeak-ng (voice {self._voice_id})")

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

    def with_rate(self, rate: int) -> EspeakEngine:
        """The same voice at ``rate`` words per minute."""
        return engine_at_rate(self, rate)

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
