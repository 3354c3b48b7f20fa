"""Printing off the request path: one worker thread per printer URL.

A kiosk request issues the ticket, submits a :class:`PrintJob` and returns at
once; the ticket exists whether or not paper comes out.  Jobs for one printer
print in submit order; two printers never wait for each other.  A job that
still fails after ``retries`` marks its printer offline and calls
``on_status`` (the server raises an alert from it).  The returned future
always resolves to a :class:`PrintResult` — it never raises into the caller.

Public API::

    PrintJob(printer_url, image, job_id, meta={})       # image: PIL image or a callable making one
    PrintResult(job_id, printer_url, ok, error, error_code, attempts, submitted_at, finished_at, meta)
    PrinterStatus(url, online, last_error, last_print_at, last_job_id)
    q = PrintQueue(on_status=None, retries=2, retry_delay=0.5, print_func=print_image)
    q.submit(job) -> concurrent.futures.Future[PrintResult]
    q.status(url) -> PrinterStatus | None     # None until a job for url has finished
    q.statuses() -> list[PrinterStatus]
    q.recent(limit=50) -> list[PrintResult]   # newest last
    q.close(timeout=10.0)                     # finishes queued jobs, stops workers
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from .printers import PrinterError, print_image

__all__ = ["PrintJob", "PrintResult", "PrinterStatus", "PrintQueue"]

log = logging.getLogger(__name__)

ImageSource = Image.Image | Callable[[], Image.Image]


@dataclass
class PrintJob:
    """One thing to print.  ``image`` may be a callable so rendering also happens off the request path."""

    printer_url: str
    image: ImageSource
    job_id: Any
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PrintResult:
    """Outcome of a job; ``error`` is a human message (Vietnamese / English) when ``ok`` is False."""

    job_id: Any
    printer_url: str
    ok: bool
    error: str | None
    error_code: str | None
    attempts: int
    submitted_at: datetime
    finished_at: datetime
    meta: dict[str, Any]


@dataclass(frozen=True)
class PrinterStatus:
    """Last known state of one printer (UTC times)."""

    url: str
    online: bool
    last_error: str | None
    last_print_at: datetime | None
    last_job_id: Any


def _utcnow() -> datetime:
    return datetime.now(UTC)


_STOP = object()
CLOSED_MESSAGE = "Hàng đợi in đã đóng / print queue is closed"


class PrintQueue:
    """Background printing with per-printer workers, retries and status tracking."""

    def __init__(
        self,
        on_status: Callable[[PrinterStatus], None] | None = None,
        retries: int = 2,
        retry_delay: float = 0.5,
        print_func: Callable[[str, Image.Image], None] = print_image,
        clock: Callable[[], datetime] = _utcnow,
        history: int = 200,
    ) -> None:
        """``on_status`` is called from a worker thread after every job with the printer's new status.

        ``print_func(url, image)`` does the printing (default :func:`print_image`);
        tests and the server may swap it.  ``clock`` returns aware UTC datetimes.
        """
        self._on_status = on_status
        self._retries = max(0, retries)
        self.retry_delay = max(0.0, retry_delay)
        self._print = print_func
        self._clock = clock
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._status: dict[str, PrinterStatus] = {}
        self._recent: deque[PrintResult] = deque(maxlen=history)
        self._closed = False

    # ------------------------------------------------------------------ public

    def submit(self, job: PrintJob) -> Future[PrintResult]:
        """Queue a job; returns at once with a future that resolves to a :class:`PrintResult`."""
        future: Future[PrintResult] = Future()
        future.set_running_or_notify_cancel()
        submitted = self._clock()
        with self._lock:
            if not self._closed:
                q = self._queues.get(job.printer_url)
                if q is None:
                    q = self._queues[job.printer_url] = queue.Queue()
                    t = threading.Thread(
                        target=self._worker, args=(job.printer_url, q), name=f"print:{job.printer_url}", daemon=True
                    )
                    self._threads[job.printer_url] = t
                    t.start()
                q.put((job, future, submitted))
                return future
        result = PrintResult(
            job.job_id, job.printer_url, False, CLOSED_MESSAGE, "closed", 0, submitted, self._clock(), dict(job.meta)
        )
        self._remember(result)
        future.set_result(result)
        return future

    def status(self, url: str) -> PrinterStatus | None:
        """Status of one printer, or None if no job for it has finished yet."""
        with self._lock:
            return self._status.get(url)

    def statuses(self) -> list[PrinterStatus]:
        """Statuses of every printer that has finished at least one job."""
        with self._lock:
            return list(self._status.values())

    def recent(self, limit: int = 50) -> list[PrintResult]:
        """The last results (successful or not), oldest first."""
        with self._lock:
            return list(self._recent)[-limit:]

    def close(self, timeout: float = 10.0) -> None:
        """Stop accepting jobs, let workers finish what is queued, and join them."""
        with self._lock:
            if self._closed:
                threads = []
            else:
                self._closed = True
                for q in self._queues.values():
                    q.put(_STOP)
                threads = list(self._threads.values())
        deadline = time.monotonic() + timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                log.warning("print worker %s still busy after close()", t.name)

    def __enter__(self) -> PrintQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ worker

    def _worker(self, url: str, q: queue.Queue) -> None:
        while True:
            item = q.get()
            if item is _STOP:
                return
            job, future, submitted = item
            try:
                result = self._run(job, submitted)
            except BaseException as e:  # a bug here must not kill the worker or lose the job
                log.exception("print job %s crashed", job.job_id)
                result = PrintResult(
                    job.job_id, url, False, f"internal error: {e!r}", "error", 0, submitted, self._clock(), dict(job.meta)
                )
            self._remember(result)
            self._update_status(result)
            future.set_result(result)

    def _run(self, job: PrintJob, submitted: datetime) -> PrintResult:
        attempts, error, code = 0, None, None
        try:
            image = job.image() if callable(job.image) else job.image
        except Exception as e:  # a broken layout must not kill the worker: the job fails with the reason
            log.exception("rendering print job %s failed", job.job_id)
            reason = f"Lỗi dựng ảnh phiếu / render error: {e}"
            return PrintResult(job.job_id, job.printer_url, False, reason, "render", 0, submitted, self._clock(), dict(job.meta))
        for attempt in range(1 + self._retries):
            attempts = attempt + 1
            try:
                self._print(job.printer_url, image)
                return PrintResult(
                    job.job_id, job.printer_url, True, None, None, attempts, submitted, self._clock(), dict(job.meta)
                )
            except PrinterError as e:
                error, code = str(e.reason), e.code
                if e.code in ("config", "dependency"):
                    break  # retrying cannot help
            except Exception as e:  # noqa: BLE001 - a custom print_func may raise anything
                error, code = f"{type(e).__name__}: {e}", "error"
            log.warning("print job %s to %s failed (attempt %d): %s", job.job_id, job.printer_url, attempts, error)
            if attempt < self._retries:
                time.sleep(self.retry_delay)
        return PrintResult(job.job_id, job.printer_url, False, error, code, attempts, submitted, self._clock(), dict(job.meta))

    def _remember(self, result: PrintResult) -> None:
        with self._lock:
            self._recent.append(result)

    def _update_status(self, result: PrintResult) -> None:
        with self._lock:
            old = self._status.get(result.printer_url)
            if result.ok:
                new = PrinterStatus(result.printer_url, True, None, result.finished_at, result.job_id)
            elif old is None:
                new = PrinterStatus(result.printer_url, False, result.error, None, result.job_id)
            else:
                new = replace(old, online=False, last_error=result.error, last_job_id=result.job_id)
            self._status[result.printer_url] = new
        if self._on_status is not None:
            try:
                self._on_status(new)
            except Exception:  # a failing alert hook must not stop printing
                log.exception("on_status callback failed for %s", result.printer_url)
