"""Dossier fixtures: the demo center with its procedure catalogue, a dossier service over the
test database, helpers that receive a dossier the way a clerk does."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from server.clock import FixedClock
from server.db import Database
from server.demo_procedures import seed_demo_procedures
from server.domain.dossiers import Applicant, DossierService
from server.domain.queue import QueueService
from server.models.dossiers import Procedure
from tests.conftest import login


@pytest.fixture
def procedures(db: Database) -> dict[str, int]:
    """The demo center's procedure catalogue: code → id."""
    with db.write() as s:
        seed_demo_procedures(s, 1)
    with db.read() as s:
        return {p.code: p.id for p in s.scalars(select(Procedure).where(Procedure.center_id == 1))}


@pytest.fixture
def events() -> list:
    return []


@pytest.fixture
def queue(db: Database, clock: FixedClock, events: list) -> QueueService:
    return QueueService(db, clock, publish=events.append)


@pytest.fixture
def dossiers(db: Database, clock: FixedClock, queue: QueueService, events: list, procedures) -> DossierService:
    """A dossier service without notices (the notice tests build their own)."""
    return DossierService(db, clock, queue, publish=events.append)


@pytest.fixture
def receive(dossiers: DossierService) -> Callable[..., dict[str, Any]]:
    """Receive a dossier at the center without a ticket; returns the clerk's view."""

    def make(procedure: str = "TPHT-KH", name: str = "Nguyễn Thị Hoa", phone: str = "0912345678", email: str = "", **kw: Any) -> dict[str, Any]:
        return dossiers.receive(1, procedure_code=procedure, applicant=Applicant(name, phone, email), documents=["Tờ khai"],
                                actor="test", **kw)

    return make


@pytest.fixture
def procedures_in_app(app, procedures) -> dict[str, int]:
    """The catalogue, for tests that go through the app (same database file as ``db``)."""
    return procedures


@pytest.fixture
def clerk(client) -> str:
    """The test client logged in as the clerk of counter 1; returns its CSRF token."""
    return login(client, "quay1")


def serve_next(client, csrf: str, counter: int = 1, service_id: int = 1) -> dict[str, Any]:
    """A citizen takes a ticket and the counter calls it."""
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers={"X-CSRF-Token": csrf})
    response = client.post(f"/api/v1/counters/{counter}/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ticket"]


def receive_via_api(client, csrf: str, counter: int = 1, **body: Any) -> dict[str, Any]:
    payload = {"procedure_code": "TPHT-KH", "applicant_name": "Nguyễn Thị Hoa", "applicant_phone": "0912 345 678",
               "applicant_email": "hoa@example.vn", "documents": ["Tờ khai đăng ký kết hôn"], "print": False, **body}
    response = client.post(f"/api/v1/counters/{counter}/dossiers", json=payload, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
