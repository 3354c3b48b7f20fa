"""Domain errors: a stable code plus a message in Vietnamese and English.

The API turns these into JSON; the pages show the message in the reader's
language. ``status`` is an HTTP-like hint so every layer maps errors alike.
"""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can understand (never a crash)."""

    def __init__(self, code: str, message_vi: str, message_en: str, status: int = 409, **details: object) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.status = status
        self.details = details

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": self.message_vi, "message_vi": self.message_vi, "message_en": self.message_en}
        if self.details:
            out["details"] = self.details
        return out


def not_found(what_vi: str, what_en: str, code: str = "not_found") -> DomainError:
    return DomainError(code, f"Không tìm thấy {what_vi}.", f"{what_en} not found.", status=404)


def other_center() -> DomainError:
    """403: the account belongs to another center (a center's staff see nothing of another)."""
    return DomainError("forbidden", "Bạn không có quyền ở trung tâm này.", "You have no rights in this center.", status=403)


def invalid_transition(display: str, state: str, action: str) -> DomainError:
    states_vi = {
        "waiting": "đang chờ", "called": "đã được gọi", "serving": "đang được phục vụ",
        "done": "đã xong", "no_show": "vắng mặt", "cancelled": "đã huỷ", "parked": "đang chờ bổ sung giấy tờ",
    }
    return DomainError(
        "invalid_transition",
        f"Không thể {ACTIONS_VI.get(action, action)} số {display}: số này {states_vi.get(state, state)}.",
        f"Cannot {action.replace('_', ' ')} ticket {display}: it is {state.replace('_', ' ')}.",
        status=409,
        state=state,
        action=action,
    )


ACTIONS_VI = {
    "call": "gọi", "recall": "gọi lại", "start": "bắt đầu phục vụ", "finish": "kết thúc",
    "no_show": "đánh dấu vắng mặt", "transfer": "chuyển", "cancel": "huỷ", "requeue": "đưa về đầu hàng chờ",
    "call_chosen": "gọi", "park": "cho chờ bổ sung", "recall_parked": "gọi lại",
}
