"""Load benchmark (issue 5): call → board latency under a realistic day, printed as figures.

    python bench/bench_load.py --scenario a --minutes 1
    python bench/bench_load.py --scenario b --minutes 1

(a) One box: SQLite, one server process (``run.py serve``). A 30-counter center at
    3× its peak: 450 tickets/hour from the kiosk, 30 clerks looping call-next → serve
    (exponential, mean ``--service-seconds``) → finish, 50 boards and 500 phone pages
    (each following one ticket of the morning backlog) connected throughout.
(a2000) The same center with 2,000 clients on the one process (50 boards + 1,950 phone pages): how
    many clients a process carries (issue 17: call → board p99 < 200 ms, no missed pings, i.e. no
    disconnect), and the server's memory per connected client.
(b) Scale-out: four gunicorn processes (deploy/gunicorn.conf.py) + PostgreSQL (a fresh
    database) + Redis message queue. 100 centers of 7 counters at the same per-counter
    pace, 5,000 Socket.IO clients (3 boards + 47 phones per center) spread over the
    processes, clerks on one process and boards on others so events cross Redis.

Each scenario prints p50/p99 from the clerk's call-next request being sent to the
``ticket_called`` event arriving at each board (and at the phone of that ticket),
errors, missed/duplicated deliveries, server RSS and CPU; then the same client
population is connected to a bare Flask-SocketIO app (bench/bare_app.py, same server
kind) and POST /emit is driven at the call rate just measured: the baseline. With ``--floor``
(a) runs a third time against the call floor: the bare app's ``/call_rules_sa`` reads the clerk and
the counter, commits our call-next's statements through a SQLAlchemy Session on tables shaped like
ours, and only then emits a message the size of our ``ticket_called`` (what any call that keeps our
rules on our database layer costs before the boards hear of it).

``--server`` picks the server model of every process, ours and the bare app's alike: ``gevent`` (what
ships: gunicorn's gevent worker, Flask-SocketIO ``async_mode="gevent"``, server/worker_model.py) or
``threads`` (``MOTCUA_WORKER=threads``: gunicorn's gthread worker, a thread per client; the bare app on
Flask-SocketIO's threaded server), to compare the two on the same scenario.

Clients are real python-socketio AsyncClients in separate processes
(bench/load_clients.py); the machine's cores are shared by servers and clients, so
the CPU columns say who was busy.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_core import SERVER_MODELS, bare_command
from bench.load_seed import CenterPlan, issue_backlog, seed_centers

PASSWORD = "bench-load-password"
PG_ADMIN_URL = os.environ.get("MOTCUA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("MOTCUA_BENCH_REDIS", "redis://127.0.0.1:6379")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- processes
def raise_fd_limit() -> int:
    """Soft RLIMIT_NOFILE → hard limit; children (servers, clients) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for child in _children(pid):
        pids += _tree(child)
    return pids


def proc_stats(pid: int) -> tuple[int, int, float]:
    """(RSS kB, threads, CPU seconds) of a process and its children (a gunicorn master + worker)."""
    rss = threads = 0
    cpu = 0.0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("Threads:"):
                threads += int(line.split()[1])
        cpu += (int(stat[11]) + int(stat[12])) / CLK_TCK  # utime + stime
    return rss, threads, cpu


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Server:
    """One server process we started (ours or bare), with what it takes to stop it."""

    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _spawn(cmd: list[str], env: dict[str, str], port: int, log: Path, bare: bool) -> Server:
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    wait_http(server.url + ("/ping" if bare else "/api/v1/centers"), proc, log)
    if not bare:
        # A TV opening its board page starts the speech worker (display/views.py); the load's boards are
        # sockets only, so the first call would have spawned it on the cores the fan-out needs.
        requests.get(server.url + "/display/board", timeout=10)
    return server


