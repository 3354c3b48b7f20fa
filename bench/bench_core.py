"""Core benchmarks (issue 7), printed as figures — not a test.

1. Tickets issued per second through the API on SQLite, next to a bare Flask JSON
   endpoint served the same way in the same run (ratio): the public ``POST /api/v1/tickets``
   and a registered kiosk's ``POST /api/v1/kiosk/tickets`` (hours, open counters, issue). Also
   next to the SQLite write floor: a bare Flask endpoint inserting one row in a ``BEGIN IMMEDIATE``
   transaction with our pragmas (bench/bare_app.py ``/insert``), the most a writer of one SQLite
   file can do through Flask here; and next to the issue floor (``/issue``): the statements a ticket
   issue needs (the day's number, the ticket, its log row, then its people ahead) in plain SQL;
   and next to the same statements through SQLAlchemy (``/issue_sa``), our database layer's floor.
   Last, the issue's rules floor: what our issue sends, statement for statement (center and field
   checked, the range's fields, the number, the ticket, its log row, the boards' waiting counts; then
   people ahead, open counters and recent service times), on tables shaped like ours, in plain SQL
   (``/issue_rules``) and through a SQLAlchemy Session (``/issue_rules_sa``): no issue that keeps
   these rules and this database layer goes above the second. To that floor's CPU per request it adds
   our request layer's, timed in this process with no database work (hooks and the issue's schemas
   answering a ready ticket view, against a bare Flask POST), for the most an issue keeping these rules
   through our request layer can do here.
   Each figure adds the server's CPU time per request (its processes' user + system time over the
   phase), which other load on the machine disturbs less.
2. Call-next → ``ticket_called`` received by 200 connected Socket.IO clients: p50/p99,
   next to a bare Socket.IO emit to 200 clients of a bare app in the same run, twice: of a tiny
   message, and of the very message ours sent (captured from its first round). The clients are
   threads of this process, so a bigger message costs their side too: a 1.4 kB ``ticket_called``
   doubled the bare emit's p50 here. The same-message baseline is what Flask-SocketIO itself costs
   to deliver that event; the rest is ours. Third, the call floor (``/call``): the same message emitted
   only after a claim of the first waiting ticket and its log row are committed in plain SQL, which
   a call that must never be lost cannot go below.

Both servers are real processes (Flask-SocketIO threading server); clients are
threads in this process, so the client side is part of every figure on both sides.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.worker_model import GEVENT, GEVENT_CONNECTIONS, THREADS
from tests.support.server_process import ServerProcess, login_session

PASSWORD = "bench-password-1"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str) -> str:
    """Migrate and seed the demo center; returns the token of a screen-only kiosk of it."""
    from server.db import Database
    from server.demo import seed_demo
    from server.domain.accounts import register_device
    from server.schema import upgrade

    upgrade(url)
    db = Database(url)
    with db.write() as session:
        # A floor to call at, no clerks seated.
        seed_demo(session, password_for=lambda _u: PASSWORD, open_counters=True, catalogue=False, devices=False)
        _device, kiosk_token = register_device(session, 1, "kiosk", "Kiosk bench")
    db.dispose()
    return kiosk_token


def throughput(url: str, method: str, body: dict | None, seconds: float, threads: int,
               headers: dict | None = None) -> tuple[float, list[float]]:
    """Requests per second over ``seconds`` with ``threads`` keep-alive clients, and each
    successful request's latency (ms)."""
    stop = time.monotonic() + seconds
    counts = [0] * threads
    errors = [0] * threads
    latencies: list[list[float]] = [[] for _ in range(threads)]

    def worker(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            started = time.perf_counter()
            r = session.request(method, url, json=body, headers=headers, timeout=30)
            if r.status_code < 300:
                counts[i] += 1
                latencies[i].append((time.perf_counter() - started) * 1000)
            else:
                errors[i] += 1

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - start
    if sum(errors):
        print(f"   ({sum(errors)} non-2xx answers from {url})")
    return sum(counts) / elapsed, [x for one in latencies for x in one]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (Linux /proc; 0 elsewhere)."""
    import os

    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    while todo:
        one = todo.pop()
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{one}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def measured(pid: int, url: str, method: str, body: dict | None, seconds: float, threads: int,
             headers: dict | None = None) -> tuple[float, list[float], float]:
    """:func:`throughput`, plus the CPU milliseconds the server (``pid``) spent per answered request."""
    before = cpu_seconds(pid)
    rps, latencies = throughput(url, method, body, seconds, threads, headers)
    return rps, latencies, (cpu_seconds(pid) - before) * 1000 / max(1, len(latencies))


class Profiler:
    """``py-spy record`` of the server process during one phase, when ``--profile DIR`` is given and
    py-spy is installed (requirements-dev.txt; found on PATH or beside this Python): raw collapsed
    stacks, one file per phase, to read with ``bench/profile_top.py`` or any flame-graph tool."""

    def __init__(self, directory: Path | None, pid: int) -> None:
        self.directory = directory
        self.pid = pid
        self.proc: subprocess.Popen | None = None

    def start(self, phase: str) -> None:
        if self.directory is None:
            return
        import shutil

        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([spy, "record", "--pid", str(self.pid), "--subprocesses", "--idle", "--nonblocking",
                                      "--rate", "100", "--format", "raw", "-o", str(self.directory / f"{phase}.txt")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # py-spy attaches

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(2)  # SIGINT: py-spy writes its file and exits
            self.proc.wait(30)
            self.proc = None


def connect_clients(
    base_url: str, n: int, event: str, auth: dict | None, arrivals: dict[int, list[float]], heard: list | None = None
) -> list[socketio.Client]:
    """``n`` clients noting when each receives ``event``; the first one's messages go to ``heard``."""
    clients = []
    for i in range(n):
        c = socketio.Client(reconnection=False)

        def handler(data, i=i):
            arrivals[i].append(time.perf_counter())
            if i == 0 and heard is not None:
                heard.append(data)

        c.on(event, handler)
        c.connect(base_url, auth=auth, transports=["websocket"], wait_timeout=10)
        clients.append(c)
    return clients


def fanout(base_url: str, n_clients: int, rounds: int, event: str, auth: dict | None, trigger, setup=None,
           heard: list | None = None) -> list[float]:
    """Latency (ms) from just before ``trigger(r)`` to each client's receipt, over all
    rounds; ``setup(r)``, if given, runs before each round outside the measured window. The
    messages one client received go to ``heard``, if given."""
    arrivals: dict[int, list[float]] = {i: [] for i in range(n_clients)}
    clients = connect_clients(base_url, n_clients, event, auth, arrivals, heard)
    time.sleep(1.0)
    latencies: list[float] = []
    firsts: list[float] = []  # each round's first delivery: the server's own part before the fan-out
    try:
        for r in range(rounds):
            if setup:
                setup(r)
                # The setup's own events (a finish: ticket_finished, queue_counts to every client) must
                # have reached the clients before the clock starts: 0.1 s was less than their fan-out.
                time.sleep(0.6)
            t0 = time.perf_counter()
            trigger(r)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(len(a) <= r for a in arrivals.values()):
                time.sleep(0.002)
            got = [(a[r] - t0) * 1000 for a in arrivals.values() if len(a) > r]
            latencies += got
            firsts.append(min(got, default=0.0))
            time.sleep(0.2)
    finally:
        # Each disconnect waits a few seconds for the server's close; do them side by side.
        with ThreadPoolExecutor(max_workers=50) as pool:
            list(pool.map(lambda c: c.disconnect(), clients))
    missing = n_clients * rounds - len(latencies)
    if missing:
        print(f"   ({missing} deliveries missing)")
    print(f"   (first client reached after p50 {pct(firsts, 50):.1f} ms)")
    return latencies


def request_layer_posts(db_url: str, instance: Path) -> tuple[Any, Any]:
    """Two ways to answer the issue's POST with no database work, each a callable sending one: through
    our app's hooks (request guard, upkeep, security headers) and the issue's own TicketIn/TicketOut
    schemas, answering a ticket view issued once; and a bare Flask POST reading the same JSON.
    Returns (bare, ours), each giving the test client's response."""
    from apiflask import APIBlueprint
    from flask import Flask, request

    from server.app import create_app
    from server.config import Settings
    from server.extensions import services
    from server.web.api.schemas import TicketIn, TicketOut

    app = create_app(Settings.from_env({"DATABASE_URL": db_url, "MOTCUA_INSTANCE": str(instance), "SECRET_KEY": "bench",
                                        "RATE_LIMIT_ENABLED": "0"}))
    with app.app_context():
        view = services().queue.issue_ticket(1, 1, source="api")
    layer = APIBlueprint("request_layer", __name__, url_prefix="/api/v1")

    @layer.post("/request-layer")
    @layer.input(TicketIn, arg_name="data")
    @layer.output(TicketOut, status_code=201)
    def canned(data):
        return view

    app.register_blueprint(layer)
    bare = Flask("bare_request")

    @bare.post("/request-layer")
    def bare_canned():
        request.get_json()
        return {"id": view["id"]}, 201

    body = {"center_id": 1, "service_id": 1}
    bare_client, our_client = bare.test_client(), app.test_client()
    return (lambda: bare_client.post("/request-layer", json=body)), (lambda: our_client.post("/api/v1/request-layer", json=body))


def request_layer_ms(db_url: str, instance: Path, rounds: int = 3000) -> tuple[float, float]:
    """What our request layer costs over bare Flask (:func:`request_layer_posts`), CPU ms per request in
    this process, best of three; returns (bare, ours). Added to the issue's rules floor it gives the most
    an issue keeping these rules through our request layer can do here."""
    figures = []
    for post in request_layer_posts(db_url, instance):
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            for _ in range(rounds):
                post()
            best = min(best, (time.process_time() - started) * 1000 / rounds)
        figures.append(best)
    return figures[0], figures[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:  # nothing answered (the count of failures was printed): say so rather than crash
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


SERVER_MODELS = (GEVENT, THREADS)  # server/worker_model.py; gevent is what run.py serves with


def bare_command(port: int, model: str) -> tuple[list[str], dict[str, str]]:
    """The command (and environment) serving bench/bare_app.py on ``port`` in the server ``model`` of
    ours: gevent → gunicorn's gevent worker, as ``run.py serve``; threads → Flask-SocketIO's threaded server."""
    if model == GEVENT:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        return ([gunicorn, "-k", "gevent", "-w", "1", "--worker-connections", str(GEVENT_CONNECTIONS), "--no-control-socket",
                 "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT / "bench"), "bare_app:app"], {"BARE_ASYNC_MODE": "gevent"})
    return [sys.executable, str(ROOT / "bench/bare_app.py"), str(port)], {"BARE_ASYNC_MODE": "threading"}


def start_bare(model: str = "gevent") -> tuple[subprocess.Popen, str]:
    """The bare Flask app (bench/bare_app.py), the baseline of every figure, on the server ``model`` of
    ours, started and answering: its process (terminate it after) and its URL."""
    port = free_port()
    cmd, env = bare_command(port, model)
    bare = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/ping", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    return bare, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=200)
    # 200 clients hear each round: one slow round (the server busy with something else at that moment)
    # is 200 samples, and the p99 of 15 rounds (the slowest 30 of 3,000) lay within it. Over 40 rounds
    # a slow round is a third as much of the whole; the slow rounds of 60 were 2 of ours, 1 of the floor.
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--skip-fanout", action="store_true", help="only the ticket-issue figures")
    parser.add_argument("--server", choices=SERVER_MODELS, default="gevent",
                        help="the server model of ours and of the bare app alike (server/worker_model.py)")
    parser.add_argument("--profile", type=Path, default=None, help="record the server with py-spy into this folder")
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database for the server (e.g. a PostgreSQL one just created); default a new SQLite file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    kiosk_token = seed(db_url)
    # Rate limits are for kiosks and phones; the benchmark is one client hammering on purpose.
    env = {"DATABASE_URL": db_url, "MOTCUA_INSTANCE": str(tmp), "SECRET_KEY": "bench", "RATE_LIMIT_ENABLED": "0",
           "MOTCUA_WORKER": args.server}
    bare, bare_url = start_bare(args.server)
    server = ServerProcess(free_port(), env, tmp / "server.log").start()
    try:
        profiler = Profiler(args.profile, server.proc.pid)
        # Warm both servers with as many clients as the figures use (connection pools filled, threads
        # started, SQLAlchemy's statement cache), outside the measured window: one cold phase first had
        # its 8 in-flight requests all stall ~180 ms together, which was its whole p99.
        for url, method, body, headers in ((bare_url + "/ping", "GET", None, None),
                                           (bare_url + "/insert", "POST", {"service_id": 1}, None),
                                           (bare_url + "/issue", "POST", {"service_id": 1}, None),
                                           (bare_url + "/issue_sa", "POST", {"service_id": 1}, None),
                                           (bare_url + "/issue_rules", "POST", {"service_id": 1}, None),
                                           (bare_url + "/issue_rules_sa", "POST", {"service_id": 1}, None),
                                           (server.url + "/api/v1/tickets", "POST", {"center_id": 1, "service_id": 1}, None),
                                           (server.url + "/api/v1/kiosk/tickets", "POST", {"service_id": 1},
                                            {"X-Device-Token": kiosk_token})):
            throughput(url, method, body, 0.5, args.threads, headers)
        database = "SQLite" if db_url.startswith("sqlite") else db_url.split(":", 1)[0]
        print(f"== Issue tickets through the API ({database}, {args.server} server, {args.threads} client threads, "
              f"{args.seconds:.0f} s each)")
        bare_rps, bare_ms, bare_cpu = measured(bare.pid, bare_url + "/ping", "GET", None, args.seconds, args.threads)
        floor_rps, floor_ms, floor_cpu = measured(bare.pid, bare_url + "/insert", "POST", {"service_id": 1}, args.seconds,
                                                  args.threads)
        issue_floor_rps, issue_floor_ms, issue_floor_cpu = measured(bare.pid, bare_url + "/issue", "POST", {"service_id": 1},
                                                                    args.seconds, args.threads)
        sa_floor_rps, sa_floor_ms, sa_floor_cpu = measured(bare.pid, bare_url + "/issue_sa", "POST", {"service_id": 1},
                                                           args.seconds, args.threads)
        rules_rps, rules_ms, rules_cpu = measured(bare.pid, bare_url + "/issue_rules", "POST", {"service_id": 1},
                                                  args.seconds, args.threads)
        rules_sa_rps, rules_sa_ms, rules_sa_cpu = measured(bare.pid, bare_url + "/issue_rules_sa", "POST", {"service_id": 1},
                                                           args.seconds, args.threads)
        ticket = {"center_id": 1, "service_id": 1}
        profiler.start("issue_api")
        issue_rps, issue_ms, issue_cpu = measured(server.proc.pid, server.url + "/api/v1/tickets", "POST", ticket,
                                                  args.seconds, args.threads)
        profiler.stop()
        profiler.start("issue_kiosk")
        kiosk_rps, kiosk_ms, kiosk_cpu = measured(server.proc.pid, server.url + "/api/v1/kiosk/tickets", "POST",
                                                  {"service_id": 1}, args.seconds, args.threads,
                                                  headers={"X-Device-Token": kiosk_token})
        profiler.stop()
        for label, rps, lat, cpu in (("bare Flask JSON endpoint  ", bare_rps, bare_ms, bare_cpu),
                                     ("SQLite write floor       ", floor_rps, floor_ms, floor_cpu),
                                     ("issue floor (plain SQL)  ", issue_floor_rps, issue_floor_ms, issue_floor_cpu),
                                     ("issue floor (SQLAlchemy) ", sa_floor_rps, sa_floor_ms, sa_floor_cpu),
                                     ("issue rules (plain SQL)  ", rules_rps, rules_ms, rules_cpu),
                                     ("issue rules (SQLAlchemy) ", rules_sa_rps, rules_sa_ms, rules_sa_cpu)):
            print(f"   {label}: {rps:8.1f} req/s      p50 {pct(lat, 50):6.1f} ms  p99 {pct(lat, 99):6.1f} ms"
                  f"  CPU {cpu:5.2f} ms/req  (ratio {rps / bare_rps:.2f} of bare)")
        for label, rps, lat, cpu in (("POST /api/v1/tickets      ", issue_rps, issue_ms, issue_cpu),
                                     ("POST /api/v1/kiosk/tickets", kiosk_rps, kiosk_ms, kiosk_cpu)):
            print(f"   {label}: {rps:8.1f} tickets/s  p50 {pct(lat, 50):6.1f} ms  p99 {pct(lat, 99):6.1f} ms"
                  f"  CPU {cpu:5.2f} ms/req  (ratio {rps / bare_rps:.2f} of bare, {rps / max(floor_rps, 1e-9):.2f} of the write"
                  f" floor, {rps / max(issue_floor_rps, 1e-9):.2f} of the issue floor, {rps / max(sa_floor_rps, 1e-9):.2f} of the"
                  f" SQLAlchemy one, {rps / max(rules_sa_rps, 1e-9):.2f} of the rules through SQLAlchemy;"
                  f" target >= 0.5 of bare, p99 <= 100 ms)")
        bare_layer, our_layer = request_layer_ms(db_url, tmp)
        layer = our_layer - bare_layer
        # The server is bound by its CPU here: the rules floor's throughput scaled by its CPU per request
        # with our request layer's added on.
        ceiling = rules_sa_rps * rules_sa_cpu / (rules_sa_cpu + layer)
        print(f"   our request layer (hooks, TicketIn/TicketOut, no database; in-process): {our_layer:.3f} ms/req against"
              f" bare Flask {bare_layer:.3f}: +{layer:.3f} ms. Rules through SQLAlchemy + this layer: about"
              f" {ceiling:.0f} tickets/s = {ceiling / bare_rps:.2f} of bare, the most an issue keeping these rules here can do")
        if args.skip_fanout:
            return

        print(f"== Fan-out to {args.clients} Socket.IO clients, {args.rounds} rounds ({args.server} server)")
        # Each side's first call after its start is made outside the window, as the issue phase's
        # warm-up does: the first call-next after a start reached its first client after 14–17 ms
        # instead of 7 (statements compiled, code paths first run). With 200 clients a round, one slow
        # round was the p99 of 15: round 0 still came out at twice the others' p50 in some runs (4 of 8
        # today, with or without this warm-up; not pinned down), and the p99 with it.
        for path in ("/emit", "/call"):
            requests.post(bare_url + path, json={"payload": {"warm": True}}, timeout=10).raise_for_status()
        bare_lat = fanout(bare_url, args.clients, args.rounds, "bare_event", None,
                          lambda _r: requests.post(bare_url + "/emit", timeout=10))
        clerk = login_session(server.url, "quay1", PASSWORD)

        def finish_previous(r: int) -> None:
            if r:
                clerk.post(server.url + "/api/v1/counters/1/finish", timeout=10)

        def call_next(_r: int) -> None:
            clerk.post(server.url + "/api/v1/counters/1/call-next", timeout=10).raise_for_status()

        # A TV opening its board page starts the speech worker (display/views.py); these clients are
        # sockets only, so open the page once as the center's TV did, and let the worker come up.
        requests.get(server.url + "/display/board?center=1", timeout=10).raise_for_status()
        time.sleep(3)
        for action in ("call-next", "finish"):
            clerk.post(f"{server.url}/api/v1/counters/1/{action}", timeout=10).raise_for_status()
        profiler.start("call_next_fanout")
        called: list[dict] = []
        lat = fanout(server.url, args.clients, args.rounds, "ticket_called", {"center_id": 1}, call_next,
                     setup=finish_previous, heard=called)
        profiler.stop()
        same = {"payload": called[0]} if called else None
        same_lat = fanout(bare_url, args.clients, args.rounds, "bare_event", None,
                          lambda _r: requests.post(bare_url + "/emit", json=same, timeout=10))
        call_floor_lat = fanout(bare_url, args.clients, args.rounds, "bare_event", None,
                                lambda _r: requests.post(bare_url + "/call", json=same, timeout=10))
        size = len(json.dumps(called[0], ensure_ascii=False).encode()) if called else 0
        print(f"   bare emit, tiny      : p50 {pct(bare_lat, 50):7.1f} ms   p99 {pct(bare_lat, 99):7.1f} ms")
        print(f"   bare emit, same msg  : p50 {pct(same_lat, 50):7.1f} ms   p99 {pct(same_lat, 99):7.1f} ms   ({size} bytes)")
        print(f"   bare call, same msg  : p50 {pct(call_floor_lat, 50):7.1f} ms   p99 {pct(call_floor_lat, 99):7.1f} ms"
              "   (the call floor: claim + log row committed in plain SQL, then the emit)")
        print(f"   call-next → clients  : p50 {pct(lat, 50):7.1f} ms   p99 {pct(lat, 99):7.1f} ms"
              f"   (ratio to tiny p50 {pct(lat, 50) / pct(bare_lat, 50):.2f}, p99 {pct(lat, 99) / pct(bare_lat, 99):.2f};"
              f" to same msg p50 {pct(lat, 50) / pct(same_lat, 50):.2f}, p99 {pct(lat, 99) / pct(same_lat, 99):.2f};"
              f" to the call floor p50 {pct(lat, 50) / pct(call_floor_lat, 50):.2f},"
              f" p99 {pct(lat, 99) / pct(call_floor_lat, 99):.2f};"
              " target <= 1.5)")
    finally:
        server.stop()
        bare.terminate()


if __name__ == "__main__":
    main()
