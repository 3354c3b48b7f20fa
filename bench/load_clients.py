"""Load clients for bench/bench_load.py: one process, one asyncio loop.

    python bench/load_clients.py CONFIG.json RESULT.json

Two roles (``config["role"]``):

* ``sockets`` — many Socket.IO clients (python-socketio ``AsyncClient`` over aiohttp,
  websocket transport, one shared HTTP session): boards subscribed to a center,
  phone pages subscribed to a ticket (or, against the bare app, to a room). Each
  receipt of the measured event is stamped with ``time.monotonic()``.
* ``driver`` — what people do: clerks looping call-next → serve → finish, kiosks issuing
  tickets as a Poisson stream; or, against the bare app, POST /emit at the same rate (or, for the
  call floor, POST /call_rules_sa: our call's statements committed, then a message of our size).
  Each call is stamped just before its HTTP request is sent.

``time.monotonic()`` is CLOCK_MONOTONIC, one clock for every process on the machine,
so a send stamp in the driver and a receipt stamp in a sockets process compare directly.

Protocol with the parent: the process prints ``READY …`` once its clients are
connected (or logged in), waits for ``GO <start> <end>`` on stdin, runs until
``end`` (+ a grace period for late deliveries), writes RESULT.json and exits.
"""
from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from collections import Counter as Tally
from typing import Any

import aiohttp
import socketio

GRACE_SECONDS = 5.0  # sockets keep listening this long after the last call was sent


def raise_fd_limit() -> int:
    """Raise the soft open-files limit to the hard one (every socket is a file)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def read_go() -> tuple[float, float]:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    _go, start, end = line.split()
    return float(start), float(end)


def say(text: str) -> None:
    print(text, flush=True)


# ----------------------------------------------------------------------------- sockets
class SocketsRole:
    """Board and phone clients; counts receipts, disconnects and failures."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.event = config["event"]  # "ticket_called" (our app) or "bare_event"
        self.receipts: list[list[Any]] = []  # [client index, kind, center, key, t_recv]
        self.failed: Tally = Tally()
        self.disconnects = 0
        self.connects = 0
        self.clients: list[socketio.AsyncClient] = []
        self.connected_indices: list[int] = []

    def _handler(self, index: int, kind: str, center: int):
        def on_event(data: dict[str, Any]) -> None:
            t = time.monotonic()
            key = data.get("seq") if "seq" in data else (data.get("ticket") or {}).get("id")
            self.receipts.append([index, kind, center, key, t])

        return on_event

    async def _connect_one(self, http: aiohttp.ClientSession, index: int, sub: dict[str, Any], gate: asyncio.Semaphore) -> None:
        client = socketio.AsyncClient(http_session=http, reconnection=True, reconnection_delay=1, reconnection_delay_max=5,
                                      request_timeout=20, handle_sigint=False)
        client.on(self.event, self._handler(index, sub["kind"], sub["center"]))

        def on_connect() -> None:
            self.connects += 1

        def on_disconnect(*_args: Any) -> None:
            self.disconnects += 1

        client.on("connect", on_connect)
        client.on("disconnect", on_disconnect)
        async with gate:
            for attempt in range(3):
                try:
                    await client.connect(sub["url"], auth=sub["auth"], transports=["websocket"], wait_timeout=30)
                    self.clients.append(client)
                    self.connected_indices.append(index)
                    return
                except Exception as error:  # noqa: BLE001 - counted, reported by the parent
                    if attempt == 2:
                        self.failed[type(error).__name__ + ": " + str(error)[:80]] += 1
                    await asyncio.sleep(1 + attempt)

    async def run(self) -> dict[str, Any]:
        subs = self.config["subscriptions"]
        rate = float(self.config.get("connect_rate", 200))  # new connections per second
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as http:
            gate = asyncio.Semaphore(int(self.config.get("connect_concurrency", 50)))
            tasks = []
            for index, sub in enumerate(subs):
                tasks.append(asyncio.create_task(self._connect_one(http, index, sub, gate)))
                await asyncio.sleep(1 / rate)
            # An overloaded server may never take everyone: go on with whoever is in by the deadline.
            _done, late = await asyncio.wait(tasks, timeout=float(self.config.get("connect_deadline", 300)))
            for task in late:
                task.cancel()
            if late:
                self.failed["not connected by the deadline"] += len(late)
            connected = len(self.clients)
            say(f"READY {connected} {sum(self.failed.values())}")
            start, end = await read_go()
            self.disconnects = 0  # only disconnects inside the measured window count
            reconnects_before = self.connects
            await asyncio.sleep(max(0.0, end + GRACE_SECONDS - time.monotonic()))
            still = sum(1 for c in self.clients if c.connected)
            result = {
                "connected": connected, "connected_indices": self.connected_indices, "failed": dict(self.failed),
                "disconnects": self.disconnects,
                "reconnects": self.connects - reconnects_before, "still_connected": still,
                "receipts": [r for r in self.receipts if r[4] >= start],
            }
            # Close side by side: each disconnect waits for the server's close frame.
            await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)
        return result


