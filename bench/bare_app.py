"""A bare Flask + Flask-SocketIO app: the baseline our figures are compared to.

    python bench/bare_app.py PORT
GET /ping answers a tiny JSON; POST /emit broadcasts one Socket.IO event to all clients.
"""
from __future__ import annotations

import sys
import time

from flask import Flask
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


@app.get("/ping")
def ping():  # noqa: ANN201
    return {"ok": True, "at": time.time()}


@app.post("/emit")
def emit():  # noqa: ANN201
    socketio.emit("bare_event", {"at": time.time()})
    return {"ok": True}


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True)
