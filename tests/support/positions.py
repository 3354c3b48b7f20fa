"""Reading a ``queue_moved`` line as a phone does: ticket ``ids`` in call order, ``waits`` at the same index."""
from __future__ import annotations

from typing import Any


def places(line: dict[str, Any]) -> dict[int, tuple[int, int]]:
    """Each listed ticket's (people ahead, estimated wait minutes): its index in ``ids``, and ``waits`` there."""
    assert len(line["ids"]) == len(line["waits"]), line
    return {ticket_id: (ahead, line["waits"][ahead]) for ahead, ticket_id in enumerate(line["ids"])}


def people_ahead(line: dict[str, Any]) -> dict[int, int]:
    """Each listed ticket's people ahead."""
    return {ticket_id: ahead for ticket_id, (ahead, _wait) in places(line).items()}
