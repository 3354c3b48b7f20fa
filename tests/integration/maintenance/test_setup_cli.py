"""The IT officer's set-up commands at the server's console: the first admin account, a center from a template."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from server.db import Database
from server.domain.accounts import authenticate
from server.models import Center, Service
from server.models.admin import AuditEntry

ROOT = Path(__file__).resolve().parents[3]


def run_py(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'center.sqlite3'}", "MOTCUA_INSTANCE": str(tmp_path),
           "MOTCUA_PASSWORD": "mat-khau-rat-dai-2026"}
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_create_user_makes_a_working_login_and_leaves_an_audit_row(tmp_path):
    done = run_py(tmp_path, "create-user", "quantri", "--role", "admin", "--full-name", "Quản trị viên phường")
    assert done.returncode == 0, done.stderr
    assert "quantri" in done.stdout

    db = Database(f"sqlite:///{tmp_path / 'center.sqlite3'}")
    try:
        with db.read() as s:
            principal = authenticate(s, "quantri", "mat-khau-rat-dai-2026")
            entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "user")))
    finally:
        db.dispose()
    assert principal is not None and principal.role == "admin" and principal.center_id is None
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "create" and entry.actor.startswith("cli:") and entry.entity_id == str(principal.id)
    assert entry.after["username"] == "quantri" and "password" not in entry.after and "password_hash" not in entry.after


def test_create_user_for_an_unknown_center_is_refused_clearly(tmp_path):
    done = run_py(tmp_path, "create-user", "canbo1", "--center", "KHONG-CO")
    assert done.returncode == 2
    assert "Không có trung tâm mã KHONG-CO" in done.stderr and "Traceback" not in done.stderr


def test_a_new_ward_center_is_set_up_from_an_exported_template_at_the_console(tmp_path):
    assert run_py(tmp_path, "seed-demo").returncode == 0
    template = tmp_path / "mau.yaml"
    done = run_py(tmp_path, "export-center", "HOANKIEM", str(template))
    assert done.returncode == 0, done.stderr
    assert "Tư pháp – Hộ tịch – Chứng thực" in template.read_text(encoding="utf-8")

    clash = run_py(tmp_path, "import-center", str(template), "--code", "HANGBAC", "--name", "Phường Hàng Bạc")
    assert clash.returncode == 2 and "Traceback" not in clash.stderr  # Hoàn Kiếm's identifier is taken
    done = run_py(tmp_path, "import-center", str(template), "--code", "HANGBAC", "--name", "Phường Hàng Bạc",
                  "--agency-id", "000.00.12.H27")
    assert done.returncode == 0, done.stderr

    db = Database(f"sqlite:///{tmp_path / 'center.sqlite3'}")
    try:
        with db.read() as s:
            center = s.execute(select(Center).where(Center.code == "HANGBAC")).scalar_one()
            assert (center.name, center.agency_id) == ("Phường Hàng Bạc", "000.00.12.H27")
            assert len(s.scalars(select(Service).where(Service.center_id == center.id)).all()) == 7
    finally:
        db.dispose()
