"""The dossier domain without Flask: codes, appointments in working time, the national states,
early/on-time/late, the apology for a late dossier, pickup and pre-registration at the kiosk."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.domain.dossiers import Applicant, DossierService
from server.domain.errors import DomainError
from server.domain.queue import QueueService
from server.models import Center, Service, Ticket
from server.models.dossiers import Dossier, DossierEvent
from tests.support.demo import make_db

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


def as_local(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(HN)


def set_settings(db, **settings) -> None:
    with db.write() as s:
        center = s.get(Center, 1)
        center.settings = {**(center.settings or {}), **settings}


# ------------------------------------------------------------------ codes
def test_code_is_agency_date_and_daily_sequence_restarting_each_local_day(receive, clock):
    assert receive()["code"] == "000.00.12.H26-261123-0001"
    assert receive()["code"] == "000.00.12.H26-261123-0002"
    clock.set(local(2026, 11, 25, 7, 5))
    assert receive()["code"] == "000.00.12.H26-261125-0001"


def test_code_uses_the_local_day_not_the_utc_day(receive, clock):
    clock.set(local(2026, 11, 25, 6, 30))  # still 24/11 in UTC
    assert receive()["code"].endswith("-261125-0001")


def test_codes_are_unique_and_gapless_across_threads(dossiers):
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(5):
                code = dossiers.receive(1, procedure_code="TPHT-CTBS", applicant=Applicant("Trần Văn Bình"), actor="t")["code"]
                with lock:
                    codes.append(code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(codes) == len(set(codes)) == 40
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 41))


def test_codes_are_unique_across_threads_on_postgresql(pg_url):
    from server.demo_procedures import seed_demo_procedures

    db = make_db(pg_url)
    try:
        with db.write() as s:
            seed_demo_procedures(s, 1)
        clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
        service = DossierService(db, clock, QueueService(db, clock))
        codes: list[str] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(5):
                code = service.receive(1, procedure_code="TPHT-CTBS", applicant=Applicant("Lê Văn Cường"), actor="t")["code"]
                with lock:
                    codes.append(code)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(int(c[-4:]) for c in codes) == list(range(1, 31))
    finally:
        db.dispose()


def test_a_center_without_agency_identifier_uses_its_code(db, receive):
    with db.write() as s:
        s.get(Center, 1).agency_id = ""
    assert receive()["code"] == "HOANKIEM-261123-0001"


# ------------------------------------------------------------------ appointments
@pytest.mark.parametrize(
    "received, procedure, expected",
    [
        # Monday 09:00, 3 working days; Tuesday 24/11 is a public holiday from 2026.
        (local(2026, 11, 23, 9), "TPHT-KH", local(2026, 11, 27, 9)),
        # At lunch: counting starts at 13:30 (3.5 h today), then Wednesday 07:00 + 0.5 h.
        (local(2026, 11, 23, 12), "TPHT-CTBS", local(2026, 11, 25, 7, 30)),
        # After closing: the next working morning (Wednesday, the holiday skipped).
        (local(2026, 11, 23, 18), "TPHT-CTBS", local(2026, 11, 25, 11)),
        # Friday afternoon, 15 working days for a building permit.
        (local(2026, 12, 4, 15), "XD-GPXD", local(2026, 12, 25, 15)),
    ],
    ids=["three-days-over-24-11", "lunch-starts-13-30", "after-closing", "fifteen-days"],
)
def test_appointment_counts_working_hours_of_the_center(receive, clock, received, procedure, expected):
    clock.set(received)
    assert as_local(receive(procedure)["appointment_at"]) == expected


def test_appointment_honours_the_centers_extra_day_off_and_make_up_day(db, receive, clock):
    set_settings(
        db,
        calendar={
            "use_national_holidays": True,
            "days_off": [{"date": "2026-11-25", "name": "Kiểm kê"}],
            "workdays": [{"date": "2026-11-28", "name": "Làm bù"}],
        },
    )
    clock.set(local(2026, 11, 27, 16))  # Friday 16:00, 0.5 day = 1 h Friday + 3 h on the make-up Saturday
    assert as_local(receive("TPHT-CTBS")["appointment_at"]) == local(2026, 11, 28, 10)
    clock.set(local(2026, 11, 23, 16))  # Monday 16:00: Tuesday holiday, Wednesday the center's day off
    assert as_local(receive("TPHT-CTBS")["appointment_at"]) == local(2026, 11, 26, 10)


def test_appointment_uses_the_centers_own_opening_hours(db, receive, clock):
    hours = [["07:30", "11:30"], ["13:00", "17:00"]]
    set_settings(db, opening_hours={d: hours for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []})
    clock.set(local(2026, 12, 7, 7))  # before opening: counting starts 07:30; 0.5 day = 4 h
    assert as_local(receive("TPHT-CTBS")["appointment_at"]) == local(2026, 12, 7, 11, 30)


def test_receipt_text_shows_the_appointment_in_local_time_with_the_weekday(receive):
    assert receive()["appointment_text"] == "09:00, 27/11/2026 (Thứ Sáu)"


# ------------------------------------------------------------------ states
def test_the_life_of_a_dossier_follows_the_national_states(dossiers, receive, clock):
    code = receive()["code"]
    assert dossiers.transition(code, "process", actor="t")["state_label_vi"] == "Đang xử lý"
    assert (
        dossiers.transition(code, "request_supplement", reason="Thiếu bản sao giấy tờ tùy thân", actor="t")["state"]
        == "supplement_requested"
    )
    clock.set(local(2026, 11, 26, 9))
    again = dossiers.transition(code, "supplement_received", actor="t")
    # The processing time starts again from the complete dossier: Thursday 09:00 + 3 days.
    assert again["state"] == "processing" and as_local(again["appointment_at"]) == local(2026, 12, 1, 9)
    assert dossiers.transition(code, "result_ready", actor="t")["state_label_vi"] == "Đã xử lý xong"
    returned = dossiers.transition(code, "return", actor="t")
    assert returned["state_label_vi"] == "Đã trả kết quả" and returned["returned_at"]
    log = dossiers.get(code)["events"]
    assert [e["action"] for e in log] == [
        "receive",
        "process",
        "request_supplement",
        "supplement_received",
        "result_ready",
        "return",
    ]
    assert [e["to_state"] for e in log][-1] == "returned"


@pytest.mark.parametrize(
    "steps, refused",
    [
        ([], "return"),
        ([], "supplement_received"),
        ([("result_ready", "")], "process"),
        ([("result_ready", ""), ("return", "")], "result_ready"),
        ([("reject", "Không thuộc thẩm quyền")], "process"),
        ([("process", ""), ("stop", "Người nộp rút hồ sơ")], "result_ready"),
    ],
    ids=["return-before-ready", "supplement-never-asked", "process-after-ready", "ready-twice", "after-reject", "after-stop"],
)
def test_invalid_transitions_are_refused_clearly(dossiers, receive, steps, refused):
    code = receive()["code"]
    for action, reason in steps:
        dossiers.transition(code, action, reason=reason, actor="t")
    with pytest.raises(DomainError) as caught:
        dossiers.transition(code, refused, reason="x", actor="t")
    assert caught.value.code == "invalid_transition" and caught.value.status == 409
    assert code in caught.value.message_vi and "trạng thái" in caught.value.message_vi


@pytest.mark.parametrize("action", ["reject", "request_supplement"])
def test_rejecting_or_asking_for_a_supplement_needs_a_reason(dossiers, receive, action):
    code = receive()["code"]
    with pytest.raises(DomainError) as caught:
        dossiers.transition(code, action, reason="   ", actor="t")
    assert caught.value.code == "reason_required"
    assert dossiers.get(code)["state"] == "received"


def test_the_event_log_only_grows(db, dossiers, receive):
    code = receive()["code"]
    dossiers.transition(code, "process", actor="user:1:quay1")
    with db.read() as s:
        rows = s.execute(select(DossierEvent.id, DossierEvent.action, DossierEvent.actor).order_by(DossierEvent.id)).all()
    dossiers.transition(code, "result_ready", actor="api:1:egov")
    with db.read() as s:
        after = s.execute(select(DossierEvent.id, DossierEvent.action, DossierEvent.actor).order_by(DossierEvent.id)).all()
    assert after[: len(rows)] == rows and after[-1][1:] == ("result_ready", "api:1:egov")


# ------------------------------------------------------------------ early / on time / late
@pytest.mark.parametrize(
    "ready_at, expected",
    [(local(2026, 11, 26, 16), "early"), (local(2026, 11, 27, 16, 30), "on_time"), (local(2026, 11, 30, 8), "late")],
    ids=["day-before", "same-date-later-hour", "next-working-day"],
)
def test_finishing_is_classified_by_comparing_dates(dossiers, receive, clock, ready_at, expected):
    code = receive()["code"]  # appointment Friday 27/11 09:00
    clock.set(ready_at)
    assert dossiers.transition(code, "result_ready", actor="t")["result_class"] == expected
    clock.set(local(2026, 12, 10, 9))  # collected much later: the center's timeliness does not change
    assert dossiers.transition(code, "return", actor="t")["result_class"] == expected


# ------------------------------------------------------------------ apology (Mẫu 04)
def test_an_overdue_dossier_scanned_at_the_kiosk_gets_the_apology_and_a_new_date(dossiers, receive, clock):
    code = receive("TPHT-CTBS")["code"]  # appointment Monday 23/11 15:00
    clock.set(local(2026, 11, 25, 9))
    answer = dossiers.pickup_by_code(1, code)
    assert answer["outcome"] == "overdue_not_ready" and answer["ticket"] is None
    apology = answer["apology"]
    assert apology["form"] == "Mẫu số 04"
    assert as_local(apology["new_appointment_at"]) == local(2026, 11, 27, 9)  # 2 working days from now
    assert "xin lỗi" in answer["message_vi"] and "27/11/2026" in answer["message_vi"]
    assert "Nguyễn" not in str(answer)  # a public kiosk: never the name
    assert answer["dossier"]["overdue"] is True
    clock.advance(hours=1)
    assert dossiers.pickup_by_code(1, code)["apology"]["new_appointment_at"] == apology["new_appointment_at"]


def test_a_clerk_sets_the_apologys_new_date_which_must_be_a_later_working_day(dossiers, receive):
    code = receive()["code"]  # appointment Friday 27/11
    with pytest.raises(DomainError) as too_early:
        dossiers.issue_apology(code, new_date=date(2026, 11, 27), actor="t")
    assert too_early.value.code == "invalid_new_date"
    with pytest.raises(DomainError) as weekend:
        dossiers.issue_apology(code, new_date=date(2026, 11, 28), actor="t")
    assert weekend.value.code == "invalid_new_date"
    view = dossiers.issue_apology(code, new_date=date(2026, 12, 2), reason="Cần xác minh thêm.", actor="t")
    assert as_local(view["extended_to"]) == local(2026, 12, 2, 17)
    assert view["apology"]["reason"] == "Cần xác minh thêm."
    assert as_local(view["appointment_at"]) == local(2026, 11, 27, 9)  # the original date is kept for timeliness


def test_the_apology_prints_as_form_04_with_the_new_date(dossiers, receive):
    code = receive()["code"]
    dossiers.issue_apology(code, new_date=date(2026, 12, 2), actor="t")
    paper = dossiers.apology_print(code)
    assert paper.form_number == "Mẫu số 04" and "XIN LỖI" in paper.form_title
    assert "02/12/2026" in paper.appointment_text and paper.qr_payload == code


# ------------------------------------------------------------------ pickup at the kiosk
def test_a_ready_dossier_scanned_gets_a_pickup_ticket_on_the_collect_service(db, dossiers, receive):
    code = receive()["code"]
    dossiers.transition(code, "result_ready", actor="t")
    answer = dossiers.pickup_by_code(1, f"  {code.lower()}\r\n")
    assert answer["outcome"] == "ticket_issued"
    ticket = answer["ticket"]
    assert ticket["number"] == "8001" and ticket["service"]["code"] == "NKQ" and ticket["dossier_code"] == code
    with db.read() as s:
        row = s.get(Ticket, ticket["id"])
        assert row.source == "scan" and s.get(Service, row.service_id).kind == "collect"
    again = dossiers.pickup_by_code(1, code)
    assert again["outcome"] == "already_issued" and again["ticket"]["number"] == "8001"


@pytest.mark.parametrize(
    "raw, outcome",
    [
        ("000.00.12.H26-261123-9999", "unknown"),
        ("000.00.12.H26-261323-0001", "malformed"),
        ("XIN CHÀO", "malformed"),
        ("", "malformed"),
    ],
    ids=["unknown-code", "impossible-date", "words", "empty"],
)
def test_unknown_or_malformed_codes_get_a_clear_message(dossiers, raw, outcome):
    answer = dossiers.pickup_by_code(1, raw)
    assert answer["outcome"] == outcome and answer["ticket"] is None
    assert answer["message_vi"] and answer["message_en"]


def test_a_dossier_of_another_center_is_unknown_here(db, dossiers, receive):
    code = receive()["code"]
    dossiers.transition(code, "result_ready", actor="t")
    with db.write() as s:
        s.add(Center(code="KHAC", name="Trung tâm khác", agency_id="000.00.99.H26", settings={}))
    assert dossiers.pickup_by_code(2, code)["outcome"] == "unknown"


def test_not_ready_shows_state_and_appointment_and_issues_nothing(db, dossiers, receive):
    code = receive()["code"]
    answer = dossiers.pickup_by_code(1, code)
    assert answer["outcome"] == "not_ready"
    assert "27/11/2026" in answer["message_vi"] and "chưa có kết quả" in answer["message_vi"]
    with db.read() as s:
        assert s.scalar(select(Ticket.id).where(Ticket.dossier_code == code)) is None


def test_a_returned_dossier_says_so(dossiers, receive):
    code = receive()["code"]
    dossiers.transition(code, "result_ready", actor="t")
    dossiers.transition(code, "return", actor="t")
    assert dossiers.pickup_by_code(1, code)["outcome"] == "already_returned"


def test_ready_codes_lists_result_ready_dossiers_and_the_event_says_codes_only(dossiers, receive, events):
    first, second = receive()["code"], receive(name="Phạm Văn Dũng")["code"]
    dossiers.transition(first, "result_ready", actor="t")
    dossiers.transition(second, "result_ready", actor="t")
    assert [i["code"] for i in dossiers.ready_codes(1)] == [first, second]
    assert dossiers.ready_codes(1)[0]["short"] == "0001"
    dossiers.transition(first, "return", actor="t")
    ready_events = [e for e in events if e.name == "results_ready"]
    assert [e.payload["codes"] for e in ready_events] == [[first], [first, second], [second]]
    assert ready_events[-1].payload["removed"] == [first] and ready_events[-1].rooms == ("center:1",)
    for event in ready_events:
        assert "Nguyễn" not in str(event.payload) and "0912345678" not in str(event.payload)


# ------------------------------------------------------------------ online pre-registration
def test_a_pre_registration_checks_in_for_its_field_and_is_received_from_that_ticket(db, dossiers, queue, clock):
    registered = dossiers.preregister(
        1, procedure_code="HKD-DK", applicant=Applicant("Vũ Thị Lan", "0987654321"), actor="api:egov"
    )
    code = registered["prereg_code"]
    assert registered["state"] == "registered" and registered["code"] is None and code.startswith("DKTT-")
    answer = dossiers.checkin_by_preregistration(1, code.lower())
    assert answer["outcome"] == "ticket_issued"
    assert answer["ticket"]["service"]["code"] == "XDHKD" and answer["ticket"]["number"] == "3001"
    assert dossiers.checkin_by_preregistration(1, code)["outcome"] == "already_issued"
    queue.call_next(4)  # counter 4 serves XDHKD
    received = dossiers.receive(
        1,
        procedure_code="HKD-DK",
        applicant=Applicant("Vũ Thị Lan", "0987654321"),
        counter_id=4,
        from_counter_ticket=True,
        actor="t",
    )
    assert received["id"] == registered["id"] and received["code"].endswith("-261123-0001")
    assert received["channel"] == "online" and received["state"] == "received"
    assert dossiers.checkin_by_preregistration(1, code)["outcome"] == "already_received"


@pytest.mark.parametrize("raw, outcome", [("DKTT-ZZZZZZZZ", "unknown"), ("DKTT-12", "malformed"), ("abc", "malformed")])
def test_unknown_or_malformed_pre_registration_codes(dossiers, raw, outcome):
    assert dossiers.checkin_by_preregistration(1, raw)["outcome"] == outcome


def test_receiving_at_a_counter_needs_a_called_ticket(dossiers):
    with pytest.raises(DomainError) as caught:
        dossiers.receive(
            1, procedure_code="TPHT-KH", applicant=Applicant("Ngô Văn Em"), counter_id=1, from_counter_ticket=True, actor="t"
        )
    assert caught.value.code == "no_current_ticket"


@pytest.mark.parametrize(
    "applicant, code",
    [
        (Applicant(""), "applicant_name_required"),
        (Applicant("Hà", "12ab"), "invalid_phone"),
        (Applicant("Hà", "", "khong-phai-email"), "invalid_email"),
    ],
)
def test_bad_applicant_data_is_refused(dossiers, applicant, code):
    with pytest.raises(DomainError) as caught:
        dossiers.receive(1, procedure_code="TPHT-KH", applicant=applicant, actor="t")
    assert caught.value.code == code and caught.value.status == 400


def test_dossier_rows_keep_times_in_utc(db, receive):
    view = receive()
    with db.read() as s:
        row = s.execute(select(Dossier).where(Dossier.code == view["code"])).scalar_one()
    assert row.received_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
