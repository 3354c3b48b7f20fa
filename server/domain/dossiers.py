"""Dossiers (hồ sơ): receive at a counter, follow the national states, notify, hand back.

Plain Python over SQLAlchemy (no Flask): the API, the clerk console and the kiosk's scan
endpoint all call :class:`DossierService`.

The law in force is Nghị định 118/2025/NĐ-CP with Thông tư 03/2025/TT-VPCP:

- the code is ``‹agency identifier›-‹yymmdd›-‹4-digit daily sequence›``, allocated
  atomically per center and local day (the same upsert as ticket numbers);
- the appointment is the received time plus the procedure's processing time counted in
  working hours (1 working day = 8 h) by :class:`~server.domain.working_time.WorkingCalendar`,
  built from the center's settings (opening hours, extra days off, make-up days);
- states follow the national list (see :data:`STATE_LABELS`), every change is checked
  against :data:`TRANSITIONS` and written to the append-only ``dossier_events``;
- finishing is classified early / on time / late by comparing local dates; a dossier past
  its date gets an apology (Mẫu 04) with a new date, and a fresh one (the earlier ones kept in
  its ``previous`` list) when that new date passes too.

Personal data (applicant name, phone, e-mail, address) is in :func:`dossier_view` for
clerks only; :func:`public_dossier_view`, the boards' "results ready" list and voice
announcements carry the code, procedure, state and dates — never a name or a phone.

Kiosk entry points (``POST /api/v1/kiosk/scan`` calls them when this module exists):

``pickup_by_code(center_id, raw_code) -> dict``
    A receipt QR (or typed code) at the kiosk. Returns::

        {"outcome": "ticket_issued" | "already_issued" | "not_ready" | "overdue_not_ready"
                    | "already_returned" | "unknown" | "malformed" | "no_pickup_service",
         "message_vi": str, "message_en": str,
         "ticket": ticket view (QueueService.ticket_view) or None,
         "dossier": public view (no name/phone) or None,
         "apology": {"form", "title", "original_appointment_at", "new_appointment_at",
                     "new_appointment_text", "text_vi", "text_en", ...} or None}

    ``ticket_issued``: the result is ready; a ticket on the center's collect-kind service
    (ServiceKind.COLLECT) was issued with ``dossier_code`` set, so calling it announces its own
    number: "Xin mời công dân có số thứ tự 8001 đến quầy số … nhận kết quả". ``already_issued``: a
    pickup ticket for this dossier is still waiting/called today (a second scan prints
    nothing new). ``overdue_not_ready`` carries the apology (Mẫu 04) and its new date, never
    a date already past. The look-up, the ticket and the dossier's log are one transaction,
    so scans of one receipt at the same moment get one ticket.

``checkin_by_preregistration(center_id, raw_code) -> dict``
    An online pre-registration code (``DKTT-XXXXXXXX``): issues a ticket for the
    procedure's field, linked to the registered dossier. Same shape; outcomes
    ``ticket_issued`` | ``already_issued`` | ``already_received`` | ``unknown`` | ``malformed``.

Both are methods of :class:`DossierService`; the app builds one in ``server/bootstrap.py``.
"""
from __future__ import annotations

import functools
import re
import secrets
import threading
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, local_time, utc
from server.db import Database
from server.domain.center_rules import working_calendar_args
from server.domain.centers import center_or_404
from server.domain.dossier_codes import format_dossier_code, parse_dossier_code, validate_agency_id
from server.domain.errors import DomainError, not_found
from server.domain.events import DomainEvent, EventCollector, Publisher, center_room
from server.domain.numbering import next_value
from server.domain.working_time import WorkingCalendar, classify_completion
from server.models import Center, Counter, Service, ServiceKind, Ticket, TicketState
from server.models.dossiers import Channel, Dossier, DossierEvent, DossierState, Procedure

