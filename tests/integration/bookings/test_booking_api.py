"""The booking API: the citizen's public endpoints (no login, rate-limited) and the province
portal's (an API token with the scope "bookings" of the center). Demo clock: Monday 23/11/2026 09:00."""
from __future__ import annotations

from sqlalchemy import select

from server.domain.accounts import create_api_token
from server.models import Booking, Center, Service
from tests.support.demo import update

ID_NUMBER = "001203004005"
NINE = "2026-11-25T09:00:00+07:00"
TEN = "2026-11-25T10:00:00+07:00"


def token_for(db, center_id, scopes=("bookings",)) -> dict[str, str]:
    with db.write() as s:
        return {"Authorization": f"Bearer {create_api_token(s, 'Cổng dịch vụ công tỉnh', center_id=center_id, scopes=scopes)}"}


def test_a_citizen_books_views_moves_and_cancels_without_logging_in(client, bookings, ids):
    offer = client.get(f"/api/v1/public/centers/{ids['center']}/booking").get_json()
    assert offer["enabled"] and ids["justice"] in [s["id"] for s in offer["services"]] and offer["require_contact"]
    slots = client.get(f"/api/v1/public/centers/{ids['center']}/booking-slots?service_id={ids['justice']}&from=2026-11-25&days=1")
    assert slots.status_code == 200 and slots.get_json()["days"][0]["slots"][4]["starts_at"] == NINE
    made = client.post(f"/api/v1/public/centers/{ids['center']}/bookings",
                       json={"service_id": ids["justice"], "starts_at": NINE, "id_number": ID_NUMBER, "phone": "0912345689"})
    assert made.status_code == 201, made.get_json()
    token = made.get_json()["token"]
    assert ID_NUMBER not in made.get_data(as_text=True) and made.get_json()["contact"]["phone"] == "09******89"
    assert client.get(f"/api/v1/public/bookings/{token}").get_json()["code"] == made.get_json()["code"]
    moved = client.post(f"/api/v1/public/bookings/{token}/move", json={"starts_at": TEN})
    assert moved.status_code == 200 and moved.get_json()["start"] == "10:00"
    cancelled = client.post(f"/api/v1/public/bookings/{token}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert client.get("/api/v1/public/bookings/no-such-booking-token").status_code == 404


def test_refusals_are_bilingual_json_and_bad_input_is_a_400(client, bookings, ids):
    url = f"/api/v1/public/centers/{ids['center']}/bookings"
    full = client.post(url, json={"service_id": ids["justice"], "starts_at": NINE})
    assert full.status_code == 400 and full.get_json()["error"]["code"] == "contact_required"
    assert full.get_json()["error"]["message_vi"] and full.get_json()["error"]["message_en"]
    for body in ({"service_id": "1", "starts_at": NINE}, {"service_id": ids["justice"], "starts_at": "thứ hai"},
                 {"service_id": ids["justice"]}, {"service_id": ids["justice"], "starts_at": NINE, "id_number": "9" * 100},
                 {"service_id": ids["justice"], "starts_at": "0001-01-01T00:00:00+14:00", "phone": "0912345678"}):
        response = client.post(url, json=body)
        assert response.status_code in (400, 409) and "error" in response.get_json(), body
    bad_query = client.get(f"/api/v1/public/centers/{ids['center']}/booking-slots?service_id=1.5")
    assert bad_query.status_code == 400
    far = client.get(f"/api/v1/public/centers/{ids['center']}/booking-slots?service_id={ids['justice']}&from=9999-12-31")
    assert far.status_code == 200 and far.get_json()["days"] == []


def test_one_client_makes_at_most_20_booking_attempts_an_hour(client, bookings, ids):
    url = f"/api/v1/public/centers/{ids['center']}/bookings"
    body = {"service_id": ids["justice"], "starts_at": "2026-11-25T09:10:00+07:00", "phone": "0912345678"}
    statuses = [client.post(url, json=body).status_code for _ in range(21)]
    assert statuses[:20] == [409] * 20  # not a slot, but each attempt counts
    assert statuses[20] == 429


def test_the_province_portal_books_reads_moves_and_cancels_with_a_scoped_token(client, bookings, ids, db):
    headers = token_for(db, ids["center"])
    base = f"/api/v1/centers/{ids['center']}"
    made = client.post(f"{base}/bookings", headers=headers,
                       json={"service_id": ids["justice"], "starts_at": NINE, "phone": "0912345678", "external_ref": "DVC-77"})
    assert made.status_code == 201, made.get_json()
    code = made.get_json()["code_display"]
    with db.read() as s:
        row = s.scalar(select(Booking))
        assert (row.source, row.external_ref) == ("portal", "DVC-77")
    assert client.get(f"{base}/bookings/{code}", headers=headers).get_json()["start"] == "09:00"
    assert client.post(f"{base}/bookings/{code}/move", headers=headers, json={"starts_at": TEN}).get_json()["start"] == "10:00"
    assert client.post(f"{base}/bookings/{code}/cancel", headers=headers).get_json()["state"] == "cancelled"
    slots = client.get(f"{base}/booking-slots?service_id={ids['justice']}&days=1", headers=headers)
    assert slots.status_code == 200 and slots.get_json()["days"][0]["date"] == "2026-11-23"


def test_the_portal_api_refuses_a_token_without_the_scope_another_centers_token_and_strangers(client, bookings, ids, db):
    with db.write() as s:
        other = Center(code="OTHER", name="Trung tâm khác")
        s.add(other)
        s.flush()
        other_id = other.id
    url = f"/api/v1/centers/{ids['center']}/bookings"
    body = {"service_id": ids["justice"], "starts_at": NINE, "phone": "0912345678"}
    assert client.post(url, json=body).status_code == 401
    no_scope = client.post(url, json=body, headers=token_for(db, ids["center"], scopes=("queue",)))
    assert no_scope.status_code == 403 and no_scope.get_json()["error"]["code"] == "forbidden"
    assert client.post(url, json=body, headers=token_for(db, other_id)).status_code == 403
    with db.read() as s:
        assert s.scalar(select(Booking)) is None


def test_a_walk_in_ticket_past_the_daily_cap_is_a_polite_bilingual_409(client, ids, db):
    update(db, Service, ids["justice"], daily_cap=1)
    assert client.post("/api/v1/tickets", json={"center_id": ids["center"], "service_id": ids["justice"]}).status_code == 201
    refused = client.post("/api/v1/tickets", json={"center_id": ids["center"], "service_id": ids["justice"]})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "daily_cap_reached" and "Ông/Bà" in error["message_vi"] and error["message_en"]
