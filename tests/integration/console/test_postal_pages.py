"""The console's return-by-post pages without a browser: the hand-over list behind login, for
staff of the center only (addresses are personal data), the receive page's channel choices, the
dossier page's channels, dates and buttons."""

from __future__ import annotations

import pytest

from server.domain.accounts import create_user
from server.models import Center
from tests.support.demo import login
from tests.support.dossiers import DELIVERY_ADDRESS as ADDRESS

pytestmark = pytest.mark.usefixtures("procedures")



@pytest.mark.parametrize("path", ["/console/postal", "/console/postal?day=2026-11-23", "/console/dossiers/new"])
def test_the_postal_pages_send_anonymous_visitors_to_the_login_form(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_hand_over_list_shows_code_name_address_phone_and_signature_blocks(client, ready_by_post_domain):
    login(client, "quay1")
    page = client.get("/console/postal").get_data(as_text=True)
    for text in (ready_by_post_domain, "Phạm Thị Lan", ADDRESS, "0911222333", "Đăng ký kết hôn", "Bên giao (Bộ phận một cửa)",
                 "Bên nhận (Bưu điện)", "Đánh dấu đã giao bưu điện", "Tải CSV", "Ngày 23/11/2026"):
        assert text in page, text
    assert "@page" not in page  # print rules live in the served stylesheet, not inline
    assert "size: A4" in client.get("/console/static/postal.css").get_data(as_text=True)


def test_a_clerk_of_another_center_never_sees_the_addresses(app, client, ready_by_post_domain):
    with app.extensions["motcua"].db.write() as s:
        other = Center(code="KHAC", name="Trung tâm khác", agency_id="000.00.99.H26", settings={})
        s.add(other)
        s.flush()
        create_user(s, "canbo-khac", "matkhau-khac-123", role="clerk", center_id=other.id)
    login(client, "canbo-khac", "matkhau-khac-123")
    own = client.get("/console/postal").get_data(as_text=True)
    assert ADDRESS not in own and ready_by_post_domain not in own
    response = client.get("/console/postal?center=1")
    assert response.status_code == 403 and ADDRESS not in response.get_data(as_text=True)
    assert client.get("/api/v1/centers/1/postal-handover").status_code == 403
    assert client.get("/api/v1/centers/1/postal-handover.csv").status_code == 403


@pytest.mark.parametrize("day", ["2026-11-24", "ngày mai", "2026-02-30"])
def test_a_bad_day_is_a_clear_400_page(client, day):
    login(client, "quay1")
    response = client.get(f"/console/postal?day={day}")
    assert response.status_code == 400 and "Ngày" in response.get_data(as_text=True)


def test_the_receive_page_offers_both_channels_and_the_address_field(client):
    login(client, "quay1")
    page = client.get("/console/dossiers/new").get_data(as_text=True)
    assert 'name="channel" value="post"' in page and 'name="return_channel" value="post"' in page
    assert "Bưu chính công ích" in page and "Tại quầy" in page and 'id="delivery_address"' in page


def test_the_dossier_page_shows_both_channels_the_address_and_the_postal_buttons(client, ready_by_post_domain, dossiers):
    login(client, "quay1")
    page = client.get(f"/console/dossiers/{ready_by_post_domain}").get_data(as_text=True)
    assert "Hình thức nộp" in page and "Nhận kết quả" in page and ADDRESS in page
    assert 'data-postal="posted"' in page and 'data-postal="delivered"' not in page
    dossiers.mark_posted(1, [ready_by_post_domain], actor="t")
    page = client.get(f"/console/dossiers/{ready_by_post_domain}").get_data(as_text=True)
    assert 'data-postal="delivered"' in page and 'data-postal="posted"' not in page and "09:00, 23/11/2026" in page