# ----------------------------------------------------------------------------- labels
STATE_LABELS: dict[str, tuple[str, str]] = {
    # the national list (Thông tư 03/2025/TT-VPCP), Vietnamese first
    DossierState.REGISTERED: ("Mới đăng ký", "Registered"),
    DossierState.RECEIVED: ("Được tiếp nhận", "Received"),
    DossierState.REJECTED: ("Không được tiếp nhận", "Not accepted"),
    DossierState.PROCESSING: ("Đang xử lý", "Processing"),
    DossierState.SUPPLEMENT: ("Yêu cầu bổ sung", "Supplement requested"),
    DossierState.STOPPED: ("Dừng xử lý", "Processing stopped"),
    DossierState.RESULT_READY: ("Đã xử lý xong", "Result ready"),
    DossierState.RETURNED: ("Đã trả kết quả", "Result returned"),
}
CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    Channel.DIRECT: ("Trực tiếp", "In person"),
    Channel.ONLINE: ("Trực tuyến", "Online"),
    Channel.POST: ("Bưu chính", "By post"),
}
RESULT_CLASS_LABELS: dict[str, tuple[str, str]] = {
    "early": ("Trước hạn", "Early"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Quá hạn", "Late"),
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "register": ("Đăng ký trực tuyến", "Registered online"),
    "checkin": ("Lấy số tại kiosk", "Checked in at the kiosk"),
    "receive": ("Tiếp nhận", "Received"),
    "reject": ("Từ chối tiếp nhận", "Rejected"),
    "process": ("Chuyển xử lý", "Processing"),
    "request_supplement": ("Yêu cầu bổ sung", "Supplement requested"),
    "supplement_received": ("Nhận hồ sơ bổ sung", "Supplement received"),
    "stop": ("Dừng xử lý", "Stopped"),
    "result_ready": ("Đã có kết quả", "Result ready"),
    "pickup_ticket": ("Lấy số nhận kết quả", "Pickup ticket issued"),
    "return": ("Trả kết quả", "Returned"),
    "apology": ("Xin lỗi, hẹn lại", "Apology, new date"),
}
WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

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


@dataclass(frozen=True)
class Transition:
    """An action on a dossier: the states it may start from and the state it leads to."""

    to: str
    allowed_from: tuple[str, ...]
    needs_reason: bool = False
    vi: str = ""
    en: str = ""


# The dossier's life, in one table (received → processing → (supplement) → result ready → returned).
TRANSITIONS: dict[str, Transition] = {
    "receive": Transition(DossierState.RECEIVED, (DossierState.REGISTERED,), vi="tiếp nhận", en="receive"),
    "reject": Transition(DossierState.REJECTED, (DossierState.REGISTERED, DossierState.RECEIVED), True,
                         vi="từ chối tiếp nhận", en="reject"),
    "process": Transition(DossierState.PROCESSING, (DossierState.RECEIVED,), vi="chuyển xử lý", en="start processing"),
    "request_supplement": Transition(DossierState.SUPPLEMENT, (DossierState.RECEIVED, DossierState.PROCESSING), True,
                                     vi="yêu cầu bổ sung", en="request a supplement"),
    "supplement_received": Transition(DossierState.PROCESSING, (DossierState.SUPPLEMENT,),
                                      vi="nhận hồ sơ bổ sung", en="take in the supplement"),
    "stop": Transition(DossierState.STOPPED, (DossierState.PROCESSING, DossierState.SUPPLEMENT), True,
                       vi="dừng xử lý", en="stop processing"),
    "result_ready": Transition(DossierState.RESULT_READY, (DossierState.RECEIVED, DossierState.PROCESSING),
                               vi="đánh dấu đã có kết quả", en="mark the result ready"),
    "return": Transition(DossierState.RETURNED, (DossierState.RESULT_READY,), vi="trả kết quả", en="return the result"),
}

# The kiosk answers' keys that most outcomes leave empty.
_EMPTY_ANSWER: dict[str, Any] = {"ticket": None, "dossier": None, "apology": None}

PREREG_PREFIX = "DKTT-"
PREREG_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
PREREG_RE = re.compile(r"^DKTT-[0-9A-Z]{8}$")
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_APOLOGY_EXTENSION_DAYS = 2.0
READY_LIST_LIMIT = 200
MAX_DOCUMENTS = 40

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


# ----------------------------------------------------------------------------- calendar & text
def calendar_for(center: Center) -> WorkingCalendar:
    """The center's working calendar as the admin pages save it: weekday hours
    (``settings["opening_hours"]``), extra days off and make-up days (``settings["calendar"]``)."""
    return WorkingCalendar(**working_calendar_args(center))


def moment_text(moment: datetime | None, tz: str, *, with_time: bool = True) -> str:
    """"08:00, 25/11/2026 (Thứ Tư)" in the center's local time ("" for None): the house format
    "HH:MM, DD/MM/YYYY" used on every screen, with the weekday after it, since a citizen plans
    the trip back by the day of the week."""
    if moment is None:
        return ""
    local = local_time(moment, tz)
    day = f"{local:%d/%m/%Y} ({WEEKDAY_VI[local.weekday()]})"
    return f"{local:%H:%M}, {day}" if with_time else day


def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat().replace("+00:00", "Z") if value else None


def strip_diacritics(text: str) -> str:
    """"Hồ sơ đã có kết quả" → "Ho so da co ket qua" (SMS without Unicode, scanner input)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


def normalise_code(raw: Any) -> str:
    """What a scanner or a person typed, made comparable: no control characters or accents, upper case."""
    cleaned = "".join(c for c in str(raw or "") if unicodedata.category(c)[0] != "C").strip()
    return strip_diacritics(cleaned).upper()


def forms_for(center: Center) -> dict[str, dict[str, str]]:
    """The form catalogue with the center's overrides."""
    overrides = ((center.settings or {}).get("dossiers") or {}).get("forms") or {}
    out = {k: dict(v) for k, v in FORMS.items()}
    for key, value in overrides.items() if isinstance(overrides, dict) else ():
        if isinstance(value, dict):
            out.setdefault(key, {}).update({k: str(v) for k, v in value.items() if k in ("number", "title")})
    return out


def _dossier_settings(center: Center) -> dict[str, Any]:
    value = (center.settings or {}).get("dossiers") or {}
    return value if isinstance(value, dict) else {}


def _invalid_agency_id(agency: str, status: int) -> DomainError:
    return DomainError("invalid_agency_id", f"Mã định danh cơ quan «{agency}» không hợp lệ (chỉ gồm chữ số, chữ in hoa và dấu chấm).",
                       f"Agency identifier “{agency}” is invalid (digits, capitals and dots only).", status=status, agency_id=agency)


def effective_agency_id(agency_id: str | None, code: str | None, center_id: int | None) -> str:
    """What a center's dossier codes start with: its identifier, or one made from its code when it
    has none (unchecked: :func:`agency_id_for` validates it)."""
    agency = (agency_id or "").strip().upper()
    if agency:
        return agency
    derived = re.sub(r"[^0-9A-Z.]", "", strip_diacritics(code or "").upper())
    return derived or (f"C{center_id}" if center_id is not None else "")


def agency_id_for(center: Center) -> str:
    """The identifier printed in dossier codes: the center's ``agency_id`` (mã định danh)."""
    agency = effective_agency_id(center.agency_id, center.code, center.id)
    try:
        return validate_agency_id(agency)
    except ValueError:
        raise _invalid_agency_id(agency, 409) from None


def clean_agency_id(value: Any) -> str:
    """An agency identifier as stored and compared: no surrounding spaces, capitals ("" = none).

    Refused (400 ``invalid_agency_id``) when it holds characters a dossier code cannot carry,
    so a typo is caught on the admin form rather than at the counter's first dossier."""
    agency = str(value or "").strip().upper()
    if agency:
        try:
            validate_agency_id(agency)
        except ValueError:
            raise _invalid_agency_id(agency, 400) from None
    return agency


def ensure_agency_id_free(session: Session, *, agency_id: str | None, code: str | None, center_id: int | None = None,
                          hint_vi: str = "", hint_en: str = "") -> None:
    """Refuse (409 ``agency_id_taken``) an identifier that another center's dossier codes already use.

    The daily sequence is counted per center but the code is ``agency-yymmdd-NNNN``: two centers
    with one identifier would print the same code twice (and the database refuses the second).
    Under the national system each receiving unit has its own identifier. Compared as printed
    (capitals, no spaces), including identifiers made from a center's code when it has none."""
    mine = effective_agency_id(agency_id, code, center_id)
    if not mine:
        return
    stmt = select(Center).order_by(Center.id)
    if center_id is not None:
        stmt = stmt.where(Center.id != center_id)
    for other in session.scalars(stmt):
        if effective_agency_id(other.agency_id, other.code, other.id) != mine:
            continue
        if (agency_id or "").strip():
            vi = (f"Mã định danh cơ quan «{mine}» đã được dùng cho trung tâm «{other.name}» ({other.code}). "
                  "Mỗi đơn vị tiếp nhận phải có mã định danh riêng để mã hồ sơ không bị trùng.")
            en = (f"Agency identifier “{mine}” is already used by center “{other.name}” ({other.code}). "
                  "Each receiving unit needs its own identifier so dossier codes never repeat.")
        else:
            vi = (f"Trung tâm chưa có mã định danh cơ quan nên mã hồ sơ sẽ bắt đầu bằng «{mine}», trùng với trung tâm "
                  f"«{other.name}» ({other.code}). Hãy nhập mã định danh cơ quan riêng của trung tâm.")
            en = (f"Without an agency identifier this center's dossier codes would start with “{mine}”, like those of "
                  f"center “{other.name}” ({other.code}). Enter the center's own agency identifier.")
        raise DomainError("agency_id_taken", f"{vi} {hint_vi}".strip(), f"{en} {hint_en}".strip(), status=409,
                          agency_id=mine, center_id=other.id, center_code=other.code)


# ----------------------------------------------------------------------------- views
def days_text(days: float) -> str:
    """15.0 → "15", 0.5 → "0,5" (the Vietnamese decimal comma)."""
    value = float(days or 0)
    return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")


def procedure_view(p: Procedure) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "name": p.name, "name_en": p.name_en, "service_id": p.service_id,
            "processing_days": p.processing_days, "processing_days_text": days_text(p.processing_days), "fee": p.fee,
            "documents": list(p.documents or []), "active": p.active}


def _overdue(d: Dossier, now: datetime, tz: str) -> bool:
    """Past its original appointment date (compared as local dates) and not finished.

    Deliberately the original date, even after an apology: the law judges timeliness against
    the appointment on the receipt (an apology does not make a late dossier on time), and the
    back office's "overdue" list must keep showing it. Whether the date last promised to the
    citizen has passed too is :func:`_promise_missed`."""
    if d.appointment_at is None or d.state not in DossierState.OPEN:
        return False
    return local_date(now, tz) > local_date(d.appointment_at, tz)


def promised_at(d: Dossier) -> datetime | None:
    """The date last given to the citizen: the apology's new date (Mẫu 04) if any, else the receipt's."""
    return d.extended_to or d.appointment_at


def _promise_missed(d: Dossier, now: datetime, tz: str) -> bool:
    """Not finished and past the date last given to the citizen (the apology's new date included)."""
    promised = promised_at(d)
    if promised is None or d.state not in DossierState.OPEN:
        return False
    return local_date(now, tz) > local_date(promised, tz)


