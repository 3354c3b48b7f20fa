"""The queue engine: issue, call-next, recall, start, finish, no-show, transfer, cancel.

Plain Python over SQLAlchemy: the API, Socket.IO handlers, CLI and benchmarks all
call this. Every state change is checked against the ticket's life, written with
an append-only :class:`TicketEvent`, and announced through domain events after
the transaction commits.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from server.clock import Clock, local_date, utc
from server.db import Database
from server.domain.centers import center_or_404
from server.domain.dossiers.pickup import is_pickup
from server.domain.errors import DomainError, invalid_transition, not_found
from server.domain.events import (
    DomainEvent,
    EventCollector,
    Publisher,
    center_room,
    counter_room,
    ticket_room,
)
from server.domain.numbering import next_value, ticket_display
from server.models import (
    PRIORITY_CATEGORIES,
    Center,
    Counter,
    CounterService,
    Service,
    Ticket,
    TicketEvent,
    TicketState,
)

RECENT_SERVICE_SAMPLE = 20

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


@dataclass
class CallResult:
    """What a counter action produced: the ticket's public view, plus the previous
    ticket when call-next finished one automatically."""

    ticket: dict[str, Any] | None
    finished: dict[str, Any] | None = None


class QueueService:
    """All queue operations of all centers over one database."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    # ------------------------------------------------------------------ helpers
    def _run(self, work):
        """Run ``work(session, events)`` in a write transaction; publish after commit."""
        events = EventCollector()

        def unit(session: Session):
            events.events.clear()  # a retried attempt starts from nothing
            return work(session, events)

        result = self.db.write_retrying(unit)
        events.flush(self.publish)
        return result

    @staticmethod
    def _center(session: Session, center_id: int) -> Center:
        return center_or_404(session, center_id)

    @staticmethod
    def _counter(session: Session, counter_id: int, *, lock: bool = False) -> Counter:
        stmt = select(Counter).where(Counter.id == counter_id)
        if lock and session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        counter = session.execute(stmt).scalar_one_or_none()
        if counter is None or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        return counter

    def _log(
        self,
        session: Session,
        ticket: Ticket,
        action: str,
        from_state: str | None,
        actor: str,
        now: datetime,
        **data: Any,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            center_id=ticket.center_id,
            at=now,
            action=action,
            from_state=from_state,
            to_state=ticket.state,
            actor=actor,
            counter_id=ticket.counter_id,
            service_id=ticket.service_id,
            data=data,
        )
        session.add(event)
        session.flush()
        return event

    @staticmethod
    def _check(ticket: Ticket, action: str) -> None:
        if ticket.state not in ALLOWED_FROM[action]:
            raise invalid_transition(ticket.display, ticket.state, action)

    def _current_ticket(self, session: Session, counter: Counter) -> Ticket | None:
        return current_ticket(session, counter)

    def _require_current(self, session: Session, counter: Counter, action: str) -> Ticket:
        ticket = self._current_ticket(session, counter)
        if ticket is None:
            raise DomainError(
                "no_current_ticket",
                f"Quầy {counter.number} chưa gọi số nào.",
                f"Counter {counter.number} is not serving any ticket.",
                status=409,
                action=action,
            )
        return ticket

    # ---------------------------------------------------------------- views
    def ticket_view(self, session: Session, ticket: Ticket, *, with_wait: bool = True) -> dict[str, Any]:
        """The public view of a ticket: no personal data, ever."""
        service = session.get(Service, ticket.service_id)
        counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
        view: dict[str, Any] = {
            "id": ticket.id,
            "token": ticket.token,
            "number": ticket.display,
            "seq": ticket.seq,
            "center_id": ticket.center_id,
            "service": _service_brief(service),
            "state": ticket.state,
            "priority": ticket.priority,
            "issued_at": _iso(ticket.issued_at),
            "called_at": _iso(ticket.called_at),
            "started_at": _iso(ticket.started_at),
            "finished_at": _iso(ticket.finished_at),
            "counter": {"id": counter.id, "number": counter.number, "name": counter.name} if counter else None,
            "recall_count": ticket.recall_count,
            "dossier_code": ticket.dossier_code,
        }
        if with_wait and ticket.state == TicketState.WAITING:
            ahead, minutes, open_counters = self._estimate(session, ticket)
            view.update(people_ahead=ahead, estimated_wait_minutes=minutes, open_counters=open_counters)
        return view

    def _estimate(self, session: Session, ticket: Ticket) -> tuple[int, int, int]:
        """People ahead × recent mean service time ÷ open counters serving the service.

        People ahead are the tickets before this one in :func:`service_queue` (the order
        call-next takes them in), the same count the phone page is pushed."""
        center = session.get(Center, ticket.center_id)
        ids = list(session.scalars(service_queue(center, ticket.service_id, ticket.day).with_only_columns(Ticket.id)))
        ahead = ids.index(ticket.id) if ticket.id in ids else len(ids)
        minutes_each = self.mean_service_minutes(session, ticket.service_id, center.default_service_minutes)
        open_counters = self.open_counters_for(session, ticket.service_id)
        return ahead, math.ceil(wait_minutes(ahead, minutes_each, open_counters)), open_counters

    @staticmethod
    def mean_service_minutes(session: Session, service_id: int, default: float) -> float:
        """Mean call-to-finish minutes of the service's most recent done tickets."""
        rows = session.execute(
            select(Ticket.called_at, Ticket.finished_at)
            .where(Ticket.service_id == service_id, Ticket.state == TicketState.DONE, Ticket.called_at.is_not(None))
            .order_by(Ticket.finished_at.desc())
            .limit(RECENT_SERVICE_SAMPLE)
        ).all()
        if not rows:
            return default
        total = sum((utc(f) - utc(c)).total_seconds() for c, f in rows)
        return max(0.5, total / len(rows) / 60)

    @staticmethod
    def open_counters_for(session: Session, service_id: int) -> int:
        """Counters open now (a clerk sits there, or a supervisor opened it) that serve the service."""
        return (
            session.scalar(
                select(func.count())
                .select_from(CounterService)
                .join(Counter, Counter.id == CounterService.counter_id)
                .where(CounterService.service_id == service_id, Counter.is_open.is_(True), Counter.active.is_(True))
            )
            or 0
        )

    def _waiting_counts(self, session: Session, center_id: int, day) -> list[dict[str, Any]]:
        rows = dict(
            session.execute(
                select(Ticket.service_id, func.count())
                .where(Ticket.center_id == center_id, Ticket.state == TicketState.WAITING, Ticket.day == day)
                .group_by(Ticket.service_id)
            ).all()
        )
        services = session.scalars(select(Service).where(Service.center_id == center_id).order_by(Service.sort_order))
        return [{"service_id": s.id, "code": s.code, "waiting": rows.get(s.id, 0)} for s in services]

    def _counts_event(self, session: Session, center_id: int) -> DomainEvent:
        center = self._center(session, center_id)
        today = local_date(self.clock.now(), center.timezone)
        return DomainEvent(
            "queue_counts",
            center_id,
            {"center_id": center_id, "services": self._waiting_counts(session, center_id, today)},
            (center_room(center_id),),
        )

    def _ticket_event(self, session: Session, name: str, ticket: Ticket, log: TicketEvent, **extra: Any) -> DomainEvent:
        payload = {"event_id": log.id, "at": _iso(log.at), "ticket": self.ticket_view(session, ticket, with_wait=False)}
        payload.update(extra)
        rooms = [center_room(ticket.center_id), ticket_room(ticket.token)]
        if ticket.counter_id:
            rooms.append(counter_room(ticket.counter_id))
        return DomainEvent(name, ticket.center_id, payload, tuple(rooms))

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
        """Issue the next number of a service today; returns the ticket's view with wait estimate."""
        return self._run(
            lambda session, events: self.issue_in(
                session,
                events,
                center_id,
                service_id,
                priority=priority,
                source=source,
                actor=actor,
                device_id=device_id,
                dossier_code=dossier_code,
            )
        )

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
    ) -> dict[str, Any]:
        """:meth:`issue_ticket` inside a write transaction the caller holds; its events go to
        ``events`` for the caller to publish after commit. The dossier area uses it so a kiosk
        scan checks, issues and links a pickup ticket as one transaction."""
        center = self._center(session, center_id)
        service = session.get(Service, service_id)
        if service is None or service.center_id != center.id:
            raise not_found("dịch vụ", "Service", "unknown_service")
        if not service.active:
            raise DomainError(
                "service_inactive",
                f"Dịch vụ «{service.name}» hiện không nhận số.",
                f"Service “{service.name_en or service.name}” is not taking tickets now.",
                status=409,
            )
        if priority is not None:
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
        now = self.clock.now()
        day = local_date(now, center.timezone)
        seq = next_value(session, center.id, f"service:{service.id}", day)
        number, display = ticket_display(service, seq)
        ticket = Ticket(
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
            sort_at=now,
            source=source,
            device_id=device_id,
            dossier_code=dossier_code,
        )
        session.add(ticket)
        session.flush()
        log = self._log(session, ticket, "issue", None, actor, now)
        view = self.ticket_view(session, ticket)
        events.add(self._ticket_event(session, "ticket_issued", ticket, log))
        events.add(self._counts_event(session, center.id))
        return view

    def call_next(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Claim the best waiting ticket for this counter and call it.

        Priority tickets go first, but after ``max_priority_streak`` priority calls
        in a row one regular ticket is called (fairness). Returns ``ticket=None``
        when nobody is waiting."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id, lock=True)
            center = self._center(session, counter.center_id)
            if not counter.is_open:
                # A ticket called at a closed counter would be stranded: nobody is there to serve it.
                raise counter_closed(counter)
            now = self.clock.now()
            finished_view = None
            current = self._current_ticket(session, counter)
            if current is not None:
                if not center.auto_finish_on_next:
                    raise DomainError(
                        "counter_busy",
                        f"Quầy {counter.number} đang phục vụ số {current.display}. Hãy kết thúc trước khi gọi số tiếp theo.",
                        f"Counter {counter.number} is still serving {current.display}. Finish it before calling the next number.",
                        status=409,
                        current=current.display,
                    )
                finished_view = self._finish(session, events, current, actor, now)
            ticket = self._claim(session, center, counter, now)
            if ticket is None:
                return CallResult(None, finished_view)
            from_state = ticket.state
            ticket.state = TicketState.CALLED
            ticket.counter_id = counter.id
            ticket.called_at = now
            ticket.target_counter_id = None
            ticket.at_head = False
            counter.priority_streak = counter.priority_streak + 1 if ticket.priority else 0
            log = self._log(session, ticket, "call", from_state, actor, now)
            events.add(self._called_event(session, ticket, counter, log, "call"))
            events.add(self._counts_event(session, center.id))
            return CallResult(self.ticket_view(session, ticket), finished_view)

        return self._run(work)

    def _claim(self, session: Session, center: Center, counter: Counter, now: datetime) -> Ticket | None:
        """The first ticket of :func:`waiting_for`, row-locked for this transaction.

        The order comes from :func:`waiting_query`, the one definition the console's list shares.
        SQLite: the write transaction was taken up front (BEGIN IMMEDIATE), so nobody else claims
        meanwhile. PostgreSQL: a ticket another counter is claiming right now is skipped, not
        waited on (FOR UPDATE SKIP LOCKED)."""
        stmt = waiting_query(
            center, counter, local_date(now, center.timezone), regular_first=regular_turn(center, counter.priority_streak)
        ).limit(1)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
        return session.execute(stmt).scalar_one_or_none()

    def _called_event(self, session: Session, ticket: Ticket, counter: Counter, log: TicketEvent, kind: str) -> DomainEvent:
        service = session.get(Service, ticket.service_id)
        announcement = call_announcement(service, ticket, kind)
        return self._ticket_event(
            session,
            "ticket_called",
            ticket,
            log,
            kind=kind,
            announcement=announcement,
            number=ticket.display,
            counter={"id": counter.id, "number": counter.number, "name": counter.name},
            service=_service_brief(service),
        )

    def recall(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Call the counter's current ticket again (and announce it again); the queue is untouched."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "recall")
            self._check(ticket, "recall")
            now = self.clock.now()
            ticket.recall_count += 1
            log = self._log(session, ticket, "recall", ticket.state, actor, now, recall_count=ticket.recall_count)
            events.add(self._called_event(session, ticket, counter, log, "recall"))
            return CallResult(self.ticket_view(session, ticket))

        return self._run(work)

    def start(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """The citizen arrived at the counter: serving starts."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "start")
            self._check(ticket, "start")
            now = self.clock.now()
            ticket.state = TicketState.SERVING
            ticket.started_at = now
            log = self._log(session, ticket, "start", TicketState.CALLED, actor, now)
            events.add(self._ticket_event(session, "ticket_started", ticket, log))
            return CallResult(self.ticket_view(session, ticket))

        return self._run(work)

    def _finish(self, session: Session, events: EventCollector, ticket: Ticket, actor: str, now: datetime) -> dict[str, Any]:
        self._check(ticket, "finish")
        from_state = ticket.state
        if ticket.started_at is None:  # finished straight from "called": it was served all the same
            ticket.started_at = now
        ticket.state = TicketState.DONE
        ticket.finished_at = now
        log = self._log(session, ticket, "finish", from_state, actor, now)
        events.add(self._ticket_event(session, "ticket_finished", ticket, log))
        return self.ticket_view(session, ticket)

    def finish(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """Service done for the counter's current ticket."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "finish")
            return CallResult(self._finish(session, events, ticket, actor, self.clock.now()))

        return self._run(work)

    def no_show(self, counter_id: int, *, actor: str = "clerk") -> CallResult:
        """The called citizen did not come (usually after recalls)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "no_show")
            self._check(ticket, "no_show")
            now = self.clock.now()
            ticket.state = TicketState.NO_SHOW
            ticket.finished_at = now
            log = self._log(session, ticket, "no_show", TicketState.CALLED, actor, now)
            events.add(self._ticket_event(session, "ticket_no_show", ticket, log))
            return CallResult(self.ticket_view(session, ticket))

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
            raise invalid_transfer_target()

        def work(session: Session, events: EventCollector) -> CallResult:
            if ticket_id is not None:
                ticket = session.get(Ticket, ticket_id)
                if ticket is None:
                    raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            elif counter_id is not None:
                ticket = self._require_current(session, self._counter(session, counter_id), "transfer")
            else:
                raise DomainError("invalid_transfer_source", "Thiếu số cần chuyển.", "No ticket to transfer.", status=400)
            return CallResult(
                self._transfer(session, events, ticket, to_service_id, to_counter_id, note, actor, self.clock.now())
            )

        return self._run(work)

    def _transfer(
        self,
        session: Session,
        events: EventCollector,
        ticket: Ticket,
        to_service_id: int | None,
        to_counter_id: int | None,
        note: str,
        actor: str,
        now: datetime,
    ) -> dict[str, Any]:
        if (to_service_id is None) == (to_counter_id is None):
            raise invalid_transfer_target()
        self._check(ticket, "transfer")
        center = self._center(session, ticket.center_id)
        target: dict[str, Any] = {}
        if to_service_id is not None:
            service = session.get(Service, to_service_id)
            if service is None or service.center_id != center.id or not service.active:
                raise not_found("dịch vụ", "Service", "unknown_service")
            ticket.service_id = service.id
            ticket.target_counter_id = None
            target = {"service_id": service.id}
        else:
            counter = session.get(Counter, to_counter_id)
            if counter is None or counter.center_id != center.id or not counter.active:
                raise not_found("quầy", "Counter", "unknown_counter")
            ticket.target_counter_id = counter.id
            target = {"counter_id": counter.id, "counter_number": counter.number}
        from_state = ticket.state
        from_counter = ticket.counter_id
        ticket.state = TicketState.WAITING
        ticket.counter_id = None
        ticket.called_at = None
        ticket.started_at = None
        ticket.at_head = False
        if not center.transfer_keeps_place:
            ticket.sort_at = now
        if note:
            ticket.note = note[:2000]
        log = self._log(
            session, ticket, "transfer", from_state, actor, now, note=note[:500], from_counter_id=from_counter, **target
        )
        events.add(self._ticket_event(session, "ticket_transferred", ticket, log, target=target))
        events.add(self._counts_event(session, center.id))
        return self.ticket_view(session, ticket)

    def _requeue(
        self, session: Session, events: EventCollector, ticket: Ticket, actor: str, now: datetime, reason: str
    ) -> dict[str, Any]:
        """Back to waiting at the head of its service's queue: the next counter serving it calls it first.

        Not a no-show (the citizen did nothing wrong) and not a new wait: its issue time, number and
        recall count stay; reports count its wait once, up to its first call."""
        self._check(ticket, "requeue")
        from_state, from_counter = ticket.state, ticket.counter_id
        ticket.state = TicketState.WAITING
        ticket.counter_id = None
        ticket.target_counter_id = None
        ticket.called_at = None
        ticket.started_at = None
        ticket.at_head = True
        log = self._log(session, ticket, "requeue", from_state, actor, now, reason=reason, from_counter_id=from_counter)
        # Sent as ``ticket_transferred`` (with ``requeued``): boards, consoles and the phone page already
        # take that event to mean "waiting again, no longer called to a counter".
        target = {"service_id": ticket.service_id, "requeued": True}
        events.add(self._ticket_event(session, "ticket_transferred", ticket, log, target=target, requeued=True, reason=reason))
        events.add(self._counts_event(session, ticket.center_id))
        return self.ticket_view(session, ticket)

    def requeue(self, counter_id: int, *, actor: str = "clerk", reason: str = "clerk") -> CallResult:
        """Put the counter's called or serving ticket back at the head of its queue (the counter stays as it is)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            counter = self._counter(session, counter_id)
            ticket = self._require_current(session, counter, "requeue")
            return CallResult(self._requeue(session, events, ticket, actor, self.clock.now(), reason))

        return self._run(work)

    def cancel(self, ticket_id: int, *, actor: str = "system", reason: str = "") -> CallResult:
        """Withdraw a waiting or called ticket (the citizen left, or a supervisor cleans up)."""

        def work(session: Session, events: EventCollector) -> CallResult:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            self._check(ticket, "cancel")
            now = self.clock.now()
            from_state = ticket.state
            ticket.state = TicketState.CANCELLED
            ticket.finished_at = now
            log = self._log(session, ticket, "cancel", from_state, actor, now, reason=reason[:500])
            events.add(self._ticket_event(session, "ticket_cancelled", ticket, log))
            events.add(self._counts_event(session, ticket.center_id))
            return CallResult(self.ticket_view(session, ticket))

        return self._run(work)

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
                counter.is_open = True
                if clerk_id is not None:
                    counter.clerk_id, counter.clerk_seen_at = clerk_id, now
            else:
                settled = self._settle_current(session, events, counter, then, to_service_id, to_counter_id, note, actor, now)
                self._close(counter)
            events.add(self._counter_event(counter))
            return dict(_counter_brief(counter), settled=settled)

        return self._run(work)

    @staticmethod
    def _close(counter: Counter) -> None:
        counter.is_open = False
        counter.clerk_id = None
        counter.clerk_seen_at = None

    @staticmethod
    def _counter_event(counter: Counter) -> DomainEvent:
        return DomainEvent(
            "counter_changed",
            counter.center_id,
            {"counter": _counter_brief(counter)},
            (center_room(counter.center_id), counter_room(counter.id)),
        )

    def _settle_current(
        self,
        session: Session,
        events: EventCollector,
        counter: Counter,
        then: str | None,
        to_service_id: int | None,
        to_counter_id: int | None,
        note: str,
        actor: str,
        now: datetime,
    ) -> dict[str, Any] | None:
        """Before a counter closes: do the chosen thing with its called/serving ticket, or refuse."""
        current = self._current_ticket(session, counter)
        if current is None:
            return None
        if then is None:
            raise counter_has_ticket(counter, current)
        if then not in LEAVE_CHOICES:
            raise DomainError(
                "invalid_leave_choice",
                "Lựa chọn không hợp lệ: hãy chọn Kết thúc, Đưa về đầu hàng chờ hoặc Chuyển.",
                "Unknown choice: pick finish, requeue (back to the head of the queue) or transfer.",
                status=400,
                choices=list(LEAVE_CHOICES),
            )
        if then == "finish":
            return self._finish(session, events, current, actor, now)
        if then == "requeue":
            return self._requeue(session, events, current, actor, now, "counter_closed")
        return self._transfer(session, events, current, to_service_id, to_counter_id, note, actor, now)

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
                self._settle_current(session, events, counter, "requeue", None, None, "", actor, now)
                self._close(counter)
                events.add(self._counter_event(counter))
                closed.append(counter.id)
            return closed

        return self._run(work)

    # ---------------------------------------------------------------- queries
    def ticket_by_token(self, token: str) -> dict[str, Any]:
        with self.db.read() as session:
            ticket = session.execute(select(Ticket).where(Ticket.token == token)).scalar_one_or_none()
            if ticket is None:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            return self.ticket_view(session, ticket)

    def center_snapshot(
        self, center_id: int, *, recent_calls: int = 10, since_event_id: int | None = None, missed_calls_max: int = 50
    ) -> dict[str, Any]:
        """Everything a board or console shows, as of one moment; clients receive it on
        (re)connect and then apply events newer than ``last_event_id``.

        ``recent_calls`` is how many of today's latest calls it lists. A client coming back
        with ``since_event_id`` (the last event it has) gets every call after it, up to
        ``missed_calls_max``, even when that is more than ``recent_calls``: a board offline
        through 15 calls must not silently lose the oldest 5. ``now`` is the server's time,
        so a board can tell a stale missed call from a fresh one without trusting its own clock."""
        with self.db.read() as session:
            center = self._center(session, center_id)
            now = self.clock.now()
            today = local_date(now, center.timezone)
            services = session.scalars(select(Service).where(Service.center_id == center.id).order_by(Service.sort_order)).all()
            counts = {c["service_id"]: c["waiting"] for c in self._waiting_counts(session, center.id, today)}
            counters = session.scalars(
                select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True)).order_by(Counter.number)
            ).all()
            counter_views = []
            for counter in counters:
                current = self._current_ticket(session, counter)
                brief = _counter_brief(counter)
                brief["current"] = (
                    {"number": current.display, "state": current.state, "id": current.id, "dossier_code": current.dossier_code}
                    if current
                    else None
                )
                counter_views.append(brief)
            latest_calls = (
                select(TicketEvent, Ticket)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(TicketEvent.center_id == center.id, TicketEvent.action.in_(("call", "recall")), Ticket.day == today)
                .order_by(TicketEvent.id.desc())
            )
            calls = session.execute(latest_calls.limit(recent_calls)).all()
            if since_event_id is not None and len(calls) == recent_calls and calls[-1][0].id > since_event_id:
                # The window is full of calls the client has not seen: it missed more. Send them all (capped).
                calls = session.execute(
                    latest_calls.where(TicketEvent.id > since_event_id).limit(max(recent_calls, missed_calls_max))
                ).all()
            last_event_id = session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.center_id == center.id)) or 0
            by_id = {svc.id: svc for svc in services}
            return {
                "center": {"id": center.id, "code": center.code, "name": center.name, "name_en": center.name_en},
                "day": today.isoformat(),
                "now": _iso(now),
                "last_event_id": last_event_id,
                "services": [dict(_service_brief(s), waiting=counts.get(s.id, 0), active=s.active) for s in services],
                "counters": counter_views,
                "recent_calls": [
                    {
                        "event_id": ev.id,
                        "at": _iso(ev.at),
                        "number": t.display,
                        "kind": ev.action,
                        "announcement": call_announcement(by_id.get(t.service_id), t, ev.action),
                        "counter_number": next((c.number for c in counters if c.id == ev.counter_id), None),
                        "service_id": t.service_id,
                        "dossier_code": t.dossier_code,  # set only on result-pickup tickets: boards show it under the number
                    }
                    for ev, t in calls
                ],
            }

    def counter_view(self, counter_id: int) -> dict[str, Any]:
        """A counter, its services and its current ticket (for the clerk console)."""
        with self.db.read() as session:
            counter = self._counter(session, counter_id)
            current = self._current_ticket(session, counter)
            view = _counter_brief(counter)
            view["current"] = self.ticket_view(session, current) if current else None
            return view


