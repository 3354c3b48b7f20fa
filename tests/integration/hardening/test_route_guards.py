"""Every route the app serves, walked: only the public ones answer an anonymous visitor.

The per-area security tests name the endpoints they check; this walk catches the one a
future change adds without a guard. A route not on PUBLIC must not answer an anonymous
request with a success (2xx): it sends to the login page, refuses (401/403), or rejects the
request before reaching any data (400/404/405)."""

from __future__ import annotations

import re

import pytest

# Endpoints a citizen, kiosk, board or phone reaches without logging in, and why.
PUBLIC = {
    "index": "the start page with links",
    "admin.login": "the login form",
    "console.login": "the login form",
    "api.login": "logging in",
    "api.logout": "logging out is harmless",
    "api.list_centers": "kiosk and board setup pick a center",
    "api.list_services": "the kiosk's choices",
    "api.list_counters": "board and kiosk show counters",
    "api.list_procedures": "the procedure catalogue is public",
    "api.queue_snapshot": "waiting counts, token-free",
    "api.results_ready": "codes only, no names",
    "api.demo_board": "a read-only board's settings",
    "api.rating_choices": "the rating labels",
    "api.issue_ticket": "a kiosk issuing (rate-limited)",
    "api.kiosk_issue": "a registered kiosk issuing",
    "api.ticket_status": "the ticket's phone page, by unguessable token",
    "api.dossier_status": "status by receipt code, no personal data",
    "openapi.docs": "API documentation",
    "openapi.spec": "API documentation",
    "openapi.swagger_ui_oauth_redirect": "API documentation",
    "display.display_index": "setup page of a display",
    "display.board_page": "page shell; data needs a device token",
    "display.counter_page": "page shell; data needs a device token",
    "kiosk.kiosk_page": "page shell; an unregistered browser gets the setup page",
    "kiosk.phone_page": "the ticket's phone page",
    "kiosk.ticket_qr_png": "the ticket's QR",
    "kiosk.ticket_png": "ticket preview",
    "rate.phone": "rating from the phone page, by ticket token",
    "static": "assets",
    "admin.static": "assets",
    "console.static": "assets",
    "display.static": "assets",
    "kiosk.static": "assets",
    "vendor.asset": "npm assets served offline",
    "api.announcement": "the call's sentence, by event id (no names)",
    "api.announcement_wav": "the call's audio",
    "pairing.pair_page": "a new device's pairing screen",
    "pairing.static": "assets",
    "api.start_pairing": "a new device asks for a code; grants nothing until an admin claims it (5 open codes per machine)",
    "api.poll_pairing": "the device's own pairing, by its unguessable secret",
    "api.booking_offer": "a center's bookable fields and rules (rate-limited)",
    "booking.centers_page": "the centers taking bookings (names and addresses only)",
    "booking.booking_page": "a center's booking page: its fields and rules",
    "booking.manage_page": "the booking's own page, by unguessable token (no ID number, contact masked)",
    "booking.qr_png": "the booking's QR, by unguessable token (the booking code only)",
    "booking.static": "assets",
}


def _url(rule: str, token: str) -> str:
    path = re.sub(r"<int:[^>]+>", "1", rule)
    return re.sub(r"<(?:string:|path:)?[^>]+>", token, path)


def test_the_public_list_names_only_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC) <= endpoints, sorted(set(PUBLIC) - endpoints)


def test_no_route_off_the_public_list_answers_an_anonymous_visitor(app, client):
    # A real ticket token, so token-keyed routes are reached with something that exists.
    token = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": 1}).get_json()["token"]
    served = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            anonymous = app.test_client()
            response = anonymous.open(_url(rule.rule, token), method=method, json=None if method == "GET" else {})
            if response.status_code < 300:
                served.append(f"{method} {rule.rule} → {response.status_code}")
            elif response.status_code in (301, 302, 303):
                assert "/login" in response.headers["Location"], (
                    f"{method} {rule.rule} redirects to {response.headers['Location']}"
                )
    assert served == [], "answered an anonymous visitor:\n" + "\n".join(served)


@pytest.mark.parametrize("path", ["/api/v1/reports/live?center_id=1", "/api/v1/counters/1", "/api/v1/admin/audit"])
def test_staff_reads_need_a_login(client, path):
    assert client.get(path).status_code in (401, 403)
