"""Scanning at the kiosk is one atomic step: a receipt scanned twice at once (a citizen pressing
the scanner twice, two kiosks) gets ONE pickup ticket, and a pre-registration checked in twice
at once gets ONE ticket; the check, the ticket and the dossier's log commit together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from server.clock import FixedClock
from server.db import Database
from server.demo_procedures import seed_demo_procedures
from server.domain.dossiers import Applicant, DossierService, pickup
from server.domain.kiosk import scan_at_kiosk
from server.domain.queue import QueueService
from server.models import Ticket
from server.models.dossiers import Dossier, DossierEvent
from tests.support.at_once import all_at_once
from tests.support.demo import make_db

SCANS = 8


def scan_at_once(scan: Callable[[], dict[str, Any]], times: int = SCANS) -> list[dict[str, Any]]:
    """``times`` kiosks scanning at the same instant; every answer."""
    return all_at_once(scan, times)


def ready_dossier(service: DossierService) -> str:
    code = service.receive(
        1, procedure_code="TPHT-KH", applicant=Applicant("Nguyễn Thị Hoa", "0912345678"), documents=["Tờ khai"], actor="test"
    )["code"]
    service.transition(code, "result_ready", actor="test")
    return code


def assert_one_pickup_ticket(db: Database, code: str, answers: list[dict[str, Any]]) -> None:
    with db.read() as s:
        tickets = s.scalars(select(Ticket).where(Ticket.dossier_code == code)).all()
        dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == code))
        logged = s.scalar(
            select(func.count())
            .select_from(DossierEvent)
            .where(DossierEvent.dossier_id == dossier_id, DossierEvent.action == "pickup_ticket")
        )
    assert len(tickets) == 1, [t.display for t in tickets]
    assert logged == 1
    assert sorted(a["outcome"] for a in answers) == ["already_issued"] * (SCANS - 1) + ["ticket_issued"]
    assert {a["ticket"]["number"] for a in answers} == {tickets[0].display}
    assert {a["ticket"]["id"] for a in answers} == {tickets[0].id}


def assert_one_checkin_ticket(db: Database, prereg_code: str, answers: list[dict[str, Any]]) -> None:
    with db.read() as s:
        d = s.scalars(select(Dossier).where(Dossier.prereg_code == prereg_code)).one()
        tickets = s.scalars(select(Ticket).where(Ticket.service_id == d.service_id)).all()
        logged = s.scalar(
            select(func.count())
            .select_from(DossierEvent)
            .where(DossierEvent.dossier_id == d.id, DossierEvent.action == "checkin")
        )
    assert len(tickets) == 1, [t.display for t in tickets]
    assert d.ticket_id == tickets[0].id and logged == 1
    assert sorted(a["outcome"] for a in answers) == ["already_issued"] * (SCANS - 1) + ["ticket_issued"]
    assert {a["ticket"]["number"] for a in answers} == {tickets[0].display}


# ------------------------------------------------------------------ SQLite
def test_a_receipt_scanned_by_many_kiosks_at_once_gets_one_pickup_ticket(db, dossiers):
    code = ready_dossier(dossiers)
    answers = scan_at_once(lambda: dossiers.pickup_by_code(1, code))
    assert_one_pickup_ticket(db, code, answers)


def test_a_pre_registration_checked_in_by_many_kiosks_at_once_gets_one_ticket(db, dossiers):
    prereg = dossiers.preregister(1, procedure_code="HKD-DK", applicant=Applicant("Vũ Thị Lan", "0987654321"), actor="api:egov")
    answers = scan_at_once(lambda: dossiers.checkin_by_preregistration(1, prereg["prereg_code"]))
    assert_one_checkin_ticket(db, prereg["prereg_code"], answers)


def test_a_second_scan_returns_the_same_ticket_and_prints_nothing_new(db, dossiers, events):
    code = ready_dossier(dossiers)
    first = dossiers.pickup_by_code(1, code)
    issued = [e for e in events if e.name == "ticket_issued"]
    second = dossiers.pickup_by_code(1, code)
    assert (first["outcome"], second["outcome"]) == ("ticket_issued", "already_issued")
    assert second["ticket"]["id"] == first["ticket"]["id"] and second["ticket"]["token"] == first["ticket"]["token"]
    assert [e for e in events if e.name == "ticket_issued"] == issued  # no second "ticket issued" on the boards


def test_the_ticket_events_go_out_after_the_commit_with_the_dossier_link_in_place(db, dossiers, events):
    code = ready_dossier(dossiers)
    seen: list[tuple[str, int]] = []

    def publish(event) -> None:
        if event.name == "ticket_issued":
            # A board that reacts to the event must already find the ticket and the dossier's log.
            with db.read() as s:
                seen.append(
                    (
                        s.get(Ticket, event.payload["ticket"]["id"]).dossier_code,
                        s.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.action == "pickup_ticket")),
                    )
                )

    dossiers.queue.publish = publish
    dossiers.publish = publish
    dossiers.pickup_by_code(1, code)
    assert seen == [(code, 1)]


def test_a_failure_after_the_ticket_is_issued_leaves_no_ticket_and_no_log(db, dossiers, monkeypatch):
    code = ready_dossier(dossiers)

    def broken_log(session, d, action, *args, **kwargs):
        raise RuntimeError("the power went out between the ticket and the dossier's log")

    monkeypatch.setattr(pickup, "log_event", broken_log)
    with pytest.raises(RuntimeError):
        dossiers.pickup_by_code(1, code)
    monkeypatch.undo()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.dossier_code == code)) == 0
    # Scanning again once the fault is gone works and issues the first number of the collect service.
    again = dossiers.pickup_by_code(1, code)
    assert again["outcome"] == "ticket_issued" and again["ticket"]["number"] == "8001"


def test_a_failed_check_in_link_leaves_no_orphan_ticket(db, dossiers, monkeypatch):
    prereg = dossiers.preregister(1, procedure_code="HKD-DK", applicant=Applicant("Vũ Thị Lan", "0987654321"), actor="api:egov")

    def broken_log(session, d, action, *args, **kwargs):
        raise RuntimeError("crash while linking the ticket to the registration")

    monkeypatch.setattr(pickup, "log_event", broken_log)
    with pytest.raises(RuntimeError):
        dossiers.checkin_by_preregistration(1, prereg["prereg_code"])
    monkeypatch.undo()
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
        assert s.scalar(select(Dossier.ticket_id).where(Dossier.id == prereg["id"])) is None
    assert dossiers.checkin_by_preregistration(1, prereg["prereg_code"])["outcome"] == "ticket_issued"


def test_the_kiosks_own_scan_with_its_issue_rule_is_atomic_too(db, dossiers, queue):
    """What the kiosk's scan endpoint calls (server.domain.kiosk.scan_at_kiosk): the kiosk's rule
    runs inside the dossier's transaction, and eight scans at once still get one ticket."""
    code = ready_dossier(dossiers)
    answers = scan_at_once(lambda: scan_at_kiosk(queue, dossiers, 1, code))
    assert_one_pickup_ticket(db, code, answers)


