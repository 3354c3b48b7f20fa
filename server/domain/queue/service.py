""":class:`QueueService`: each queue operation in one write transaction, its events published after commit.

The operations read as the clerk's buttons (call next, recall, start, finish, no-show, transfer,
requeue, cancel, open or close the counter) plus the kiosk's issue; what they share lives beside
this module: the waiting order (:mod:`.waiting`), the moves (:mod:`.moves`), the refusals
(:mod:`.rules`), the views (:mod:`.views`) and the events (:mod:`.announcements`).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, utc
from server.db import Database, insert_row
from server.domain.bookings.capacity import check_daily_cap
from server.domain.centers import center_or_404
from server.domain.errors import not_found
from server.domain.events import EventCollector, Publisher, write_then_publish
from server.domain.numbering import next_value, range_siblings, ticket_display
from server.domain.queue import estimates, moves, snapshot, views
from server.domain.queue.announcements import called_event, counter_event, counts_event, ticket_event
from server.domain.queue.rules import (
    CALL_CHOSEN_REASONS,
    PAUSE_REASONS,
    PAUSE_TEXT_MAX,
    check_allowed,
    check_issuable,
    check_may_call,
    check_reason,
    check_text,
    counter_closed,
    counter_paused,
    invalid_transfer_source,
    invalid_transfer_target,
    no_current_ticket,
    not_in_waiting_list,
    not_parked_here,
    not_paused,
    pause_with_ticket,
)
from server.domain.queue.waiting import advance_call_state, claim_first, current_ticket
from server.models import Center, Counter, Service, Ticket, TicketState


@functools.cache
def _counter_statement(row_lock: bool) -> Select:
    """The counter of an action, row-locked on PostgreSQL for a call; built once (see waiting.Shape)."""
    stmt = select(Counter).where(Counter.id == bindparam("counter_id"))
    return stmt.with_for_update() if row_lock else stmt


@functools.cache
def _counter_and_center_statement(row_lock: bool) -> Select:
    """The counter of an action and its center in one read (the counter row-locked on PostgreSQL for a call)."""
    stmt = select(Counter, Center).join(Center, Center.id == Counter.center_id).where(Counter.id == bindparam("counter_id"))
    return stmt.with_for_update(of=Counter) if row_lock else stmt


@functools.cache
def _issue_rows_statement() -> Select:
    """The center of an issue and, when it is one of the center's, the service, in one read."""
    service_of_center = and_(Service.id == bindparam("service_id"), Service.center_id == Center.id)
    return select(Center, Service).outerjoin(Service, service_of_center).where(Center.id == bindparam("center_id"))


@dataclass
class CallResult:
    """What a counter action produced: the ticket's public view, plus the previous
    ticket when call-next finished one automatically."""

    ticket: dict[str, Any] | None
    finished: dict[str, Any] | None = None