# ----------------------------------------------------------------------------- driver
class DriverRole:
    """Clerks and kiosks against our app, or an emitter against the bare app."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.rng = random.Random(config.get("seed", 7))
        self.calls: list[list[Any]] = []  # [center, key, t_send, t_answer, phone target]
        self.issues: list[float] = []  # issue request durations (s)
        self.call_http: list[float] = []
        self.errors: Tally = Tally()
        self.empty_calls = 0
        self.finishes = 0

    async def _post(self, http: aiohttp.ClientSession, url: str, body: Any = None, headers: dict[str, str] | None = None,
                    ) -> tuple[int, Any]:
        async with http.post(url, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as r:
            try:
                data = await r.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                data = None
            return r.status, data

    def _error(self, what: str, status: int | str, data: Any = None) -> None:
        code = ""
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            code = " " + str(data["error"].get("code"))
        self.errors[f"{what} {status}{code}"] += 1

    async def _login(self, clerk: dict[str, Any], gate: asyncio.Semaphore) -> tuple[aiohttp.ClientSession, dict[str, str]] | None:
        # unsafe=True: accept cookies from an IP address (127.0.0.1), as a browser does.
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with gate:
            for attempt in range(3):
                try:
                    status, data = await self._post(http, clerk["url"] + "/api/v1/auth/login",
                                                    {"username": clerk["username"], "password": self.config["password"]})
                    if status == 200:
                        return http, {"X-CSRF-Token": data["csrf_token"]}
                    self._error("login", status, data)
                except (TimeoutError, aiohttp.ClientError) as error:
                    self._error("login", type(error).__name__)
                await asyncio.sleep(1 + attempt)
        await http.close()
        return None

    async def _sleep_until(self, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - time.monotonic()))

    async def _clerk(
        self, clerk: dict[str, Any], http: aiohttp.ClientSession, headers: dict[str, str], start: float, end: float
    ) -> None:
        mean = float(self.config["service_seconds"])
        base = f"{clerk['url']}/api/v1/counters/{clerk['counter_id']}"
        # Steady state: clerks are mid-service when the window opens, so first calls spread over one service time.
        await self._sleep_until(min(end, start + self.rng.uniform(0, mean)))
        while time.monotonic() < end:
            t0 = time.monotonic()
            try:
                status, data = await self._post(http, base + "/call-next", headers=headers)
            except (TimeoutError, aiohttp.ClientError) as error:
                self._error("call-next", type(error).__name__)
                await asyncio.sleep(2)
                continue
            t1 = time.monotonic()
            if status == 200 and data.get("ticket"):
                self.calls.append([clerk["center"], data["ticket"]["id"], t0, t1, data["ticket"]["id"]])
                self.call_http.append(t1 - t0)
            elif status == 200:
                self.empty_calls += 1  # nobody waiting for this counter: look again a little later
                await asyncio.sleep(min(10.0, max(0.0, end - time.monotonic()) + 0.01))
                continue
            elif status == 409:  # still serving someone (e.g. after a retry): finish, then call again
                self._error("call-next", status, data)
                await self._finish(http, base, headers)
                continue
            else:
                self._error("call-next", status, data)
                await asyncio.sleep(2)
                continue
            service = min(max(self.rng.expovariate(1 / mean), mean / 4), mean * 3)
            if time.monotonic() + service >= end:
                # The window closes mid-service: leave the citizen at the counter. Finishing now
                # would make every clerk of the province press Finish in the same instant, a burst
                # no center ever sees, counted against the server after the measurement ended.
                return
            await asyncio.sleep(service)
            await self._finish(http, base, headers)

    async def _finish(self, http: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> None:
        try:
            status, data = await self._post(http, base + "/finish", headers=headers)
            if status == 200:
                self.finishes += 1
            else:
                self._error("finish", status, data)
        except (TimeoutError, aiohttp.ClientError) as error:
            self._error("finish", type(error).__name__)

    async def _kiosk(self, kiosk: dict[str, Any], http: aiohttp.ClientSession, start: float, end: float) -> None:
        rate = float(kiosk["per_hour"]) / 3600
        await self._sleep_until(min(end, start + self.rng.expovariate(rate)))
        while time.monotonic() < end:
            service_id = self.rng.choices(kiosk["services"], kiosk["weights"])[0]
            t0 = time.monotonic()
            try:
                ticket = {"center_id": kiosk["center"], "service_id": service_id}
                status, data = await self._post(http, kiosk["url"] + "/api/v1/tickets", ticket)
                if status == 201:
                    self.issues.append(time.monotonic() - t0)
                else:
                    self._error("issue", status, data)
            except (TimeoutError, aiohttp.ClientError) as error:
                self._error("issue", type(error).__name__)
            await asyncio.sleep(min(self.rng.expovariate(rate), max(0.0, end - time.monotonic()) + 0.01))

    async def _emitter(self, http: aiohttp.ClientSession, start: float, end: float) -> None:
        """Bare baseline: emit to a center room (its boards) and one phone room, as a call does."""
        emit = self.config["emit"]
        rate = float(emit["per_second"])
        urls, centers = emit["urls"], emit["centers"]  # centers: {center: number of phones}
        seq = 0
        await self._sleep_until(min(end, start + self.rng.expovariate(rate)))
        pending = set()
        while time.monotonic() < end:
            seq += 1
            center = self.rng.choice(list(centers))
            rooms = [f"center:{center}"]
            target = None
            if centers[center]:
                target = f"{center}:{self.rng.randrange(centers[center])}"
                rooms.append(f"phone:{target}")
            task = asyncio.create_task(self._emit_one(http, urls[seq % len(urls)], int(center), seq, rooms, target))
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(min(self.rng.expovariate(rate), max(0.0, end - time.monotonic()) + 0.01))
        await asyncio.gather(*pending, return_exceptions=True)

    async def _emit_one(
        self, http: aiohttp.ClientSession, url: str, center: int, seq: int, rooms: list[str], target: str | None
    ) -> None:
        t0 = time.monotonic()
        try:
            # The call floor posts to the bare app's /call_rules_sa instead, with a message of our call's size.
            emit = self.config["emit"]
            payload: dict[str, Any] = {"seq": seq, **({"pad": "x" * int(emit["pad"])} if emit.get("pad") else {})}
            body = {"to": rooms, "payload": payload, "counter": seq}
            status, data = await self._post(http, url + emit.get("path", "/emit"), body)
        except (TimeoutError, aiohttp.ClientError) as error:
            self._error("emit", type(error).__name__)
            return
        if status == 200:
            self.calls.append([center, seq, t0, time.monotonic(), target])
            self.call_http.append(time.monotonic() - t0)
        else:
            self._error("emit", status, data)

    async def run(self) -> dict[str, Any]:
        gate = asyncio.Semaphore(8)  # logins hash a password on the server: a few at a time
        clerks = self.config.get("clerks", [])
        tasks = [asyncio.create_task(self._login(c, gate)) for c in clerks]
        deadline = float(self.config.get("login_deadline", 300))
        _done, late = await asyncio.wait(tasks, timeout=deadline) if tasks else (set(), set())
        for task in late:
            task.cancel()
        if late:
            self.errors["login not done by the deadline"] += len(late)
        sessions = [t.result() if t in _done else None for t in tasks]
        logged_in = [(c, s) for c, s in zip(clerks, sessions, strict=True) if s is not None]
        kiosk_http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        say(f"READY {len(logged_in)} {len(clerks) - len(logged_in)}")
        start, end = await read_go()
        work = [self._clerk(c, http, headers, start, end) for c, (http, headers) in logged_in]
        work += [self._kiosk(k, kiosk_http, start, end) for k in self.config.get("kiosks", [])]
        if self.config.get("emit"):
            work.append(self._emitter(kiosk_http, start, end))
        await asyncio.gather(*work)
        for _c, (http, _h) in logged_in:
            await http.close()
        await kiosk_http.close()
        return {"calls": self.calls, "issue_seconds": self.issues, "call_http_seconds": self.call_http,
                "errors": dict(self.errors), "empty_calls": self.empty_calls, "finishes": self.finishes, "clerks": len(logged_in)}


def main() -> None:
    config_path, result_path = sys.argv[1], sys.argv[2]
    raise_fd_limit()
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    role = SocketsRole(config) if config["role"] == "sockets" else DriverRole(config)
    result = asyncio.run(role.run())
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
