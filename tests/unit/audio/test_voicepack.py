"""Voice packs: the clip list, clip processing (real decoded audio, measured), coverage, export/import."""
from __future__ import annotations

import io
import json
import math
import wave
import zipfile

import numpy as np
import pytest
import soundfile

from audio import announcement_segments
from audio.numbers import LETTER_NAMES
from audio.voicepack import (
    CLIP_RATE,
    CLIP_TARGET_DBFS,
    ClipError,
    PackError,
    VoicePack,
    clip_key,
    english_number_words,
    export_pack,
    import_pack,
    process_clip,
    read_clip,
    required_clips,
)


def _tone(freq: float, seconds: float, rate: int, *, amplitude: float = 0.1, lead_s: float = 0.0, channels: int = 1):
    t = np.arange(int(seconds * rate)) / rate
    x = amplitude * np.sin(2 * np.pi * freq * t)
    pad = np.zeros(int(lead_s * rate))
    x = np.concatenate([pad, x, pad])
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def _encode(samples, rate: int, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=fmt, **kwargs)
    return buffer.getvalue()


def _measure(wav: bytes) -> tuple[np.ndarray, tuple[int, int, int]]:
    with wave.open(io.BytesIO(wav)) as w:
        shape = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    return x, shape


def _dbfs(x: np.ndarray) -> float:
    return 20 * math.log10(math.sqrt(np.mean(x**2)) / 32767)


