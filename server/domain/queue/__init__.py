"""The queue engine: issue, call-next, recall, start, finish, no-show, transfer, requeue, cancel,
counters opening and closing.

Plain Python over SQLAlchemy: the API, Socket.IO handlers, CLI and benchmarks all call
:class:`QueueService` (one per app, built in ``server/bootstrap.py``). Every state change is
checked against the ticket's life, written with an append-only ``TicketEvent``, and announced
through domain events after the transaction commits.

By job, each module importing only those above it:

- :mod:`.waiting` — the one waiting order: :func:`waiting_for` (what call-next claims first and
  every waiting list shows), eligibility, priority and the fairness rule, the counter's current ticket;
- :mod:`.rules` — the ticket's life (``ALLOWED_FROM``) and the queue's refusals;
- :mod:`.estimates` — people ahead, mean service time, open counters, waiting counts;
- :mod:`.views` — the public views of tickets, services and counters (no personal data);
- :mod:`.announcements` — the domain events sent after commit, and what a call announces;
- :mod:`.snapshot` — what a board or console shows on (re)connect;
- :mod:`.moves` — a ticket's moves shared by several operations (finish, transfer, requeue,
  settling a closing counter's ticket), inside the caller's transaction;
- :mod:`.service` — :class:`QueueService`, each operation in one write transaction.

The names below are re-exported so callers may keep importing ``server.domain.queue``.
"""

from __future__ import annotations

from server.domain.queue.announcements import call_announcement
from server.domain.queue.estimates import RECENT_SERVICE_SAMPLE, wait_minutes
from server.domain.queue.rules import (
    ALLOWED_FROM,
    LEAVE_CHOICES,
    counter_closed,
    counter_has_ticket,
    invalid_transfer_target,
)
from server.domain.queue.service import CallResult, QueueService
from server.domain.queue.waiting import (
    call_sequence,
    current_ticket,
    eligible_for,
    ranked,
    regular_turn,
    service_queue,
    waiting_for,
    waiting_order,
    waiting_query,
)

__all__ = [
    "QueueService",
    "CallResult",
    "ALLOWED_FROM",
    "LEAVE_CHOICES",
    "RECENT_SERVICE_SAMPLE",
    "call_announcement",
    "current_ticket",
    "counter_closed",
    "counter_has_ticket",
    "invalid_transfer_target",
    "waiting_for",
    "waiting_query",
    "waiting_order",
    "eligible_for",
    "service_queue",
    "call_sequence",
    "regular_turn",
    "ranked",
    "wait_minutes",
]
