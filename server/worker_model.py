"""How a serving process waits on its clients: ``gevent`` (a greenlet per connection) or ``threads``.

Chosen by figures (issue 17, ``bench/bench_load.py --scenario a2000``): with a thread per websocket
client (plus helper threads) one process on 2 cores collapsed at 2,000 connected clients — 8,000
threads, every client dropped — while gunicorn's gevent worker held them all, about half the memory
per client. So ``python run.py`` on Linux/macOS and the production files of deploy/ serve with gevent;
Windows (no gunicorn), ``MOTCUA_DEV_SERVER=1`` and ``MOTCUA_WORKER=threads`` keep the threaded server,
and the tests' in-process apps are threaded (nothing patches them).

gevent must patch the standard library before anything imports ``socket`` or ``threading``, so
``run.py`` calls :func:`patch_for_serving` first thing, and gunicorn's gevent worker (deploy/) patches
before it loads the app. Everything else asks :func:`cooperative`: Flask-SocketIO's async mode
(server/adapters/realtime.py) and gunicorn's worker class (server/cli.py) follow what the process is.

A leaf: imports nothing of the project (it runs before the rest is imported).
"""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

WORKER_ENV = "MOTCUA_WORKER"
GEVENT, THREADS = "gevent", "threads"
# Commands of run.py that serve; ``python run.py`` alone or with only options serves too (server/cli.py main).
SERVE_COMMAND = "serve"
# A gevent worker's connection limit (gunicorn's ``worker_connections``): a greenlet per connection
# costs a few kB, so far above what one process serves (measured: 2,000 clients, ~75 kB of RSS each).
GEVENT_CONNECTIONS = 10000


def wanted(environ: Mapping[str, str] = os.environ) -> str:
    """The model asked for: ``threads`` on Windows, with ``MOTCUA_DEV_SERVER=1`` (Flask-SocketIO's
    own threaded server) or ``MOTCUA_WORKER=threads``; else ``gevent``."""
    if os.name != "posix" or environ.get("MOTCUA_DEV_SERVER", "").strip().lower() in ("1", "true", "yes", "on"):
        return THREADS
    return THREADS if environ.get(WORKER_ENV, GEVENT).strip().lower() == THREADS else GEVENT


def serves(argv: Sequence[str]) -> bool:
    """Whether ``run.py argv`` serves (its other commands are short and patch nothing)."""
    return not argv or argv[0] == SERVE_COMMAND or (argv[0].startswith("-") and argv[0] not in ("-h", "--help"))


def patch_for_serving(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> bool:
    """Monkey-patch the standard library with gevent when ``argv`` serves and gevent is wanted and
    installed; True when the process is now cooperative. Call before importing anything else."""
    if not serves(argv) or wanted(environ) != GEVENT:
        return False
    try:
        from gevent import monkey
    except ImportError:  # an installation without it serves with threads, as before
        print("gevent is not installed: serving with threads (MOTCUA_WORKER=threads)", file=sys.stderr)
        return False
    monkey.patch_all()
    return True


def cooperative() -> bool:
    """Whether gevent has patched this process (run.py serve, or gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def settled(app: T) -> T:
    """``app``, once built in the process that serves it, with the heap settled: collect, then
    :func:`gc.freeze` what is alive now (modules, the app, SQLAlchemy's mappers, compiled templates:
    some 200,000 objects that live as long as the process).

    Why: Python's full collection walks every tracked object, and it came during calls. With 550 clients
    connected (``bench_load.py --scenario a``) each full collection paused the process 110–190 ms, the
    whole of the call → board p99 when it fell on a call; with the start-up objects frozen it takes
    8–40 ms. Frozen objects are never collected, which is right for what is built once per process."""
    gc.collect()
    gc.freeze()
    return app


__all__ = ["GEVENT", "GEVENT_CONNECTIONS", "THREADS", "WORKER_ENV", "cooperative", "patch_for_serving", "serves", "settled",
           "wanted"]
