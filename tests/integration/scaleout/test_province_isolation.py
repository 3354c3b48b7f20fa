"""A province on one deployment: the staff of one center see and touch nothing of another
center over the API, while a province-wide account (a user with no center) sees every
center and its reports roll the centers up."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from server.demo_procedures import seed_demo_procedures
from server.domain.accounts import create_api_token, create_user
from server.domain.dossiers import Applicant, DossierService
from server.models import Center, Counter, CounterService, Service, ServiceKind, Ticket, TicketEvent
from tests.support.demo import login

OTHER_PASSWORD = "matkhau-phuong-b-1"


class Province:
    """Ids of the two centers' objects the tests aim at."""

    def __init__(self) -> None:
        self.a_counter = self.a_service = 0
        self.b_center = self.b_counter = self.b_counter2 = self.b_service = 0
        self.b_waiting_ticket = 0
        self.a_dossier = self.b_dossier = ""
        self.issued = {"A": 0, "B": 0}


def _api(client, method: str, url: str, csrf: str | None = None, body: Any = None):
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.open(url, method=method, json=body, headers=headers)


@pytest.fixture
def province(app, client, clock) -> Province:
    """The demo center (A) and a second ward center (B) with their staff, a province-wide
    supervisor, and a morning in both: tickets issued, one citizen served, one dossier received."""
    core = app.extensions["motcua"]
    p = Province()
    with core.db.write() as s:
        center = Center(
            code="PHUONGB",
            name="Trung tâm Phục vụ hành chính công phường Ba Đình",
            agency_id="000.00.13.H26",
            level="commune",
            settings={},
        )
        s.add(center)
        s.flush()
        service = Service(
            center_id=center.id,
            code="TPHT",
            name="Tư pháp – Hộ tịch – Chứng thực",
            kind=ServiceKind.SUBMIT,
            number_start=1001,
            number_digits=4,
        )
        s.add(service)
        s.flush()
        for number in (1, 2):
            counter = Counter(center_id=center.id, number=number, name=f"Quầy {number}", is_open=True)
            counter.links = [CounterService(service_id=service.id, position=0)]
            s.add(counter)
        s.flush()
        create_user(s, "canbo-b", OTHER_PASSWORD, role="clerk", center_id=center.id, full_name="Cán bộ phường Ba Đình")
        create_user(s, "giamsat-b", OTHER_PASSWORD, role="supervisor", center_id=center.id)
        create_user(s, "giamsat-tinh", OTHER_PASSWORD, role="supervisor", center_id=None, full_name="Giám sát cấp tỉnh")
        seed_demo_procedures(s, 1)
        seed_demo_procedures(s, center.id)
        p.b_center, p.b_service = center.id, service.id
        p.b_counter, p.b_counter2 = s.scalars(select(Counter.id).where(Counter.center_id == center.id).order_by(Counter.number))
        p.a_counter = s.scalar(select(Counter.id).where(Counter.center_id == 1, Counter.number == 1))
        p.a_service = s.scalar(select(Service.id).where(Service.center_id == 1, Service.code == "TPHT"))

    queue = core.queue
    for center_id, service_id, key, count in ((1, p.a_service, "A", 3), (p.b_center, p.b_service, "B", 3)):
        for _ in range(count):
            queue.issue_ticket(center_id, service_id)
        p.issued[key] = count
    for counter in (p.a_counter, p.b_counter):
        queue.call_next(counter)
    clock.advance(minutes=6)
    dossiers = DossierService(core.db, core.clock, queue)
    p.a_dossier = dossiers.receive(
        1,
        procedure_code="TPHT-KH",
        applicant=Applicant("Nguyễn Thị Hoa", "0912345678"),
        counter_id=p.a_counter,
        from_counter_ticket=True,
        actor="test",
    )["code"]
    p.b_dossier = dossiers.receive(
        p.b_center,
        procedure_code="TPHT-KH",
        applicant=Applicant("Trần Văn Bình", "0987654321"),
        counter_id=p.b_counter,
        from_counter_ticket=True,
        actor="test",
    )["code"]
    for counter in (p.a_counter, p.b_counter):
        queue.finish(counter)
    with core.db.read() as s:
        p.b_waiting_ticket = s.scalar(
            select(Ticket.id).where(Ticket.center_id == p.b_center, Ticket.state == "waiting").order_by(Ticket.id)
        )
    return p


