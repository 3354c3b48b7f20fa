"""The one waiting order: who is waiting for whom, and in which order call-next takes them.

call-next claims the first of :func:`waiting_for` (:func:`claim_first`, row-locked); the console's
list is that same function, so what a clerk sees first is what "Gọi số tiếp" calls. The order at
a counter, from first to last (each step decides only among the tickets the earlier ones left):

1. **Put back at the head** — a ticket whose counter closed while calling it goes before anyone
   (among several, the rules below apply between them, then sort time).
2. **Ranked: priority and booked tickets** — two kinds of ticket go ahead of the others, in one
   tier, oldest sort time first: a priority ticket (elderly, pregnant, disabled…) when the center
   has priority on, and a booked ticket (checked in for a booking) from its slot's start on
   (``Ticket.ahead_from``; its sort time is that start), whether priority is on or not. Before its
   slot starts a booked ticket is an ordinary one, waiting by its slot's start. :func:`ranked`
   says which tickets are ranked (:func:`ranked_sql` is the same rule in SQL). The fairness rule:
   after ``max_priority_streak`` ranked calls in a row at this counter (priority or booked alike),
   one regular ticket goes first (:func:`regular_turn`). Ranked tickets are never reordered by the
   counter's policy or by aging.
3. **Aging** — among regular tickets, one that has waited at least its service's
   ``Service.aging_minutes`` (counted from its sort time: the time its place in the queue is
   kept from) goes before every regular ticket that has not, oldest sort time first, whatever
   the counter's policy: a field with a low position or weight is never starved.
4. **The counter's call policy** (``Counter.call_policy``) orders the other regular tickets:

   - ``longest_wait`` (the default, the behaviour before policies existed): oldest sort time first
     across all the counter's services;
   - ``in_order``: by the counter's services in ``CounterService.position`` order (the first
     service with somebody waiting is emptied first), oldest sort time first within a service;
   - ``ratio``: the counter's services in position order form a cycle in which each service gets
     ``CounterService.weight`` calls in a row (weight 2 for A and 1 for B: A, A, B, A, A, B…);
     a service with nobody waiting is skipped. Where the cycle stands is
     ``Counter.call_state`` (``{"service_id": …, "taken": …}``), advanced by
     :func:`next_call_state` inside call-next's transaction, and only by calls this step
     decided (ranked, aged and put-back calls leave the cycle where it is).

   A ticket sent to the counter by name for a service the counter does not serve ranks after
   the counter's own services under ``in_order`` and takes one slot at the end of the
   ``ratio`` cycle.

Ties are broken by sort time, then id. Within one service none of 3–4 changes the order (a
service's aged tickets are its oldest), so a ticket's people ahead remain its index in
:func:`service_queue` (as of a moment: a booked ticket moves ahead when its slot starts).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, case, or_, select
from sqlalchemy.orm import Session

from server.clock import local_date, utc
from server.db import run_core, write_columns
from server.models import Center, Counter, CounterService, Service, Ticket, TicketState

CALL_POLICIES = ("longest_wait", "in_order", "ratio")
DEFAULT_CALL_POLICY = "longest_wait"
_OTHER = None  # the ratio cycle's slot for tickets of services the counter does not serve
_CLAIM_ATTEMPTS = 20  # PostgreSQL: tickets skipped because another counter is claiming them, at most


class Shape:
    """A center or counter standing in a statement built once and run many times: what changes the
    SQL (``priority_enabled``) is fixed in the shape, what is only a value (its id, its services)
    is a bound parameter given at execution (``id_name``, ``service_ids``).

    Building a statement and computing its cache key cost SQLAlchemy more than SQLite's running it
    (people ahead at a line of 300: 0.24 of 0.56 ms), so the hot paths (call-next's claim, the
    people ahead of a ticket just issued) build theirs once per shape with :func:`functools.cache`,
    from the same functions as every other query of the waiting order."""

    def __init__(self, id_name: str, *, priority_enabled: bool = False, own_services: bool = False) -> None:
        self.id = bindparam(id_name)
        self.priority_enabled = priority_enabled
        # A counter's services read inside the statement (``own_services``): call-next's claim does not
        # load the counter's service links as objects first (7% of a call-next's CPU, issue 17).
        self.service_ids: Any = (
            select(CounterService.service_id).where(CounterService.counter_id == self.id)
            if own_services else bindparam("service_ids", expanding=True)
        )


def naive_utc(now: datetime) -> datetime:
    """``now`` as the naive UTC the tickets' times are stored in (the value of a ``now`` parameter)."""
    return utc(now).replace(tzinfo=None)


