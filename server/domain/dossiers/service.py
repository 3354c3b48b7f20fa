"""The dossier service: receive at a counter, follow the national states, apologise, answer the
kiosk's scans, and compose the paper. One per app, built in ``server/bootstrap.py``.

The law in force is Nghị định 118/2025/NĐ-CP with Thông tư 03/2025/TT-VPCP:

- the code is ``‹agency identifier›-‹yymmdd›-‹4-digit daily sequence›``, allocated
  atomically per center and local day (the same upsert as ticket numbers);
- the appointment is the received time plus the procedure's processing time counted in
  working hours (1 working day = 8 h) by :class:`~server.domain.working_time.WorkingCalendar`,
  built from the center's settings (opening hours, extra days off, make-up days);
- states follow the national list (:data:`~.states.STATE_LABELS`), every change is checked
  against :data:`~.states.TRANSITIONS` and written to the append-only ``dossier_events``;
- finishing is classified early / on time / late by comparing local dates; a dossier past
  its date gets an apology (Mẫu 04, :mod:`.apology`) with a new date.
"""
from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hardware import ReceiptPrint
from server.clock import Clock, iso_utc, local_date, utc
from server.db import Database
from server.domain.centers import center_or_404
from server.domain.citizen_id import citizen_from_link, citizen_key, citizen_link, clean_id_number, mask_id
from server.domain.dossiers import postal
from server.domain.dossiers.apology import apologise
from server.domain.dossiers.applicants import Applicant, clean_applicant, clean_documents
from server.domain.dossiers.citizens import audit_lookup, citizen_pickup_answer, latest_dossier, prefill_for
from server.domain.dossiers.codes import (
    PREREG_ALPHABET,
    PREREG_PREFIX,
    PREREG_RE,
    agency_id_for,
    format_dossier_code,
    normalise_code,
    parse_dossier_code,
)
from server.domain.dossiers.dates import calendar_for
from server.domain.dossiers.paper import apology_paper, receipt_paper
from server.domain.dossiers.pickup import MALFORMED_RECEIPT, MALFORMED_REGISTRATION, TicketIssuer, checkin_answer, pickup_answer
from server.domain.dossiers.postal import clean_return
from server.domain.dossiers.records import (
    dossier_by_code,
    log_event,
    procedure_for,
    ready_event,
    ready_items,
    record_return,
    refuse_taken_code,
)
from server.domain.dossiers.states import STATE_LABELS, TRANSITIONS, invalid_dossier_transition
from server.domain.dossiers.views import dossier_view, procedure_view, public_dossier_view
from server.domain.errors import DomainError, not_found
from server.domain.events import EventCollector, Publisher
from server.domain.numbering import next_value
from server.domain.working_time import classify_completion
from server.models import Counter, Ticket, TicketState
from server.models.dossiers import Channel, Dossier, DossierState, Procedure, ReturnChannel


@dataclass
class DossierArea:
    """The dossier services of one app, wired in ``server/bootstrap.py``: the service, the
    notices it sends. (Receipts go to the printer through the app's one print service.)"""

    dossiers: DossierService
    notices: Any


