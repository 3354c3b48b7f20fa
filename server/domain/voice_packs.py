"""Voice packs: a center's own recorded human voice, in place of the synthesizer where it can.

A pack is a named set of short clips (one WAV per vocabulary key and language: the phrases of
the announcement templates, the number words, the letters of ticket prefixes). Clips are kept in
the database (``server/models/voice.py``): backups carry them and every server process sees the
same pack. The audio itself is checked, trimmed, normalised and resampled by
:func:`audio.voicepack.process_clip`; this module decides who may change which pack, keeps the
audit log, tells which clips a center needs and which sentences a pack says in full, and hands
the announcer a ready :class:`audio.voicepack.VoicePack` (cached per process, keyed by the
pack's ``updated_at``, so a call does not read sixty blobs).

Plain Python over SQLAlchemy, no Flask.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from audio import KINDS, announcement_segments, validate_templates
from audio.chime import CHIMES, chime_samples
from audio.numbers import LETTER_NAMES
from audio.voicepack import CLIP_RATE, ClipError, PackError, clip_key, export_pack, import_pack, process_clip, required_clips
from audio.voicepack import VoicePack as AudioVoicePack
from audio.wavio import wav_bytes
from server.clock import Clock, utc
from server.db import Database
from server.domain import audit
from server.domain.accounts import Principal
from server.domain.errors import DomainError, not_found
from server.models import Center, Counter, Service
from server.models.voice import CLIP_SOURCES, VoiceClip, VoicePack

log = logging.getLogger("motcua.voice_packs")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # one clip as sent by a browser or a file: a few seconds of audio is far less
MAX_PACK_FILE_BYTES = 60 * 1024 * 1024  # an exported pack (import_pack checks the unpacked size itself)
MAX_KEY_CHARS = 120
MAX_NAME_CHARS = 120
LANGS = ("vi", "en")
SAMPLE_NUMBER = "1023"  # a pickup number, and the sample a center without services is checked with


# ------------------------------------------------------------------ a center's voice choices
def voice_options(center_settings: dict[str, Any] | None) -> dict[str, Any]:
    """A center's voice choices, as the administration saves them in ``Center.settings["announcements"]``:
    dialect, digit-by-digit, templates, English after Vietnamese (the keyword arguments of
    :func:`audio.announcement_segments`)."""
    settings = (center_settings or {}).get("announcements") or {}
    options: dict[str, Any] = {
        "dialect": settings.get("dialect") if settings.get("dialect") in ("north", "south") else "north",
        "digit_by_digit": bool(settings.get("digit_by_digit", False)),
        "include_english": bool(settings.get("english", False)),
    }
    templates = settings.get("templates")
    if isinstance(templates, dict) and templates:
        try:
            validate_templates(templates)
            options["templates"] = templates
        except (ValueError, TypeError):
            log.warning("center announcement templates are invalid; using the defaults")
    return options


def prefix_letters(prefixes: list[str]) -> list[str]:
    """The letters the ticket prefixes ``prefixes`` are read with (A, B, TP → A, B, P, T)."""
    return sorted({ch for prefix in prefixes for ch in (prefix or "").upper() if ch in LETTER_NAMES})


_KNOWN_CHIMES = {"ding-dong": ("Ding-dong (hai tiếng)", "Ding-dong"), "three-tone": ("Ba tiếng đi lên", "Three rising tones"),
                 "bell": ("Một tiếng chuông", "A single bell"), "four-tone": ("Bốn tiếng đi lên", "Four rising tones")}
# Every chime the audio library makes, named for the settings page, then "none" (voice only).
CHIME_LABELS: dict[str, tuple[str, str]] = {
    **{name: _KNOWN_CHIMES.get(name, (name, name)) for name in CHIMES}, "none": ("Không có chuông", "No chime"),
}


def chime_wav(name: str) -> bytes:
    """The chime ``name`` alone as a WAV, to listen to it before choosing (404 for an unknown one)."""
    if name not in CHIMES:
        raise not_found("tiếng chuông", "Chime", "unknown_chime")
    return wav_bytes(chime_samples(CLIP_RATE, name), CLIP_RATE)


# ------------------------------------------------------------------ the announcer's pack cache
_cache: dict[int, tuple[datetime, AudioVoicePack]] = {}
_cache_lock = threading.Lock()


def load_pack(db: Database, pack_id: int | None) -> AudioVoicePack | None:
    """The pack ``pack_id`` as the audio library uses it, or None (no id, or the pack is gone).

    Cached per process by ``(id, updated_at)``: every clip change moves ``updated_at``, so another
    process's change is seen at the next call for the price of one small query."""
    if not pack_id:
        return None
    with db.read() as s:
        row = s.execute(
            select(VoicePack.name, VoicePack.description, VoicePack.updated_at).where(VoicePack.id == pack_id)
        ).first()
        if row is None:
            return None
        with _cache_lock:
            cached = _cache.get(pack_id)
        if cached is not None and cached[0] == row.updated_at:
            return cached[1]
        clips = {(c.lang, c.key): c.wav for c in s.scalars(select(VoiceClip).where(VoiceClip.pack_id == pack_id))}
    pack = AudioVoicePack(row.name, clips, description=row.description or "")
    with _cache_lock:
        _cache[pack_id] = (row.updated_at, pack)
    return pack


