"""Satisfaction ratings: Rất hài lòng / Hài lòng / Không hài lòng, one per served ticket.

A rating is tied to the ticket and to the service, counter and clerk of the moment the
ticket finished, read from the ticket's append-only log (the ``finish`` event), so a
counter reassigned later does not move old ratings.

Two ways to rate:
- the ticket's phone page (by its unguessable token) once the ticket is done, within a day;
- a tablet at the counter, which shows the counter's last finished ticket for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, utc
from server.db import Database
from server.domain.alerts import supervisors_room
from server.domain.errors import DomainError, not_found
from server.domain.events import DomainEvent, Publisher, counter_room
from server.models import Center, Counter, Service, Ticket, TicketEvent, TicketState, User
from server.models.admin import Rating, RatingLevel

LEVELS: dict[str, tuple[str, str]] = {
    RatingLevel.VERY_SATISFIED: ("Rất hài lòng", "Very satisfied"),
    RatingLevel.SATISFIED: ("Hài lòng", "Satisfied"),
    RatingLevel.UNSATISFIED: ("Không hài lòng", "Unsatisfied"),
}
REASONS: dict[str, tuple[str, str]] = {
    "long_wait": ("Thời gian chờ lâu", "Long wait"),
    "attitude": ("Thái độ phục vụ chưa tốt", "Unfriendly service"),
    "unclear_guidance": ("Hướng dẫn chưa rõ ràng", "Unclear guidance"),
    "complex_procedure": ("Thủ tục phức tạp", "Complicated procedure"),
    "facilities": ("Cơ sở vật chất chưa tốt", "Poor facilities"),
    "other": ("Lý do khác", "Other"),
}
TABLET_WINDOW_MINUTES = 10  # a counter tablet rates only a ticket finished there this recently
PHONE_WINDOW_HOURS = 24  # the phone page rates a done ticket within a day


def tablet_key(secret: str, counter_id: int, salt: str = "") -> str:
    """The unguessable key in a counter tablet's URL (``/rate/<counter_id>?key=…``)."""
    digest = hmac.new(secret.encode(), f"rate-tablet:{counter_id}:{salt}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def check_tablet_key(secret: str, counter_id: int, key: str, salt: str = "") -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text (anyone can type anything in a URL).
    return bool(key) and hmac.compare_digest(tablet_key(secret, counter_id, salt).encode(), str(key).encode("utf-8", "replace"))


def choices() -> dict[str, Any]:
    """Levels and reasons, in display order, with their Vietnamese and English labels."""
    return {
        "levels": [{"code": c, "label_vi": vi, "label_en": en} for c, (vi, en) in LEVELS.items()],
        "reasons": [{"code": c, "label_vi": vi, "label_en": en} for c, (vi, en) in REASONS.items()],
    }


def clerk_from_actor(actor: str | None) -> tuple[int | None, str]:
    """``"user:5:quay1"`` → (5, "quay1"); a machine or the system → (None, name)."""
    if not actor:
        return None, ""
    parts = actor.split(":", 2)
    if len(parts) == 3 and parts[0] == "user" and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None, parts[-1]


def _validate(level: str, reason: str | None) -> None:
    if level not in LEVELS:
        raise DomainError(
            "invalid_rating", "Mức đánh giá không hợp lệ.", "Unknown rating level.", status=400, allowed=list(LEVELS)
        )
    if reason not in (None, "") and reason not in REASONS:
        raise DomainError("invalid_reason", "Lý do không hợp lệ.", "Unknown reason.", status=400, allowed=list(REASONS))


def rating_view(rating: Rating) -> dict[str, Any]:
    vi, en = LEVELS.get(rating.level, (rating.level, rating.level))
    return {
        "id": rating.id,
        "ticket_id": rating.ticket_id,
        "center_id": rating.center_id,
        "service_id": rating.service_id,
        "counter_id": rating.counter_id,
        "clerk_id": rating.clerk_id,
        "level": rating.level,
        "label_vi": vi,
        "label_en": en,
        "reason": rating.reason,
        "source": rating.source,
        "created_at": iso_utc(rating.created_at),
    }


class RatingService:
    """Record ratings and tell a counter tablet which ticket it may rate."""

    def __init__(self, db: Database, clock: Clock, publish: Publisher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.publish = publish

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _finish_event(session: Session, ticket_id: int) -> TicketEvent | None:
        return session.execute(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "finish")
            .order_by(TicketEvent.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    @staticmethod
    def _already(session: Session, ticket_id: int) -> bool:
        return session.scalar(select(Rating.id).where(Rating.ticket_id == ticket_id)) is not None

    def _save(self, ticket: Ticket, finish: TicketEvent, level: str, reason: str | None, source: str) -> dict[str, Any]:
        clerk_id, _name = clerk_from_actor(finish.actor)
        now = self.clock.now()

        def work(session: Session) -> dict[str, Any]:
            if self._already(session, ticket.id):
                raise _already_rated()
            clerk = clerk_id if clerk_id is not None and session.get(User, clerk_id) is not None else None
            rating = Rating(
                ticket_id=ticket.id,
                center_id=ticket.center_id,
                service_id=finish.service_id,
                counter_id=finish.counter_id,
                clerk_id=clerk,
                clerk_actor=(finish.actor or "")[:80],
                level=level,
                reason=reason or None,
                source=source,
                created_at=now,
                ticket_finished_at=finish.at,
            )
            session.add(rating)
            session.flush()
            return rating_view(rating)

        try:
            view = self.db.write_retrying(work)
        except IntegrityError as exc:  # two taps at once: the unique ticket_id keeps one
            raise _already_rated() from exc
        if self.publish is not None:
            rooms = [supervisors_room(ticket.center_id)]
            if finish.counter_id:
                rooms.append(counter_room(finish.counter_id))
            self.publish(DomainEvent("rating_received", ticket.center_id, {"rating": view}, tuple(rooms)))
        return view

    # --------------------------------------------------------------- operations
    def rate_by_token(self, token: str, level: str, reason: str | None = None) -> dict[str, Any]:
        """The phone page's rating: only for a done ticket, once, within a day of finishing."""
        _validate(level, reason)
        with self.db.read() as session:
            ticket = session.execute(select(Ticket).where(Ticket.token == token)).scalar_one_or_none()
            if ticket is None:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            if ticket.state != TicketState.DONE:
                raise DomainError(
                    "not_rateable",
                    "Chỉ đánh giá được sau khi đã được phục vụ xong.",
                    "A ticket can be rated once it has been served.",
                    status=409,
                    state=ticket.state,
                )
            if self._already(session, ticket.id):
                raise _already_rated()
            finish = self._finish_event(session, ticket.id)
            if finish is None:
                raise DomainError("not_rateable", "Số này chưa được phục vụ xong.", "This ticket was not served.", status=409)
            if self.clock.now() - utc(finish.at) > timedelta(hours=PHONE_WINDOW_HOURS):
                raise DomainError(
                    "rating_closed", "Đã quá thời hạn đánh giá cho số này.", "Rating this ticket is closed.", status=409
                )
        return self._save(ticket, finish, level, reason, "phone")

    def given(self, ticket_id: int) -> str | None:
        """The level a ticket was rated (the phone page shows it instead of the buttons), or None."""
        with self.db.read() as session:
            return session.scalar(select(Rating.level).where(Rating.ticket_id == ticket_id))

    def tablet_window(self, session: Session, counter: Counter) -> timedelta:
        center = session.get(Center, counter.center_id)
        minutes = ((center.settings or {}).get("ratings") or {}).get("tablet_minutes", TABLET_WINDOW_MINUTES)
        return timedelta(minutes=float(minutes))

    def tablet_state(self, counter_id: int) -> dict[str, Any]:
        """What a counter tablet shows: the counter's last finished ticket if it may still be rated."""
        with self.db.read() as session:
            counter = session.get(Counter, counter_id)
            if counter is None or not counter.active:
                raise not_found("quầy", "Counter", "unknown_counter")
            center = session.get(Center, counter.center_id)
            since = self.clock.now() - self.tablet_window(session, counter)
            finish = session.execute(
                select(TicketEvent)
                .where(TicketEvent.counter_id == counter.id, TicketEvent.action == "finish", TicketEvent.at >= _naive(since))
                .order_by(TicketEvent.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            pending = None
            if finish is not None and not self._already(session, finish.ticket_id):
                ticket = session.get(Ticket, finish.ticket_id)
                service = session.get(Service, finish.service_id) if finish.service_id else None
                pending = {
                    "ticket_id": ticket.id,
                    "number": ticket.display,
                    "service": {"id": service.id, "name": service.name, "name_en": service.name_en} if service else None,
                    "finished_at": iso_utc(finish.at),
                }
            return {
                "counter": {"id": counter.id, "number": counter.number, "name": counter.name},
                "center": {"id": center.id, "name": center.name, "name_en": center.name_en, "timezone": center.timezone},
                "pending": pending,
                **choices(),
            }

    def rate_at_counter(self, counter_id: int, ticket_id: int, level: str, reason: str | None = None) -> dict[str, Any]:
        """The counter tablet's rating: only for a ticket finished at this counter in the last minutes."""
        _validate(level, reason)
        with self.db.read() as session:
            counter = session.get(Counter, counter_id)
            if counter is None or not counter.active:
                raise not_found("quầy", "Counter", "unknown_counter")
            ticket = session.get(Ticket, ticket_id)
            finish = self._finish_event(session, ticket_id) if ticket is not None else None
            since = self.clock.now() - self.tablet_window(session, counter)
            if (
                ticket is None
                or ticket.state != TicketState.DONE
                or finish is None
                or finish.counter_id != counter.id
                or utc(finish.at) < since
            ):
                raise DomainError(
                    "not_rateable",
                    "Số này không thể đánh giá tại quầy này.",
                    "This ticket cannot be rated at this counter.",
                    status=409,
                )
            if self._already(session, ticket.id):
                raise _already_rated()
        return self._save(ticket, finish, level, reason, "tablet")


def _already_rated() -> DomainError:
    return DomainError(
        "already_rated", "Số này đã được đánh giá. Xin cảm ơn!", "This ticket has already been rated. Thank you!", status=409
    )


def _naive(moment: datetime) -> datetime:
    """A bound for comparing with stored times, in the form the queue engine writes them (aware UTC)."""
    return utc(moment)


__all__ = ["RatingService", "LEVELS", "REASONS", "choices", "tablet_key", "check_tablet_key", "clerk_from_actor"]
