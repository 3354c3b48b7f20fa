"""Domain events: what happened, for whom. Published after the transaction commits,
so a display never shows a call that was rolled back."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from server.db import Database

T = TypeVar("T")

log = logging.getLogger("motcua.events")


@dataclass(frozen=True)
class DomainEvent:
    """``name`` is the Socket.IO event name; ``rooms`` the audiences it goes to."""

    name: str
    center_id: int
    payload: dict[str, Any]
    rooms: tuple[str, ...] = field(default_factory=tuple)


Publisher = Callable[[DomainEvent], None]


def center_room(center_id: int) -> str:
    return f"center:{center_id}"


def counter_room(counter_id: int) -> str:
    return f"counter:{counter_id}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def display_room(display_id: int) -> str:
    return f"display:{display_id}"


def queue_room(service_id: int) -> str:
    """The phone pages of a service's tickets: they hear ``queue_moved`` (positions, no tokens)."""
    return f"queue:{service_id}"


class EventBus:
    """The one publisher of an app: every domain service publishes to it, and it hands each
    event, in order, to every subscriber (realtime, the announcer, the server speaker, later
    webhooks). Subscribers are wired once, in ``server/bootstrap.py``; nothing patches a
    service's publisher at run time. One failing subscriber never keeps the event from the
    others, nor undoes the committed change that raised it."""

    def __init__(self) -> None:
        self.subscribers: list[Publisher] = []

    def subscribe(self, subscriber: Publisher) -> Publisher:
        """Add ``subscriber`` (called for every event after those already subscribed)."""
        self.subscribers.append(subscriber)
        return subscriber

    def __call__(self, event: DomainEvent) -> None:
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception:  # a broken subscriber must not stop the others (the change is committed)
                log.exception("subscriber %r failed on %s", subscriber, event.name)


COUNTS_EVENT = "queue_counts"
COUNTS_FIELD = "counts"


class EventCollector:
    """Collects events inside a unit of work; ``flush`` hands them to the publisher.

    The one rule of how waiting counts travel (issue 17): ``queue_counts`` added right after a
    ticket event of the same center rides in that event as its ``counts`` field (the same
    ``{"center_id", "services"}`` payload) instead of going out on its own. A call, an issue, a
    transfer or a cancel is then one message to every board and kiosk of the center, not two:
    with hundreds of screens, the second message doubled the server's sending and delayed the
    next call. Counts with no ticket event before them (a counter resumed, an admin edit) stay a
    ``queue_counts`` event of their own."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        """Collect ``event``; waiting counts that follow a ticket event of their center fold into it."""
        if event.name == COUNTS_EVENT and self.events and carries_counts(self.events[-1], event):
            last = self.events[-1]
            self.events[-1] = DomainEvent(last.name, last.center_id, {**last.payload, COUNTS_FIELD: event.payload}, last.rooms)
            return
        self.events.append(event)

    def flush(self, publish: Publisher | None) -> None:
        events, self.events = self.events, []
        if publish is None:
            return
        for event in events:
            publish(event)


def carries_counts(event: DomainEvent, counts: DomainEvent) -> bool:
    """Whether ``event`` can carry the waiting ``counts`` (a ``queue_counts`` event) to all of
    their audience: a ticket event of the same center, sent to that center's room, not yet carrying any."""
    return (
        event.name.startswith("ticket_")
        and isinstance(event.payload.get("ticket"), dict)
        and COUNTS_FIELD not in event.payload
        and event.center_id == counts.center_id
        and set(counts.rooms) <= set(event.rooms)
    )


def write_then_publish(db: Database, publish: Publisher | None, work: Callable[[Session, EventCollector], T]) -> T:
    """``work(session, events)`` in one write transaction of ``db`` (retried on a lost race, each
    attempt starting with no events); the events it collected go to ``publish`` only after the
    commit, so nobody hears of a change that was rolled back."""
    events = EventCollector()

    def unit(session: Session) -> T:
        events.events.clear()
        return work(session, events)

    result = db.write_retrying(unit)
    events.flush(publish)
    return result
