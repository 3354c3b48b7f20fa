"""Domain events: what happened, for whom. Published after the transaction commits,
so a display never shows a call that was rolled back."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


class EventCollector:
    """Collects events inside a unit of work; ``flush`` hands them to the publisher."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.events.append(event)

    def flush(self, publish: Publisher | None) -> None:
        events, self.events = self.events, []
        if publish is None:
            return
        for event in events:
            publish(event)
