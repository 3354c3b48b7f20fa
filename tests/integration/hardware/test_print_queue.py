"""Background printing: order, independence, failures, recovery."""
from __future__ import annotations

import threading
import time

import pytest

from hardware import PrinterError, PrintJob, PrintQueue, render_ticket
from tests.support.print_samples import TICKET_URL, make_ticket
from tests.support.raster import read_qr_texts
from tests.support.tcp_printer import TcpTestPrinter


@pytest.fixture
def statuses():
    return []


@pytest.fixture
def pq(statuses):
    q = PrintQueue(on_status=statuses.append, retries=1, retry_delay=0.05)
    yield q
    q.close()


def test_dead_printer_then_a_live_one(pq, statuses, dead_port):
    dead = f"tcp://127.0.0.1:{dead_port}"
    image = render_ticket(make_ticket(), 384)
    start = time.monotonic()
    future = pq.submit(PrintJob(dead, image, "T-1", {"ticket": "A001"}))
    result = future.result(timeout=10)  # resolves, never raises
    assert time.monotonic() - start < 3
    assert not result.ok and result.attempts == 2
    assert result.error_code == "unreachable"
    assert "không phản hồi" in result.error
    assert (result.job_id, result.meta) == ("T-1", {"ticket": "A001"})
    status = pq.status(dead)
    assert status is not None and not status.online and "không phản hồi" in status.last_error
    assert status.last_print_at is None and status.last_job_id == "T-1"
    assert statuses and statuses[-1] == status  # the server raises its alert from this
    assert pq.recent()[-1] == result  # the job record is kept

    with TcpTestPrinter() as live:
        result = pq.submit(PrintJob(live.url_with(width=384), image, "T-2")).result(timeout=10)
        assert result.ok and result.error is None and result.attempts == 1
        (data,) = live.wait_for_jobs(1)
        assert read_qr_texts(data) == [TICKET_URL]
        status = pq.status(live.url_with(width=384))
        assert status.online and status.last_error is None and status.last_job_id == "T-2"
        assert status.last_print_at is not None and status.last_print_at.tzinfo is not None
        assert statuses[-1] == status
    assert {s.url for s in pq.statuses()} == {dead, live.url_with(width=384)}


def test_same_printer_comes_back_online(pq, dead_port):
    url = f"tcp://127.0.0.1:{dead_port}?width=384"
    image = render_ticket(make_ticket(), 384)
    assert not pq.submit(PrintJob(url, image, 1)).result(timeout=10).ok
    assert pq.status(url).online is False
    try:
        printer = TcpTestPrinter(port=dead_port)
    except OSError:
        pytest.skip("the port was taken in between")
    with printer:
        assert pq.submit(PrintJob(url, image, 2)).result(timeout=10).ok
        status = pq.status(url)
        assert status.online and status.last_error is None and status.last_print_at is not None
        printer.wait_for_jobs(1)


def test_jobs_for_one_printer_print_in_submit_order(pq, tcp_printer):
    url = tcp_printer.url_with(width=384)
    payloads = [f"HTTP://HOST:8000/T/ORDER-{i}" for i in range(6)]
    futures = [pq.submit(PrintJob(url, render_ticket(make_ticket(p), 384), i)) for i, p in enumerate(payloads)]
    assert [f.result(timeout=20).ok for f in futures] == [True] * 6
    jobs = tcp_printer.wait_for_jobs(6)
    assert [read_qr_texts(job)[0] for job in jobs] == payloads


def test_a_stuck_printer_does_not_block_another():
    release = threading.Event()
    printed = []

    def fake_print(url, image):
        if url == "tcp://stuck":
            release.wait(10)
        printed.append(url)

    q = PrintQueue(print_func=fake_print)
    try:
        stuck = q.submit(PrintJob("tcp://stuck", object(), 1))
        other = q.submit(PrintJob("tcp://other", object(), 2))
        assert other.result(timeout=2).ok
        assert not stuck.done()
        release.set()
        assert stuck.result(timeout=2).ok
        assert printed == ["tcp://other", "tcp://stuck"]
    finally:
        release.set()
        q.close()


def test_retries_then_success():
    calls = []

    def flaky(url, image):
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise PrinterError(url, "Máy in không phản hồi / printer not responding", "unreachable")

    with PrintQueue(print_func=flaky, retries=2, retry_delay=0.1) as q:
        result = q.submit(PrintJob("tcp://p", object(), 1)).result(timeout=5)
    assert result.ok and result.attempts == 3
    assert calls[2] - calls[0] >= 0.2  # waited between attempts


def test_config_errors_are_not_retried(pq):
    result = pq.submit(PrintJob("laser://x", render_ticket(make_ticket(), 384), 1)).result(timeout=5)
    assert not result.ok and result.error_code == "config" and result.attempts == 1
    assert pq.status("laser://x").online is False


def test_unexpected_exceptions_become_results():
    def broken(url, image):
        raise RuntimeError("driver bug")

    def bad_render():
        raise ValueError("no font")

    seen = []

    def bad_hook(status):
        seen.append(status)
        raise RuntimeError("alert hook bug")

    with PrintQueue(on_status=bad_hook, print_func=broken, retries=0) as q:
        r1 = q.submit(PrintJob("tcp://p", object(), 1)).result(timeout=5)
        r2 = q.submit(PrintJob("tcp://p", bad_render, 2)).result(timeout=5)
    assert (r1.ok, r1.error_code) == (False, "error") and "driver bug" in r1.error
    assert (r2.ok, r2.error_code) == (False, "render") and "no font" in r2.error
    assert len(seen) == 2  # the worker survived the failing hook


def test_lazy_image_is_rendered_in_the_worker(pq, tcp_printer):
    threads = []

    def render():
        threads.append(threading.current_thread().name)
        return render_ticket(make_ticket(), 384)

    assert pq.submit(PrintJob(tcp_printer.url_with(width=384), render, 1)).result(timeout=10).ok
    assert threads and threads[0] != threading.current_thread().name
    assert read_qr_texts(tcp_printer.wait_for_jobs(1)[0]) == [TICKET_URL]


def test_close_finishes_queued_jobs_and_refuses_new_ones():
    done = []
    q = PrintQueue(print_func=lambda url, image: (time.sleep(0.05), done.append(image)))
    futures = [q.submit(PrintJob("tcp://p", i, i)) for i in range(3)]
    q.close()
    assert done == [0, 1, 2] and all(f.result(0).ok for f in futures)
    late = q.submit(PrintJob("tcp://p", 9, 9)).result(timeout=1)
    assert not late.ok and late.error_code == "closed"
