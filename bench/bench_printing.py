"""Ticket printing figures: render time, ESC/POS encode time, bytes per ticket.

    python bench/bench_printing.py [--count 50]

For 384 and 576 dots, averaged over N tickets with different numbers and QR tokens:
  render            Pillow layout only (render_ticket)
  render+bytes      layout + the ESC/POS bytes (python-escpos Dummy printer)
  render+tcp        layout + print_image to a local TCP printer (connect, send, close)
and the bytes each ticket puts on the wire.
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import ReceiptPrint, TicketPrint, escpos_bytes, print_image, render_receipt, render_ticket
from tests.support.tcp_printer import TcpTestPrinter


def ticket(i: int) -> TicketPrint:
    return TicketPrint(
        center_name="Trung tâm Phục vụ hành chính công phường Ba Đình",
        service_name="Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở",
        number=f"{1000 + i}",
        people_ahead=i % 40,
        estimated_wait_minutes=(i % 40) * 3,
        issued_at_text="08:15 ngày 23/11/2026",
        qr_payload=f"http://192.168.1.10:8000/t/{secrets.token_urlsafe(16)}",
        footer="Quét mã QR để theo dõi lượt gọi trên điện thoại",
    )


def receipt() -> ReceiptPrint:
    return ReceiptPrint(
        center_name="Trung tâm Phục vụ hành chính công phường Ba Đình",
        dossier_code="000.00.12.H23-261122-0007",
        applicant_name="Nguyễn Thị Ánh Tuyết",
        procedure_name=("Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở "
                        "và tài sản khác gắn liền với đất lần đầu"),
        documents=[
            "Đơn đăng ký, cấp Giấy chứng nhận theo Mẫu số 04/ĐK (bản chính)",
            "Giấy tờ về quyền sử dụng đất (bản sao có chứng thực)",
            "Sơ đồ nhà ở, công trình xây dựng",
            "Chứng từ thực hiện nghĩa vụ tài chính",
        ],
        received_at_text="08:15 ngày 23/11/2026",
        appointment_text="16:00 ngày 04/12/2026",
        clerk_name="Trần Văn Đức",
        qr_payload="000.00.12.H23-261122-0007",
        footer="Mang theo giấy này khi đến nhận kết quả.",
    )


def timed(fn, count: int) -> tuple[float, list]:
    out, times = [], []
    for i in range(count):
        t0 = time.perf_counter()
        out.append(fn(i))
        times.append(time.perf_counter() - t0)
    return statistics.mean(times) * 1000, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args(argv)
    n = args.count
    render_ticket(ticket(0), 576)  # warm the font cache
    print(f"tickets: {n} per width, Python {sys.version.split()[0]}")
    print(f"{'dots':>5} {'render ms':>10} {'render+bytes ms':>16} {'render+tcp ms':>14} {'bytes/ticket':>13} {'height':>7}")
    for width in (384, 576):
        render_ms, images = timed(lambda i, width=width: render_ticket(ticket(i), width), n)
        bytes_ms, blobs = timed(lambda i, width=width: escpos_bytes(render_ticket(ticket(i), width)), n)
        with TcpTestPrinter() as printer:
            url = printer.url_with(width=width)
            tcp_ms, _ = timed(lambda i, url=url, width=width: print_image(url, render_ticket(ticket(i), width)), n)
            printer.wait_for_jobs(n, timeout=30)
            wire = statistics.mean(len(j) for j in printer.jobs)
        height = statistics.mean(im.height for im in images)
        print(f"{width:>5} {render_ms:>10.1f} {bytes_ms:>16.1f} {tcp_ms:>14.1f} {wire:>13,.0f} {height:>7.0f}")
        assert abs(wire - statistics.mean(len(b) for b in blobs)) < 1  # Dummy and TCP send the same
    ms, imgs = timed(lambda i: render_receipt(receipt(), 576), max(5, n // 5))
    size = len(escpos_bytes(imgs[0]))
    print(f"receipt 576 dots: render {ms:.1f} ms, {size:,} bytes, {imgs[0].height} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