class QueueService:
    """All queue operations of all centers over one database."""

    # The estimators, as the realtime layer hands them to ``citizen_push.queue_positions``.
    mean_service_minutes = staticmethod(estimates.mean_service_minutes)
    open_counters_for = staticmethod(estimates.open_counters_for)

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    # ------------------------------------------------------------------ helpers
    def _run(self, work):
        """Run ``work(session, events)`` in a write transaction; publish after commit."""
        return write_then_publish(self.db, self.publish, work)

    @staticmethod
    def _counter(session: Session, counter_id: int, *, lock: bool = False) -> Counter:
        stmt = _counter_statement(lock and session.get_bind().dialect.name == "postgresql")
        counter = session.execute(stmt, {"counter_id": counter_id}).scalar_one_or_none()
        if counter is None or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        return counter

    @staticmethod
    def _counter_and_center(session: Session, counter_id: int, *, lock: bool = False) -> tuple[Counter, Center]:
        """:meth:`_counter` and its center, read together."""
        stmt = _counter_and_center_statement(lock and session.get_bind().dialect.name == "postgresql")
        row = session.execute(stmt, {"counter_id": counter_id}).one_or_none()
        if row is None or not row[0].active:
            raise not_found("quầy", "Counter", "unknown_counter")
        return row[0], row[1]

    @staticmethod
    def _ticket(session: Session, ticket_id: int, center_id: int) -> Ticket:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.center_id != center_id:  # another center's ticket is none of this counter's
            raise not_found("số thứ tự", "Ticket", "unknown_ticket")
        return ticket

    @staticmethod
    def _require_current(session: Session, counter: Counter, action: str) -> Ticket:
        ticket = current_ticket(session, counter)
        if ticket is None:
            raise no_current_ticket(counter, action)
        return ticket

    @staticmethod
    def ticket_view(session: Session, ticket: Ticket, *, with_wait: bool = True, now: datetime | None = None) -> dict[str, Any]:
        """The public view of a ticket (:func:`~server.domain.queue.views.ticket_view`) with its place
        at ``now``: no personal data, ever."""
        return views.ticket_view(session, ticket, with_wait=with_wait, now=now)

    # ------------------------------------------------------------- operations
    def issue_ticket(
        self,
        center_id: int,
        service_id: int,
        *,
        priority: str | None = None,
        source: str = "kiosk",
        actor: str = "kiosk",
        device_id: int | None = None,
        dossier_code: str | None = None,
    ) -> dict[str, Any]:
        """Issue the next number of a service today; returns the ticket's view with wait estimate
        (counted after the commit: see :meth:`add_wait`)."""
        options = {"priority": priority, "source": source, "actor": actor, "device_id": device_id, "dossier_code": dossier_code,
                   "with_wait": False}

        def work(session: Session, events: EventCollector) -> tuple[dict[str, Any], Ticket, Center]:
            view = self.issue_in(session, events, center_id, service_id, **options)
            # Both are in the session already (no query): the wait is counted from them after commit.
            return view, session.get(Ticket, view["id"]), session.get(Center, center_id)

        return self.add_wait(*self._run(work))

    def add_wait(self, view: dict[str, Any], ticket: Ticket, center: Center) -> dict[str, Any]:
        """``view``, the view of ``ticket`` just issued at ``center`` (built ``with_wait=False``; both
        rows as the committed transaction left them), with its people ahead, estimated wait and open
        counters as of its issue (:func:`~server.domain.queue.views.wait_view`), counted in a short read
        transaction of its own: SQLite's one write lock is not held while the line is counted."""
        with self.db.read() as session:
            view.update(views.wait_view(session, ticket, now=utc(ticket.issued_at), center=center))
        return view

    def issue_in(
        self,
        session: Session,
        events: EventCollector,
        center_id: int,
        service_id: int,
        *,
        priority: str | None = None,
        source: str = "kiosk",
        actor: str = "kiosk",
        device_id: int | None = None,
        dossier_code: str | None = None,
        booking_id: int | None = None,
        sort_at: datetime | None = None,
        ahead_from: datetime | None = None,
        citizen_key: str | None = None,
        with_wait: bool = True,
    ) -> dict[str, Any]:
        """:meth:`issue_ticket` inside a write transaction the caller holds; its events go to
        ``events`` for the caller to publish after commit. The dossier area uses it so a kiosk
        scan checks, issues and links a pickup ticket as one transaction; a booking's check-in
        gives ``booking_id``, its slot's start as ``sort_at`` and ``ahead_from`` (see
        :mod:`.waiting`), and the ID card's ``citizen_key`` when one was scanned. Without
        ``with_wait`` the view has no wait estimate: the caller adds it after commit (:meth:`add_wait`)."""
        row = session.execute(_issue_rows_statement(), {"center_id": center_id, "service_id": service_id}).one_or_none()
        if row is None:
            raise not_found("trung tâm", "Center", "unknown_center")
        center, service = row
        if service is None:
            raise not_found("dịch vụ", "Service", "unknown_service")
        check_issuable(center, service, priority)
        now = self.clock.now()
        day = local_date(now, center.timezone)
        if booking_id is None:  # a booking's check-in was counted against the cap when it was booked
            check_daily_cap(session, center, service, day)
        siblings = range_siblings(session, service)  # read before the sequence's row lock (PostgreSQL), not under it
        seq = next_value(session, center.id, f"service:{service.id}", day)
        number, display = ticket_display(service, seq, siblings)
        ticket = insert_row(
            session,
            Ticket,
            center_id=center.id,
            service_id=service.id,
            origin_service_id=service.id,
            day=day,
            seq=seq,
            number=number,
            display=display,
            priority=priority,
            state=TicketState.WAITING,
            token=secrets.token_urlsafe(18),
            issued_at=now,
            sort_at=sort_at or now,
            source=source,
            device_id=device_id,
            dossier_code=dossier_code,
            booking_id=booking_id,
            ahead_from=ahead_from,
            citizen_key=citizen_key,
        )
        log = moves.log_event(session, ticket, "issue", None, actor, now)
        view = views.ticket_view(session, ticket, with_wait=with_wait, now=now)
        events.add(ticket_event(session, "ticket_issued", ticket, log))
        events.add(counts_event(session, center.id, self.clock))
        return view

    def call_next(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Claim the best waiting ticket for this counter and call it.

        Priority tickets go first, but after ``max_priority_streak`` priority calls
        in a row one regular ticket is called (fairness). Returns ``ticket=None``
        when nobody is waiting."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter, center = self._counter_and_center(session, counter_id, lock=True)
            check_may_call(counter)
            now = self.clock.now()
            finished_view = moves.make_room(session, events, center, counter, actor, now)
            ticket = claim_first(session, center, counter, now)
            if ticket is None:
                return CallResult(None, finished_view)
            rule = advance_call_state(session, center, counter, ticket, now)  # the ratio cycle; which rule chose it
            view = moves.call_to(session, events, self.clock, ticket, counter, "call", actor, now, rule=rule)
            return CallResult(view, finished_view)

        return self._run(work)

    def call_chosen(self, counter_id: int, ticket_id: int, reason: str, *, note: str = "", actor: str = "clerk") -> CallResult:
        """Call a ticket the clerk picked from this counter's waiting list, out of the waiting order
        (an elderly citizen at the counter, a case the clerk knows is quick).

        ``reason`` is one of :data:`~.rules.CALL_CHOSEN_REASONS` (``other`` needs ``note``); both go to
        the ticket's log (``call_chosen``). Only a ticket waiting for this counter right now
        (:func:`~.waiting.eligible_for`, today) may be chosen: anything else is 409
        ``not_in_waiting_list``. Otherwise as call-next: the previous ticket is finished when the
        center does that automatically, the call is announced, the fairness count moves."""
        note = check_reason(reason, note, CALL_CHOSEN_REASONS)

        def work(session: Session, events: EventCollector) -> CallResult:
            counter, center = self._counter_and_center(session, counter_id, lock=True)
            check_may_call(counter)
            ticket = self._ticket(session, ticket_id, center.id)
            now = self.clock.now()
            if moves.claim_chosen(session, center, counter, ticket.id, now) is None:
                raise not_in_waiting_list(counter, ticket)
            check_allowed(ticket, "call_chosen")
            finished_view = moves.make_room(session, events, center, counter, actor, now)
            view = moves.call_to(
                session, events, self.clock, ticket, counter, "call_chosen", actor, now, reason=reason, note=note
            )
            return CallResult(view, finished_view)

        return self._run(work)

    def park(self, counter_id: int, *, reason: str = "", actor: str = "clerk") -> CallResult:
        """Park the counter's called or serving ticket (đang chờ bổ sung: the citizen went to fetch a
        missing paper or make a copy). The counter is free to call the next one; the ticket waits in
        the parked list until a clerk recalls it (:meth:`recall_parked`) or cancels it. ``reason``
        (what is missing, optional, up to 200 characters) goes to the log."""
        reason = check_text(reason, required=False)

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "park")
            return CallResult(moves.park(session, events, ticket, reason, actor, self.clock.now()))

        return self._run(work)

    def recall_parked(self, counter_id: int, ticket_id: int, *, actor: str = "clerk") -> CallResult:
        """The citizen is back with the paper: call the parked ticket to this counter (announced like
        a call, logged ``recall_parked``). Only a ticket of this counter's parked list (parked here,
        or of its services, today) — else 409 ``not_in_parked_list``. Like call-next, the counter
        must be open and not paused, and its current ticket is finished first or refused."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter, center = self._counter_and_center(session, counter_id, lock=True)
            check_may_call(counter)
            ticket = self._ticket(session, ticket_id, center.id)
            now = self.clock.now()
            check_allowed(ticket, "recall_parked")
            if moves.claim_parked(session, center, counter, ticket.id, now) is None:
                raise not_parked_here(counter, ticket)
            parked_for = int((now - utc(ticket.parked_at)).total_seconds()) if ticket.parked_at else None
            finished_view = moves.make_room(session, events, center, counter, actor, now)
            view = moves.call_to(session, events, self.clock, ticket, counter, "recall_parked", actor, now,
                                 parked_seconds=parked_for)
            return CallResult(view, finished_view)

        return self._run(work)

    def cancel_parked(self, counter_id: int, ticket_id: int, *, reason: str, actor: str = "clerk") -> CallResult:
        """Withdraw a ticket of this counter's parked list (the citizen will not come back today),
        with a reason (required) kept in the log."""
        reason = check_text(reason, required=True)

        def work(session: Session, events: EventCollector) -> CallResult:
            counter, center = self._counter_and_center(session, counter_id)
            ticket = self._ticket(session, ticket_id, center.id)
            if moves.claim_parked(session, center, counter, ticket.id, self.clock.now()) is None:
                raise not_parked_here(counter, ticket)
            return CallResult(self._cancel(session, events, ticket, actor, reason))

        return self._run(work)

    def recall(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Call the counter's current ticket again (and announce it again); the queue is untouched."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "recall")
            check_allowed(ticket, "recall")
            now = self.clock.now()
            ticket.recall_count += 1
            log = moves.log_event(session, ticket, "recall", ticket.state, actor, now, recall_count=ticket.recall_count)
            events.add(called_event(session, ticket, counter, log, "recall"))
            return CallResult(views.ticket_view(session, ticket))

        return self._run(work)

    def start(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """The citizen arrived at the counter: serving starts."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "start")
            check_allowed(ticket, "start")
            now = self.clock.now()
            ticket.state = TicketState.SERVING
            ticket.started_at = now
            log = moves.log_event(session, ticket, "start", TicketState.CALLED, actor, now)
            events.add(ticket_event(session, "ticket_started", ticket, log))
            return CallResult(views.ticket_view(session, ticket))

        return self._run(work)

    def finish(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Service done for the counter's current ticket."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "finish")
            return CallResult(moves.finish(session, events, ticket, actor, self.clock.now()))

        return self._run(work)

    def no_show(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """The called citizen did not come (usually after recalls)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "no_show")
            check_allowed(ticket, "no_show")
            now = self.clock.now()
            ticket.state = TicketState.NO_SHOW
            ticket.finished_at = now
            log = moves.log_event(session, ticket, "no_show", TicketState.CALLED, actor, now)
            events.add(ticket_event(session, "ticket_no_show", ticket, log))
            return CallResult(views.ticket_view(session, ticket))

        return self._run(work)

    def transfer(
        self,
        *,
        counter_id: int | None = None,
        ticket_id: int | None = None,
        to_service_id: int | None = None,
        to_counter_id: int | None = None,
        note: str = "",
        actor: str = "clerk",
    ) -> CallResult:
        """Send a ticket (the counter's current one, or a waiting one by id) to another
        service or counter. It waits again, keeping its place by original issue time
        unless the center says otherwise."""
        if (to_service_id is None) == (to_counter_id is None):
            raise invalid_transfer_target()  # refused before any transaction is opened

        def work(session: Session, events: EventCollector) -> CallResult:
            if ticket_id is not None:
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            elif counter_id is not None:
                ticket = self._require_current(session, self._counter(session, counter_id), "transfer")
            else:
                raise invalid_transfer_source()
            return CallResult(
                moves.transfer(session, events, self.clock, ticket, to_service_id, to_counter_id, note, actor, self.clock.now())
            )

        return self._run(work)

    def requeue(self, counter_id: int, *, actor: str = "clerk", reason: str = "clerk") -> CallResult:
        """Put the counter's called or serving ticket back at the head of its queue (the counter stays as it is)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "requeue")
            return CallResult(moves.requeue(session, events, self.clock, ticket, actor, self.clock.now(), reason))

        return self._run(work)

    def cancel(self, ticket_id: int, *, actor: str = "system", reason: str = "") -> CallResult:
        """Withdraw a waiting or called ticket (the citizen left, or a supervisor cleans up)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            check_allowed(ticket, "cancel")
            return CallResult(self._cancel(session, events, ticket, actor, reason))

        return self._run(work)

    def _cancel(self, session: Session, events: EventCollector, ticket: Ticket, actor: str, reason: str) -> dict[str, Any]:
        now = self.clock.now()
        from_state = ticket.state
        ticket.state = TicketState.CANCELLED
        ticket.finished_at = now
        log = moves.log_event(session, ticket, "cancel", from_state, actor, now, reason=reason[:500])
        events.add(ticket_event(session, "ticket_cancelled", ticket, log))
        events.add(counts_event(session, ticket.center_id, self.clock))
        return views.ticket_view(session, ticket)

    # ---------------------------------------------------------------- counters
    def set_counter_open(
        self,
        counter_id: int,
        is_open: bool,
        *,
        clerk_id: int | None = None,
        then: str | None = None,
        to_service_id: int | None = None,
        to_counter_id: int | None = None,
        note: str = "",
        actor: str = "clerk",
    ) -> dict[str, Any]:
        """Open a counter (a clerk sits down, or a supervisor opens it on purpose) or close it.

        Only open counters call numbers, count in wait estimates and let the kiosk issue for
        their services. Closing a counter whose ticket is called or being served needs a choice
        for that ticket (``then``: ``finish``, ``requeue`` to the head of its queue, or
        ``transfer`` to ``to_service_id``/``to_counter_id``); without one it is refused with
        409 ``counter_has_ticket``, so nobody is left called to an empty counter. The returned
        counter carries ``settled``: the view of that ticket after the choice, if there was one."""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            counter = self._counter(session, counter_id, lock=True)
            now = self.clock.now()
            settled = None
            if is_open:
                moves.open_counter(session, counter, now, actor, clerk_id=clerk_id)
            else:
                settled = moves.settle_current(
                    session, events, self.clock, counter, then, to_service_id, to_counter_id, note, actor, now
                )
                moves.close_counter(session, counter, now, actor)
            events.add(counter_event(counter))
            return dict(views.counter_brief(counter), settled=settled)

        return self._run(work)

    def pause_counter(self, counter_id: int, reason: str, *, note: str = "", actor: str = "clerk") -> dict[str, Any]:
        """Pause an open counter (nghỉ giải lao, họp, hỗ trợ nghiệp vụ, or another reason in
        ``note``, up to 40 characters): the clerk keeps the seat, but the counter calls nobody,
        counts in no wait estimate and no longer keeps its services open at the kiosk, until
        :meth:`resume_counter`. Refused while a ticket is called or served there (finish, transfer
        or park it first) and on a closed or already paused counter. Logged (``pause``) for reports."""
        note = check_reason(reason, note, PAUSE_REASONS, max_text=PAUSE_TEXT_MAX)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            counter = self._counter(session, counter_id, lock=True)
            if not counter.is_open:
                raise counter_closed(counter)
            if counter.paused_at is not None:
                raise counter_paused(counter)
            current = current_ticket(session, counter)
            if current is not None:
                raise pause_with_ticket(counter, current)
            now = self.clock.now()
            counter.paused_at = now
            counter.pause_reason = (note if reason == "other" else PAUSE_REASONS[reason][0])[:PAUSE_TEXT_MAX]
            logged = f"other: {note}" if reason == "other" else reason
            moves.log_counter(session, counter, "pause", now, actor, user_id=counter.clerk_id, reason=logged)
            events.add(counter_event(counter))
            return views.counter_brief(counter)

        return self._run(work)

    def resume_counter(self, counter_id: int, *, actor: str = "clerk") -> dict[str, Any]:
        """End the counter's pause (logged ``resume``): it calls, counts and serves again."""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            counter = self._counter(session, counter_id, lock=True)
            if counter.paused_at is None:
                raise not_paused(counter)
            now = self.clock.now()
            counter.paused_at, counter.pause_reason = None, ""
            moves.log_counter(session, counter, "resume", now, actor, user_id=counter.clerk_id)
            events.add(counter_event(counter))
            events.add(counts_event(session, counter.center_id, self.clock))
            return views.counter_brief(counter)

        return self._run(work)

    def release_lapsed_holds(self, lifetime: timedelta, *, actor: str = "system") -> list[int]:
        """Close every counter whose clerk has not been seen for ``lifetime`` (their session is over).

        The rule of a session that ends without "Rời quầy": the counter closes, and its called or
        serving ticket goes back to the head of its queue (the citizen is not lost, and not a
        no-show). Counters a supervisor opened without a clerk are left as they are. Returns the
        ids of the counters closed."""

        def lapsed(counter: Counter, cutoff: datetime) -> bool:
            return counter.clerk_seen_at is None or utc(counter.clerk_seen_at) <= cutoff

        held = select(Counter).where(Counter.clerk_id.is_not(None), Counter.is_open.is_(True))
        with self.db.read() as session:  # most passes find nothing: no write lock for them
            if not any(lapsed(c, self.clock.now() - lifetime) for c in session.scalars(held)):
                return []

        def work(session: Session, events: EventCollector) -> list[int]:
            now = self.clock.now()
            cutoff = now - lifetime
            closed: list[int] = []
            for counter in session.scalars(held):
                if not lapsed(counter, cutoff):
                    continue
                moves.settle_current(session, events, self.clock, counter, "requeue", None, None, "", actor, now)
                moves.close_counter(session, counter, now, actor)
                events.add(counter_event(counter))
                closed.append(counter.id)
            return closed

        return self._run(work)

    # ---------------------------------------------------------------- queries
    def ticket_by_token(self, token: str) -> dict[str, Any]:
        """The public view of the ticket a phone page or a reprint asks for by its token."""
        with self.db.read() as session:
            ticket = session.execute(select(Ticket).where(Ticket.token == token)).scalar_one_or_none()
            if ticket is None:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            return views.ticket_view(session, ticket, now=self.clock.now())

    def center_snapshot(
        self, center_id: int, *, recent_calls: int = 10, since_event_id: int | None = None, missed_calls_max: int = 50
    ) -> dict[str, Any]:
        """Everything a board or console shows, as of now (:func:`~server.domain.queue.snapshot.center_snapshot`):
        clients receive it on (re)connect and then apply events newer than ``last_event_id``."""
        with self.db.read() as session:
            center = center_or_404(session, center_id)
            return snapshot.center_snapshot(
                session, center, self.clock.now(),
                recent_calls=recent_calls, since_event_id=since_event_id, missed_calls_max=missed_calls_max,
            )

    def counter_view(self, counter_id: int) -> dict[str, Any]:
        """A counter, its services and its current ticket (for the clerk console)."""
        with self.db.read() as session:
            return snapshot.counter_view(session, self._counter(session, counter_id))
