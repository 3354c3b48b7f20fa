"""A board that comes back after missing many calls says the last event it has (auth ``since``)
and its snapshot holds every call made meanwhile — not only the latest ten — and a board
listing 12 calls gets at least 12."""
from __future__ import annotations

from server.adapters.realtime import MISSED_CALLS_MAX, socketio
from tests.support.demo import login


def make_calls(client, csrf: str, count: int) -> None:
    """Citizens take ``count`` tickets at the kiosk; the clerk of counter 1 calls and finishes each."""
    kiosk = client.application.test_client()
    headers = {"X-CSRF-Token": csrf}
    for _ in range(count):
        assert kiosk.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201
        assert client.post("/api/v1/counters/1/call-next", headers=headers).get_json()["ticket"] is not None
        assert client.post("/api/v1/counters/1/finish", headers=headers).status_code == 200


def snapshot(app, **auth) -> dict:
    board = socketio.test_client(app, auth={"center_id": 1, **auth})
    first = board.get_received()[0]
    assert first["name"] == "snapshot"
    board.disconnect()
    return first["args"][0]


def call_ids(snap: dict) -> list[int]:
    return sorted(c["event_id"] for c in snap["recent_calls"])


def test_a_board_back_after_fifteen_calls_gets_all_fifteen(app, client):
    csrf = login(client, "quay1")
    make_calls(client, csrf, 1)
    since = snapshot(app)["last_event_id"]  # where the board stood when its network dropped

    make_calls(client, csrf, 15)  # …missed while it was away
    back = snapshot(app, since=since, recent=8)
    missed = [c for c in back["recent_calls"] if c["event_id"] > since]
    assert len(missed) == 15
    assert sorted(c["number"] for c in missed) == [str(n) for n in range(1002, 1017)]
    assert len(back["recent_calls"]) == 15  # the call it already had is not sent again
    assert back["now"].endswith("Z")  # the server's clock, to tell fresh missed calls from stale ones

    assert len(snapshot(app)["recent_calls"]) == 10  # a client that says nothing keeps the old window


def test_a_board_missing_only_a_few_calls_still_gets_its_whole_list(app, client):
    csrf = login(client, "quay1")
    make_calls(client, csrf, 12)
    since = snapshot(app)["last_event_id"]
    make_calls(client, csrf, 2)
    back = snapshot(app, since=since, recent=12)
    assert len(back["recent_calls"]) == 12  # 2 new ones and the 10 before them, for the list
    assert sum(c["event_id"] > since for c in back["recent_calls"]) == 2


def test_a_board_configured_for_twelve_calls_gets_twelve(app, client):
    csrf = login(client, "quay1")
    make_calls(client, csrf, 14)
    assert len(snapshot(app, recent=12)["recent_calls"]) == 12
    assert len(snapshot(app, recent=2)["recent_calls"]) == 10  # never fewer than before
    assert len(snapshot(app, recent="lots")["recent_calls"]) == 10


def test_missed_calls_are_capped_newest_first(app, client):
    """However long a board was away, one snapshot stays bounded: the newest calls win."""
    csrf = login(client, "quay1")
    make_calls(client, csrf, 8)
    queue = app.extensions["motcua"].queue
    everything = queue.center_snapshot(1, recent_calls=50)
    since = min(c["event_id"] for c in everything["recent_calls"]) - 1
    capped = queue.center_snapshot(1, recent_calls=3, since_event_id=since, missed_calls_max=5)
    assert [c["event_id"] for c in capped["recent_calls"]] == [c["event_id"] for c in everything["recent_calls"]][:5]
    assert MISSED_CALLS_MAX == 50
