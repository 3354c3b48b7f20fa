"""Sample tickets and receipts, as the server would hand them to hardware/ for printing."""
from __future__ import annotations

from hardware import ReceiptPrint, TicketPrint

TICKET_URL = "http://192.168.1.10:8000/t/Xk3pQ9vT2mLr8aZ1bC4dEf"
DOSSIER_CODE = "000.00.12.H23-261122-0007"


def make_ticket(payload: str = TICKET_URL, **overrides) -> TicketPrint:
    fields = dict(
        center_name="Trung tâm Phục vụ hành chính công phường Ba Đình",
        service_name="Hộ tịch – Đăng ký khai sinh, kết hôn",
        number="1023",
        people_ahead=12,
        estimated_wait_minutes=35,
        issued_at_text="08:15 ngày 23/11/2026",
        qr_payload=payload,
        footer="Quét mã QR để theo dõi lượt gọi trên điện thoại",
    )
    fields.update(overrides)
    return TicketPrint(**fields)


def make_receipt(**overrides) -> ReceiptPrint:
    fields = dict(
        center_name="Trung tâm Phục vụ hành chính công phường Ba Đình",
        dossier_code=DOSSIER_CODE,
        applicant_name="Nguyễn Thị Ánh Tuyết",
        procedure_name="Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất"
                       " lần đầu",
        documents=[
            "Đơn đăng ký, cấp Giấy chứng nhận theo Mẫu số 04/ĐK (bản chính)",
            "Giấy tờ về quyền sử dụng đất (bản sao có chứng thực)",
            "Sơ đồ nhà ở, công trình xây dựng",
            "Chứng từ thực hiện nghĩa vụ tài chính",
        ],
        received_at_text="08:15 ngày 23/11/2026",
        appointment_text="16:00 ngày 04/12/2026",
        clerk_name="Trần Văn Đức",
        qr_payload=DOSSIER_CODE,
        footer="Mang theo giấy này khi đến nhận kết quả.",
    )
    fields.update(overrides)
    return ReceiptPrint(**fields)
