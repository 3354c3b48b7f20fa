"""The Synthesizer: background worker process, timeout and recovery, cache (fake engines)."""
from __future__ import annotations

import os
import threading
import time

import pytest

from audio import Segment, Synthesizer, wav_info
from audio.cache import WavCache, cache_key
from audio.errors import SilentOutputError, SynthesisError, SynthesisTimeout
from audio.fakes import CrashingEngine, HangingEngine, SilentEngine, ToneEngine
from audio.mix import AudioFormat


@pytest.fixture
def tone_synth(cache_dir):
    s = Synthesizer(ToneEngine(), cache_dir=cache_dir, timeout=10)
    yield s
    s.close()


def test_wav_is_made_then_served_from_cache(tone_synth, cache_dir):
    first = tone_synth.synthesize("Xin mời số một")
    assert not first.from_cache
    assert first.path.parent == cache_dir and first.path.exists()
    mtime = first.path.stat().st_mtime_ns

    second = tone_synth.synthesize("Xin mời số một")
    assert second.from_cache
    assert second.path == first.path
    assert (tone_synth.syntheses, tone_synth.cache_hits) == (1, 1)
    assert second.path.stat().st_mtime_ns >= mtime  # refreshed, not rewritten
    assert tone_synth.wav_for("Xin mời số một") == first.path
    assert tone_synth.syntheses == 1


def test_whitespace_does_not_make_a_new_entry(tone_synth):
    assert tone_synth.wav_for("Xin  mời\nsố một ") == tone_synth.wav_for("Xin mời số một")
    assert tone_synth.syntheses == 1


def test_a_second_synthesizer_reuses_the_cache_without_a_worker(tone_synth, cache_dir):
    path = tone_synth.wav_for("Xin mời số hai")
    with Synthesizer(ToneEngine(), cache_dir=cache_dir) as other:
        result = other.synthesize("Xin mời số hai")
        assert result.from_cache and result.path == path
        assert other.worker_pid is None  # no process was started for a hit


def test_prepare_returns_at_once(cache_dir):
    with Synthesizer(ToneEngine(), cache_dir=cache_dir) as synth:
        started = time.perf_counter()
        future = synth.prepare("Xin mời số ba")
        assert time.perf_counter() - started < 0.1  # spawning the worker happens in the background
        assert not future.done()
        result = future.result(timeout=30)
        assert result.path.exists() and not result.from_cache
        cached = synth.prepare("Xin mời số ba")
        assert cached.done() and cached.result().from_cache


def test_the_same_text_in_flight_is_made_once(tone_synth):
    futures = [tone_synth.prepare("Xin mời số bốn") for _ in range(5)]
    assert len({id(f) for f in futures}) == 1
    futures[0].result(timeout=30)
    assert tone_synth.syntheses == 1


def test_many_threads_one_worker(tone_synth):
    texts = [f"Xin mời số {n} đến quầy" for n in range(12)]
    results = {}

    def ask(text):
        results[text] = tone_synth.wav_for(text)

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(results) == set(texts)
    assert len(set(results.values())) == len(texts)
    for path in results.values():
        duration, level = wav_info(path)
        assert duration > 1.5 and level > 500


def test_a_hang_is_killed_within_the_timeout_and_the_worker_recovers(cache_dir):
    with Synthesizer(HangingEngine(hang_on="treo"), cache_dir=cache_dir, timeout=1.0) as synth:
        synth.warm_up()  # process start-up is not part of the timeout being measured
        first_pid = synth.worker_pid
        started = time.perf_counter()
        with pytest.raises(SynthesisTimeout, match="longer than 1 s"):
            synth.wav_for("câu này sẽ treo")
        assert time.perf_counter() - started < 3.0
        assert synth.restarts == 1
        assert synth.cached_path("câu này sẽ treo") is None

        path = synth.wav_for("câu bình thường")
        assert path.exists() and wav_info(path)[1] > 500
        assert synth.worker_pid not in (None, first_pid)