def _apology_due(d: Dossier, now: datetime, tz: str) -> bool:
    """An overdue dossier needs an apology when it has none, or when the new date of its
    latest one has passed as well (then it is overdue again and owes a fresh apology)."""
    return _overdue(d, now, tz) and (d.apology is None or _promise_missed(d, now, tz))


def public_dossier_view(session: Session, d: Dossier, now: datetime) -> dict[str, Any]:
    """What anyone holding the code may see: no name, phone, e-mail or address, ever."""
    center = session.get(Center, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    service = session.get(Service, d.service_id) if d.service_id else None
    tz = center.timezone
    vi, en = STATE_LABELS.get(d.state, (d.state, d.state))
    return {
        "code": d.code,
        "procedure_name": procedure.name if procedure else "",
        "procedure": {"code": procedure.code, "name": procedure.name, "name_en": procedure.name_en} if procedure else None,
        "service": {"code": service.code, "name": service.name} if service else None,
        "state": d.state,
        "status": vi,
        "state_label_vi": vi,
        "state_label_en": en,
        "received_at": _iso(d.received_at),
        "appointment_at": _iso(d.appointment_at),
        "appointment_text": moment_text(d.appointment_at, tz),
        "extended_to": _iso(d.extended_to),
        "extended_to_text": moment_text(d.extended_to, tz),
        "result_ready_at": _iso(d.result_ready_at),
        "returned_at": _iso(d.returned_at),
        "result_class": d.result_class,
        "overdue": _overdue(d, now, tz),
        # The apology's new date has passed too: the back office must act (and the kiosk re-apologises).
        "extension_overdue": d.extended_to is not None and _promise_missed(d, now, tz),
    }


def dossier_view(session: Session, d: Dossier, now: datetime, *, events: bool = False) -> dict[str, Any]:
    """A clerk's full view of a dossier, applicant included."""
    view = public_dossier_view(session, d, now)
    center = session.get(Center, d.center_id)
    procedure = session.get(Procedure, d.procedure_id)
    counter = session.get(Counter, d.counter_id) if d.counter_id else None
    channel_vi, channel_en = CHANNEL_LABELS.get(d.channel, (d.channel, d.channel))
    klass = RESULT_CLASS_LABELS.get(d.result_class or "")
    view.update(
        id=d.id,
        center_id=d.center_id,
        procedure=procedure_view(procedure) if procedure else None,
        applicant={"name": d.applicant_name, "phone": d.applicant_phone, "email": d.applicant_email, "address": d.applicant_address},
        documents=list(d.documents or []),
        channel=d.channel,
        channel_label_vi=channel_vi,
        channel_label_en=channel_en,
        registered_at=_iso(d.registered_at),
        received_at_text=moment_text(d.received_at, center.timezone),
        apology=d.apology,
        result_class_label_vi=klass[0] if klass else None,
        result_class_label_en=klass[1] if klass else None,
        reason=d.reason,
        note=d.note,
        received_by={"id": d.received_by_id, "name": d.received_by_name} if d.received_by_name else None,
        counter={"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
        ticket_id=d.ticket_id,
        prereg_code=d.prereg_code,
        external_id=d.external_id,
        allowed_actions=[name for name, t in TRANSITIONS.items() if d.state in t.allowed_from and name != "receive"],
    )
    if events:
        rows = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id).order_by(DossierEvent.id)).all()
        view["events"] = [{"id": e.id, "at": _iso(e.at), "action": e.action,
                           "action_label_vi": ACTION_LABELS.get(e.action, (e.action, e.action))[0],
                           "from_state": e.from_state, "to_state": e.to_state, "actor": e.actor, "data": e.data} for e in rows]
    return view


def short_code(code: str) -> str:
    """The 4-digit daily sequence printed big and read by the voice ("0007")."""
    parts = parse_dossier_code(code)
    return f"{parts.seq:04d}" if parts else code


# ----------------------------------------------------------------------------- the service
@dataclass
class Applicant:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


def _clean_applicant(applicant: Applicant, *, name_required: bool = True) -> Applicant:
    name = " ".join((applicant.name or "").split())[:200]
    phone = re.sub(r"[\s.\-()]", "", applicant.phone or "")[:40]
    email = (applicant.email or "").strip()[:200]
    if name_required and not name:
        raise DomainError("applicant_name_required", "Hãy nhập họ tên người nộp hồ sơ.", "Enter the applicant's name.", status=400)
    if phone and not PHONE_RE.match(phone):
        raise DomainError("invalid_phone", "Số điện thoại không hợp lệ.", "Invalid phone number.", status=400)
    if email and not EMAIL_RE.match(email):
        raise DomainError("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.", status=400)
    return Applicant(name, phone, email, " ".join((applicant.address or "").split())[:300])


def _clean_documents(documents: Any) -> list[str]:
    if documents is None:
        return []
    if not isinstance(documents, (list, tuple)):
        raise DomainError("invalid_documents", "Danh sách thành phần hồ sơ không hợp lệ.", "Documents must be a list.", status=400)
    out = [" ".join(str(x).split())[:300] for x in documents if str(x).strip()]
    if len(out) > MAX_DOCUMENTS:
        raise DomainError("invalid_documents", f"Tối đa {MAX_DOCUMENTS} thành phần hồ sơ.", f"At most {MAX_DOCUMENTS} documents.", status=400)
    return out


def invalid_dossier_transition(d: Dossier, action: str) -> DomainError:
    t = TRANSITIONS[action]
    state_vi, state_en = STATE_LABELS.get(d.state, (d.state, d.state))
    return DomainError(
        "invalid_transition",
        f"Không thể {t.vi} hồ sơ {d.code or d.prereg_code}: hồ sơ đang ở trạng thái «{state_vi}».",
        f"Cannot {t.en} dossier {d.code or d.prereg_code}: it is “{state_en}”.",
        status=409, state=d.state, action=action,
    )


TicketIssuer = Callable[..., dict[str, Any]]


def _locked_dossier(session: Session, *where: Any) -> Dossier | None:
    """The dossier matching ``where``, locked until commit.

    PostgreSQL: ``SELECT … FOR UPDATE`` makes a second scan of the same code wait for the
    first to commit, then re-read (and find its ticket). SQLite: the write transaction already
    holds the database's write lock (BEGIN IMMEDIATE) and SQLAlchemy leaves FOR UPDATE out."""
    return session.execute(select(Dossier).where(*where).with_for_update()).scalar_one_or_none()


@dataclass
class DossierArea:
    """The dossier services of one app, wired in ``server/bootstrap.py``: the service, the
    notices it sends, and the receipt printing that shares the app's print queue."""

    dossiers: DossierService
    notices: Any
    receipts: ReceiptPrinting


