"""A fake network printer (raw TCP, like port 9100) for tests.

    from tests.support.tcp_printer import TcpTestPrinter

    with TcpTestPrinter() as printer:            # 127.0.0.1, ephemeral port
        print_image(printer.url, image)          # "tcp://127.0.0.1:PORT"
        printer.wait_for_jobs(1)                 # one connection opened and closed
        data = printer.jobs[0]                   # bytes of that connection
        printer.received()                       # all bytes, all connections, in accept order

API (stable; other test suites use it):

``TcpTestPrinter(host="127.0.0.1", port=0)``
    Starts listening at once (``port=0`` picks a free port) and accepts in a
    background thread; each connection is read in its own thread until the
    client closes it.  Never writes back, like a real port-9100 printer.
``.url`` / ``.host`` / ``.port`` / ``.url_with(**params)``
    ``tcp://127.0.0.1:PORT``; ``url_with(width=384, cut=0)`` adds a query.
``.received() -> bytes``
    Everything received so far, connections concatenated in accept order.
``.connections -> list[bytes]``
    Bytes per connection (including ones still open), in accept order.
``.jobs -> list[bytes]``
    Bytes per *finished* connection (client closed it) — one print job each.
``.wait_for_bytes(min_len_or_predicate, timeout=5.0) -> bytes``
    Block until ``len(received()) >= n`` or ``predicate(received())`` is true;
    returns ``received()``; raises ``TimeoutError`` otherwise.
``.wait_for_jobs(count=1, timeout=5.0) -> list[bytes]``
    Block until ``count`` connections have finished; returns ``jobs``.
``.clear()``
    Forget everything received so far.
``.close()``
    Stop listening and close open connections (also on ``__exit__``).
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

__all__ = ["TcpTestPrinter"]


class _Conn:
    """Bytes of one accepted connection; ``done`` once the client closed it."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.done = False


class TcpTestPrinter:
    """A real TCP server on 127.0.0.1 that records what print clients send."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((host, port))
        self._server.listen(16)
        self._server.settimeout(0.05)  # so close() is noticed promptly
        self.host, self.port = self._server.getsockname()[:2]
        self._cond = threading.Condition()
        self._conns: list[_Conn] = []
        self._open_socks: list[socket.socket] = []
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"tcp-printer:{self.port}", daemon=True)
        self._accept_thread.start()

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """``tcp://127.0.0.1:PORT``."""
        return f"tcp://{self.host}:{self.port}"

    def url_with(self, **params: object) -> str:
        """The URL with query parameters, e.g. ``url_with(width=384, cut=0)``."""
        return f"{self.url}?{urlencode(params)}" if params else self.url

    # ------------------------------------------------------------------ recorded data

    def received(self) -> bytes:
        """All bytes received, connections concatenated in accept order."""
        with self._cond:
            return b"".join(bytes(c.data) for c in self._conns)

    @property
    def connections(self) -> list[bytes]:
        """Bytes of every connection so far (open or finished), in accept order."""
        with self._cond:
            return [bytes(c.data) for c in self._conns]

    @property
    def jobs(self) -> list[bytes]:
        """Bytes of every finished connection (one print job each), in accept order."""
        with self._cond:
            return [bytes(c.data) for c in self._conns if c.done]

    def clear(self) -> None:
        """Forget what was received (open connections keep recording into fresh buffers)."""
        with self._cond:
            for conn in self._conns:
                conn.data.clear()
            self._conns = [c for c in self._conns if not c.done]

    def wait_for_bytes(
        self, condition: int | Callable[[bytes], bool] = 1, timeout: float = 5.0
    ) -> bytes:
        """Wait until ``condition`` (a minimum length or a predicate on all bytes) holds."""
        check = (lambda d: len(d) >= condition) if isinstance(condition, int) else condition
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                data = b"".join(bytes(c.data) for c in self._conns)
                if check(data):
                    return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"TcpTestPrinter {self.url}: condition not met after {timeout}s ({len(data)} bytes)")
                self._cond.wait(left)

    def wait_for_jobs(self, count: int = 1, timeout: float = 5.0) -> list[bytes]:
        """Wait until ``count`` connections have been closed by their clients."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (finished := sum(c.done for c in self._conns)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"TcpTestPrinter {self.url}: {finished} of {count} jobs after {timeout}s")
                self._cond.wait(left)
            return [bytes(c.data) for c in self._conns if c.done]

    # ------------------------------------------------------------------ server

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, _addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            conn = _Conn()
            with self._cond:
                self._conns.append(conn)
                self._open_socks.append(sock)
                self._cond.notify_all()
            t = threading.Thread(target=self._read_loop, args=(sock, conn), daemon=True)
            self._threads.append(t)
            t.start()

    def _read_loop(self, sock: socket.socket, conn: _Conn) -> None:
        sock.settimeout(0.05)
        try:
            while not self._stopped.is_set():
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                with self._cond:
                    conn.data.extend(chunk)
                    self._cond.notify_all()
        finally:
            with self._cond:
                conn.done = True
                if sock in self._open_socks:
                    self._open_socks.remove(sock)
                self._cond.notify_all()
            sock.close()

    def close(self) -> None:
        """Stop listening and drop open connections."""
        self._stopped.set()
        try:
            self._server.close()
        except OSError:
            pass
        self._accept_thread.join(2)
        for t in list(self._threads):
            t.join(2)

    def __enter__(self) -> TcpTestPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<TcpTestPrinter {self.url} jobs={len(self.jobs)}>"
