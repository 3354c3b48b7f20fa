"""What the display tests share: clerks who call through the API, tickets and ready dossiers to
call, and reading what a board page shows and played."""
from __future__ import annotations

import threading
from typing import Any

from tests.support.browser import ARTIFACTS
from tests.support.demo import login

DISPLAY_ARTIFACTS = ARTIFACTS / "display"
FAST = 4  # boards in tests play announcements at 4× speed (the same files, heard faster)


class Clerks:
    """Clerks logged in at their counters (one test client each), calling through the API."""

    def __init__(self, app) -> None:
        self.app = app
        self.desks: dict[int, tuple[Any, str]] = {}

    def desk(self, counter: int) -> tuple[Any, str]:
        if counter not in self.desks:
            client = self.app.test_client()
            self.desks[counter] = (client, login(client, f"quay{counter}"))
        return self.desks[counter]

    def post(self, counter: int, action: str, **kw: Any) -> dict[str, Any]:
        client, csrf = self.desk(counter)
        response = client.post(f"/api/v1/counters/{counter}/{action}", headers={"X-CSRF-Token": csrf}, **kw)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def call_next(self, counter: int) -> dict[str, Any]:
        body = self.post(counter, "call-next")
        assert body["ticket"] is not None, body
        return body["ticket"]

    def call_at_once(self, counters: list[int]) -> list[dict[str, Any]]:
        """Each counter presses Next at the same moment, from its own thread."""
        for counter in counters:
            self.desk(counter)  # log in first, so the presses really coincide
        barrier = threading.Barrier(len(counters))
        results: dict[int, Any] = {}

        def press(counter: int) -> None:
            barrier.wait()
            try:
                results[counter] = self.call_next(counter)
            except BaseException as error:  # noqa: BLE001 - re-raised below
                results[counter] = error

        threads = [threading.Thread(target=press, args=(c,)) for c in counters]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for counter in counters:
            if isinstance(results.get(counter), BaseException):
                raise results[counter]
        return [results[c] for c in counters]


def issue(client, service_code: str) -> dict[str, Any]:
    """A citizen takes a ticket for a service of the demo center."""
    services = {s["code"]: s["id"] for s in client.get("/api/v1/centers/1/services").get_json()}
    response = client.post("/api/v1/tickets", json={"center_id": 1, "service_id": services[service_code]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def recent_call_ids(client) -> list[int]:
    """Event ids of today's calls, oldest first (from the public queue snapshot)."""
    calls = client.get("/api/v1/centers/1/queue").get_json()["recent_calls"]
    return sorted(c["event_id"] for c in calls)


# ------------------------------------------------------------------ dossiers and result pickups
def dossier_service(app) -> Any:
    """The app's own dossier service (the one the kiosk's scan uses), with the demo procedures."""
    from server.demo_procedures import seed_demo_procedures
    from server.web.api.dossiers import area

    with app.extensions["motcua"].db.write() as s:
        seed_demo_procedures(s, 1)  # idempotent
    return area(app).dossiers


def ready_dossiers(app, count: int) -> list[str]:
    """``count`` dossiers received at the demo center, each with its result ready; their codes, oldest first."""
    from server.domain.dossiers import Applicant

    service = dossier_service(app)
    procedure_id = service.procedures(1)[0]["id"]
    codes = []
    for _ in range(count):
        code = service.receive(1, procedure_id=procedure_id, applicant=Applicant(name="Trần Thị Hương", phone="0987654321",
                                                                               email="huong.tran@example.vn"))["code"]
        service.transition(code, "result_ready")
        codes.append(code)
    return codes


def pickup_ticket(app) -> tuple[str, dict[str, Any]]:
    """A ready dossier whose receipt was scanned at the kiosk: (its code, the pickup ticket the citizen holds)."""
    code = ready_dossiers(app, 1)[0]
    answer = dossier_service(app).pickup_by_code(1, code)
    assert answer["outcome"] == "ticket_issued", answer
    return code, answer["ticket"]


# ------------------------------------------------------------------ reading a board page
BOARD_TIMEOUT = 20_000  # ms; waits are for states, never fixed sleeps


def rows(page) -> list[dict]:
    """The board's recent-calls list as shown: newest first."""
    return page.eval_on_selector_all(
        "#recent-calls tr", "trs => trs.map(tr => ({event_id: +tr.dataset.eventId, text: tr.innerText}))"
    )


def played(page) -> list[int]:
    """Event ids of the announcements the page has played to the end, in order."""
    return page.evaluate("window.__played.map(p => p.event_id)")


def wait_connected(page) -> None:
    """Until the board is online and has applied its first snapshot."""
    page.wait_for_function("() => document.body.dataset.online === 'true' && window.__board.lastEventId !== null",
                           timeout=BOARD_TIMEOUT)
