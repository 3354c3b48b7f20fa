"""A client that leaves while its join is being handled costs nothing: no exception in a server thread."""
from __future__ import annotations

from flask import request

from server.adapters.realtime import join_rooms


def test_joining_rooms_for_a_client_already_gone_answers_false_instead_of_raising(app):
    with app.test_request_context("/socket.io/"):
        request.sid = "a-client-that-already-left"  # what Flask-SocketIO sets for an event's sender
        request.namespace = "/"
        assert join_rooms(["center:1", "supervisors:1"]) is False


def test_a_connected_client_joins_every_room(app):
    from server.extensions import socketio

    client = socketio.test_client(app, auth={"center_id": 1})
    try:
        sid = socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/")
        with app.test_request_context("/socket.io/"):
            request.sid = sid
            request.namespace = "/"
            assert join_rooms(["motcua-test-room-a", "motcua-test-room-b"]) is True
        assert {"motcua-test-room-a", "motcua-test-room-b"} <= set(socketio.server.manager.get_rooms(sid, "/"))
    finally:
        client.disconnect()
