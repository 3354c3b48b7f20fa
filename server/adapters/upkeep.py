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
from typing import Any

log = logging.getLogger("motcua.upkeep")

Job = Callable[[], Any]


class Upkeep:
    """Named jobs run every ``interval`` seconds on one daemon thread (``interval`` ≤ 0: never on its own)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.jobs: list[tuple[str, Job]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, job: Job, *, first: bool = False) -> None:
        """Run ``job`` at every tick (``first``: before the jobs already added, e.g. a heartbeat before the checks)."""
        if first:
            self.jobs.insert(0, (name, job))
        else:
            self.jobs.append((name, job))

    def tick(self) -> dict[str, Any]:
        """Run every job once, in order; returns each job's result (None for one that failed, logged)."""
        results: dict[str, Any] = {}
        for name, job in list(self.jobs):
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