def b_state(app, p: Province) -> tuple[Any, ...]:
    """Everything an intruder could have changed in center B."""
    core = app.extensions["motcua"]
    with core.db.read() as s:
        events = s.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.center_id == p.b_center))
        tickets = tuple(
            s.execute(
                select(Ticket.id, Ticket.state, Ticket.counter_id, Ticket.service_id)
                .where(Ticket.center_id == p.b_center)
                .order_by(Ticket.id)
            )
        )
        counters = tuple(
            s.execute(select(Counter.id, Counter.is_open).where(Counter.center_id == p.b_center).order_by(Counter.id))
        )
    dossier = DossierService(core.db, core.clock, core.queue).get(p.b_dossier, center_id=p.b_center)
    return events, tickets, counters, dossier["state"]


def b_requests(p: Province) -> list[tuple[str, str, Any]]:
    """Every staff request about center B's queue, counters, tickets, dossiers and reports."""
    counter, code, center = p.b_counter, p.b_dossier, p.b_center
    return [
        ("POST", f"/api/v1/counters/{counter}/call-next", None),
        ("POST", f"/api/v1/counters/{counter}/recall", None),
        ("POST", f"/api/v1/counters/{counter}/start", None),
        ("POST", f"/api/v1/counters/{counter}/finish", None),
        ("POST", f"/api/v1/counters/{counter}/no-show", None),
        ("POST", f"/api/v1/counters/{counter}/transfer", {"counter_id": p.b_counter2}),
        ("POST", f"/api/v1/counters/{counter}/open", None),
        ("POST", f"/api/v1/counters/{counter}/close", None),
        ("GET", f"/api/v1/counters/{counter}", None),
        ("GET", f"/api/v1/counters/{counter}/waiting", None),
        ("GET", f"/api/v1/counters/{counter}/current-dossiers", None),
        ("POST", f"/api/v1/tickets/{p.b_waiting_ticket}/cancel", {"reason": "thử"}),
        ("GET", f"/api/v1/centers/{center}/dossiers", None),
        ("GET", f"/api/v1/dossiers/{code}", None),
        ("GET", f"/api/v1/dossiers/{code}/receipt.png", None),
        ("GET", f"/api/v1/dossiers/{code}/receipt.pdf", None),
        ("POST", f"/api/v1/dossiers/{code}/processing", {}),
        ("POST", f"/api/v1/dossiers/{code}/result-ready", {}),
        ("POST", f"/api/v1/dossiers/{code}/print", {"counter_id": counter}),
        (
            "POST",
            f"/api/v1/centers/{center}/dossiers/receive",
            {"procedure_code": "TPHT-KH", "applicant_name": "Người lạ", "channel": "post", "print": False},
        ),
        ("POST", f"/api/v1/centers/{center}/dossier-pickup", {"code": code}),
        ("GET", f"/api/v1/centers/{center}/notices", None),
        ("GET", f"/api/v1/reports?center_id={center}", None),
        ("GET", f"/api/v1/reports/export?center_id={center}&format=csv&table=summary", None),
        ("GET", f"/api/v1/reports/live?center_id={center}", None),
        ("GET", f"/api/v1/admin/centers/{center}", None),
        ("GET", f"/api/v1/admin/centers/{center}/counters", None),
        ("GET", f"/api/v1/devices?center_id={center}", None),
        ("GET", f"/api/v1/printers?center_id={center}", None),
    ]


