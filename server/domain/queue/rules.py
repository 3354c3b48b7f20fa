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
    "recall": (TicketState.CALLED,),
    "start": (TicketState.CALLED,),
    "finish": (TicketState.CALLED, TicketState.SERVING),
    "no_show": (TicketState.CALLED,),
    "transfer": (TicketState.WAITING, TicketState.CALLED, TicketState.SERVING),
    "cancel": (TicketState.WAITING, TicketState.CALLED),
    "requeue": (TicketState.CALLED, TicketState.SERVING),
}

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
