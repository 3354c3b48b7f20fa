"""A dossier's states, channels, results and logged actions (labels in Vietnamese first), and the
one table of which action may move a dossier from which state (Thông tư 03/2025/TT-VPCP)."""
from __future__ import annotations

from dataclasses import dataclass

from server.domain.errors import DomainError
from server.models.dossiers import Channel, Dossier, DossierState, ReturnChannel

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
    Channel.POST: ("Bưu chính công ích", "By public postal service"),
}

# How the result goes back to the citizen (Dossier.return_channel), chosen at intake.
RETURN_CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    ReturnChannel.COUNTER: ("Tại quầy", "At the counter"),
    ReturnChannel.POST: ("Bưu chính công ích", "By public postal service"),
    ReturnChannel.ONLINE: ("Trực tuyến", "Online"),
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
    "posted": ("Đã giao bưu điện", "Handed to the post office"),
    "delivered": ("Đã phát", "Delivered by post"),
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


def invalid_dossier_transition(d: Dossier, action: str) -> DomainError:
    t = TRANSITIONS[action]
    state_vi, state_en = STATE_LABELS.get(d.state, (d.state, d.state))
    return DomainError(
        "invalid_transition",
        f"Không thể {t.vi} hồ sơ {d.code or d.prereg_code}: hồ sơ đang ở trạng thái «{state_vi}».",
        f"Cannot {t.en} dossier {d.code or d.prereg_code}: it is “{state_en}”.",
        status=409, state=d.state, action=action,
    )
