"""Render → print over TCP (or to a file) → decode the bytes → read the QR."""
from __future__ import annotations

import time

import pytest
from PIL import ImageChops

from hardware import (
    PrinterConfig,
    PrinterError,
    contains_cut,
    decode_escpos_rasters,
    print_image,
    print_test_page,
    render_receipt,
    render_ticket,
)
from hardware.printers import escpos_modules
from tests.support.print_samples import DOSSIER_CODE, TICKET_URL, make_receipt, make_ticket
from tests.support.raster import read_qr_texts


@pytest.mark.parametrize("width", [384, 576])
def test_ticket_round_trip_over_tcp(tcp_printer, width):
    image = render_ticket(make_ticket(), width)
    print_image(PrinterConfig.from_url(tcp_printer.url_with(width=width)), image)
    (data,) = tcp_printer.wait_for_jobs(1)
    assert read_qr_texts(data) == [TICKET_URL]
    (decoded,) = decode_escpos_rasters(data)
    assert decoded.width == width
    assert ImageChops.difference(decoded.convert("L"), image.convert("L")).getbbox() is None  # pixel exact
    assert contains_cut(data)


def test_no_cut_when_disabled(tcp_printer):
    print_image(tcp_printer.url_with(width=384, cut=0), render_ticket(make_ticket(), 384))
    (data,) = tcp_printer.wait_for_jobs(1)
    assert read_qr_texts(data) == [TICKET_URL]
    assert not contains_cut(data)
    assert data.endswith(b"\x1bd\x04")  # fed clear of the tear bar instead


def test_profile_without_cutter_sends_no_cut(tcp_printer):
    # POS-5890 (58 mm) has no cutter: python-escpos' cut() sends nothing.
    print_image(tcp_printer.url_with(profile="POS-5890"), render_ticket(make_ticket(), 384))
    (data,) = tcp_printer.wait_for_jobs(1)
    assert not contains_cut(data)
    assert read_qr_texts(data) == [TICKET_URL]


def test_receipt_round_trip(tcp_printer):
    receipt = make_receipt(documents=[f"Giấy tờ kèm theo số {i} (bản sao có chứng thực)" for i in range(1, 25)])
    image = render_receipt(receipt, 576)
    assert image.height > 960  # sent as several GS v 0 fragments
    print_image(tcp_printer.url, image)
    (data,) = tcp_printer.wait_for_jobs(1)
    assert data.count(b"\x1dv0") >= 2
    assert read_qr_texts(data) == [DOSSIER_CODE]
    assert decode_escpos_rasters(data)[0].size == image.size


def test_file_printer(tmp_path):
    target = tmp_path / "lp0"
    print_image(f"file://{target}?width=384", render_ticket(make_ticket(), 384))
    assert read_qr_texts(target.read_bytes()) == [TICKET_URL]


def test_test_page(tcp_printer):
    image = print_test_page(tcp_printer.url_with(width=384))
    assert image.width == 384
    (data,) = tcp_printer.wait_for_jobs(1)
    assert read_qr_texts(data) == ["HTTP://MOT-CUA.LOCAL/TEST-PRINT"]


def test_dead_printer_fails_fast(dead_port):
    url = f"tcp://127.0.0.1:{dead_port}"
    start = time.monotonic()
    with pytest.raises(PrinterError) as info:
        print_image(url, render_ticket(make_ticket(), 576))
    assert time.monotonic() - start < 3
    err = info.value
    assert err.url == url and err.code == "unreachable"
    assert "Máy in không phản hồi / printer not responding" in str(err)


def test_unroutable_printer_times_out_quickly():
    # TEST-NET-1 address: either no route at once, or the 0.5 s timeout.
    start = time.monotonic()
    with pytest.raises(PrinterError) as info:
        print_image("tcp://192.0.2.1:9100?timeout=0.5", render_ticket(make_ticket(), 384))
    assert time.monotonic() - start < 3
    assert info.value.code == "unreachable"


def test_missing_device_file(tmp_path):
    with pytest.raises(PrinterError) as info:
        print_image(f"file://{tmp_path}/no/such/dir/lp0", render_ticket(make_ticket(), 576))
    assert info.value.code == "not_found"


def test_image_wider_than_paper(tcp_printer):
    with pytest.raises(PrinterError) as info:
        print_image(tcp_printer.url_with(width=384), render_ticket(make_ticket(), 576))
    assert info.value.code == "config"
    assert tcp_printer.connections == []  # refused before connecting


def test_bad_url_is_a_printer_error():
    with pytest.raises(PrinterError) as info:
        print_image("laser://x", render_ticket(make_ticket(), 384))
    assert info.value.code == "config"


@pytest.mark.parametrize(
    "url, module",
    [("usb://04b8:0e15", "usb"), ("serial:///dev/ttyUSB9", "serial"), ("cups://XP-80C", "cups")],
)
def test_missing_driver_library_is_explained(url, module):
    if getattr(escpos_modules().printer, module).is_usable():
        pytest.skip(f"the {module} library is installed here")
    with pytest.raises(PrinterError) as info:
        print_image(url, render_ticket(make_ticket(), 384))
    assert info.value.code == "dependency"
    assert "pip install" in info.value.reason
