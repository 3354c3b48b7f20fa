"""Ticket numbers never run into another field's range: the demo's TPHT numbers from 1001 and DD
from 2001, so TPHT's range is 1001–2000 and its 1001st ticket of a day is 1001 again."""
from __future__ import annotations

from sqlalchemy import event, select

from server.clock import local_date
from server.models import DailySequence, Service, Ticket
from tests.support.admin import last_audit
from tests.support.demo import update


def test_a_field_that_reaches_the_end_of_its_range_wraps_to_its_first_number_not_the_next_fields(db, clock, queue, ids):
    with db.write() as s:  # a busy day: TPHT has already handed out 999 numbers (1001…1999)
        s.add(DailySequence(center_id=ids["center"], scope=f"service:{ids['justice']}", day=local_date(clock.now()),
                            last_value=999))
    numbers = [queue.issue_ticket(ids["center"], ids["justice"])["number"] for _ in range(3)]
    assert numbers == ["2000", "1001", "1002"]
    with db.read() as s:
        seqs = s.scalars(select(Ticket.seq).where(Ticket.service_id == ids["justice"]).order_by(Ticket.id)).all()
    assert seqs == [1000, 1001, 1002]  # the day's sequence goes on: each ticket stays unique


def test_a_set_last_number_bounds_the_range(db, queue, ids):
    update(db, Service, ids["land"], number_end=2002)
    numbers = [queue.issue_ticket(ids["center"], ids["land"])["number"] for _ in range(4)]
    assert numbers == ["2001", "2002", "2001", "2002"]


def test_issuing_reads_the_other_fields_ranges_before_it_takes_the_days_number(db, queue, ids):
    """PostgreSQL locks the day's sequence row from the number to the commit: nothing the number's
    display needs is read under that lock (other kiosks of the field wait on it)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert queue.issue_ticket(ids["center"], ids["justice"])["number"] == "1001"
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    number = next(i for i, sql in enumerate(statements) if sql.startswith("insert into daily_sequences"))
    reads_ranges = [i for i, sql in enumerate(statements) if sql.startswith("select") and "services.number_start" in sql]
    assert reads_ranges and max(reads_ranges) < number, statements


def test_an_admin_cannot_give_two_fields_overlapping_ranges(app, admin, ids):
    response = admin.patch(f"/api/v1/admin/services/{ids['justice']}", {"number_end": 2500})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "number_ranges_overlap" and "chồng lên" in error["message_vi"] and "overlaps" in error["message_en"]
    new = {"code": "MOI", "name": "Mới", "number_start": 2001}
    same_start = admin.post(f"/api/v1/admin/centers/{ids['center']}/services", new)
    assert same_start.status_code == 400 and same_start.get_json()["error"]["code"] == "number_ranges_overlap"


def test_a_last_number_before_the_first_is_refused_with_a_clear_message(admin, ids):
    response = admin.patch(f"/api/v1/admin/services/{ids['justice']}", {"number_end": 900})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_number_range"


def test_an_admin_sets_a_fields_range_end_aging_and_wait_target_and_it_is_audited(app, admin, ids):
    body = {"number_end": 1999, "aging_minutes": 30, "wait_target_minutes": 20}
    response = admin.patch(f"/api/v1/admin/services/{ids['justice']}", body)
    assert response.status_code == 200
    assert {k: response.get_json()[k] for k in body} == body
    entry = last_audit(app)
    assert entry.entity == "service" and entry.after == body
    cleared = admin.patch(f"/api/v1/admin/services/{ids['justice']}", {"aging_minutes": None})
    assert cleared.status_code == 200 and cleared.get_json()["aging_minutes"] is None


def test_minutes_out_of_range_are_a_clear_error_not_a_500(admin, ids):
    for body in ({"aging_minutes": 0}, {"wait_target_minutes": 10_000}, {"aging_minutes": "nhiều"}):
        response = admin.patch(f"/api/v1/admin/services/{ids['justice']}", body)
        assert response.status_code in (400, 422), body
        assert response.get_json()["error"]["message_vi"]
