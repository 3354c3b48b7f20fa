"""An apology (Mẫu 04) promises a new date. When that date passes too and the result is still not
ready, the dossier is overdue again: the next scan at the kiosk gets a fresh apology with a new date
from today, the earlier apologies stay on record, and the kiosk never shows a past date as the new
appointment. Timeliness is still judged against the receipt's original date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.domain.errors import DomainError
from server.models.dossiers import DossierEvent

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


def as_local(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(HN)


@pytest.fixture
def late_code(receive) -> str:
    """A certified copy received Monday 23/11/2026 09:00: appointment the same day, 15:00."""
    return receive("TPHT-CTBS")["code"]


def apology_events(db, code: str) -> list[dict]:
    with db.read() as s:
        return [e.data for e in s.scalars(select(DossierEvent).where(DossierEvent.action == "apology").order_by(DossierEvent.id))]


def test_when_the_apologys_new_date_passes_the_next_scan_gets_a_fresh_apology_with_a_future_date(dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    first = dossiers.pickup_by_code(1, late_code)["apology"]
    assert as_local(first["new_appointment_at"]) == local(2026, 11, 27, 9)  # Friday

    clock.set(local(2026, 11, 30, 9))  # Monday after: Friday's promise was broken too
    answer = dossiers.pickup_by_code(1, late_code)
    assert answer["outcome"] == "overdue_not_ready" and answer["ticket"] is None
    second = answer["apology"]
    assert as_local(second["new_appointment_at"]) == local(2026, 12, 2, 9)  # 2 working days from now
    assert second["sequence"] == 2
    assert "02/12/2026" in answer["message_vi"] and "02/12/2026" in answer["message_en"]
    # The apology names the date it failed to keep (Friday's), not only the receipt's.
    assert as_local(second["missed_appointment_at"]) == local(2026, 11, 27, 9) and "27/11/2026" in second["text_vi"]
    assert as_local(second["original_appointment_at"]) == local(2026, 11, 23, 15)
    assert as_local(answer["dossier"]["extended_to"]) == local(2026, 12, 2, 9)
    assert answer["dossier"]["extension_overdue"] is False


def test_earlier_apologies_stay_on_record(db, dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    first = dossiers.pickup_by_code(1, late_code)["apology"]
    clock.set(local(2026, 11, 30, 9))
    second = dossiers.pickup_by_code(1, late_code)["apology"]
    assert [a["new_appointment_at"] for a in second["previous"]] == [first["new_appointment_at"]]
    assert second["previous"][0]["text_vi"] == first["text_vi"] and "previous" not in second["previous"][0]
    assert [e["new_appointment_at"] for e in apology_events(db, late_code)] == [
        first["new_appointment_at"],
        second["new_appointment_at"],
    ]
    view = dossiers.get(late_code)
    assert view["apology"]["sequence"] == 2 and "Nguyễn" not in str(second)  # shown on a public kiosk: never a name


def test_the_apology_holds_until_the_end_of_its_new_date(dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    first = dossiers.pickup_by_code(1, late_code)["apology"]
    clock.set(local(2026, 11, 27, 16, 45))  # the new date itself, later than its hour: still that day
    again = dossiers.pickup_by_code(1, late_code)
    assert again["apology"] == first and again["dossier"]["extension_overdue"] is False


def test_a_kiosk_never_shows_a_past_date_as_the_new_appointment(dossiers, late_code, clock):
    day = local(2026, 11, 24, 8, 30)
    shown: set[str] = set()
    while day < local(2027, 1, 15):
        clock.set(day)
        answer = dossiers.pickup_by_code(1, late_code)
        assert answer["outcome"] == "overdue_not_ready"
        new_at = as_local(answer["apology"]["new_appointment_at"])
        # A promise is for a date (as timeliness is judged): on the new date itself it still holds.
        assert new_at.date() >= day.date(), f"scanned {day:%d/%m %H:%M}, shown {new_at:%d/%m %H:%M}"
        assert f"{day:%d/%m/%Y}" not in answer["apology"]["missed_appointment_text"]
        shown.add(answer["apology"]["new_appointment_at"])
        day += timedelta(days=1, hours=3) if day.hour < 14 else timedelta(hours=15)
    assert len(shown) > 5  # the date moved on as the weeks went by


def test_the_back_office_sees_when_an_apologys_date_has_passed(dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    dossiers.pickup_by_code(1, late_code)
    clock.set(local(2026, 11, 30, 9))
    view = dossiers.get(late_code)
    assert view["overdue"] is True and view["extension_overdue"] is True
    assert [d["code"] for d in dossiers.list_dossiers(1, overdue_only=True)] == [late_code]


def test_a_clerks_new_apology_must_move_past_the_date_last_promised(dossiers, receive):
    code = receive()["code"]  # appointment Friday 27/11
    dossiers.issue_apology(code, new_date=date(2026, 12, 2), reason="Cần xác minh thêm.", actor="t")
    with pytest.raises(DomainError) as before_promise:
        dossiers.issue_apology(code, new_date=date(2026, 12, 1), actor="t")  # after 27/11, but before 02/12
    assert before_promise.value.code == "invalid_new_date" and "02/12/2026" in before_promise.value.message_vi
    view = dossiers.issue_apology(code, new_date=date(2026, 12, 4), reason="Chờ ý kiến cơ quan phối hợp.", actor="t")
    assert as_local(view["extended_to"]) == local(2026, 12, 4, 17)
    assert view["apology"]["sequence"] == 2 and view["apology"]["previous"][0]["reason"] == "Cần xác minh thêm."


def test_a_clerk_cannot_give_a_date_that_has_already_passed(dossiers, late_code, clock):
    clock.set(local(2026, 11, 30, 9))
    with pytest.raises(DomainError) as past:
        dossiers.issue_apology(late_code, new_date=date(2026, 11, 26), actor="t")  # after the appointment, but gone
    assert past.value.code == "invalid_new_date"
    with pytest.raises(DomainError):
        dossiers.issue_apology(late_code, new_date=local(2026, 11, 30, 8), actor="t")  # earlier today
    assert dossiers.get(late_code)["apology"] is None


def test_the_printed_apology_carries_the_latest_new_date(dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    dossiers.pickup_by_code(1, late_code)
    clock.set(local(2026, 11, 30, 9))
    dossiers.pickup_by_code(1, late_code)
    paper = dossiers.apology_print(late_code)
    assert "02/12/2026" in paper.appointment_text and "02/12/2026" in paper.footer


def test_timeliness_is_still_judged_against_the_receipts_date(dossiers, late_code, clock):
    clock.set(local(2026, 11, 25, 9))
    dossiers.pickup_by_code(1, late_code)
    clock.set(local(2026, 11, 26, 10))  # ready before the apology's new date
    assert dossiers.transition(late_code, "result_ready", actor="t")["result_class"] == "late"


def test_a_dossier_not_yet_late_tells_the_kiosk_the_date_last_promised(dossiers, receive):
    code = receive()["code"]  # appointment Friday 27/11
    dossiers.issue_apology(code, new_date=date(2026, 12, 2), actor="t")  # the clerk warned early
    answer = dossiers.pickup_by_code(1, code)
    assert answer["outcome"] == "not_ready" and "02/12/2026" in answer["message_vi"] and "27/11/2026" not in answer["message_vi"]
