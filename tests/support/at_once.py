"""Many hands at the same instant: threads released together by a barrier, for the race specifications."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def all_at_once(act: Callable[[], Any], times: int) -> list[Any]:
    """``times`` threads released together, each calling ``act`` once; every answer returned (any
    error a thread met fails the caller's test, with the first three shown)."""
    start = threading.Barrier(times)
    answers: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            answer: Any = act()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            answer = exc
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert not errors, errors[:3]
    assert len(answers) == times
    return answers
