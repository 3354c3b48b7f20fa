"""The speech worker's pipe under gevent (the server's gevent worker patches the standard library): a
reply bigger than the socket's buffer arrives whole. gevent's socketpair came non-blocking, so
multiprocessing read half a message, failed with EAGAIN, and a live worker was killed as dead — a
call's voice was then "unavailable"."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r'''
from gevent import monkey; monkey.patch_all()
import multiprocessing, sys
sys.path.insert(0, sys.argv[1])
from audio.worker import blocking_pipe
from tests.integration.audio.test_worker_pipe_under_gevent import send_big

if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    parent, child = blocking_pipe(ctx) if sys.argv[2] == "blocking" else ctx.Pipe(duplex=True)
    process = ctx.Process(target=send_big, args=(child,)); process.start(); child.close()
    assert parent.poll(30)
    try:
        print(len(parent.recv()))
    except OSError as error:
        print(type(error).__name__)
    process.join(30)
'''


def send_big(conn) -> None:
    """The child's side: one message of 3 MB, far over a socket buffer, so it arrives in parts."""
    try:
        conn.send(b"x" * 3_000_000)
    except OSError:
        pass


def _received(kind: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), kind], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    return done.stdout.strip()


def test_a_big_reply_arrives_whole_through_the_workers_pipe_under_gevent():
    assert _received("blocking") == "3000000"


def test_multiprocessings_own_duplex_pipe_fails_under_gevent_which_is_why_it_is_not_used():
    assert _received("plain") == "BlockingIOError"
