"""The chip ID card (CCCD) at the kiosk and the counter: a citizen with ready results gets ONE pickup
ticket however often the card is scanned; without any, the ticket of the field chosen is linked to the
citizen and the counter pre-fills the receive form from the last dossier. The number is kept only as
an HMAC key (plus the personal field the dossier prints), every look-up is audited, returned dossiers
lose their personal fields after the center's retention, and nothing public ever carries the name,
the number or the address."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hardware.layout import render_receipt
from server.adapters.realtime import socketio
from server.clock import FixedClock
from server.db import Database
from server.demo_procedures import seed_demo_procedures
from server.domain.citizen_id import citizen_key
from server.domain.dossiers import Applicant, DossierService
from server.domain.dossiers.paper import receipt_paper
from server.domain.dossiers.retention import purge_personal_data
from server.domain.kiosk import scan_at_kiosk
from server.domain.queue import QueueService
from server.models import Center, Ticket
from server.models.admin import AuditEntry
from server.models.dossiers import Dossier, DossierEvent, DossierState
from tests.support.at_once import all_at_once
from tests.support.demo import login, make_db, update
from tests.support.dossiers import receive_via_api, serve_next

SECRET = "test-secret"  # tests/support/settings.py: the app's secret key
NUMBER = "001099013456"
NAME = "Lê Thị Phương Thảo"
ADDRESS = "Số 18 ngõ 45 phố Khâm Thiên, Đống Đa, Hà Nội"
CARD = f"{NUMBER}|012345678|{NAME}|02031988|Nữ|{ADDRESS}|15082021"
SECRETS = (NUMBER, NAME, "Phương Thảo", ADDRESS, "Khâm Thiên", "012345678")


def scan_at_once(scan: Any, times: int) -> list[dict[str, Any]]:
    """``times`` threads released together (kiosks scanning the same card at the same instant); every answer."""
    return all_at_once(scan, times)


def assert_private(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"


@pytest.fixture
def carded(db: Database, clock: FixedClock, queue: QueueService, published: list, procedures) -> DossierService:
    """The dossier service as the app builds it: with the instance's secret."""
    return DossierService(db, clock, queue, publish=published.append, citizen_secret=SECRET)


def ready_for(service: DossierService, number: str = NUMBER, procedure: str = "TPHT-KH") -> str:
    code = service.receive(1, procedure_code=procedure, applicant=Applicant(NAME, "0912345678", "", ADDRESS, number),
                           documents=["Tờ khai"], actor="test")["code"]
    service.transition(code, "result_ready", actor="test")
    return code


def citizen_audits(db: Database) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "citizen_lookup").order_by(AuditEntry.id)))


# ------------------------------------------------------------------ kiosk: ready results
def test_a_card_with_two_ready_results_scanned_three_times_gets_one_pickup_ticket(db, queue, carded):
    codes = [ready_for(carded), ready_for(carded, procedure="TPHT-CTBS")]
    answers = [scan_at_kiosk(queue, carded, 1, CARD) for _ in range(3)]
    assert [a["outcome"] for a in answers] == ["ticket_issued", "ticket_status", "ticket_status"]
    assert all(a["kind"] == "citizen_card" and a["masked_id"] == "0010****3456" for a in answers)
    assert answers[0]["dossiers_ready"] == 2 and answers[0]["ticket"]["number"] == "8001"
    assert {a["ticket"]["id"] for a in answers} == {answers[0]["ticket"]["id"]}
    with db.read() as s:
        tickets = s.scalars(select(Ticket)).all()
        logged = s.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.action == "pickup_ticket"))
    assert len(tickets) == 1 and tickets[0].dossier_code in codes
    assert tickets[0].citizen_key == citizen_key(NUMBER, SECRET)
    assert logged == 2  # each ready dossier's log names the ticket


