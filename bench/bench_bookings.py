"""Booking benchmarks (issue 16), printed as figures — not a test.

1. Slot listing: a month of one field at a 30-counter center with bookings in it, in ms per
   listing — in process (``BookingService.slots``) and through ``GET …/booking-slots`` — next to
   a bare Flask JSON endpoint's ms per request in the same run.
2. Booking throughput: bookings per second through ``POST /api/v1/public/centers/1/bookings``
   (each a new phone, slots spread over the month) with 8 client threads, next to the bare
   endpoint's requests per second in the same run.

Both servers are real processes (Flask-SocketIO threading server); clients are threads here.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_core import free_port, start_bare, throughput
from tests.support.server_process import ServerProcess

COUNTERS = 30
DAYS = 31


def seed(url: str) -> None:
    """The demo center with 30 counters serving Tư pháp, bookings open 31 days ahead, a few hundred booked."""
    from sqlalchemy import select

    from server.clock import SystemClock
    from server.db import Database
    from server.demo import seed_demo
    from server.domain.bookings import BookingService
    from server.models import Center, Counter, CounterService
    from server.schema import upgrade

    upgrade(url)
    db = Database(url)
    with db.write() as s:
        seed_demo(s, password_for=lambda _u: "bench-password-1", catalogue=False, devices=False)
        center = s.scalar(select(Center))
        existing = len(s.scalars(select(Counter)).all())
        for n in range(COUNTERS - existing):
            counter = Counter(center_id=center.id, number=100 + n, name=f"Quầy {100 + n}")
            counter.links = [CounterService(service_id=1, position=0)]
            s.add(counter)
        center.settings = {**center.settings, "booking": {"enabled": True, "days_ahead": DAYS, "share_percent": 50,
                                                          "per_person_per_day": 1, "require_contact": True,
                                                          "service_ids": None}}
    service = BookingService(db, SystemClock(), citizen_secret="bench")
    listing = service.slots(1, 1, days=DAYS)
    starts = [slot["starts_at"] for day in listing["days"] for slot in day["slots"]]
    for n, start in enumerate(starts[::2][:300]):
        service.book(1, 1, _when(start), phone=f"098{n:07d}")
    db.dispose()


def _when(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)


def listing_in_process(url: str, rounds: int) -> tuple[float, int]:
    """ms per month listing through the domain, and the number of slots listed."""
    from server.clock import SystemClock
    from server.db import Database
    from server.domain.bookings import BookingService

    db = Database(url)
    service = BookingService(db, SystemClock(), citizen_secret="bench")
    service.slots(1, 1, days=DAYS)  # warm the holiday table and the pool
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        listing = service.slots(1, 1, days=DAYS)
        times.append((time.perf_counter() - t0) * 1000)
    db.dispose()
    return statistics.median(times), sum(len(d["slots"]) for d in listing["days"])


def ms_per_request(url: str, rounds: int) -> float:
    session = requests.Session()
    session.get(url, timeout=10).raise_for_status()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        session.get(url, timeout=10).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def booking_throughput(base: str, starts: list[str], seconds: float, threads: int) -> tuple[float, int]:
    """Bookings per second (each a new phone, slots taken in turn) and the refusals seen."""
    phones = itertools.count(1)
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    made, refused = [0] * threads, [0] * threads

    def worker(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            with lock:
                n = next(phones)
            body = {"service_id": 1, "starts_at": starts[n % len(starts)], "phone": f"091{n:07d}"}
            r = session.post(f"{base}/api/v1/public/centers/1/bookings", json=body, timeout=10)
            if r.status_code == 201:
                made[i] += 1
            else:
                refused[i] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(made) / (time.monotonic() - t0), sum(refused)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-bookings-"))
    db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    seed(db_url)
    env = {"DATABASE_URL": db_url, "MOTCUA_INSTANCE": str(tmp), "SECRET_KEY": "bench", "RATE_LIMIT_ENABLED": "0"}
    bare, bare_url = start_bare()
    server = ServerProcess(free_port(), env, tmp / "server.log").start()
    try:
        print(f"== Slot listing: {DAYS} days of one field, {COUNTERS} counters, 300 bookings (SQLite, median of {args.rounds})")
        domain_ms, slots = listing_in_process(db_url, args.rounds)
        bare_ms = ms_per_request(bare_url + "/ping", args.rounds)
        listing_url = f"{server.url}/api/v1/public/centers/1/booking-slots?service_id=1&days={DAYS}"
        http_ms = ms_per_request(listing_url, args.rounds)
        print(f"   bare Flask JSON endpoint      : {bare_ms:7.1f} ms/request")
        print(f"   BookingService.slots (domain) : {domain_ms:7.1f} ms/listing  ({slots} slots)")
        print(f"   GET …/booking-slots (HTTP)    : {http_ms:7.1f} ms/listing  (ratio {http_ms / bare_ms:.1f} × bare)")

        print(f"== Bookings through the API (SQLite, {args.threads} client threads, {args.seconds:.0f} s each)")
        listing = requests.get(listing_url, timeout=10).json()
        starts = [slot["starts_at"] for day in listing["days"] for slot in day["slots"] if not slot["full"]]
        bare_rps, _latencies = throughput(bare_url + "/ping", "GET", None, args.seconds, args.threads)
        rate, refused = booking_throughput(server.url, starts, args.seconds, args.threads)
        print(f"   bare Flask JSON endpoint      : {bare_rps:7.1f} req/s")
        print(f"   POST …/bookings               : {rate:7.1f} bookings/s  "
              f"(ratio {rate / bare_rps:.2f} of bare; {refused} refused)")
    finally:
        server.stop()
        bare.terminate()


if __name__ == "__main__":
    main()
