"""The one background scheduler of a server process: the floor's periodic upkeep.

Every ``interval`` seconds it runs its jobs in order, each in its own ``try`` (one failing job never
stops the others, nor the scheduler): the heartbeat of the displays connected to this process, the
display-offline check, the service-level (wait target) check. Each job is idempotent and keeps its
state in the database, so several server processes may each run their own upkeep: the open alert
in the database is the de-duplication, and a restart loses nothing.

Built once in the composition root (``server/bootstrap.py``), started by the realtime layer once the
app is served (``server.adapters.realtime.init_app``); ``MOTCUA_UPKEEP_SECONDS`` (0 = off) sets the
interval. Tests call :meth:`Upkeep.tick` themselves with a fixed clock.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger("motcua.upkeep")

Job = Callable[[], Any]


class Upkeep:
    """Named jobs run every ``interval`` seconds on one daemon thread (``interval`` ≤ 0: never on its own).

    ``now`` is the clock a job's own period (``add(..., every=…)``) is counted on: the app's clock, so
    tests that move a fixed clock see a slow job come round again."""

    def __init__(self, interval: float, now: Callable[[], datetime] | None = None) -> None:
        self.interval = interval
        self.now = now or (lambda: datetime.now().astimezone())
        self.jobs: list[tuple[str, Job]] = []
        self._every: dict[str, timedelta] = {}
        self._last_run: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, job: Job, *, first: bool = False, every: timedelta | None = None) -> None:
        """Run ``job`` at every tick, or at most once per ``every`` for a slow, rarely needed job (a purge,
        the day-before reminders); ``first``: before the jobs already added (a heartbeat before the checks)."""
        if first:
            self.jobs.insert(0, (name, job))
        else:
            self.jobs.append((name, job))
        if every is not None:
            self._every[name] = every

    def _due(self, name: str, now: datetime) -> bool:
        every, last = self._every.get(name), self._last_run.get(name)
        return every is None or last is None or now - last >= every

    def tick(self) -> dict[str, Any]:
        """Run every job that is due once, in order; returns each run job's result (None for one that
        failed, logged). A job not due yet (its ``every`` has not passed) is left out of the result."""
        results: dict[str, Any] = {}
        now = self.now()
        for name, job in list(self.jobs):
            if not self._due(name, now):
                continue
            self._last_run[name] = now
            try:
                results[name] = job()
            except Exception:
                log.exception("upkeep job %s failed", name)
                results[name] = None
        return results

    def start(self) -> bool:
        """Start the thread (once); False when the interval turns it off."""
        if self.interval <= 0 or self._thread is not None:
            return False
        # A daemon: never keeps a stopping server alive.
        self._thread = threading.Thread(target=self._run, name="motcua-upkeep", daemon=True)
        self._thread.start()
        return True

    def close(self) -> None:
        """Stop the thread (the app is no longer served)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()


__all__ = ["Upkeep"]
