"""Pairing a device like a smart TV: the device shows 6 digits, an admin types them on Devices,
the device becomes a kiosk, board, counter screen or rating tablet. Codes expire, serve once,
resist guessing and stay within the admin's own center."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.domain.errors import DomainError
from server.domain.pairing import MAX_FAILED_CLAIMS, MAX_OPEN_PER_CLIENT, PairingClaim, PairingService
from server.models import Counter, Device
from tests.support.demo import MONDAY_9AM, login, make_db


def start(client, wanted: str = "") -> dict:
    response = client.post("/api/v1/pairing", json={"wanted": wanted})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def poll(client, secret: str) -> dict:
    response = client.post("/api/v1/pairing/poll", json={"secret": secret})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def claim(client, headers, code: str, **body):
    return client.post("/api/v1/pairing/claim", json={"code": code, "center_id": 1, "kind": "display", **body}, headers=headers)


def counter_id(app, number: int, center_id: int = 1) -> int:
    with app.extensions["motcua"].db.read() as s:
        return s.scalar(select(Counter.id).where(Counter.center_id == center_id, Counter.number == number))


def test_a_device_gets_a_six_digit_code_and_its_token_only_after_the_admin_types_it(app, client, admin_headers):
    device = app.test_client()  # the TV's browser: no session, no token
    pairing = start(device, "display")
    assert len(pairing["code"]) == 6 and pairing["code"].isdigit()
    assert pairing["expires_in"] == 600 and len(pairing["secret"]) >= 40
    assert poll(device, pairing["secret"])["state"] == "waiting"

    created = claim(client, admin_headers, f"{pairing['code'][:3]} {pairing['code'][3:]}", name="TV sảnh chính")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["kind"] == "display" and created.get_json()["name"] == "TV sảnh chính"
    assert "token" not in created.get_json()  # the admin never sees the device token

    paired = poll(device, pairing["secret"])
    assert paired["state"] == "paired" and paired["page"] == "/display/board"
    assert paired["storage"]["local_storage"] == "motcua.display.deviceToken"
    me = device.get("/api/v1/display/me", headers={"X-Device-Token": paired["token"]})
    assert me.status_code == 200 and me.get_json()["device"]["name"] == "TV sảnh chính"
    assert me.get_json()["sound"] is True  # the hall's board speaks


def test_a_code_serves_once_and_the_token_is_handed_over_once(app, client, admin_headers):
    device = app.test_client()
    pairing = start(device)
    assert claim(client, admin_headers, pairing["code"], kind="kiosk").status_code == 201
    again = claim(client, admin_headers, pairing["code"], kind="kiosk")
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "pairing_code_unknown"
    first = poll(device, pairing["secret"])
    assert first["state"] == "paired" and first["page"] == "/kiosk/"
    second = poll(device, pairing["secret"])
    assert second["state"] == "used" and "token" not in second
    assert device.get("/api/v1/kiosk/me", headers={"X-Device-Token": first["token"]}).status_code == 200
    with app.extensions["motcua"].db.read() as s:
        assert len(s.scalars(select(Device).where(Device.kind == "kiosk", Device.name == "Kiosk lấy số")).all()) == 1


def test_an_expired_code_is_refused_and_the_device_is_told_to_get_a_new_one(app, client, admin_headers, clock: FixedClock):
    device = app.test_client()
    pairing = start(device)
    clock.set(MONDAY_9AM + timedelta(minutes=10, seconds=1))
    refused = claim(client, admin_headers, pairing["code"])
    assert refused.status_code == 410
    body = refused.get_json()["error"]
    assert body["code"] == "pairing_code_expired" and "hết hạn" in body["message_vi"] and "expired" in body["message_en"]
    assert poll(device, pairing["secret"])["state"] == "expired"


def test_a_wrong_code_is_refused_in_words_and_guessing_stops_after_a_few_tries(app, client, admin_headers):
    device = app.test_client()
    pairing = start(device)
    wrong = f"{(int(pairing['code']) + 1) % 1_000_000:06d}"
    refused = claim(client, admin_headers, wrong)
    assert refused.status_code == 404
    assert "6 chữ số" in refused.get_json()["error"]["message_vi"]
    assert claim(client, admin_headers, "12ab").status_code == 404
    for _ in range(MAX_FAILED_CLAIMS - 2):
        claim(client, admin_headers, wrong)
    limited = claim(client, admin_headers, pairing["code"])  # even the right code, now
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "pairing_rate_limited"
    assert poll(device, pairing["secret"])["state"] == "waiting"


def test_nobody_pairs_a_device_into_a_center_they_do_not_administer(app, client, other_center):
    device = app.test_client()
    pairing = start(device)
    # The admin of another center, into the demo center: refused.
    headers = {"X-CSRF-Token": login(client, "admin2")}
    refused = claim(client, headers, pairing["code"], center_id=1)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    # A center's supervisor, even into their own center: refused (installing devices is an admin's job).
    supervisor = app.test_client()
    headers2 = {"X-CSRF-Token": login(supervisor, "giamsat2")}
    assert claim(supervisor, headers2, pairing["code"], center_id=other_center).status_code == 403
    anonymous = app.test_client().post("/api/v1/pairing/claim", json={"code": pairing["code"], "center_id": 1, "kind": "kiosk"})
    assert anonymous.status_code == 401
    assert poll(device, pairing["secret"])["state"] == "waiting"  # the code is not spent by refusals
    # Its own admin pairs it into their center.
    assert claim(client, headers, pairing["code"], center_id=other_center, kind="kiosk").status_code == 201
    assert poll(device, pairing["secret"])["device"]["center_id"] == other_center


def test_a_counter_screen_and_a_rating_tablet_go_to_their_counter(app, client, admin_headers, other_center):
    screen, tablet = app.test_client(), app.test_client()
    p1, p2 = start(screen, "counter_screen"), start(tablet)
    missing = claim(client, admin_headers, p1["code"], kind="counter_screen")
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "counter_required"
    foreign = claim(client, admin_headers, p1["code"], kind="counter_screen", counter_id=counter_id(app, 3) + 1000)
    assert foreign.status_code == 400
    assert claim(client, admin_headers, p1["code"], kind="counter_screen", counter_id=counter_id(app, 3)).status_code == 201
    paired = poll(screen, p1["secret"])
    assert paired["page"] == "/display/counter/3" and paired["device"]["counter_number"] == 3
    assert screen.get("/api/v1/display/me", headers={"X-Device-Token": paired["token"]}).status_code == 200

    assert claim(client, admin_headers, p2["code"], kind="rating_tablet", counter_id=counter_id(app, 2)).status_code == 201
    page = poll(tablet, p2["secret"])["page"]
    assert page.startswith(f"/rate/{counter_id(app, 2)}?key=")
    assert tablet.get(page).status_code == 200


def test_a_machine_holds_only_a_few_open_codes(app):
    device = app.test_client()
    for _ in range(MAX_OPEN_PER_CLIENT):
        start(device)
    refused = device.post("/api/v1/pairing", json={})
    assert refused.status_code == 429 and refused.get_json()["error"]["message_en"]


@pytest.mark.parametrize("body", [{"secret": ""}, {"secret": "x" * 500}, {}, {"secret": "not-a-pairing"}])
def test_bad_poll_requests_get_a_clear_4xx(client, body):
    response = client.post("/api/v1/pairing/poll", json=body)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"]


@pytest.mark.parametrize(
    "body",
    [
        {"code": "123456", "center_id": 1, "kind": "printer"},
        {"code": "", "center_id": 1, "kind": "kiosk"},
        {"center_id": 1, "kind": "kiosk"},
        {"code": "123456", "center_id": "x", "kind": "kiosk"},
    ],
)
def test_bad_claims_get_a_clear_4xx(client, admin_headers, body):
    response = client.post("/api/v1/pairing/claim", json=body, headers=admin_headers)
    assert 400 <= response.status_code < 500 and response.get_json()["error"]["code"]


def test_pairing_on_postgresql_expires_serves_once_and_limits_guesses(pg_url):
    db = make_db(pg_url)
    clock = FixedClock(MONDAY_9AM)
    service = PairingService(db, clock)
    try:
        first = service.start(client="10.0.0.9")
        device = service.claim(PairingClaim(code=first["code"], center_id=1, kind="kiosk", name="Kiosk PG"), actor="user:1:admin")
        assert device.id and service.poll(first["secret"])["state"] == "paired"
        assert service.poll(first["secret"])["state"] == "used"
        with pytest.raises(DomainError) as used:
            service.claim(PairingClaim(code=first["code"], center_id=1, kind="kiosk", name="again"), actor="user:1:admin")
        assert used.value.code == "pairing_code_unknown"

        late = service.start(client="10.0.0.9")
        clock.set(MONDAY_9AM + timedelta(minutes=11))
        with pytest.raises(DomainError) as expired:
            service.claim(PairingClaim(code=late["code"], center_id=1, kind="kiosk", name="late"), actor="user:1:admin")
        assert expired.value.code == "pairing_code_expired"

        # The first refusal is outside the window by now: the expired one and these make the limit.
        for _ in range(MAX_FAILED_CLAIMS - 1):
            with pytest.raises(DomainError):
                service.claim(
                    PairingClaim(code="000000" if late["code"] != "000000" else "000001", center_id=1, kind="kiosk", name="x"),
                    actor="user:1:admin",
                )
        fresh = service.start(client="10.0.0.9")
        with pytest.raises(DomainError) as limited:
            service.claim(PairingClaim(code=fresh["code"], center_id=1, kind="kiosk", name="x"), actor="user:1:admin")
        assert limited.value.code == "pairing_rate_limited"
        # Someone else is not held back by that admin's mistakes.
        assert service.claim(PairingClaim(code=fresh["code"], center_id=1, kind="kiosk", name="y"), actor="user:2:other").id
    finally:
        db.dispose()


def test_pairing_is_audited_with_who_paired_what_and_the_code_never_the_token(app, client, admin_headers):
    from server.models.admin import AuditEntry

    device = app.test_client()
    pairing = start(device)
    claim(client, admin_headers, pairing["code"], kind="kiosk", name="Kiosk tầng 2", printer_url="tcp://192.168.1.50:9100")
    token = poll(device, pairing["secret"])["token"]
    with app.extensions["motcua"].db.read() as s:
        entries = s.query(AuditEntry).filter_by(entity="device", action="pair").all()
        assert len(entries) == 1
        entry = entries[0]
        assert entry.actor.endswith(":admin") and entry.center_id == 1
        assert "Kiosk tầng 2" in entry.summary and pairing["code"] in entry.summary
        everything = f"{entry.summary} {entry.after} {entry.before}"
        assert token not in everything and pairing["secret"] not in everything
