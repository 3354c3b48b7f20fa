"""Demo data: a ward-level public administration service center as they look since 7/2025."""
from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.accounts import create_user
from server.models import Center, Counter, CounterService, Service, ServiceKind

DEMO_CENTER_CODE = "HOANKIEM"

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


def seed_demo(
    session: Session,
    *,
    password_for: Callable[[str], str] | None = None,
    open_counters: bool = False,
) -> dict[str, str]:
    """Create the demo center, its services, counters, a clerk per counter and an admin.

    Counters start closed: a counter opens when a clerk sits at it (``open_counters`` opens them
    all with nobody at them, for load tests only). Idempotent: returns {} when the demo center exists. Otherwise returns the new
    accounts' username → password (printed once to the console by run.py)."""
    if session.execute(select(Center).where(Center.code == DEMO_CENTER_CODE)).scalar_one_or_none():
        return {}
    password_for = password_for or (lambda _u: secrets.token_urlsafe(9))
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
        )
        session.add(service)
        by_code[code] = service
    session.flush()
    credentials: dict[str, str] = {}
    for number, (name, codes) in DEMO_COUNTERS.items():
        counter = Counter(center_id=center.id, number=number, name=name, is_open=open_counters)
        counter.links = [CounterService(service_id=by_code[c].id, position=i) for i, c in enumerate(codes)]
        session.add(counter)
        username = f"quay{number}"
        credentials[username] = password_for(username)
        create_user(session, username, credentials[username], role="clerk", center_id=center.id, full_name=f"Cán bộ quầy {number}")
    credentials["giamsat"] = password_for("giamsat")
    create_user(session, "giamsat", credentials["giamsat"], role="supervisor", center_id=center.id, full_name="Giám sát trung tâm")
    credentials["admin"] = password_for("admin")
    create_user(session, "admin", credentials["admin"], role="admin", center_id=None, full_name="Quản trị hệ thống")
    session.flush()
    return credentials