def call_announcement(service: Service | None, ticket: Ticket, action: str) -> str:
    """What a call of ``ticket`` announces: ``"pickup"`` for a result-pickup ticket (the collect
    service, issued for a dossier), else ``action`` ("call" / "recall"). Either way the ticket's
    own number is what is said and shown large; a pickup adds the dossier code on screen."""
    return "pickup" if is_pickup(service, ticket) else action


# ------------------------------------------------------------------ the waiting order
# One definition of who is waiting for whom and in which order. call-next claims the first of
# :func:`waiting_for`; the console's list, the wait estimate and the phone pages' positions read
# the same queries, so what a clerk sees first is what "Gọi số tiếp" calls.


def wait_minutes(ahead: int, minutes_each: float, open_counters: int) -> float:
    """People ahead × mean service minutes ÷ open counters (at least one)."""
    return ahead * minutes_each / max(1, open_counters)


def regular_turn(center: Center, streak: int) -> bool:
    """Fairness: after ``max_priority_streak`` priority calls in a row at a counter, a regular
    ticket goes first (when one waits)."""
    return bool(center.priority_enabled) and streak >= center.max_priority_streak


def eligible_for(counter: Counter) -> Any:
    """Which waiting tickets a counter may call: those sent to it by name, and those of its
    services not sent to another counter."""
    return or_(
        Ticket.target_counter_id == counter.id,
        and_(Ticket.target_counter_id.is_(None), Ticket.service_id.in_(counter.service_ids or [-1])),
    )


