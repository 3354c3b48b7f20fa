"""A clerk's counter action (call-next, finish, recall…) reads who is signed in and the counter in
one read unit, then makes its one write: every transaction a call opens is time before the boards
hear it (issue 17). The user is still checked as at every other request."""
from __future__ import annotations

from server.models import User
from tests.support.demo import login
from tests.support.statements import recorded_statements


def _issue_justice_ticket(client) -> None:
    services = {s["code"]: s for s in client.get("/api/v1/centers/1/services").get_json()}
    issued = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": services["TPHT"]["id"]})
    assert issued.status_code == 201, issued.get_json()


def _begins(executed) -> list[str]:
    return [sql.split()[1] for sql, _params in executed if sql.startswith("BEGIN")]


def test_a_call_next_opens_one_read_then_its_write(app, client):
    _issue_justice_ticket(client)  # as the kiosk does, before the clerk signs in on this client
    token = login(client, "quay1")
    with recorded_statements(app.extensions["motcua"].db.engine) as executed:
        called = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": token})
    assert called.status_code == 200 and called.get_json()["ticket"] is not None, called.get_json()
    assert _begins(executed)[:2] == ["DEFERRED", "IMMEDIATE"], executed


def test_a_clerk_deactivated_meanwhile_cannot_call_the_next_number(app, client):
    _issue_justice_ticket(client)  # as the kiosk does, before the clerk signs in on this client
    token = login(client, "quay1")
    with app.extensions["motcua"].db.write() as s:
        s.query(User).filter_by(username="quay1").one().active = False
    refused = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": token})
    assert refused.status_code == 401, refused.get_json()
    assert refused.get_json()["error"]["code"] == "unauthorized"
