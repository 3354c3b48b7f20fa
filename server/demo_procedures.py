"""The demo procedure catalogue: a handful of real procedures of a commune-level center, so a fresh
install (and the tests) have something to receive. Demo data, not domain rules: kept out of server/domain."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Service
from server.models.dossiers import Procedure

# (code, name, name_en, field (service code), processing days, fee, documents)
DEMO_PROCEDURES: list[tuple[str, str, str, str, float, str, list[str]]] = [
    ("TPHT-CTBS", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Certified copy from an original", "TPHT", 0.5,
     "2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang, tối đa 200.000 đồng/bản",
     ["Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"]),
    ("TPHT-KS", "Đăng ký khai sinh", "Birth registration", "TPHT", 0.5, "Miễn lệ phí",
     ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký"]),
    ("TPHT-KH", "Đăng ký kết hôn", "Marriage registration", "TPHT", 3, "Miễn lệ phí",
     ["Tờ khai đăng ký kết hôn", "Giấy tờ tùy thân của hai bên", "Giấy xác nhận tình trạng hôn nhân (nếu có)"]),
    ("DD-BD", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Registration of land-use changes",
     "DD", 10, "Theo nghị quyết của HĐND thành phố",
     ["Đơn đăng ký biến động đất đai, tài sản gắn liền với đất", "Bản gốc Giấy chứng nhận đã cấp",
      "Hợp đồng, văn bản về chuyển quyền sử dụng đất"]),
    ("XD-GPXD", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house", "XDHKD", 15,
     "75.000 đồng/giấy phép",
     ["Đơn đề nghị cấp giấy phép xây dựng", "Bản sao giấy tờ chứng minh quyền sử dụng đất", "02 bộ bản vẽ thiết kế xây dựng"]),
    ("HKD-DK", "Đăng ký thành lập hộ kinh doanh", "Household business registration", "XDHKD", 3, "100.000 đồng",
     ["Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao giấy tờ pháp lý của cá nhân"]),
    ("VHXH-TCXH", "Trợ cấp xã hội hằng tháng đối với người cao tuổi", "Monthly social allowance for the elderly", "VHXH", 7,
     "Không", ["Tờ khai đề nghị trợ cấp xã hội", "Bản sao giấy tờ tùy thân"]),
]


def seed_demo_procedures(session: Session, center_id: int) -> int:
    """Create the demo procedure catalogue for a center (idempotent); returns how many were added."""
    services = {s.code: s.id for s in session.scalars(select(Service).where(Service.center_id == center_id))}
    existing = set(session.scalars(select(Procedure.code).where(Procedure.center_id == center_id)))
    added = 0
    for order, (code, name, name_en, field, days, fee, documents) in enumerate(DEMO_PROCEDURES):
        if code in existing:
            continue
        session.add(Procedure(center_id=center_id, code=code, name=name, name_en=name_en, service_id=services.get(field),
                              processing_days=days, fee=fee, documents=list(documents), active=True, sort_order=order))
        added += 1
    session.flush()
    return added


__all__ = ["DEMO_PROCEDURES", "seed_demo_procedures"]
