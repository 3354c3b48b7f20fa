"""One clerk per counter, through the API as through the console: a second clerk can
neither call numbers at a counter someone else holds nor silently take it over; a
supervisor may step in on purpose."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import Counter, User
from tests.support.demo import login


def clerk(app, username: str):
    """A logged-in test client of its own, with the CSRF header it must send."""
    client = app.test_client()
    headers = {"X-CSRF-Token": login(client, username)}
    return client, headers


def holder(app, number: int) -> str | None:
    with app.extensions["motcua"].db.read() as s:
        counter = s.execute(select(Counter).where(Counter.number == number)).scalar_one()
        user = s.get(User, counter.clerk_id) if counter.clerk_id else None
        return user.username if user else None


@pytest.fixture
def waiting(client):
    for _ in range(3):
        assert client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).status_code == 201


def test_a_clerk_cannot_call_at_a_counter_another_clerk_holds(app, waiting):
    first, h1 = clerk(app, "quay1")
    second, h2 = clerk(app, "quay2")
    assert first.post("/api/v1/counters/1/open", headers=h1).status_code == 200
    assert holder(app, 1) == "quay1"

    for action in ("call-next", "recall", "finish", "no-show", "close"):
        refused = second.post(f"/api/v1/counters/1/{action}", headers=h2)
        assert refused.status_code == 409, action
        body = refused.get_json()["error"]
        assert body["code"] == "counter_taken"
        assert "Mỗi quầy chỉ một cán bộ" in body["message_vi"] and "One clerk per counter" in body["message_en"]
    refused = second.post("/api/v1/counters/1/dossiers", headers=h2, json={"procedure_code": "TPHT-KH", "applicant_name": "A"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "counter_taken"

    # The holder keeps working: nothing of the above touched the queue.
    called = first.post("/api/v1/counters/1/call-next", headers=h1).get_json()
    assert called["ticket"]["number"] == "1001"


def test_opening_a_held_counter_is_refused_and_does_not_throw_the_holder_out(app):
    first, h1 = clerk(app, "quay1")
    second, h2 = clerk(app, "quay2")
    first.post("/api/v1/counters/1/open", headers=h1)
    refused = second.post("/api/v1/counters/1/open", headers=h2)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "counter_taken"
    assert holder(app, 1) == "quay1"


def test_a_clerk_opening_another_counter_leaves_the_first(app):
    first, h1 = clerk(app, "quay1")
    first.post("/api/v1/counters/1/open", headers=h1)
    assert first.post("/api/v1/counters/2/open", headers=h1).status_code == 200
    assert (holder(app, 1), holder(app, 2)) == (None, "quay1")


def test_a_supervisor_takes_a_counter_over_and_the_clerk_is_then_refused(app, waiting):
    first, h1 = clerk(app, "quay1")
    boss, hb = clerk(app, "giamsat")
    first.post("/api/v1/counters/1/open", headers=h1)
    assert boss.post("/api/v1/counters/1/open", headers=hb).status_code == 200
    assert holder(app, 1) == "giamsat"
    assert first.post("/api/v1/counters/1/call-next", headers=h1).status_code == 409


def test_a_counter_nobody_holds_can_be_worked_by_any_clerk_of_the_center(app, waiting):
    assert holder(app, 1) is None
    second, h2 = clerk(app, "quay2")
    answer = second.post("/api/v1/counters/1/call-next", headers=h2)
    assert answer.status_code == 200 and answer.get_json()["ticket"]["number"] == "1001"
