"""A registered device's setup link opens that device's own page (a board's is the board, not
the kiosk) on an address the device can reach (the LAN address, not ``localhost``)."""
from __future__ import annotations

import pytest

from server.adapters.printing import _lan_address


def register(client, headers, **body):
    response = client.post("/api/v1/devices", json={"center_id": 1, "name": "Thiết bị", **body}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("kind, config, page", [
    ("kiosk", {}, "/kiosk/?device="),
    ("display", {}, "/display/board?device="),
    ("counter_screen", {"counter_number": 3}, "/display/counter/3?device="),
])
def test_each_kind_gets_a_link_to_its_own_page(client, admin_headers, kind, config, page):
    body = register(client, admin_headers, kind=kind, config=config)
    assert body["setup_url"].endswith(page + body["token"])


def test_a_display_link_makes_the_browser_a_board_not_a_kiosk(client, admin_headers):
    body = register(client, admin_headers, kind="display")
    path = "/" + body["setup_url"].split("://", 1)[1].split("/", 1)[1]
    page = client.get(path).get_data(as_text=True)
    assert '"mode": "board"' in page and "Kiosk này chưa được đăng ký" not in page and "Cài đặt kiosk" not in page


def test_a_bare_printer_has_no_page_to_open(client, admin_headers):
    assert register(client, admin_headers, kind="printer", printer_url="tcp://192.168.1.50:9100")["setup_url"] is None


def test_links_use_the_lan_address_when_the_admin_browses_on_the_server_itself(client, admin_headers):
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no LAN address")
    body = register(client, admin_headers, kind="display")  # the test client talks to "localhost"
    assert body["setup_url"].startswith(f"http://{lan}/display/board?device=")
    rotated = client.post(f"/api/v1/devices/{body['device']['id']}/token", headers=admin_headers).get_json()
    assert rotated["setup_url"].startswith(f"http://{lan}/display/board?device=")


def test_rating_tablet_links_use_the_lan_address_too(client, admin_headers):
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no LAN address")
    links = client.get("/api/v1/admin/centers/1/rating-links").get_json()
    assert links and all(link["url"].startswith(f"http://{lan}/rate/") for link in links)
    page = client.get("/admin/c/1/counters").get_data(as_text=True)
    assert f"http://{lan}/rate/" in page and "http://localhost/rate/" not in page
