"""python-escpos is imported without leaving a temp folder per process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_import_leaves_no_temp_folder(tmp_path):
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    code = (
        "import os, hardware\n"
        "from hardware.printers import escpos_bytes, PrinterConfig\n"
        "PrinterConfig.from_url('tcp://x?profile=POS-5890')\n"
        "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])\n"
    )
    for _ in range(2):  # first run writes the pickle, second reads it
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(cache / "mot-cua-queue" / "escpos")
    assert list(tmp.iterdir()) == []
    assert any(p.name.endswith(".capabilities.pickle") for p in (cache / "mot-cua-queue" / "escpos").iterdir())
