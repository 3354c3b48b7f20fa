"""Leaving a counter over HTTP: the console's leave and logout, the API's close for a clerk and
for a supervisor, taking a counter out of use, a session that ends, and what the kiosk and the
estimates make of a floor where nobody sits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.domain.accounts import register_device
from server.models import Counter, TicketEvent
from tests.support.console import console_login, form_csrf, sit_at
from tests.support.demo import login
from tests.support.statements import recorded_statements

pytestmark = pytest.mark.usefixtures("procedures")


def counter_row(app, cid: int) -> Counter:
    with app.extensions["motcua"].db.read() as s:
        return s.get(Counter, cid)


def close_all_counters(app) -> None:
    """The floor as the demo leaves it: every counter closed, nobody at any."""
    queue = app.extensions["motcua"].queue
    for cid in range(1, 8):
        queue.set_counter_open(cid, False)


def called_at(app, counter: int = 1) -> dict:
    """A citizen of Tư pháp takes a ticket and is called to ``counter``."""
    queue = app.extensions["motcua"].queue
    ticket = queue.issue_ticket(1, 1)
    assert queue.call_next(counter).ticket["number"] == ticket["number"]
    return ticket


def state_of(app, ticket: dict) -> dict:
    return app.extensions["motcua"].queue.ticket_by_token(ticket["token"])


def actions_of(app, ticket: dict) -> list[str]:
    with app.extensions["motcua"].db.read() as s:
        return [
            e.action for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket["id"]).order_by(TicketEvent.id))
        ]


# ------------------------------------------------------------------ the API's close
def test_a_clerk_closing_with_a_called_ticket_gets_409_naming_the_choices(app, client):
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/open", headers={"X-CSRF-Token": csrf})
    ticket = called_at(app)
    response = client.post("/api/v1/counters/1/close", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "counter_has_ticket"
    assert "Kết thúc" in error["message_vi"] and "Đưa về đầu hàng chờ" in error["message_vi"] and "Chuyển" in error["message_vi"]
    assert "finish" in error["message_en"] and "head of the queue" in error["message_en"] and "transfer" in error["message_en"]
    assert error["details"]["choices"] == ["finish", "requeue", "transfer"] and error["details"]["ticket"] == ticket["number"]
    assert counter_row(app, 1).is_open and state_of(app, ticket)["state"] == "called"


@pytest.mark.parametrize(
    "body, state, service",
    [
        ({"then": "finish"}, "done", "TPHT"),
        ({"then": "requeue"}, "waiting", "TPHT"),
        ({"then": "transfer", "service_id": 2}, "waiting", "DD"),
    ],
)
def test_a_clerk_leaves_with_each_choice(app, client, body, state, service):
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/open", headers={"X-CSRF-Token": csrf})
    ticket = called_at(app)
    response = client.post("/api/v1/counters/1/close", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["is_open"] is False and answer["settled"]["state"] == state
    after = state_of(app, ticket)
    assert after["state"] == state and after["service"]["code"] == service
    if state == "waiting":
        assert after["counter"] is None  # the phone page no longer says "mời đến quầy số 1"
    assert "no_show" not in actions_of(app, ticket)
    assert counter_row(app, 1).clerk_id is None


@pytest.mark.parametrize("body", [{"then": "vanish"}, {"then": "transfer"}, {"then": "transfer", "service_id": 99999}])
def test_a_bad_choice_is_a_clear_4xx_and_changes_nothing(app, client, body):
    csrf = login(client, "quay1")
    client.post("/api/v1/counters/1/open", headers={"X-CSRF-Token": csrf})
    ticket = called_at(app)
    response = client.post("/api/v1/counters/1/close", json=body, headers={"X-CSRF-Token": csrf})
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["code"] and error["message_vi"] and error["message_en"]
    assert counter_row(app, 1).is_open and state_of(app, ticket)["state"] == "called"


def test_a_supervisor_closing_a_clerks_counter_follows_the_same_rule(app, client):
    clerk = app.test_client()
    console_login(clerk, "quay1")
    sit_at(clerk, 1)
    ticket = called_at(app)
    csrf = login(client, "giamsat")
    refused = client.post("/api/v1/counters/1/close", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "counter_has_ticket"
    done = client.post("/api/v1/counters/1/close", json={"then": "requeue"}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200
    assert state_of(app, ticket)["state"] == "waiting" and state_of(app, ticket)["people_ahead"] == 0
    assert not counter_row(app, 1).is_open
    assert clerk.get("/console/").headers["Location"].endswith("/console/counter")  # the clerk's console knows


def test_taking_a_counter_out_of_use_with_a_called_ticket_is_refused(app, client):
    called_at(app)
    csrf = login(client, "admin")
    response = client.patch("/api/v1/admin/counters/1", json={"active": False}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "counter_has_ticket"
    assert counter_row(app, 1).active and counter_row(app, 1).is_open


def test_calling_at_a_closed_counter_is_a_409_not_a_silent_reopening(app, client):
    close_all_counters(app)
    app.extensions["motcua"].queue.issue_ticket(1, 1)
    csrf = login(client, "quay1")
    response = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "counter_closed"
    assert not counter_row(app, 1).is_open


# ------------------------------------------------------------------ the console's forms
def test_the_console_leave_form_refuses_to_strand_a_called_ticket(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    ticket = called_at(app)
    refused = client.post("/console/leave", data={"csrf_token": form_csrf(client, "/console/counter")})
    assert refused.status_code == 409 and "Đưa về đầu hàng chờ" in refused.get_data(as_text=True)
    assert counter_row(app, 1).is_open and state_of(app, ticket)["state"] == "called"
    left = client.post("/console/leave", data={"csrf_token": form_csrf(client, "/console/counter"), "then": "finish"})
    assert left.status_code == 302 and state_of(app, ticket)["state"] == "done" and not counter_row(app, 1).is_open


def test_logging_out_with_a_called_ticket_puts_it_back_at_the_head(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    ticket = called_at(app)
    client.post("/console/logout", data={"csrf_token": form_csrf(client, "/console/counter")})
    assert state_of(app, ticket)["state"] == "waiting" and "requeue" in actions_of(app, ticket)
    assert not counter_row(app, 1).is_open


# ------------------------------------------------------------------ a session that ends
def test_a_clerk_gone_for_a_whole_session_loses_the_counter_at_the_next_request(app, client, clock):
    close_all_counters(app)
    console_login(client, "quay1")
    sit_at(client, 1)
    ticket = called_at(app)
    clock.advance(hours=7, minutes=58)
    assert client.get("/console/").status_code == 200  # still at work: the hold is refreshed
    clock.advance(hours=7, minutes=58)
    app.test_client().get("/api/v1/centers")  # anybody's request (a kiosk, a board) runs the pass
    assert counter_row(app, 1).is_open and counter_row(app, 1).clerk_id is not None
    clock.advance(minutes=5)  # 8 h since quay1's last request: their session is over
    app.test_client().get("/api/v1/centers")
    assert not counter_row(app, 1).is_open and counter_row(app, 1).clerk_id is None
    after = state_of(app, ticket)
    assert after["state"] == "waiting" and after["counter"] is None and "no_show" not in actions_of(app, ticket)



def test_signing_in_again_refreshes_the_holds_and_the_first_call_writes_no_presence(app, client, clock):
    """A clerk whose cookie was lost signs in again hours later: the sign-in is their first request,
    so their counter's hold is refreshed there, and the call they make next writes nothing for it."""
    close_all_counters(app)
    console_login(client, "quay1")
    sit_at(client, 1)
    clock.advance(hours=6)
    other = app.test_client()
    csrf = login(other, "quay1")
    assert counter_row(app, 1).clerk_seen_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)
    app.extensions["motcua"].queue.issue_ticket(1, 1)
    with recorded_statements(app.extensions["motcua"].db.engine) as executed:
        assert other.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    writes = [sql for sql, _ in executed if sql.lstrip().upper().startswith("UPDATE") and "clerk_seen_at" in sql]
    assert writes == []