def ranked(center: Center, ticket: Any, now: datetime | None) -> bool:
    """Whether ``ticket`` waits in the ranked tier at ``now`` (see the module's precedence, step 2):
    a priority ticket when the center has priority on, or a booked ticket from its slot's start
    (``ahead_from``) on. Without ``now`` a booked ticket is not ranked (it waits by its slot's start)."""
    if center.priority_enabled and ticket.priority:
        return True
    return ticket.ahead_from is not None and now is not None and utc(ticket.ahead_from) <= utc(now)


def ranked_sql(center: Any, now: datetime | BindParameter | None) -> Any:
    """:func:`ranked` as an SQL condition (the ORDER BY of :func:`waiting_order`), or None when no
    ticket can be ranked (priority off and no ``now``). ``now`` may be a bound parameter standing
    for naive UTC (a statement built once, see :class:`Shape`)."""
    terms = []
    if center.priority_enabled:
        terms.append(Ticket.priority.is_not(None))
    if now is not None:
        at = naive_utc(now) if isinstance(now, datetime) else now
        terms.append(and_(Ticket.ahead_from.is_not(None), Ticket.ahead_from <= at))
    return or_(*terms) if terms else None


def regular_turn(center: Center, streak: int) -> bool:
    """Fairness: after ``max_priority_streak`` ranked calls in a row at a counter (priority or
    booked tickets, see :func:`ranked`), a regular ticket goes first (when one waits)."""
    return streak >= center.max_priority_streak


def streak_after(center: Center, streak: int, ticket: Any, now: datetime | None) -> int:
    """The counter's count of ranked calls in a row once ``ticket`` is called: one more for a
    ranked ticket, back to nothing for a regular one."""
    return streak + 1 if ranked(center, ticket, now) else 0


def eligible_for(counter: Any) -> Any:
    """Which waiting tickets a counter may call: those sent to it by name, and those of its
    services not sent to another counter."""
    service_ids = counter.service_ids if isinstance(counter, Shape) else (counter.service_ids or [-1])
    return or_(
        Ticket.target_counter_id == counter.id,
        and_(Ticket.target_counter_id.is_(None), Ticket.service_id.in_(service_ids)),
    )


def waiting_order(center: Center, *, regular_first: bool = False, now: datetime | None = None) -> list[Any]:
    """ORDER BY of the waiting order within one service at ``now`` (no counter policy, no aging:
    neither changes a service's own order): a ticket put back at the head before anyone; then
    ranked tickets (:func:`ranked_sql`: priority ones when the center has priority on, booked ones
    from their slot's start) — or regular ones when it is their turn (``regular_first``, see
    :func:`regular_turn`); then by sort time, ties broken by id."""
    order: list[Any] = [Ticket.at_head.desc()]
    is_ranked = ranked_sql(center, now)
    if is_ranked is not None:
        is_regular = case((is_ranked, 0), else_=1)
        order.append(is_regular.desc() if regular_first else is_regular.asc())
    return order + [Ticket.sort_at.asc(), Ticket.id.asc()]


def _waiting_today(center: Center, day: date) -> list[Any]:
    return [Ticket.center_id == center.id, Ticket.state == TicketState.WAITING, Ticket.day == day]