class DossierService:
    """All dossier operations of all centers over one database.

    ``queue`` issues pickup and pre-registration tickets; ``notices`` (a
    :class:`server.domain.notices.NoticeService`) records and sends e-mail/SMS;
    ``publish`` sends realtime events after commit (``results_ready``)."""

    def __init__(self, db: Database, clock: Clock, queue: Any, *, publish: Publisher | None = None, notices: Any = None,
                 citizen_secret: str = "") -> None:
        self.db = db
        self.clock = clock
        self.queue = queue
        self.publish = publish
        self.notices = notices
        # The instance's secret (Settings.secret_key, passed in by server/bootstrap.py): keys ID numbers, signs kiosk links.
        self.citizen_secret = citizen_secret

    # ------------------------------------------------------------------ citizen (ID card)
    def citizen_key(self, id_number: str) -> str:
        """The keyed hash a citizen's 12-digit number is matched by (:func:`server.domain.citizen_id.citizen_key`)."""
        if not self.citizen_secret:
            raise DomainError("citizen_id_unavailable", "Chưa cấu hình khoá bí mật để tra cứu theo thẻ căn cước.",
                              "No secret key is configured for ID-card look-ups.", status=503)
        return citizen_key(id_number, self.citizen_secret)

    def citizen_link(self, key: str) -> str:
        """A signed, 10-minute token naming the citizen for the kiosk's next ticket."""
        return citizen_link(key, self.citizen_secret, self.clock.now())

    def citizen_from_link(self, token: str | None) -> str | None:
        """The key a kiosk link names, or None (missing, forged, expired)."""
        return citizen_from_link(token, self.citizen_secret, now=self.clock.now())

    def pickup_by_citizen(self, center_id: int, key: str, *, masked_id: str = "", priority: str | None = None,
                          issue_rule: Any = None) -> dict[str, Any]:
        """An ID card scanned at the kiosk; the answer's shape is in :mod:`.citizens`.

        Like :meth:`pickup_by_code`, one write transaction from the look-up to the ticket: the same
        card scanned three times, or at two kiosks at once, gets one ticket."""
        return self._run_issuing(
            lambda s, _events, issue: citizen_pickup_answer(s, center_id, key, masked_id or "************", issue,
                                                            self.queue.ticket_view, self.clock, priority),
            issue_rule)

    def citizen_dossiers(self, center_id: int, id_number: str, *, actor: str = "system",
                         user_id: int | None = None) -> list[dict[str, Any]]:
        """A clerk's look-up of this center's dossiers of one citizen (by 12-digit number), newest first; audited."""
        number = clean_id_number(id_number)
        key = self.citizen_key(number)

        def work(session: Session, _events: EventCollector) -> list[dict[str, Any]]:
            center_or_404(session, center_id)
            rows = session.scalars(select(Dossier).where(Dossier.center_id == center_id, Dossier.citizen_key == key)
                                   .order_by(Dossier.id.desc()).limit(200)).all()
            now = self.clock.now()
            audit_lookup(session, center_id=center_id, masked_id=mask_id(number), actor=actor, found=len(rows), now=now,
                         user_id=user_id, purpose="clerk")
            return [dossier_view(session, d, now) for d in rows]

        return self._run(work)

    def citizen_for_ticket(self, session: Session, ticket: Ticket, *, actor: str = "system",
                           user_id: int | None = None) -> dict[str, Any] | None:
        """For the counter calling ``ticket`` (in the caller's write transaction): ``{masked_id, prefill}``
        from the center's latest dossier of the card's citizen, or None when the ticket has no card; audited."""
        if not ticket.citizen_key:
            return None
        d = latest_dossier(session, ticket.center_id, ticket.citizen_key)
        masked = mask_id(d.applicant_id_number) if d is not None and d.applicant_id_number else "************"
        audit_lookup(session, center_id=ticket.center_id, masked_id=masked, actor=actor, found=int(d is not None),
                     now=self.clock.now(), user_id=user_id, purpose="counter", ticket=f"ticket {ticket.display} #{ticket.id}")
        return {"masked_id": masked, "prefill": prefill_for(d)}

    def citizen_of_ticket(self, ticket_id: int | None, *, actor: str = "system",
                          user_id: int | None = None) -> dict[str, Any] | None:
        """:meth:`citizen_for_ticket` in a transaction of its own (None for no ticket or an unknown one)."""
        if ticket_id is None:
            return None
        with self.db.read() as s:  # most tickets carry no card: no write transaction for them
            if not s.scalar(select(Ticket.citizen_key).where(Ticket.id == ticket_id)):
                return None

        def work(session: Session, _events: EventCollector) -> dict[str, Any] | None:
            ticket = session.get(Ticket, ticket_id)
            return self.citizen_for_ticket(session, ticket, actor=actor, user_id=user_id) if ticket is not None else None

        return self._run(work)

    # ------------------------------------------------------------------ helpers
    def _run(self, work: Callable[[Session, EventCollector], Any]) -> Any:
        """``work(session, events)`` in a write transaction; events and notices go out after commit."""
        events = EventCollector()
        notice_ids: list[int] = []

        def unit(session: Session) -> Any:
            events.events.clear()
            notice_ids.clear()
            session.info["notice_ids"] = notice_ids
            return work(session, events)

        result = self.db.write_retrying(unit)
        events.flush(self.publish)
        if notice_ids and self.notices is not None:
            self.notices.dispatch_async(list(notice_ids))
        return result

    def _run_issuing(self, work: Callable[[Session, EventCollector, TicketIssuer], Any], issue_rule: Any = None) -> Any:
        """``work(session, events, issue)`` in one write transaction, where ``issue(center_id,
        service_id, **kw)`` is the queue engine's ``issue_ticket`` running inside that same
        transaction. The ticket's realtime events go out with the queue's publisher after the
        commit, so a board never shows a ticket that was rolled back with its dossier.
        ``issue_rule(session, events, center_id, service_id, **kw)``, when given, issues instead
        (the kiosk's rule: hours and open counters checked in this transaction)."""
        ticket_events = EventCollector()

        def unit(session: Session, events: EventCollector) -> Any:
            ticket_events.events.clear()  # a retried attempt starts from nothing
            return work(session, events, functools.partial(issue_rule or self.queue.issue_in, session, ticket_events))

        result = self._run(unit)
        ticket_events.flush(getattr(self.queue, "publish", None))
        return result

    # ------------------------------------------------------------------ catalogue
    def procedures(self, center_id: int, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        """The center's procedure catalogue, in its order."""
        with self.db.read() as s:
            center_or_404(s, center_id)
            stmt = select(Procedure).where(Procedure.center_id == center_id).order_by(Procedure.sort_order, Procedure.id)
            if not include_inactive:
                stmt = stmt.where(Procedure.active.is_(True))
            return [procedure_view(p) for p in s.scalars(stmt)]

    # ------------------------------------------------------------------ receive
    def receive(
        self,
        center_id: int,
        *,
        procedure_id: int | None = None,
        procedure_code: str | None = None,
        applicant: Applicant,
        documents: list[str] | None = None,
        channel: str = Channel.DIRECT,
        return_channel: str = ReturnChannel.COUNTER,
        delivery_address: str = "",
        note: str = "",
        counter_id: int | None = None,
        ticket_id: int | None = None,
        from_counter_ticket: bool = False,
        actor: str = "system",
        user_id: int | None = None,
        received_by_name: str = "",
        external_id: str = "",
    ) -> dict[str, Any]:
        """Receive a dossier: allocate its code, compute the appointment, log it.

        With ``from_counter_ticket`` the dossier is linked to the ticket the counter is
        calling or serving (refused when there is none); if that ticket came from an
        online pre-registration, that registered dossier is the one received.

        ``channel`` is how the dossier came in (direct | online | post); ``return_channel`` how
        its result goes back (counter | post | online) — by post with a ``delivery_address``
        (:func:`.postal.clean_return`)."""
        if channel not in Channel.ALL:
            raise DomainError("invalid_channel", "Kênh nộp hồ sơ không hợp lệ.", "Unknown channel.", status=400,
                              allowed=list(Channel.ALL))
        return_channel, delivery_address = clean_return(return_channel, delivery_address)
        person = clean_applicant(applicant)
        docs = clean_documents(documents)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = center_or_404(session, center_id)
            counter = None
            ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
            if counter_id is not None:
                counter = session.get(Counter, counter_id)
                if counter is None or counter.center_id != center.id or not counter.active:
                    raise not_found("quầy", "Counter", "unknown_counter")
            if from_counter_ticket:
                if counter is None:
                    raise not_found("quầy", "Counter", "unknown_counter")
                ticket = session.execute(
                    select(Ticket)
                    .where(Ticket.counter_id == counter.id, Ticket.state.in_((TicketState.CALLED, TicketState.SERVING)))
                    .order_by(Ticket.called_at.desc()).limit(1)
                ).scalar_one_or_none()
                if ticket is None:
                    raise DomainError("no_current_ticket",
                                      f"Quầy {counter.number} chưa gọi số nào. "
                                      "Hãy gọi số của công dân trước khi tiếp nhận hồ sơ.",
                                      f"Counter {counter.number} is not serving anyone. Call the citizen's number first.",
                                      status=409)
            if ticket is not None and ticket.center_id != center.id:
                raise not_found("số thứ tự", "Ticket", "unknown_ticket")
            procedure = procedure_for(session, center.id, procedure_id, procedure_code)
            now = self.clock.now()
            registered = None
            if ticket is not None:
                registered = session.execute(
                    select(Dossier).where(Dossier.ticket_id == ticket.id, Dossier.state == DossierState.REGISTERED).limit(1)
                ).scalar_one_or_none()
            d = registered or Dossier(center_id=center.id, state=DossierState.RECEIVED, channel=channel, created_at=now,
                                      external_id=external_id[:120])
            from_state = d.state if registered else None
            day = local_date(now, center.timezone)
            seq = next_value(session, center.id, "dossier", day)
            if seq > 9999:
                raise DomainError("dossier_sequence_full", "Đã hết số hồ sơ trong ngày (9999).",
                                  "No dossier numbers left today (9999).", status=409)
            code = format_dossier_code(agency_id_for(center), day, seq)
            refuse_taken_code(session, center, code)  # before d.code is set: autoflush would find d itself
            d.code = code
            d.day, d.seq = day, seq
            d.procedure_id, d.service_id = procedure.id, procedure.service_id or (ticket.service_id if ticket else None)
            d.applicant_name, d.applicant_phone, d.applicant_email = person.name, person.phone, person.email
            d.applicant_address = person.address
            d.applicant_id_number = person.id_number
            # Matched later by the keyed hash only; a dossier received without a number keeps the card's link of its ticket.
            d.citizen_key = self.citizen_key(person.id_number) if person.id_number else (ticket.citizen_key if ticket else None)
            d.documents = docs
            d.return_channel, d.delivery_address = return_channel, delivery_address
            d.state = DossierState.RECEIVED
            d.received_at = now
            d.appointment_at = calendar_for(center).appointment(now, procedure.processing_days).astimezone(now.tzinfo)
            d.received_by_id, d.received_by_name = user_id, received_by_name[:200]
            d.counter_id = counter.id if counter else None
            d.ticket_id = ticket.id if ticket else d.ticket_id
            d.note = (note or "")[:2000]
            d.updated_at = now
            if registered is None:
                session.add(d)
            session.flush()
            log_event(session, d, "receive", from_state, actor, now, channel=d.channel, return_channel=d.return_channel,
                      procedure=procedure.code,
                      ticket=ticket.display if ticket else None, counter=counter.number if counter else None)
            return dossier_view(session, d, now)

        return self._run(work)

    def preregister(self, center_id: int, *, procedure_id: int | None = None, procedure_code: str | None = None,
                    applicant: Applicant, documents: list[str] | None = None, external_id: str = "",
                    actor: str = "system") -> dict[str, Any]:
        """An online pre-registration (mới đăng ký): a dossier without a code yet, and the
        short code the citizen scans at the kiosk (``DKTT-XXXXXXXX``)."""
        person = clean_applicant(applicant)
        docs = clean_documents(documents)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = center_or_404(session, center_id)
            procedure = procedure_for(session, center.id, procedure_id, procedure_code)
            now = self.clock.now()
            d = Dossier(center_id=center.id, state=DossierState.REGISTERED, channel=Channel.ONLINE, procedure_id=procedure.id,
                        service_id=procedure.service_id, applicant_name=person.name, applicant_phone=person.phone,
                        applicant_email=person.email, applicant_address=person.address, documents=docs, registered_at=now,
                        prereg_code=PREREG_PREFIX + "".join(secrets.choice(PREREG_ALPHABET) for _ in range(8)),
                        external_id=external_id[:120], created_at=now, updated_at=now, reason="", note="", received_by_name="")
            session.add(d)
            session.flush()
            log_event(session, d, "register", None, actor, now, procedure=procedure.code)
            return dossier_view(session, d, now)

        return self._run(work)

    # ------------------------------------------------------------------ transitions
    def transition(self, code: str, action: str, *, actor: str = "system", reason: str = "", center_id: int | None = None,
                   method: str | None = None) -> dict[str, Any]:
        """Move a dossier along its life (process, request_supplement, supplement_received,
        reject, stop, result_ready, return); anything else is refused clearly.

        ``method`` (``direct`` | ``post``) says how a result was returned (reports count returns by post)."""
        if action not in TRANSITIONS or action == "receive":
            raise DomainError("unknown_action", "Thao tác không hợp lệ.", "Unknown action.", status=400)
        t = TRANSITIONS[action]
        reason = " ".join((reason or "").split())[:2000]
        if t.needs_reason and not reason:
            raise DomainError("reason_required", f"Hãy ghi rõ lý do {t.vi}.", f"Give the reason to {t.en}.", status=400)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            d = dossier_by_code(session, code, center_id)
            if d.state not in t.allowed_from:
                raise invalid_dossier_transition(d, action)
            center = center_or_404(session, d.center_id)
            now = self.clock.now()
            from_state = d.state
            d.state = t.to
            d.updated_at = now
            extra: dict[str, Any] = {}
            if reason:
                d.reason = reason
                extra["reason"] = reason
            if action == "supplement_received":
                # The processing time starts again once the dossier is complete.
                procedure = session.get(Procedure, d.procedure_id)
                old = d.appointment_at
                d.appointment_at = calendar_for(center).appointment(now, procedure.processing_days).astimezone(now.tzinfo)
                extra.update(old_appointment_at=iso_utc(old), appointment_at=iso_utc(d.appointment_at))
            if action == "result_ready":
                d.result_ready_at = now
                d.result_class = classify_completion(now, utc(d.appointment_at), center.timezone) if d.appointment_at else None
                extra["result_class"] = d.result_class
            if action == "return":
                # Pressed at the counter: handed over in person unless the caller says "post" (the
                # one-stop e-system recording a hand-over to the post office).
                extra["method"] = method or Channel.DIRECT
                if extra["method"] == Channel.POST and d.return_channel == ReturnChannel.POST:
                    d.posted_at = now
                record_return(d, center, now)
            session.flush()
            log_event(session, d, action, from_state, actor, now, **extra)
            if action == "result_ready":
                events.add(ready_event(session, d.center_id, added=[d.code]))
                if self.notices is not None:
                    procedure = session.get(Procedure, d.procedure_id)
                    session.info["notice_ids"].extend(self.notices.enqueue_result_ready(session, d, center, procedure))
            elif from_state == DossierState.RESULT_READY:
                events.add(ready_event(session, d.center_id, removed=[d.code]))
            return dossier_view(session, d, now)

        return self._run(work)

    def issue_apology(self, code: str, *, new_date: datetime | date | None = None, reason: str = "", actor: str = "system",
                      center_id: int | None = None) -> dict[str, Any]:
        """Mẫu 04: apologise for a dossier that is (or will be) late and set a new date.

        Without ``new_date`` the new appointment is ``apology_extension_days`` working days
        (center setting ``settings["dossiers"]``, default 2) from now."""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            # Locked: a kiosk re-apologising at the same moment must not drop this one from the history.
            d = dossier_by_code(session, code, center_id, lock=True)
            if d.state not in DossierState.OPEN:
                state_vi, state_en = STATE_LABELS.get(d.state, (d.state, d.state))
                raise DomainError("invalid_transition",
                                  f"Không thể lập văn bản xin lỗi cho hồ sơ {d.code}: hồ sơ «{state_vi}».",
                                  f"No apology for dossier {d.code}: it is “{state_en}”.", status=409, state=d.state,
                                  action="apology")
            center = center_or_404(session, d.center_id)
            now = self.clock.now()
            apologise(session, d, center, now, new_date=new_date, reason=reason, actor=actor)
            return dossier_view(session, d, now)

        return self._run(work)

    # ------------------------------------------------------------------ return by post
    def postal_list(self, center_id: int, day: date | None = None) -> dict[str, Any]:
        """The day's postal hand-over list (default today): ``items`` to hand to the post office,
        ``posted`` those handed over that day. Names, phones, addresses: staff only."""
        with self.db.read() as s:
            center = center_or_404(s, center_id)
            return postal.postal_list(s, center, postal.check_day(day, center, self.clock.now()))

    def postal_csv(self, center_id: int, day: date | None = None, which: str = "items") -> tuple[str, str]:
        """(CSV text, file name) of the day's list for the post office (see :func:`.postal.postal_csv`)."""
        listing = self.postal_list(center_id, day)
        suffix = "da-giao" if which == "posted" else "can-giao"
        return postal.postal_csv(listing, which), f"ban-giao-buu-dien-{listing['day']}-{suffix}.csv"

    def mark_posted(self, center_id: int, codes: Any, *, actor: str = "system") -> dict[str, Any]:
        """Đã giao bưu điện: hand these dossiers to the post office now (all or none); each is
        returned (returned_at = posted_at). Returns the day's list as it now stands."""
        wanted = postal.clean_codes(codes)

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = center_or_404(session, center_id)
            now = self.clock.now()
            done = postal.mark_posted(session, center, wanted, actor, now)
            day = local_date(now, center.timezone)
            listing = postal.postal_list(session, center, day)
            posted = [d.code for d in done]
            events.add(ready_event(session, center.id, removed=posted))
            events.add(postal.posted_event(center.id, day, posted, len(listing["items"])))
            return {**listing, "marked": posted}

        return self._run(work)

    def mark_delivered(self, code: str, *, delivered_on: date | None = None, actor: str = "system",
                       center_id: int | None = None) -> dict[str, Any]:
        """Đã phát: the post office delivered the result on ``delivered_on`` (default today)."""

        def work(session: Session, events: EventCollector) -> dict[str, Any]:
            center = center_or_404(session, center_id if center_id is not None else dossier_by_code(session, code).center_id)
            now = self.clock.now()
            d, day = postal.mark_delivered(session, center, code, delivered_on, actor, now)
            events.add(postal.delivered_event(center.id, d.code, day))
            return dossier_view(session, d, now, events=True)

        return self._run(work)

    # ------------------------------------------------------------------ queries
    def get(self, code: str, *, center_id: int | None = None, events: bool = True) -> dict[str, Any]:
        """A clerk's view of a dossier by code (with its event log)."""
        with self.db.read() as s:
            return dossier_view(s, dossier_by_code(s, code, center_id), self.clock.now(), events=events)

    def center_of(self, code: str) -> int:
        with self.db.read() as s:
            return dossier_by_code(s, code).center_id

    def public_status(self, code: str) -> dict[str, Any]:
        """Code, procedure, state and dates: what a public page may show."""
        if parse_dossier_code(normalise_code(code)) is None:
            raise DomainError("invalid_dossier_code", "Mã hồ sơ không đúng định dạng.", "Malformed dossier code.", status=404)
        with self.db.read() as s:
            return public_dossier_view(s, dossier_by_code(s, code), self.clock.now())

    def list_dossiers(self, center_id: int, *, state: str | None = None, query: str = "", limit: int = 100,
                      overdue_only: bool = False) -> list[dict[str, Any]]:
        """Dossiers of a center for the back office, newest first."""
        with self.db.read() as s:
            center_or_404(s, center_id)
            stmt = select(Dossier).where(Dossier.center_id == center_id)
            if state:
                stmt = stmt.where(Dossier.state == state)
            q = (query or "").strip()
            if q:
                like = f"%{q.upper()}%"
                stmt = stmt.where(Dossier.code.like(like) | func.upper(Dossier.prereg_code).like(like)
                                  | Dossier.applicant_name.like(f"%{q}%"))
            newest_first = (func.coalesce(Dossier.received_at, Dossier.registered_at).desc(), Dossier.id.desc())
            stmt = stmt.order_by(*newest_first).limit(max(1, min(limit, 500)))
            now = self.clock.now()
            rows = [dossier_view(s, d, now) for d in s.scalars(stmt)]
            return [r for r in rows if r["overdue"]] if overdue_only else rows

    def for_ticket(self, ticket_id: int) -> list[dict[str, Any]]:
        """Dossiers linked to a ticket: by its ``dossier_code`` (pickup) or its ticket id (received, pre-registered)."""
        with self.db.read() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return []
            found: dict[int, Dossier] = {}
            if ticket.dossier_code:
                d = s.execute(select(Dossier).where(Dossier.code == ticket.dossier_code)).scalar_one_or_none()
                if d is not None:
                    found[d.id] = d
            for d in s.scalars(select(Dossier).where(Dossier.ticket_id == ticket.id).order_by(Dossier.id)):
                found.setdefault(d.id, d)
            now = self.clock.now()
            return [dossier_view(s, d, now) for d in found.values()]

    def ready_codes(self, center_id: int) -> list[dict[str, Any]]:
        """Codes whose result waits to be collected (for boards): code, short number, ready time. No names."""
        with self.db.read() as s:
            center_or_404(s, center_id)
            return ready_items(s, center_id)

    # ------------------------------------------------------------------ kiosk
    def pickup_by_code(self, center_id: int, raw_code: Any, *, priority: str | None = None,
                       issue_rule: Any = None) -> dict[str, Any]:
        """A receipt's code scanned (or typed) at the kiosk; the answer's shape is in :mod:`.pickup`.
        ``priority`` (a category the citizen chose at the kiosk) makes a new pickup ticket a priority one.

        One write transaction from the look-up to the ticket and the dossier's log: scans of the
        same receipt at once (a double press, two kiosks) get the same ticket, never two."""
        code = normalise_code(raw_code)
        if parse_dossier_code(code) is None:
            return dict(MALFORMED_RECEIPT)
        return self._run_issuing(
            lambda s, _events, issue: pickup_answer(s, center_id, code, issue, self.queue.ticket_view, self.clock, priority),
            issue_rule)

    def checkin_by_preregistration(self, center_id: int, raw_code: Any, *, issue_rule: Any = None) -> dict[str, Any]:
        """An online pre-registration code at the kiosk: a ticket for the procedure's field, linked to it.

        Like :meth:`pickup_by_code`, one write transaction: two check-ins at once get one ticket."""
        code = normalise_code(raw_code)
        if not PREREG_RE.match(code):
            return dict(MALFORMED_REGISTRATION)
        return self._run_issuing(
            lambda s, _events, issue: checkin_answer(s, center_id, code, issue, self.queue.ticket_view, self.clock), issue_rule)

    # ------------------------------------------------------------------ paper
    def receipt_print(self, code: str, *, center_id: int | None = None) -> ReceiptPrint:
        """The receipt (Mẫu 01) as a :class:`hardware.ReceiptPrint`, QR carrying the dossier code."""
        with self.db.read() as s:
            return receipt_paper(s, dossier_by_code(s, code, center_id))

    def apology_print(self, code: str, *, center_id: int | None = None) -> ReceiptPrint:
        """The apology (Mẫu 04) laid out like the receipt, with the new date; 409 when none was issued."""
        with self.db.read() as s:
            return apology_paper(s, dossier_by_code(s, code, center_id))


__all__ = ["DossierArea", "DossierService"]
