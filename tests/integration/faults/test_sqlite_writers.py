"""The writers of one server process take turns on SQLite first come first served (server/db.py,
issue 17): a ticket issued under eight concurrent writers waits for the writers ahead of it, never
for SQLite's sleep-and-poll busy handler, which let some writers pass again and again while one
waited over a second."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from server.db import Database, WriterQueue


def _queue_up(writers: WriterQueue, name: str, order: list[str]) -> threading.Thread:
    def write() -> None:
        with writers.turn():
            order.append(name)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_waiting_writers_get_their_turn_in_arrival_order():
    writers, order = WriterQueue(timeout=5), []
    threads = []
    with writers.turn():
        for name in ("first", "second", "third", "fourth"):
            threads.append(_queue_up(writers, name, order))
            deadline = time.monotonic() + 5
            while writers.waiting < len(threads) and time.monotonic() < deadline:
                time.sleep(0.001)
        order.append("holder")
    for thread in threads:
        thread.join(5)
    assert order == ["holder", "first", "second", "third", "fourth"]


def test_a_write_inside_a_write_of_the_same_thread_does_not_wait_for_itself():
    writers, done = WriterQueue(timeout=5), []

    def nested() -> None:
        with writers.turn(), writers.turn():
            done.append(True)
        with writers.turn():  # and the turn was given back whole
            done.append(True)

    thread = threading.Thread(target=nested)
    thread.start()
    thread.join(3)
    assert done == [True, True]


def test_a_writer_that_waits_past_the_timeout_runs_anyway_and_leaves_the_queue():
    writers, order = WriterQueue(timeout=0.2), []
    with writers.turn():
        late = _queue_up(writers, "late", order)
        late.join(3)  # it gave up its place after 0.2 s and ran unqueued
        assert order == ["late"] and writers.waiting == 0
    with writers.turn():  # the queue still works
        order.append("next")
    assert order == ["late", "next"]


def test_eight_concurrent_writers_all_commit_and_none_waits_a_second(sqlite_url):
    db = Database(sqlite_url)
    try:
        with db.write() as s:
            s.execute(text("CREATE TABLE bench_rows (n INTEGER)"))
        waits: list[float] = []
        lock = threading.Lock()

        def writer() -> None:
            for _ in range(25):
                started = time.perf_counter()
                with db.write() as s:
                    s.execute(text("INSERT INTO bench_rows (n) VALUES (1)"))
                    time.sleep(0.002)  # a transaction's own work, holding the lock
                with lock:
                    waits.append(time.perf_counter() - started)

        threads = [threading.Thread(target=writer) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM bench_rows")).scalar_one() == 200
        # Eight writers of ~2 ms each ahead at most: well under a second even on a loaded 2-core box.
        assert max(waits) < 1.0, sorted(waits)[-5:]
    finally:
        db.dispose()
