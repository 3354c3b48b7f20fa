"""The return-by-post API: receiving with a return channel and an address, the day's hand-over
list as JSON and as CSV for the post office, "đã giao bưu điện", "đã phát" — and bad input
answered with a clear 4xx, never a 500."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.demo import login
from tests.support.dossiers import DELIVERY_ADDRESS as ADDRESS
from tests.support.dossiers import receive_via_api, serve_next

pytestmark = pytest.mark.usefixtures("procedures")



def post_json(client, csrf: str, path: str, body) -> tuple[int, dict]:
    response = client.post(path, json=body, headers={"X-CSRF-Token": csrf})
    return response.status_code, response.get_json()


def test_receiving_at_the_counter_records_both_channels(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    dossier = receive_via_api(client, clerk_csrf, channel="direct", return_channel="post", delivery_address=ADDRESS)["dossier"]
    assert (dossier["channel"], dossier["return_channel"], dossier["delivery_address"]) == ("direct", "post", ADDRESS)
    assert dossier["return_channel_label_vi"] == "Bưu chính công ích" and dossier["posted_at"] is None


def test_a_dossier_received_by_post_without_a_ticket(client, clerk_csrf):
    status, body = post_json(client, clerk_csrf, "/api/v1/centers/1/dossiers/receive",
                             {"procedure_code": "TPHT-KH", "applicant_name": "Lê Thị Mai", "channel": "post",
                              "return_channel": "post", "delivery_address": ADDRESS, "print": False})
    assert status == 201 and body["dossier"]["channel"] == "post" and body["dossier"]["return_channel"] == "post"


@pytest.mark.parametrize("extra, code", [
    ({"return_channel": "post"}, "delivery_address_required"),
    ({"return_channel": "post", "delivery_address": "ngắn"}, "invalid_delivery_address"),
    ({"return_channel": "bồ câu"}, "invalid_input"),
    ({"return_channel": ["post"]}, "invalid_input"),
    ({"return_channel": "post", "delivery_address": 12345678901}, "invalid_input"),
])
def test_a_bad_return_choice_is_a_clear_400(client, clerk_csrf, extra, code):
    status, body = post_json(client, clerk_csrf, "/api/v1/centers/1/dossiers/receive",
                             {"procedure_code": "TPHT-KH", "applicant_name": "Lê Thị Mai", **extra})
    assert status == 400, body
    assert body["error"]["code"] == code and body["error"]["message_vi"] and body["error"]["message_en"]


def test_the_days_list_then_posted_then_delivered(client, clerk_csrf, ready_by_post):
    listing = client.get("/api/v1/centers/1/postal-handover").get_json()
    assert listing["day"] == "2026-11-23" and [i["code"] for i in listing["items"]] == [ready_by_post]
    assert listing["items"][0]["delivery_address"] == ADDRESS and listing["items"][0]["applicant_name"] == "Nguyễn Thị Hoa"
    status, after = post_json(client, clerk_csrf, "/api/v1/centers/1/postal-handover/posted", {"codes": [ready_by_post]})
    assert status == 200 and after["marked"] == [ready_by_post] and after["items"] == []
    assert [i["code"] for i in after["posted"]] == [ready_by_post]
    dossier = client.get(f"/api/v1/dossiers/{ready_by_post}").get_json()
    assert dossier["state"] == "returned" and dossier["returned_at"] == dossier["posted_at"]
    status, delivered = post_json(client, clerk_csrf, f"/api/v1/dossiers/{ready_by_post}/delivered",
                                  {"delivered_on": "2026-11-23"})
    assert status == 200 and delivered["delivered_text"] == "23/11/2026 (Thứ Hai)"


def test_the_csv_decodes_back_with_bom_semicolons_vietnamese_headers_and_quoted_addresses(client, clerk_csrf, ready_by_post):
    response = client.get("/api/v1/centers/1/postal-handover.csv?day=2026-11-23")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="ban-giao-buu-dien-2026-11-23-can-giao.csv"' in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert f'"{ADDRESS}"' in text  # the commas of the address stay inside one cell
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:5] == ["STT", "Mã hồ sơ", "Người nhận", "Điện thoại", "Địa chỉ nhận kết quả"]
    assert rows[1][1] == ready_by_post and rows[1][4] == ADDRESS and len(rows) == 2


@pytest.mark.parametrize("body", [
    {}, {"codes": []}, {"codes": "000.00.12.H26-261123-0001"}, {"codes": [1]}, {"codes": [None]}, {"codes": [{"$ne": 1}]},
    [], "codes", {"codes": ["x" * 81]},
])
def test_mark_posted_refuses_hostile_or_wrong_json_with_a_400(client, clerk_csrf, body):
    status, answer = post_json(client, clerk_csrf, "/api/v1/centers/1/postal-handover/posted", body)
    assert status == 400, answer
    assert answer["error"]["message_vi"]


def test_mark_posted_of_an_unknown_code_is_a_404_and_changes_nothing(client, clerk_csrf, ready_by_post):
    status, answer = post_json(client, clerk_csrf, "/api/v1/centers/1/postal-handover/posted",
                               {"codes": [ready_by_post, "000.00.12.H26-261123-9999"]})
    assert status == 404 and answer["error"]["code"] == "unknown_dossier"
    assert [i["code"] for i in client.get("/api/v1/centers/1/postal-handover").get_json()["items"]] == [ready_by_post]


@pytest.mark.parametrize("delivered_on, status, code", [
    ("2026-11-24", 400, "invalid_delivered_on"),   # tomorrow
    ("23/11/2026", 400, "invalid_delivered_on"),
    ("2026-13-01", 400, "invalid_delivered_on"),
    (20261123, 400, "invalid_input"),
])
def test_mark_delivered_refuses_a_bad_date(client, clerk_csrf, ready_by_post, delivered_on, status, code):
    post_json(client, clerk_csrf, "/api/v1/centers/1/postal-handover/posted", {"codes": [ready_by_post]})
    got, answer = post_json(client, clerk_csrf, f"/api/v1/dossiers/{ready_by_post}/delivered", {"delivered_on": delivered_on})
    assert (got, answer["error"]["code"]) == (status, code)


def test_mark_delivered_before_posting_is_a_409(client, clerk_csrf, ready_by_post):
    status, answer = post_json(client, clerk_csrf, f"/api/v1/dossiers/{ready_by_post}/delivered", {})
    assert status == 409 and answer["error"]["code"] == "not_posted"


@pytest.mark.parametrize("query", ["day=2026-11-24", "day=hôm-nay", "day=2026-1-1", "list=all"])
def test_the_list_refuses_a_bad_day_or_list(client, clerk_csrf, query):
    for path in ("/api/v1/centers/1/postal-handover", "/api/v1/centers/1/postal-handover.csv"):
        if query.startswith("list") and not path.endswith(".csv"):
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query, response.get_json())


def test_the_openapi_document_lists_the_postal_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "get" in paths["/api/v1/centers/{center_id}/postal-handover"]
    assert "text/csv" in paths["/api/v1/centers/{center_id}/postal-handover.csv"]["get"]["responses"]["200"]["content"]
    assert "post" in paths["/api/v1/centers/{center_id}/postal-handover/posted"]
    assert "post" in paths["/api/v1/dossiers/{code}/delivered"]
    receive = spec["components"]["schemas"]["ReceiveIn"]["properties"]
    assert receive["return_channel"]["enum"] == ["counter", "post", "online"] and "delivery_address" in receive


def test_the_result_ready_notice_of_a_post_return_says_it_comes_by_post(client, clerk_csrf, ready_by_post):
    outbox = client.get("/api/v1/centers/1/notices", headers={"X-CSRF-Token": login(client, "giamsat")}).get_json()
    bodies = {n["channel"]: n["body"] for n in outbox}
    assert set(bodies) == {"email", "sms"}
    assert f"bưu chính công ích tới địa chỉ ông/bà đã đăng ký: {ADDRESS}" in bodies["email"]
    assert "quét mã QR" not in bodies["email"] and "sent by post" in bodies["email"]
    assert "gui qua buu dien" in bodies["sms"] and "mang giay" not in bodies["sms"]
