"""Server-side printing: one print service per app for tickets, dossier receipts and test pages,
one shared print queue, printer status and alerts.

A kiosk request issues the ticket, hands it to :meth:`PrintService.print_ticket` and returns at
once; the kiosk then asks for the job's outcome (``GET /api/v1/kiosk/print-jobs/<id>``, or the
``print_job`` Socket.IO event in the ticket's room). A clerk's receipt goes the same way
(:meth:`PrintService.print_receipt`, after the dossier's transaction). Printing never blocks or
loses a ticket or a dossier: a dead printer only means the ticket is shown on screen with its QR
(the receipt as a PDF), and the center's supervisors get a ``printer_down`` alert, resolved by
the next successful print.

    from server.adapters.printing import printing, ticket_print, phone_url

    job = printing().print_ticket(center_id=1, printer_url="tcp://10.0.0.5:9100",
                                  ticket=ticket_print(view, center), ticket_token=view["token"])
    printing().job(job["id"])          # {"status": "pending" | "printed" | "failed", ...}
    printing().status("tcp://10.0.0.5:9100")  # {"online": True | False | None, "last_error": ...}

Statuses live in this process's memory (a printer is "unknown" until a job for it ends).
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, has_request_context, request
from PIL import Image

from hardware import (
    PrinterConfig,
    PrinterStatus,
    PrintJob,
    PrintQueue,
    PrintResult,
    ReceiptPrint,
    TicketPrint,
    render_receipt,
    render_ticket,
    test_page_image,
)
from server.clock import local_time
from server.domain.events import DomainEvent, ticket_room
from server.extensions import services
from server.models import PRIORITY_CATEGORIES, Center, ServiceKind

log = logging.getLogger("motcua.printing")

PRINTER_DOWN = "printer_down"
DEFAULT_WIDTH = 576
JOB_HISTORY = 2000  # job outcomes kept for kiosks and consoles asking "did it print?"
RECEIPT_KINDS = ("receipt", "apology")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def printer_width(printer_url: str | None) -> int:
    """Dot width of the printer behind a URL (58 mm → 384, 80 mm → 576); 576 when unknown."""
    if not printer_url:
        return DEFAULT_WIDTH
    try:
        return PrinterConfig.from_url(printer_url).width
    except ValueError:
        return DEFAULT_WIDTH


PAPER_WIDTHS = {384: "58 mm", 512: "80 mm (Epson TM-T88)", 576: "80 mm"}


def printer_settings(printer_url: str | None) -> dict[str, Any]:
    """Paper width (dots) and cut of a printer URL, as the Devices page edits them."""
    if not printer_url:
        return {"width": None, "cut": None}
    try:
        config = PrinterConfig.from_url(printer_url)
    except ValueError:
        return {"width": None, "cut": None}
    return {"width": config.width, "cut": config.cut}


def printer_url_with(printer_url: str, *, width: int | None = None, cut: bool | None = None) -> str:
    """``printer_url`` with its ``width``/``cut`` query parameters set (others kept, order kept).

    The printer's URL is its whole configuration (see hardware/printers.py); the Devices page
    edits width and cut as fields, and they are written back into the URL here."""

    parts = urlsplit(printer_url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not (k == "width" and width is not None)
             and not (k == "cut" and cut is not None)]
    if width is not None:
        query.append(("width", str(int(width))))
    if cut is not None:
        query.append(("cut", "1" if cut else "0"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, safe="/:"), parts.fragment))


def validate_printer_url(printer_url: str) -> str:
    """The URL stripped, or ValueError with a readable reason (used by the devices API)."""
    url = printer_url.strip()
    PrinterConfig.from_url(url)
    return url


class PrintService:
    """The app's one print service: kiosk tickets, dossier receipts (and apologies) and test pages.

    Every job goes through one :class:`~hardware.PrintQueue` (a printer that serves tickets and
    receipts prints one job at a time), is retried, has a status a screen can ask for, and
    raises the center's ``printer_down`` alert when it finally fails (resolved by the next good
    print). Printing never blocks or loses anything: the ticket or dossier is already committed."""

    def __init__(
        self,
        alerts: Any,
        publish: Callable[[DomainEvent], None] | None = None,
        *,
        retries: int = 1,
        retry_delay: float = 0.5,
        print_func: Callable[[str, Image.Image], None] | None = None,
    ) -> None:
        self.alerts = alerts
        self.publish = publish
        kwargs: dict[str, Any] = {"retries": retries, "retry_delay": retry_delay}
        if print_func is not None:
            kwargs["print_func"] = print_func
        self.queue = PrintQueue(**kwargs)
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._online: dict[str, bool] = {}  # last state we told the alert service about

    # ------------------------------------------------------------------ what can be printed
    def print_ticket(
        self,
        *,
        center_id: int,
        printer_url: str,
        ticket: TicketPrint,
        ticket_token: str | None = None,
        device_id: int | None = None,
        device_name: str = "",
    ) -> dict[str, Any]:
        """Queue a kiosk ticket; it is laid out in the print worker at the printer's dot width.
        The outcome also goes to the ticket's room (``print_job``), so the kiosk hears of it."""
        width = printer_width(printer_url)
        return self._submit(
            center_id=center_id, printer_url=printer_url, image=lambda: render_ticket(fit_to_width(ticket, width), width),
            kind="ticket", ticket_token=ticket_token, device_id=device_id, device_name=device_name,
        )

    def print_receipt(self, *, center_id: int, printer_url: str, receipt: ReceiptPrint, label: str = "",
                      kind: str = "receipt") -> dict[str, Any]:
        """Queue a dossier's receipt (Mẫu 01), or its apology with ``kind="apology"`` (Mẫu 04), on a
        counter's printer; ``label`` names the counter in the alert ("quầy 3")."""
        width = printer_width(printer_url)
        return self._submit(
            center_id=center_id, printer_url=printer_url, image=lambda: render_receipt(receipt, width), kind=kind,
            device_name=label, dossier_code=receipt.dossier_code,
        )

    def print_test_page(self, *, center_id: int, printer_url: str, device_id: int | None = None,
                        device_name: str = "") -> dict[str, Any]:
        """Queue the hardware test page (every Vietnamese letter, a QR) for a printer."""
        width = printer_width(printer_url)
        return self._submit(
            center_id=center_id, printer_url=printer_url, image=lambda: test_page_image(width), kind="test_page",
            device_id=device_id, device_name=device_name,
        )

    def _submit(
        self,
        *,
        center_id: int,
        printer_url: str,
        image: Image.Image | Callable[[], Image.Image],
        kind: str,
        ticket_token: str | None = None,
        device_id: int | None = None,
        device_name: str = "",
        dossier_code: str | None = None,
    ) -> dict[str, Any]:
        """Queue a laid-out image (or the function that lays it out); returns the job's view
        (status ``pending``) at once."""
        job_id = uuid.uuid4().hex
        record = {
            "id": job_id, "kind": kind, "status": "pending", "printer_url": printer_url, "center_id": center_id,
            "device_id": device_id, "ticket_token": ticket_token, "dossier_code": dossier_code, "error": None,
            "error_code": None, "attempts": 0, "submitted_at": _iso(_utcnow()), "finished_at": None,
        }
        done = threading.Event()
        record["_done"] = done
        with self._lock:
            self._jobs[job_id] = record
            while len(self._jobs) > JOB_HISTORY:
                self._jobs.popitem(last=False)
        name = device_name or printer_url
        future = self.queue.submit(PrintJob(printer_url, image, job_id, {"center_id": center_id, "ticket_token": ticket_token}))
        future.add_done_callback(lambda f: (self._finished(f.result(), kind, center_id, name), done.set()))
        return self.job(job_id) or _public_job(record)

    def wait(self, job_id: str, timeout: float) -> dict[str, Any] | None:
        """The job's view once it has printed or failed, or still ``pending`` after ``timeout`` seconds
        (so an admin's "test print" reports what really happened, not merely that it was queued)."""
        with self._lock:
            record = self._jobs.get(job_id)
            done = record.get("_done") if record else None
        if done is not None:
            done.wait(timeout)
        return self.job(job_id)

    # ------------------------------------------------------------------ queries
    def job(self, job_id: str) -> dict[str, Any] | None:
        """A job's view (a copy), or None when this process never saw it (or forgot it)."""
        with self._lock:
            record = self._jobs.get(job_id)
            return _public_job(record) if record else None

    def job_center(self, job_id: str) -> int | None:
        """The center a job printed for (who may ask about it), or None when unknown."""
        with self._lock:
            record = self._jobs.get(job_id)
            return record["center_id"] if record else None

    def status(self, printer_url: str) -> dict[str, Any]:
        """Online / last error / last print of one printer; ``online`` is None until a job for it ends."""
        return _status_view(printer_url, self.queue.status(printer_url))

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking jobs and let the queued ones finish (at most ``timeout`` seconds)."""
        self.queue.close(timeout)

    # ------------------------------------------------------------------ outcome (print worker threads)
    def _finished(self, result: PrintResult, kind: str, center_id: int, name: str) -> None:
        # The alert first: whoever sees the job "failed" finds the alert already raised.
        self._alert(result, kind, center_id, name)
        with self._lock:
            record = self._jobs.get(result.job_id)
            if record is None:
                return  # forgotten already (JOB_HISTORY): nobody can ask for it any more
            record.update(
                status="printed" if result.ok else "failed", error=result.error, error_code=result.error_code,
                attempts=result.attempts, finished_at=_iso(result.finished_at),
            )
            view = _public_job(record)
        token = record.get("ticket_token")
        if token and self.publish is not None:
            try:
                self.publish(DomainEvent("print_job", record["center_id"] or 0, {"print_job": view}, (ticket_room(token),)))
            except Exception:  # a broken broker must not break printing
                log.exception("could not publish print outcome")

    def _alert(self, result: PrintResult, kind: str, center_id: int, name: str) -> None:
        """Raise ``printer_down`` when a job finally fails; resolve it at the next good print."""
        url = result.printer_url
        with self._lock:
            was_online = self._online.get(url)
            self._online[url] = result.ok
        try:
            if not result.ok:
                self.alerts.raise_alert(center_id, PRINTER_DOWN, url, *_down_message(kind, name, result.error))
            elif was_online is not True:
                # First good print in this process, or back after a failure: close any open alert.
                self.alerts.resolve(center_id, PRINTER_DOWN, url)
        except Exception:  # alerting must never stop the print worker
            log.exception("could not update the printer alert for %s", url)


def _down_message(kind: str, name: str, error: str | None) -> tuple[str, str]:
    """The alert's words: what failed to print, and what still works (Vietnamese, English)."""
    if kind in RECEIPT_KINDS:
        return (f"Máy in của {name} không in được giấy tiếp nhận hồ sơ: {error}. Hồ sơ vẫn được tiếp nhận; "
                "cán bộ có thể in lại hoặc tải bản PDF trên bàn làm việc.",
                f"The printer of {name} failed to print a dossier receipt: {error}. The dossier is received; "
                "reprint it or download the PDF from the console.")
    return (f"Máy in của «{name}» không in được: {error}. Phiếu vẫn được phát và hiện trên màn hình kiosk.",
            f"The printer of “{name}” failed: {error}. Tickets are still issued and shown on the kiosk screen.")


