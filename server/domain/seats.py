"""Who sits at a counter: one clerk per counter at a time, and a counter is open only while
someone holds it.

The console claims a counter when a clerk picks it; the API's counter actions and
``/counters/<id>/open`` go through the same rules, so a second clerk (or a script with
a clerk's session) cannot call numbers at, or silently take over, a counter someone
else is working. A supervisor may take a counter over on purpose (``force``).

A counter is open while a clerk holds it (or a supervisor opened it on purpose, with nobody
at it). The hold ends when the clerk leaves ("Rời quầy", choosing what becomes of a called
ticket), logs out, moves to another counter, or their session ends: a clerk not seen for the
session's lifetime (8 h) loses the counter, and its called ticket goes back to the head of
its queue (``QueueService.release_lapsed_holds``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from server.clock import utc
from server.db import Database
from server.domain.errors import DomainError
from server.domain.queue import QueueService, moves
from server.domain.queue.rules import counter_has_ticket
from server.domain.queue.waiting import current_ticket
from server.models import Counter, User

# How stale the holder's "last seen" may get before a request refreshes it (one write per 5 min, not per request).
PRESENCE_REFRESH = timedelta(minutes=5)


def _taken(session, counter: Counter) -> DomainError:
    holder = session.get(User, counter.clerk_id)
    name = (holder.full_name or holder.username) if holder else "khác"
    return DomainError(
        "counter_taken",
        f"Quầy {counter.number} đang có cán bộ «{name}» làm việc. Mỗi quầy chỉ một cán bộ.",
        f"Counter {counter.number} is held by “{name}”. One clerk per counter.",
        status=409,
    )


def held_by_another(counter: Counter, user_id: int) -> bool:
    """Is the counter open with a clerk at it who is not ``user_id``?"""
    return bool(counter.is_open and counter.clerk_id not in (None, user_id))


def ensure_may_work_at(db: Database, counter: Counter, user_id: int) -> None:
    """Refuse (409 ``counter_taken``) a clerk acting at ``counter`` (as just read) when another clerk holds it.

    A counter nobody holds may be worked by any clerk of its center (a center without the
    console, or a clerk who never picked a counter, keeps working as before). Only a refusal
    reads the database again, for the holder's name."""
    if held_by_another(counter, user_id):
        with db.read() as session:
            raise _taken(session, counter)


def claim_counter(db: Database, queue: QueueService, counter_id: int, user: User, *, force: bool = False) -> None:
    """Sit ``user`` at a counter, atomically: refused while another clerk holds it (unless a
    supervisor forces it). Any other counter this user held is released; refused (409
    ``counter_has_ticket``) while one of those still has a ticket called or being served."""
    released: list[int] = []
    with db.write() as s:  # SQLite: the write lock is taken first; PostgreSQL: the row is locked
        stmt = select(Counter).where(Counter.id == counter_id)
        if not db.is_sqlite:
            stmt = stmt.with_for_update()
        counter = s.execute(stmt).scalar_one_or_none()
        if counter is None or not counter.active or (user.center_id is not None and counter.center_id != user.center_id):
            raise DomainError("unknown_counter", "Không tìm thấy quầy.", "Counter not found.", status=404)
        if held_by_another(counter, user.id) and not force:
            raise _taken(s, counter)
        others = list(s.scalars(select(Counter).where(Counter.clerk_id == user.id, Counter.id != counter_id)))
        for other in others:
            ticket = current_ticket(s, other)
            if ticket is not None:  # moving on would strand that citizen: leave the first counter properly
                raise counter_has_ticket(other, ticket)
        now, actor = queue.clock.now(), f"user:{user.id}:{user.username}"
        # Each seat change goes to the counter's log (open, and close for whoever held it before).
        moves.open_counter(s, counter, now, actor, clerk_id=user.id)
        for other in others:
            moves.close_counter(s, other, now, actor)
            released.append(other.id)
    # Tell boards and consoles (counter_changed), outside the claim's transaction.
    queue.set_counter_open(counter_id, True, clerk_id=user.id)
    for other_id in released:
        queue.set_counter_open(other_id, False)


def release_counter(
    db: Database,
    queue: QueueService,
    counter_id: int,
    user_id: int,
    *,
    then: str | None = None,
    to_service_id: int | None = None,
    to_counter_id: int | None = None,
    note: str = "",
    actor: str = "clerk",
) -> bool:
    """Leave a counter (it closes) if this user holds it; returns whether it did.

    A ticket called or being served there needs ``then`` (see ``QueueService.set_counter_open``):
    without it the counter stays as it is and 409 ``counter_has_ticket`` names the choices."""
    with db.read() as s:
        counter = s.get(Counter, counter_id)
        mine = counter is not None and counter.clerk_id == user_id
    if mine:
        queue.set_counter_open(
            counter_id, False, then=then, to_service_id=to_service_id, to_counter_id=to_counter_id, note=note, actor=actor
        )
    return mine


def note_presence(db: Database, user_id: int, now: datetime) -> int:
    """The clerk made a request: their counters' holds are alive (refreshed at most every few minutes).

    Returns how many counters were refreshed."""
    stale = now - PRESENCE_REFRESH
    with db.write() as s:
        result = s.execute(
            update(Counter)
            # A deactivated account is signed out everywhere: its lingering cookie keeps no counter alive.
            .where(
                Counter.clerk_id.in_(select(User.id).where(User.id == user_id, User.active.is_(True))),
                Counter.is_open.is_(True),
                or_(Counter.clerk_seen_at.is_(None), Counter.clerk_seen_at < utc(stale).replace(tzinfo=None)),
            )
            .values(clerk_seen_at=now)
        )
        return result.rowcount or 0


__all__ = ["PRESENCE_REFRESH", "held_by_another", "ensure_may_work_at", "claim_counter", "release_counter", "note_presence"]