def test_a_card_scanned_at_two_kiosks_at_once_gets_one_ticket(db, queue, carded):
    ready_for(carded)
    answers = scan_at_once(lambda: scan_at_kiosk(queue, carded, 1, CARD), times=2)
    assert sorted(a["outcome"] for a in answers) == ["ticket_issued", "ticket_status"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_receipt_scanned_after_the_card_finds_the_same_ticket(queue, carded):
    code = ready_for(carded)
    by_card = scan_at_kiosk(queue, carded, 1, CARD)
    by_receipt = scan_at_kiosk(queue, carded, 1, code)
    assert by_receipt["outcome"] == "already_issued" and by_receipt["ticket"]["id"] == by_card["ticket"]["id"]


def test_a_card_whose_number_only_survived_the_scanner_still_finds_the_results(queue, carded):
    ready_for(carded)
    mangled = f"{NUMBER}|012345678|Lee Thij Phuwowng Thaor|02031988|Nuwx|Soos 18|15082021"
    assert scan_at_kiosk(queue, carded, 1, mangled)["outcome"] == "ticket_issued"


def test_results_of_another_citizen_are_not_this_citizens(queue, carded):
    ready_for(carded, number="079203004567")
    answer = scan_at_kiosk(queue, carded, 1, CARD)
    assert answer["outcome"] == "choose_service" and answer["ticket"] is None


def test_an_unreadable_card_gets_a_clear_bilingual_answer(queue, carded):
    answer = scan_at_kiosk(queue, carded, 1, "00109901345|012345678|An|01011990|Nam|Hà Nội|01012020")
    assert answer["outcome"] == "id_card_unreadable" and answer["kind"] == "citizen_card"
    assert "12" in answer["message_vi"] and "12" in answer["message_en"] and answer["ticket"] is None


def test_a_card_scanned_when_the_center_is_closed_is_refused_like_a_receipt(db, queue, carded, clock):
    ready_for(carded)
    update(db, Center, 1, settings={"opening_hours": {day: [["07:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}})
    clock.advance(hours=14)  # 23:00 local time
    answer = scan_at_kiosk(queue, carded, 1, CARD)
    assert answer["outcome"] == "center_closed" and answer["ticket"] is None


# ------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_a_card_scanned_at_two_kiosks_at_once_gets_one_ticket_on_postgresql(pg_url):
    db = make_db(pg_url)
    try:
        with db.write() as s:
            seed_demo_procedures(s, 1)
        clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
        queue = QueueService(db, clock)
        service = DossierService(db, clock, queue, citizen_secret=SECRET)
        ready_for(service)
        ready_for(service, procedure="TPHT-CTBS")
        answers = scan_at_once(lambda: scan_at_kiosk(queue, service, 1, CARD), times=4)
        assert sorted(a["outcome"] for a in answers) == ["ticket_issued"] + ["ticket_status"] * 3
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Ticket)) == 1
    finally:
        db.dispose()


# ------------------------------------------------------------------ receive, look-up, audit
def test_receiving_with_an_id_number_keeps_the_number_and_its_key_never_the_key_alone(db, carded):
    code = carded.receive(1, procedure_code="TPHT-KH", applicant=Applicant(NAME, "", "", ADDRESS, "0010 9901 3456"),
                          actor="test")["code"]
    with db.read() as s:
        d = s.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert d.applicant_id_number == NUMBER and d.citizen_key == citizen_key(NUMBER, SECRET) and NUMBER not in d.citizen_key
    assert carded.get(code, center_id=1)["applicant_id_number"] == NUMBER


def test_the_receipt_prints_the_applicants_id_number_only_when_the_dossier_has_one(db, carded):
    with_card = carded.receive(1, procedure_code="TPHT-KH", applicant=Applicant(NAME, "", "", ADDRESS, NUMBER), actor="test")
    without = carded.receive(1, procedure_code="TPHT-KH", applicant=Applicant(NAME, "", "", ADDRESS), actor="test")
    with db.read() as s:
        papers = {code: receipt_paper(s, s.scalars(select(Dossier).where(Dossier.code == code)).one())
                  for code in (with_card["code"], without["code"])}
    assert papers[with_card["code"]].applicant_id_number == NUMBER and papers[without["code"]].applicant_id_number == ""
    # The number takes its own line on paper: the same receipt without it is shorter.
    paper = papers[with_card["code"]]
    assert render_receipt(paper).height > render_receipt(replace(paper, applicant_id_number="")).height


def test_a_malformed_id_number_is_refused_at_receive(carded):
    with pytest.raises(Exception) as caught:
        carded.receive(1, procedure_code="TPHT-KH", applicant=Applicant(NAME, id_number="12345"), actor="test")
    assert getattr(caught.value, "code", None) == "invalid_id_number" and caught.value.status == 400


def test_a_clerks_look_up_by_id_finds_the_citizens_dossiers_and_is_audited(db, carded):
    codes = {ready_for(carded), ready_for(carded, procedure="TPHT-CTBS")}
    ready_for(carded, number="079203004567")
    found = carded.citizen_dossiers(1, NUMBER, actor="user:1:quay1", user_id=None)
    assert {d["code"] for d in found} == codes
    entries = citizen_audits(db)
    assert len(entries) == 1 and entries[0].actor == "user:1:quay1" and entries[0].entity_id == "0010****3456"
    assert "2" in entries[0].summary and NUMBER not in entries[0].summary


def test_every_kiosk_look_up_by_card_is_audited_with_the_masked_number_only(db, queue, carded):
    ready_for(carded)
    scan_at_kiosk(queue, carded, 1, CARD)
    scan_at_kiosk(queue, carded, 1, CARD)
    entries = citizen_audits(db)
    assert [e.actor for e in entries] == ["kiosk:id_card", "kiosk:id_card"]
    assert all(NUMBER not in (e.summary + e.entity_id) for e in entries)


# ------------------------------------------------------------------ over HTTP: kiosk → counter
def kiosk_scan(app, kiosk: str, text: str) -> dict[str, Any]:
    response = app.test_client().post("/api/v1/kiosk/scan", json={"code": text}, headers={"X-Device-Token": kiosk})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def receive_with_card(client, csrf: str) -> dict[str, Any]:
    body = {"procedure_code": "TPHT-KH", "applicant_name": NAME, "applicant_phone": "0912345678", "applicant_address": ADDRESS,
            "applicant_id_number": NUMBER, "print": False}
    response = client.post("/api/v1/centers/1/dossiers/receive", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["dossier"]


@pytest.mark.usefixtures("procedures")
def test_without_ready_results_the_card_links_the_chosen_fields_ticket_and_the_counter_pre_fills(
        app, client, clerk_csrf, kiosk_token, db):
    receive_with_card(client, clerk_csrf)  # an earlier visit
    answer = kiosk_scan(app, kiosk_token, CARD)
    assert answer["outcome"] == "choose_service" and answer["kind"] == "citizen_card"
    assert answer["masked_id"] == "0010****3456" and answer["citizen_link"] and answer["ticket"] is None
    issued = app.test_client().post("/api/v1/kiosk/tickets", json={"service_id": 1, "citizen_link": answer["citizen_link"]},
                                    headers={"X-Device-Token": kiosk_token})
    assert issued.status_code == 201, issued.get_json()
    with db.read() as s:
        assert s.get(Ticket, issued.get_json()["ticket"]["id"]).citizen_key == citizen_key(NUMBER, SECRET)

    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": clerk_csrf})
    current = client.get("/api/v1/counters/1/current-dossiers").get_json()
    assert current["ticket"]["id"] == issued.get_json()["ticket"]["id"]
    assert current["citizen"] == {"masked_id": "0010****3456",
                                  "prefill": {"name": NAME, "address": ADDRESS, "phone": "0912345678", "id_number": NUMBER}}
    client.get("/api/v1/counters/1/current-dossiers")  # the console refreshes: still one audit row for this ticket
    assert [e.actor for e in citizen_audits(db)].count("user:1:quay1") == 1


@pytest.mark.usefixtures("procedures")
def test_a_forged_or_expired_link_still_issues_the_ticket_unlinked(app, kiosk_token, db, clock):
    answer = kiosk_scan(app, kiosk_token, CARD)
    tampered = app.test_client().post("/api/v1/kiosk/tickets", json={"service_id": 1, "citizen_link": "forged.link.value"},
                                      headers={"X-Device-Token": kiosk_token})
    clock.advance(minutes=11)
    expired = app.test_client().post("/api/v1/kiosk/tickets", json={"service_id": 1, "citizen_link": answer["citizen_link"]},
                                     headers={"X-Device-Token": kiosk_token})
    assert (tampered.status_code, expired.status_code) == (201, 201)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.citizen_key.is_not(None))) == 0


@pytest.mark.usefixtures("procedures")
def test_a_first_visit_with_a_card_has_a_citizen_but_nothing_to_pre_fill(app, client, clerk_csrf, kiosk_token):
    link = kiosk_scan(app, kiosk_token, CARD)["citizen_link"]
    app.test_client().post("/api/v1/kiosk/tickets", json={"service_id": 1, "citizen_link": link},
                           headers={"X-Device-Token": kiosk_token})
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": clerk_csrf})
    citizen = client.get("/api/v1/counters/1/current-dossiers").get_json()["citizen"]
    assert citizen == {"masked_id": "************", "prefill": None}  # the ticket keeps the key only, never the number
    code = receive_via_api(client, clerk_csrf, applicant_name=NAME)["dossier"]["code"]  # typed by the clerk, no number
    assert client.get(f"/api/v1/dossiers/{code}").get_json()["citizen_linked"] is True  # the card's link is kept


@pytest.mark.usefixtures("procedures")
def test_a_ticket_without_a_card_has_no_citizen_on_the_console(client, clerk_csrf):
    serve_next(client, clerk_csrf)
    assert client.get("/api/v1/counters/1/current-dossiers").get_json()["citizen"] is None


@pytest.mark.usefixtures("procedures")
def test_the_receive_form_reads_a_card_and_refuses_garbage_with_400(client, clerk_csrf, app):
    headers = {"X-CSRF-Token": clerk_csrf}
    read = client.post("/api/v1/dossiers/id-card", json={"text": CARD}, headers=headers)
    assert read.status_code == 200
    assert read.get_json() == {"id_number": NUMBER, "old_id": "012345678", "name": NAME, "birth_date": "1988-03-02",
                               "sex": "Nữ", "address": ADDRESS, "issue_date": "2021-08-15", "masked_id": "0010****3456"}
    for text in ("not a card", "0010990134|x", "9" * 5000):
        bad = client.post("/api/v1/dossiers/id-card", json={"text": text}, headers=headers)
        assert bad.status_code == 400, text
        error = bad.get_json()["error"]
        assert error["message_vi"] and error["message_en"] and error["message_vi"] != error["message_en"], error
    assert app.test_client().post("/api/v1/dossiers/id-card", json={"text": CARD}).status_code in (401, 403)
    assert client.post("/api/v1/dossiers/id-card", json={"text": CARD}).status_code in (400, 403)  # no CSRF token


@pytest.mark.usefixtures("procedures")
def test_the_clerks_list_by_citizen_is_audited_and_a_bad_number_is_a_400(client, clerk_csrf, db):
    code = receive_with_card(client, clerk_csrf)["code"]
    lookup = "/api/v1/centers/1/dossiers/by-citizen"  # the number in the body: URLs end up in access logs
    found = client.post(lookup, headers={"X-CSRF-Token": clerk_csrf}, json={"id_number": NUMBER})
    assert found.status_code == 200 and [d["code"] for d in found.get_json()] == [code]
    assert citizen_audits(db)[-1].actor == "user:1:quay1"
    assert client.post(lookup, headers={"X-CSRF-Token": clerk_csrf}, json={"id_number": "12ab"}).status_code == 400
    bad_receive = client.post("/api/v1/centers/1/dossiers/receive", headers={"X-CSRF-Token": clerk_csrf},
                              json={"procedure_code": "TPHT-KH", "applicant_name": NAME, "applicant_id_number": "123"})
    assert bad_receive.status_code == 400 and bad_receive.get_json()["error"]["code"] == "invalid_id_number"


# ------------------------------------------------------------------ retention
def day_summary(client, day: str) -> dict[str, Any]:
    login(client, "giamsat")
    report = client.get("/api/v1/reports", query_string={"center_id": 1, "date": day}).get_json()
    return {r["metric"]: r["value"] for r in next(t for t in report["tables"] if t["key"] == "dossier_summary")["rows"]}


@pytest.mark.usefixtures("procedures")
def test_returned_dossiers_lose_their_personal_fields_after_retention_and_the_reports_do_not_change(app, clock):
    core = app.extensions["motcua"]
    service: DossierService = core.dossiers.dossiers
    day = clock.now().date().isoformat()
    returned = ready_for(service)
    service.transition(returned, "return", actor="test")
    still_open = service.receive(1, procedure_code="TPHT-KH", applicant=Applicant(NAME, "0912345678", "", ADDRESS, NUMBER),
                                 actor="test")["code"]
    assert purge_personal_data(core.db, clock) == 0  # nothing is past retention yet
    clock.advance(days=366)
    before = day_summary(app.test_client(), day)
    assert purge_personal_data(core.db, clock) == 1
    assert purge_personal_data(core.db, clock) == 0  # idempotent
    with core.db.read() as s:
        gone = s.scalars(select(Dossier).where(Dossier.code == returned)).one()
        kept = s.scalars(select(Dossier).where(Dossier.code == still_open)).one()
        assert (gone.applicant_name, gone.applicant_phone, gone.applicant_address, gone.applicant_id_number) == ("", "", "", "")
        assert gone.citizen_key is None and gone.personal_purged_at is not None
        assert gone.state == DossierState.RETURNED and gone.result_class  # what reports count stays
        assert kept.applicant_name == NAME and kept.citizen_key  # not returned: kept
    assert day_summary(app.test_client(), day) == before and before["returned"] == 1


@pytest.mark.usefixtures("procedures")
def test_a_center_sets_its_own_retention_within_bounds(app, clock):
    core = app.extensions["motcua"]
    admin = app.test_client()
    csrf = login(admin, "admin")
    ok = admin.put("/api/v1/admin/centers/1/settings/privacy", json={"value": {"retention_days": 90}},
                   headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.get_json()
    with core.db.read() as s:
        assert s.get(Center, 1).settings["privacy"] == {"retention_days": 90}
    returned = ready_for(core.dossiers.dossiers)
    core.dossiers.dossiers.transition(returned, "return", actor="test")
    clock.advance(days=91)
    assert (purge_personal_data(core.db, clock), purge_personal_data(core.db, clock)) == (1, 0)  # nothing left the second time
    for bad in (0, 5, 10_000, "abc", True):
        refused = admin.put("/api/v1/admin/centers/1/settings/privacy", json={"value": {"retention_days": bad}},
                            headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 400, bad


def test_the_upkeep_runs_the_purge_at_most_hourly(app, clock):
    upkeep = app.extensions["motcua"].upkeep
    assert "personal_data_retention" in upkeep.tick()
    clock.advance(minutes=59)
    assert "personal_data_retention" not in upkeep.tick()
    clock.advance(minutes=1)
    assert "personal_data_retention" in upkeep.tick()


# ------------------------------------------------------------------ privacy walk
@pytest.mark.usefixtures("procedures")
def test_no_name_number_or_address_in_events_public_answers_or_logs(app, client, clerk_csrf, kiosk_token, caplog):
    caplog.set_level(logging.DEBUG)
    board = socketio.test_client(app, auth={"center_id": 1})
    core = app.extensions["motcua"]
    captured: list[Any] = []
    core.bus.subscribe(captured.append)

    receive_with_card(client, clerk_csrf)
    ready = ready_for(core.dossiers.dossiers)
    scans = [kiosk_scan(app, kiosk_token, CARD), kiosk_scan(app, kiosk_token, CARD)]
    assert [s["outcome"] for s in scans] == ["ticket_issued", "ticket_status"]
    token = scans[0]["ticket"]["token"]
    desk = app.test_client()
    csrf = login(desk, "quay7")
    assert desk.post("/api/v1/counters/7/call-next", headers={"X-CSRF-Token": csrf}).status_code == 200
    desk.post("/api/v1/counters/7/start", headers={"X-CSRF-Token": csrf})
    desk.post(f"/api/v1/dossiers/{ready}/return", json={}, headers={"X-CSRF-Token": csrf})
    desk.post("/api/v1/counters/7/finish", headers={"X-CSRF-Token": csrf})
    core.dossiers.dossiers.pickup_by_code(1, ready)  # the receipt too, after the return
    chosen = kiosk_scan(app, kiosk_token, CARD)  # nothing ready any more: choose a field
    linked = app.test_client().post("/api/v1/kiosk/tickets", json={"service_id": 1, "citizen_link": chosen["citizen_link"]},
                                    headers={"X-Device-Token": kiosk_token})
    client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": clerk_csrf})

    public = app.test_client()
    for path in (f"/api/v1/tickets/{token}", f"/t/{token}", f"/api/v1/tickets/{linked.get_json()['ticket']['token']}",
                 "/api/v1/centers/1/queue", "/api/v1/centers/1/results-ready", f"/api/v1/dossiers/{ready}/status", "/"):
        response = public.get(path)
        assert response.status_code == 200, path
        assert_private(response.get_data(as_text=True), path)
    for answer in (*scans, chosen, linked.get_json()):
        assert_private(json.dumps(answer, ensure_ascii=False), "a kiosk answer")
    messages = board.get_received()
    assert {"ticket_issued", "ticket_called"} <= {m["name"] for m in messages}
    assert_private(json.dumps(messages, ensure_ascii=False, default=str), "the board's Socket.IO events")
    assert captured and {e.name for e in captured} >= {"ticket_issued", "ticket_called"}
    assert_private(json.dumps([(e.name, e.payload) for e in captured], ensure_ascii=False, default=str), "the event bus")
    logged = "\n".join([caplog.text] + [f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records])
    assert_private(logged, "the logs")
    board.disconnect()


def test_a_scan_that_fails_inside_logs_the_masked_number_only(queue, carded, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(carded, "pickup_by_citizen", broken)
    answer = scan_at_kiosk(queue, carded, 1, CARD)
    assert answer["outcome"] == "dossier_unavailable" and answer["masked_id"] == "0010****3456"
    assert "0010****3456" in caplog.text and NUMBER not in caplog.text and NAME not in caplog.text


def test_the_kiosk_answers_within_a_moment_even_for_a_long_day(queue, carded, clock):
    """Ten earlier dossiers of the same citizen do not slow the scan: one query for the ready ones."""
    for _ in range(10):
        code = ready_for(carded)
        carded.transition(code, "return", actor="test")
    ready_for(carded)
    started = datetime.now(UTC)
    assert scan_at_kiosk(queue, carded, 1, CARD)["dossiers_ready"] == 1
    assert datetime.now(UTC) - started < timedelta(seconds=2)
