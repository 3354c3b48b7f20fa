"""The app served for real (werkzeug, threads, websockets) on 127.0.0.1, for browsers and clients."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server

from tests.support.services import free_port


class LiveServer:
    """The app served by werkzeug (threads, websockets) on 127.0.0.1 for a browser."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(5)
