""""Chủ nhật" is spelled one way (the decision of issue 12), in what citizens and staff read
and in the code that makes it: not "Chủ Nhật", "chủ nhật" at a sentence start, or "CN" for the word."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from server.domain.center_rules import WEEKDAY_VI, issuing_allowed
from server.domain.dossiers import moment_text
from server.models import Center

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("audio", "display", "hardware", "kiosk", "server", "deploy", "docs", "bench")
SUFFIXES = {".py", ".js", ".html", ".css", ".md", ".txt", ".json", ".cfg", ".toml"}
# Capitalised "Nhật", all capitals, lower case where a sentence starts, or "CN" standing for the word.
OTHER_SPELLINGS = re.compile(r"Chủ Nhật|CHỦ NHẬT|(^|[.!?>]\s*)chủ nhật|\bCN\b")


def test_a_sunday_reads_chu_nhat_in_dates_reports_and_closing_reasons():
    sunday = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội, a Sunday
    assert moment_text(sunday, "Asia/Ho_Chi_Minh") == "09:00, 29/11/2026 (Chủ nhật)"
    assert WEEKDAY_VI[6] == "Chủ nhật"
    center = Center(code="X", name="X", timezone="Asia/Ho_Chi_Minh", settings={
        "opening_hours": {d: [["07:00", "11:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    allowed, reason_vi, _en = issuing_allowed(center, sunday)
    assert allowed is False and "Chủ nhật" in reason_vi


def test_no_other_spelling_of_chu_nhat_is_left_in_code_or_docs():
    files = [p for d in SOURCES if (ROOT / d).exists() for p in (ROOT / d).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    files += [p for p in ROOT.glob("*.md")]
    found = []
    for path in files:
        if "node_modules" in path.parts or "vendor" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
            if OTHER_SPELLINGS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert len(files) > 50 and found == []
