"""The dossier's paper: the standard forms (with a center's overrides), the receipt (Mẫu 01) and
the apology (Mẫu 04) laid out for a thermal printer, and which printer serves a counter.

Composing the paper is domain work (what the citizen is told); sending it to a printer is the
print service's (``server/adapters/printing.py``), which the route calls after this."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hardware import ReceiptPrint
from server.domain.centers import center_or_404
from server.domain.dossiers.dates import moment_text
from server.domain.dossiers.postal import receipt_return_line
from server.domain.errors import DomainError
from server.models import Center, Counter, Device
from server.models.dossiers import Dossier, Procedure, ReturnChannel

# Standard forms of Thông tư 03/2025/TT-VPCP. Data, not code: forms were renumbered in
# 2025 and may be again; a center may override any entry in settings["dossiers"]["forms"].
FORMS: dict[str, dict[str, str]] = {
    "receipt": {"number": "Mẫu số 01", "title": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"},
    "supplement": {"number": "Mẫu số 02", "title": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"},
    "rejection": {"number": "Mẫu số 03", "title": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"},
    "apology": {"number": "Mẫu số 04", "title": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"},
    "stop": {"number": "Mẫu số 05", "title": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"},
    "control": {"number": "Mẫu số 06", "title": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"},
    "ledger": {"number": "Mẫu số 07", "title": "SỔ THEO DÕI HỒ SƠ"},
}


def forms_for(center: Center) -> dict[str, dict[str, str]]:
    """The form catalogue with the center's overrides."""
    overrides = ((center.settings or {}).get("dossiers") or {}).get("forms") or {}
    out = {k: dict(v) for k, v in FORMS.items()}
    for key, value in overrides.items() if isinstance(overrides, dict) else ():
        if isinstance(value, dict):
            out.setdefault(key, {}).update({k: str(v) for k, v in value.items() if k in ("number", "title")})
    return out


def dossier_settings(center: Center) -> dict[str, Any]:
    value = (center.settings or {}).get("dossiers") or {}
    return value if isinstance(value, dict) else {}


def receipt_paper(session: Session, d: Dossier) -> ReceiptPrint:
    """The receipt (Mẫu 01) of a received dossier, its QR carrying the dossier code."""
    center = center_or_404(session, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    form = forms_for(center)["receipt"]
    if d.return_channel == ReturnChannel.POST:
        lines = [receipt_return_line(d), "Kết quả sẽ được gửi qua bưu điện tới địa chỉ trên; vui lòng giữ giấy này để đối chiếu."]
    else:
        lines = [receipt_return_line(d),
                 "Khi đến nhận kết quả, vui lòng mang theo giấy này và quét mã QR tại kiosk để lấy số."]
    if procedure.fee:
        lines.append(f"Phí, lệ phí: {procedure.fee}.")
    extra = str(dossier_settings(center).get("receipt_footer") or "").strip()
    if extra:
        lines.append(extra)
    return ReceiptPrint(
        center_name=center.name, dossier_code=d.code, applicant_name=d.applicant_name,
        procedure_name=procedure.name, documents=list(d.documents or []),
        received_at_text=moment_text(d.received_at, center.timezone),
        appointment_text=moment_text(d.appointment_at, center.timezone),
        clerk_name=d.received_by_name or "", qr_payload=d.code,
        form_title=form["title"], form_number=form["number"], footer="\n".join(lines),
        applicant_id_number=d.applicant_id_number or "",
    )


def apology_paper(session: Session, d: Dossier) -> ReceiptPrint:
    """The apology (Mẫu 04) laid out like the receipt, with the new date; 409 when none was issued."""
    if not d.apology:
        raise DomainError("no_apology", f"Hồ sơ {d.code} chưa có văn bản xin lỗi.", f"Dossier {d.code} has no apology.",
                          status=409)
    center = center_or_404(session, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    form = forms_for(center)["apology"]
    return ReceiptPrint(
        center_name=center.name, dossier_code=d.code, applicant_name=d.applicant_name, procedure_name=procedure.name,
        documents=[], received_at_text=moment_text(d.received_at, center.timezone),
        appointment_text=moment_text(d.extended_to, center.timezone), clerk_name=d.received_by_name or "",
        qr_payload=d.code, form_title=form["title"], form_number=form["number"], footer=d.apology["text_vi"],
    )


def counter_printer_url(session: Session, counter_id: int) -> tuple[str | None, str]:
    """The printer bound to a counter: a Device of kind "printer" (or "counter_screen") whose
    ``config`` says ``{"counter_id": N}``. Returns (url or None, device name)."""
    counter = session.get(Counter, counter_id)
    if counter is None:
        return None, ""
    devices = session.scalars(select(Device).where(Device.center_id == counter.center_id, Device.active.is_(True),
                                                   Device.kind.in_(("printer", "counter_screen")))).all()
    for device in sorted(devices, key=lambda d: (d.kind != "printer", d.id)):
        try:
            bound = int((device.config or {}).get("counter_id"))
        except (TypeError, ValueError):
            continue
        if bound == counter_id and device.printer_url:
            return device.printer_url, device.name
    return None, ""