def test_every_request_on_the_list_is_one_center_b_staff_may_make(app, province):
    """The control: B's own supervisor gets answers (a 409 is a state refusal, not a rights one),
    so the 403s below come from the center boundary and not from a wrong URL or body."""
    own = app.test_client()
    csrf = login(own, "giamsat-b", OTHER_PASSWORD)
    answers = {url: _api(own, method, url, csrf, body).status_code for method, url, body in b_requests(province)}
    assert {url: status for url, status in answers.items() if status not in (200, 201, 409)} == {}


@pytest.mark.parametrize("username", ["quay1", "giamsat"])
def test_staff_of_one_center_are_refused_everything_of_another_and_change_nothing(app, client, province, username):
    p = province
    csrf = login(client, username)
    before = b_state(app, p)
    answers = {}
    for method, url, body in b_requests(p):
        response = _api(client, method, url, csrf, body)
        answers[f"{method} {url}"] = (response.status_code, response.get_json()["error"]["code"])
    assert {k: v for k, v in answers.items() if v != (403, "forbidden")} == {}
    assert b_state(app, p) == before
    # The same session works at home: the refusals above were about the center, not the login.
    assert _api(client, "GET", f"/api/v1/counters/{p.a_counter}/waiting", csrf).status_code == 200
    assert _api(client, "GET", f"/api/v1/dossiers/{p.a_dossier}", csrf).status_code == 200


def test_own_objects_cannot_be_pointed_at_another_center(app, client, province):
    p = province
    csrf = login(client, "quay1")
    assert _api(client, "POST", f"/api/v1/counters/{p.a_counter}/call-next", csrf).status_code == 200
    before = b_state(app, p)
    to_b_counter = _api(client, "POST", f"/api/v1/counters/{p.a_counter}/transfer", csrf, {"counter_id": p.b_counter})
    to_b_service = _api(client, "POST", f"/api/v1/counters/{p.a_counter}/transfer", csrf, {"service_id": p.b_service})
    print_at_b = _api(client, "POST", f"/api/v1/dossiers/{p.a_dossier}/print", csrf, {"counter_id": p.b_counter})
    receive_at_b = _api(
        client,
        "POST",
        "/api/v1/centers/1/dossiers/receive",
        csrf,
        {
            "procedure_code": "TPHT-KH",
            "applicant_name": "Lê Thị Cúc",
            "channel": "post",
            "counter_id": p.b_counter,
            "print": False,
        },
    )
    issue_b_service_in_a = _api(client, "POST", "/api/v1/tickets", csrf, {"center_id": 1, "service_id": p.b_service})
    assert [r.status_code for r in (to_b_counter, to_b_service, print_at_b, receive_at_b, issue_b_service_in_a)] == [404] * 5
    assert b_state(app, p) == before


def test_a_center_supervisor_asking_for_all_centers_gets_only_their_own(client, province):
    login(client, "giamsat-b", OTHER_PASSWORD)
    report = client.get("/api/v1/reports").get_json()
    assert report["scope"] == "center" and [c["code"] for c in report["centers"]] == ["PHUONGB"]
    assert [c["code"] for c in client.get("/api/v1/admin/centers").get_json()] == ["PHUONGB"]


def test_a_center_api_token_is_refused_at_another_center(app, province):
    p = province
    with app.extensions["motcua"].db.write() as s:
        token = create_api_token(
            s, "Hệ thống một cửa điện tử phường A", center_id=1, role="supervisor", scopes=("dossiers", "queue")
        )
    machine = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert machine.post(f"/api/v1/dossiers/{p.b_dossier}/result-ready", json={}, headers=headers).status_code == 403
    assert machine.post(f"/api/v1/counters/{p.b_counter}/call-next", headers=headers).status_code == 403
    assert machine.get(f"/api/v1/reports?center_id={p.b_center}", headers=headers).status_code == 403
    assert machine.post(f"/api/v1/dossiers/{p.a_dossier}/processing", json={}, headers=headers).status_code == 200


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    table = next(t for t in report["tables"] if t["key"] == "summary")
    return {row["metric"]: row["value"] for row in table["rows"]}


