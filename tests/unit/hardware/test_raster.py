"""Decoding ESC/POS bytes back into images."""
from __future__ import annotations

import random

from PIL import Image, ImageChops

from hardware import contains_cut, decode_escpos_rasters, describe_escpos, escpos_bytes


def _pattern(width: int, height: int, seed: int = 1) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("1", (width, height), 255)
    px = img.load()
    for _ in range(width * height // 5):
        px[rnd.randrange(width), rnd.randrange(height)] = 0
    return img


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_raster_round_trip_is_pixel_exact():
    img = _pattern(576, 300)
    images = decode_escpos_rasters(escpos_bytes(img))
    assert len(images) == 1
    assert _same(images[0], img)
    assert images[0].info["escpos_density"] == 0


def test_other_commands_are_skipped():
    img = _pattern(384, 50, seed=2)
    noise = b"\x1b@\x1ba\x01" + "xin chào\n".encode() + b"\x1bt\x10\x1d!\x11\x1bd\x03"
    data = noise + escpos_bytes(img) + b"\x1bE\x01text\n\x1dVB\x00"
    images = decode_escpos_rasters(data)
    assert len(images) == 1 and _same(images[0], img)


def test_tall_images_fragments_are_merged_back():
    img = _pattern(384, 2000, seed=3)
    data = escpos_bytes(img)
    assert data.count(b"\x1dv0") >= 3  # python-escpos splits at 960 rows
    merged = decode_escpos_rasters(data)
    assert len(merged) == 1 and _same(merged[0], img)
    assert merged[0].info["fragments"] == 3
    parts = decode_escpos_rasters(data, merge=False)
    assert [p.height for p in parts] == [960, 960, 80]


def test_two_separate_images_stay_separate():
    a, b = _pattern(384, 40, 4), _pattern(384, 40, 5)
    data = escpos_bytes(a) + escpos_bytes(b)
    images = decode_escpos_rasters(data)
    assert len(images) == 2 and _same(images[0], a) and _same(images[1], b)


def test_cut_bytes_inside_pixel_data_are_not_a_cut():
    # one raster row of 3 bytes that happen to spell GS V 0 (full cut)
    data = b"\x1b@" + b"\x1dv0\x00\x03\x00\x01\x00" + b"\x1dV\x00" + b"\x1bd\x04"
    assert b"\x1dV\x00" in data  # a naive search would say "cut"
    assert not contains_cut(data)
    assert contains_cut(data + b"\x1dV\x00")
    assert contains_cut(b"\x1dVB\x00")  # cut with feed
    assert contains_cut(b"\x1bi")  # legacy full cut


def test_cut_flag_of_escpos_bytes():
    img = _pattern(384, 20)
    from hardware import PrinterConfig

    assert contains_cut(escpos_bytes(img, PrinterConfig.from_url("tcp://x?width=384&cut=1")))
    assert not contains_cut(escpos_bytes(img, PrinterConfig.from_url("tcp://x?width=384&cut=0")))


def test_truncated_raster_is_padded_and_flagged():
    img = _pattern(384, 100)
    data = escpos_bytes(img)
    cut_short = data[: 2 + 8 + 48 * 60]  # ESC @, header, 60 of 100 rows
    (decoded,) = decode_escpos_rasters(cut_short)
    assert decoded.size == (384, 100)
    assert decoded.info["truncated"] is True
    assert _same(decoded.crop((0, 0, 384, 60)), img.crop((0, 0, 384, 60)))
    assert decoded.crop((0, 60, 384, 100)).getextrema() == (255, 255)


def test_garbage_does_not_crash():
    rnd = random.Random(9)
    for _ in range(50):
        blob = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
        decode_escpos_rasters(blob)
        contains_cut(blob)
        describe_escpos(blob)


def test_describe_lists_commands():
    text = describe_escpos(escpos_bytes(_pattern(384, 10)))
    assert "ESC @ init" in text and "GS v 0 raster: 384x10 dots" in text and "GS V cut" in text
