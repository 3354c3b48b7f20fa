"""Ticket / receipt layout: width, Vietnamese glyphs, wrapping, QR."""
from __future__ import annotations

import unicodedata

import pytest
from PIL import Image, ImageDraw

from hardware import (
    VIETNAMESE_LETTERS,
    image_to_png_bytes,
    make_qr_image,
    render_receipt,
    render_receipt_pdf,
    render_ticket,
    wrap_text,
)
from hardware.layout import fit_font_size, load_font
from tests.support.print_samples import DOSSIER_CODE, TICKET_URL, make_receipt, make_ticket
from tests.support.raster import read_qr_texts_from_image

LONG_SERVICE = (
    "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất "
    "lần đầu đối với hộ gia đình, cá nhân, cộng đồng dân cư, người Việt Nam định cư ở nước ngoài được sở hữu nhà ở"
)


@pytest.mark.parametrize("width", [384, 576, 512, 500])
def test_ticket_is_one_bit_at_the_dot_width_and_its_qr_reads(width):
    img = render_ticket(make_ticket(), width)
    assert img.mode == "1"
    assert img.width == width
    assert 300 < img.height < 3 * width
    assert read_qr_texts_from_image(img) == [TICKET_URL]


def _ink(ch: str, size: int = 48) -> tuple[int, bytes]:
    font = load_font(size)
    img = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(img).text((size // 2, size // 2), ch, font=font, fill=0)
    return sum(img.histogram()[:128]), img.tobytes()


def test_vietnamese_letters_list_is_complete():
    assert len(VIETNAMESE_LETTERS) == 146
    assert len(set(VIETNAMESE_LETTERS)) == 146
    for ch in "ặẫỡựỹđĐỰ":
        assert ch in VIETNAMESE_LETTERS


def test_font_has_every_vietnamese_glyph():
    """Each letter with marks has more ink than its base letter and is not the 'missing glyph' box."""
    _n, notdef = _ink("\u0800")  # Samaritan: not in DejaVu Sans → .notdef box
    for ch in VIETNAMESE_LETTERS:
        base = "d" if ch == "đ" else "D" if ch == "Đ" else unicodedata.normalize("NFD", ch)[0]
        if base == ch:
            continue  # plain a, e, i … have no marks
        ink, pixels = _ink(ch)
        base_ink, _ = _ink(base)
        assert pixels != notdef, f"{ch!r} renders as the missing-glyph box"
        assert ink > base_ink, f"{ch!r} has no more ink than {base!r}: the marks are missing"


def test_wrap_keeps_words_and_fits_width():
    font = load_font(32, bold=True)
    lines = wrap_text(LONG_SERVICE, font, 400)
    assert len(lines) > 3
    assert all(font.getlength(line) <= 400 for line in lines)
    assert " ".join(lines) == LONG_SERVICE


def test_wrap_breaks_a_word_longer_than_the_line():
    font = load_font(24)
    word = "HTTP://192.168.100.200:8000/T/" + "X" * 60
    lines = wrap_text(f"Địa chỉ {word}", font, 200)
    assert all(font.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == f"Địachỉ{word}"


def test_wrap_hanging_indent_leaves_room():
    font = load_font(22)
    lines = wrap_text(LONG_SERVICE, font, 300, indent=40)
    assert font.getlength(lines[0]) > 260  # the first line uses the whole width
    assert all(font.getlength(line) <= 260 for line in lines[1:])


@pytest.mark.parametrize("width", [384, 576])
def test_long_service_name_wraps_inside_the_margins(width):
    img = render_ticket(make_ticket(service_name=LONG_SERVICE, center_name=LONG_SERVICE), width)
    short = render_ticket(make_ticket(), width)
    assert img.width == width
    assert img.height > short.height + 100  # the long name took several more lines
    edge = max(4, width // 60)
    assert img.crop((0, 0, edge, img.height)).getextrema() == (255, 255), "ink in the left margin"
    assert img.crop((width - edge, 0, width, img.height)).getextrema() == (255, 255), "ink in the right margin"


@pytest.mark.parametrize("width", [384, 576])
def test_number_fills_most_of_the_width(width):
    inner = width - 2 * round(22 * width / 576)
    size = fit_font_size("1023", inner, max_size=width // 2)
    left, _t, right, _b = load_font(size, True).getbbox("1023")
    assert 0.85 * inner <= right - left <= inner
    assert size > width / 4  # a very large number


def test_priority_and_kind_labels_add_lines():
    plain = render_ticket(make_ticket(), 576)
    labelled = render_ticket(make_ticket(priority_label="ƯU TIÊN", kind_label="NHẬN KẾT QUẢ"), 576)
    assert labelled.height > plain.height + 40


def test_qr_is_about_sixty_percent_and_whole_dots():
    qr = make_qr_image(TICKET_URL, int(576 * 0.6))
    assert 0.45 * 576 <= qr.width <= 0.6 * 576
    assert qr.width == qr.height
    assert read_qr_texts_from_image(qr) == [TICKET_URL]
    with pytest.raises(ValueError):
        make_qr_image("X" * 2000, 200)


@pytest.mark.parametrize("width", [384, 576])
def test_receipt_layout(width):
    img = render_receipt(make_receipt(), width)
    assert img.mode == "1" and img.width == width
    assert read_qr_texts_from_image(img) == [DOSSIER_CODE]


def test_receipt_pdf_and_png():
    pdf = render_receipt_pdf(make_receipt(documents=[f"Giấy tờ số {i}" for i in range(60)]))
    assert pdf.startswith(b"%PDF")
    assert b"/Count 2" in pdf  # 60 documents do not fit one A4 page
    assert b"/Count 1" in render_receipt_pdf(make_receipt())
    png = image_to_png_bytes(render_receipt(make_receipt(), 384))
    assert png.startswith(b"\x89PNG")


def test_receipt_requires_keywords():
    with pytest.raises(TypeError):
        type(make_receipt())("Trung tâm", DOSSIER_CODE)  # positional use is refused