def _public_job(record: dict[str, Any]) -> dict[str, Any]:
    view = {k: record[k] for k in ("id", "kind", "status", "error", "error_code", "attempts", "submitted_at", "finished_at")}
    view["printer_online"] = None if record["status"] == "pending" else record["status"] == "printed"
    if record.get("dossier_code"):  # a receipt: the console shows which dossier, and checks the center
        view.update(center_id=record["center_id"], dossier_code=record["dossier_code"])
    return view


def _status_view(url: str, status: PrinterStatus | None) -> dict[str, Any]:
    if status is None:
        return {"url": url, "online": None, "last_error": None, "last_print_at": None, "last_job_id": None}
    return {"url": url, "online": status.online, "last_error": status.last_error,
            "last_print_at": _iso(status.last_print_at), "last_job_id": status.last_job_id}


def printing(app: Flask | None = None) -> PrintService:
    """The app's print service (built once in ``server/bootstrap.py``)."""
    return services(app).printing


# --------------------------------------------------------------------------- URLs and layout
def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# A kiosk browser on the server itself (the one-PC center) asks for the LAN address at every ticket;
# finding it costs a socket (about a fifth of a kiosk issue's server time), so it is kept a while —
# not forever: a DHCP lease may move the machine.
LAN_ADDRESS_TTL_SECONDS = 30.0
_lan_cache: tuple[float, str | None] | None = None


