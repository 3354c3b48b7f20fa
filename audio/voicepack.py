"""Recorded voice packs: a center's own voice for the fixed words of its announcements.

A pack is a set of short clips, one per *clip key*: the literal phrases of the
templates ("xin mời công dân có số thứ tự", "đến quầy số"), the number words
("một", "mươi", "nghìn") and the letter names of ticket prefixes ("e-lờ").
:func:`required_clips` lists exactly what the templates and the number reading
need. A sentence is said from clips only if every word of it is covered
(:meth:`VoicePack.clip_sequence`); otherwise the synthesizer says it whole,
so no sentence ever mixes two voices.

Every stored clip is mono 16-bit PCM WAV at :data:`CLIP_RATE`, trimmed of
leading and trailing silence and brought to one loudness target
(:func:`process_clip`), so clips recorded on different days match.

    pack = VoicePack("Phường Bến Thành", {("vi", key): process_clip(raw)[0], ...})
    pack.missing("Xin mời công dân có số thứ tự một đến quầy số ba")   # [] = sayable
    data = export_pack(pack); same = import_pack(data)                # one file per province
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import operator
import re
import string
import sys
import unicodedata
import wave
import zipfile
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .announcements import KINDS, _templates_for
from .numbers import DIGITS, LETTER_NAMES, _dialect_words
from .wavio import apply_gain, dbfs_to_amplitude, peak, silence, wav_bytes, write_wav

__all__ = [
    "CLIP_RATE",
    "CLIP_TARGET_DBFS",
    "MAX_CLIP_SECONDS",
    "PACK_FORMAT",
    "ClipError",
    "ClipSpec",
    "PackError",
    "VoicePack",
    "assemble_samples",
    "assemble_segment",
    "clip_key",
    "english_number_words",
    "export_pack",
    "import_pack",
    "process_clip",
    "read_clip",
    "required_clips",
]

CLIP_RATE = 22050  # espeak-ng's own rate: recorded and synthesized segments then need no resampling
MAX_CLIP_SECONDS = 8.0
CLIP_TARGET_DBFS = -20.0  # gated RMS of every clip (the mix normalises the whole sentence afterwards)
CLIP_PEAK_DBFS = -1.0
PACK_FORMAT = "motcua-voicepack"
PACK_VERSION = 1

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # one clip as uploaded: 8 s of 48 kHz 24-bit stereo is 2.3 MB
MAX_DECODED_SECONDS = 60.0  # decode no further: a clip with 52 s of silence around it is refused anyway
MAX_PACK_BYTES = 50 * 1024 * 1024  # uncompressed total of an imported pack
MAX_PACK_CLIPS = 2000

_WINDOW_S = 0.01
_SILENT_DBFS = -50.0  # loudest 10 ms window below this: nothing was recorded
_TRIM_BELOW_PEAK_DB = 30.0  # a window this far under the loudest one is background, not voice
_GATE_BELOW_PEAK_DB = 20.0  # windows counted when measuring loudness (pauses inside a phrase are not)
_KEEP_S = 0.02  # kept around the voice so a soft onset is not cut
_FADE_S = 0.005  # no click at a cut


class _Bilingual(ValueError):
    def __init__(self, vi: str, en: str):
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en


class ClipError(_Bilingual):
    """A clip that cannot be used: undecodable, empty, silent or too long (``.vi``/``.en`` messages)."""


class PackError(_Bilingual):
    """A voice pack file that cannot be imported (not a zip, bad manifest, too big, unsafe names)."""


@dataclass(frozen=True)
class ClipSpec:
    """One clip a pack needs: ``key`` (see :func:`clip_key`), ``lang``, ``group`` and the ``label`` to read aloud."""

    key: str
    lang: str
    group: str  # "phrase" | "number" | "letter"
    label: str


_PUNCTUATION_RE = re.compile(r"[.,;:!?]")


def clip_key(text: str) -> str:
    """The normalised form clips are looked up by: NFC, lower case, ``.,;:!?`` dropped, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text)).lower()
    return " ".join(_PUNCTUATION_RE.sub(" ", text).split())


