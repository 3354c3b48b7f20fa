"""The console's floor actions over the JSON API: call a chosen ticket, park and recall, pause and
resume. Bad input is a 4xx JSON error with a stable code and both languages, never a 500."""
from __future__ import annotations

import re

import pytest

from tests.support.demo import login


def issue(client, headers, service_id: int = 1) -> dict:
    response = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def test_a_clerk_calls_a_chosen_ticket_parks_it_and_recalls_it_from_the_parked_list(seated_clerk):
    client, headers = seated_clerk
    issue(client, headers)
    chosen = issue(client, headers)
    called = client.post("/api/v1/counters/1/call-chosen", json={"ticket_id": chosen["id"], "reason": "elderly"}, headers=headers)
    assert called.status_code == 200 and called.get_json()["ticket"]["number"] == chosen["number"]
    parked = client.post("/api/v1/counters/1/park", json={"reason": "Thiếu bản sao sổ hộ khẩu"}, headers=headers)
    assert parked.status_code == 200 and parked.get_json()["ticket"]["state"] == "parked"
    listed = client.get("/api/v1/counters/1/parked").get_json()["tickets"]
    assert [t["number"] for t in listed] == [chosen["number"]] and listed[0]["here"] is True
    phone = client.get(f"/api/v1/tickets/{chosen['token']}").get_json()
    assert phone["state"] == "parked" and phone["parked_at"] and phone["counter"]["number"] == 1
    back = client.post(f"/api/v1/counters/1/parked/{chosen['id']}/recall", headers=headers)
    assert back.status_code == 200 and back.get_json()["ticket"]["state"] == "called"
    assert client.get("/api/v1/counters/1/parked").get_json()["tickets"] == []


def test_the_phone_page_of_a_parked_ticket_says_which_counter_to_come_back_to(seated_clerk):
    client, headers = seated_clerk
    ticket, other = issue(client, headers), issue(client, headers)
    client.post("/api/v1/counters/1/call-next", headers=headers)
    assert client.post("/api/v1/counters/1/park", json={}, headers=headers).status_code == 200
    page = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert "Đang chờ bổ sung giấy tờ — vui lòng quay lại quầy số 1 khi đã có đủ" in page
    assert "hidden" not in re.search(r'<section id="parked"[^>]*>', page).group(0)
    waiting = client.get(f"/t/{other['token']}").get_data(as_text=True)
    assert "hidden" in re.search(r'<section id="parked"[^>]*>', waiting).group(0)


def test_pause_and_resume_over_the_api_show_on_the_counter(seated_clerk):
    client, headers = seated_clerk
    paused = client.post("/api/v1/counters/1/pause", json={"reason": "meeting"}, headers=headers)
    assert paused.status_code == 200
    assert paused.get_json()["paused"] is True and paused.get_json()["pause_reason"] == "Họp"
    refused = client.post("/api/v1/counters/1/call-next", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "counter_paused"
    assert client.get("/api/v1/counters/1").get_json()["paused"] is True
    resumed = client.post("/api/v1/counters/1/resume", headers=headers)
    assert resumed.status_code == 200 and resumed.get_json()["paused"] is False


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("call-chosen", {}, 400, None),
    ("call-chosen", {"ticket_id": "1", "reason": "quick"}, 400, None),
    ("call-chosen", {"ticket_id": 1.5, "reason": "quick"}, 400, None),
    ("call-chosen", {"ticket_id": 1, "reason": "x" * 41}, 400, None),
    ("call-chosen", {"ticket_id": 1, "reason": "because"}, 400, "invalid_reason"),
    ("call-chosen", {"ticket_id": 1, "reason": "other"}, 400, "reason_required"),
    ("call-chosen", {"ticket_id": 999999, "reason": "quick"}, 404, "unknown_ticket"),
    ("call-chosen", {"ticket_id": 2**40, "reason": "quick"}, 400, None),
    ("park", {"reason": 5}, 400, None),
    ("park", {"reason": "x" * 500}, 400, "reason_too_long"),
    ("park", {}, 409, "no_current_ticket"),
    ("pause", {}, 400, None),
    ("pause", {"reason": "lunch"}, 400, "invalid_reason"),
    ("pause", {"reason": "other", "note": "x" * 41}, 400, "reason_too_long"),
    ("resume", {}, 409, "counter_not_paused"),
    ("parked/999999/recall", {}, 404, "unknown_ticket"),
    ("parked/999999/cancel", {"reason": "đi về"}, 404, "unknown_ticket"),
    ("parked/1/cancel", {}, 400, None),
])
def test_bad_input_to_the_floor_actions_is_a_json_4xx_never_a_500(seated_clerk, path, body, status, code):
    client, headers = seated_clerk
    response = client.post(f"/api/v1/counters/1/{path}", json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["message_vi"] and error["message_en"]
    if code:
        assert error["code"] == code


def test_a_ticket_not_waiting_here_is_refused_with_409(seated_clerk):
    client, headers = seated_clerk
    land = issue(client, headers, service_id=2)
    response = client.post("/api/v1/counters/1/call-chosen", json={"ticket_id": land["id"], "reason": "quick"}, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_in_waiting_list"


def test_floor_actions_need_a_signed_in_clerk_and_the_csrf_token(app, seated_clerk):
    client, _headers = seated_clerk
    assert client.post("/api/v1/counters/1/pause", json={"reason": "break"}).status_code in (400, 403)
    anonymous = app.test_client()
    assert anonymous.post("/api/v1/counters/1/pause", json={"reason": "break"}).status_code == 401
    assert anonymous.get("/api/v1/counters/1/parked").status_code == 401
    other = app.test_client()
    other_headers = {"X-CSRF-Token": login(other, "quay2")}
    taken = other.post("/api/v1/counters/1/pause", json={"reason": "break"}, headers=other_headers)
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "counter_taken"