def _lan_address() -> str | None:
    """This machine's LAN address (no packet is sent: a UDP "connect" only picks a route), found
    again at most every :data:`LAN_ADDRESS_TTL_SECONDS`."""
    global _lan_cache
    now = time.monotonic()
    if _lan_cache is not None and now - _lan_cache[0] < LAN_ADDRESS_TTL_SECONDS:
        return _lan_cache[1]
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.254.254.254", 9))
            address = s.getsockname()[0]
    except OSError:
        address = None
    found = None if address is None or _is_loopback(address) else address
    _lan_cache = (now, found)
    return found


def lan_base_url(port: int | None = None, configured: str | None = None, scheme: str = "http") -> str:
    """Base of the links printed at start-up for other machines (TVs, kiosks, clerks' PCs).

    ``PUBLIC_BASE_URL`` when set; else this machine's LAN address with ``port``; ``localhost``
    only when the machine has no network at all (then nothing else could reach it anyway)."""
    if configured:
        return configured.rstrip("/")
    host = _lan_address() or "localhost"
    return f"{scheme}://{host}" + (f":{port}" if port and port != 80 else "")


def public_base_url() -> str:
    """Base of the URLs printed in QR codes, ending without "/".

    ``PUBLIC_BASE_URL`` when set; else the host the kiosk used — except that a kiosk
    browser running on the server itself (``localhost``) would print a QR no phone can
    open, so the machine's LAN address is used instead when one is known."""
    configured = services().settings.public_base_url
    if configured:
        return configured.rstrip("/")
    if not has_request_context():
        return lan_base_url(services().settings.port)
    base = request.host_url.rstrip("/")
    parts = urlsplit(base)
    if parts.hostname and _is_loopback(parts.hostname):
        lan = _lan_address()
        if lan:
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{lan}{port}"
    return base


