"""Demo data: a ward-level public administration service center as they look since 7/2025.

:func:`seed_demo` is the one place that makes it: the center with its fields, counters and
accounts, its procedure catalogue, and its kiosk and call board. Only the CLI calls it (``run.py
serve`` on start, ``run.py seed-demo``); tests and benchmarks call it for their fixtures. No
blueprint and no app factory seeds anything.

The demo kiosk and board keep their tokens in ``Device.config["demo_token"]`` so every start can
print the same setup links. A kiosk token can do no more than an anonymous caller of the public
ticket API, and a board's only reads what the hall's board shows anyway, so this costs little; an
admin who rotates a token ends the exception.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hardware import PrinterConfig
from server.clock import SystemClock, local_date
from server.demo_procedures import seed_demo_procedures
from server.domain.accounts import create_user, hash_token, register_device
from server.domain.bookings.settings import DEFAULT_BOOKING
from server.domain.dossiers.codes import agency_id_for, format_dossier_code
from server.domain.dossiers.dates import calendar_for
from server.domain.dossiers.records import log_event, record_return
from server.domain.numbering import next_value
from server.models import Center, Counter, CounterService, Device, Service, ServiceKind
from server.models.dossiers import Channel, Dossier, DossierState, Procedure, ReturnChannel

log = logging.getLogger("motcua.demo")

DEMO_CENTER_CODE = "HOANKIEM"
DEMO_KIOSK_NAME = "Kiosk sảnh chính (demo)"
DEMO_DISPLAY_NAME = "Màn hình gọi số sảnh chính (demo)"
# In the demo kiosk's Device.config: KIOSK_PRINTER_URL has given it its printer once (the devices API keeps it).
SEEDED_KEY = "printer_seeded"

# (code, name vi, name en, kind, number_start)
DEMO_SERVICES = [
    ("TPHT", "Tư pháp – Hộ tịch – Chứng thực", "Justice – Civil status – Certification", ServiceKind.SUBMIT, 1001),
    ("DD", "Đất đai", "Land", ServiceKind.SUBMIT, 2001),
    ("XDHKD", "Xây dựng – Hộ kinh doanh", "Construction – Household business", ServiceKind.SUBMIT, 3001),
    ("VHXH", "Văn hóa – Xã hội", "Culture – Social affairs", ServiceKind.SUBMIT, 4001),
    ("NNMT", "Nông nghiệp và Môi trường", "Agriculture and Environment", ServiceKind.SUBMIT, 5001),
    ("HTDVC", "Hỗ trợ dịch vụ công trực tuyến", "Online public service support", ServiceKind.INFORMATION, 6001),
    ("NKQ", "Nhận kết quả", "Collect result", ServiceKind.COLLECT, 8001),
]

# counter number → (name, service codes in the counter's order)
DEMO_COUNTERS = {
    1: ("Tư pháp – Hộ tịch", ["TPHT"]),
    2: ("Chứng thực", ["TPHT"]),
    3: ("Đất đai", ["DD"]),
    4: ("Xây dựng – Hộ kinh doanh – Nông nghiệp và Môi trường", ["XDHKD", "NNMT"]),
    5: ("Văn hóa – Xã hội", ["VHXH"]),
    6: ("Hỗ trợ dịch vụ công trực tuyến", ["HTDVC"]),
    7: ("Trả kết quả", ["NKQ"]),
}


@dataclass
class DemoSeed:
    """What :func:`seed_demo` did: the new accounts' passwords (empty when the demo center already
    existed; printed once by run.py) and the demo devices' tokens (None when not seeded)."""

    credentials: dict[str, str] = field(default_factory=dict)
    kiosk_token: str | None = None
    display_token: str | None = None


def seed_demo(
    session: Session,
    *,
    password_for: Callable[[str], str] | None = None,
    open_counters: bool = False,
    catalogue: bool = True,
    devices: bool = True,
    kiosk_printer_url: str = "",
) -> DemoSeed:
    """Fill in what the demo lacks; idempotent.

    * The center, its fields, counters, a clerk per counter, a supervisor and an admin, when no
      center has the demo's code. Counters start closed: a counter opens when a clerk sits at it
      (``open_counters`` opens them all with nobody at them, for load tests only). Passwords come
      from ``password_for(username)``, else are random.
    * ``catalogue``: the procedure catalogue and a few sample dossiers, with a center made now (an
      admin's later changes to the catalogue are never undone by a restart).
    * ``devices``: the demo kiosk and board, whenever missing. ``kiosk_printer_url``
      (``KIOSK_PRINTER_URL``) seeds the kiosk's printer once; see :func:`ensure_demo_kiosk`.
    """
    center = session.execute(select(Center).where(Center.code == DEMO_CENTER_CODE)).scalar_one_or_none()
    seed = DemoSeed()
    if center is None:
        center, seed.credentials = _create_center(session, password_for or (lambda _u: secrets.token_urlsafe(9)),
                                                  open_counters)
        if catalogue:
            seed_demo_procedures(session, center.id)
            seed_demo_dossiers(session, center, SystemClock().now())
    if devices:
        seed.kiosk_token = ensure_demo_kiosk(session, center.id, printer_url=kiosk_printer_url)
        seed.display_token = ensure_demo_display(session, center.id)
    return seed


