"""The supervisor's notice to everyone waiting: one active per center (a new one replaces the old),
at most 200 characters, optionally expiring; it reaches the boards and every waiting ticket's phone
page at once over Socket.IO, a (re)connecting screen gets it in its snapshot, and every notice is
kept (the floor_messages rows, and an audit entry per post and clear)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.adapters.realtime import socketio
from server.domain.accounts import user_principal
from server.domain.errors import DomainError
from server.domain.events import center_room
from server.domain.floor_messages import FloorMessageService, notice_room
from server.models import Center, FloorMessage, User
from server.models.admin import AuditEntry
from tests.support.demo import login

NETWORK_DOWN = "Mạng của tỉnh đang gián đoạn, dự kiến 15 phút. Xin công dân vui lòng chờ."


@pytest.fixture
def floor(db, clock, published) -> FloorMessageService:
    return FloorMessageService(db, clock, publish=published.append)


def principal(db, username: str):
    with db.read() as s:
        return user_principal(s.scalars(select(User).where(User.username == username)).one())


def test_a_posted_notice_is_the_centers_active_one_and_is_pushed_to_boards_and_phones_at_once(db, floor, published, ids):
    view = floor.post(principal(db, "giamsat"), ids["center"], {"text_vi": NETWORK_DOWN, "text_en": "Network down, ~15 min."})
    assert view["text_vi"] == NETWORK_DOWN and view["expires_at"] is None
    assert floor.active(ids["center"]) == view
    [event] = published
    assert event.name == "floor_message" and event.payload == {"center_id": ids["center"], "message": view}
    assert set(event.rooms) == {center_room(ids["center"]), notice_room(ids["center"])}


def test_a_new_notice_replaces_the_one_in_force_and_both_stay_in_the_log(db, floor, ids):
    supervisor = principal(db, "giamsat")
    first = floor.post(supervisor, ids["center"], {"text_vi": "Thông báo thứ nhất"})
    second = floor.post(supervisor, ids["center"], {"text_vi": "Thông báo thứ hai"})
    assert floor.active(ids["center"])["id"] == second["id"]
    history = floor.history(supervisor, ids["center"])
    assert [h["id"] for h in history] == [second["id"], first["id"]]
    assert history[1]["cleared_at"] is not None and history[0]["cleared_at"] is None
    assert history[0]["actor"].endswith(":giamsat")


def test_a_notice_with_an_expiry_ends_by_itself(db, floor, clock, ids):
    view = floor.post(principal(db, "giamsat"), ids["center"], {"text_vi": NETWORK_DOWN, "expires_minutes": 15})
    assert view["expires_in_seconds"] == 15 * 60
    clock.advance(minutes=14)
    assert floor.active(ids["center"])["expires_in_seconds"] == 60
    clock.advance(minutes=1)
    assert floor.active(ids["center"]) is None


def test_clearing_takes_it_down_and_tells_the_screens(db, floor, published, ids):
    supervisor = principal(db, "giamsat")
    posted = floor.post(supervisor, ids["center"], {"text_vi": NETWORK_DOWN})
    result = floor.clear(supervisor, ids["center"])
    assert result["cleared"] == [posted["id"]] and floor.active(ids["center"]) is None
    assert published[-1].name == "floor_message" and published[-1].payload["message"] is None


def test_every_post_and_clear_is_audited(db, floor, ids):
    supervisor = principal(db, "giamsat")
    floor.post(supervisor, ids["center"], {"text_vi": NETWORK_DOWN})
    floor.clear(supervisor, ids["center"])
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.entity == "floor_message").order_by(AuditEntry.id)).all()
        assert [(r.action, r.center_id, r.actor.endswith(":giamsat")) for r in rows] == [
            ("post", ids["center"], True), ("clear", ids["center"], True)]
        assert NETWORK_DOWN in rows[0].summary


@pytest.mark.parametrize("data, code", [
    ({"text_vi": "x" * 201}, "notice_too_long"),
    ({"text_vi": "   "}, "invalid_notice"),
    ({"text_vi": 12}, "invalid_notice"),
    ({"text_vi": "Được", "text_en": "y" * 201}, "notice_too_long"),
    ({"text_vi": "Được", "expires_minutes": 0}, "invalid_notice"),
    ({"text_vi": "Được", "expires_minutes": 24 * 60 + 1}, "invalid_notice"),
    ({"text_vi": "Được", "expires_minutes": True}, "invalid_notice"),
])
def test_a_notice_too_long_empty_or_with_a_bad_expiry_is_refused_in_both_languages(db, floor, ids, data, code):
    with pytest.raises(DomainError) as err:
        floor.post(principal(db, "giamsat"), ids["center"], data)
    assert err.value.code == code and err.value.status == 400 and err.value.message_vi and err.value.message_en
    assert floor.active(ids["center"]) is None


def test_only_a_supervisor_or_admin_of_the_center_may_post(db, floor, ids):
    with pytest.raises(DomainError) as err:
        floor.post(principal(db, "quay1"), ids["center"], {"text_vi": NETWORK_DOWN})
    assert err.value.status == 403
    with db.write() as s:
        other = Center(code="KHAC", name="Trung tâm khác", timezone="Asia/Ho_Chi_Minh")
        s.add(other)
        s.flush()
        other_id = other.id
    with pytest.raises(DomainError) as err:
        floor.post(principal(db, "giamsat"), other_id, {"text_vi": NETWORK_DOWN})
    assert err.value.status == 403
    assert floor.post(principal(db, "admin"), ids["center"], {"text_vi": NETWORK_DOWN})["text_vi"] == NETWORK_DOWN


# ------------------------------------------------------------------ over HTTP and Socket.IO
def test_the_api_posts_and_clears_with_the_pages_csrf_token(app, client):
    csrf = login(client, "giamsat")
    url = "/api/v1/centers/1/floor-message"
    assert client.post(url, json={"text_vi": NETWORK_DOWN}).status_code == 403  # no CSRF token
    posted = client.post(url, json={"text_vi": NETWORK_DOWN, "expires_minutes": 15}, headers={"X-CSRF-Token": csrf})
    assert posted.status_code == 201 and posted.get_json()["text_vi"] == NETWORK_DOWN
    assert client.get(url).get_json()["message"]["id"] == posted.get_json()["id"]
    dashboard = client.get("/admin/c/1/").get_data(as_text=True)
    assert NETWORK_DOWN in dashboard and "đến 09:15, 23/11/2026" in dashboard  # the center's time, on a reload
    bad = client.post(url, json={"text_vi": "x" * 201}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 400 and "error" in bad.get_json()
    assert client.delete(url, headers={"X-CSRF-Token": csrf}).get_json()["message"] is None
    assert client.get(url).get_json()["message"] is None
    live = client.get("/api/v1/reports/live", query_string={"center_id": 1}).get_json()
    assert live["floor_message"] is None


def test_a_clerk_may_not_post_a_notice_over_the_api(app, client):
    csrf = login(client, "quay1")
    response = client.post("/api/v1/centers/1/floor-message", json={"text_vi": NETWORK_DOWN}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403


def test_a_board_and_a_waiting_tickets_phone_hear_the_notice_and_a_reconnect_gets_it_in_the_snapshot(app, client):
    core = app.extensions["motcua"]
    ticket = core.queue.issue_ticket(1, core.queue.center_snapshot(1)["services"][0]["id"])
    board = socketio.test_client(app, auth={"center_id": 1})
    phone = socketio.test_client(app, auth={"ticket": ticket["token"]})
    for screen in (board, phone):
        [snapshot] = [m for m in screen.get_received() if m["name"] == "snapshot"]
        assert snapshot["args"][0]["floor_message"] is None

    csrf = login(client, "giamsat")
    client.post("/api/v1/centers/1/floor-message", json={"text_vi": NETWORK_DOWN}, headers={"X-CSRF-Token": csrf})
    for screen in (board, phone):
        heard = [m["args"][0] for m in screen.get_received() if m["name"] == "floor_message"]
        assert [h["message"]["text_vi"] for h in heard] == [NETWORK_DOWN]

    late_phone = socketio.test_client(app, auth={"ticket": ticket["token"]})
    [snapshot] = [m for m in late_phone.get_received() if m["name"] == "snapshot"]
    assert snapshot["args"][0]["floor_message"]["text_vi"] == NETWORK_DOWN


def test_the_rows_are_the_log(db, floor, ids):
    floor.post(principal(db, "giamsat"), ids["center"], {"text_vi": NETWORK_DOWN, "expires_minutes": 5})
    with db.read() as s:
        [row] = s.scalars(select(FloorMessage)).all()
        assert row.text_vi == NETWORK_DOWN and row.expires_at is not None and row.actor.endswith(":giamsat")


def test_the_period_report_lists_each_notice_with_how_long_it_was_shown_and_by_whom(db, floor, clock, ids):
    from server.clock import local_date
    from server.domain.reports import Period, ticket_report

    supervisor = principal(db, "giamsat")
    floor.post(supervisor, ids["center"], {"text_vi": NETWORK_DOWN, "expires_minutes": 30})
    clock.advance(minutes=12)
    floor.post(supervisor, ids["center"], {"text_vi": "Mạng đã hoạt động lại."})  # replaces the first after 12 minutes
    clock.advance(minutes=5)
    with db.read() as s:
        report = ticket_report(s, ids["center"], Period.of("day", local_date(clock.now())), clock.now())
    rows = next(t for t in report["tables"] if t["key"] == "floor_notices")["rows"]
    assert [(r["text_vi"], round(r["minutes_shown"]), r["posted_by"]) for r in rows] == [
        (NETWORK_DOWN, 12, "giamsat"), ("Mạng đã hoạt động lại.", 5, "giamsat")]
    assert rows[0]["posted_at"] == "09:00, 23/11/2026" and rows[0]["ended_at"] == "09:12, 23/11/2026"
    assert rows[1]["ended_at"] == ""  # still shown
