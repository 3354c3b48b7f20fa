"""Announcements for boards: which sentence a call says, its WAV, pre-warming, the server speaker.

One :class:`Announcer` per app (built in ``server/bootstrap.py`` from the voice settings of
``server/config.py``, reached as ``services().announcer``) owns one :class:`audio.Synthesizer`
(one worker process, WAV cache in ``MOTCUA_AUDIO_CACHE`` or ``<instance>/audio``). It
subscribes to the app's event bus: when ``ticket_called`` is published it asks the synthesizer
to prepare that call's WAV at once, so the board's request a few hundred milliseconds later
finds it cached. The sentence says the ticket number (a result pickup's too:
the number on the citizen's pickup ticket, never the dossier's daily sequence) and the counter
number: never a name.

Each center chooses how its calls sound (``Center.settings["announcements"]``): a recorded voice
pack (said from the pack where it has every word of a sentence, by the synthesizer elsewhere), the
chime, the volume, the speaking rate and how many times the call is said with what pause. The
pre-warm and the board's request build the same synthesizer job through :meth:`Announcer.prepare`,
so they meet in the same cache entry.
"""

from __future__ import annotations

import atexit
import logging
import queue as queue_mod
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import Flask

from audio import AudioFormat, Segment, SpeakerQueue, SynthesisError, SynthesisResult, Synthesizer, announcement_segments
from audio.engines import DEFAULT_RATE, EspeakEngine, Pyttsx3Engine
from audio.piper_engine import PiperEngine
from audio.voicepack import VoicePack
from server.domain.center_rules import SOUND_DEFAULTS, sound_settings
from server.domain.errors import DomainError, not_found
from server.domain.events import DomainEvent
from server.domain.queue.announcements import CALL_KINDS, call_announcement
from server.domain.voice_packs import load_pack, voice_options
from server.extensions import services
from server.models import Center, Counter, Service, Ticket, TicketEvent

log = logging.getLogger("motcua.announcer")

DEFAULT_TIMEOUT = 15.0
CALL_ACTIONS = tuple(CALL_KINDS)  # call, recall, and a chosen call or a parked ticket's recall (said as a call)


@dataclass(frozen=True)
class Sound:
    """How a center's calls sound: chime ("none" for voice only), volume 0.1–1, speaking rate
    (words per minute; None: the server's), repeats and the pause between them, recorded voice pack."""

    chime: str = SOUND_DEFAULTS["chime"]
    volume: float = SOUND_DEFAULTS["volume"]
    rate: int | None = SOUND_DEFAULTS["rate"]
    repeat: int = 1
    repeat_gap_s: float = SOUND_DEFAULTS["repeat_gap_s"]
    voice_pack_id: int | None = None

    def audio_format(self, base: AudioFormat) -> AudioFormat:
        """``base`` (the synthesizer's format) with this center's chime, volume and repeats."""
        return replace(base, chime=None if self.chime == "none" else self.chime, volume=self.volume, repeat=self.repeat,
                       repeat_gap_s=self.repeat_gap_s)


def center_sound(center_settings: dict[str, Any] | None) -> Sound:
    """A center's :class:`Sound` from its saved settings; anything unreadable falls back to the defaults
    (a call must be said even if a setting went bad)."""
    saved = (center_settings or {}).get("announcements") or {}
    try:
        checked = sound_settings(saved)
    except (ValueError, TypeError):
        log.warning("center sound settings are invalid; using the defaults")
        checked = dict(SOUND_DEFAULTS)
    return Sound(checked["chime"], checked["volume"], checked["rate"], repeat_count(center_settings), checked["repeat_gap_s"],
                 checked["voice_pack_id"])


@dataclass(frozen=True)
class Announcement:
    """What one call says: kind (call / recall / pickup), the ticket number read out, the counter.

    ``dossier_code`` is set on a pickup for screens (the second line); it is never spoken."""

    event_id: int | None
    center_id: int
    kind: str
    number: str
    counter_number: int
    segments: tuple[Segment, ...]
    dossier_code: str | None = None
    sound: Sound = field(default_factory=Sound)

    @property
    def text(self) -> str:
        """What is heard: the sentence, as many times as the center repeats it."""
        return ". ".join([segment.text for segment in self.segments] * self.sound.repeat)


def repeat_count(center_settings: dict[str, Any] | None) -> int:
    """How many times a call is said (1–3; ``announcements.repeat``): halls are noisy, hearing is not always good."""
    try:
        return max(1, min(3, int(((center_settings or {}).get("announcements") or {}).get("repeat") or 1)))
    except (TypeError, ValueError):
        return 1


