"""Printer URLs: all five schemes, parameters, clear errors."""
from __future__ import annotations

import pytest

from hardware import PrinterConfig


def test_tcp():
    c = PrinterConfig.from_url("tcp://192.168.1.50:9100")
    assert (c.scheme, c.host, c.port, c.width, c.cut, c.timeout) == ("tcp", "192.168.1.50", 9100, 576, True, 3.0)
    assert PrinterConfig.from_url("tcp://printer.local").port == 9100
    c = PrinterConfig.from_url("tcp://10.0.0.7:4242?width=384&cut=0&timeout=1.5&feed=3")
    assert (c.port, c.width, c.cut, c.timeout, c.feed) == (4242, 384, False, 1.5, 3)


def test_usb():
    c = PrinterConfig.from_url("usb://04b8:0e15")
    assert (c.scheme, c.vendor_id, c.product_id) == ("usb", 0x04B8, 0x0E15)
    c = PrinterConfig.from_url("usb://0x0416:0x5011?out_ep=0x03&in_ep=0x81&width=384")
    assert (c.vendor_id, c.product_id, c.options, c.width) == (0x0416, 0x5011, {"out_ep": 3, "in_ep": 0x81}, 384)


def test_serial():
    c = PrinterConfig.from_url("serial:///dev/ttyUSB0?baudrate=9600")
    assert (c.scheme, c.device, c.options["baudrate"]) == ("serial", "/dev/ttyUSB0", 9600)
    c = PrinterConfig.from_url("serial://COM3?baudrate=115200&parity=N&stopbits=1&dsrdtr=0")
    assert c.device == "COM3"
    assert c.options == {"baudrate": 115200, "parity": "N", "stopbits": 1, "dsrdtr": False}


def test_file():
    c = PrinterConfig.from_url("file:///dev/usb/lp0")
    assert (c.scheme, c.device) == ("file", "/dev/usb/lp0")
    assert PrinterConfig.from_url("file://localhost/dev/usb/lp1").device == "/dev/usb/lp1"


def test_cups():
    c = PrinterConfig.from_url("cups://XP-80C")
    assert (c.scheme, c.printer_name, c.host, c.port) == ("cups", "XP-80C", "localhost", 631)
    c = PrinterConfig.from_url("cups://Quay_3?host=10.0.0.2&port=6310")
    assert (c.printer_name, c.host, c.port) == ("Quay_3", "10.0.0.2", 6310)


def test_profiles_set_the_width():
    assert PrinterConfig.from_url("usb://0416:5011?profile=POS-5890").width == 384
    assert PrinterConfig.from_url("tcp://h?profile=TM-T88V").width == 512
    assert PrinterConfig.from_url("tcp://h?profile=default").width == 576  # width unknown → 576
    assert PrinterConfig.from_url("tcp://h?profile=TM-T20II&width=512").width == 512


@pytest.mark.parametrize(
    "url, message",
    [
        ("192.168.1.50:9100", "scheme"),
        ("http://192.168.1.50", "unknown scheme"),
        ("tcp://", "missing host"),
        ("tcp://host:99999", "port"),
        ("tcp://host:abc", "port"),
        ("tcp://host/path", "no path"),
        ("usb://04b8", "VID:PID"),
        ("usb://zzzz:0202", "hex"),
        ("usb://0000:0202", "0001"),
        ("serial://", "device path"),
        ("serial:///dev/ttyS0?baudrate=fast", "baudrate"),
        ("serial:///dev/ttyS0?parity=X", "parity"),
        ("file://", "device path"),
        ("tcp://h?width=abc", "width"),
        ("tcp://h?width=10", "width"),
        ("tcp://h?cut=maybe", "cut"),
        ("tcp://h?timeout=-1", "timeout"),
        ("tcp://h?widht=384", "unknown parameter 'widht'"),
        ("tcp://h?baudrate=9600", "unknown parameter"),
        ("tcp://h?profile=NoSuchPrinter", "unknown profile"),
        ("tcp://h?profile=POS-5890&width=576", "wider than profile"),
        ("tcp://h?impl=laser", "impl"),
        ("cups://x?port=0", "port"),
    ],
)
def test_bad_urls_raise_clear_value_errors(url, message):
    with pytest.raises(ValueError, match=message):
        PrinterConfig.from_url(url)