def waiting_order(center: Center, *, regular_first: bool = False) -> list[Any]:
    """ORDER BY of the waiting order: a ticket put back at the head (its counter closed while
    calling it) before anyone; then priority tickets (when the center has priority on) — or
    regular ones when it is their turn (``regular_first``, see :func:`regular_turn`); then by
    sort time, ties broken by id."""
    order: list[Any] = [Ticket.at_head.desc()]
    if center.priority_enabled:
        is_regular = case((Ticket.priority.is_(None), 1), else_=0)
        order.append(is_regular.desc() if regular_first else is_regular.asc())
    return order + [Ticket.sort_at.asc(), Ticket.id.asc()]


def _waiting_today(center: Center, day: date) -> list[Any]:
    return [Ticket.center_id == center.id, Ticket.state == TicketState.WAITING, Ticket.day == day]


def waiting_query(center: Center, counter: Counter, day: date, *, regular_first: bool = False) -> Select:
    """SELECT of the tickets waiting for ``counter`` on ``day``, in the waiting order."""
    return (
        select(Ticket)
        .where(*_waiting_today(center, day), eligible_for(counter))
        .order_by(*waiting_order(center, regular_first=regular_first))
    )


def service_queue(center: Center, service_id: int, day: date) -> Select:
    """SELECT of a service's waiting tickets on ``day`` in the waiting order (no counter's
    fairness turn): a ticket's index in it is its people ahead."""
    return select(Ticket).where(*_waiting_today(center, day), Ticket.service_id == service_id).order_by(*waiting_order(center))


