"""Return by post (bưu chính công ích): the address chosen at intake, the day's hand-over list,
"đã giao bưu điện" (returned, on-time counted at the hand-over) and "đã phát", the kiosk's
refusal once the result has left, and both channels recorded on every dossier."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.demo_procedures import seed_demo_procedures
from server.domain.dossiers import Applicant, DossierService
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.models.dossiers import Dossier, DossierEvent
from tests.support.demo import make_db
from tests.support.dossiers import DELIVERY_ADDRESS as ADDRESS

HN = ZoneInfo("Asia/Ho_Chi_Minh")

pytestmark = pytest.mark.usefixtures("procedures")


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


def codes(listing: dict, key: str = "items") -> list[str]:
    return [item["code"] for item in listing[key]]


# ------------------------------------------------------------------ intake
def test_return_by_post_needs_a_delivery_address(receive):
    with pytest.raises(DomainError) as missing:
        receive(return_channel="post")
    assert missing.value.code == "delivery_address_required" and missing.value.status == 400
    assert "địa chỉ nhận kết quả" in missing.value.message_vi
    with pytest.raises(DomainError) as short:
        receive(return_channel="post", delivery_address="  Hà   Nội ")
    assert short.value.code == "invalid_delivery_address"
    with pytest.raises(DomainError) as long:
        receive(return_channel="post", delivery_address="x" * 301)
    assert long.value.code == "invalid_delivery_address"


def test_an_unknown_return_channel_is_refused(receive):
    with pytest.raises(DomainError) as exc:
        receive(return_channel="pigeon")
    assert exc.value.code == "invalid_return_channel" and exc.value.status == 400


def test_both_channels_are_recorded_and_the_address_is_trimmed(receive, db):
    view = receive(channel="post", return_channel="post", delivery_address=f"  {ADDRESS.replace(' ', '   ')}  ")
    assert view["channel"] == "post" and view["channel_label_vi"] == "Bưu chính công ích"
    assert view["return_channel"] == "post" and view["return_channel_label_vi"] == "Bưu chính công ích"
    assert view["delivery_address"] == ADDRESS
    with db.read() as s:
        event = s.scalars(select(DossierEvent).where(DossierEvent.action == "receive")).one()
        assert event.data["channel"] == "post" and event.data["return_channel"] == "post"


def test_a_counter_return_keeps_no_address_and_is_the_default(receive):
    plain = receive()
    assert plain["return_channel"] == "counter" and plain["return_channel_label_vi"] == "Tại quầy"
    online = receive(channel="online", return_channel="online", delivery_address=ADDRESS)
    assert online["channel"] == "online" and online["return_channel"] == "online" and online["delivery_address"] == ""


def test_the_receipt_says_the_result_comes_by_post_to_the_address(dossiers, receive_by_post, receive):
    footer = dossiers.receipt_print(receive_by_post()).footer
    assert f"Hình thức nhận kết quả: Qua dịch vụ bưu chính công ích — {ADDRESS}" in footer
    assert "Hình thức nhận kết quả: Tại quầy" in dossiers.receipt_print(receive()["code"]).footer


# ------------------------------------------------------------------ the hand-over list
def test_a_ready_post_return_dossier_is_on_the_days_hand_over_list(dossiers, receive_by_post, receive, clock):
    waiting = receive_by_post()
    ready = receive_by_post(name="Trần Văn Bình", phone="0987654321")
    at_counter = receive()["code"]
    assert codes(dossiers.postal_list(1)) == []
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(ready, "result_ready", actor="t")
    dossiers.transition(at_counter, "result_ready", actor="t")
    listing = dossiers.postal_list(1)
    assert listing["day"] == "2026-11-25" and codes(listing) == [ready]
    item = listing["items"][0]
    assert item["applicant_name"] == "Trần Văn Bình" and item["applicant_phone"] == "0987654321"
    assert item["delivery_address"] == ADDRESS and item["procedure_name"] == "Đăng ký kết hôn"
    # Yesterday's list did not have it yet: it was ready today.
    assert codes(dossiers.postal_list(1, date(2026, 11, 24))) == []
    assert waiting not in codes(listing)


def test_a_list_for_a_day_after_today_is_refused(dossiers):
    with pytest.raises(DomainError) as exc:
        dossiers.postal_list(1, date(2026, 11, 24))
    assert exc.value.code == "invalid_day" and exc.value.status == 400


def test_mark_posted_takes_it_off_the_list_and_returns_it_at_the_hand_over(dossiers, receive_by_post, clock, events, db):
    code = receive_by_post()  # appointment Friday 27/11
    clock.set(local(2026, 11, 26, 10))
    dossiers.transition(code, "result_ready", actor="t")
    clock.set(local(2026, 11, 27, 15))  # handed to the post office on the appointment day: on time
    events.clear()
    after = dossiers.mark_posted(1, [code], actor="user:3:quay1")
    assert after["marked"] == [code] and codes(after) == [] and codes(after, "posted") == [code]
    view = dossiers.get(code)
    assert view["state"] == "returned" and view["returned_at"] == view["posted_at"]
    assert view["result_class"] == "early"  # set when the result was ready, as at the counter
    assert view["posted_text"].startswith("15:00, 27/11/2026") and view["may_deliver"] and not view["may_post"]
    assert [e["action"] for e in view["events"]][-1] == "posted"
    names = [e.name for e in events]
    assert names == ["results_ready", "dossiers_posted"]
    posted = events[1].payload
    assert posted["codes"] == [code] and posted["pending"] == 0 and "Nguyễn" not in str(posted) and "phố Huế" not in str(posted)
    with db.read() as s:
        row = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        assert row.posted_at == row.returned_at and row.delivered_at is None


def test_the_on_time_class_counts_the_hand_over_not_the_delivery(dossiers, receive_by_post, clock):
    code = receive_by_post()  # appointment Friday 27/11, never marked ready before: classified at the hand-over
    clock.set(local(2026, 11, 27, 8))
    dossiers.transition(code, "result_ready", actor="t")
    clock.set(local(2026, 11, 27, 16))
    dossiers.mark_posted(1, [code], actor="t")
    clock.set(local(2026, 12, 2, 9))
    view = dossiers.mark_delivered(code, delivered_on=date(2026, 12, 1), actor="t")
    assert view["result_class"] == "on_time"
    assert view["delivered_text"] == "01/12/2026 (Thứ Ba)"


def test_mark_posted_is_all_or_nothing_and_names_the_bad_code(dossiers, receive_by_post, receive, clock):
    good = receive_by_post()
    not_ready = receive_by_post()
    at_counter = receive()["code"]
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(good, "result_ready", actor="t")
    dossiers.transition(at_counter, "result_ready", actor="t")
    for bad, reason in ((not_ready, "not_ready_for_post"), (at_counter, "not_postal_return"),
                        ("000.00.12.H26-261123-9999", "unknown_dossier")):
        with pytest.raises(DomainError) as exc:
            dossiers.mark_posted(1, [good, bad], actor="t")
        assert exc.value.code == reason
    assert codes(dossiers.postal_list(1)) == [good]  # nothing half-done
    dossiers.mark_posted(1, [good], actor="t")
    with pytest.raises(DomainError) as again:
        dossiers.mark_posted(1, [good], actor="t")
    assert again.value.code == "already_posted"


@pytest.mark.parametrize("bad", [[], "000.00.12.H26-261123-0001", [1, 2], [""], ["x"] * 201])
def test_mark_posted_wants_a_list_of_codes(dossiers, bad):
    with pytest.raises(DomainError) as exc:
        dossiers.mark_posted(1, bad, actor="t")
    assert exc.value.status == 400


def test_mark_delivered_records_the_date_apart_and_refuses_bad_dates(dossiers, receive_by_post, clock):
    code = receive_by_post()
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(code, "result_ready", actor="t")
    with pytest.raises(DomainError) as early:
        dossiers.mark_delivered(code, actor="t")
    assert early.value.code == "not_posted"
    dossiers.mark_posted(1, [code], actor="t")
    clock.set(local(2026, 11, 27, 9))
    for day in (date(2026, 11, 28), date(2026, 11, 24)):
        with pytest.raises(DomainError) as exc:
            dossiers.mark_delivered(code, delivered_on=day, actor="t")
        assert exc.value.code == "invalid_delivered_on" and exc.value.status == 400
    view = dossiers.mark_delivered(code, delivered_on=date(2026, 11, 26), actor="t")
    assert view["state"] == "returned" and view["delivered_at"] and not view["may_deliver"]
    assert view["returned_at"] == view["posted_at"] != view["delivered_at"]
    assert view["events"][-1]["action"] == "delivered" and view["events"][-1]["data"] == {"delivered_on": "2026-11-26"}
    with pytest.raises(DomainError) as twice:
        dossiers.mark_delivered(code, actor="t")
    assert twice.value.code == "already_delivered"


# ------------------------------------------------------------------ the kiosk
def test_the_kiosk_refuses_politely_once_the_result_went_receive_by_post(dossiers, receive_by_post, clock):
    code = receive_by_post()
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(code, "result_ready", actor="t")
    dossiers.mark_posted(1, [code], actor="t")
    answer = dossiers.pickup_by_code(1, code)
    assert answer["outcome"] == "returned_by_post" and answer["ticket"] is None
    assert "được trả qua bưu điện tới địa chỉ đã đăng ký" in answer["message_vi"]
    assert "phố Huế" not in str(answer) and "Nguyễn" not in str(answer)  # a public kiosk


def test_a_post_return_not_yet_posted_may_still_be_collected_in_person(dossiers, receive_by_post, clock):
    code = receive_by_post()
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(code, "result_ready", actor="t")
    answer = dossiers.pickup_by_code(1, code)
    assert answer["outcome"] == "ticket_issued" and answer["ticket"]["dossier_code"] == code
    view = dossiers.transition(code, "return", actor="t")  # handed over at the counter
    assert view["state"] == "returned" and view["posted_at"] is None
    assert codes(dossiers.postal_list(1)) == []


# ------------------------------------------------------------------ the CSV for the post office
def test_the_csv_has_a_bom_semicolons_vietnamese_headers_and_quoted_addresses(dossiers, receive_by_post, clock):
    code = receive_by_post(name="=HYPERLINK(1)")
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(code, "result_ready", actor="t")
    text, name = dossiers.postal_csv(1)
    assert name == "ban-giao-buu-dien-2026-11-25-can-giao.csv"
    assert text.startswith("\ufeff") and f'"{ADDRESS}"' in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["STT", "Mã hồ sơ", "Người nhận", "Điện thoại", "Địa chỉ nhận kết quả", "Thủ tục", "Ngày có kết quả",
                       "Ngày giao bưu điện"]
    assert rows[1][:5] == ["1", code, "'=HYPERLINK(1)", "0912345678", ADDRESS]


def test_the_one_stop_e_system_returning_by_post_records_the_hand_over_too(dossiers, receive_by_post, clock):
    code = receive_by_post()
    clock.set(local(2026, 11, 25, 10))
    dossiers.transition(code, "result_ready", actor="t")
    view = dossiers.transition(code, "return", actor="api:egov", method="post")
    assert view["state"] == "returned" and view["posted_at"] == view["returned_at"] and view["result_class"] == "early"
    assert codes(dossiers.postal_list(1)) == [] and codes(dossiers.postal_list(1), "posted") == [code]


# ------------------------------------------------------------------ PostgreSQL (a server in Hà Nội time)
@pytest.mark.postgres
def test_the_days_list_and_the_hand_over_on_postgresql_in_vietnam_time(pg_url):
    """The list's day bounds are UTC like the columns, whatever zone the server's sessions run in."""
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Ho_Chi_Minh'")
    db = make_db(pg_url)
    try:
        with db.write() as s:
            seed_demo_procedures(s, 1)
        clock = FixedClock(local(2026, 11, 25, 6, 30))  # 06:30 in Hà Nội is still 24/11 in UTC
        service = DossierService(db, clock, QueueService(db, clock))
        code = service.receive(1, procedure_code="TPHT-KH", applicant=Applicant("Ngô Thị Yến"), return_channel="post",
                               delivery_address=ADDRESS, actor="t")["code"]
        service.transition(code, "result_ready", actor="t")
        assert codes(service.postal_list(1)) == [code]
        assert codes(service.postal_list(1, date(2026, 11, 24))) == []  # ready on the 25th, local time
        service.mark_posted(1, [code], actor="t")
        assert codes(service.postal_list(1)) == [] and codes(service.postal_list(1), "posted") == [code]
        assert codes(service.postal_list(1, date(2026, 11, 24)), "posted") == []
    finally:
        db.dispose()