# ------------------------------------------------------------------ PostgreSQL
@pytest.fixture
def pg_dossiers(pg_url: str):
    """The demo center on a fresh PostgreSQL database, with its dossier service."""
    db = make_db(pg_url)
    with db.write() as s:
        seed_demo_procedures(s, 1)
    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    yield db, DossierService(db, clock, QueueService(db, clock))
    db.dispose()


@pytest.mark.postgres
def test_a_receipt_scanned_by_many_kiosks_at_once_gets_one_pickup_ticket_on_postgresql(pg_dossiers):
    db, service = pg_dossiers
    code = ready_dossier(service)
    answers = scan_at_once(lambda: service.pickup_by_code(1, code))
    assert_one_pickup_ticket(db, code, answers)


@pytest.mark.postgres
def test_a_pre_registration_checked_in_by_many_kiosks_at_once_gets_one_ticket_on_postgresql(pg_dossiers):
    db, service = pg_dossiers
    prereg = service.preregister(1, procedure_code="HKD-DK", applicant=Applicant("Vũ Thị Lan", "0987654321"), actor="api:egov")
    answers = scan_at_once(lambda: service.checkin_by_preregistration(1, prereg["prereg_code"]))
    assert_one_checkin_ticket(db, prereg["prereg_code"], answers)