def start_a_server(kind: str, env: dict[str, str], tmp: Path, name: str, clients: int, bare: bool = False) -> Server:
    """Scenario (a)'s one process in the server model ``kind``: ours is ``run.py serve`` as a center
    runs it (``MOTCUA_WORKER``); the bare app runs on the same model (gevent: gunicorn's gevent worker;
    threads: Flask-SocketIO's threaded server)."""
    port, log = free_port(), tmp / f"{name}.log"
    if not bare:
        cmd = [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-seed"]
        return _spawn(cmd, {**env, "MOTCUA_WORKER": kind, "THREADS": str(max(200, clients + 200))}, port, log, bare)
    cmd, model_env = bare_command(port, kind)
    return _spawn(cmd, {**env, **model_env}, port, log, bare)


def start_gunicorn(kind: str, env: dict[str, str], tmp: Path, name: str, threads: int, bare: bool = False) -> Server:
    """One production process per deploy/gunicorn.conf.py, in the server model ``kind`` (``threads``
    sizes the gthread worker; a websocket holds a connection and a thread there)."""
    port, log = free_port(), tmp / f"{name}.log"
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "--no-control-socket"]
    cmd += ["--chdir", str(ROOT / "bench"), "bare_app:app"] if bare else ["server.wsgi:app"]
    model = {"MOTCUA_WORKER": kind, "THREADS": str(threads), "BIND": f"127.0.0.1:{port}",
             "BARE_ASYNC_MODE": "gevent" if kind == "gevent" else "threading"}
    return _spawn(cmd, {**env, **model}, port, log, bare)


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    result: Path
    ready: str = ""


def start_worker(config: dict[str, Any], tmp: Path, name: str) -> Worker:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(config))
    result = tmp / f"{name}.result.json"
    err = (tmp / f"{name}.err").open("ab")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench/load_clients.py"), str(path), str(result)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
    return Worker(name, proc, result)


def wait_ready(workers: list[Worker], tmp: Path) -> None:
    for w in workers:
        line = w.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"{w.name} failed:\n{(tmp / (w.name + '.err')).read_text()[-3000:]}")
        w.ready = line.strip()


# ----------------------------------------------------------------------------- one run
@dataclass
class RunFigures:
    """What one run measured (ours or bare)."""

    label: str
    subscriptions: int = 0
    connected: int = 0
    connect_failures: dict[str, int] = field(default_factory=dict)
    clerks: int = 0
    window: float = 0.0
    calls: int = 0
    board_ms: list[float] = field(default_factory=list)
    phone_ms: list[float] = field(default_factory=list)
    missing_board: int = 0
    missing_phone: int = 0
    duplicates: int = 0
    disconnects: int = 0
    still_connected: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)  # exception lines in the servers' logs
    empty_calls: int = 0
    issued: int = 0
    issue_ms: list[float] = field(default_factory=list)
    call_http_ms: list[float] = field(default_factory=list)
    rss_idle: int = 0
    rss_connected: int = 0
    rss_peak: int = 0
    threads_peak: int = 0
    server_cpu: float = 0.0  # % of one core, summed over server processes
    client_cpu: float = 0.0
    connect_seconds: float = 0.0
    login_seconds: float = 0.0