def make_announcement(
    event_id: int | None,
    center_id: int,
    kind: str,
    number: str,
    counter_number: int,
    center_settings: dict[str, Any] | None,
    *,
    dossier_code: str | None = None,
) -> Announcement:
    """The announcement for a call of ticket ``number``; the same inputs give the same segments and sound (so the same
    cache key). The sentence is synthesised once: repeats are made in the mix (one chime, a pause, the voice again)."""
    segments = announcement_segments(kind, number, counter_number, **voice_options(center_settings))
    return Announcement(
        event_id, center_id, kind, number, int(counter_number), tuple(Segment(*s) for s in segments), dossier_code,
        center_sound(center_settings),
    )


def speech_engine(
    name: str = "pyttsx3", *, voice: str = "vi", rate: int | None = None, volume: float = 1.0, model: Path | None = None
) -> Any:
    """The process's one speech engine: ``name`` "espeak" calls espeak-ng directly, "piper" speaks with the
    Piper voice model at ``model`` (loaded once, in the speech worker), anything else is pyttsx3 (which is
    not safe to drive from several engines at once, so the voice is per server; a center may choose its
    own speaking rate, applied per call)."""
    rate = DEFAULT_RATE if rate is None else rate
    if name in ("espeak", "espeak-ng"):
        return EspeakEngine(voice=voice, rate=rate, volume=volume)
    if name == "piper":
        if model is None:
            raise ValueError("the piper engine needs a model file (MOTCUA_PIPER_MODEL)")
        return PiperEngine(model, rate=rate, volume=volume)
    return Pyttsx3Engine(voice=voice, rate=rate, volume=volume)


