"""The fake network printer used across the test suites."""
from __future__ import annotations

import socket

import pytest

from tests.support.tcp_printer import TcpTestPrinter


def _send(url_port: int, payload: bytes) -> None:
    with socket.create_connection(("127.0.0.1", url_port), timeout=2) as s:
        s.sendall(payload)


def test_records_bytes_per_connection():
    with TcpTestPrinter() as printer:
        assert printer.url == f"tcp://127.0.0.1:{printer.port}"
        assert printer.url_with(width=384, cut=0) == f"{printer.url}?width=384&cut=0"
        _send(printer.port, b"first")
        _send(printer.port, b"second")
        assert printer.wait_for_jobs(2) == [b"first", b"second"]
        assert printer.received() == b"firstsecond"
        assert printer.wait_for_bytes(lambda d: d.endswith(b"second")) == b"firstsecond"
        printer.clear()
        assert printer.received() == b"" and printer.jobs == []


def test_open_connection_is_not_a_job_yet():
    with TcpTestPrinter() as printer:
        with socket.create_connection(("127.0.0.1", printer.port), timeout=2) as s:
            s.sendall(b"partial")
            assert printer.wait_for_bytes(7) == b"partial"
            assert printer.jobs == [] and printer.connections == [b"partial"]
            s.settimeout(0.2)
            with pytest.raises(socket.timeout):
                s.recv(1)  # never writes back
        assert printer.wait_for_jobs(1) == [b"partial"]


def test_wait_times_out():
    with TcpTestPrinter() as printer:
        with pytest.raises(TimeoutError):
            printer.wait_for_bytes(1, timeout=0.2)
        with pytest.raises(TimeoutError):
            printer.wait_for_jobs(1, timeout=0.2)


def test_close_stops_listening():
    printer = TcpTestPrinter()
    port = printer.port
    printer.close()
    with pytest.raises(OSError):
        _send(port, b"x")