# ------------------------------------------------------------------ errors
def _bad(code: str, vi: str, en: str, status: int = 400, **details: Any) -> DomainError:
    return DomainError(code, vi, en, status=status, **details)


def _audio_error(error: ClipError | PackError, code: str) -> DomainError:
    # The audio library's own bilingual reason, Vietnamese first: the person recording reads it.
    vi = getattr(error, "vi", "") or str(error)
    en = getattr(error, "en", "") or str(error)
    return _bad(code, vi, en, status=422)


def _name_taken(name: str) -> DomainError:
    return _bad("voice_pack_exists", f"Đã có bộ giọng đọc tên «{name}».", f"A voice pack named “{name}” exists.", 409)


def _pack_not_found() -> DomainError:
    return not_found("bộ giọng đọc", "Voice pack", "unknown_voice_pack")


# ------------------------------------------------------------------ views
def pack_view(pack: VoicePack, clips: int = 0, seconds: float = 0.0,
              centers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A pack as the API shows it (no audio)."""
    return {
        "id": pack.id,
        "name": pack.name,
        "description": pack.description or "",
        "created_at": audit.jsonable(pack.created_at),
        "updated_at": audit.jsonable(pack.updated_at),
        "clip_count": clips,
        "seconds": round(seconds, 1),
        "centers": centers or [],
    }


def clip_view(clip: VoiceClip) -> dict[str, Any]:
    """One clip's facts (no audio): language, key, length, where it came from."""
    return {
        "lang": clip.lang,
        "key": clip.key,
        "duration_ms": clip.duration_ms,
        "source": clip.source,
        "updated_at": audit.jsonable(clip.updated_at),
    }


class VoicePackService:
    """Packs and their clips, each change audited; what a center needs and what a pack says."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -------------------------------------------------------------- helpers
    def _audit(self, s: Session, principal: Principal, action: str, entity_id: Any, before: dict | None, after: dict | None,
               summary: str, entity: str = "voice_pack") -> None:
        audit.record(s, actor=principal.actor, user_id=principal.id if principal.kind == "user" else None, action=action,
                     entity=entity, entity_id=entity_id, center_id=principal.center_id, before=before, after=after,
                     summary=summary, now=self.clock.now())

    @staticmethod
    def _pack(s: Session, pack_id: int) -> VoicePack:
        pack = s.get(VoicePack, pack_id)
        if pack is None:
            raise _pack_not_found()
        return pack

    def _touch(self, pack: VoicePack) -> None:
        # updated_at keys the announcer's cache: it must move even when two changes share a clock tick.
        now, before = utc(self.clock.now()), pack.updated_at and utc(pack.updated_at)
        pack.updated_at = now if before is None or now > before else before + timedelta(microseconds=1)

    @staticmethod
    def _centers_using(s: Session) -> dict[int, list[dict[str, Any]]]:
        using: dict[int, list[dict[str, Any]]] = {}
        for center in s.scalars(select(Center).order_by(Center.id)):
            pack_id = ((center.settings or {}).get("announcements") or {}).get("voice_pack_id")
            if pack_id:
                using.setdefault(int(pack_id), []).append({"id": center.id, "name": center.name})
        return using

    @staticmethod
    def _clean_name(name: Any) -> str:
        name = " ".join(str(name or "").split())
        if not name or len(name) > MAX_NAME_CHARS:
            raise _bad("invalid_voice_pack", f"Tên bộ giọng đọc cần 1–{MAX_NAME_CHARS} ký tự.",
                       f"A voice pack name needs 1–{MAX_NAME_CHARS} characters.")
        return name

    @staticmethod
    def _name_free(s: Session, name: str, pack_id: int | None = None) -> bool:
        found = s.scalar(select(VoicePack.id).where(func.lower(VoicePack.name) == name.lower()))
        return found is None or found == pack_id

    # -------------------------------------------------------------- packs
    def list_packs(self) -> list[dict[str, Any]]:
        """Every pack with its number of clips, their total length and the centers using it."""
        with self.db.read() as s:
            stats = dict(
                (pack_id, (count, ms or 0))
                for pack_id, count, ms in s.execute(
                    select(VoiceClip.pack_id, func.count(), func.sum(VoiceClip.duration_ms)).group_by(VoiceClip.pack_id)
                )
            )
            using = self._centers_using(s)
            return [
                pack_view(p, stats.get(p.id, (0, 0))[0], stats.get(p.id, (0, 0))[1] / 1000, using.get(p.id))
                for p in s.scalars(select(VoicePack).order_by(VoicePack.name))
            ]

    def get_pack(self, pack_id: int) -> dict[str, Any]:
        """One pack with the facts of each clip (no audio)."""
        with self.db.read() as s:
            pack = self._pack(s, pack_id)
            clips = list(s.scalars(select(VoiceClip).where(VoiceClip.pack_id == pack_id).order_by(VoiceClip.lang, VoiceClip.key)))
            view = pack_view(pack, len(clips), sum(c.duration_ms for c in clips) / 1000, self._centers_using(s).get(pack_id))
            return {**view, "clips": [clip_view(c) for c in clips]}

    def create_pack(self, principal: Principal, name: str, description: str = "") -> dict[str, Any]:
        """A new, empty pack (names are unique, whatever the case)."""
        name = self._clean_name(name)
        with self.db.write() as s:
            if not self._name_free(s, name):
                raise _name_taken(name)
            now = self.clock.now()
            pack = VoicePack(name=name, description=str(description or "")[:2000], created_at=now, updated_at=now)
            s.add(pack)
            s.flush()
            self._audit(s, principal, "create", pack.id, None, {"name": name}, f"Tạo bộ giọng đọc «{name}»")
            return pack_view(pack)

    def update_pack(self, principal: Principal, pack_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Rename a pack or change its description."""
        with self.db.write() as s:
            pack = self._pack(s, pack_id)
            before = {"name": pack.name, "description": pack.description}
            if "name" in data:
                name = self._clean_name(data["name"])
                if not self._name_free(s, name, pack_id):
                    raise _name_taken(name)
                pack.name = name
            if "description" in data:
                pack.description = str(data["description"] or "")[:2000]
            self._touch(pack)
            self._audit(s, principal, "update", pack.id, before, {"name": pack.name, "description": pack.description},
                        f"Sửa bộ giọng đọc «{pack.name}»")
            return pack_view(pack)

    def delete_pack(self, principal: Principal, pack_id: int) -> None:
        """Delete a pack and its clips; refused (409) while a center still uses it."""
        with self.db.write() as s:
            pack = self._pack(s, pack_id)
            using = self._centers_using(s).get(pack_id)
            if using:
                names = ", ".join(c["name"] for c in using)
                raise _bad("voice_pack_in_use",
                           f"Bộ giọng đọc đang được dùng ở: {names}. Hãy chọn bộ khác cho các trung tâm đó trước.",
                           f"The voice pack is used by: {names}. Choose another pack for them first.", 409, centers=using)
            s.execute(delete(VoiceClip).where(VoiceClip.pack_id == pack_id))
            self._audit(s, principal, "delete", pack.id, {"name": pack.name}, None, f"Xoá bộ giọng đọc «{pack.name}»")
            s.delete(pack)
        with _cache_lock:
            _cache.pop(pack_id, None)

    # -------------------------------------------------------------- clips
    @staticmethod
    def _clip_address(lang: str, key: str) -> tuple[str, str]:
        key = str(key or "")
        if lang not in LANGS:
            raise _bad("invalid_clip", "Ngôn ngữ của đoạn thu phải là vi hoặc en.", "A clip's language is vi or en.")
        try:
            normal = clip_key(key)
        except (ValueError, TypeError):
            normal = ""
        if not key or len(key) > MAX_KEY_CHARS or normal != key or any(ch in key for ch in "/\\\x00"):
            raise _bad("invalid_clip", "Tên đoạn thu không hợp lệ (chữ thường, không dấu câu).",
                       "Invalid clip key (lower case, no punctuation).", key=key[:MAX_KEY_CHARS])
        return lang, key

    def save_clip(self, principal: Principal, pack_id: int, lang: str, key: str, data: bytes, filename: str = "",
                  source: str = "recorded") -> dict[str, Any]:
        """Record or replace one clip: the audio is decoded, trimmed, normalised and resampled first
        (422 with the reason when it cannot be: not audio, silent, too long); at most 10 MB sent."""
        lang, key = self._clip_address(lang, key)
        if source not in CLIP_SOURCES:
            raise _bad("invalid_clip", "Nguồn đoạn thu không hợp lệ.", "Invalid clip source.", allowed=list(CLIP_SOURCES))
        if not data:
            raise _bad("empty_clip", "Chưa có âm thanh nào được gửi lên.", "No audio was sent.")
        if len(data) > MAX_UPLOAD_BYTES:
            raise _bad("clip_too_large", "Tệp âm thanh quá lớn (tối đa 10 MB).", "The audio file is too large (10 MB at most).",
                       413)
        try:
            wav, seconds = process_clip(bytes(data), filename or "")
        except ClipError as error:
            raise _audio_error(error, "bad_audio") from None
        with self.db.write() as s:
            pack = self._pack(s, pack_id)
            clip = s.scalar(select(VoiceClip).where(VoiceClip.pack_id == pack_id, VoiceClip.lang == lang, VoiceClip.key == key))
            before = None if clip is None else {"duration_ms": clip.duration_ms, "source": clip.source}
            if clip is None:
                clip = VoiceClip(pack_id=pack_id, lang=lang, key=key)
                s.add(clip)
            clip.wav, clip.duration_ms, clip.source, clip.updated_at = wav, int(round(seconds * 1000)), source, self.clock.now()
            self._touch(pack)
            s.flush()
            self._audit(s, principal, "update" if before else "create", f"{pack_id}:{lang}:{key}"[:60], before,
                        {"duration_ms": clip.duration_ms, "source": source},
                        f"Thu đoạn «{key}» ({lang}) cho bộ giọng đọc «{pack.name}»", entity="voice_clip")
            return clip_view(clip)

    def delete_clip(self, principal: Principal, pack_id: int, lang: str, key: str) -> None:
        """Remove one clip (the sentences needing it go back to the synthesizer)."""
        lang, key = self._clip_address(lang, key)
        with self.db.write() as s:
            pack = self._pack(s, pack_id)
            clip = s.scalar(select(VoiceClip).where(VoiceClip.pack_id == pack_id, VoiceClip.lang == lang, VoiceClip.key == key))
            if clip is None:
                raise not_found("đoạn thu", "Clip", "unknown_clip")
            self._audit(s, principal, "delete", f"{pack_id}:{lang}:{key}"[:60], {"duration_ms": clip.duration_ms}, None,
                        f"Xoá đoạn «{key}» ({lang}) của bộ giọng đọc «{pack.name}»", entity="voice_clip")
            s.delete(clip)
            self._touch(pack)

    def clip_wav(self, pack_id: int, lang: str, key: str) -> bytes:
        """The stored WAV of one clip (to listen to it on the page)."""
        lang, key = self._clip_address(lang, key)
        with self.db.read() as s:
            wav = s.scalar(
                select(VoiceClip.wav).where(VoiceClip.pack_id == pack_id, VoiceClip.lang == lang, VoiceClip.key == key)
            )
        if wav is None:
            raise not_found("đoạn thu", "Clip", "unknown_clip")
        return bytes(wav)

    # -------------------------------------------------------------- export / import
    def export(self, pack_id: int) -> tuple[str, bytes]:
        """The pack as one file (a zip: manifest + clips) and the file name to give it."""
        pack = load_pack(self.db, pack_id)
        if pack is None:
            raise _pack_not_found()
        return f"{pack.name}.motcua-voice.zip", export_pack(pack)

    def import_file(self, principal: Principal, data: bytes) -> dict[str, Any]:
        """A new pack from an exported file (a name already taken gets " (2)", " (3)" …); 422 for a bad file."""
        if not data:
            raise _bad("empty_file", "Chưa chọn tệp bộ giọng đọc.", "No voice pack file was sent.")
        if len(data) > MAX_PACK_FILE_BYTES:
            raise _bad("pack_too_large", "Tệp bộ giọng đọc quá lớn.", "The voice pack file is too large.", 413)
        try:
            pack = import_pack(bytes(data))
        except PackError as error:
            raise _audio_error(error, "bad_voice_pack") from None
        clips = []
        for (lang, key), wav in pack.clips.items():
            try:
                self._clip_address(lang, key)
            except DomainError:
                raise _bad("bad_voice_pack", "Tệp bộ giọng đọc có đoạn thu không hợp lệ.",
                           "The voice pack file holds an invalid clip.", 422, key=str(key)[:MAX_KEY_CHARS]) from None
            clips.append((lang, key, wav))
        seconds = pack.durations()  # import_pack re-checked every clip: mono 16-bit at CLIP_RATE
        base = self._clean_name(pack.name or "Bộ giọng đọc")[: MAX_NAME_CHARS - 6]
        with self.db.write() as s:
            name, n = base, 1
            while not self._name_free(s, name):
                n += 1
                name = f"{base} ({n})"
            now = self.clock.now()
            row = VoicePack(name=name, description=(pack.description or "")[:2000], created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            for lang, key, wav in clips:
                s.add(VoiceClip(pack_id=row.id, lang=lang, key=key, wav=wav, duration_ms=round(seconds[(lang, key)] * 1000),
                                source="imported", updated_at=now))
            self._audit(s, principal, "import", row.id, None, {"name": name, "clips": len(clips)},
                        f"Nhập bộ giọng đọc «{name}» ({len(clips)} đoạn)")
            return pack_view(row, len(clips), sum(seconds.values()))

    # -------------------------------------------------------------- what a center needs
    @staticmethod
    def _center_facts(s: Session, center_id: int) -> tuple[dict[str, Any], list[str], int]:
        center = s.get(Center, center_id)
        if center is None:
            raise not_found("trung tâm", "Center", "unknown_center")
        services = list(s.scalars(select(Service).where(Service.center_id == center_id, Service.active.is_(True))
                                  .order_by(Service.sort_order, Service.id)))
        samples: dict[str, str] = {}  # one per prefix: the words of the numbers are the same, the letters differ
        for service in services:
            prefix, digits = service.ticket_prefix or "", service.number_digits or 3
            samples.setdefault(prefix, f"{prefix}{(service.number_start or 0) + 23:0{digits}d}")
        counter = s.scalar(select(func.min(Counter.number)).where(Counter.center_id == center_id)) or 3
        return dict(center.settings or {}), list(samples.values()) or [SAMPLE_NUMBER], int(counter)

    def needed_clips(self, center_id: int) -> list[Any]:
        """The clips center ``center_id`` needs (its templates, dialect, English, its prefixes' letters)."""
        with self.db.read() as s:
            settings, samples, _counter = self._center_facts(s, center_id)
            prefixes = list(s.scalars(select(Service.ticket_prefix).where(Service.center_id == center_id)))
        options = voice_options(settings)
        return required_clips(options.get("templates"), dialect=options["dialect"], include_english=options["include_english"],
                              letters=prefix_letters(prefixes))

    def clip_status(self, pack_id: int, center_id: int) -> list[dict[str, Any]]:
        """Each clip center ``center_id`` needs, with whether pack ``pack_id`` has it (and its length)."""
        needed = self.needed_clips(center_id)
        with self.db.read() as s:
            self._pack(s, pack_id)
            have = {(c.lang, c.key): c for c in s.scalars(select(VoiceClip).where(VoiceClip.pack_id == pack_id))}
            return [
                {"lang": spec.lang, "key": spec.key, "group": spec.group, "label": spec.label,
                 **({"recorded": True, "duration_ms": have[(spec.lang, spec.key)].duration_ms,
                     "source": have[(spec.lang, spec.key)].source} if (spec.lang, spec.key) in have
                    else {"recorded": False, "duration_ms": None, "source": None})}
                for spec in needed
            ]

    def coverage(self, pack_id: int, center_id: int) -> dict[str, Any]:
        """Which of the center's sentences (call, recall, pickup, for a sample of its numbers) the pack
        says in full, and the clips each other one lacks (it is said by the synthesizer until they are recorded)."""
        with self.db.read() as s:
            settings, samples, counter = self._center_facts(s, center_id)
        pack = load_pack(self.db, pack_id)
        if pack is None:
            raise _pack_not_found()
        options = voice_options(settings)
        segments = [(kind, number, text, lang) for kind in KINDS for number in (samples if kind != "pickup" else [SAMPLE_NUMBER])
                    for text, lang in announcement_segments(kind, number, counter, **options)]
        gaps = self.sentence_gaps(center_id, pack, [(text, lang) for _kind, _number, text, lang in segments])
        sentences = [{"kind": kind, "number": number, **gap, "full": not gap["missing"]}
                     for (kind, number, _text, _lang), gap in zip(segments, gaps, strict=True)]
        missing_keys = sorted({(c["lang"], c["key"]) for c in self.clip_status(pack_id, center_id) if not c["recorded"]})
        return {"pack_id": pack_id, "center_id": center_id, "sentences": sentences, "full": all(x["full"] for x in sentences),
                "missing_clips": [{"lang": lang, "key": key} for lang, key in missing_keys]}

    def sentence_gaps(self, center_id: int, pack: AudioVoicePack | None,
                      segments: Any) -> list[dict[str, Any]]:
        """For each ``(text, lang)`` sentence, the labels of the clips ``pack`` lacks to say it (``[]``: said from
        the pack; ``None`` for ``missing`` when there is no pack). Matched as a call is, against the complete set
        of clips the center needs, so a sentence lacks clips, not loose words."""
        needed = self.needed_clips(center_id)
        labels = {(c.lang, c.key): c.label for c in needed}
        complete = AudioVoicePack("needed", {(c.lang, c.key): b"" for c in needed})
        gaps = []
        for text, lang in segments:
            if pack is None:
                lacking = None
            else:
                keys = complete.clip_sequence(text, lang)
                lacking = ([labels[(lang, k)] for k in dict.fromkeys(keys) if (lang, k) not in pack.clips]
                           if keys is not None else pack.missing(text, lang))
            gaps.append({"lang": lang, "text": text, "missing": lacking})
        return gaps

    # -------------------------------------------------------------- a center's choice
    def save_announcements(self, admin: Any, principal: Principal, center_id: int, value: Any) -> dict[str, Any]:
        """Save a center's announcement settings (templates and sound) through ``admin``
        (:class:`server.domain.admin.AdminService`: validated, the chosen pack checked, audited there)."""
        return admin.update_setting(principal, center_id, "announcements", value)


__all__ = ["CHIME_LABELS", "LANGS", "MAX_UPLOAD_BYTES", "VoicePackService", "chime_wav", "clip_view", "load_pack", "pack_view",
           "prefix_letters", "voice_options"]
