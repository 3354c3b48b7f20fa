"""The ticket's life in one table, and the queue's refusals, each a bilingual :class:`DomainError`.

Kept apart from the operations so the answer to "may a clerk do X now, and what is said when not"
is read in one place; :mod:`.service` and :mod:`.moves` only call these.
"""

from __future__ import annotations

from server.domain.errors import DomainError, invalid_transition
from server.models import PRIORITY_CATEGORIES, Center, Counter, Service, Ticket, TicketState

# Which states each action may start from (the ticket's life, in one table).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "call": (TicketState.WAITING,),
    "call_chosen": (TicketState.WAITING,),
    "recall": (TicketState.CALLED,),
    "start": (TicketState.CALLED,),
    "finish": (TicketState.CALLED, TicketState.SERVING),
    "no_show": (TicketState.CALLED,),
    "transfer": (TicketState.WAITING, TicketState.CALLED, TicketState.SERVING),
    "cancel": (TicketState.WAITING, TicketState.CALLED, TicketState.PARKED),
    "requeue": (TicketState.CALLED, TicketState.SERVING),
    # Parked (đang chờ bổ sung): the citizen went to fetch a missing paper; the clerk recalls it later.
    "park": (TicketState.CALLED, TicketState.SERVING),
    "recall_parked": (TicketState.PARKED,),
}

# Why a clerk calls a ticket out of the waiting order (kept in the ticket's log): code → (vi, en).
CALL_CHOSEN_REASONS: dict[str, tuple[str, str]] = {
    "elderly": ("Người cao tuổi, khuyết tật, phụ nữ mang thai", "Elderly, disabled or pregnant citizen"),
    "quick": ("Việc nhanh", "A quick case"),
    "appointment": ("Có hẹn trước", "Came by appointment"),
    "other": ("Lý do khác", "Other reason"),
}

# Why a counter pauses: code → (vi, en). "other" needs the clerk's own words.
PAUSE_REASONS: dict[str, tuple[str, str]] = {
    "break": ("Nghỉ giải lao", "Break"),
    "meeting": ("Họp", "Meeting"),
    "support": ("Hỗ trợ nghiệp vụ", "Helping a colleague"),
    "other": ("Khác", "Other"),
}

# The longest reason text a clerk may type: a paused counter's reason shows on its screen (40 chars
# in the counters table); the reasons of a chosen call, a park or a cancel go to the log.
PAUSE_TEXT_MAX = 40
REASON_TEXT_MAX = 200

# What a clerk (or supervisor) may do with the counter's called/serving ticket before the
# counter closes: nobody is left called at a counter nobody sits at.
LEAVE_CHOICES: tuple[str, ...] = ("finish", "requeue", "transfer")


def check_allowed(ticket: Ticket, action: str) -> None:
    """Refuse ``action`` (409 ``invalid_transition``) unless :data:`ALLOWED_FROM` lets the ticket's state do it."""
    if ticket.state not in ALLOWED_FROM[action]:
        raise invalid_transition(ticket.display, ticket.state, action)


def check_issuable(center: Center, service: Service, priority: str | None) -> None:
    """Refuse a ticket of an inactive service, or a priority category that is unknown or not offered there."""
    if not service.active:
        raise DomainError(
            "service_inactive",
            f"Dịch vụ «{service.name}» hiện không nhận số.",
            f"Service “{service.name_en or service.name}” is not taking tickets now.",
            status=409,
        )
    if priority is None:
        return
    if priority not in PRIORITY_CATEGORIES:
        raise DomainError(
            "invalid_priority",
            "Loại ưu tiên không hợp lệ.",
            "Unknown priority category.",
            status=400,
            allowed=sorted(PRIORITY_CATEGORIES),
        )
    if not (center.priority_enabled and service.priority_allowed):
        raise DomainError(
            "priority_disabled",
            "Dịch vụ này không áp dụng số ưu tiên.",
            "Priority tickets are not offered for this service.",
            status=409,
        )


def no_current_ticket(counter: Counter, action: str) -> DomainError:
    """409: an action on the counter's current ticket when it has called nobody."""
    return DomainError(
        "no_current_ticket",
        f"Quầy {counter.number} chưa gọi số nào.",
        f"Counter {counter.number} is not serving any ticket.",
        status=409,
        action=action,
    )


def counter_busy(counter: Counter, current: Ticket) -> DomainError:
    """409: call-next while the counter still serves someone and the center does not finish it automatically."""
    return DomainError(
        "counter_busy",
        f"Quầy {counter.number} đang phục vụ số {current.display}. Hãy kết thúc trước khi gọi số tiếp theo.",
        f"Counter {counter.number} is still serving {current.display}. Finish it before calling the next number.",
        status=409,
        current=current.display,
    )


def counter_closed(counter: Counter) -> DomainError:
    """409: a closed counter calls nobody."""
    return DomainError(
        "counter_closed",
        f"Quầy {counter.number} đang đóng. Hãy chọn quầy để làm việc (mở quầy) trước khi gọi số.",
        f"Counter {counter.number} is closed. Sit at it (open it) before calling numbers.",
        status=409,
        counter=counter.number,
    )


def counter_has_ticket(counter: Counter, ticket: Ticket) -> DomainError:
    """409: the counter cannot close silently while a citizen is called to it or being served there."""
    doing_vi = "đang phục vụ" if ticket.state == TicketState.SERVING else "đang gọi"
    doing_en = "is serving" if ticket.state == TicketState.SERVING else "has called"
    return DomainError(
        "counter_has_ticket",
        f"Quầy {counter.number} {doing_vi} số {ticket.display}. Trước khi rời hoặc đóng quầy, hãy chọn: "
        "Kết thúc số này, Đưa về đầu hàng chờ, hoặc Chuyển sang lĩnh vực/quầy khác.",
        f"Counter {counter.number} {doing_en} ticket {ticket.display}. Before leaving or closing the counter, choose: "
        "finish it, put it back at the head of the queue, or transfer it to another service or counter.",
        status=409,
        ticket=ticket.display,
        state=ticket.state,
        choices=list(LEAVE_CHOICES),
    )


