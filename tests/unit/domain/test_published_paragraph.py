"""The ready paragraph of the periodic report: Vietnamese numbers (3.544, 95,2%), the period's
name as the reports write it, and the seed news style, clause by clause."""
from __future__ import annotations

from datetime import date

from server.domain.reports.periods import Period
from server.domain.reports.published import COUNT_KEYS, derive, report_paragraph, vi_decimal, vi_int, vi_percent

SEED = ("6 tháng đầu năm 2026, Bộ phận tiếp nhận và trả kết quả tiếp nhận 3.544 hồ sơ (trong đó 11 hồ sơ trực tuyến), "
        "trả 3.194 hồ sơ, trong đó trả đúng hạn 3.041 hồ sơ (đạt 95,2%), trả lại công dân do không đủ điều kiện giải quyết "
        "144 hồ sơ; trả kết quả qua dịch vụ bưu chính công ích 52 hồ sơ.")


def figures(**counts: int) -> dict:
    return derive({**dict.fromkeys(COUNT_KEYS, 0), **counts})


def test_counts_take_a_dot_between_thousands():
    assert [vi_int(n) for n in (0, 7, 999, 1000, 3544, 1234567)] == ["0", "7", "999", "1.000", "3.544", "1.234.567"]


def test_rates_take_a_decimal_comma_and_drop_a_bare_zero():
    assert vi_percent(3041 / 3194) == "95,2%"
    assert vi_percent(1.0) == "100%" and vi_percent(0.5) == "50%" and vi_percent(0.0005) == "0,1%"
    assert vi_decimal(17.35, 2) == "17,35" and vi_decimal(20, 2) == "20,00"
    assert vi_decimal(1234.5) == "1.234,5"


def test_periods_are_named_as_the_reports_name_them():
    assert Period.of("quarter", year=2026, quarter=1).phrase_vi == "Quý I năm 2026"
    assert Period.of("quarter", year=2026, quarter=4, basis="cutoff").phrase_vi == "Quý IV năm 2026"
    assert Period.of("half", year=2026).phrase_vi == "6 tháng đầu năm 2026"
    assert Period.of("half", year=2026, half=2).phrase_vi == "6 tháng cuối năm 2026"
    assert Period.of("nine_months", year=2026).phrase_vi == "9 tháng đầu năm 2026"
    assert Period.of("year", year=2026).phrase_vi == "Năm 2026"
    assert Period.of("range", start=date(2026, 3, 1), end=date(2026, 3, 15)).phrase_vi == "Từ ngày 01/03/2026 đến ngày 15/03/2026"
    assert Period.of("month", date(2026, 3, 9)).phrase_vi == "Tháng 3 năm 2026"


def test_the_seed_report_sentence_comes_out_word_for_word():
    seed = figures(received=3544, received_online=11, received_direct=3533, returned=3194, early=2000, on_time=1041, late=153,
                   rejected=100, stopped=44, returned_post=52)
    assert report_paragraph(seed, Period.of("half", year=2026)) == SEED


def test_zero_clauses_are_left_out_but_received_returned_and_on_time_stay():
    quiet = figures(received=5, received_direct=5)
    assert report_paragraph(quiet, Period.of("quarter", year=2026, quarter=2), "Bộ phận một cửa xã A") == (
        "Quý II năm 2026, Bộ phận một cửa xã A tiếp nhận 5 hồ sơ, trả 0 hồ sơ, trong đó trả đúng hạn 0 hồ sơ.")


def test_postal_reception_and_satisfaction_are_said_when_there_are_some():
    busy = figures(received=1200, received_online=300, received_post=40, returned=1000, early=500, on_time=500,
                   ratings=2000, very_satisfied=1500, satisfied=450, unsatisfied=50)
    assert report_paragraph(busy, Period.of("year", year=2026)) == (
        "Năm 2026, Bộ phận tiếp nhận và trả kết quả tiếp nhận 1.200 hồ sơ (trong đó 300 hồ sơ trực tuyến, 40 hồ sơ qua dịch vụ "
        "bưu chính công ích), trả 1.000 hồ sơ, trong đó trả đúng hạn 1.000 hồ sơ (đạt 100%). Tỷ lệ hài lòng (rất hài lòng và "
        "hài lòng) đạt 97,5% trên 2.000 lượt đánh giá.")
