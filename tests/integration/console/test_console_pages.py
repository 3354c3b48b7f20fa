"""Console pages without a browser: login with CSRF, sessions that expire, one clerk per counter,
the dossier pages behind login."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.models import Counter
from tests.support.console import console_login, form_csrf, sit_at

pytestmark = pytest.mark.usefixtures("procedures")


def counter_row(app, counter_id: int) -> Counter:
    with app.extensions["motcua"].db.read() as s:
        return s.get(Counter, counter_id)


@pytest.mark.parametrize(
    "path", ["/console/", "/console/counter", "/console/dossiers", "/console/dossiers/000.00.12.H26-261123-0001"]
)
def test_console_pages_send_anonymous_visitors_to_the_login_form(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_login_form_carries_a_csrf_token_and_refuses_a_post_without_it(client):
    page = client.get("/console/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Đăng nhập" in page
    response = client.post("/console/login", data={"username": "quay1", "password": "matkhau-demo-123"})
    assert response.status_code == 400 and "hết hạn" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # still not logged in


def test_wrong_password_is_refused_with_a_clear_message(client):
    response = console_login(client, "quay1", "sai-mat-khau")
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_login_starts_a_session_that_expires_after_a_working_day(app, client):
    response = console_login(client, "quay1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    assert app.permanent_session_lifetime == timedelta(hours=8)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_session_cookie_is_sent_again_when_the_presence_note_changes_it_not_with_every_answer(client, clock):
    """Signing the cookie again for every request cost each clerk action 0.16 ms; the session still
    slides: while the clerk works, the presence note changes it every few minutes, and its 8 h restart."""
    console_login(client, "quay1")
    assert "Set-Cookie" not in client.get("/api/v1/auth/me").headers
    clock.advance(minutes=5)
    refreshed = client.get("/api/v1/auth/me").headers.get("Set-Cookie", "")
    assert "session=" in refreshed and "Expires=" in refreshed
    assert "Set-Cookie" not in client.get("/api/v1/auth/me").headers


def test_a_logged_in_clerk_first_chooses_a_counter(client):
    console_login(client, "quay1")
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/counter")
    page = client.get("/console/counter").get_data(as_text=True)
    assert "Chọn quầy làm việc" in page and "Quầy 7" in page


def test_one_clerk_per_counter(app, client):
    console_login(client, "quay1")
    assert sit_at(client, 1).status_code == 302
    assert counter_row(app, 1).clerk_id is not None and counter_row(app, 1).is_open
    other = app.test_client()
    console_login(other, "quay2")
    refused = sit_at(other, 1)
    assert refused.status_code == 409
    assert "Quầy 1 đang có cán bộ «Cán bộ quầy 1» làm việc" in refused.get_data(as_text=True)
    assert other.get("/console/").status_code == 302  # no console without a counter
    page = client.get("/console/").get_data(as_text=True)
    assert "Quầy 1" in page and "/vendor/socket.io/socket.io.min.js" in page and "cdn" not in page.lower()


def test_a_supervisor_may_take_over_a_held_counter_and_the_clerk_loses_it(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    supervisor = app.test_client()
    console_login(supervisor, "giamsat")
    assert sit_at(supervisor, 1).status_code == 409
    assert sit_at(supervisor, 1, force=True).status_code == 302
    assert client.get("/console/").headers["Location"].endswith("/console/counter")


def test_a_clerk_may_not_force(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    other = app.test_client()
    console_login(other, "quay2")
    assert sit_at(other, 1, force=True).status_code == 409


def test_moving_to_another_counter_releases_the_first(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    sit_at(client, 2)
    assert counter_row(app, 1).clerk_id is None and not counter_row(app, 1).is_open
    assert counter_row(app, 2).is_open


def test_leaving_and_logging_out_release_the_counter(app, client):
    console_login(client, "quay1")
    sit_at(client, 1)
    client.post("/console/leave", data={"csrf_token": form_csrf(client, "/console/counter")})
    assert counter_row(app, 1).clerk_id is None
    sit_at(client, 3)
    client.post("/console/logout", data={"csrf_token": form_csrf(client, "/console/counter")})
    assert counter_row(app, 3).clerk_id is None
    assert client.get("/console/counter").status_code == 302


def test_forms_without_csrf_change_nothing(app, client):
    console_login(client, "quay1")
    assert client.post("/console/counter", data={"counter_id": "1"}).status_code == 400
    assert counter_row(app, 1).clerk_id is None


def test_the_dossier_pages_show_the_list_and_one_dossier_with_its_applicant(app, client):
    from server.domain.dossiers import Applicant, DossierService

    core = app.extensions["motcua"]
    code = DossierService(core.db, core.clock, core.queue).receive(
        1, procedure_code="DD-BD", applicant=Applicant("Hoàng Văn Giang", "0909000111"), actor="t"
    )["code"]
    console_login(client, "quay3")
    listing = client.get("/console/dossiers").get_data(as_text=True)
    assert code in listing and "Hoàng Văn Giang" in listing and "Chuyển xử lý" in listing
    detail = client.get(f"/console/dossiers/{code}").get_data(as_text=True)
    assert "0909000111" in detail and "Đăng ký biến động" in detail and f"/api/v1/dossiers/{code}/receipt.pdf" in detail
    assert client.get("/console/dossiers?state=result_ready").get_data(as_text=True).count(code) == 0


def test_an_unknown_dossier_page_is_a_friendly_404(client):
    console_login(client, "quay1")
    response = client.get("/console/dossiers/000.00.12.H26-261123-0042", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "Không tìm thấy hồ sơ" in response.get_data(as_text=True)
