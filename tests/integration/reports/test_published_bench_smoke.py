"""The periodic-report benchmark still runs: a small province year (1,000 dossiers) on SQLite, where
the report must count exactly what a bare count(*) counts (the bench asserts it)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from server.models import load_all_models

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_reports.py"


def test_the_published_report_bench_runs_on_a_small_province(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_reports", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    load_all_models()
    figures = bench.published_bench(f"sqlite:///{tmp_path}/bench.sqlite3", dossiers=1000, tickets=1500, repeat=1)
    assert set(figures) == {"quarter (Q2)", "year"} and all(ms > 0 for ms in figures.values())
    printed = capsys.readouterr().out
    assert "1,000 dossiers" in printed and "bare count(*)" in printed
