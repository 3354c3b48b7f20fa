"""The first start prints where people go — clerk console, admin, device pairing, the demo kiosk
and board — on an address other machines can open (PUBLIC_BASE_URL, else the LAN address), never
``localhost`` when the server listens on the network."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.adapters.printing import _lan_address
from server.cli import _print_demo_device_links, _print_start_links, seed_on_start
from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_start_links_use_public_base_url_when_it_is_set(app, capsys):
    core = app.extensions["motcua"]
    core.settings = core.settings.replace(public_base_url="http://motcua.phuong-hoankiem.local:8000/")
    base = _print_start_links(app, "0.0.0.0", 8000)
    _print_demo_device_links(seed_on_start(core.db, core.settings), base)
    out = capsys.readouterr().out
    assert base == "http://motcua.phuong-hoankiem.local:8000"
    for path in ("/console/", "/admin/", "/pair", "/kiosk/?device=", "/display/board?device="):
        assert f"{base}{path}" in out, path
    assert "localhost" not in out


def test_start_links_use_the_lan_address_when_listening_on_the_network(app, capsys):
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no LAN address")
    base = _print_start_links(app, "0.0.0.0", 8123)
    out = capsys.readouterr().out
    assert base == f"http://{lan}:8123"
    assert f"http://{lan}:8123/pair" in out and f"http://{lan}:8123/admin/" in out and "localhost" not in out


def test_the_first_start_of_the_real_server_prints_accounts_then_console_admin_and_pairing_urls(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}",
        "MOTCUA_INSTANCE": str(tmp_path),
        "PUBLIC_BASE_URL": "http://192.168.10.5:8000",
        "RATE_LIMIT_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("KIOSK_PRINTER_URL", None)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "display/board?device=" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text()
            time.sleep(0.3)
        text = log.read_text()
    finally:
        process.terminate()
        process.wait(10)
    assert re.search(r"admin\s+\S{8,}", text)  # the demo accounts, once
    for line in (
        "http://192.168.10.5:8000/console/",
        "http://192.168.10.5:8000/admin/",
        "http://192.168.10.5:8000/pair",
        "http://192.168.10.5:8000/kiosk/?device=",
        "http://192.168.10.5:8000/display/board?device=",
    ):
        assert line in text, (line, text[-2000:])
    assert "localhost" not in text
