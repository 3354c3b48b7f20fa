"""What views, Socket.IO handlers and page packages import from the app: the one Socket.IO
server and the app's services. Never ``server.app``: only ``server/wsgi.py``, the CLI and the
tests import the factory, so no page module sits in an import cycle with it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app
from flask_socketio import SocketIO

if TYPE_CHECKING:  # the type only: bootstrap imports the services, which import this module
    from server.bootstrap import Services

SERVICES_KEY = "motcua"

socketio = SocketIO()


def services(app: Flask | None = None) -> Services:
    """The running app's services (built once by :func:`server.bootstrap.build_services`)."""
    return (app or current_app).extensions[SERVICES_KEY]


__all__ = ["SERVICES_KEY", "services", "socketio"]