# Sample dossiers: (procedure, applicant, phone, receiving channel, return channel, delivery address,
# days ago received, what happened since). Two go back by post: one on today's postal hand-over
# list (result ready), one already handed to the post office; so /console/postal has content.
DEMO_DOSSIERS = [
    ("TPHT-KH", "Nguyễn Thị Hoa", "0912345678", Channel.DIRECT, ReturnChannel.POST,
     "Số 12, ngõ 34 phố Huế, phường Hai Bà Trưng, Hà Nội", 4, "result_ready"),
    ("HKD-DK", "Trần Văn Bình", "0987654321", Channel.POST, ReturnChannel.POST,
     "Số 5, phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội", 6, "posted"),
    ("TPHT-KS", "Lê Minh Châu", "0903111222", Channel.ONLINE, ReturnChannel.ONLINE, "", 1, "received"),
    ("VHXH-TCXH", "Phạm Văn Dũng", "0911222333", Channel.DIRECT, ReturnChannel.COUNTER, "", 2, "result_ready"),
]


def seed_demo_dossiers(session: Session, center: Center, now: datetime) -> int:
    """A few sample dossiers (codes allocated from the center's daily sequence, so a clerk's first
    real dossier never collides with one), each with its event log; returns how many."""
    procedures = {p.code: p for p in session.scalars(select(Procedure).where(Procedure.center_id == center.id))}
    calendar = calendar_for(center)
    added = 0
    for code, name, phone, channel, return_channel, address, days_ago, fate in DEMO_DOSSIERS:
        procedure = procedures.get(code)
        if procedure is None:
            continue
        received = now - timedelta(days=days_ago)
        day = local_date(received, center.timezone)
        seq = next_value(session, center.id, "dossier", day)
        d = Dossier(center_id=center.id, code=format_dossier_code(agency_id_for(center), day, seq), day=day, seq=seq,
                    procedure_id=procedure.id, service_id=procedure.service_id, applicant_name=name, applicant_phone=phone,
                    documents=list(procedure.documents or []), channel=channel, return_channel=return_channel,
                    delivery_address=address, state=DossierState.RECEIVED, received_at=received,
                    appointment_at=calendar.appointment(received, procedure.processing_days).astimezone(now.tzinfo),
                    received_by_name="Cán bộ quầy 1 (demo)", created_at=received, updated_at=now)
        session.add(d)
        session.flush()
        log_event(session, d, "receive", None, "demo", received, channel=channel, return_channel=return_channel)
        if fate in ("result_ready", "posted"):
            ready_at = min(now, received + timedelta(days=1))
            d.state, d.result_ready_at, d.result_class = DossierState.RESULT_READY, ready_at, "early"
            log_event(session, d, "result_ready", DossierState.RECEIVED, "demo", ready_at, result_class="early")
        if fate == "posted":
            d.posted_at = min(now, received + timedelta(days=2))
            record_return(d, center, d.posted_at)
            log_event(session, d, "posted", DossierState.RESULT_READY, "demo", d.posted_at, method=ReturnChannel.POST)
        added += 1
    return added


