"""``python run.py print-test --printer URL``: the IT officer's first check of a new printer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.raster import decode_images, read_qr_texts
from tests.support.services import free_port
from tests.support.tcp_printer import TcpTestPrinter

ROOT = Path(__file__).resolve().parents[3]


def run_print_test(url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"MOTCUA_INSTANCE": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "run.py", "print-test", "--printer", url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_print_test_sends_the_test_page_at_the_printers_width(tmp_path):
    with TcpTestPrinter() as printer:
        result = run_print_test(printer.url_with(width=384), tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Đã gửi trang in thử" in result.stdout
        jobs = printer.wait_for_jobs(1, timeout=20)
    assert decode_images(jobs[0])[0].width == 384
    assert read_qr_texts(jobs[0]) == ["HTTP://MOT-CUA.LOCAL/TEST-PRINT"]


def test_print_test_on_a_dead_printer_says_why_in_both_languages(tmp_path):
    result = run_print_test(f"tcp://127.0.0.1:{free_port()}", tmp_path)
    assert result.returncode == 1
    assert "In thử thất bại / test print failed" in result.stderr
    assert "Máy in không phản hồi / printer not responding" in result.stderr
    assert "Traceback" not in result.stderr
