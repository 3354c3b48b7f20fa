"""Device installation fixtures: an admin's test client, a second center with its own admin."""
from __future__ import annotations

import pytest

from server.domain.accounts import create_user
from server.models import Center
from tests.conftest import DEMO_PASSWORD, login


@pytest.fixture
def admin_headers(client) -> dict[str, str]:  # noqa: ANN001
    """The demo's province-wide admin, signed in on ``client``."""
    return {"X-CSRF-Token": login(client, "admin")}


@pytest.fixture
def other_center(app) -> int:
    """A second center with a center-level admin ``admin2`` and supervisor ``giamsat2``."""
    with app.extensions["motcua"].db.write() as s:
        center = Center(code="BADINH", name="Trung tâm Phục vụ hành chính công phường Ba Đình", name_en="Ba Dinh", agency_id="000.00.12.H99")
        s.add(center)
        s.flush()
        create_user(s, "admin2", DEMO_PASSWORD, role="admin", center_id=center.id, full_name="Quản trị Ba Đình")
        create_user(s, "giamsat2", DEMO_PASSWORD, role="supervisor", center_id=center.id, full_name="Giám sát Ba Đình")
        return center.id
