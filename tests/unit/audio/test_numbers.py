"""Vietnamese number words, as a clerk would read them over the speaker."""
from __future__ import annotations

import pytest

from audio.numbers import LETTER_NAMES, dossier_words, letter_words, number_words, ticket_words

# (number, northern reading)
NORTH = [
    # units and zero
    (0, "không"),
    (1, "một"),
    (2, "hai"),
    (3, "ba"),
    (4, "bốn"),
    (5, "năm"),
    (6, "sáu"),
    (7, "bảy"),
    (8, "tám"),
    (9, "chín"),
    # mười: 10–19, no mốt/tư after mười, 15 = mười lăm
    (10, "mười"),
    (11, "mười một"),
    (12, "mười hai"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (17, "mười bảy"),
    (19, "mười chín"),
    # mươi: 1 → mốt, 4 → tư, 5 → lăm
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (22, "hai mươi hai"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (30, "ba mươi"),
    (31, "ba mươi mốt"),
    (34, "ba mươi tư"),
    (35, "ba mươi lăm"),
    (41, "bốn mươi mốt"),
    (44, "bốn mươi tư"),
    (45, "bốn mươi lăm"),
    (50, "năm mươi"),
    (51, "năm mươi mốt"),
    (55, "năm mươi lăm"),
    (64, "sáu mươi tư"),
    (71, "bảy mươi mốt"),
    (88, "tám mươi tám"),
    (95, "chín mươi lăm"),
    (99, "chín mươi chín"),
    # hundreds; a zero tens digit is "linh" and the unit keeps its plain form
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (109, "một trăm linh chín"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (114, "một trăm mười bốn"),
    (115, "một trăm mười lăm"),
    (120, "một trăm hai mươi"),
    (121, "một trăm hai mươi mốt"),
    (124, "một trăm hai mươi tư"),
    (125, "một trăm hai mươi lăm"),
    (200, "hai trăm"),
    (305, "ba trăm linh năm"),
    (450, "bốn trăm năm mươi"),
    (555, "năm trăm năm mươi lăm"),
    (999, "chín trăm chín mươi chín"),
    # thousands; a zero hundreds digit is "không trăm"
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"),
    (1023, "một nghìn không trăm hai mươi ba"),
    (1024, "một nghìn không trăm hai mươi tư"),
    (1050, "một nghìn không trăm năm mươi"),
    (1100, "một nghìn một trăm"),
    (1105, "một nghìn một trăm linh năm"),
    (1234, "một nghìn hai trăm ba mươi tư"),
    (2000, "hai nghìn"),
    (2025, "hai nghìn không trăm hai mươi lăm"),
    (5555, "năm nghìn năm trăm năm mươi lăm"),
    (9999, "chín nghìn chín trăm chín mươi chín"),
    # beyond 9999 (the thousands count uses the same rules)
    (10000, "mười nghìn"),
    (15015, "mười lăm nghìn không trăm mười lăm"),
    (21000, "hai mươi mốt nghìn"),
    (24024, "hai mươi tư nghìn không trăm hai mươi tư"),
    (105000, "một trăm linh năm nghìn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
]

# Southern option: ngàn and lẻ, everything else the same.
SOUTH = [
    (105, "một trăm lẻ năm"),
    (101, "một trăm lẻ một"),
    (104, "một trăm lẻ bốn"),
    (1000, "một ngàn"),
    (1005, "một ngàn không trăm lẻ năm"),
    (1023, "một ngàn không trăm hai mươi ba"),
    (2000, "hai ngàn"),
    (1100, "một ngàn một trăm"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (15, "mười lăm"),
    (10, "mười"),
    (301, "ba trăm lẻ một"),
    (1001, "một ngàn không trăm lẻ một"),
    (1010, "một ngàn không trăm mười"),
    (1015, "một ngàn không trăm mười lăm"),
    (1021, "một ngàn không trăm hai mươi mốt"),
    (1200, "một ngàn hai trăm"),
    (2024, "hai ngàn không trăm hai mươi tư"),
    (2345, "hai ngàn ba trăm bốn mươi lăm"),
    (3005, "ba ngàn không trăm lẻ năm"),
    (4004, "bốn ngàn không trăm lẻ bốn"),
    (5555, "năm ngàn năm trăm năm mươi lăm"),
    (9999, "chín ngàn chín trăm chín mươi chín"),
]

DIGIT_BY_DIGIT = [
    (0, "không"),
    (7, "bảy"),
    (10, "một không"),
    (21, "hai một"),
    (105, "một không năm"),
    (1023, "một không hai ba"),
    (2000, "hai không không không"),
    (9999, "chín chín chín chín"),
    (80, "tám không"),
    (305, "ba không năm"),
    (1001, "một không không một"),
    (2025, "hai không hai năm"),
    (4444, "bốn bốn bốn bốn"),
]

TICKETS = [
    ("A023", {}, "a hai mươi ba"),
    ("A001", {}, "a một"),
    ("A000", {}, "a không"),
    ("B105", {}, "bê một trăm linh năm"),
    ("C015", {}, "xê mười lăm"),
    ("D021", {}, "dê hai mươi mốt"),
    ("Đ024", {}, "đê hai mươi tư"),
    ("L010", {}, "e-lờ mười"),
    ("Y1005", {}, "i dài một nghìn không trăm linh năm"),
    ("1023", {}, "một nghìn không trăm hai mươi ba"),
    ("a023", {}, "a hai mươi ba"),
    ("A-023", {}, "a hai mươi ba"),
    (" A 023 ", {}, "a hai mươi ba"),
    ("AB12", {}, "a bê mười hai"),
    ("B105", {"dialect": "south"}, "bê một trăm lẻ năm"),
    ("K1000", {"dialect": "south"}, "ca một ngàn"),
    ("A023", {"digit_by_digit": True}, "a không hai ba"),
    ("B105", {"digit_by_digit": True}, "bê một không năm"),
    ("1023", {"digit_by_digit": True}, "một không hai ba"),
]

LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "G": "giê", "H": "hát",
    "I": "i", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o", "P": "pê",
    "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "V": "vê", "X": "ích-xì",
    "Y": "i dài", "F": "ép", "J": "gi", "W": "vê kép", "Z": "dét",
}


def test_the_table_is_big_enough():
    # At least 100 readings of numbers alone (north, south, digit by digit), letters and tickets on top.
    assert len(NORTH) + len(SOUTH) + len(DIGIT_BY_DIGIT) >= 100
    assert len(TICKETS) + len(LETTERS) >= 40


@pytest.mark.parametrize(("n", "words"), NORTH, ids=[str(n) for n, _ in NORTH])
def test_northern_reading(n, words):
    assert number_words(n) == words
    assert number_words(n, dialect="north") == words


@pytest.mark.parametrize(("n", "words"), SOUTH, ids=[str(n) for n, _ in SOUTH])
def test_southern_reading(n, words):
    assert number_words(n, dialect="south") == words


@pytest.mark.parametrize(("n", "words"), DIGIT_BY_DIGIT, ids=[str(n) for n, _ in DIGIT_BY_DIGIT])
def test_digit_by_digit(n, words):
    assert number_words(n, digit_by_digit=True) == words


@pytest.mark.parametrize(("display", "options", "words"), TICKETS, ids=[f"{d}-{o}" for d, o, _ in TICKETS])
def test_ticket_display(display, options, words):
    assert ticket_words(display, **options) == words


@pytest.mark.parametrize(("letter", "name"), sorted(LETTERS.items()))
def test_letter_names(letter, name):
    assert letter_words(letter) == name
    assert LETTER_NAMES[letter] == name


def test_every_number_is_well_formed_and_unique():
    """Never an empty word, a doubled space, or two numbers read alike (0–9999)."""
    seen = {}
    for n in range(10000):
        words = number_words(n)
        assert words and "  " not in words and words == words.strip(), n
        assert words not in seen, (n, seen.get(words))
        seen[words] = n


def test_rules_hold_across_the_range():
    for n in range(20, 10000):
        words = number_words(n).split()
        tens, units = (n // 10) % 10, n % 10
        if tens >= 2 and units == 1:
            assert words[-1] == "mốt", n
        if tens >= 2 and units == 4:
            assert words[-1] == "tư", n
        if tens >= 1 and units == 5:
            assert words[-1] == "lăm", n
        if tens == 0 and units and n >= 100:
            assert words[-2] == "linh", n
        if n >= 1000 and (n // 100) % 10 == 0 and n % 100:
            assert words[2:4] == ["không", "trăm"] or words[1:3] == ["không", "trăm"], n


@pytest.mark.parametrize("bad", [-1, 1_000_000, 10**9])
def test_out_of_range_is_a_value_error(bad):
    with pytest.raises(ValueError, match="out of range"):
        number_words(bad)


def test_not_an_int_is_refused():
    with pytest.raises(TypeError):
        number_words("12")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        number_words(True)  # type: ignore[arg-type]


def test_unknown_dialect_is_refused():
    with pytest.raises(ValueError, match="dialect"):
        number_words(5, dialect="central")


@pytest.mark.parametrize("bad", ["", "   ", "A_12", "A#12", "Ω12", "A٣"])
def test_unreadable_ticket_is_refused(bad):
    with pytest.raises(ValueError):
        ticket_words(bad)


@pytest.mark.parametrize(
    ("code", "options", "words"),
    [
        ("000.00.12.H23-261122-0007", {}, "bảy"),
        ("000.00.12.H23-261122-0105", {}, "một trăm linh năm"),
        ("000.00.12.H23-261122-1023", {}, "một nghìn không trăm hai mươi ba"),
        ("000.00.12.H23-261122-0105", {"dialect": "south"}, "một trăm lẻ năm"),
        ("000.00.12.H23-261122-0007", {"digit_by_digit": True}, "không không không bảy"),
        (" g12.34-250701-0021 ", {}, "hai mươi mốt"),
    ],
)
def test_dossier_code_reads_its_daily_sequence(code, options, words):
    assert dossier_words(code, **options) == words


@pytest.mark.parametrize("bad", ["A023", "000.00.12.H23-2611-0007", "H23-261122-007", ""])
def test_not_a_dossier_code(bad):
    with pytest.raises(ValueError, match="dossier"):
        dossier_words(bad)
