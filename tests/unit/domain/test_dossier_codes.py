"""Dossier codes ‹agency›-‹yymmdd›-‹NNNN› as printed on receipts and scanned at kiosks."""
from __future__ import annotations

from datetime import date

import pytest

from server.domain.dossiers.codes import format_dossier_code, is_dossier_code, parse_dossier_code, short_number


def test_format_matches_the_national_form():
    assert format_dossier_code("000.00.12.H23", date(2026, 11, 22), 7) == "000.00.12.H23-261122-0007"


@pytest.mark.parametrize("seq", [0, 10000, -1])
def test_sequence_out_of_range_is_refused(seq):
    with pytest.raises(ValueError):
        format_dossier_code("000.00.12.H23", date(2026, 11, 22), seq)


def test_agency_with_lowercase_or_spaces_is_refused():
    with pytest.raises(ValueError):
        format_dossier_code("000.00.12.h23", date(2026, 11, 22), 1)
    with pytest.raises(ValueError):
        format_dossier_code("000 12", date(2026, 11, 22), 1)


def test_parse_round_trips_and_tolerates_scanner_whitespace_and_case():
    parts = parse_dossier_code("  000.00.12.h23-261122-0007\r\n")
    assert parts is not None
    assert (parts.agency_id, parts.day, parts.seq) == ("000.00.12.H23", date(2026, 11, 22), 7)
    assert parts.code == "000.00.12.H23-261122-0007"


@pytest.mark.parametrize(
    "text",
    [
        "000.00.12.H23-261122-007",  # three-digit sequence
        "000.00.12.H23-261122-0007-1",  # extra dash
        "000.00.12.Ḥ23-261122-0007",  # letter mangled by a Vietnamese IME
        "000.00.12.H23-261342-0007",  # no 42nd of month 13
        "000.00.12.H23-261122-0000",
        "",
        "https://example.org/t/abc",
    ],
)
def test_malformed_codes_are_not_codes(text):
    assert parse_dossier_code(text) is None
    assert not is_dossier_code(text)


def test_short_number_is_the_daily_sequence():
    assert short_number("000.00.12.H23-261122-0023") == 23
    with pytest.raises(ValueError):
        short_number("khong-phai-ma")
