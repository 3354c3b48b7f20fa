"""The chip ID card (CCCD) as the kiosk and the counter read it: a tolerant parser that only insists
on the 12-digit number, the masked form public screens show, and the keyed hash a citizen is matched by."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from server.domain.citizen_id import (
    IdCard,
    IdCardError,
    card_shaped,
    card_view,
    citizen_from_link,
    citizen_key,
    citizen_link,
    looks_like_id_card,
    mask_id,
    parse_id_card,
)
from server.domain.errors import DomainError

NUMBER = "001099013456"
SECRET = "instance-secret-for-tests"
FULL = "001099013456|012345678|Nguyễn Văn An|01021990|Nam|Số 5 ngõ 12 Hàng Bạc, Hoàn Kiếm, Hà Nội|15082021"


def test_a_card_with_its_old_nine_digit_id_reads_every_field():
    assert parse_id_card(FULL) == IdCard(
        id_number=NUMBER, old_id="012345678", name="Nguyễn Văn An", birth_date=date(1990, 2, 1), sex="Nam",
        address="Số 5 ngõ 12 Hàng Bạc, Hoàn Kiếm, Hà Nội", issue_date=date(2021, 8, 15))


def test_a_card_issued_without_an_old_id_leaves_it_empty():
    card = parse_id_card("079203004567||Trần Thị Bích|31121985|Nữ|Phường 7, Quận 3, TP Hồ Chí Minh|10052024")
    assert (card.id_number, card.old_id, card.name, card.sex) == ("079203004567", "", "Trần Thị Bích", "Nữ")
    assert (card.birth_date, card.issue_date) == (date(1985, 12, 31), date(2024, 5, 10))


def test_the_vneid_text_with_a_line_break_at_the_end_reads_alike():
    assert parse_id_card(FULL + "\r\n") == parse_id_card(FULL)


def test_spaces_around_fields_and_inside_the_number_are_ignored():
    card = parse_id_card("  0010 9901 3456 | 012345678 |  Nguyễn   Văn An |01021990 | nam |  Hà Nội |15082021  ")
    assert (card.id_number, card.old_id, card.name, card.sex, card.address) == (NUMBER, "012345678", "Nguyễn Văn An", "Nam",
                                                                                 "Hà Nội")


def test_lower_case_and_a_scanner_that_lost_the_diacritics_still_give_the_number_and_sex():
    card = parse_id_card("001099013456|012345678|nguyen van an|01021990|nu|ha noi|15082021")
    assert (card.id_number, card.name, card.sex) == (NUMBER, "nguyen van an", "Nữ")


def test_a_mangled_name_from_a_vietnamese_input_method_does_not_matter():
    card = parse_id_card("001099013456|012345678|Nguyeenx Vawn An|01021990|Nam|Haf Nooij|15082021")
    assert card.id_number == NUMBER and card.birth_date == date(1990, 2, 1)


def test_only_the_number_is_enough():
    assert parse_id_card(NUMBER) == IdCard(id_number=NUMBER)
    assert parse_id_card(NUMBER + "|") == IdCard(id_number=NUMBER)


def test_a_reader_that_leaves_the_old_id_field_out_still_finds_the_name():
    card = parse_id_card("001099013456|Nguyễn Văn An|01021990|Nam|Hà Nội|15082021")
    assert (card.old_id, card.name, card.birth_date, card.address) == ("", "Nguyễn Văn An", date(1990, 2, 1), "Hà Nội")


def test_extra_fields_and_a_trailing_bar_are_ignored():
    assert parse_id_card(FULL + "|extra|more|") == parse_id_card(FULL)


def test_dates_that_are_not_dates_are_left_empty_for_the_clerk():
    card = parse_id_card("001099013456||An|31021990|Nam|Hà Nội|abc")
    assert card.birth_date is None and card.issue_date is None and card.name == "An"


@pytest.mark.parametrize("text, code", [
    ("", "id_number_missing"),
    ("|012345678|Nguyễn Văn An", "id_number_missing"),
    ("hello world", "id_number_invalid"),
    ("00109901345A|012345678|An", "id_number_invalid"),
    ("00109901345|012345678|An", "id_number_length"),
    ("0010990134567|012345678|An", "id_number_length"),
    ("x" * 10_000, "id_card_too_long"),
])
def test_anything_without_a_12_digit_number_gets_a_clear_bilingual_error(text, code):
    with pytest.raises(IdCardError) as caught:
        parse_id_card(text)
    error = caught.value
    assert error.code == code and error.status == 400
    assert isinstance(error, ValueError) and isinstance(error, DomainError)
    assert error.vi and error.en and error.vi != error.en and error.vi == error.message_vi


def test_the_error_for_a_short_number_says_how_many_digits_were_read():
    with pytest.raises(IdCardError) as caught:
        parse_id_card("00109901345")
    assert "11" in caught.value.en and "12" in caught.value.vi


@pytest.mark.parametrize("text, expected", [
    (FULL, True), (NUMBER, True), (f" {NUMBER} ", True), (NUMBER + "|", True),
    ("HCM01-261123-0001", False), ("0010990134567", False), ("00109901345", False), ("abcdefghijklmnopqrstu", False),
    ("https://motcua.example/t/AbCdEf0123456789", False), ("", False), ("１２３４５６７８９０１２", False),
])
def test_the_kiosks_router_knows_a_card_from_anything_else(text, expected):
    assert looks_like_id_card(text) is expected


def test_the_mask_shows_the_first_four_and_last_four_digits_only():
    assert mask_id(NUMBER) == "0010****3456"
    assert mask_id("123") == "***"


def test_the_key_is_a_keyed_hash_that_cannot_be_read_back():
    key = citizen_key(NUMBER, SECRET)
    assert len(key) == 64 and int(key, 16) >= 0
    assert NUMBER not in key and key != hashlib.sha256(NUMBER.encode()).hexdigest()
    assert citizen_key(NUMBER, SECRET) == key  # stable: the same card finds the same citizen
    assert citizen_key(NUMBER, "another-instance") != key
    assert citizen_key("001099013457", SECRET) != key


def test_the_key_refuses_an_empty_secret_and_a_bad_number():
    with pytest.raises(ValueError):
        citizen_key(NUMBER, "")
    with pytest.raises(IdCardError):
        citizen_key("12345", SECRET)


def test_a_citizen_link_round_trips_and_is_refused_when_forged_or_from_another_secret():
    key = citizen_key(NUMBER, SECRET)
    link = citizen_link(key, SECRET)
    assert NUMBER not in link
    assert citizen_from_link(link, SECRET) == key
    assert citizen_from_link(link, "another-instance") is None
    assert citizen_from_link(link[:-2] + "xx", SECRET) is None
    assert citizen_from_link("", SECRET) is None and citizen_from_link(None, SECRET) is None


def test_a_citizen_link_lives_ten_minutes_by_the_apps_clock():
    key = citizen_key(NUMBER, SECRET)
    signed = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    link = citizen_link(key, SECRET, signed)
    assert citizen_from_link(link, SECRET, now=signed + timedelta(minutes=9, seconds=59)) == key
    assert citizen_from_link(link, SECRET, now=signed + timedelta(minutes=10, seconds=1)) is None


def test_the_card_view_gives_iso_dates_and_the_masked_number():
    view = card_view(parse_id_card(FULL))
    assert view["birth_date"] == "1990-02-01" and view["issue_date"] == "2021-08-15" and view["masked_id"] == "0010****3456"


def test_digits_of_other_scripts_are_not_an_id_number():
    with pytest.raises(IdCardError):
        parse_id_card("１２３４５６７８９０１２|An")


@pytest.mark.parametrize("text, expected", [
    (FULL, True), (NUMBER, True), ("00109901345|012345678|An|01011990", True), ("0010990134A6|x|y", True),
    ("00109901345", False), ("HCM01-261123-0001", False), ("a|b|c", False), ("AbCdEf0123456789ABCD", False),
])
def test_a_garbled_card_is_still_told_apart_from_other_codes(text, expected):
    assert card_shaped(text) is expected
