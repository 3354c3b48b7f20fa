"""Hardening tests: the fuzz runs' request counts go into pytest's closing summary."""
from __future__ import annotations

from tests.support.fuzz_tally import summary_lines


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    lines = summary_lines()
    if lines:
        terminalreporter.section("fuzz requests by status code")
        for line in lines:
            terminalreporter.write_line(line)