def _create_center(session: Session, password_for: Callable[[str], str], open_counters: bool) -> tuple[Center, dict[str, str]]:
    """The demo center with its services, counters and accounts; returns it and username → password."""
    center = Center(
        code=DEMO_CENTER_CODE,
        name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",
        name_en="Hoan Kiem Ward Public Administration Service Center",
        agency_id="000.00.12.H26",
        address="Số 1 phố Lê Thái Tổ, phường Hoàn Kiếm, Hà Nội",
        level="commune",
        settings={
            "board_notice": "Trung tâm làm việc từ 7 giờ 00 đến 11 giờ 30 và từ 13 giờ 30 đến 17 giờ 00, thứ Hai đến thứ Sáu.",
            "ticket_footer": "Vui lòng chú ý màn hình và loa gọi số. Xin cảm ơn!",
        },
    )
    session.add(center)
    session.flush()
    by_code: dict[str, Service] = {}
    for order, (code, name, name_en, kind, start) in enumerate(DEMO_SERVICES):
        service = Service(
            center_id=center.id,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            ticket_prefix="",
            number_start=start,
            number_digits=4,
            priority_allowed=True,  # result pickup too: an elderly citizen collecting a result goes first
            sort_order=order,
            # What many centers promise on their notice board: 15 minutes to be called, 10 to collect a result.
            wait_target_minutes={ServiceKind.SUBMIT: 15, ServiceKind.COLLECT: 10}.get(kind),
        )
        session.add(service)
        by_code[code] = service
    session.flush()
    # Bookings on (đặt lịch hẹn), for the submit fields, so `make run` shows /dat-lich with the defaults' rules.
    booking = {**DEFAULT_BOOKING, "enabled": True,
               "service_ids": sorted(s.id for s in by_code.values() if s.kind == ServiceKind.SUBMIT)}
    center.settings = {**center.settings, "booking": booking}
    credentials: dict[str, str] = {}
    for number, (name, codes) in DEMO_COUNTERS.items():
        counter = Counter(center_id=center.id, number=number, name=name, is_open=open_counters)
        counter.links = [CounterService(service_id=by_code[c].id, position=i) for i, c in enumerate(codes)]
        session.add(counter)
        username = f"quay{number}"
        credentials[username] = password_for(username)
        create_user(session, username, credentials[username], role="clerk", center_id=center.id,
                    full_name=f"Cán bộ quầy {number}")
    credentials["giamsat"] = password_for("giamsat")
    create_user(session, "giamsat", credentials["giamsat"], role="supervisor", center_id=center.id,
                full_name="Giám sát trung tâm")
    credentials["admin"] = password_for("admin")
    create_user(session, "admin", credentials["admin"], role="admin", center_id=None, full_name="Quản trị hệ thống")
    session.flush()
    return center, credentials


def _valid_printer(printer_url: str) -> str | None:
    """``printer_url`` stripped, or None; a malformed one is reported and ignored, never stored
    (the kiosk then prints nothing until an admin fixes it on Devices)."""
    value = printer_url.strip()
    if not value:
        return None
    try:
        PrinterConfig.from_url(value)
    except ValueError as error:
        log.warning("KIOSK_PRINTER_URL ignored: %s", error)
        print(f"  KIOSK_PRINTER_URL không hợp lệ, bỏ qua / ignored: {error}", flush=True)
        return None
    return value


def ensure_demo_kiosk(session: Session, center_id: int, *, printer_url: str = "") -> str:
    """Create the demo kiosk of ``center_id`` if missing and return its token (the same one every time).

    ``printer_url`` only seeds: it is applied once, to a demo kiosk that has never had a printer.
    After that the Devices page owns the printer, and a later start (with the variable changed,
    emptied or still set) never undoes what an admin saved. No printer means a screen-only kiosk
    (tickets shown on screen with their QR, no printer alerts)."""
    printer = _valid_printer(printer_url)
    for device in session.scalars(select(Device).where(Device.center_id == center_id, Device.kind == "kiosk")):
        config = dict(device.config or {})
        token = config.get("demo_token")
        if token and device.token_hash == hash_token(token) and device.active:
            if printer and not device.printer_url and not config.get(SEEDED_KEY):
                device.printer_url = printer
                device.config = {**config, SEEDED_KEY: True}
            elif printer and device.printer_url != printer:
                log.info("KIOSK_PRINTER_URL differs from the demo kiosk's saved printer; "
                         "the saved one is kept (change it on Devices)")
            return token
    device, token = register_device(session, center_id, "kiosk", DEMO_KIOSK_NAME, printer_url=printer, config={"demo": True})
    device.config = {"demo": True, "demo_token": token, **({SEEDED_KEY: True} if printer else {})}
    session.flush()
    return token


def ensure_demo_display(session: Session, center_id: int) -> str:
    """Create the demo board of ``center_id`` if missing (sound on) and return its token, the same every time."""
    for device in session.scalars(select(Device).where(Device.center_id == center_id, Device.kind == "display")):
        token = (device.config or {}).get("demo_token")
        if token and device.token_hash == hash_token(token) and device.active:
            return token
    device, token = register_device(session, center_id, "display", DEMO_DISPLAY_NAME, config={"demo": True, "sound": True})
    device.config = {"demo": True, "sound": True, "demo_token": token}
    session.flush()
    return token


__all__ = ["DEMO_CENTER_CODE", "DemoSeed", "ensure_demo_display", "ensure_demo_kiosk", "seed_demo"]