def waiting_query(
    center: Center, counter: Counter, day: date, *, regular_first: bool = False, now: datetime | None = None
) -> Select:
    """SELECT of the tickets waiting for ``counter`` on ``day``, in :func:`waiting_order` at ``now``
    (the candidates :func:`call_sequence` orders by the counter's policy and aging)."""
    return (
        select(Ticket)
        .where(*_waiting_today(center, day), eligible_for(counter))
        .order_by(*waiting_order(center, regular_first=regular_first, now=now))
    )


def service_queue(center: Center, service_id: int, day: date, now: datetime | None = None) -> Select:
    """SELECT of a service's waiting tickets on ``day`` in the waiting order at ``now`` (no counter's
    fairness turn): a ticket's index in it is its people ahead. Without ``now`` booked tickets
    count as not yet ranked (see :func:`ranked`)."""
    return (
        select(Ticket)
        .where(*_waiting_today(center, day), Ticket.service_id == service_id)
        .order_by(*waiting_order(center, now=now))
    )


# ------------------------------------------------------------------ the counter's policy (pure)
def policy_of(counter: Counter) -> str:
    """The counter's call policy; an unknown stored value reads as the default."""
    policy = getattr(counter, "call_policy", None) or DEFAULT_CALL_POLICY
    return policy if policy in CALL_POLICIES else DEFAULT_CALL_POLICY


def ratio_slots(counter: Counter) -> list[tuple[int | None, int]]:
    """The ratio cycle: ``(service_id, weight)`` in position order, then one slot for tickets of
    services the counter does not serve (sent to it by name)."""
    links = sorted(counter.links, key=lambda link: (link.position, link.service_id))
    return [(link.service_id, max(1, int(link.weight or 1))) for link in links] + [(_OTHER, 1)]


def _slot_key(slots: Sequence[tuple[int | None, int]], service_id: int) -> int | None:
    return service_id if any(sid == service_id for sid, _ in slots) else _OTHER


def _cycle_start(slots: Sequence[tuple[int | None, int]], state: dict[str, Any] | None) -> tuple[int, int]:
    """(slot index, calls already taken in it) from the stored state; a slot no longer in the
    cycle (its link was removed) starts the cycle again."""
    state = state or {}
    for index, (sid, weight) in enumerate(slots):
        if sid == state.get("service_id") and "service_id" in state:
            taken = int(state.get("taken") or 0)
            return (index, taken) if taken < weight else ((index + 1) % len(slots), 0)
    return 0, 0


def _ratio_state_after(slots: Sequence[tuple[int | None, int]], state: dict[str, Any] | None, service_id: int) -> dict[str, Any]:
    index, taken = _cycle_start(slots, state)
    key = _slot_key(slots, service_id)
    taken = taken + 1 if slots[index][0] == key else 1
    return {"service_id": key, "taken": taken}


def _ratio_order(tickets: list[Any], slots: Sequence[tuple[int | None, int]], state: dict[str, Any] | None) -> list[Any]:
    """Regular tickets (oldest first) in the order the ratio cycle takes them from ``state``."""
    by_slot: dict[int | None, list[Any]] = {}
    for ticket in tickets:
        by_slot.setdefault(_slot_key(slots, ticket.service_id), []).append(ticket)
    out: list[Any] = []
    while len(out) < len(tickets):
        index, _ = _cycle_start(slots, state)
        for step in range(len(slots)):  # the first slot from here with somebody waiting
            sid = slots[(index + step) % len(slots)][0]
            if by_slot.get(sid):
                ticket = by_slot[sid].pop(0)
                out.append(ticket)
                state = _ratio_state_after(slots, state, ticket.service_id)
                break
    return out


def _is_aged(ticket: Any, aging: dict[int, int | None], now: datetime | None) -> bool:
    minutes = aging.get(ticket.service_id)
    return bool(minutes) and now is not None and utc(ticket.sort_at) <= now - timedelta(minutes=int(minutes))