def run_load(label: str, servers: list[Server], socket_configs: list[dict[str, Any]], driver_config: dict[str, Any],
             seconds: float, tmp: Path) -> RunFigures:
    """Connect every socket worker, log the driver's clerks in, run the window, gather figures."""
    fig = RunFigures(label)
    fig.rss_idle = sum(proc_stats(s.proc.pid)[0] for s in servers)
    tag = label.split()[0]
    workers: list[Worker] = []
    try:
        t = time.monotonic()
        sockets = [start_worker(c, tmp, f"{tag}-sockets{i}") for i, c in enumerate(socket_configs)]
        workers += sockets
        wait_ready(sockets, tmp)
        fig.connect_seconds = time.monotonic() - t
        t = time.monotonic()
        driver = start_worker(driver_config, tmp, f"{tag}-driver")
        workers.append(driver)
        wait_ready([driver], tmp)
        fig.login_seconds = time.monotonic() - t
        fig.subscriptions = sum(len(c["subscriptions"]) for c in socket_configs)
        fig.connected = sum(int(w.ready.split()[1]) for w in sockets)
        fig.clerks = int(driver.ready.split()[1])
        time.sleep(2)  # let the connect storm's snapshots settle
        fig.rss_connected = sum(proc_stats(s.proc.pid)[0] for s in servers)
        start = time.monotonic() + 1
        end = start + seconds
        for w in workers:
            w.proc.stdin.write(f"GO {start} {end}\n")
            w.proc.stdin.flush()
        time.sleep(max(0.0, start - time.monotonic()))
        cpu0 = sum(proc_stats(s.proc.pid)[2] for s in servers)
        ccpu0 = sum(proc_stats(w.proc.pid)[2] for w in workers)
        t0 = time.monotonic()
        cpu1, ccpu1, t1 = cpu0, ccpu0, t0
        while any(w.proc.poll() is None for w in workers):
            now_stats = [proc_stats(s.proc.pid) for s in servers]
            fig.rss_peak = max(fig.rss_peak, sum(r for r, _t, _c in now_stats))
            fig.threads_peak = max(fig.threads_peak, sum(t for _r, t, _c in now_stats))
            if time.monotonic() <= end:
                cpu1 = sum(c for _r, _t, c in now_stats)
                ccpu1 = sum(proc_stats(w.proc.pid)[2] for w in workers)
                t1 = time.monotonic()
            time.sleep(1)
    finally:
        for w in workers:  # on any failure: no client process is left behind
            if w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait(10)
    fig.server_cpu = 100 * (cpu1 - cpu0) / max(t1 - t0, 1e-9)
    fig.client_cpu = 100 * (ccpu1 - ccpu0) / max(t1 - t0, 1e-9)
    fig.window = seconds
    for w in workers:
        if w.proc.returncode != 0:
            raise RuntimeError(f"{w.name} exited with {w.proc.returncode}:\n{(tmp / (w.name + '.err')).read_text()[-3000:]}")
    fig.server_errors = server_log_errors(servers)
    results = [json.loads(w.result.read_text()) for w in sockets]
    drive = json.loads(driver.result.read_text())
    _figures(fig, socket_configs, results, drive)
    return fig


def server_log_errors(servers: list[Server]) -> dict[str, int]:
    """The exceptions the servers logged (their last line, e.g. ``…TimeoutError: QueuePool limit…``), most frequent first."""
    tally: dict[str, int] = {}
    for server in servers:
        for line in server.log.read_text(errors="replace").splitlines():
            if not line.startswith((" ", "[", "Traceback", "127.0.0.1")) and ("Error" in line or "Exception" in line):
                key = line[:110]
                tally[key] = tally.get(key, 0) + 1
    return dict(sorted(tally.items(), key=lambda kv: -kv[1])[:4])


def _figures(fig: RunFigures, configs: list[dict[str, Any]], results: list[dict[str, Any]], drive: dict[str, Any]) -> None:
    sent = {(c[0], c[1]): c for c in drive["calls"]}  # (center, key) → [center, key, t_send, t_answer, target]
    fig.calls = len(sent)
    fig.errors = drive["errors"]
    fig.empty_calls = drive["empty_calls"]
    fig.issued = len(drive["issue_seconds"])
    fig.issue_ms = [1000 * s for s in drive["issue_seconds"]]
    fig.call_http_ms = [1000 * s for s in drive["call_http_seconds"]]
    boards_of: dict[int, int] = {}
    targets: dict[Any, int] = {}
    seen: dict[tuple[int, int, Any], int] = {}
    for wi, (config, result) in enumerate(zip(configs, results, strict=True)):
        for name, count in result["failed"].items():
            fig.connect_failures[name] = fig.connect_failures.get(name, 0) + count
        fig.disconnects += result["disconnects"]
        fig.still_connected += result["still_connected"]
        for sub in (config["subscriptions"][i] for i in result["connected_indices"]):
            if sub["kind"] == "board":
                boards_of[sub["center"]] = boards_of.get(sub["center"], 0) + 1
            else:
                targets[sub["target"]] = targets.get(sub["target"], 0) + 1
        for index, kind, center, key, t_recv in result["receipts"]:
            call = sent.get((center, key))
            if call is None:
                continue
            seen[(wi, index, key)] = seen.get((wi, index, key), 0) + 1
            if seen[(wi, index, key)] > 1:
                fig.duplicates += 1
                continue
            (fig.board_ms if kind == "board" else fig.phone_ms).append(1000 * (t_recv - call[2]))
    expected_boards = sum(boards_of.get(c[0], 0) for c in sent.values())
    expected_phones = sum(targets.get(c[4], 0) for c in sent.values())
    fig.missing_board = expected_boards - len(fig.board_ms)
    fig.missing_phone = expected_phones - len(fig.phone_ms)


