"""Our app under gunicorn's gevent worker, for ``bench_load.py --server gevent`` only.

    gunicorn -k gevent -w 1 --chdir bench gevent_app:app

The app ships in threading mode (server/adapters/realtime.py); this wraps it with Flask-SocketIO's
``async_mode="gevent"`` (websockets through simple-websocket) so the two server models can be
measured on the same scenario. gunicorn's gevent worker has monkey-patched the standard library
before this module is imported.
"""
from __future__ import annotations

import flask_socketio

_init_app = flask_socketio.SocketIO.init_app


def _gevent_init_app(self, app, **kwargs):
    kwargs["async_mode"] = "gevent"
    return _init_app(self, app, **kwargs)


flask_socketio.SocketIO.init_app = _gevent_init_app

# Imported here, not at the top: the app must be built after the mode is chosen.
from server.wsgi import app

__all__ = ["app"]
