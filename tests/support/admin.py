"""The administration tests' client: signed in, sending the CSRF header with every change; and the
audit log they read back."""
from __future__ import annotations

from sqlalchemy import func, select

from server.models.admin import AuditEntry
from tests.support.demo import login


class Api:
    """A logged-in test client that sends the CSRF header with every change."""

    def __init__(self, client, username: str) -> None:
        self.client = client
        self.csrf = login(client, username)

    def _send(self, method: str, url: str, body=None):
        return self.client.open(url, method=method, json=body, headers={"X-CSRF-Token": self.csrf})

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, body=None):
        return self._send("POST", url, body if body is not None else {})

    def patch(self, url: str, body):
        return self._send("PATCH", url, body)

    def put(self, url: str, body):
        return self._send("PUT", url, body)


def audit_count(app) -> int:
    with app.extensions["motcua"].db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def last_audit(app) -> AuditEntry:
    with app.extensions["motcua"].db.read() as s:
        return s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
