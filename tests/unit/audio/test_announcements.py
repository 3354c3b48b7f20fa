"""Announcement sentences: templates, overrides, English, free text."""
from __future__ import annotations

import inspect

import pytest

from audio.announcements import (
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    Segment,
    announcement_segments,
    announcement_text,
    compose,
    validate_templates,
    words_for_text,
)


def test_call_sentence():
    assert (
        compose("call", number_spoken="một nghìn không trăm hai mươi ba", counter_spoken="ba")
        == "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba"
    )


def test_recall_sentence():
    assert (
        compose("recall", number_spoken="a hai mươi ba", counter_spoken="mười hai")
        == "Xin nhắc lại, mời công dân có số thứ tự a hai mươi ba đến quầy số mười hai"
    )


def test_pickup_sentence():
    assert (
        compose("pickup", number_spoken="tám nghìn không trăm linh một", counter_spoken="bảy")
        == "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
    )


def test_english_follows_the_vietnamese():
    text = compose("call", number_spoken="a hai mươi ba", counter_spoken="ba", english="A 23", english_counter="3")
    assert text == (
        "Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba. "
        "Ticket number A 23, please go to counter 3"
    )


def test_english_needs_its_counter():
    with pytest.raises(ValueError, match="english_counter"):
        compose("call", number_spoken="một", counter_spoken="ba", english="1")


def test_announcement_text_does_the_words():
    assert announcement_text("call", "A023", 3) == "Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba"
    assert announcement_text("call", "1023", 3) == (
        "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba"
    )
    assert announcement_text("recall", "B105", 14, dialect="south") == (
        "Xin nhắc lại, mời công dân có số thứ tự bê một trăm lẻ năm đến quầy số mười bốn"
    )
    assert announcement_text("call", "A023", "03", digit_by_digit=True) == (
        "Xin mời công dân có số thứ tự a không hai ba đến quầy số ba"
    )


def test_a_result_pickup_is_called_by_the_number_on_the_citizens_pickup_ticket():
    # The kiosk told the citizen "Số thứ tự nhận kết quả của Ông/Bà là 8001": that is what is called.
    assert announcement_text("pickup", "8001", 7) == (
        "Xin mời công dân có số thứ tự tám nghìn không trăm linh một đến quầy số bảy nhận kết quả"
    )
    assert announcement_text("pickup", "8001", 7, dialect="south") == (
        "Xin mời công dân có số thứ tự tám ngàn không trăm lẻ một đến quầy số bảy nhận kết quả"
    )


@pytest.mark.parametrize("kind", ["call", "recall", "pickup"])
def test_a_dossier_code_is_never_the_called_number(kind):
    # Its short number (0001) is not on the citizen's ticket and repeats every day.
    with pytest.raises(ValueError, match="ticket's number"):
        announcement_text(kind, "000.00.12.H26-261206-0001", 7)


def test_pickup_with_english():
    assert announcement_text("pickup", "8021", 2, include_english=True) == (
        "Xin mời công dân có số thứ tự tám nghìn không trăm hai mươi mốt đến quầy số hai nhận kết quả. "
        "Ticket number 8021, please go to counter 2 to collect your result"
    )


def test_segments_keep_languages_apart():
    segments = announcement_segments("call", "A023", 3, include_english=True)
    assert segments == [
        Segment("Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba", "vi"),
        Segment("Ticket number A 23, please go to counter 3", "en"),
    ]


def test_a_center_can_override_a_template():
    templates = {"call": "Mời số {number} tới quầy {counter} ạ"}
    assert announcement_text("call", "A023", 3, templates=templates) == "Mời số a hai mươi ba tới quầy ba ạ"
    # other kinds keep their defaults
    assert announcement_text("pickup", "8001", 3, templates=templates).startswith("Xin mời công dân có số thứ tự tám nghìn")


def test_override_by_language():
    templates = {"call": {"en": "Number {number}, counter {counter}"}}
    text = announcement_text("call", "A023", 3, templates=templates, include_english=True)
    assert text.endswith(". Number A 23, counter 3")
    assert text.startswith("Xin mời công dân có số thứ tự a hai mươi ba")


@pytest.mark.parametrize(
    "template",
    [
        "Mời {name} số {number} đến quầy {counter}",  # no personal name, ever
        "Mời số {} đến quầy {counter}",
        "Mời số {0}",
        "Mời số {number.__class__}",
        "Mời số {number!r}",
        "Mời số {number:>10}",
        "Mời số {number",
        "",
    ],
)
def test_bad_templates_are_a_clear_value_error(template):
    with pytest.raises(ValueError):
        announcement_text("call", "A023", 3, templates={"call": template})
    with pytest.raises(ValueError):
        validate_templates({"call": template})


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown announcement kind"):
        announcement_text("hello", "A023", 3)
    with pytest.raises(ValueError, match="unknown announcement kinds"):
        validate_templates({"hello": "{number}"})


def test_defaults_use_only_number_and_counter():
    assert PLACEHOLDERS == {"number", "counter"}
    validate_templates(DEFAULT_TEMPLATES)
    for kind, by_lang in DEFAULT_TEMPLATES.items():
        assert set(by_lang) == {"vi", "en"}, kind


def test_there_is_no_name_input():
    for function in (compose, announcement_text, announcement_segments):
        params = set(inspect.signature(function).parameters)
        assert not any("name" in p for p in params), function.__name__


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        (
            "Xin mời công dân có số thứ tự 1023 đến quầy số 3",
            "Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba",
        ),
        ("Mời số A023 đến quầy 12", "Mời số a hai mươi ba đến quầy mười hai"),
        ("Hồ sơ 000.00.12.H23-261122-0105 đã có kết quả", "Hồ sơ một trăm linh năm đã có kết quả"),
        ("Tổng đài 19001234567", "Tổng đài một chín không không một hai ba bốn năm sáu bảy"),
        ("Không có số nào", "Không có số nào"),
    ],
)
def test_numbers_in_free_text(text, spoken):
    assert words_for_text(text) == spoken