# ------------------------------------------------------------------ nobody at any counter
@pytest.fixture
def fresh_demo(tmp_path, bare_sqlite_url, clock):
    """The app over the demo center as ``make run`` leaves it: nobody has sat down at any counter."""
    from server.app import create_app
    from server.demo_procedures import seed_demo_procedures
    from tests.support.settings import make_settings

    application = create_app(
        make_settings(database_url=bare_sqlite_url, instance_path=tmp_path, secret_key="test-secret"), clock=clock
    )
    with application.extensions["motcua"].db.write() as s:
        seed_demo_procedures(s, 1)
    yield application
    application.extensions["motcua"].db.dispose()


def test_on_a_fresh_demo_the_kiosk_issues_nothing_until_a_clerk_sits_down(fresh_demo):
    app, client = fresh_demo, fresh_demo.test_client()
    with app.extensions["motcua"].db.write() as s:
        _device, token = register_device(s, 1, "kiosk", "Kiosk sảnh")
    listed = client.get("/api/v1/kiosk/services", headers={"X-Device-Token": token}).get_json()["services"]
    assert all(s["available"] is False and s["reason_code"] == "no_open_counter" and s["open_counters"] == 0 for s in listed)
    refused = client.post("/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": token})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "no_open_counter"

    clerk = app.test_client()
    console_login(clerk, "quay1")
    sit_at(clerk, 1)  # a clerk sits at counter 1 (Tư pháp): that field opens, the others stay closed
    listed = {
        s["code"]: s for s in client.get("/api/v1/kiosk/services", headers={"X-Device-Token": token}).get_json()["services"]
    }
    assert listed["TPHT"]["available"] is True and listed["TPHT"]["open_counters"] == 1 and listed["DD"]["available"] is False
    issued = client.post("/api/v1/kiosk/tickets", json={"service_id": 1}, headers={"X-Device-Token": token})
    assert issued.status_code == 201 and issued.get_json()["ticket"]["open_counters"] == 1


def test_the_dashboard_counts_only_counters_with_someone_at_them(fresh_demo):
    app, client = fresh_demo, fresh_demo.test_client()
    assert login(client, "giamsat") and client.get("/api/v1/reports/live?center_id=1").get_json()["counters_open"] == 0
    clerk = app.test_client()
    console_login(clerk, "quay1")
    sit_at(clerk, 1)
    live = client.get("/api/v1/reports/live?center_id=1").get_json()
    assert live["counters_open"] == 1


def test_the_consoles_waiting_list_shows_a_requeued_ticket_first(app, client):
    queue = app.extensions["motcua"].queue
    ticket = called_at(app, 1)
    queue.issue_ticket(1, 1, priority="elderly")
    queue.issue_ticket(1, 1)
    queue.set_counter_open(1, False, then="requeue")
    csrf = login(client, "quay2")
    client.post("/api/v1/counters/2/open", headers={"X-CSRF-Token": csrf})
    waiting = [t["number"] for t in client.get("/api/v1/counters/2/waiting").get_json()["tickets"]]
    assert waiting[0] == ticket["number"] and len(waiting) == 3  # the order call-next takes them in
    assert (
        client.post("/api/v1/counters/2/call-next", headers={"X-CSRF-Token": csrf}).get_json()["ticket"]["number"] == waiting[0]
    )