def test_a_province_wide_account_sees_every_center_and_reports_roll_up(client, province):
    p = province
    csrf = login(client, "giamsat-tinh", OTHER_PASSWORD)
    assert {c["code"] for c in client.get("/api/v1/admin/centers").get_json()} == {"HOANKIEM", "PHUONGB"}
    for center, counter, code in ((1, p.a_counter, p.a_dossier), (p.b_center, p.b_counter, p.b_dossier)):
        assert client.get(f"/api/v1/counters/{counter}/waiting").status_code == 200
        assert [d["code"] for d in client.get(f"/api/v1/centers/{center}/dossiers").get_json()] == [code]
        assert client.get(f"/api/v1/dossiers/{code}").get_json()["code"] == code
        assert client.get(f"/api/v1/reports/live?center_id={center}").status_code == 200
    assert _api(client, "POST", f"/api/v1/counters/{p.b_counter}/call-next", csrf).status_code == 200

    everything = client.get("/api/v1/reports").get_json()
    one_a = client.get("/api/v1/reports?center_id=1").get_json()
    one_b = client.get(f"/api/v1/reports?center_id={p.b_center}").get_json()
    assert everything["scope"] == "all" and {c["code"] for c in everything["centers"]} == {"HOANKIEM", "PHUONGB"}
    rows = {r["center_code"]: r for r in next(t for t in everything["tables"] if t["key"] == "by_center")["rows"]}
    assert {code: (r["issued"], r["served"]) for code, r in rows.items()} == {
        "HOANKIEM": (_summary(one_a)["issued"], _summary(one_a)["served"]),
        "PHUONGB": (_summary(one_b)["issued"], _summary(one_b)["served"]),
    }
    assert (_summary(one_a)["issued"], _summary(one_b)["issued"]) == (p.issued["A"], p.issued["B"])
    assert _summary(one_a)["served"] == _summary(one_b)["served"] == 1
    total = _summary(everything)
    assert total["issued"] == p.issued["A"] + p.issued["B"] and total["served"] == 2


def test_watching_a_center_live_reveals_no_ticket_token(app, province):
    """Anyone may watch a center's board feed (a TV in the hall does, without logging in), so the
    feed must not carry a ticket's token: the token opens that citizen's phone page and rating."""
    from server.adapters.realtime import socketio

    p = province
    core = app.extensions["motcua"]
    with core.db.read() as s:
        token = s.get(Ticket, p.b_waiting_ticket).token  # the next one counter 2 will call
    board = socketio.test_client(app, auth={"center_id": p.b_center})
    phone = socketio.test_client(app, auth={"ticket": token})
    board.get_received()
    phone.get_received()
    assert core.queue.call_next(p.b_counter2).ticket["id"] == p.b_waiting_ticket
    core.queue.finish(p.b_counter2)
    seen = [m for m in board.get_received() if m["name"].startswith("ticket_")]
    assert [m["name"] for m in seen] == ["ticket_called", "ticket_finished"]
    assert [m["args"][0]["ticket"]["id"] for m in seen] == [p.b_waiting_ticket] * 2
    assert token not in repr(seen)
    # The citizen's own phone page still gets its ticket whole.
    mine = [m["args"][0]["ticket"] for m in phone.get_received() if m["name"].startswith("ticket_")]
    assert [t["token"] for t in mine] == [token] * 2


def test_watching_a_counter_reveals_no_ticket_token_either(app, province):
    """A counter's snapshot (what a console or counter screen gets on connect) shows the ticket
    being served, but not its token."""
    from server.adapters.realtime import socketio

    p = province
    core = app.extensions["motcua"]
    called = core.queue.call_next(p.b_counter2).ticket
    with core.db.read() as s:
        token = s.get(Ticket, called["id"]).token
    watcher = socketio.test_client(app, auth={"center_id": p.b_center, "counter_id": p.b_counter2})
    snapshot = watcher.get_received()[0]
    assert snapshot["name"] == "snapshot"
    assert snapshot["args"][0]["counter"]["current"]["id"] == called["id"]
    assert token not in repr(snapshot)
