"""Choosing the voice by language tag from the voice list each platform's pyttsx3 driver reports.

The lists are built with pyttsx3's own ``Voice`` class, filled the way
pyttsx3 2.99's drivers fill it (drivers/sapi5.py, nsss.py, avspeech.py,
espeak.py): ids, names and ``languages`` as each platform gives them.
"""
from __future__ import annotations

import pytest
from pyttsx3.voice import Voice

from audio.engines import EngineUnavailable, language_tag, resolve_voice

SAPI5_TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
# sapi5.py: id = token Id, name = GetDescription(), languages = [LCID → locale.windows_locale → "vi-VN"]
WINDOWS = [
    Voice(SAPI5_TOKENS + "TTS_MS_EN-US_DAVID_11.0", "Microsoft David Desktop - English (United States)", ["en-US"], "Male"),
    Voice(SAPI5_TOKENS + "MSTTS_V110_viVN_An", "Microsoft An - Vietnamese (Vietnam)", ["vi-VN"], "Male", "Adult"),
    Voice(SAPI5_TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)", ["en-US"], "Female"),
]
# Other pyttsx3 versions hand SAPI5's raw LCID through, or fail to map it.
WINDOWS_RAW_LCID = [
    Voice(SAPI5_TOKENS + "TTS_MS_EN-US_DAVID_11.0", "Microsoft David Desktop - English (United States)", ["409"]),
    Voice(SAPI5_TOKENS + "MSTTS_V110_viVN_An", "Microsoft An - Vietnamese (Vietnam)", ["42A"]),
]
WINDOWS_UNKNOWN_LOCALE = [
    Voice(SAPI5_TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop", ["Unknown Locale: 1033"]),
    Voice(SAPI5_TOKENS + "MSTTS_V110_viVN_An", "Microsoft An", ["Unknown Locale: 1066"]),
]
# nsss.py: VoiceIdentifier, VoiceName, [VoiceLocaleIdentifier] ("vi_VN")
MACOS = [
    Voice("com.apple.voice.compact.en-US.Samantha", "Samantha", ["en_US"], "VoiceGenderFemale", 35),
    Voice("com.apple.voice.compact.vi-VN.Linh", "Linh", ["vi_VN"], "VoiceGenderFemale", 35),
    Voice("com.apple.voice.compact.th-TH.Kanya", "Kanya", ["th_TH"]),
]
# avspeech.py: identifier(), name(), [language()] ("vi-VN")
MACOS_AVSPEECH = [
    Voice("com.apple.voice.compact.en-GB.Daniel", "Daniel", ["en-GB"]),
    Voice("com.apple.voice.compact.vi-VN.Linh", "Linh", ["vi-VN"]),
]
# espeak.py: identifier, name, [languages[1:] decoded] (espeak's priority byte dropped)
LINUX = [
    Voice("gmw/en", "English (Great Britain)", ["en-gb"], "Male"),
    Voice("gmw/en-us", "English (America)", ["en-us"], "Male"),
    Voice("aav/vi", "Vietnamese (Northern)", ["vi"], "Male"),
    Voice("aav/vi-vn-x-central", "Vietnamese (Central)", ["vi-vn-x-central"], "Male"),
    Voice("aav/vi-vn-x-south", "Vietnamese (Southern)", ["vi-vn-x-south"], "Male"),
]
# Older pyttsx3 kept espeak's bytes, priority byte included.
LINUX_BYTES = [Voice("en", "english", [b"\x05en-gb"]), Voice("vi", "vietnam", [b"\x05vi"])]

AN, LINH = SAPI5_TOKENS + "MSTTS_V110_viVN_An", "com.apple.voice.compact.vi-VN.Linh"


@pytest.mark.parametrize("wanted", ["vi", "vi-VN", "vi_VN", "VI-vn", "north"])
def test_windows_picks_microsoft_an_by_language_tag(wanted):
    assert resolve_voice(WINDOWS, wanted) == AN


@pytest.mark.parametrize("voices", [WINDOWS_RAW_LCID, WINDOWS_UNKNOWN_LOCALE])
def test_windows_lcids_are_read_as_language_tags(voices):
    assert resolve_voice(voices, "vi") == AN
    assert resolve_voice(voices, "vi-VN") == AN
    assert resolve_voice(voices, "en-US") != AN


def test_windows_english_goes_to_the_first_us_voice_and_names_work_too():
    assert resolve_voice(WINDOWS, "en") == SAPI5_TOKENS + "TTS_MS_EN-US_DAVID_11.0"
    assert resolve_voice(WINDOWS, "Microsoft Zira Desktop") == SAPI5_TOKENS + "TTS_MS_EN-US_ZIRA_11.0"
    assert resolve_voice(WINDOWS, "Microsoft An") == AN


@pytest.mark.parametrize("voices", [MACOS, MACOS_AVSPEECH])
@pytest.mark.parametrize("wanted", ["vi", "vi-VN", "vi_VN", "Linh"])
def test_macos_picks_linh(voices, wanted):
    assert resolve_voice(voices, wanted) == LINH


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("vi", "aav/vi"),
        ("north", "aav/vi"),
        ("central", "aav/vi-vn-x-central"),
        ("south", "aav/vi-vn-x-south"),
        ("vi-vn-x-south", "aav/vi-vn-x-south"),
        ("aav/vi-vn-x-central", "aav/vi-vn-x-central"),
        # A region tag takes espeak's plain Vietnamese, not a dialect variant that happens to carry "vn".
        ("vi-VN", "aav/vi"),
        ("vi_VN", "aav/vi"),
        ("en", "gmw/en"),
        ("en-US", "gmw/en-us"),
    ],
)
def test_linux_espeak_ids_and_aliases_keep_their_meaning(wanted, chosen):
    assert resolve_voice(LINUX, wanted) == chosen


