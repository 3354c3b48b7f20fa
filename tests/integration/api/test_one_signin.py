"""One sign-in for the console, the admin pages and the API (server/web/auth.py): a session made
by any of them is the same session for the others, and its CSRF token is checked the same way."""
from __future__ import annotations

from tests.support.demo import DEMO_PASSWORD, form_csrf, login


def test_a_console_form_sign_in_is_a_session_for_the_api(client):
    token = form_csrf(client.get("/console/login"))
    signed_in = client.post("/console/login", data={"username": "quay1", "password": DEMO_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    me = client.get("/api/v1/auth/me").get_json()
    assert me["username"] == "quay1"
    opened = client.post("/api/v1/counters/1/open", headers={"X-CSRF-Token": me["csrf_token"]})
    assert opened.status_code == 200, opened.get_json()


def test_an_api_sign_in_is_a_session_for_the_admin_pages(client):
    login(client, "admin")
    assert client.get("/admin/c/1/services").status_code == 200


def test_another_sessions_csrf_token_is_refused(app):
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "quay1")
    their_token = login(theirs, "quay2")
    refused = mine.post("/api/v1/counters/1/open", headers={"X-CSRF-Token": their_token})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"


def test_signing_out_ends_the_session_everywhere(client):
    token = login(client, "admin")
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token})
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/admin/c/1/services").status_code == 302  # back to the sign-in form


def test_a_deactivated_account_is_signed_out_at_its_next_request(app, client):
    from server.models import User

    login(client, "quay1")
    with app.extensions["motcua"].db.write() as s:
        s.query(User).filter_by(username="quay1").one().active = False
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_display_token_is_not_a_kiosk(app, client):
    from server.domain.accounts import register_device

    with app.extensions["motcua"].db.write() as s:
        _device, token = register_device(s, 1, "display", "Tivi sảnh")
    refused = client.get("/api/v1/kiosk/me", headers={"X-Device-Token": token})
    assert refused.status_code == 401 and "Kiosk này" in refused.get_json()["error"]["message_vi"]
    board = client.get("/api/v1/display/me", headers={"X-Device-Token": token})
    assert board.status_code == 200 and board.get_json()["device"]["kind"] == "display"
