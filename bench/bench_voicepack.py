"""Benchmark: an announcement said from a recorded voice pack, cold and cached, next to a bare concatenation.

    .venv/bin/python bench/bench_voicepack.py [--runs 20]

The pack is every clip ``required_clips()`` lists, each a generated tone run
through :func:`audio.voicepack.process_clip` as an upload would be. Prints p50
milliseconds (and p90) of:

* bare — the least work possible, same run: the sentence's clip samples joined
  with ``array`` and written as a WAV (no gaps, chime, loudness or cache);
* assemble — :func:`audio.voicepack.assemble_samples` only (matching + gaps);
* cold — ``Synthesizer.synthesize(text, pack=…)`` for a new number each run:
  match, assemble, chime, normalise, write into the cache (no speech process);
* cached — the same call for a sentence already in the cache;
* process_clip — saving one 1 s uploaded WAV (decode, trim, loudness);
* export / import — the whole pack as one file and back (checked).
"""
from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import tempfile
import time
import wave
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audio import Synthesizer, announcement_text
from audio.fakes import ToneEngine
from audio.voicepack import (
    CLIP_RATE,
    VoicePack,
    assemble_samples,
    export_pack,
    import_pack,
    process_clip,
    required_clips,
)
from audio.wavio import write_wav


def _upload(freq: float, seconds: float, rate: int = 44100) -> bytes:
    """A WAV as a browser would upload it: 0.2 s of silence, the tone, 0.2 s of silence."""
    pad = [0] * int(0.2 * rate)
    tone = [int(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(int(seconds * rate))]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array("h", pad + tone + pad).tobytes())
    return buffer.getvalue()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _line(name: str, values: list[float]) -> None:
    print(f"{name:<34} p50 {statistics.median(values) * 1000:8.2f} ms   p90 {_p(values, 0.9):8.2f} ms   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    specs = required_clips(include_english=True)
    save_times: list[float] = []
    clips = {}
    for i, spec in enumerate(specs):
        upload = _upload(300 + 17 * i, 0.25 + 0.08 * len(spec.key.split()))
        started = time.perf_counter()
        clips[(spec.lang, spec.key)] = process_clip(upload)[0]
        save_times.append(time.perf_counter() - started)
    pack = VoicePack("bench", clips)
    one_second = _upload(440, 1.0)
    for _ in range(args.runs):
        started = time.perf_counter()
        process_clip(one_second)
        save_times.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory(prefix="bench-voicepack-") as tmp_name:
        tmp = Path(tmp_name)
        texts = [announcement_text("call", str(1023 + n), 3) for n in range(args.runs)]

        bare, assemble = [], []
        for n, text in enumerate(texts):
            keys = pack.clip_sequence(text)
            started = time.perf_counter()
            joined = array("h")
            for key in keys:
                joined.extend(pack.samples("vi", key))  # decoded once per pack, as the assembler does
            write_wav(tmp / f"bare-{n}.wav", joined, CLIP_RATE)
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            assemble_samples(pack, text)
            assemble.append(time.perf_counter() - started)

        cold, cached = [], []
        with Synthesizer(ToneEngine(), cache_dir=tmp / "cache") as synth:
            for text in texts:
                started = time.perf_counter()
                result = synth.synthesize(text, pack=pack)
                cold.append(time.perf_counter() - started)
                assert not result.from_cache and result.info["recorded_segments"] == 1
            for _ in range(10):
                for text in texts:
                    started = time.perf_counter()
                    assert synth.synthesize(text, pack=pack).from_cache
                    cached.append(time.perf_counter() - started)
            assert synth.worker_pid is None, "a fully recorded announcement must not start the speech worker"
            duration = result.info["duration_s"]

        exports, imports = [], []
        for _ in range(max(3, args.runs // 4)):
            started = time.perf_counter()
            data = export_pack(pack)
            exports.append(time.perf_counter() - started)
            started = time.perf_counter()
            import_pack(data)
            imports.append(time.perf_counter() - started)

    print(f"pack: {len(pack.clips)} clips (vi + en), {len(data) / 1e6:.2f} MB exported; "
          f"sentence: {texts[0]!r}, {duration:.2f} s with the chime")
    _line("bare (join clips + write WAV)", bare)
    _line("assemble (match + gaps)", assemble)
    _line("cold synthesize(pack=) incl. mix", cold)
    _line("cached synthesize(pack=)", cached)
    _line("process_clip (upload -> clip)", save_times[-args.runs :])
    _line("export_pack", exports)
    _line("import_pack", imports)


if __name__ == "__main__":
    main()