def test_espeak_bytes_with_their_priority_byte():
    assert resolve_voice(LINUX_BYTES, "vi-VN") == "vi"
    assert language_tag(b"\x05vi") == "vi"


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("vi-VN", "vi-vn"), ("vi_VN", "vi-vn"), (b"\x05vi", "vi"), ("42A", "vi-vn"), ("0x042A", "vi-vn"), (0x042A, "vi-vn"),
     ("Unknown Locale: 1066", "vi-vn"), ("409", "en-us"), ("vi-vn-x-south", "vi-vn-x-south"), ("en", "en")],
)
def test_language_tags_from_every_platform(raw, tag):
    assert language_tag(raw) == tag


@pytest.mark.parametrize(
    ("voices", "named"),
    [
        (WINDOWS[:1] + WINDOWS[2:], "TTS_MS_EN-US_DAVID_11.0 (en-us)"),
        (MACOS[:1], "Samantha (en-us)"),
        (LINUX[:2], "gmw/en-us (en-us)"),
    ],
)
def test_no_vietnamese_voice_is_a_clear_error_naming_what_exists(voices, named):
    with pytest.raises(EngineUnavailable) as caught:
        resolve_voice(voices, "vi")
    message = str(caught.value)
    assert message.startswith("Không có giọng tiếng Việt 'vi'")  # Vietnamese first
    assert f"no Vietnamese voice 'vi' among pyttsx3's {len(voices)} voices" in message
    assert named in message and "voices for 'vi': none" in message


def test_a_dialect_the_platform_lacks_is_an_error_not_another_voice():
    with pytest.raises(EngineUnavailable, match="'south'.*voices for 'vi'.*MSTTS_V110_viVN_An"):
        resolve_voice(WINDOWS, "south")
    with pytest.raises(EngineUnavailable, match="vi-xx-nowhere"):
        resolve_voice(LINUX, "vi-xx-nowhere")
    with pytest.raises(EngineUnavailable, match="no voice 'en-AU'"):
        resolve_voice(WINDOWS, "en-AU")  # another region's voice is not silently taken
