"""Fixtures shared by the queue engine's specifications: the engine over the demo center, the
events it publishes, and the demo's ids by name."""
from __future__ import annotations

import pytest

from server.domain.queue import QueueService
from tests.support.demo import center_id, counter_id, service_id


@pytest.fixture
def published():
    """Every domain event the queue service publishes, in order."""
    return []


@pytest.fixture
def queue(db, clock, published) -> QueueService:
    return QueueService(db, clock, publish=published.append)


@pytest.fixture
def ids(db):
    return {
        "center": center_id(db),
        "justice": service_id(db, "TPHT"),
        "land": service_id(db, "DD"),
        "results": service_id(db, "NKQ"),
        "c1": counter_id(db, 1),
        "c2": counter_id(db, 2),
        "c3": counter_id(db, 3),
        "c7": counter_id(db, 7),
    }