def call_sequence(tickets: list[Ticket], center: Center, streak: int) -> list[Ticket]:
    """The order successive call-nexts take ``tickets`` in (given in :func:`waiting_order`
    without a fairness turn), replaying the fairness rule from the counter's current ``streak``
    exactly as :meth:`QueueService.call_next` moves it; its first item is what
    :func:`waiting_query` with :func:`regular_turn` selects."""
    out: list[Ticket] = []
    for group in ([t for t in tickets if t.at_head], [t for t in tickets if not t.at_head]):
        ranked = [t for t in group if center.priority_enabled and t.priority]
        regular = [t for t in group if not (center.priority_enabled and t.priority)]
        while ranked or regular:
            ticket = regular.pop(0) if regular and (not ranked or regular_turn(center, streak)) else ranked.pop(0)
            streak = streak + 1 if ticket.priority else 0
            out.append(ticket)
    return out


def waiting_for(session: Session, counter: Counter, now: datetime) -> list[Ticket]:
    """Today's tickets waiting for ``counter``, in the order its call-nexts will take them
    (nobody else calling or arriving meanwhile): the first is what call-next claims now."""
    center = session.get(Center, counter.center_id)
    rows = list(session.scalars(waiting_query(center, counter, local_date(now, center.timezone))))
    return call_sequence(rows, center, counter.priority_streak)


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    """The ticket called to, or being served at, a counter (the latest called, should there be two)."""
    return session.execute(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)))
        .order_by(Ticket.called_at.desc())
        .limit(1)
    ).scalar_one_or_none()


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


def invalid_transfer_target() -> DomainError:
    return DomainError(
        "invalid_transfer_target",
        "Hãy chọn đúng một nơi chuyển đến: một dịch vụ hoặc một quầy.",
        "Choose exactly one target: a service or a counter.",
        status=400,
    )


def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat().replace("+00:00", "Z") if value else None


def _service_brief(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "kind": service.kind,
        "prefix": service.ticket_prefix,
        "priority_allowed": service.priority_allowed,
    }


def _counter_brief(counter: Counter) -> dict[str, Any]:
    return {
        "id": counter.id,
        "number": counter.number,
        "name": counter.name,
        "is_open": counter.is_open,
        "service_ids": counter.service_ids,
        "center_id": counter.center_id,
    }


__all__ = [
    "QueueService",
    "CallResult",
    "ALLOWED_FROM",
    "LEAVE_CHOICES",
    "call_announcement",
    "current_ticket",
    "counter_closed",
    "counter_has_ticket",
    "waiting_for",
    "waiting_query",
    "service_queue",
    "call_sequence",
    "regular_turn",
    "wait_minutes",
]