def _policy_order(tickets: list[Any], counter: Counter, state: dict[str, Any] | None) -> list[Any]:
    """Regular, non-aged tickets (given oldest first) in the counter's policy order."""
    policy = policy_of(counter)
    if policy == "in_order":
        position = {link.service_id: (link.position, i) for i, link in enumerate(counter.links)}
        last = (float("inf"), 0)
        return sorted(tickets, key=lambda t: position.get(t.service_id, last))  # stable: oldest first within a service
    if policy == "ratio":
        return _ratio_order(tickets, ratio_slots(counter), state)
    return tickets


def call_sequence(
    tickets: list[Any],
    center: Center,
    streak: int,
    *,
    counter: Counter | None = None,
    aging: dict[int, int | None] | None = None,
    now: datetime | None = None,
) -> list[Any]:
    """The order successive call-nexts take ``tickets`` in (given in :func:`waiting_order`
    without a fairness turn), by the precedence of this module's docstring, replaying the
    fairness rule from ``streak`` exactly as call-next moves it. Without ``counter`` the policy is
    ``longest_wait``; ``aging`` maps service id → aging minutes (aging and booked tickets need ``now``)."""
    aging = aging or {}
    out: list[Any] = []
    for head in (True, False):
        group = [t for t in tickets if bool(t.at_head) == head]
        first = [t for t in group if ranked(center, t, now)]
        regular = [t for t in group if not ranked(center, t, now)]
        if not head:
            aged = [t for t in regular if _is_aged(t, aging, now)]
            aged.sort(key=lambda t: (utc(t.sort_at), t.id))
            rest = [t for t in regular if not _is_aged(t, aging, now)]
            regular = aged + (_policy_order(rest, counter, counter.call_state) if counter is not None else rest)
        while first or regular:
            ticket = regular.pop(0) if regular and (not first or regular_turn(center, streak)) else first.pop(0)
            streak = streak_after(center, streak, ticket, now)
            out.append(ticket)
    return out


def next_call_state(center: Center, counter: Counter, ticket: Any, aging_minutes: int | None, now: datetime) -> dict[str, Any]:
    """The counter's ``call_state`` after call-next takes ``ticket`` (read before the call
    changes it): the ratio cycle moves only for a regular ticket its policy step chose
    (not put back at the head, not aged, not ranked)."""
    state = dict(counter.call_state or {})
    if policy_of(counter) != "ratio" or ticket.at_head or ranked(center, ticket, now):
        return state
    if _is_aged(ticket, {ticket.service_id: aging_minutes}, now):
        return state
    return _ratio_state_after(ratio_slots(counter), state, ticket.service_id)


def call_rule(center: Center, counter: Counter, ticket: Any, aging_minutes: int | None, now: datetime) -> str:
    """Which step of the precedence put ``ticket`` first (written in the call's log row, so reports
    can count them): ``at_head``, ``priority``, ``booking`` (a booked ticket ranked by its slot),
    ``aged``, or the counter's policy (``longest_wait``, ``in_order``, ``ratio``) — a regular ticket
    taken on the fairness turn counts as its policy's."""
    if ticket.at_head:
        return "at_head"
    if center.priority_enabled and ticket.priority:
        return "priority"
    if ranked(center, ticket, now):
        return "booking"
    if _is_aged(ticket, {ticket.service_id: aging_minutes}, now):
        return "aged"
    return policy_of(counter)


def advance_call_state(session: Session, center: Center, counter: Counter, ticket: Ticket, now: datetime) -> str:
    """Move the counter's policy state past ``ticket``, which call-next is taking (call it in
    call-next's transaction, before the ticket's fields change): :func:`next_call_state`.
    Returns the :func:`call_rule` that chose the ticket, for the call's log row."""
    service = session.get(Service, ticket.service_id)
    aging_minutes = service.aging_minutes if service else None
    state = next_call_state(center, counter, ticket, aging_minutes, now)
    if state != (counter.call_state or {}):
        write_columns(session, counter, call_state=state)
    return call_rule(center, counter, ticket, aging_minutes, now)


