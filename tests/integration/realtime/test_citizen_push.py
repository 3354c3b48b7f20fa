"""Citizens' screens hear changes pushed, not at their next poll: a kiosk gets its whole offer
(``kiosk_services``) when a counter's services or open state change, and the phone pages of a
service get every waiting ticket's place (``queue_moved``) when its line moves."""
from __future__ import annotations

import time
from datetime import timedelta

from server.adapters import realtime
from server.adapters.realtime import CitizenPush, socketio
from server.domain.kiosk import scan_at_kiosk
from tests.support.booking_rows import add_booking
from tests.support.demo import MONDAY_9AM, counter_id, login, service_id
from tests.support.positions import people_ahead, places


def _events(watcher, name: str, within: float = 2.0) -> list[dict]:
    """What ``watcher`` has heard of ``name``, waiting up to ``within`` seconds for the first: the
    pushes go out from a worker shortly after the change (CitizenPush coalesces them)."""
    deadline, heard = time.monotonic() + within, []
    while True:
        heard += [m["args"][0] for m in watcher.get_received() if m["name"] == name]
        if heard or time.monotonic() >= deadline:
            return heard
        time.sleep(0.01)


def _offer_of(offer: dict, code: str) -> dict:
    return next(s for s in offer["services"] if s["code"] == code)


def test_ticking_a_service_on_a_counter_reaches_the_kiosk_within_2_s(app, client, db):
    csrf = login(client, "admin")
    htdvc = service_id(db, "HTDVC")
    client.patch(f"/api/v1/admin/counters/{counter_id(db, 6)}", json={"service_ids": []}, headers={"X-CSRF-Token": csrf})
    kiosk = socketio.test_client(app, auth={"center_id": 1})
    _events(kiosk, "kiosk_services", within=0.3)  # the first change's push, if it was still on its way
    kiosk.get_received()
    started = time.monotonic()
    response = client.patch(f"/api/v1/admin/counters/{counter_id(db, 7)}", json={"service_ids": [service_id(db, "NKQ"), htdvc]},
                            headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.get_json()
    offers = _events(kiosk, "kiosk_services")
    assert time.monotonic() - started < 2
    assert len(offers) == 1
    htdvc_offer = _offer_of(offers[0], "HTDVC")
    assert htdvc_offer["available"] is True and htdvc_offer["open_counters"] == 1
    assert offers[0]["issuing"]["allowed"] is True and offers[0]["priority_enabled"] is True


def test_a_counter_closing_or_opening_pushes_the_offer_whatever_the_cause(app, db):
    queue = app.extensions["motcua"].queue
    kiosk = socketio.test_client(app, auth={"center_id": 1})
    kiosk.get_received()
    queue.set_counter_open(counter_id(db, 3), False)  # the only counter of "Đất đai"
    offer = _events(kiosk, "kiosk_services")[-1]
    assert _offer_of(offer, "DD")["available"] is False
    assert _offer_of(offer, "DD")["reason_vi"] == "Chưa có quầy mở"
    queue.set_counter_open(counter_id(db, 3), True)
    assert _offer_of(_events(kiosk, "kiosk_services")[-1], "DD")["available"] is True


def test_a_call_moves_the_phone_pages_people_ahead_within_2_s(app, client):
    tickets = [client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json() for _ in range(3)]
    mine = tickets[2]
    phone = socketio.test_client(app, auth={"ticket": mine["token"]})
    snapshot = phone.get_received()[0]["args"][0]["ticket"]
    assert snapshot["people_ahead"] == 2
    csrf = login(client, "quay1")
    started = time.monotonic()
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    moved = _events(phone, "queue_moved")
    assert time.monotonic() - started < 2
    assert len(moved) == 1
    told = places(moved[0])
    assert told[mine["id"]][0] == 1
    assert set(told) == {tickets[1]["id"], mine["id"]}  # the called one has left the line
    # What the phone is told is what a fresh look-up of the ticket says.
    fresh = client.get(f"/api/v1/tickets/{mine['token']}").get_json()
    assert told[mine["id"]] == (fresh["people_ahead"], fresh["estimated_wait_minutes"])


def _lines_read(app, monkeypatch) -> list[list[int]]:
    """The services whose lines CitizenPush actually reads (after its filter of who follows them)."""
    import server.domain.citizen_push as citizen_push

    read: list[list[int]] = []
    positions = citizen_push.queue_positions

    def recording(session, center_id, service_ids, *args, followed=None, **kwargs):
        lines = positions(session, center_id, service_ids, *args, followed=followed, **kwargs)
        read.append([line["service_id"] for line in lines])
        return lines

    monkeypatch.setattr(realtime, "queue_positions", recording)
    return read


def test_a_line_nobody_follows_is_not_read_after_a_call(app, client, monkeypatch):
    read = _lines_read(app, monkeypatch)
    board = socketio.test_client(app, auth={"center_id": 1})  # a board, no phone page open
    tickets = [client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json() for _ in range(3)]
    csrf = login(client, "quay1")
    assert client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert _events(board, "ticket_called")
    time.sleep(CitizenPush.COALESCE_SECONDS * 6)
    assert read == [[]]  # the push ran, found no phone following service 1, and read no line

    phone = socketio.test_client(app, auth={"ticket": tickets[2]["token"]})
    phone.get_received()
    assert client.post("/api/v1/counters/1/finish", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert _events(phone, "queue_moved")
    assert read[-1] == [1]  # once a phone follows the line, it is read and pushed


def test_positions_follow_call_next_order_with_priority_tickets_first(app, client):
    """The pushed places are the ones call-next will honour: a priority ticket issued later goes ahead."""
    token = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    phone = socketio.test_client(app, auth={"ticket": token["token"]})
    phone.get_received()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    assert _events(phone, "queue_moved", within=0.3) == []  # a regular ticket joins at the end: nobody moves
    elderly = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1, "priority": "elderly"}).get_json()
    moved = _events(phone, "queue_moved")
    assert len(moved) == 1
    ahead = people_ahead(moved[0])
    assert ahead[elderly["id"]] == 0 and ahead[token["id"]] == 1
    for view in (token, elderly):
        assert ahead[view["id"]] == client.get(f"/api/v1/tickets/{view['token']}").get_json()["people_ahead"]
    csrf = login(client, "quay1")
    called = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).get_json()
    assert called["ticket"]["id"] == elderly["id"]