# --------------------------------------------------------------------------- vocabulary

_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_NUMBER_WORDS = (*_EN_UNITS, *_EN_TENS, "hundred", "thousand")


def _english_below_thousand(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [_EN_UNITS[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens - 2])
        if units:
            words.append(_EN_UNITS[units])
    elif rest:
        words.append(_EN_UNITS[rest])
    return words


def english_number_words(n: int) -> str:
    """English words for ``n`` as a PA reads a ticket: 1023 → "one thousand twenty three" (over 999 999: digit by digit)."""
    if n < 0:
        raise ValueError(f"no words for a negative number: {n}")
    if n == 0:
        return "zero"
    if n > 999_999:
        return " ".join(_EN_UNITS[int(d)] for d in str(n))
    thousands, rest = divmod(n, 1000)
    words = [*_english_below_thousand(thousands), "thousand"] if thousands else []
    return " ".join(words + _english_below_thousand(rest))


def _vi_number_words(dialect: str) -> list[str]:
    thousand, connector = _dialect_words(dialect)
    return [*DIGITS, "mười", "mươi", "mốt", "tư", "lăm", connector, "trăm", thousand]


# Single spoken units (numbers and letters) follow each other closely; phrases get a longer breath.
_UNIT_KEYS = frozenset(
    [*(clip_key(w) for d in ("north", "south") for w in _vi_number_words(d))]
    + [clip_key(name) for name in LETTER_NAMES.values()]
    + list(_EN_NUMBER_WORDS)
    + [clip_key(ch) for ch in LETTER_NAMES]
)


def _literals(template: str) -> list[tuple[str, str]]:
    """``(key, label)`` of the literal parts of a template, in order."""
    found = []
    for literal, _field, _spec, _conversion in string.Formatter().parse(template):
        label = literal.strip().strip(".,;:!?").strip()
        key = clip_key(literal)
        if key:
            found.append((key, label))
    return found


def required_clips(
    templates: Mapping | None = None,
    *,
    dialect: str = "north",
    include_english: bool = False,
    letters: Iterable[str] | None = None,
) -> list[ClipSpec]:
    """Every clip needed to say each kind's announcement from recordings alone.

    Phrases are the literal parts of the templates (the defaults overlaid with
    the center's ``templates``), then the number words of ``dialect``, then the
    names of ``letters`` (default: every letter with a spoken name, see
    :data:`audio.numbers.LETTER_NAMES`). With ``include_english`` the English
    phrases, number words and letter names follow each group. Stable order, no
    duplicates. ``ValueError`` for a bad template, dialect or letter.
    """
    chosen = {kind: _templates_for(kind, templates) for kind in KINDS}
    langs = ("vi", "en") if include_english else ("vi",)
    letter_list = [ch.upper() for ch in (LETTER_NAMES if letters is None else letters)]
    for ch in letter_list:
        if ch not in LETTER_NAMES:
            raise ValueError(f"no spoken name for letter {ch!r}")
    specs: list[ClipSpec] = []
    seen: set[tuple[str, str]] = set()

    def add(key: str, lang: str, group: str, label: str) -> None:
        if key and (lang, key) not in seen:
            seen.add((lang, key))
            specs.append(ClipSpec(key, lang, group, label))

    for lang in langs:
        for kind in KINDS:
            for key, label in _literals(chosen[kind][lang]):
                add(key, lang, "phrase", label)
    for word in _vi_number_words(dialect):
        add(clip_key(word), "vi", "number", word)
    if include_english:
        for word in _EN_NUMBER_WORDS:
            add(word, "en", "number", word)
    for ch in letter_list:
        add(clip_key(LETTER_NAMES[ch]), "vi", "letter", LETTER_NAMES[ch])
    if include_english:
        for ch in letter_list:  # the English sentence shows the letter itself ("Ticket number Đ 2")
            add(clip_key(ch), "en", "letter", ch)
    return specs


# --------------------------------------------------------------------------- clips

def read_clip(data: bytes) -> array:
    """The samples of a stored clip; ``ClipError`` unless it is mono 16-bit PCM WAV at :data:`CLIP_RATE`."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            shape = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, ValueError) as error:
        raise ClipError("Tệp âm thanh không phải WAV hợp lệ.", f"not a valid WAV clip ({error})") from None
    if shape != (1, 2, CLIP_RATE):
        raise ClipError(
            f"Đoạn ghi phải là WAV đơn kênh 16 bit {CLIP_RATE} Hz.",
            f"a stored clip must be mono 16-bit WAV at {CLIP_RATE} Hz, not {shape}",
        )
    samples = array("h", frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _window_levels(samples: array, window: int) -> list[float]:
    levels = []
    for start in range(0, len(samples), window):
        chunk = samples[start : start + window]
        levels.append(math.sqrt(sum(map(operator.mul, chunk, chunk)) / len(chunk)))
    return levels


def _decode(data: bytes) -> array:
    """Any of WAV/FLAC/OGG Vorbis/MP3 as mono s16 at CLIP_RATE (at most MAX_DECODED_SECONDS)."""
    import miniaudio  # the decoder is needed only when a clip is saved

    if not data:
        raise ClipError("Tệp âm thanh rỗng.", "the audio file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ClipError(
            f"Tệp âm thanh quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).",
            f"the audio file is too large (at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)",
        )
    if data[:4] == b"\x1a\x45\xdf\xa3" or b"OpusHead" in data[:256]:
        # What Chromium's MediaRecorder makes: the recording page must send WAV (decoded with Web Audio).
        raise ClipError(
            "Định dạng WebM/Opus chưa được hỗ trợ: hãy gửi WAV, FLAC, OGG Vorbis hoặc MP3.",
            "WebM/Opus is not supported: send WAV, FLAC, OGG Vorbis or MP3",
        )
    limit = int(MAX_DECODED_SECONDS * CLIP_RATE)
    samples = array("h")
    try:
        # Streamed, so a tiny file that expands to hours (a FLAC of silence) stops at the limit.
        stream = miniaudio.stream_memory(
            data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=CLIP_RATE,
            frames_to_read=CLIP_RATE,
        )
        for block in stream:
            samples.extend(block)
            if len(samples) > limit:
                stream.close()
                break
    except (miniaudio.MiniaudioError, ValueError, TypeError) as error:
        raise ClipError(
            "Không đọc được tệp âm thanh (hỗ trợ WAV, FLAC, OGG, MP3).",
            f"cannot decode the audio (WAV, FLAC, OGG and MP3 are supported): {error}",
        ) from None
    return samples


def process_clip(data: bytes, filename: str = "") -> tuple[bytes, float]:
    """Decode an uploaded or browser-recorded clip and make it a pack clip.

    Decodes WAV, FLAC, OGG Vorbis or MP3 (``filename`` is only used in
    messages), mixes to mono at :data:`CLIP_RATE`, trims leading and trailing
    silence (relative to the clip's loudest part, so a noisy room still trims),
    brings the voiced part's RMS to :data:`CLIP_TARGET_DBFS` without passing
    -1 dBFS peak, and returns ``(wav_bytes, duration_seconds)``. Raises
    :class:`ClipError` for undecodable, empty, silent or too long audio.
    """
    samples = _decode(data)
    name = f" ({filename})" if filename else ""
    if not samples:
        raise ClipError(f"Tệp âm thanh không có mẫu nào{name}.", f"the audio has no samples{name}")
    window = int(CLIP_RATE * _WINDOW_S)
    levels = _window_levels(samples, window)
    loudest = max(levels)
    if loudest < dbfs_to_amplitude(_SILENT_DBFS):
        raise ClipError(
            f"Đoạn ghi chỉ có im lặng{name}: hãy kiểm tra micro.",
            f"the clip is silent{name}: check the microphone",
        )
    floor = max(dbfs_to_amplitude(_SILENT_DBFS), loudest / 10 ** (_TRIM_BELOW_PEAK_DB / 20))
    voiced = [i for i, level in enumerate(levels) if level >= floor]
    keep = int(CLIP_RATE * _KEEP_S)
    start = max(0, voiced[0] * window - keep)
    end = min(len(samples), (voiced[-1] + 1) * window + keep)
    samples = samples[start:end]
    duration = len(samples) / CLIP_RATE
    if duration > MAX_CLIP_SECONDS:
        raise ClipError(
            f"Đoạn ghi dài {duration:.1f} giây, tối đa {MAX_CLIP_SECONDS:g} giây{name}.",
            f"the clip is {duration:.1f} s long, at most {MAX_CLIP_SECONDS:g} s{name}",
        )
    gate = loudest / 10 ** (_GATE_BELOW_PEAK_DB / 20)
    gated = [level for level in levels[voiced[0] : voiced[-1] + 1] if level >= gate]
    loudness = math.sqrt(sum(level * level for level in gated) / len(gated))
    gain = min(dbfs_to_amplitude(CLIP_TARGET_DBFS) / loudness, dbfs_to_amplitude(CLIP_PEAK_DBFS) / max(1, peak(samples)))
    samples = apply_gain(samples, gain)
    fade = min(int(CLIP_RATE * _FADE_S), len(samples) // 2)
    for i in range(fade):
        samples[i] = int(samples[i] * i / fade)
        samples[-1 - i] = int(samples[-1 - i] * i / fade)
    return wav_bytes(samples, CLIP_RATE), duration


# --------------------------------------------------------------------------- the pack

class VoicePack:
    """A named set of processed clips, ``(lang, key) → WAV bytes``; says a sentence only if it covers every word."""

    def __init__(self, name: str, clips: Mapping[tuple[str, str], bytes], *, description: str = "") -> None:
        self.name = str(name)
        self.description = str(description)
        self.clips: dict[tuple[str, str], bytes] = {
            (str(lang), clip_key(key)): bytes(data) for (lang, key), data in clips.items()
        }
        self._samples: dict[tuple[str, str], array] = {}
        by_lang: dict[str, set[str]] = {}
        for lang, key in self.clips:
            by_lang.setdefault(lang, set()).add(key)
        self._keys = by_lang
        self._longest = {lang: max(len(k.split()) for k in keys) for lang, keys in by_lang.items()}

    def __repr__(self) -> str:
        return f"VoicePack({self.name!r}, {len(self.clips)} clips)"

    @cached_property
    def fingerprint(self) -> str:
        """sha256 hex over the sorted ``(lang, key, bytes)``: part of the announcement cache key."""
        digest = hashlib.sha256()
        for (lang, key), data in sorted(self.clips.items()):
            for part in (lang.encode(), key.encode("utf-8"), data):
                digest.update(len(part).to_bytes(8, "big"))
                digest.update(part)
        return digest.hexdigest()

    @staticmethod
    def words(text: str, lang: str = "vi") -> list[str]:
        """The ``clip_key``'d words of ``text``; in English, digit runs become number words ("23" → twenty three)."""
        words = []
        for word in clip_key(text).split():
            if lang == "en" and word.isdigit():
                words.extend(english_number_words(int(word)).split())
            else:
                words.append(word)
        return words

    def _match(self, text: str, lang: str) -> tuple[list[str], list[str]]:
        """Greedy longest match of clip keys: ``(keys in order, words no clip covers)``."""
        words = self.words(text, lang)
        keys = self._keys.get(lang, set())
        longest = self._longest.get(lang, 0)
        found: list[str] = []
        missing: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                candidate = " ".join(words[i : i + n])
                if candidate in keys:
                    found.append(candidate)
                    i += n
                    break
            else:
                if words[i] not in missing:
                    missing.append(words[i])
                i += 1
        return found, missing

    def missing(self, text: str, lang: str = "vi") -> list[str]:
        """Words of ``text`` no clip covers, in order, each once (``[]``: the pack says it in full)."""
        return self._match(text, lang)[1]

    def covers(self, text: str, lang: str = "vi") -> bool:
        """Whether every word of ``text`` has a clip (an empty text is not covered)."""
        found, missing = self._match(text, lang)
        return bool(found) and not missing

    def clip_sequence(self, text: str, lang: str = "vi") -> list[str] | None:
        """The clip keys that say ``text`` in order, or ``None`` if any word is missing."""
        found, missing = self._match(text, lang)
        return found if found and not missing else None

    def samples(self, lang: str, key: str) -> array:
        """The decoded samples of one clip (decoded once, then kept)."""
        ident = (lang, clip_key(key))
        if ident not in self._samples:
            self._samples[ident] = read_clip(self.clips[ident])
        return self._samples[ident]

    def durations(self) -> dict[tuple[str, str], float]:
        """Seconds of each clip."""
        return {ident: len(read_clip(data)) / CLIP_RATE for ident, data in self.clips.items()}


# --------------------------------------------------------------------------- assembly

def _gap_between(before: str | None, after: str | None, word_gap_s: float, phrase_gap_s: float) -> float:
    if before in _UNIT_KEYS and after in _UNIT_KEYS:
        return word_gap_s
    return phrase_gap_s


def assemble_samples(
    pack: VoicePack,
    text: str,
    lang: str = "vi",
    *,
    word_gap_s: float = 0.06,
    phrase_gap_s: float = 0.15,
) -> array | None:
    """One sentence from the pack's clips at :data:`CLIP_RATE`, or ``None`` if not fully covered.

    Number words and letters follow each other after ``word_gap_s``; around a
    phrase the pause is ``phrase_gap_s`` (a breath, as a clerk reads it).
    """
    keys = pack.clip_sequence(text, lang)
    if keys is None:
        return None
    out = array("h")
    for index, key in enumerate(keys):
        if index:
            out.extend(silence(_gap_between(keys[index - 1], key, word_gap_s, phrase_gap_s), CLIP_RATE))
        out.extend(pack.samples(lang, key))
    return out


def assemble_segment(
    clip_wavs: Sequence[bytes],
    out_path: str | Path,
    *,
    word_gap_s: float = 0.06,
    phrase_gap_s: float = 0.15,
    keys: Sequence[str] | None = None,
) -> float:
    """Write the clips (stored-format WAV bytes) in order to ``out_path``; returns seconds.

    With ``keys`` (the clip keys, as from :meth:`VoicePack.clip_sequence`) the
    gap follows :func:`assemble_samples`' rule; without, every gap is ``word_gap_s``.
    """
    if keys is not None and len(keys) != len(clip_wavs):
        raise ValueError("keys must name each clip")
    out = array("h")
    for index, data in enumerate(clip_wavs):
        if index:
            gap = _gap_between(keys[index - 1], keys[index], word_gap_s, phrase_gap_s) if keys else word_gap_s
            out.extend(silence(gap, CLIP_RATE))
        out.extend(read_clip(data))
    write_wav(Path(out_path), out, CLIP_RATE)
    return len(out) / CLIP_RATE


# --------------------------------------------------------------------------- one file per pack

_CLIP_FILE_RE = re.compile(r"^clips/(vi|en)/[0-9]{1,5}\.wav$")


def export_pack(pack: VoicePack) -> bytes:
    """The pack as one zip: ``manifest.json`` plus ``clips/<lang>/<n>.wav`` (see :func:`import_pack`)."""
    manifest: dict = {
        "format": PACK_FORMAT,
        "version": PACK_VERSION,
        "name": pack.name,
        "description": pack.description,
        "rate": CLIP_RATE,
        "clips": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        counters: dict[str, int] = {}
        for (lang, key), data in sorted(pack.clips.items()):
            counters[lang] = counters.get(lang, 0) + 1
            file = f"clips/{lang}/{counters[lang]}.wav"
            archive.writestr(file, data)
            manifest["clips"].append(
                {"lang": lang, "key": key, "file": file, "duration_s": round(len(read_clip(data)) / CLIP_RATE, 3)}
            )
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return buffer.getvalue()


def _bad(vi: str, en: str) -> PackError:
    return PackError(f"Tệp gói giọng không hợp lệ: {vi}", f"not a valid voice pack file: {en}")


def import_pack(data: bytes) -> VoicePack:
    """Read a file made by :func:`export_pack`, checking everything.

    :class:`PackError` for: not a zip, a missing or malformed manifest, another
    format or version, unsafe or unexpected entry names (``..``, absolute
    paths), more than 50 MB uncompressed, a clip not in the stored format, a
    key listed twice.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, TypeError):
        raise _bad("không phải tệp zip", "not a zip file") from None
    with archive:
        infos = archive.infolist()
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or ":" in name:
                raise _bad(f"tên tệp không an toàn {name!r}", f"unsafe entry name {name!r}")
            if name != "manifest.json" and not _CLIP_FILE_RE.match(name) and not name.endswith("/"):
                raise _bad(f"tệp lạ {name!r}", f"unexpected entry {name!r}")
        if sum(info.file_size for info in infos) > MAX_PACK_BYTES:
            raise _bad("quá lớn (tối đa 50 MB khi giải nén)", "too large (at most 50 MB uncompressed)")
        try:
            manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
        except KeyError:
            raise _bad("thiếu manifest.json", "manifest.json is missing") from None
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile):
            raise _bad("manifest.json hỏng", "manifest.json is not valid JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
            raise _bad("không phải gói giọng Một Cửa", f"format is not {PACK_FORMAT!r}")
        if manifest.get("version") != PACK_VERSION or manifest.get("rate") != CLIP_RATE:
            raise _bad("phiên bản hoặc tần số lấy mẫu không hỗ trợ", "unsupported version or sample rate")
        name, description, entries = manifest.get("name"), manifest.get("description", ""), manifest.get("clips")
        if not isinstance(name, str) or not name.strip() or len(name) > 200 or not isinstance(description, str):
            raise _bad("tên gói không hợp lệ", "the pack name must be a non-empty string")
        if not isinstance(entries, list) or len(entries) > MAX_PACK_CLIPS:
            raise _bad("danh sách đoạn ghi không hợp lệ", "clips must be a list")
        clips: dict[tuple[str, str], bytes] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                raise _bad("mục đoạn ghi không hợp lệ", "a clip entry is not an object")
            lang, key, file = entry.get("lang"), entry.get("key"), entry.get("file")
            if lang not in ("vi", "en") or not isinstance(key, str) or not isinstance(file, str):
                raise _bad("mục đoạn ghi thiếu lang/key/file", "a clip entry lacks lang, key or file")
            if not clip_key(key) or clip_key(key) != key or not _CLIP_FILE_RE.match(file):
                raise _bad(f"khóa hoặc tên tệp không hợp lệ {key!r}", f"bad key or file name {key!r} {file!r}")
            if (lang, key) in clips:
                raise _bad(f"khóa lặp lại {key!r}", f"key listed twice {key!r}")
            try:
                clip = archive.read(file)
            except KeyError:
                raise _bad(f"thiếu tệp {file}", f"{file} is missing") from None
            except zipfile.BadZipFile as error:
                raise _bad(f"tệp {file} hỏng", f"{file} is corrupt ({error})") from None
            try:
                samples = read_clip(clip)
            except ClipError as error:
                raise _bad(f"{file}: {error.vi}", f"{file}: {error.en}") from None
            if not samples or len(samples) > (MAX_CLIP_SECONDS + 0.5) * CLIP_RATE:
                raise _bad(f"{file}: đoạn ghi rỗng hoặc quá dài", f"{file}: empty or too long")
            clips[(lang, key)] = clip
    return VoicePack(name, clips, description=description)