class Announcer:
    """The app's announcement service: sentence per call event, cached WAV, pre-warm, server speaker."""

    def __init__(
        self,
        db: Any,
        alerts: Any,
        *,
        cache_dir: str | Path,
        make_engine: Callable[[], Any] = speech_engine,
        timeout: float = DEFAULT_TIMEOUT,
        prewarm: bool = True,
        synthesizer: Synthesizer | None = None,
        speaker: SpeakerQueue | None = None,
    ) -> None:
        """``cache_dir``: where WAVs are kept; ``make_engine``: builds the speech engine when the
        first announcement is made (no worker process until someone speaks); ``timeout``: seconds
        before a synthesis counts as failed. ``prewarm``: synthesize each call's WAV as it is
        published (tests turn it off: hundreds of throwaway apps must not each start a speech
        process; a synthesizer given later with :meth:`use_synthesizer` turns it on). ``speaker``:
        the server's own sound card, which then says every call too."""
        self.db = db
        self.alerts = alerts
        self.cache_dir = Path(cache_dir)
        self.make_engine = make_engine
        self.prewarm = prewarm
        self._synth = synthesizer
        self._own_synth = False
        self._lock = threading.Lock()
        self.timeout = timeout
        self.prewarmed = 0
        self._warming = False
        self.speaker = speaker
        self._speak_queue: queue_mod.Queue | None = None
        # Calls waiting for their pre-warm, prepared by a worker thread off the emit path (issue 17).
        self._pending: deque[DomainEvent] = deque()
        self._pending_changed = threading.Condition()
        self._prewarm_worker: threading.Thread | None = None
        self._in_hand = 0  # calls noted and not yet prepared (queued or being prepared)
        if self.speaker is not None:
            self._start_speaker_thread()

    # ------------------------------------------------------------------ synthesizer
    @property
    def synthesizer(self) -> Synthesizer:
        """The app-wide synthesizer, made on first use (no worker process until someone speaks)."""
        with self._lock:
            if self._synth is None:
                self._synth = Synthesizer(self.make_engine(), cache_dir=str(self.cache_dir), timeout=self.timeout)
                self._own_synth = True
                atexit.register(self.close)
            return self._synth

    @property
    def speaks_ahead(self) -> bool:
        """Pre-warm calls? When the composition root asked for it, or once a synthesizer is given."""
        return self._synth is not None or self.prewarm

    def warm_up_in_background(self) -> None:
        """Start the speech worker now (a board just opened), so the first call of the day is quick."""
        if not self.speaks_ahead or self._warming:
            return
        self._warming = True

        def warm() -> None:
            try:
                self.synthesizer.warm_up()
            except Exception as error:  # noqa: BLE001 - the WAV request will report it properly
                log.warning("could not warm the speech worker: %s", error)

        threading.Thread(target=warm, name="announcer-warm-up", daemon=True).start()

    def use_synthesizer(self, synthesizer: Synthesizer) -> None:
        """Share a synthesizer (tests and benchmarks keep one warm worker for many apps)."""
        with self._lock:
            self._synth = synthesizer
            self._own_synth = False

    def close(self) -> None:
        with self._lock:
            synth, own = self._synth, self._own_synth
            self._synth = None
        if synth is not None and own:
            synth.close()
        if self._speak_queue is not None:
            self._speak_queue.put(None)

    # ------------------------------------------------------------------ sentences
    def for_event(self, event_id: int) -> Announcement:
        """The announcement of a call or recall from the ticket event log (404 for anything else)."""
        with self.db.read() as s:
            event = s.get(TicketEvent, event_id)
            if event is None or event.action not in CALL_ACTIONS or event.counter_id is None:
                raise not_found("lượt gọi", "Call", "unknown_call")
            ticket = s.get(Ticket, event.ticket_id)
            service = s.get(Service, event.service_id or ticket.service_id)
            counter = s.get(Counter, event.counter_id)
            center = s.get(Center, event.center_id)
            kind = call_announcement(service, ticket, event.action)
            return make_announcement(
                event.id,
                event.center_id,
                kind,
                ticket.display,
                counter.number,
                dict(center.settings or {}),
                dossier_code=ticket.dossier_code if kind == "pickup" else None,
            )

    def for_payload(self, center_id: int, payload: dict[str, Any]) -> Announcement | None:
        """The announcement of a published ``ticket_called`` payload (same sentence as :meth:`for_event`)."""
        ticket = payload.get("ticket") or {}
        counter = payload.get("counter") or ticket.get("counter") or {}
        kind = payload.get("announcement") or payload.get("kind") or "call"
        number = payload.get("number") or ticket.get("number")
        if not number or counter.get("number") is None:
            return None
        with self.db.read() as s:
            center = s.get(Center, center_id)
            settings = dict(center.settings or {}) if center else {}
        return make_announcement(
            payload.get("event_id"),
            center_id,
            kind,
            str(number),
            counter["number"],
            settings,
            dossier_code=ticket.get("dossier_code") if kind == "pickup" else None,
        )

    def preview(self, center_id: int, number: str, counter_number: int, kind: str = "call",
                pack_id: int | None = None) -> tuple[Announcement, SynthesisResult]:
        """What center ``center_id`` would say for ``number`` at ``counter_number`` (its settings and
        sound; ``pack_id`` tries another pack in place of its own), and the finished WAV."""
        with self.db.read() as s:
            center = s.get(Center, center_id)
            if center is None:
                raise not_found("trung tâm", "Center", "unknown_center")
            settings = dict(center.settings or {})
        if pack_id is not None:
            settings = {**settings, "announcements": {**(settings.get("announcements") or {}), "voice_pack_id": pack_id}}
        try:
            announcement = make_announcement(None, center_id, kind, str(number), int(counter_number), settings)
        except ValueError as error:  # a dossier code, an empty number
            raise DomainError("invalid_number", "Số thứ tự không đọc được.", f"This number cannot be said: {error}",
                              status=400) from None
        return announcement, self.wav(announcement)

    def cached_wav(self, key: str) -> Path:
        """A finished WAV by its cache key (a preview's ``wav_url``); 404 for an unknown or malformed key."""
        if not (8 <= len(key) <= 128 and all(ch in "0123456789abcdef" for ch in key)):
            raise not_found("bản nghe thử", "Preview", "unknown_preview")
        path = self.synthesizer.cache.get(key)
        if path is None:
            raise not_found("bản nghe thử", "Preview", "unknown_preview")
        return Path(path)

    # ------------------------------------------------------------------ WAV
    def pack_for(self, announcement: Announcement) -> VoicePack | None:
        """The center's recorded voice pack (None: synthesizer only, or the pack is gone)."""
        try:
            return load_pack(self.db, announcement.sound.voice_pack_id)
        except Exception:  # a pack that cannot be read must not silence the call: the synthesizer says it
            log.exception("could not load voice pack %s", announcement.sound.voice_pack_id)
            return None

    def prepare(self, announcement: Announcement) -> Any:
        """Start making ``announcement``'s WAV (a Future); the pre-warm and :meth:`wav` both go through here,
        so they ask for the same cache key."""
        synth = self.synthesizer
        sound = announcement.sound
        base = getattr(synth, "audio_format", None) or AudioFormat()
        fmt, pack = sound.audio_format(base), self.pack_for(announcement)
        # Only what differs from the synthesizer's own choices is passed: a center with the default
        # sound keeps the cache entries made before centers could choose.
        options = {"pack": pack, "fmt": fmt if fmt != base else None, "rate": sound.rate}
        return synth.prepare(announcement.segments, **{k: v for k, v in options.items() if v is not None})

    def wav(self, announcement: Announcement, *, timeout: float | None = None) -> SynthesisResult:
        """The finished WAV (cached or made now, waiting at most ``timeout`` s).

        A failure raises ``voice_failed`` for the center's supervisors and a 503 DomainError:
        the board still shows the call, it just cannot say it."""
        try:
            future = self.prepare(announcement)
            result = future.result(timeout=timeout or self.timeout)
        except (SynthesisError, FutureTimeout, OSError, RuntimeError) as error:
            log.warning("announcement %s failed: %s", announcement.event_id, error)
            try:
                self.alerts.raise_alert(
                    announcement.center_id,
                    "voice_failed",
                    "synthesizer",
                    f"Không tạo được lời gọi số bằng giọng nói ({type(error).__name__}). "
                    "Màn hình vẫn hiển thị số; kiểm tra espeak-ng trên máy chủ.",
                    f"Voice announcement failed ({type(error).__name__}: {error}). "
                    "Boards still show calls; check espeak-ng on the server.",
                )
            except Exception:
                log.exception("could not raise the voice_failed alert")
            raise DomainError(
                "voice_unavailable",
                "Tạm thời không phát được lời gọi số. Vui lòng xem số trên màn hình.",
                "The voice announcement is unavailable right now. Please watch the board.",
                status=503,
            ) from error
        return result

    # ------------------------------------------------------------------ pre-warm + speaker
    def on_event(self, event: DomainEvent) -> None:
        """Called for every published domain event: have each call's WAV prepared ahead of the boards.

        Only noted here: the sentence (a database read for the center's sound), the voice pack and the
        synthesizer's job are a worker thread's, so the request that made the call answers the clerk
        without them, and the call's fan-out to the boards is not kept waiting for them. A board asking
        for the WAV before the worker got to it is served the same (the synthesizer shares the job)."""
        if event.name != "ticket_called" or not self.speaks_ahead:
            return
        with self._pending_changed:
            self._pending.append(event)
            self._in_hand += 1
            if self._prewarm_worker is None:
                self._prewarm_worker = threading.Thread(target=self._prewarm_pending, name="announcer-prewarm", daemon=True)
                self._prewarm_worker.start()

    def wait_prewarmed(self, timeout: float = 5.0) -> bool:
        """Wait until every call noted so far has been handed to the synthesizer; False on timeout."""
        with self._pending_changed:
            return self._pending_changed.wait_for(lambda: self._in_hand == 0, timeout)

    def _prewarm_pending(self) -> None:
        """The worker: prepare the noted calls in order; stop when none is left."""
        while True:
            with self._pending_changed:
                if not self._pending:
                    self._prewarm_worker = None
                    return
                event = self._pending.popleft()
            try:
                self._prewarm(event)
            finally:
                with self._pending_changed:
                    self._in_hand -= 1
                    self._pending_changed.notify_all()

    def _prewarm(self, event: DomainEvent) -> None:
        try:
            announcement = self.for_payload(event.center_id, event.payload)
            if announcement is None:
                return
            future = self.prepare(announcement)
            self.prewarmed += 1
            if self._speak_queue is not None:
                self._speak_queue.put(future)
        except Exception:
            log.exception("could not pre-warm the announcement of %s", event.payload.get("event_id"))

    def _start_speaker_thread(self) -> None:
        # Futures are played in call order, even when a later one is a cache hit that is ready first.
        self._speak_queue = queue_mod.Queue()

        def loop() -> None:
            while True:
                future = self._speak_queue.get()
                if future is None:
                    return
                try:
                    self.speaker.play(future.result(timeout=self.timeout).path)
                except Exception as error:  # noqa: BLE001 - one lost sound must not stop the speaker thread
                    log.warning("server speaker skipped an announcement: %s", error)

        threading.Thread(target=loop, name="announcer-speaker", daemon=True).start()


def announcer_for(app: Flask | None = None) -> Announcer:
    """The app's announcer (built with the app's other services in ``server/bootstrap.py``)."""
    return services(app).announcer


__all__ = ["Announcement", "Announcer", "Sound", "announcer_for", "center_sound", "make_announcement", "repeat_count",
           "speech_engine", "voice_options"]
