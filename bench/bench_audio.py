"""Benchmark: announcement synthesis, cold and cached, next to bare espeak-ng.

    .venv/bin/python bench/bench_audio.py [--runs 10]

Prints milliseconds for the sentence
"Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba":

* ``espeak-ng -v vi -w`` — the bare command, same run, same machine;
* worker start — spawning the synthesis process and loading pyttsx3 + voice;
* cold — a first ``wav_for`` with the worker already up (synthesis, checks,
  chime, loudness, rename into the cache), and the pyttsx3 part of it;
* cold incl. start — a brand-new Synthesizer's first ``wav_for``;
* cached — ``wav_for`` for a text already in the cache.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audio import Pyttsx3Engine, Synthesizer, number_words, wav_info

SENTENCE = "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def bench_espeak(runs: int, tmp: Path) -> list[float]:
    times = []
    for n in range(runs):
        out = tmp / f"espeak-{n}.wav"
        started = time.perf_counter()
        subprocess.run(["espeak-ng", "-v", "vi", "-w", str(out), SENTENCE], check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audio-") as tmp_name:
        tmp = Path(tmp_name)
        espeak = bench_espeak(args.runs, tmp)

        # Cold, worker already started: a new text each run (cache misses).
        cold, starts, engine_only = [], [], []
        with Synthesizer(Pyttsx3Engine(), cache_dir=tmp / "cache") as synth:
            started = time.perf_counter()
            synth.warm_up()
            starts.append(time.perf_counter() - started)
            for n in range(args.runs):
                # same shape, another number: a cache miss every time
                text = f"Xin mời công dân có số thứ tự {number_words(1023 + n)} đến quầy số ba"
                started = time.perf_counter()
                result = synth.synthesize(text)
                cold.append(time.perf_counter() - started)
                engine_only.append(result.info["synth_ms"] / 1000)
            path = synth.wav_for(SENTENCE)
            cached = []
            for _ in range(args.runs * 10):
                started = time.perf_counter()
                result = synth.synthesize(SENTENCE)
                cached.append(time.perf_counter() - started)
                assert result.from_cache
            duration, level = wav_info(path)

        # A brand-new Synthesizer (new process) on an empty cache.
        started = time.perf_counter()
        with Synthesizer(Pyttsx3Engine(), cache_dir=tmp / "cache-2") as fresh:
            fresh.wav_for(SENTENCE)
        cold_with_start = time.perf_counter() - started

    print(f"sentence: {SENTENCE!r}")
    print(f"result:   {duration:.2f} s of audio (chime + voice), RMS {level:.0f}; {args.runs} runs each\n")
    print(f"{'':32}{'first':>8}{'median':>9}{'min':>9}   ms")
    rows = [
        ("espeak-ng -v vi -w (bare)", espeak),
        ("worker start (spawn + pyttsx3)", starts),
        ("cold wav_for (worker up)", cold),
        ("  of which pyttsx3 synthesis", engine_only),
        ("cold wav_for incl. start", [cold_with_start]),
        ("cached wav_for", cached),
    ]
    for label, times in rows:
        print(f"{label:32}{ms(times[0])}{ms(statistics.median(times)):>9}{ms(min(times)):>9}")


if __name__ == "__main__":
    main()