def phone_url(token: str, base: str | None = None) -> str:
    """The ticket's phone page, as printed in its QR: short, ``<base>/t/<token>``."""
    return f"{(base or public_base_url()).rstrip('/')}/t/{token}"


def issued_at_text(iso_utc: str | None, timezone_name: str) -> str:
    """"Giờ lấy số: 09:05, 23/11/2026" in the center's local time (the one date-time format of citizen screens)."""
    if not iso_utc:
        return ""
    moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    local = local_time(moment, timezone_name or "Asia/Ho_Chi_Minh")
    return f"Giờ lấy số: {local:%H:%M}, {local:%d/%m/%Y}"


def priority_label(code: str | None) -> str:
    if not code or code not in PRIORITY_CATEGORIES:
        return ""
    return f"ƯU TIÊN – {PRIORITY_CATEGORIES[code][0].upper()}"


def booked_label(booking: dict[str, Any] | None) -> str:
    """"Lịch hẹn 09:30 / Booked 09:30" for a ticket checked in for a booking (its view's ``booking``), else ""."""
    booked_for = (booking or {}).get("booked_for") if isinstance(booking, dict) else None
    return f"Lịch hẹn {booked_for} / Booked {booked_for}" if booked_for else ""


def fit_to_width(ticket: TicketPrint, width: int) -> TicketPrint:
    """Adjust a ticket for narrow paper: below 576 dots the white-on-black priority label
    loses the horn of «Ư» (thin strokes vanish in 1-bit), so it is printed as plain text."""
    if width >= 576 or not ticket.priority_label:
        return ticket
    label = " · ".join(x for x in (ticket.kind_label, ticket.priority_label) if x)
    return replace(ticket, priority_label="", kind_label=label)


def ticket_print(view: dict[str, Any], center: Center, *, base_url: str | None = None) -> TicketPrint:
    """What goes on the paper ticket for a ticket view (no personal data: number, service, wait, QR)."""
    service = view.get("service") or {}
    settings = center.settings or {}
    footer = str(settings.get("ticket_footer") or "").strip()
    scan_hint = "Quét mã QR để theo dõi lượt gọi trên điện thoại."
    kind_label = ""
    if service.get("kind") == ServiceKind.COLLECT:
        kind_label = "NHẬN KẾT QUẢ"
    elif service.get("kind") == ServiceKind.INFORMATION:
        kind_label = "HỎI ĐÁP – HƯỚNG DẪN"
    ahead, wait = view.get("people_ahead"), view.get("estimated_wait_minutes")
    if ahead == 0 and not wait:
        wait = None  # "~0 phút" reads oddly: nobody ahead says it all
    return TicketPrint(
        center_name=center.name,
        service_name=service.get("name") or "",
        number=view["number"],
        people_ahead=ahead,
        estimated_wait_minutes=wait,
        issued_at_text=issued_at_text(view.get("issued_at"), center.timezone),
        qr_payload=phone_url(view["token"], base_url),
        footer=f"{scan_hint}\n{footer}" if footer else scan_hint,
        priority_label=priority_label(view.get("priority")),
        kind_label=kind_label,
        booked_label=booked_label(view.get("booking")),
    )


__all__ = [
    "PAPER_WIDTHS", "PRINTER_DOWN", "RECEIPT_KINDS", "PrintService", "fit_to_width", "issued_at_text", "lan_base_url",
    "phone_url", "printer_settings", "printer_url_with", "printer_width", "printing", "public_base_url", "ticket_print",
    "validate_printer_url",
]