def _dominant_hz(x: np.ndarray, rate: int = CLIP_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


# --------------------------------------------------------------------------- clip keys and the clip list

def test_clip_key_is_lower_case_nfc_without_punctuation():
    decomposed = "Xin Mời".replace("ờ", "o\u0300\u031b")  # ờ as o + combining marks
    assert clip_key(f"  {decomposed},  công dân! ") == "xin mời công dân"
    assert clip_key("Once again, ticket number") == "once again ticket number"
    assert clip_key("E-lờ") == "e-lờ"


def test_default_templates_need_exactly_their_literal_phrases():
    phrases = [spec.key for spec in required_clips() if spec.group == "phrase"]
    assert phrases == [
        "xin mời công dân có số thứ tự",
        "đến quầy số",
        "xin nhắc lại mời công dân có số thứ tự",
        "nhận kết quả",
    ]
    labels = {spec.key: spec.label for spec in required_clips()}
    assert labels["xin mời công dân có số thứ tự"] == "Xin mời công dân có số thứ tự"
    assert labels["xin nhắc lại mời công dân có số thứ tự"] == "Xin nhắc lại, mời công dân có số thứ tự"


def test_a_custom_template_adds_its_own_phrases():
    keys = [s.key for s in required_clips({"call": "Mời số {number}, tới quầy {counter} ạ"}) if s.group == "phrase"]
    assert keys[:3] == ["mời số", "tới quầy", "ạ"]
    assert "xin mời công dân có số thứ tự" in keys  # recall and pickup still use the defaults
    assert "đến quầy số" in keys


def test_number_words_follow_the_dialect():
    north = {s.key for s in required_clips() if s.group == "number"}
    south = {s.key for s in required_clips(dialect="south") if s.group == "number"}
    assert {"nghìn", "linh"} <= north and not {"ngàn", "lẻ"} & north
    assert {"ngàn", "lẻ"} <= south and not {"nghìn", "linh"} & south
    assert {"không", "một", "chín", "mười", "mươi", "mốt", "tư", "lăm", "trăm"} <= north & south


def test_order_is_phrases_numbers_letters_without_duplicates():
    specs = required_clips(include_english=True)
    groups = [s.group for s in specs]
    assert groups == sorted(groups, key=["phrase", "number", "letter"].index)
    assert len({(s.lang, s.key) for s in specs}) == len(specs)
    english = {s.key for s in specs if s.lang == "en"}
    assert {"ticket number", "please go to counter", "to collect your result", "nineteen", "ninety", "thousand", "z"} <= english
    letters = [s.key for s in specs if s.group == "letter" and s.lang == "vi"]
    assert len(letters) == len(LETTER_NAMES) and "e-lờ" in letters and "vê kép" in letters


def test_letters_can_be_limited_to_the_prefixes_in_use():
    letters = [s.key for s in required_clips(letters=["a", "L"]) if s.group == "letter"]
    assert letters == ["a", "e-lờ"]
    with pytest.raises(ValueError):
        required_clips(letters=["%"])


def _pack_from(specs) -> VoicePack:
    dummy = b"clip"  # coverage needs keys only
    return VoicePack("test", {(s.lang, s.key): dummy for s in specs})


@pytest.mark.parametrize("dialect", ["north", "south"])
def test_a_pack_of_the_required_clips_says_every_announcement(dialect):
    """The list is complete: every word of every kind, for numbers across 0–9999 and every letter, has a clip."""
    pack = _pack_from(required_clips(dialect=dialect, include_english=True))
    numbers = [*range(0, 130), *range(130, 10_000, 37), 1000, 1005, 1010, 1015, 1021, 1024, 1100, 8001, 9999]
    prefixes = ["", *LETTER_NAMES]
    checked = 0
    for i, n in enumerate(numbers):
        ticket = f"{prefixes[i % len(prefixes)]}{n:03d}"
        for kind in ("call", "recall", "pickup"):
            for segment in announcement_segments(kind, ticket, 1 + i % 40, dialect=dialect, include_english=True):
                assert pack.missing(segment.text, segment.lang) == [], (ticket, segment)
                checked += 1
    assert checked == len(numbers) * 3 * 2


def test_english_digits_are_read_as_number_words():
    assert english_number_words(1023) == "one thousand twenty three"
    assert english_number_words(8001) == "eight thousand one"
    assert english_number_words(0) == "zero"
    assert VoicePack.words("Ticket number A 23, please", "en") == ["ticket", "number", "a", "twenty", "three", "please"]


def test_missing_names_the_uncovered_words_and_the_sequence_is_longest_match():
    specs = required_clips()
    pack = _pack_from([s for s in specs if s.key != "nghìn"])
    text = "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba"
    assert pack.missing(text) == ["nghìn"]
    assert not pack.covers(text) and pack.clip_sequence(text) is None
    full = _pack_from(specs)
    assert full.clip_sequence(text) == [
        "xin mời công dân có số thứ tự", "một", "nghìn", "không", "trăm", "hai", "mươi", "ba", "đến quầy số", "ba",
    ]
    assert full.clip_sequence("vê kép vê", "vi") == ["vê kép", "vê"]  # W then V
    assert not full.covers("", "vi")


def test_fingerprint_follows_the_clip_bytes():
    a = VoicePack("a", {("vi", "một"): b"1", ("vi", "hai"): b"2"})
    same = VoicePack("other name", {("vi", "hai"): b"2", ("vi", "Một"): b"1"})
    changed = VoicePack("a", {("vi", "một"): b"1", ("vi", "hai"): b"3"})
    assert a.fingerprint == same.fingerprint
    assert a.fingerprint != changed.fingerprint


# --------------------------------------------------------------------------- processing real audio

def test_a_stereo_44k_wav_is_trimmed_made_mono_22050_and_brought_to_the_target_loudness():
    raw = _encode(_tone(440, 0.5, 44100, amplitude=0.05, lead_s=1.0, channels=2), 44100, "WAV", subtype="PCM_16")
    wav, duration = process_clip(raw, "quay.wav")
    samples, shape = _measure(wav)
    assert shape == (1, 2, CLIP_RATE)
    assert 0.5 <= duration <= 0.6  # 2 s of silence gone, at most a few ms kept around the voice
    assert len(samples) / CLIP_RATE == pytest.approx(duration)
    assert _dbfs(samples) == pytest.approx(CLIP_TARGET_DBFS, abs=0.7)
    assert _dominant_hz(samples) == pytest.approx(440, abs=5)


def test_quiet_and_loud_recordings_end_up_equally_loud():
    quiet = _measure(process_clip(_encode(_tone(500, 0.4, 48000, amplitude=0.01), 48000, "WAV"))[0])[0]
    loud = _measure(process_clip(_encode(_tone(500, 0.4, 48000, amplitude=0.9), 48000, "WAV"))[0])[0]
    assert abs(_dbfs(quiet) - _dbfs(loud)) < 0.5


def test_silence_is_trimmed_relative_to_the_voice_so_room_noise_does_not_count():
    rate = 44100
    rng = np.random.default_rng(7)
    voice = _tone(600, 0.6, rate, amplitude=0.3, lead_s=1.0)
    noisy = voice + rng.normal(0, 10 ** (-48 / 20), len(voice))  # a room at about -48 dBFS
    _wav, duration = process_clip(_encode(noisy, rate, "WAV"))
    assert duration < 0.7


@pytest.mark.parametrize("fmt", ["FLAC", "OGG", "MP3"])
def test_compressed_formats_are_decoded(fmt):
    raw = _encode(_tone(440, 0.6, 44100, amplitude=0.2, lead_s=0.5), 44100, fmt)
    wav, duration = process_clip(raw, f"clip.{fmt.lower()}")
    samples, shape = _measure(wav)
    assert shape == (1, 2, CLIP_RATE)
    assert 0.55 <= duration <= 0.75
    assert _dominant_hz(samples) == pytest.approx(440, abs=5)
    assert _dbfs(samples) == pytest.approx(CLIP_TARGET_DBFS, abs=1.0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"RIFF\x00\x00garbage" * 50, "decode"),
        (b"", "empty"),
        (b"\x1a\x45\xdf\xa3" + bytes(300), "WebM/Opus"),
        (_encode(np.zeros(44100), 44100, "WAV"), "silent"),
        (_encode(_tone(300, 20.0, 22050), 22050, "WAV"), "at most 8 s"),
    ],
    ids=["garbage", "empty", "webm", "silence", "twenty-seconds"],
)
def test_unusable_audio_is_a_bilingual_clip_error(data, words):
    with pytest.raises(ClipError) as caught:
        process_clip(data, "x.wav")
    assert words in caught.value.en
    assert caught.value.vi and str(caught.value) == f"{caught.value.vi} / {caught.value.en}"
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- export / import

