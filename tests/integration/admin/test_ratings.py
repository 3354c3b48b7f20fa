"""Ratings: one per served ticket, from the phone page or the counter's tablet, tied to the
service, counter and clerk of the moment the ticket finished."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.domain.ratings import tablet_key
from server.models.admin import Rating
from tests.support.admin import Api


def serve(client, clerk: Api, counter_id: int = 1, service_id: int = 1) -> dict:
    ticket = client.post(
        "/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers={"X-CSRF-Token": clerk.csrf}
    ).get_json()
    assert clerk.post(f"/api/v1/counters/{counter_id}/call-next").status_code == 200
    assert clerk.post(f"/api/v1/counters/{counter_id}/finish").status_code == 200
    return ticket


def ratings(app) -> list[Rating]:
    with app.extensions["motcua"].db.read() as s:
        return list(s.scalars(select(Rating).order_by(Rating.id)))


def test_phone_rating_once_for_a_done_ticket_tied_to_service_counter_and_clerk(app, client, clerk):
    ticket = serve(client, clerk)
    response = client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "very_satisfied"})
    assert response.status_code == 201 and response.get_json()["label_vi"] == "Rất hài lòng"
    again = client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "unsatisfied"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    [rating] = ratings(app)
    assert (rating.ticket_id, rating.service_id, rating.counter_id, rating.level, rating.source) == (
        ticket["id"],
        1,
        1,
        "very_satisfied",
        "phone",
    )
    assert rating.clerk_actor.endswith(":quay1") and rating.clerk_id is not None


def test_a_ticket_not_yet_served_cannot_be_rated(client):
    ticket = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()
    response = client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "satisfied"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_rateable"


def test_phone_rating_closes_after_a_day(client, clerk, clock):
    ticket = serve(client, clerk)
    clock.advance(hours=25)
    response = client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "satisfied"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "rating_closed"


@pytest.mark.parametrize("body", [{"level": "great"}, {"level": "satisfied", "reason": "bribe"}, {}])
def test_bad_rating_bodies_are_refused(client, clerk, body):
    ticket = serve(client, clerk)
    assert client.post(f"/api/v1/tickets/{ticket['token']}/rating", json=body).status_code == 400


def test_unhappy_rating_keeps_the_reason(app, client, clerk):
    ticket = serve(client, clerk)
    client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "unsatisfied", "reason": "long_wait"})
    assert ratings(app)[0].reason == "long_wait"


def test_unknown_token_is_404(client):
    assert client.post("/api/v1/tickets/nope-nope-nope-nope/rating", json={"level": "satisfied"}).status_code == 404


def test_rating_stays_with_the_counter_where_the_ticket_finished_after_a_transfer(app, client, clerk):
    """Called at counter 1, transferred to Land, finished at counter 3 by quay3."""
    ticket = client.post(
        "/api/v1/tickets", json={"center_id": 1, "service_id": 1}, headers={"X-CSRF-Token": clerk.csrf}
    ).get_json()
    clerk.post("/api/v1/counters/1/call-next")
    clerk.post("/api/v1/counters/1/transfer", {"service_id": 2})
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": clerk.csrf})
    land = Api(client, "quay3")
    land.post("/api/v1/counters/3/call-next")
    land.post("/api/v1/counters/3/finish")
    client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "satisfied"})
    [rating] = ratings(app)
    assert (rating.service_id, rating.counter_id) == (2, 3) and rating.clerk_actor.endswith(":quay3")


def test_counter_tablet_shows_the_ticket_just_finished_there_and_rates_it(app, client, clerk, clock):
    key = tablet_key(app.config["SECRET_KEY"], 1)
    empty = client.get("/api/v1/counters/1/rating-tablet", query_string={"key": key}).get_json()
    assert empty["pending"] is None and empty["counter"]["number"] == 1
    ticket = serve(client, clerk)
    state = client.get("/api/v1/counters/1/rating-tablet", query_string={"key": key}).get_json()
    assert (
        state["pending"]["number"] == ticket["number"] and state["pending"]["service"]["name"] == "Tư pháp – Hộ tịch – Chứng thực"
    )
    response = client.post("/api/v1/counters/1/rating-tablet", json={"key": key, "ticket_id": ticket["id"], "level": "satisfied"})
    assert response.status_code == 201
    assert ratings(app)[0].source == "tablet"
    assert client.get("/api/v1/counters/1/rating-tablet", query_string={"key": key}).get_json()["pending"] is None


def test_counter_tablet_needs_its_key_and_only_rates_its_own_recent_tickets(app, client, clerk, clock):
    secret = app.config["SECRET_KEY"]
    ticket = serve(client, clerk, counter_id=1)
    wrong = client.get("/api/v1/counters/1/rating-tablet", query_string={"key": tablet_key(secret, 2)})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "invalid_key"
    # Counter 2's tablet cannot rate a ticket finished at counter 1.
    other = client.post(
        "/api/v1/counters/2/rating-tablet", json={"key": tablet_key(secret, 2), "ticket_id": ticket["id"], "level": "unsatisfied"}
    )
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "not_rateable"
    clock.advance(minutes=11)  # past the tablet window
    late = client.post(
        "/api/v1/counters/1/rating-tablet", json={"key": tablet_key(secret, 1), "ticket_id": ticket["id"], "level": "satisfied"}
    )
    assert late.status_code == 409
    assert (
        client.get("/api/v1/counters/1/rating-tablet", query_string={"key": tablet_key(secret, 1)}).get_json()["pending"] is None
    )
    assert ratings(app) == []


def test_rating_is_pushed_to_supervisors(app, client, clerk):
    from server.adapters.realtime import socketio

    ticket = serve(client, clerk)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": clerk.csrf})
    Api(client, "giamsat")
    watcher = socketio.test_client(app, flask_test_client=client)
    assert watcher.emit("join_supervisor", {"center_id": 1}, callback=True)["ok"] is True
    watcher.get_received()
    client.post(f"/api/v1/tickets/{ticket['token']}/rating", json={"level": "satisfied"})
    names = [m["name"] for m in watcher.get_received()]
    assert "rating_received" in names


def test_tablet_and_phone_pages_render_in_vietnamese(app, client, clerk):
    ticket = serve(client, clerk)
    key = tablet_key(app.config["SECRET_KEY"], 1)
    html = client.get(f"/rate/1?key={key}").get_data(as_text=True)
    assert "Quầy số 1" in html and "Rất hài lòng" in html and ticket["number"] in html
    assert client.get("/rate/1?key=wrong").status_code == 403
    phone = client.get(f"/rate/t/{ticket['token']}").get_data(as_text=True)
    assert "Không hài lòng" in phone and "Thời gian chờ lâu" in phone


def test_a_non_ascii_tablet_key_is_refused_not_a_crash(client):
    response = client.get("/api/v1/counters/1/rating-tablet", query_string={"key": "khóa-sai-ạ"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "invalid_key"
