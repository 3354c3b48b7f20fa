"""A service's ticket numbers stay in its own range (server.domain.numbering): past its last
number they wrap back to its first, never into the next field's numbers."""
from __future__ import annotations

from types import SimpleNamespace

from server.domain.numbering import number_range, overlapping_ranges, ticket_display


def service(sid: int, start: int, end: int | None = None, prefix: str = "", digits: int = 4, code: str = "S"):
    return SimpleNamespace(id=sid, number_start=start, number_end=end, ticket_prefix=prefix, number_digits=digits, code=code)


JUSTICE, LAND, PREFIXED = service(1, 1001), service(2, 2001), service(3, 1, prefix="A", digits=3)
CENTER = [JUSTICE, LAND, PREFIXED]


def test_a_range_without_an_end_runs_to_the_next_range_of_the_same_prefix():
    assert number_range(JUSTICE, CENTER) == (1001, 2000)
    assert number_range(LAND, CENTER) == (2001, None)  # the last numeric range: nobody beyond it
    assert number_range(PREFIXED, CENTER) == (1, None)  # A-numbers are another series


def test_the_thousand_and_first_ticket_of_a_field_numbered_from_1001_is_1001_again_not_2001():
    assert ticket_display(JUSTICE, 1000, CENTER) == (2000, "2000")
    assert ticket_display(JUSTICE, 1001, CENTER) == (1001, "1001")
    assert ticket_display(JUSTICE, 1002, CENTER) == (1002, "1002")


def test_an_explicit_end_narrows_the_range():
    small = service(4, 1001, end=1003)
    assert [ticket_display(small, seq, [small])[1] for seq in range(1, 6)] == ["1001", "1002", "1003", "1001", "1002"]


def test_an_unbounded_range_goes_on_counting():
    assert ticket_display(LAND, 5000, CENTER) == (7000, "7000")
    assert ticket_display(PREFIXED, 23, CENTER) == (23, "A023")


def test_ranges_overlap_only_through_an_explicit_end_or_an_equal_start():
    assert overlapping_ranges(CENTER) is None
    too_long = service(1, 1001, end=2500)
    assert overlapping_ranges([too_long, LAND]) == (too_long, LAND)
    assert overlapping_ranges([service(5, 2001), LAND]) is not None
    assert overlapping_ranges([service(1, 1001, end=2000), LAND, service(6, 2001, prefix="B")]) is None
