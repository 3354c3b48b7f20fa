"""Ticket/receipt layout and ESC/POS printing for Một Cửa Queue.

A leaf library: it knows images and printers, never queues, tickets in a
database, Flask or ``server/``.

    from hardware import TicketPrint, render_ticket, PrintQueue, PrintJob

    img = render_ticket(TicketPrint(...), width=576)
    q = PrintQueue(on_status=alert_if_offline)
    q.submit(PrintJob("tcp://192.168.1.50:9100", img, job_id=ticket.id))

See :mod:`hardware.layout`, :mod:`hardware.printers`, :mod:`hardware.print_queue`
and :mod:`hardware.raster` for details.
"""
from __future__ import annotations

from PIL import Image

from .layout import (
    VIETNAMESE_LETTERS,
    FontNotFoundError,
    ReceiptPrint,
    TicketPrint,
    image_to_png_bytes,
    make_qr_image,
    render_receipt,
    render_receipt_pdf,
    render_ticket,
    wrap_text,
)
from .print_queue import PrinterStatus, PrintJob, PrintQueue, PrintResult
from .printers import PrinterConfig, PrinterError, escpos_bytes, print_image
from .raster import contains_cut, decode_escpos_rasters, describe_escpos

__all__ = [
    "TicketPrint",
    "ReceiptPrint",
    "render_ticket",
    "render_receipt",
    "render_receipt_pdf",
    "image_to_png_bytes",
    "make_qr_image",
    "wrap_text",
    "FontNotFoundError",
    "VIETNAMESE_LETTERS",
    "PrinterConfig",
    "PrinterError",
    "print_image",
    "escpos_bytes",
    "PrintJob",
    "PrintQueue",
    "PrintResult",
    "PrinterStatus",
    "decode_escpos_rasters",
    "contains_cut",
    "describe_escpos",
    "test_page_image",
    "print_test_page",
]

TEST_PAGE_QR = "HTTP://MOT-CUA.LOCAL/TEST-PRINT"  # alphanumeric-mode QR: scanners with Telex on still read it


def test_page_image(width: int = 576) -> Image.Image:
    """A sample ticket showing every Vietnamese letter, a QR and the paper width."""
    half = len(VIETNAMESE_LETTERS) // 2
    ticket = TicketPrint(
        center_name="Trung tâm Phục vụ hành chính công – Kiểm tra máy in",
        service_name="Chứng thực, hộ tịch, đất đai – Phiếu in thử",
        number="A123",
        people_ahead=5,
        estimated_wait_minutes=15,
        issued_at_text=f"Khổ giấy / paper width: {width} dots",
        qr_payload=TEST_PAGE_QR,
        footer=(
            f"{VIETNAMESE_LETTERS[:half]}\n{VIETNAMESE_LETTERS[half:]}\n"
            "Quét mã QR: điện thoại phải đọc được " + TEST_PAGE_QR
        ),
        kind_label="IN THỬ / TEST PAGE",
    )
    return render_ticket(ticket, width)


test_page_image.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def print_test_page(url: str) -> Image.Image:
    """Render the test page at the printer's width, print it, return the image.

    Raises :class:`ValueError` for a bad URL and :class:`PrinterError` when printing fails.
    """
    config = PrinterConfig.from_url(url)
    image = test_page_image(config.width)
    print_image(config, image)
    return image


print_test_page.__test__ = False  # type: ignore[attr-defined]
