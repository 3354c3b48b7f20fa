"""``say``: synthesise (and optionally play) an announcement from the command line.

Wired to ``python run.py say "…"``; also ``python -m audio.cli "…"``::

    python -m audio.cli "Xin mời công dân có số thứ tự 1023 đến quầy số 3" --out call.wav
    python -m audio.cli call A023 3 --play
    python -m audio.cli "pickup 8001 7" --south --english   # a result pickup: the pickup ticket's number
"""
from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .announcements import KINDS, Segment, announcement_segments, words_for_text
from .engines import DEFAULT_RATE, EspeakEngine, Pyttsx3Engine
from .speaker import play_wav
from .synthesizer import Synthesizer

__all__ = ["main", "say", "say_segments"]


def say_segments(
    text_or_kind: str,
    number: str | int | None = None,
    counter: int | str | None = None,
    *,
    dialect: str = "north",
    digit_by_digit: bool = False,
    include_english: bool = False,
    templates: Mapping | None = None,
) -> list[Segment]:
    """What :func:`say` would speak, without synthesising.

    ``("call", "A023", 3)`` or the single string ``"call A023 3"`` make an
    announcement; any other text is spoken as is, with its numbers in words.
    """
    if number is None and counter is None:
        parts = text_or_kind.split()
        if len(parts) == 3 and parts[0] in KINDS:
            text_or_kind, number, counter = parts
    if text_or_kind in KINDS:
        if number is None or counter is None:
            raise ValueError(f"'{text_or_kind}' needs a number and a counter, e.g. {text_or_kind} A023 3")
        return announcement_segments(
            text_or_kind,
            number,
            counter,
            dialect=dialect,
            digit_by_digit=digit_by_digit,
            templates=templates,
            include_english=include_english,
        )
    text = words_for_text(text_or_kind, dialect=dialect, digit_by_digit=digit_by_digit)
    if not text.strip():
        raise ValueError("nothing to say: the text is empty")
    return [Segment(text, "vi")]


def say(
    text_or_kind: str,
    number: str | int | None = None,
    counter: int | str | None = None,
    *,
    out: str | Path | None = None,
    play: bool = False,
    dialect: str = "north",
    digit_by_digit: bool = False,
    include_english: bool = False,
    templates: Mapping | None = None,
    engine: Any = None,
    voice: str = "vi",
    rate: int = DEFAULT_RATE,
    cache_dir: str | Path | None = None,
    timeout: float = 20.0,
    device: str | None = None,
) -> Path:
    """Make the WAV for a text or an announcement; copy it to ``out``; play it if ``play``.

    Returns the WAV path (``out`` if given, else the cached file). Raises
    ``ValueError`` for bad input, :class:`audio.SynthesisError` if speech
    fails, :class:`audio.SpeakerError` if ``play`` and the speaker cannot.
    """
    segments = say_segments(
        text_or_kind,
        number,
        counter,
        dialect=dialect,
        digit_by_digit=digit_by_digit,
        include_english=include_english,
        templates=templates,
    )
    with Synthesizer(engine or Pyttsx3Engine(voice=voice, rate=rate), cache_dir=cache_dir, timeout=timeout) as synth:
        path = synth.wav_for(segments)
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        path = out
    if play:
        play_wav(path, device=device)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m audio.cli``; prints the WAV path."""
    parser = argparse.ArgumentParser(prog="python -m audio.cli", description="Speak a Vietnamese announcement")
    parser.add_argument("text", nargs="+", help='free text, or: call|recall|pickup NUMBER COUNTER')
    parser.add_argument("--out", help="copy the WAV here")
    parser.add_argument("--play", action="store_true", help="play on this computer's speaker (aplay)")
    parser.add_argument("--device", help="ALSA device for --play, e.g. plughw:1,0")
    parser.add_argument("--south", action="store_true", help="southern words: ngàn, lẻ")
    parser.add_argument("--digits", action="store_true", help="read numbers digit by digit")
    parser.add_argument("--english", action="store_true", help="add the English sentence")
    parser.add_argument("--voice", default="vi", help="vi (north), vi-vn-x-central, vi-vn-x-south")
    parser.add_argument("--rate", type=int, default=DEFAULT_RATE, help="words per minute")
    parser.add_argument("--espeak", action="store_true", help="use the espeak-ng binary instead of pyttsx3")
    parser.add_argument("--cache-dir", help="WAV cache directory")
    args = parser.parse_args(argv)
    engine = EspeakEngine(voice=args.voice, rate=args.rate) if args.espeak else None
    try:
        path = say(
            " ".join(args.text),
            out=args.out,
            play=args.play,
            dialect="south" if args.south else "north",
            digit_by_digit=args.digits,
            include_english=args.english,
            engine=engine,
            voice=args.voice,
            rate=args.rate,
            cache_dir=args.cache_dir,
            device=args.device,
        )
    except Exception as error:  # noqa: BLE001 - a person reads this
        print(f"Không đọc được / could not speak: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