def invalid_leave_choice() -> DomainError:
    """400: closing a counter with a choice for its ticket that is not one of :data:`LEAVE_CHOICES`."""
    return DomainError(
        "invalid_leave_choice",
        "Lựa chọn không hợp lệ: hãy chọn Kết thúc, Đưa về đầu hàng chờ hoặc Chuyển.",
        "Unknown choice: pick finish, requeue (back to the head of the queue) or transfer.",
        status=400,
        choices=list(LEAVE_CHOICES),
    )


def check_reason(code: str | None, text: str, choices: dict[str, tuple[str, str]], *, max_text: int = REASON_TEXT_MAX) -> str:
    """Refuse (400 ``invalid_reason``) a reason code not among ``choices``, "other" without words,
    or words longer than ``max_text``; returns the text, trimmed."""
    text = (text or "").strip()
    if code not in choices:
        raise DomainError(
            "invalid_reason",
            "Hãy chọn một lý do trong danh sách.",
            "Pick a reason from the list.",
            status=400,
            allowed=sorted(choices),
        )
    if code == "other" and not text:
        raise DomainError("reason_required", "Hãy ghi rõ lý do.", "Write the reason.", status=400)
    if len(text) > max_text:
        raise DomainError(
            "reason_too_long",
            f"Lý do dài quá {max_text} ký tự.",
            f"The reason is longer than {max_text} characters.",
            status=400,
            max_length=max_text,
        )
    return text


def check_text(text: str, *, required: bool, max_text: int = REASON_TEXT_MAX) -> str:
    """A free-text reason (park, cancel): trimmed; 400 when required and empty, or too long."""
    text = (text or "").strip()
    if required and not text:
        raise DomainError("reason_required", "Hãy ghi rõ lý do.", "Write the reason.", status=400)
    if len(text) > max_text:
        raise DomainError(
            "reason_too_long",
            f"Lý do dài quá {max_text} ký tự.",
            f"The reason is longer than {max_text} characters.",
            status=400,
            max_length=max_text,
        )
    return text


def check_may_call(counter: Counter) -> None:
    """A counter calls only while open (someone is there to serve) and not paused."""
    if not counter.is_open:
        # A ticket called at a closed counter would be stranded: nobody is there to serve it.
        raise counter_closed(counter)
    if counter.paused_at is not None:
        raise counter_paused(counter)


def counter_paused(counter: Counter) -> DomainError:
    """409: a paused counter calls nobody until the clerk resumes."""
    reason = counter.pause_reason or "tạm dừng"
    return DomainError(
        "counter_paused",
        f"Quầy {counter.number} đang tạm dừng ({reason}). Nhấn «Tiếp tục» trước khi gọi số.",
        f"Counter {counter.number} is paused ({reason}). Press “Resume” before calling numbers.",
        status=409,
        counter=counter.number,
    )


def not_paused(counter: Counter) -> DomainError:
    """409: resume a counter that is not paused."""
    return DomainError(
        "counter_not_paused",
        f"Quầy {counter.number} không ở trạng thái tạm dừng.",
        f"Counter {counter.number} is not paused.",
        status=409,
    )


def pause_with_ticket(counter: Counter, ticket: Ticket) -> DomainError:
    """409: pausing while a citizen is called to, or served at, the counter would leave them standing there."""
    return DomainError(
        "counter_has_ticket",
        f"Quầy {counter.number} vẫn còn số {ticket.display}. Hãy kết thúc, chuyển hoặc cho chờ bổ sung "
        "số này trước khi tạm dừng.",
        f"Counter {counter.number} still has ticket {ticket.display}. Finish, transfer or park it before pausing.",
        status=409,
        ticket=ticket.display,
        state=ticket.state,
    )


def not_in_waiting_list(counter: Counter, ticket: Ticket) -> DomainError:
    """409: a chosen call of a ticket that is not (or no longer) waiting for this counter."""
    return DomainError(
        "not_in_waiting_list",
        f"Số {ticket.display} không còn trong danh sách chờ của quầy {counter.number}.",
        f"Ticket {ticket.display} is not in counter {counter.number}'s waiting list.",
        status=409,
        ticket=ticket.display,
        state=ticket.state,
    )


def not_parked_here(counter: Counter, ticket: Ticket) -> DomainError:
    """409: recalling a ticket that is not in this counter's parked list."""
    return DomainError(
        "not_in_parked_list",
        f"Số {ticket.display} không có trong danh sách chờ bổ sung của quầy {counter.number}.",
        f"Ticket {ticket.display} is not in counter {counter.number}'s parked list.",
        status=409,
        ticket=ticket.display,
        state=ticket.state,
    )


def invalid_transfer_target() -> DomainError:
    """400: a transfer names both a service and a counter, or neither."""
    return DomainError(
        "invalid_transfer_target",
        "Hãy chọn đúng một nơi chuyển đến: một dịch vụ hoặc một quầy.",
        "Choose exactly one target: a service or a counter.",
        status=400,
    )


def invalid_transfer_source() -> DomainError:
    """400: a transfer names neither a ticket nor a counter whose current ticket moves."""
    return DomainError("invalid_transfer_source", "Thiếu số cần chuyển.", "No ticket to transfer.", status=400)