# ------------------------------------------------------------------ queries
@functools.cache
def _aging_statement() -> Select:
    return select(Service.id, Service.aging_minutes).where(Service.center_id == bindparam("center_id"))


def _aging_of(session: Session, center: Center) -> dict[int, int | None]:
    return dict(run_core(session, _aging_statement(), {"center_id": center.id}).all())


def _sequence(session: Session, center: Center, counter: Counter, now: datetime, skip: set[int]) -> list[Ticket]:
    day = local_date(now, center.timezone)
    rows = [t for t in session.scalars(waiting_query(center, counter, day, now=now)) if t.id not in skip]
    return call_sequence(rows, center, counter.priority_streak, counter=counter, aging=_aging_of(session, center), now=now)


def waiting_for(session: Session, counter: Counter, now: datetime) -> list[Ticket]:
    """Today's tickets waiting for ``counter``, in the order its call-nexts will take them
    (nobody else calling or arriving meanwhile): the first is what call-next claims now."""
    return _sequence(session, session.get(Center, counter.center_id), counter, now, set())


@functools.cache
def _first_waiting(priority_enabled: bool, regular_first: bool, postgres: bool) -> Select:
    """``waiting_query(…).limit(1)`` of a :class:`Shape` (call-next's claim in the plain order),
    row-locked on PostgreSQL; values bound at execution."""
    stmt = waiting_query(
        Shape("center_id", priority_enabled=priority_enabled), Shape("counter_id", own_services=True), bindparam("day"),  # type: ignore[arg-type]
        regular_first=regular_first, now=bindparam("now"),  # type: ignore[arg-type]
    ).limit(1)
    return stmt.with_for_update(skip_locked=True, of=Ticket) if postgres else stmt


def claim_first(session: Session, center: Center, counter: Counter, now: datetime) -> Ticket | None:
    """The first ticket of :func:`waiting_for`, row-locked for the caller's write transaction.

    SQLite: the write transaction was taken up front (BEGIN IMMEDIATE), so nobody else claims
    meanwhile. PostgreSQL: the chosen row is locked ``FOR UPDATE SKIP LOCKED`` and re-checked
    (still waiting, still for this counter); a ticket another counter is claiming right now is
    skipped, not waited on, and the order is computed again without it."""
    postgres = session.get_bind().dialect.name == "postgresql"
    aging = _aging_of(session, center)
    if policy_of(counter) == DEFAULT_CALL_POLICY and not any(aging.values()):
        # The plain order (no policy, no aging) is exactly waiting_query's ORDER BY with the fairness turn:
        # one indexed row instead of the whole list, on the hot path (the property test holds both to one answer).
        stmt = _first_waiting(center.priority_enabled, regular_turn(center, counter.priority_streak), postgres)
        values = {"center_id": center.id, "counter_id": counter.id, "day": local_date(now, center.timezone),
                  "now": naive_utc(now)}
        return session.execute(stmt, values).scalar_one_or_none()
    skip: set[int] = set()
    for _ in range(_CLAIM_ATTEMPTS):
        sequence = _sequence(session, center, counter, now, skip)
        if not sequence or not postgres:
            return sequence[0] if sequence else None
        first = sequence[0]
        stmt = (
            select(Ticket)
            .where(Ticket.id == first.id, *_waiting_today(center, first.day), eligible_for(counter))
            .with_for_update(skip_locked=True, of=Ticket)
            .execution_options(populate_existing=True)
        )
        locked = session.execute(stmt).scalar_one_or_none()
        if locked is not None:
            return locked
        skip.add(first.id)
    return None


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    """The ticket called to, or being served at, a counter (the latest called, should there be two):
    the one that has left the waiting order for this counter."""
    return session.execute(_current_statement(), {"counter_id": counter.id}).scalar_one_or_none()


@functools.cache
def _current_statement() -> Select:
    return (
        select(Ticket)
        .where(Ticket.counter_id == bindparam("counter_id"), Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    )