def test_queue_moved_carries_no_token_and_reaches_only_that_services_phones(app, client):
    other = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 2}).get_json()
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1})
    mine = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    phone = socketio.test_client(app, auth={"ticket": mine["token"]})
    phone_other = socketio.test_client(app, auth={"ticket": other["token"]})
    board = socketio.test_client(app, auth={"center_id": 1})
    for watcher in (phone, phone_other, board):
        watcher.get_received()
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    moved = _events(phone, "queue_moved")  # once it is here, the others would be too: one batch
    assert _events(phone_other, "queue_moved", within=0) == []  # another line did not move
    assert _events(board, "queue_moved", within=0) == []  # boards keep their own events
    assert moved and (moved[0]["ids"], moved[0]["waits"]) == ([mine["id"]], [0])
    assert "token" not in str(moved) and mine["token"] not in str(moved)


def test_positions_match_each_tickets_own_view_on_postgresql(pg_url, clock):
    """The one-pass positions equal the per-ticket estimate on PostgreSQL too (its datetimes and sorting)."""
    from server.domain.citizen_push import queue_positions
    from server.domain.queue import QueueService
    from tests.support.demo import make_db

    db = make_db(pg_url)
    try:
        queue = QueueService(db, clock)
        views = []
        for i in range(7):
            views.append(queue.issue_ticket(1, 1, priority="pregnant" if i in (3, 5) else None))
            clock.advance(seconds=1 if i != 2 else 0)  # two tickets in the same second: ties go by id
        queue.call_next(1)
        with db.read() as s:
            line = queue_positions(s, 1, [1], clock.now(), queue.mean_service_minutes, queue.open_counters_for)[0]
        pushed = places(line)
        fresh = {v["id"]: queue.ticket_by_token(v["token"]) for v in views}
        expected = {i: (t["people_ahead"], t["estimated_wait_minutes"]) for i, t in fresh.items() if t["state"] == "waiting"}
        assert pushed == expected and len(pushed) == 6
    finally:
        db.dispose()


def _waiting_for(watcher, name: str, seconds: float = 2.0) -> list[dict]:
    """The ``name`` events the watcher has received once at least one came (or ``seconds`` passed)."""
    deadline, seen = time.monotonic() + seconds, []
    while not seen and time.monotonic() < deadline:
        seen = _events(watcher, name)
        time.sleep(0.02)
    return seen


def test_a_booked_tickets_slot_starting_moves_its_lines_phones_at_the_next_upkeep_tick(app, client, clock):
    core = app.extensions["motcua"]
    walk_in = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()  # 09:00
    booking = add_booking(core.db, 1, 1, MONDAY_9AM + timedelta(minutes=30))
    clock.set(MONDAY_9AM + timedelta(minutes=20))  # checked in ten minutes before its 09:30 slot: behind the walk-in
    booked = scan_at_kiosk(core.queue, core.dossiers.dossiers, 1, booking["code"])["ticket"]
    phone = socketio.test_client(app, auth={"ticket": walk_in["token"]})
    time.sleep(0.3)  # the line's push for the booked ticket's issue (sent shortly after it) has come and gone
    assert phone.get_received()[0]["args"][0]["ticket"]["people_ahead"] == 0
    core.upkeep.tick()
    assert _waiting_for(phone, "queue_moved", 0.3) == []  # nobody went ahead yet
    clock.set(MONDAY_9AM + timedelta(minutes=30))
    core.upkeep.tick()
    ahead = people_ahead(_waiting_for(phone, "queue_moved")[-1])
    assert ahead == {booked["id"]: 0, walk_in["id"]: 1}
    assert ahead[walk_in["id"]] == client.get(f"/api/v1/tickets/{walk_in['token']}").get_json()["people_ahead"]