class DossierService:
    """All dossier operations of all centers over one database.

    ``queue`` issues pickup and pre-registration tickets; ``notices`` (a
    :class:`server.domain.notices.NoticeService`) records and sends e-mail/SMS;
    ``publish`` sends realtime events after commit (``results_ready``)."""

    def __init__(self, db: Database, clock: Clock, queue: Any, *, publish: Publisher | None = None, notices: Any = None) -> None:
        self.db = db
        self.clock = clock
        self.queue = queue
        self.publish = publish
        self.notices = notices

    # ------------------------------------------------------------------ helpers
    def _run(self, work: Callable[[Session, EventCollector], Any]) -> Any:
        """``work(session, events)`` in a write transaction; events and notices go out after commit."""
        events = EventCollector()
        notice_ids: list[int] = []

        def unit(session: Session) -> Any:
            events.events.clear()
            notice_ids.clear()
            session.info["notice_ids"] = notice_ids
            return work(session, events)

        result = self.db.write_retrying(unit)
        events.flush(self.publish)
        if notice_ids and self.notices is not None:
            self.notices.dispatch_async(list(notice_ids))
        return result

    def _run_issuing(self, work: Callable[[Session, EventCollector, TicketIssuer], Any], issue_rule: Any = None) -> Any:
        """``work(session, events, issue)`` in one write transaction, where ``issue(center_id,
        service_id, **kw)`` is the queue engine's ``issue_ticket`` running inside that same
        transaction. The ticket's realtime events go out with the queue's publisher after the
        commit, so a board never shows a ticket that was rolled back with its dossier.
        ``issue_rule(session, events, center_id, service_id, **kw)``, when given, issues instead
        (the kiosk's rule: hours and open counters checked in this transaction)."""
        ticket_events = EventCollector()

        def unit(session: Session, events: EventCollector) -> Any:
            ticket_events.events.clear()  # a retried attempt starts from nothing
            return work(session, events, functools.partial(issue_rule or self.queue.issue_in, session, ticket_events))

        result = self._run(unit)
        ticket_events.flush(getattr(self.queue, "publish", None))
        return result

    @staticmethod
    def _center(session: Session, center_id: int) -> Center:
        return center_or_404(session, center_id)

    @staticmethod
    def _by_code(session: Session, code: str, center_id: int | None = None, *, lock: bool = False) -> Dossier:
        normal = normalise_code(code)
        d = None
        if normal:
            d = _locked_dossier(session, Dossier.code == normal) if lock else \
                session.execute(select(Dossier).where(Dossier.code == normal)).scalar_one_or_none()
        if d is None or (center_id is not None and d.center_id != center_id):
            raise DomainError("unknown_dossier", f"Không tìm thấy hồ sơ {normal or code}.", f"Dossier {normal or code} not found.", status=404)
        return d

    def _log(self, session: Session, d: Dossier, action: str, from_state: str | None, actor: str, now: datetime, **data: Any) -> None:
        session.add(DossierEvent(dossier_id=d.id, center_id=d.center_id, at=now, action=action, from_state=from_state,
                                 to_state=d.state, actor=actor, data={k: v for k, v in data.items() if v not in (None, "")}))
        session.flush()

    @staticmethod
    def _refuse_taken_code(session: Session, center: Center, code: str) -> None:
        """A clear 409 instead of the database's unique-constraint error (a 500) when another
        center's dossier already has this code: two centers share one agency identifier (data
        from before the admin forms refused that), and only an administrator can fix it."""
        if session.scalar(select(Dossier.id).where(Dossier.code == code)) is None:
            return
        agency = agency_id_for(center)
        raise DomainError("agency_id_taken",
                          f"Không cấp được mã hồ sơ {code}: mã định danh cơ quan «{agency}» của trung tâm trùng với một trung tâm khác. "
                          "Vui lòng báo quản trị hệ thống sửa mã định danh cơ quan.",
                          f"Cannot give dossier code {code}: this center's agency identifier “{agency}” is shared with another center. "
                          "Ask the administrator to correct it.", status=409, agency_id=agency)

    @staticmethod
    def _procedure(session: Session, center_id: int, procedure_id: int | None = None, procedure_code: str | None = None) -> Procedure:
        p = None
        if procedure_id is not None:
            p = session.get(Procedure, procedure_id)
        elif procedure_code:
            p = session.execute(select(Procedure).where(Procedure.center_id == center_id, Procedure.code == procedure_code)).scalar_one_or_none()
        if p is None or p.center_id != center_id or not p.active:
            raise DomainError("unknown_procedure", "Hãy chọn một thủ tục trong danh mục.", "Choose a procedure from the catalogue.", status=400)
        return p

    def _ready_event(self, session: Session, center_id: int, *, added: list[str] = (), removed: list[str] = ()) -> DomainEvent:
        items = ready_items(session, center_id)
        return DomainEvent("results_ready", center_id, {
            "center_id": center_id, "codes": [i["code"] for i in items], "items": items,
            "added": list(added), "removed": list(removed),
        }, (center_room(center_id),))

    # ------------------------------------------------------------------ catalogue
    def procedures(self, center_id: int, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        """The center's procedure catalogue, in its order."""
        with self.db.read() as s:
            self._center(s, center_id)
            stmt = select(Procedure).where(Procedure.center_id == center_id).order_by(Procedure.sort_order, Procedure.id)
            if not include_inactive:
                stmt = stmt.where(Procedure.active.is_(True))
            return [procedure_view(p) for p in s.scalars(stmt)]

    # ------------------------------------------------------------------ receive
    def receive(
        self,
        center_id: int,
        *,
        procedure_id: int | None = None,
        procedure_code: str | None = None,
        applicant: Applicant,
        documents: list[str] | None = None,
        channel: str = Channel.DIRECT,
        note: str = "",
        counter_id: int | None = None,
        ticket_id: int | None = None,
        from_counter_ticket: bool = False,
        actor: str = "system",
        user_id: int | None = None,
        received_by_name: str = "",
        external_id: str = "",
    ) -> dict[str, Any]:
        """Receive a dossier: allocate its code, compute the appointment, log it.

        With ``from_counter_ticket`` the dossier is linked to the ticket the counter is
        calling or serving (refused when there is none); if that ticket came from an
        online pre-registration, that registered dossier is the one received."""
        if channel not in Channel.ALL:
            raise DomainError("invalid_channel", "Kênh nộp hồ sơ không hợp lệ.", "Unknown channel.", status=400, allowed=list(Channel.ALL))
        person = _clean_applicant(applicant)
        docs = _clean_documents(documents)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = self._center(session, center_id)
            counter = None
            ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
            if counter_id is not None:
                counter = session.get(Counter, counter_id)
                if counter is None or counter.center_id != center.id or not counter.active:
                    raise not_found("quầy", "Counter", "unknown_counter")
            if from_counter_ticket:
                if counter is None:
                    raise not_found("quầy", "Counter", "unknown_counter")
                ticket = session.execute(
                    select(Ticket).where(Ticket.counter_id == counter.id, Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)))
                    .order_by(Ticket.called_at.desc()).limit(1)
                ).scalar_one_or_none()
                if ticket is None:
                    raise DomainError("no_current_ticket",
                                      f"Quầy {counter.number} chưa gọi số nào. Hãy gọi số của công dân trước khi tiếp nhận hồ sơ.",
                                      f"Counter {counter.number} is not serving anyone. Call the citizen's number first.", status=409)
            if ticket is not None and ticket.center_id != center.id:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            procedure = self._procedure(session, center.id, procedure_id, procedure_code)
            now = self.clock.now()
            registered = None
            if ticket is not None:
                registered = session.execute(
                    select(Dossier).where(Dossier.ticket_id == ticket.id, Dossier.state == DossierState.REGISTERED).limit(1)
                ).scalar_one_or_none()
            d = registered or Dossier(center_id=center.id, state=DossierState.RECEIVED, channel=channel, created_at=now,
                                      external_id=external_id[:120])
            from_state = d.state if registered else None
            day = local_date(now, center.timezone)
            seq = next_value(session, center.id, "dossier", day)
            if seq > 9999:
                raise DomainError("dossier_sequence_full", "Đã hết số hồ sơ trong ngày (9999).", "No dossier numbers left today (9999).", status=409)
            code = format_dossier_code(agency_id_for(center), day, seq)
            self._refuse_taken_code(session, center, code)  # before d.code is set: autoflush would find d itself
            d.code = code
            d.day, d.seq = day, seq
            d.procedure_id, d.service_id = procedure.id, procedure.service_id or (ticket.service_id if ticket else None)
            d.applicant_name, d.applicant_phone, d.applicant_email = person.name, person.phone, person.email
            d.applicant_address = person.address
            d.documents = docs
            d.state = DossierState.RECEIVED
            d.received_at = now
            d.appointment_at = calendar_for(center).appointment(now, procedure.processing_days).astimezone(now.tzinfo)
            d.received_by_id, d.received_by_name = user_id, received_by_name[:200]
            d.counter_id = counter.id if counter else None
            d.ticket_id = ticket.id if ticket else d.ticket_id
            d.note = (note or "")[:2000]
            d.updated_at = now
            if registered is None:
                session.add(d)
            session.flush()
            self._log(session, d, "receive", from_state, actor, now, channel=d.channel, procedure=procedure.code,
                      ticket=ticket.display if ticket else None, counter=counter.number if counter else None)
            return dossier_view(session, d, now)

        return self._run(work)

    def preregister(self, center_id: int, *, procedure_id: int | None = None, procedure_code: str | None = None,
                    applicant: Applicant, documents: list[str] | None = None, external_id: str = "",
                    actor: str = "system") -> dict[str, Any]:
        """An online pre-registration (mới đăng ký): a dossier without a code yet, and the
        short code the citizen scans at the kiosk (``DKTT-XXXXXXXX``)."""
        person = _clean_applicant(applicant)
        docs = _clean_documents(documents)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = self._center(session, center_id)
            procedure = self._procedure(session, center.id, procedure_id, procedure_code)
            now = self.clock.now()
            d = Dossier(center_id=center.id, state=DossierState.REGISTERED, channel=Channel.ONLINE, procedure_id=procedure.id,
                        service_id=procedure.service_id, applicant_name=person.name, applicant_phone=person.phone,
                        applicant_email=person.email, applicant_address=person.address, documents=docs, registered_at=now,
                        prereg_code=PREREG_PREFIX + "".join(secrets.choice(PREREG_ALPHABET) for _ in range(8)),
                        external_id=external_id[:120], created_at=now, updated_at=now, reason="", note="", received_by_name="")
            session.add(d)
            session.flush()
            self._log(session, d, "register", None, actor, now, procedure=procedure.code)
            return dossier_view(session, d, now)

        return self._run(work)

    # ------------------------------------------------------------------ transitions
    def transition(self, code: str, action: str, *, actor: str = "system", reason: str = "", center_id: int | None = None,
                   method: str | None = None) -> dict[str, Any]:
        """Move a dossier along its life (process, request_supplement, supplement_received,
        reject, stop, result_ready, return); anything else is refused clearly.

        ``method`` (``direct`` | ``post``) says how a result was returned (reports count returns by post)."""
        if action not in TRANSITIONS or action == "receive":
            raise DomainError("unknown_action", "Thao tác không hợp lệ.", "Unknown action.", status=400)
        t = TRANSITIONS[action]
        reason = " ".join((reason or "").split())[:2000]
        if t.needs_reason and not reason:
            raise DomainError("reason_required", f"Hãy ghi rõ lý do {t.vi}.", f"Give the reason to {t.en}.", status=400)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            d = self._by_code(session, code, center_id)
            if d.state not in t.allowed_from:
                raise invalid_dossier_transition(d, action)
            center = self._center(session, d.center_id)
            now = self.clock.now()
            from_state = d.state
            d.state = t.to
            d.updated_at = now
            extra: dict[str, Any] = {}
            if reason:
                d.reason = reason
                extra["reason"] = reason
            if action == "supplement_received":
                # The processing time starts again once the dossier is complete.
                procedure = session.get(Procedure, d.procedure_id)
                old = d.appointment_at
                d.appointment_at = calendar_for(center).appointment(now, procedure.processing_days).astimezone(now.tzinfo)
                extra.update(old_appointment_at=_iso(old), appointment_at=_iso(d.appointment_at))
            if action == "result_ready":
                d.result_ready_at = now
                d.result_class = classify_completion(now, utc(d.appointment_at), center.timezone) if d.appointment_at else None
                extra["result_class"] = d.result_class
            if action == "return":
                d.returned_at = now
                extra["method"] = method or (Channel.POST if d.channel == Channel.POST else Channel.DIRECT)
                if d.result_class is None and d.appointment_at is not None:
                    d.result_class = classify_completion(d.result_ready_at or now, utc(d.appointment_at), center.timezone)
            session.flush()
            self._log(session, d, action, from_state, actor, now, **extra)
            if action == "result_ready":
                events.add(self._ready_event(session, d.center_id, added=[d.code]))
                if self.notices is not None:
                    session.info["notice_ids"].extend(self.notices.enqueue_result_ready(session, d, center, session.get(Procedure, d.procedure_id)))
            elif from_state == DossierState.RESULT_READY:
                events.add(self._ready_event(session, d.center_id, removed=[d.code]))
            return dossier_view(session, d, now)

        return self._run(work)

    def issue_apology(self, code: str, *, new_date: datetime | date | None = None, reason: str = "", actor: str = "system",
                      center_id: int | None = None) -> dict[str, Any]:
        """Mẫu 04: apologise for a dossier that is (or will be) late and set a new date.

        Without ``new_date`` the new appointment is ``apology_extension_days`` working days
        (center setting ``settings["dossiers"]``, default 2) from now."""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            # Locked: a kiosk re-apologising at the same moment must not drop this one from the history.
            d = self._by_code(session, code, center_id, lock=True)
            if d.state not in DossierState.OPEN:
                state_vi, state_en = STATE_LABELS.get(d.state, (d.state, d.state))
                raise DomainError("invalid_transition", f"Không thể lập văn bản xin lỗi cho hồ sơ {d.code}: hồ sơ «{state_vi}».",
                                  f"No apology for dossier {d.code}: it is “{state_en}”.", status=409, state=d.state, action="apology")
            center = self._center(session, d.center_id)
            now = self.clock.now()
            self._apologise(session, d, center, now, new_date=new_date, reason=reason, actor=actor)
            return dossier_view(session, d, now)

        return self._run(work)

    def _apologise(self, session: Session, d: Dossier, center: Center, now: datetime, *, new_date: datetime | date | None,
                   reason: str, actor: str) -> dict[str, Any]:
        """Issue an apology (Mẫu 04) with a new date after the date last promised (the receipt's,
        or a previous apology's); earlier apologies stay in the record's ``previous`` list."""
        cal = calendar_for(center)
        tz = center.timezone
        # A second apology must move on from the date the first one promised, not the receipt's.
        missed = utc(promised_at(d)) if promised_at(d) else None
        if new_date is None:
            days = float(_dossier_settings(center).get("apology_extension_days") or DEFAULT_APOLOGY_EXTENSION_DAYS)
            new_at = cal.add_working_days(max(now, missed) if missed else now, days)
        elif isinstance(new_date, datetime):
            new_at = new_date if new_date.tzinfo else new_date.replace(tzinfo=local_time(now, tz).tzinfo)
        else:
            # A date chosen by the clerk: the end of that working day.
            new_at = datetime.combine(new_date, cal.hours[-1][1], tzinfo=cal.tz)
        new_at = utc(new_at)
        if missed is not None and local_date(new_at, tz) <= local_date(missed, tz):
            raise DomainError("invalid_new_date", f"Ngày hẹn mới phải sau ngày hẹn đã báo ({moment_text(missed, tz, with_time=False)}).",
                              f"The new date must be after the date last given ({moment_text(missed, tz, with_time=False)}).", status=400)
        if new_at <= now:
            raise DomainError("invalid_new_date", "Ngày hẹn mới không được là ngày, giờ đã qua.", "The new date must be in the future.", status=400)
        if not cal.is_working_day(local_date(new_at, tz)):
            raise DomainError("invalid_new_date", "Ngày hẹn mới phải là ngày làm việc.", "The new date must be a working day.", status=400)
        reason = " ".join((reason or "").split())[:1000] or "Hồ sơ cần thêm thời gian thẩm định, xác minh."
        previous = apology_history(d.apology)
        d.apology = apology_record(center, d, new_at, reason, now, missed_at=missed, previous=previous)
        d.extended_to = new_at
        d.updated_at = now
        session.flush()
        self._log(session, d, "apology", d.state, actor, now, new_appointment_at=_iso(new_at), reason=reason,
                  missed_appointment_at=_iso(missed), sequence=d.apology["sequence"])
        return d.apology

    # ------------------------------------------------------------------ queries
    def get(self, code: str, *, center_id: int | None = None, events: bool = True) -> dict[str, Any]:
        """A clerk's view of a dossier by code (with its event log)."""
        with self.db.read() as s:
            return dossier_view(s, self._by_code(s, code, center_id), self.clock.now(), events=events)

    def center_of(self, code: str) -> int:
        with self.db.read() as s:
            return self._by_code(s, code).center_id

    def public_status(self, code: str) -> dict[str, Any]:
        """Code, procedure, state and dates: what a public page may show."""
        if parse_dossier_code(normalise_code(code)) is None:
            raise DomainError("invalid_dossier_code", "Mã hồ sơ không đúng định dạng.", "Malformed dossier code.", status=404)
        with self.db.read() as s:
            return public_dossier_view(s, self._by_code(s, code), self.clock.now())

    def list_dossiers(self, center_id: int, *, state: str | None = None, query: str = "", limit: int = 100, overdue_only: bool = False
             ) -> list[dict[str, Any]]:
        """Dossiers of a center for the back office, newest first."""
        with self.db.read() as s:
            self._center(s, center_id)
            stmt = select(Dossier).where(Dossier.center_id == center_id)
            if state:
                stmt = stmt.where(Dossier.state == state)
            q = (query or "").strip()
            if q:
                like = f"%{q.upper()}%"
                stmt = stmt.where((Dossier.code.like(like)) | (func.upper(Dossier.prereg_code).like(like)) | (Dossier.applicant_name.like(f"%{q}%")))
            stmt = stmt.order_by(func.coalesce(Dossier.received_at, Dossier.registered_at).desc(), Dossier.id.desc()).limit(max(1, min(limit, 500)))
            now = self.clock.now()
            rows = [dossier_view(s, d, now) for d in s.scalars(stmt)]
            return [r for r in rows if r["overdue"]] if overdue_only else rows

    def for_ticket(self, ticket_id: int) -> list[dict[str, Any]]:
        """Dossiers linked to a ticket: by its ``dossier_code`` (pickup) or its ticket id (received, pre-registered)."""
        with self.db.read() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return []
            found: dict[int, Dossier] = {}
            if ticket.dossier_code:
                d = s.execute(select(Dossier).where(Dossier.code == ticket.dossier_code)).scalar_one_or_none()
                if d is not None:
                    found[d.id] = d
            for d in s.scalars(select(Dossier).where(Dossier.ticket_id == ticket.id).order_by(Dossier.id)):
                found.setdefault(d.id, d)
            now = self.clock.now()
            return [dossier_view(s, d, now) for d in found.values()]

    def ready_codes(self, center_id: int) -> list[dict[str, Any]]:
        """Codes whose result waits to be collected (for boards): code, short number, ready time. No names."""
        with self.db.read() as s:
            self._center(s, center_id)
            return ready_items(s, center_id)

    # ------------------------------------------------------------------ kiosk
    def pickup_by_code(self, center_id: int, raw_code: Any, *, priority: str | None = None, issue_rule: Any = None) -> dict[str, Any]:
        """A receipt's code scanned (or typed) at the kiosk; see the module docstring for the answer.
        ``priority`` (a category the citizen chose at the kiosk) makes a new pickup ticket a priority one.

        One write transaction from the look-up to the ticket and the dossier's log: scans of the
        same receipt at once (a double press, two kiosks) get the same ticket, never two."""
        code = normalise_code(raw_code)
        if parse_dossier_code(code) is None:
            return {**_EMPTY_ANSWER, "outcome": "malformed",
                    "message_vi": "Mã hồ sơ không đúng định dạng. Vui lòng quét mã QR trên giấy tiếp nhận hồ sơ hoặc hỏi cán bộ.",
                    "message_en": "This is not a valid dossier code. Please scan the QR code on your dossier receipt or ask staff."}
        return self._run_issuing(lambda s, _events, issue: self._pickup(s, center_id, code, issue, priority), issue_rule)

    def _pickup(self, s: Session, center_id: int, code: str, issue: TicketIssuer, priority: str | None = None) -> dict[str, Any]:
        d = _locked_dossier(s, Dossier.code == code)
        if d is None or d.center_id != center_id:
            return {**_EMPTY_ANSWER, "outcome": "unknown",
                    "message_vi": f"Không tìm thấy hồ sơ {code} tại trung tâm này. Vui lòng kiểm tra lại giấy tiếp nhận hoặc hỏi cán bộ.",
                    "message_en": f"Dossier {code} was not found at this center. Please check your receipt or ask staff."}
        center = self._center(s, center_id)
        now = self.clock.now()
        if d.state == DossierState.RESULT_READY:
            answer = self._pickup_ticket(s, d, center, now, issue, priority)
        elif d.state == DossierState.RETURNED:
            returned_text = moment_text(d.returned_at, center.timezone)
            answer = {"outcome": "already_returned",
                      "message_vi": f"Kết quả của hồ sơ {code} đã được trả lúc {returned_text}.",
                      "message_en": f"The result of dossier {code} was already handed over ({returned_text})."}
        elif d.state in (DossierState.REJECTED, DossierState.STOPPED):
            vi, en = STATE_LABELS[d.state]
            answer = {"outcome": "not_ready",
                      "message_vi": f"Hồ sơ {code}: {vi.lower()}. Vui lòng liên hệ cán bộ tại quầy để được hướng dẫn.",
                      "message_en": f"Dossier {code}: {en.lower()}. Please ask staff at a counter."}
        elif _overdue(d, now, center.timezone):
            apology = self._current_apology(s, d, center, now, actor="kiosk:scan")
            answer = {"outcome": "overdue_not_ready", "apology": apology,
                      "message_vi": apology["text_vi"], "message_en": apology["text_en"]}
        else:
            # The date last given to the citizen: an apology issued early moved it later.
            promised_text = moment_text(promised_at(d), center.timezone, with_time=False)
            vi, en = STATE_LABELS.get(d.state, (d.state, d.state))
            answer = {"outcome": "not_ready",
                      "message_vi": f"Hồ sơ {code} chưa có kết quả (trạng thái: {vi.lower()}). Ngày hẹn trả kết quả: {promised_text}.",
                      "message_en": f"Dossier {code} is not ready yet ({en.lower()}). Appointment: {promised_text}."}
        # The public view last, so it shows any apology just issued.
        return {**_EMPTY_ANSWER, "dossier": public_dossier_view(s, d, now), **answer}

    def _pickup_ticket(self, s: Session, d: Dossier, center: Center, now: datetime, issue: TicketIssuer,
                       priority: str | None = None) -> dict[str, Any]:
        """A ready dossier: its live pickup ticket of today, or a new one on the collect service."""
        code = d.code
        active = s.execute(
            select(Ticket).where(Ticket.center_id == center.id, Ticket.dossier_code == code, Ticket.state.in_(TicketState.ACTIVE),
                                 Ticket.day == local_date(now, center.timezone)).order_by(Ticket.id.desc()).limit(1)
        ).scalar_one_or_none()
        if active is not None:
            view = self.queue.ticket_view(s, active)
            return {"outcome": "already_issued", "ticket": view,
                    "message_vi": f"Hồ sơ {code} đã được lấy số nhận kết quả: số {view['number']}. Vui lòng chờ gọi số.",
                    "message_en": f"Dossier {code} already has a pickup number: {view['number']}. Please wait to be called."}
        collect_id = s.scalar(
            select(Service.id).where(Service.center_id == center.id, Service.kind == ServiceKind.COLLECT, Service.active.is_(True))
            .order_by(Service.sort_order, Service.id).limit(1)
        )
        if collect_id is None:
            return {"outcome": "no_pickup_service",
                    "message_vi": f"Hồ sơ {code} đã có kết quả. Vui lòng đến quầy trả kết quả hoặc hỏi cán bộ.",
                    "message_en": f"Dossier {code} is ready. Please go to the result counter or ask staff."}
        ticket = issue(center.id, collect_id, source="scan", actor="kiosk:scan", dossier_code=code, priority=priority)
        self._log(s, d, "pickup_ticket", d.state, "kiosk:scan", now, ticket=ticket["number"])
        return {"outcome": "ticket_issued", "ticket": ticket,
                "message_vi": f"Hồ sơ {code} đã có kết quả. Số thứ tự nhận kết quả của Ông/Bà là {ticket['number']}. Vui lòng chờ gọi số.",
                "message_en": f"Dossier {code} is ready. Your pickup number is {ticket['number']}. Please wait to be called."}

    def _current_apology(self, s: Session, d: Dossier, center: Center, now: datetime, *, actor: str) -> dict[str, Any]:
        """The apology to show for an overdue dossier: the latest one while its new date holds,
        a fresh one (new date from today) once that date has passed too — a kiosk never shows
        a past date as the new appointment."""
        if _apology_due(d, now, center.timezone):
            self._apologise(s, d, center, now, new_date=None, reason="", actor=actor)
        return d.apology

    def checkin_by_preregistration(self, center_id: int, raw_code: Any, *, issue_rule: Any = None) -> dict[str, Any]:
        """An online pre-registration code at the kiosk: a ticket for the procedure's field, linked to it.

        Like :meth:`pickup_by_code`, one write transaction: two check-ins at once get one ticket."""
        code = normalise_code(raw_code)
        if not PREREG_RE.match(code):
            return {**_EMPTY_ANSWER, "outcome": "malformed", "message_vi": "Mã đăng ký trực tuyến không đúng định dạng.",
                    "message_en": "This is not a valid online registration code."}
        return self._run_issuing(lambda s, _events, issue: self._checkin(s, center_id, code, issue), issue_rule)

    def _checkin(self, s: Session, center_id: int, code: str, issue: TicketIssuer) -> dict[str, Any]:
        d = _locked_dossier(s, Dossier.prereg_code == code)
        if d is None or d.center_id != center_id:
            return {**_EMPTY_ANSWER, "outcome": "unknown",
                    "message_vi": f"Không tìm thấy đăng ký trực tuyến {code} tại trung tâm này. Vui lòng hỏi cán bộ.",
                    "message_en": f"Online registration {code} was not found at this center. Please ask staff."}
        center = self._center(s, center_id)
        now = self.clock.now()
        out = {**_EMPTY_ANSWER, "dossier": public_dossier_view(s, d, now)}
        out["dossier"]["code"] = d.code  # None until received: the registration code stays private
        if d.state != DossierState.REGISTERED:
            return {**out, "outcome": "already_received",
                    "message_vi": f"Hồ sơ đăng ký trực tuyến này đã được tiếp nhận (mã hồ sơ {d.code or '—'}).",
                    "message_en": f"This online registration was already received (dossier {d.code or '—'})."}
        linked = s.get(Ticket, d.ticket_id) if d.ticket_id else None
        if linked is not None and linked.state in TicketState.ACTIVE and linked.day == local_date(now, center.timezone):
            view = self.queue.ticket_view(s, linked)
            return {**out, "outcome": "already_issued", "ticket": view,
                    "message_vi": f"Ông/Bà đã lấy số {view['number']} cho hồ sơ đăng ký trực tuyến này. Vui lòng chờ gọi số.",
                    "message_en": f"You already have number {view['number']} for this registration. Please wait to be called."}
        service_id = d.service_id or s.scalar(
            select(Service.id).where(Service.center_id == center_id, Service.kind == ServiceKind.SUBMIT, Service.active.is_(True))
            .order_by(Service.sort_order).limit(1))
        if service_id is None:
            return {**out, "outcome": "unknown", "message_vi": "Trung tâm chưa có lĩnh vực tiếp nhận hồ sơ này. Vui lòng hỏi cán bộ.",
                    "message_en": "No field takes this dossier here. Please ask staff."}
        ticket = issue(center_id, service_id, source="scan", actor="kiosk:preregistration")
        d.ticket_id = ticket["id"]
        d.updated_at = now
        self._log(s, d, "checkin", d.state, "kiosk:preregistration", now, ticket=ticket["number"])
        service = ticket.get("service") or {}
        return {**out, "outcome": "ticket_issued", "ticket": ticket,
                "message_vi": f"Đã nhận đăng ký trực tuyến. Số thứ tự của Ông/Bà là {ticket['number']} ({service.get('name', '')}). Vui lòng chờ gọi số.",
                "message_en": f"Registration found. Your number is {ticket['number']} ({service.get('name_en') or service.get('name', '')}). Please wait to be called."}

    # ------------------------------------------------------------------ paper
    def receipt_print(self, code: str, *, center_id: int | None = None) -> Any:
        """The receipt (Mẫu 01) as a :class:`hardware.ReceiptPrint`, QR carrying the dossier code."""
        from hardware import ReceiptPrint

        with self.db.read() as s:
            d = self._by_code(s, code, center_id)
            center = self._center(s, d.center_id)
            procedure = s.get(Procedure, d.procedure_id)
            form = forms_for(center)["receipt"]
            lines = ["Khi đến nhận kết quả, vui lòng mang theo giấy này và quét mã QR tại kiosk để lấy số."]
            if procedure.fee:
                lines.append(f"Phí, lệ phí: {procedure.fee}.")
            extra = str(_dossier_settings(center).get("receipt_footer") or "").strip()
            if extra:
                lines.append(extra)
            return ReceiptPrint(
                center_name=center.name, dossier_code=d.code, applicant_name=d.applicant_name,
                procedure_name=procedure.name, documents=list(d.documents or []),
                received_at_text=moment_text(d.received_at, center.timezone),
                appointment_text=moment_text(d.appointment_at, center.timezone),
                clerk_name=d.received_by_name or "", qr_payload=d.code,
                form_title=form["title"], form_number=form["number"], footer="\n".join(lines),
            )

    def apology_print(self, code: str, *, center_id: int | None = None) -> Any:
        """The apology (Mẫu 04) laid out like the receipt, with the new date; 409 when none was issued."""
        from hardware import ReceiptPrint

        with self.db.read() as s:
            d = self._by_code(s, code, center_id)
            if not d.apology:
                raise DomainError("no_apology", f"Hồ sơ {d.code} chưa có văn bản xin lỗi.", f"Dossier {d.code} has no apology.", status=409)
            center = self._center(s, d.center_id)
            procedure = s.get(Procedure, d.procedure_id)
            form = forms_for(center)["apology"]
            return ReceiptPrint(
                center_name=center.name, dossier_code=d.code, applicant_name=d.applicant_name, procedure_name=procedure.name,
                documents=[], received_at_text=moment_text(d.received_at, center.timezone),
                appointment_text=moment_text(d.extended_to, center.timezone), clerk_name=d.received_by_name or "",
                qr_payload=d.code, form_title=form["title"], form_number=form["number"], footer=d.apology["text_vi"],
            )