@pytest.fixture(scope="module")
def small_pack() -> VoicePack:
    clips = {}
    for i, key in enumerate(["xin mời công dân có số thứ tự", "một", "hai", "e-lờ"]):
        clips[("vi", key)] = process_clip(_encode(_tone(300 + 50 * i, 0.3, 22050), 22050, "WAV"))[0]
    clips[("en", "ticket number")] = process_clip(_encode(_tone(900, 0.3, 22050), 22050, "WAV"))[0]
    return VoicePack("Tỉnh Bắc Ninh", clips, description="Giọng chị Lan, ghi 12/2026")


def test_export_then_import_gives_the_same_pack(small_pack):
    data = export_pack(small_pack)
    again = import_pack(data)
    assert again.fingerprint == small_pack.fingerprint
    assert (again.name, again.description) == (small_pack.name, small_pack.description)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert (manifest["format"], manifest["version"], manifest["rate"]) == ("motcua-voicepack", 1, CLIP_RATE)
    entry = next(c for c in manifest["clips"] if c["key"] == "e-lờ")
    assert entry["lang"] == "vi" and entry["file"].startswith("clips/vi/")
    assert entry["duration_s"] == pytest.approx(len(read_clip(small_pack.clips[("vi", "e-lờ")])) / CLIP_RATE, abs=0.001)


def _rezip(data: bytes, *, drop: set[str] = frozenset(), add: dict | None = None, manifest=None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = source.read(info)
            if info.filename == "manifest.json" and manifest is not None:
                body = json.dumps(manifest(json.loads(body))).encode()
            target.writestr(info.filename, body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def _wrong_rate_clip() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x10\x00" * 4410)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("hostile", "words"),
    [
        (lambda d: b"not a zip at all", "not a zip"),
        (lambda d: _rezip(d, add={"../../etc/cron.d/evil": b"x"}), "unsafe"),
        (lambda d: _rezip(d, add={"/abs/evil.wav": b"x"}), "unsafe"),
        (lambda d: _rezip(d, add={"clips/vi/99.wav": bytes(51 * 1024 * 1024)}), "too large"),
        (lambda d: _rezip(d, drop={"manifest.json"}), "manifest.json is missing"),
        (lambda d: _rezip(d, manifest=lambda m: {**m, "format": "something-else"}), "format"),
        (lambda d: _rezip(d, manifest=lambda m: {**m, "version": 99}), "version"),
        (
            lambda d: _rezip(d, manifest=lambda m: {**m, "clips": [{**m["clips"][0], "file": "../x.wav"}]}),
            "bad key or file name",
        ),
        (lambda d: _rezip(d, manifest=lambda m: {**m, "clips": m["clips"] + m["clips"][:1]}), "twice"),
        (lambda d: _rezip(d, add={"clips/vi/77.wav": _wrong_rate_clip()},
                          manifest=lambda m: {**m, "clips": [{"lang": "vi", "key": "ba", "file": "clips/vi/77.wav"}]}),
         "mono 16-bit"),
    ],
    ids=["not-zip", "traversal", "absolute", "huge", "no-manifest", "format", "version", "manifest-traversal",
         "duplicate", "wrong-rate"],
)
def test_hostile_or_broken_pack_files_are_refused(small_pack, hostile, words):
    with pytest.raises(PackError) as caught:
        import_pack(hostile(export_pack(small_pack)))
    assert words in caught.value.en
    assert caught.value.vi.startswith("Tệp gói giọng không hợp lệ")