def test_per_call_timeout(cache_dir):
    with Synthesizer(HangingEngine(), cache_dir=cache_dir, timeout=60) as synth:
        synth.warm_up()
        started = time.perf_counter()
        with pytest.raises(SynthesisTimeout):
            synth.wav_for("treo", timeout=0.5)
        assert time.perf_counter() - started < 2.5


def test_a_crashed_worker_is_an_error_then_replaced(cache_dir):
    with Synthesizer(CrashingEngine(crash_on="sập"), cache_dir=cache_dir) as synth:
        with pytest.raises(SynthesisError, match="died"):
            synth.wav_for("máy sập")
        assert synth.wav_for("vẫn chạy").exists()
        assert synth.failures == 1


def test_silence_is_refused_and_not_cached(cache_dir):
    with Synthesizer(SilentEngine(), cache_dir=cache_dir) as synth:
        with pytest.raises(SilentOutputError):
            synth.wav_for("Xin mời")
        assert synth.cached_path("Xin mời") is None
        assert not list(cache_dir.glob("*.wav"))


def test_errors_reach_the_future(cache_dir):
    with Synthesizer(SilentEngine(), cache_dir=cache_dir) as synth:
        future = synth.prepare("Xin mời")
        assert isinstance(future.exception(timeout=30), SilentOutputError)


def test_empty_text_is_refused(tone_synth):
    with pytest.raises(ValueError, match="empty"):
        tone_synth.prepare("   ")
    with pytest.raises(ValueError, match="empty"):
        tone_synth.prepare([])


def test_segments_in_two_languages(tone_synth):
    path = tone_synth.wav_for([Segment("Xin mời số một", "vi"), Segment("Number one", "en")])
    assert wav_info(path)[0] > 2.0


def test_cache_key_covers_text_voice_rate_and_format():
    fmt = AudioFormat()
    base = cache_key([("một", "vi")], ToneEngine(), fmt)
    assert base == cache_key([("một", "vi")], ToneEngine(), fmt)
    assert len(base) == 64
    different = [
        cache_key([("hai", "vi")], ToneEngine(), fmt),
        cache_key([("một", "en")], ToneEngine(), fmt),
        cache_key([("một", "vi")], ToneEngine(voice="other"), fmt),
        cache_key([("một", "vi")], ToneEngine(rate=8000), fmt),
        cache_key([("một", "vi")], HangingEngine(), fmt),
        cache_key([("một", "vi")], ToneEngine(), AudioFormat(chime="three-tone")),
        cache_key([("một", "vi")], ToneEngine(), AudioFormat(target_rms_dbfs=-20)),
    ]
    assert len(set(different + [base])) == len(different) + 1


def test_prune_removes_least_recently_used(tmp_path):
    cache = WavCache(tmp_path)
    for index, key in enumerate(["a" * 64, "b" * 64, "c" * 64]):
        path = cache.path_for(key)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1000 + index, 1000 + index))
    assert cache.get("a" * 64) is not None  # a hit makes "a" the most recent
    assert cache.prune(max_bytes=2000) == 1
    assert cache.get("b" * 64) is None
    assert cache.get("a" * 64) and cache.get("c" * 64)


def test_close_fails_waiting_texts_instead_of_hanging(cache_dir):
    synth = Synthesizer(HangingEngine(), cache_dir=cache_dir, timeout=30)
    synth.warm_up()
    stuck = synth.prepare("treo mãi")
    waiting = synth.prepare("câu sau")
    time.sleep(0.2)
    started = time.perf_counter()
    synth.close()
    assert isinstance(waiting.exception(timeout=5), SynthesisError)
    assert isinstance(stuck.exception(timeout=5), SynthesisError)  # its worker was killed
    assert time.perf_counter() - started < 5
    assert synth.worker_pid is None
    with pytest.raises(RuntimeError, match="closed"):
        synth.prepare("nữa")