def apology_history(apology: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every apology issued before (oldest first), the given one last, each without its own history."""
    if not apology:
        return []
    earlier = [dict(a) for a in apology.get("previous") or [] if isinstance(a, dict)]
    return [*earlier, {k: v for k, v in apology.items() if k != "previous"}]


def apology_record(center: Center, d: Dossier, new_at: datetime, reason: str, now: datetime, *,
                   missed_at: datetime | None = None, previous: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The apology's content (Mẫu 04): no name, so it may be shown on a public kiosk.

    ``missed_at`` is the date the citizen was last given (a previous apology's new date when
    this is not the first); ``previous`` the earlier apologies, kept for the record."""
    tz = center.timezone
    form = forms_for(center)["apology"]
    missed = missed_at or d.appointment_at
    old_text = moment_text(missed, tz, with_time=False)
    new_text = moment_text(new_at, tz)
    history = list(previous or [])
    sequence = len(history) + 1
    again_vi = f" Đây là lần thứ {sequence} trung tâm phải hẹn lại ngày trả kết quả của hồ sơ này." if sequence > 1 else ""
    again_en = f" This is apology no. {sequence} for this dossier." if sequence > 1 else ""
    return {
        "form": form["number"], "title": form["title"], "issued_at": _iso(now), "reason": reason, "sequence": sequence,
        "original_appointment_at": _iso(d.appointment_at),
        "original_appointment_text": moment_text(d.appointment_at, tz, with_time=False),
        "missed_appointment_at": _iso(missed), "missed_appointment_text": old_text,
        "new_appointment_at": _iso(new_at), "new_appointment_text": new_text,
        "text_vi": (f"{center.name} xin lỗi ông/bà vì hồ sơ {d.code} chưa được giải quyết đúng hẹn ({old_text}). "
                    f"Lý do: {reason} Trung tâm hẹn trả kết quả vào {new_text}.{again_vi} Mong ông/bà thông cảm."),
        "text_en": (f"We apologise: dossier {d.code} was not ready on the date we gave ({old_text}). "
                    f"The result will be ready by {new_text}.{again_en}"),
        "previous": history,
    }


def ready_items(session: Session, center_id: int) -> list[dict[str, Any]]:
    """Result-ready dossiers of a center, oldest ready first: code, short number, ready time."""
    rows = session.execute(
        select(Dossier.code, Dossier.result_ready_at).where(Dossier.center_id == center_id, Dossier.state == DossierState.RESULT_READY)
        .order_by(Dossier.result_ready_at, Dossier.id).limit(READY_LIST_LIMIT)
    ).all()
    return [{"code": code, "short": short_code(code), "ready_at": _iso(at)} for code, at in rows]


# ----------------------------------------------------------------------------- receipt printing
class ReceiptPrinting:
    """Receipts and apologies to a counter's printer, off the request path.

    A dead printer never loses a dossier: the dossier is already committed, the
    console shows the receipt preview (PNG/PDF), and a ``printer_down`` alert goes to
    the supervisors (resolved by the next good print)."""

    def __init__(self, alerts: Any, *, queue: Any = None, retries: int = 1, retry_delay: float = 0.5,
                 print_func: Callable | None = None) -> None:
        """``queue``: the app's shared :class:`hardware.PrintQueue`, so a printer that serves both
        tickets and receipts gets one job at a time; without it this object owns a queue."""
        from hardware import PrintQueue

        self.alerts = alerts
        self._owns_queue = queue is None
        if queue is None:
            kwargs: dict[str, Any] = {"retries": retries, "retry_delay": retry_delay}
            if print_func is not None:
                kwargs["print_func"] = print_func
            queue = PrintQueue(**kwargs)
        self.queue = queue
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def submit(self, *, center_id: int, printer_url: str, receipt: Any, label: str = "", kind: str = "receipt") -> dict[str, Any]:
        """Queue a :class:`hardware.ReceiptPrint`; rendered in the print worker at the printer's dot width."""
        from hardware import PrintJob, render_receipt

        width = printer_dot_width(printer_url)
        job_id = uuid.uuid4().hex
        record = {"id": job_id, "kind": kind, "status": "pending", "center_id": center_id, "printer_url": printer_url,
                  "dossier_code": receipt.dossier_code, "error": None, "attempts": 0}
        with self._lock:
            self._jobs[job_id] = record
            while len(self._jobs) > 1000:
                self._jobs.popitem(last=False)
        future = self.queue.submit(PrintJob(printer_url, lambda: render_receipt(receipt, width), job_id, {"center_id": center_id}))
        future.add_done_callback(lambda f: self._finished(f.result(), center_id, label or printer_url))
        return self.job(job_id) or dict(record)

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._jobs.get(job_id)
            return {k: v for k, v in record.items() if k != "printer_url"} if record else None

    def job_center(self, job_id: str) -> int | None:
        with self._lock:
            record = self._jobs.get(job_id)
            return record["center_id"] if record else None

    def close(self, timeout: float = 5.0) -> None:
        if self._owns_queue:
            self.queue.close(timeout)

    def _finished(self, result: Any, center_id: int, label: str) -> None:
        with self._lock:
            record = self._jobs.get(result.job_id)
            if record is not None:
                record.update(status="printed" if result.ok else "failed", error=result.error, attempts=result.attempts)
        try:
            if result.ok:
                self.alerts.resolve(center_id, "printer_down", result.printer_url)
            else:
                self.alerts.raise_alert(
                    center_id, "printer_down", result.printer_url,
                    f"Máy in của {label} không in được giấy tiếp nhận hồ sơ: {result.error}. Hồ sơ vẫn được tiếp nhận; "
                    "cán bộ có thể in lại hoặc tải bản PDF trên bàn làm việc.",
                    f"The printer of {label} failed to print a dossier receipt: {result.error}. The dossier is received; "
                    "reprint it or download the PDF from the console.",
                )
        except Exception:  # noqa: BLE001 - alerting must never stop the print worker
            import logging

            logging.getLogger("motcua.dossiers").exception("could not update the printer alert")


def printer_dot_width(printer_url: str | None) -> int:
    """Dot width of the printer behind a URL (58 mm → 384, 80 mm → 576); 576 when unknown."""
    from hardware import PrinterConfig

    if not printer_url:
        return 576
    try:
        return PrinterConfig.from_url(printer_url).width
    except ValueError:
        return 576


def counter_printer_url(session: Session, counter_id: int) -> tuple[str | None, str]:
    """The printer bound to a counter: a Device of kind "printer" (or "counter_screen") whose
    ``config`` says ``{"counter_id": N}``. Returns (url or None, device name)."""
    from server.models import Device

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


__all__ = [
    "DossierArea", "DossierService", "Applicant", "ReceiptPrinting", "TRANSITIONS", "STATE_LABELS", "CHANNEL_LABELS", "FORMS",
    "seed_demo_procedures", "calendar_for",
    "public_dossier_view", "dossier_view", "counter_printer_url", "normalise_code", "short_code",
    "agency_id_for", "clean_agency_id", "effective_agency_id", "ensure_agency_id_free", "promised_at",
]