def split(subs: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    return [subs[i::parts] for i in range(parts)]


# ----------------------------------------------------------------------------- printing
def pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _lat(values: list[float]) -> str:
    if not values:
        return "—"
    return f"p50 {pct(values, 50):7.1f} ms  p99 {pct(values, 99):7.1f} ms  max {max(values):7.1f} ms  (n={len(values)})"


def report(title: str, ours: RunFigures, bare: RunFigures | None, floor: RunFigures | None = None) -> None:
    print(f"\n== {title}")
    for fig in [ours] + [f for f in (bare, floor) if f]:
        print(f"-- {fig.label}")
        failures = sum(fig.connect_failures.values())
        print(f"   clients connected       : {fig.connected}/{fig.subscriptions} in {fig.connect_seconds:.0f} s"
              + (f" (clerks logged in in {fig.login_seconds:.0f} s)" if fig.clerks else "")
              + (f"  failures {fig.connect_failures}" if failures else ""))
        rate = fig.calls / (fig.window / 60) if fig.window else 0
        print(f"   {'calls in ' + format(fig.window / 60, 'g') + ' min':<24}: {fig.calls} ({rate:.1f}/min)" + (
            f", {fig.clerks} clerks logged in, {fig.empty_calls} call-next found nobody" if fig.clerks else ""))
        print(f"   call → board            : {_lat(fig.board_ms)}")
        print(f"   call → phone page       : {_lat(fig.phone_ms)}")
        print(f"   missing board / phone   : {fig.missing_board} / {fig.missing_phone}   duplicated: {fig.duplicates}"
              f"   disconnects in window: {fig.disconnects}   connected at the end: {fig.still_connected}")
        if fig.clerks:
            print(f"   call-next HTTP          : {_lat(fig.call_http_ms)}")
            print(f"   tickets issued (kiosk)  : {fig.issued}   issue HTTP: {_lat(fig.issue_ms)}")
        else:
            print(f"   {'POST /call_rules_sa HTTP' if fig is floor else 'POST /emit HTTP':<24}: {_lat(fig.call_http_ms)}")
        print(f"   errors                  : {fig.errors or 'none'}")
        for line, count in fig.server_errors.items():
            print(f"   server log ×{count:<6}   : {line}")
        print(f"   server RSS              : idle {fig.rss_idle / 1024:.0f} MB → connected {fig.rss_connected / 1024:.0f} MB"
              f" → peak {fig.rss_peak / 1024:.0f} MB   threads peak {fig.threads_peak}")
        if fig.connected:
            print(f"   RSS per client          : {(fig.rss_connected - fig.rss_idle) / fig.connected:.0f} KB"
                  f" (connected − idle, over {fig.connected} clients)")
        print(f"   CPU (100% = one core)   : servers {fig.server_cpu:.0f}%   load clients {fig.client_cpu:.0f}%")
    if bare and ours.board_ms and bare.board_ms:
        print(f"   ratio ours/bare board p50 {pct(ours.board_ms, 50) / pct(bare.board_ms, 50):.2f}"
              f"   p99 {pct(ours.board_ms, 99) / pct(bare.board_ms, 99):.2f}")
    if floor and ours.board_ms and floor.board_ms:
        print(f"   ratio ours/call floor board p50 {pct(ours.board_ms, 50) / pct(floor.board_ms, 50):.2f}"
              f"   p99 {pct(ours.board_ms, 99) / pct(floor.board_ms, 99):.2f}")
        if bare and bare.board_ms:
            print(f"   ratio call floor/bare board p50 {pct(floor.board_ms, 50) / pct(bare.board_ms, 50):.2f}"
                  f"   p99 {pct(floor.board_ms, 99) / pct(bare.board_ms, 99):.2f}")


# ----------------------------------------------------------------------------- scenario set-up
def subscriptions(
    plans: list[CenterPlan], boards: int, phones: int, urls: list[str], bare: bool, ticket_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Boards and phone pages of every center, each pinned to one server (as nginx ip_hash does).
    A center's clients go round the servers, so a call made on one process reaches boards on all."""
    subs: list[dict[str, Any]] = []
    n = 0
    for plan in plans:
        for _b in range(boards):
            auth = {"room": f"center:{plan.id}"} if bare else {"center_id": plan.id}
            subs.append({"kind": "board", "center": plan.id, "url": urls[n % len(urls)], "auth": auth})
            n += 1
        for k, token in enumerate(plan.tokens[:phones]):
            auth = {"room": f"phone:{plan.id}:{k}"} if bare else {"ticket": token}
            target = f"{plan.id}:{k}" if bare else ticket_ids[token]
            subs.append({"kind": "phone", "center": plan.id, "url": urls[n % len(urls)], "auth": auth, "target": target})
            n += 1
    return subs


DEADLINE_SECONDS = 240.0  # connects and logins not done by then are counted as failures, and the run goes on
deadline_seconds = DEADLINE_SECONDS  # this run's (--deadline)


def socket_configs(subs: list[dict[str, Any]], procs: int, event: str, rate: float) -> list[dict[str, Any]]:
    return [
        {"role": "sockets", "event": event, "subscriptions": part,
         "connect_rate": rate / procs, "connect_deadline": deadline_seconds}
        for part in split(subs, procs)
    ]


def driver_config(plans: list[CenterPlan], urls: list[str], per_counter_hour: float, service_seconds: float) -> dict[str, Any]:
    clerks, kiosks = [], []
    for ci, plan in enumerate(plans):
        for i, (counter_id, username) in enumerate(zip(plan.counters, plan.clerks, strict=True)):
            # The clerk's browser sits on another process than most of the center's boards.
            url = urls[(ci + i + 1) % len(urls)]
            clerks.append({"url": url, "username": username, "counter_id": counter_id, "center": plan.id})
        kiosks.append({"url": urls[ci % len(urls)], "center": plan.id, "services": plan.services, "weights": plan.weights,
                       "per_hour": per_counter_hour * len(plan.counters)})
    return {"role": "driver", "password": PASSWORD, "service_seconds": service_seconds, "clerks": clerks, "kiosks": kiosks,
            "login_deadline": deadline_seconds}


# The size of our ``ticket_called`` as a board receives it (bench_core.py captures it: 1.3–1.4 kB).
CALL_MESSAGE_BYTES = 1400


def bare_driver(plans: list[CenterPlan], urls: list[str], phones: int, per_second: float, floor: bool = False) -> dict[str, Any]:
    """The bare app's driver: POST /emit at ``per_second``; ``floor``: POST /call_rules_sa instead (our
    call's statements through SQLAlchemy, committed, then a message as big as ours)."""
    emit: dict[str, Any] = {"urls": urls, "per_second": per_second, "centers": {str(p.id): phones for p in plans}}
    if floor:
        emit.update(path="/call_rules_sa", pad=CALL_MESSAGE_BYTES)
    return {"role": "driver", "emit": emit}


def ticket_ids_of(url: str, plans: list[CenterPlan]) -> dict[str, int]:
    from sqlalchemy import select

    from server.db import Database
    from server.models import Ticket

    db = Database(url)
    try:
        with db.read() as s:
            return dict(s.execute(select(Ticket.token, Ticket.id)).all())
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- scenarios
def scenario_a(args: argparse.Namespace, tmp: Path) -> None:
    counters, boards, phones = args.a_counters, args.a_boards, args.a_phones
    url = f"sqlite:///{tmp / 'a.sqlite3'}"
    t = time.monotonic()
    plans = seed_centers(url, 1, counters, PASSWORD)
    issue_backlog(url, plans, phones)
    ids = ticket_ids_of(url, plans)
    print(f"(a) seeded 1 center × {counters} counters, {phones} waiting tickets in {time.monotonic() - t:.1f} s")
    # All simulated kiosks, boards and phones share 127.0.0.1: per-address rate limits would throttle the test itself.
    env = {"DATABASE_URL": url, "MOTCUA_INSTANCE": str(tmp), "SECRET_KEY": "bench-load", "RATE_LIMIT_ENABLED": "0"}
    seconds = args.minutes * 60
    server = start_a_server(args.server, env, tmp, "a-server", boards + phones)
    try:
        subs = subscriptions(plans, boards, phones, [server.url], False, ids)
        label = f"ours (run.py serve, {args.server}, SQLite)"
        ours = run_load(label, [server],
                        socket_configs(subs, args.a_client_procs, "ticket_called", args.connect_rate),
                        driver_config(plans, [server.url], args.per_counter_hour, args.service_seconds), seconds, tmp)
    finally:
        server.stop()
    def bare_server() -> list[Server]:
        return [start_a_server(args.server, {}, tmp, "a-bare", boards + phones, bare=True)]

    bare = None if args.no_baseline else _bare_run(plans, boards, phones, ours, args, tmp, bare_server, args.a_client_procs,
                                                   args.connect_rate)
    floor = _bare_run(plans, boards, phones, ours, args, tmp, bare_server, args.a_client_procs, args.connect_rate,
                      floor=True) if args.floor else None
    report(f"(a) one box, SQLite, 1 process ({args.server}): {counters} counters at {args.per_counter_hour * counters:.0f} "
           f"tickets/h, {boards} boards + {phones} phone pages, {args.minutes:g} min", ours, bare, floor)


def _bare_run(plans: list[CenterPlan], boards: int, phones: int, ours: RunFigures, args: argparse.Namespace, tmp: Path,
              start_servers, procs: int, connect_rate: float, floor: bool = False) -> RunFigures:
    """The same clients on the bare app, emits at the call rate ours just ran at (``floor``: the call
    floor's, see :func:`bare_driver`)."""
    per_second = max(ours.calls, 1) / ours.window
    seconds = min(args.baseline_seconds, args.minutes * 60)
    servers = start_servers()
    try:
        urls = [s.url for s in servers]
        if floor:  # its engine, tables and statement cache made before the window, as ours are by its warm-up
            for url in urls:
                for counter in range(8):
                    requests.post(url + "/call_rules_sa", json={"counter": counter}, timeout=30).raise_for_status()
        subs = subscriptions(plans, boards, phones, urls, True, {})
        label = ("call floor: our call's statements through SQLAlchemy, then a 1.4 kB emit, same clients" if floor
                 else "bare Flask-SocketIO emit, same clients")
        return run_load(label, servers, socket_configs(subs, procs, "bare_event", connect_rate),
                        bare_driver(plans, urls, phones, per_second, floor), seconds, tmp)
    finally:
        for s in servers:
            s.stop()


def scenario_b(args: argparse.Namespace, tmp: Path) -> None:
    import psycopg

    n_centers, counters, boards, phones, n_proc = args.b_centers, args.b_counters, args.b_boards, args.b_phones, args.b_processes
    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    channel = f"motcua-bench-{uuid.uuid4().hex[:8]}"
    try:
        t = time.monotonic()
        plans = seed_centers(url, n_centers, counters, PASSWORD)
        issue_backlog(url, plans, phones)
        ids = ticket_ids_of(url, plans)
        print(f"(b) seeded {n_centers} centers × {counters} counters, {n_centers * phones} waiting tickets "
              f"in {time.monotonic() - t:.1f} s")
        clients = n_centers * (boards + phones)
        threads = math.ceil(clients / n_proc) + 200
        # Pools sized so the four processes hold at most 48 connections: PostgreSQL allows 100 in all, shared with others.
        env = {"DATABASE_URL": url, "MOTCUA_INSTANCE": str(tmp), "SECRET_KEY": "bench-load", "RATE_LIMIT_ENABLED": "0",
               "DB_POOL_SIZE": str(args.db_pool), "DB_MAX_OVERFLOW": str(args.db_overflow),
               "SOCKETIO_MESSAGE_QUEUE": f"{REDIS_BASE}/{args.redis_db}", "SOCKETIO_CHANNEL": channel}
        seconds = args.minutes * 60
        servers: list[Server] = []
        try:
            for i in range(n_proc):
                servers.append(start_gunicorn(args.server, env, tmp, f"b-server{i}", threads))
            urls = [s.url for s in servers]
            subs = subscriptions(plans, boards, phones, urls, False, ids)
            ours = run_load(f"ours ({n_proc} × gunicorn, PostgreSQL, Redis)", servers,
                            socket_configs(subs, args.b_client_procs, "ticket_called", args.b_connect_rate),
                            driver_config(plans, urls, args.per_counter_hour, args.service_seconds), seconds, tmp)
        finally:
            for s in servers:
                s.stop()
        bare_env = {"BARE_MESSAGE_QUEUE": f"{REDIS_BASE}/{args.redis_db}", "BARE_CHANNEL": channel + "-bare"}
        def bare_servers() -> list[Server]:
            return [start_gunicorn(args.server, bare_env, tmp, f"b-bare{i}", threads, bare=True) for i in range(n_proc)]

        bare = _bare_run(plans, boards, phones, ours, args, tmp, bare_servers, args.b_client_procs, args.b_connect_rate)
        report(f"(b) scale-out: {n_proc} gunicorn processes + PostgreSQL + Redis, {n_centers} centers × {counters} counters, "
               f"{clients} clients, {args.minutes:g} min", ours, bare)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["a", "a2000", "b", "both"], default="both")
    parser.add_argument("--deadline", type=float, default=DEADLINE_SECONDS,
                        help="seconds for the connects and logins (a server that cannot carry its clients fails within it)")
    parser.add_argument("--no-baseline", action="store_true", help="(a) skip the bare app's run (make bench's a2000: time)")
    parser.add_argument("--floor", action="store_true",
                        help="(a) also run the call floor: the bare app committing our call's statements through SQLAlchemy"
                             " before a message of our size (bare_app.py /call_rules_sa)")
    parser.add_argument("--server", choices=SERVER_MODELS, default="gevent",
                        help="the server model of every process, ours and the bare app's (gevent ships; see the docstring)")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--service-seconds", type=float, default=240, help="mean time a clerk serves one citizen")
    parser.add_argument("--per-counter-hour", type=float, default=15,
                        help="tickets issued per counter per hour (450/h for 30 = 3× peak)")
    parser.add_argument("--baseline-seconds", type=float, default=60, help="length of the bare-app baseline window")
    parser.add_argument("--connect-rate", type=float, default=150,
                        help="(a) new Socket.IO connections per second, all client processes")
    parser.add_argument("--a-counters", type=int, default=30)
    parser.add_argument("--a-boards", type=int, default=50)
    parser.add_argument("--a-phones", type=int, default=500)
    parser.add_argument("--a-client-procs", type=int, default=1)
    parser.add_argument("--b-centers", type=int, default=100)
    parser.add_argument("--b-counters", type=int, default=7)
    parser.add_argument("--b-boards", type=int, default=3)
    parser.add_argument("--b-phones", type=int, default=47)
    parser.add_argument("--b-processes", type=int, default=4)
    parser.add_argument("--b-client-procs", type=int, default=2)
    parser.add_argument("--b-connect-rate", type=float, default=100,
                        help="(b) connections per second: a faster storm starves the 2-core box (see the report's notes)")
    parser.add_argument("--redis-db", type=int, default=5)
    parser.add_argument("--db-pool", type=int, default=8, help="(b) DB_POOL_SIZE per server process")
    parser.add_argument("--db-overflow", type=int, default=4, help="(b) DB_MAX_OVERFLOW per server process")
    args = parser.parse_args()
    global deadline_seconds
    deadline_seconds = args.deadline
    if args.scenario == "a2000":  # scenario (a) with 2,000 clients on the one process, two client processes
        args.a_boards, args.a_phones, args.a_client_procs = 50, 1950, max(2, args.a_client_procs)

    # A terminated benchmark still stops its servers and clients (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    limit = raise_fd_limit()
    print(f"open-files limit {limit}; {os.cpu_count()} cores; clients are python-socketio AsyncClient (aiohttp, websocket)")
    # Each connected client is one socket in a client process and one in a server process (plus threads).
    busiest = max(args.a_boards + args.a_phones if args.scenario != "b" else 0,
                  math.ceil(args.b_centers * (args.b_boards + args.b_phones) / max(1, min(args.b_processes, args.b_client_procs)))
                  if args.scenario != "a" else 0)
    if limit < busiest + 200:
        print(f"WARNING: {busiest} sockets in one process but only {limit} open files allowed (hard limit): "
              "expect connection failures; raise the hard limit (ulimit -Hn) or use more processes")
    tmp = Path(tempfile.mkdtemp(prefix="motcua-load-"))
    print(f"logs in {tmp}")
    if args.scenario in ("a", "a2000", "both"):
        scenario_a(args, tmp)
    if args.scenario in ("b", "both"):
        scenario_b(args, tmp)


if __name__ == "__main__":
    main()
