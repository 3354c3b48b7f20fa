"""Passwords are stored with scrypt in production; the suite's cheaper hash stays in the suite."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from werkzeug.security import check_password_hash

ROOT = Path(__file__).resolve().parents[3]


def test_a_server_process_hashes_passwords_with_scrypt():
    # A fresh interpreter: the suite's conftest has lowered the cost in this one.
    code = "from server.domain.accounts import hash_password; print(hash_password('mật-khẩu-dài'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    stored = done.stdout.strip()
    assert stored.startswith("scrypt:"), stored
    assert check_password_hash(stored, "mật-khẩu-dài")
    assert not check_password_hash(stored, "mật-khẩu-khác")


def test_the_suites_cheap_hash_still_verifies_and_salts():
    from server.domain.accounts import hash_password

    first, second = hash_password("mật-khẩu-dài"), hash_password("mật-khẩu-dài")
    assert first != second  # salted
    assert check_password_hash(first, "mật-khẩu-dài") and not check_password_hash(first, "sai-mật-khẩu")
