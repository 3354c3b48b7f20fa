"""The kiosk's rules (plain Python, no Flask): what it offers, when it may issue, what a scan is.

* :func:`service_offer` — the home screen: issuing allowed (opening hours), priority on or off,
  and per active service its waiting count, open counters and whether a ticket can be taken.
  ``GET /api/v1/kiosk/services`` answers it and the realtime layer pushes it as ``kiosk_services``.
* :func:`issue_at_kiosk` — a citizen taps a field. ONE write transaction holds the device look-up,
  the opening hours and days off, the service, the open counters serving it (on PostgreSQL their
  rows are share-locked, so a counter closing at that instant waits for the ticket or is seen
  closed), the number, and the rule "stop when the expected wait passes closing", evaluated at
  the ticket's own ``issued_at`` with the wait the queue engine tells the citizen. A refusal rolls
  the number back: the check and the issue cannot disagree.
* :func:`scan_at_kiosk` — a scanned code: a booking's code (its QR) goes to the booking's check-in
  (:mod:`server.domain.bookings.checkin`), a receipt's dossier code to the result-pickup flow,
  a ticket QR (phone URL or bare token) to the ticket's status, an online pre-registration code
  to its check-in, anything else to a bilingual "not recognised" (:func:`classify_scan` decides).
  A pickup or check-in ticket obeys the same rule, inside the dossier's own transaction
  (:func:`kiosk_issue_rule`).

Printing is not here: the API layer prints after the transaction, so a dead printer never
loses a ticket.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from server.clock import local_date, utc
from server.db import Database
from server.domain import citizen_id
from server.domain.accounts import device_for_token
from server.domain.bookings.checkin import check_in_at_kiosk
from server.domain.bookings.codes import normalise_code
from server.domain.center_rules import closing_rules, issuing_allowed, wait_past_closing
from server.domain.centers import center_or_404
from server.domain.dossiers import codes as dossier_codes
from server.domain.dossiers.service import DossierService
from server.domain.errors import DomainError, not_found
from server.domain.events import EventCollector, write_then_publish
from server.domain.queue import QueueService
from server.domain.queue.estimates import serving_now
from server.models import (
    Center,
    Counter,
    CounterService,
    Device,
    Service,
    Ticket,
    TicketState,
)

log = logging.getLogger("motcua.kiosk")

HEARTBEAT_SECONDS = 60  # last_seen_at is written at most once a minute per device
MAX_TOKEN_LENGTH = 200
DEFAULT_IDLE_SECONDS = 20
MAX_SCAN_LENGTH = 512
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NO_OPEN_COUNTER = ("Chưa có quầy mở", "No counter open")


# ------------------------------------------------------------------------ errors
def unregistered() -> DomainError:
    """401: the token names no active device of the right kind."""
    return DomainError(
        "device_unregistered",
        "Kiosk này chưa được đăng ký hoặc mã thiết bị không còn hiệu lực. Vui lòng báo cán bộ kỹ thuật.",
        "This kiosk is not registered, or its device token is no longer valid. Please call the IT officer.",
        status=401,
    )


def center_closed(vi: str, en: str) -> DomainError:
    """409: outside issuing hours (the reason says when issuing resumes)."""
    return DomainError("center_closed", vi or "Hiện không phát số.", en or "Tickets are not issued now.", status=409)


def no_open_counter(service: Service) -> DomainError:
    """409: no open counter serves the field the citizen tapped."""
    return DomainError(
        "no_open_counter",
        f"Hiện chưa có quầy nào phục vụ «{service.name}». Vui lòng hỏi cán bộ hướng dẫn hoặc quay lại sau.",
        f"No counter is serving “{service.name_en or service.name}” right now. Please ask staff or come back later.",
        status=409,
    )


def service_inactive(service: Service) -> DomainError:
    """409: the admin switched the field off."""
    return DomainError(
        "service_inactive",
        f"Dịch vụ «{service.name}» hiện không nhận số.",
        f"Service “{service.name_en or service.name}” is not taking tickets now.",
        status=409,
    )


# ------------------------------------------------------------------------ device
def device_view(device: Device) -> dict[str, Any]:
    """What the kiosk endpoints need of a device, readable after its transaction."""
    return {
        "id": device.id,
        "name": device.name,
        "kind": device.kind,
        "center_id": device.center_id,
        "printer_url": device.printer_url or None,
        "config": dict(device.config or {}),
        "last_seen_at": device.last_seen_at,
    }


def _device_in(session: Session, token: str, kinds: tuple[str, ...]) -> Device:
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise unregistered()
    device = device_for_token(session, token)
    if device is None or device.kind not in kinds:
        raise unregistered()
    return device


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - utc(last_seen) >= timedelta(seconds=HEARTBEAT_SECONDS)


def identify_device(queue: QueueService, token: str, kinds: tuple[str, ...] = ("kiosk",)) -> dict[str, Any]:
    """The registered device holding ``token`` (as :func:`device_view`); 401 ``device_unregistered`` otherwise.

    Also notes the device as seen (see :func:`note_seen`)."""
    with queue.db.read() as s:
        view = device_view(_device_in(s, token, kinds))
    note_seen(queue.db, view, queue.clock.now())
    return view


def note_seen(db: Database, device: dict[str, Any], now: datetime) -> None:
    """Note a device (as :func:`device_view`) as seen at ``now``, at most once a minute, so a busy
    kiosk or board does not turn every request into a database write."""
    if _stale(device["last_seen_at"], now):
        with db.write() as s:
            row = s.get(Device, device["id"])
            if row is not None:
                row.last_seen_at = now


def idle_seconds(center: Center, device: dict[str, Any]) -> int:
    """How long the ticket screen stays before the kiosk returns home: the device's setting, then
    the center's, then :data:`DEFAULT_IDLE_SECONDS`; kept between 5 s and 10 minutes."""
    for source in (device.get("config") or {}, center.settings or {}):
        value = source.get("kiosk_idle_seconds", source.get("idle_seconds"))
        try:
            if value is not None:
                return max(5, min(600, int(value)))
        except (TypeError, ValueError):
            continue
    return DEFAULT_IDLE_SECONDS


# ------------------------------------------------------------------------ offer
def open_counters_by_service(session: Session, center_id: int) -> dict[int, int]:
    """How many open, active counters serve each service of a center."""
    return dict(
        session.execute(
            select(CounterService.service_id, func.count())
            .join(Counter, Counter.id == CounterService.counter_id)
            .where(Counter.center_id == center_id, serving_now())
            .group_by(CounterService.service_id)
        ).all()
    )


def service_offer(session: Session, center_id: int, now: datetime) -> dict[str, Any]:
    """The kiosk's home screen as of ``now``: ``issuing``, ``priority_enabled`` and ``services``."""
    center: Center = center_or_404(session, center_id)
    allowed, vi, en = issuing_allowed(center, now)
    today = local_date(now, center.timezone)
    waiting = dict(
        session.execute(
            select(Ticket.service_id, func.count())
            .where(Ticket.center_id == center.id, Ticket.state == TicketState.WAITING, Ticket.day == today)
            .group_by(Ticket.service_id)
        ).all()
    )
    open_by_service = open_counters_by_service(session, center.id)
    rows = session.scalars(
        select(Service).where(Service.center_id == center.id, Service.active.is_(True)).order_by(Service.sort_order, Service.id)
    )
    out = []
    for service in rows:
        open_counters = int(open_by_service.get(service.id, 0))
        item: dict[str, Any] = {
            "id": service.id,
            "code": service.code,
            "name": service.name,
            "name_en": service.name_en,
            "kind": service.kind,
            "priority_allowed": bool(service.priority_allowed),
            "waiting": int(waiting.get(service.id, 0)),
            "open_counters": open_counters,
            "available": open_counters > 0,
            "reason_code": None,
            "reason_vi": None,
            "reason_en": None,
        }
        if open_counters == 0:
            item.update(reason_code="no_open_counter", reason_vi=NO_OPEN_COUNTER[0], reason_en=NO_OPEN_COUNTER[1])
        out.append(item)
    return {
        "center_id": center.id,
        "issuing": {"allowed": bool(allowed), "reason_vi": vi or "", "reason_en": en or ""},
        "priority_enabled": bool(center.priority_enabled),
        "services": out,
    }


def kiosk_offer(queue: QueueService, center_id: int) -> dict[str, Any]:
    """:func:`service_offer` now, in a read transaction of its own."""
    with queue.db.read() as s:
        return service_offer(s, center_id, queue.clock.now())


# ------------------------------------------------------------------------ issuing
@dataclass(frozen=True)
class KioskIssue:
    """A ticket issued at a kiosk: the ticket's view (with the engine's wait estimate), the
    device that asked (its printer) and the center (name, time zone, ticket footer), all
    readable after the transaction so the caller can print."""

    ticket: dict[str, Any]
    device: dict[str, Any]
    center: Center


def serving_counters(session: Session, service_id: int) -> int:
    """Open, active counters serving the service, share-locked on PostgreSQL for the rest of the
    transaction: a counter closing now (it takes its row ``FOR UPDATE``) waits until the ticket is
    committed, or has committed first and is seen closed. SQLite holds the whole write lock already."""
    stmt = _serving_statement(session.get_bind().dialect.name == "postgresql")
    return len(session.scalars(stmt, {"service_id": service_id}).all())


@functools.cache
def _serving_statement(share_lock: bool) -> Select:
    # Built once per dialect, the service bound at execution (every kiosk issue runs it).
    stmt = (
        select(Counter.id)
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == bindparam("service_id"), serving_now())
        .order_by(Counter.id)  # one lock order for every kiosk: no deadlock between them
    )
    return stmt.with_for_update(read=True, of=Counter) if share_lock else stmt


def check_hours(center: Center, at: datetime, estimated_wait_minutes: float | None = None) -> None:
    """Raise 409 ``center_closed`` unless the center's kiosks may issue at ``at`` (opening hours,
    days off, stop-before-close, and — given the wait — stop when the wait passes closing)."""
    allowed, vi, en = issuing_allowed(center, at, estimated_wait_minutes=estimated_wait_minutes)
    if not allowed:
        raise center_closed(vi, en)


def issue_in(
    queue: QueueService,
    session: Session,
    events: EventCollector,
    center: Center,
    service_id: int,
    *,
    priority: str | None = None,
    source: str = "kiosk",
    actor: str = "kiosk",
    device_id: int | None = None,
    dossier_code: str | None = None,
    with_wait: bool = True,
    **booked: Any,
) -> dict[str, Any]:
    """The kiosk's issue rule inside the caller's write transaction; returns the ticket's view.
    ``booked`` passes a booking's check-in fields to the queue engine (``booking_id``, ``sort_at``,
    ``ahead_from``, ``citizen_key``: see :meth:`QueueService.issue_in`).

    Order of refusals: unknown service (404), hours (409 ``center_closed``), inactive service,
    no open counter; priority is checked by the queue engine. After the number is allocated the
    hours are checked again at the ticket's own ``issued_at`` and with the wait the ticket shows:
    a refusal raises and the caller's transaction rolls the number back.

    Without ``with_wait`` the wait estimate is left to the caller, after commit (see
    :func:`issue_at_kiosk`), unless the center stops issuing on long waits: then the rule needs it here."""
    service = session.get(Service, service_id)
    if service is None or service.center_id != center.id:
        raise not_found("dịch vụ", "Service", "unknown_service")
    check_hours(center, queue.clock.now())
    if not service.active:
        raise service_inactive(service)
    if serving_counters(session, service.id) == 0:
        raise no_open_counter(service)
    stops_on_wait = bool(closing_rules(center).get("stop_when_wait_passes_close"))
    view = queue.issue_in(
        session,
        events,
        center.id,
        service.id,
        priority=priority,
        source=source,
        actor=actor,
        device_id=device_id,
        dossier_code=dossier_code,
        with_wait=with_wait or stops_on_wait,
        **booked,
    )
    check_hours(center, _parse_iso(view["issued_at"]), view.get("estimated_wait_minutes") if stops_on_wait else None)
    _note_past_closing(center, view)
    return view


def _note_past_closing(center: Center, view: dict[str, Any]) -> None:
    # Issued anyway (the center does not stop on long waits): the slip and screen say the wait runs past closing.
    view["past_closing"] = wait_past_closing(center, _parse_iso(view["issued_at"]), view.get("estimated_wait_minutes"))


def kiosk_issue_rule(queue: QueueService) -> Callable[..., dict[str, Any]]:
    """:func:`issue_in` shaped as the dossier area's ticket issuer ``(session, events, center_id,
    service_id, **kw)``: a pickup or check-in ticket scanned at a kiosk obeys the kiosk's rule
    inside the dossier's own transaction."""

    def issue(session: Session, events: EventCollector, center_id: int, service_id: int, **kw: Any) -> dict[str, Any]:
        return issue_in(queue, session, events, center_or_404(session, center_id), service_id, **kw)

    return issue


def issue_at_kiosk(queue: QueueService, token: str, service_id: int, priority: str | None = None, *,
                   citizen_key: str | None = None) -> KioskIssue:
    """A citizen tapped a field at the kiosk holding ``token``: one write transaction from the
    device look-up to the ticket; its events are published after the commit. ``citizen_key`` (from
    the kiosk's citizen link, after an ID card scan) links the ticket to the citizen for the counter.
    The wait estimate is counted after the commit (:meth:`QueueService.add_wait`) unless the center's
    closing rule needed it inside."""
    def unit(session: Session, events: EventCollector) -> tuple[KioskIssue, Ticket]:
        device = _device_in(session, token, ("kiosk",))
        now = queue.clock.now()
        if _stale(device.last_seen_at, now):
            device.last_seen_at = now  # the heartbeat rides along: no second transaction
        center = center_or_404(session, device.center_id)
        view = issue_in(
            queue,
            session,
            events,
            center,
            service_id,
            priority=priority,
            source="kiosk",
            actor=f"device:{device.id}:{device.name}"[:80],
            device_id=device.id,
            citizen_key=citizen_key,
            with_wait=False,
        )
        # The ticket row is in the session already (no query): the wait is counted from it after commit.
        return KioskIssue(ticket=view, device=device_view(device), center=center), session.get(Ticket, view["id"])

    issued, ticket = write_then_publish(queue.db, queue.publish, unit)
    if "people_ahead" not in issued.ticket and issued.ticket["state"] == TicketState.WAITING:  # not counted inside
        queue.add_wait(issued.ticket, ticket, issued.center)
        _note_past_closing(issued.center, issued.ticket)
    return issued


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------------ scanning
def strip_diacritics(text: str) -> str:
    """ "Đất đai" → "Dat dai": what a scanner typed through a Vietnamese input method, made plain."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _printable(raw: str) -> str:
    return "".join(c for c in str(raw) if unicodedata.category(c)[0] != "C").strip()


def normalise_scan(raw: str) -> str:
    """Trim, drop control characters and diacritics, uppercase: the form dossier codes are matched in."""
    return strip_diacritics(_printable(raw)).upper()


def ticket_token_candidates(raw: str) -> list[str]:
    """Tokens a scan may carry: the phone URL ``…/t/<token>`` or a bare token (as typed, then without diacritics)."""
    cleaned = _printable(raw)
    found: list[str] = []
    for text in (cleaned, strip_diacritics(cleaned)):
        match = re.search(r"/t/([A-Za-z0-9_-]{8,64})", text, flags=re.IGNORECASE)
        token = match.group(1) if match else (text if TOKEN_RE.match(text) else None)
        if token and token not in found:
            found.append(token)
    return found


@dataclass(frozen=True)
class ScanRoute:
    """What a scanned code is: ``kind`` is ``citizen_card`` (an ID card's QR or bare 12-digit number: ``code`` = the text),
    ``booking`` (``code`` = the booking code, normalised), ``dossier`` (``code`` = the normalised dossier code),
    ``ticket`` (``tokens`` = candidate ticket tokens; ``ticket_url`` when it read as a phone URL),
    ``other`` (try it as a pre-registration code: ``code``) or ``unreadable`` (empty, too long)."""

    kind: str
    code: str = ""
    tokens: tuple[str, ...] = ()
    ticket_url: bool = False


def classify_scan(raw: Any) -> ScanRoute:
    """Route a scanned code to the domain call that answers it (pure: no database)."""
    text = str(raw or "")
    if not text.strip() or len(text) > MAX_SCAN_LENGTH:
        return ScanRoute("unreadable")
    if citizen_id.card_shaped(text):  # before tokens: a card's number must never be read as a ticket token
        return ScanRoute("citizen_card", code=text)
    booking = normalise_code(text)
    if booking is not None:  # before tokens: a booking's QR holds its code only
        return ScanRoute("booking", code=booking)
    normalised = normalise_scan(text)
    if dossier_codes.is_dossier_code(normalised):
        return ScanRoute("dossier", code=normalised)
    tokens = tuple(ticket_token_candidates(text))
    if tokens:
        return ScanRoute("ticket", code=text.strip(), tokens=tokens, ticket_url="/t/" in text.lower())
    return ScanRoute("other", code=text.strip())


def find_ticket(session: Session, center_id: int, candidates: list[str] | tuple[str, ...]) -> Ticket | None:
    """The center's ticket with one of these tokens; then case-insensitively (a scanner with Caps Lock on)."""
    if not candidates:
        return None
    ticket = session.scalars(select(Ticket).where(Ticket.token.in_(candidates), Ticket.center_id == center_id)).first()
    if ticket is None:
        lowered = [c.lower() for c in candidates]
        ticket = session.scalars(
            select(Ticket).where(Ticket.center_id == center_id, func.lower(Ticket.token).in_(lowered)).order_by(Ticket.id.desc())
        ).first()
    return ticket


def ticket_by_scan(queue: QueueService, center_id: int, candidates: list[str] | tuple[str, ...]) -> dict[str, Any] | None:
    """The public view (with wait) of the center's ticket a scan names, or None."""
    with queue.db.read() as s:
        ticket = find_ticket(s, center_id, candidates)
        return queue.ticket_view(s, ticket, now=queue.clock.now()) if ticket is not None else None


def ticket_to_reprint(queue: QueueService, device: dict[str, Any], token: str) -> tuple[dict[str, Any], Center]:
    """The ticket of the device's center a reprint names, and its center: 404 ``unknown_ticket``
    for a malformed or foreign token, 409 ``no_printer`` for a screen-only kiosk."""
    with queue.db.read() as s:
        center = center_or_404(s, device["center_id"])
        ticket = find_ticket(s, center.id, [token]) if TOKEN_RE.match(token or "") else None
        if ticket is None:
            raise not_found("số thứ tự", "Ticket", "unknown_ticket")
        if not device.get("printer_url"):
            raise DomainError("no_printer", "Kiosk này không có máy in.", "This kiosk has no printer.", status=409)
        return queue.ticket_view(s, ticket, now=queue.clock.now()), center


STATE_TEXT = {
    TicketState.WAITING: ("đang chờ", "waiting"),
    TicketState.CALLED: ("đã được gọi", "called"),
    TicketState.SERVING: ("đang được phục vụ", "being served"),
    TicketState.DONE: ("đã phục vụ xong", "served"),
    TicketState.NO_SHOW: ("đã qua lượt (vắng mặt khi được gọi)", "missed (absent when called)"),
    TicketState.CANCELLED: ("đã huỷ", "cancelled"),
}


def ticket_status_message(view: dict[str, Any]) -> tuple[str, str]:
    """One sentence in each language about where a ticket stands."""
    number, state = view["number"], view["state"]
    counter = (view.get("counter") or {}).get("number")
    if state == TicketState.WAITING:
        ahead, wait = view.get("people_ahead", 0), view.get("estimated_wait_minutes", 0)
        if not ahead:
            return f"Số {number} đang chờ — Ông/Bà là người tiếp theo.", f"Number {number} is waiting — you are next."
        return (
            f"Số {number} đang chờ: còn {ahead} người trước Ông/Bà, khoảng {wait} phút.",
            f"Number {number} is waiting: {ahead} people ahead of you, about {wait} minutes.",
        )
    if state in (TicketState.CALLED, TicketState.SERVING) and counter:
        return (
            f"Số {number} {STATE_TEXT[state][0]} — mời đến quầy số {counter}.",
            f"Number {number} is {STATE_TEXT[state][1]} — please go to counter {counter}.",
        )
    vi, en = STATE_TEXT.get(state, (state, state))
    return f"Số {number} {vi}.", f"Number {number} is {en}."


UNRECOGNISED = (
    "Không nhận ra mã vừa quét. Vui lòng quét mã QR trên phiếu số thứ tự hoặc trên giấy tiếp nhận và hẹn trả kết quả, "
    "hoặc hỏi cán bộ hướng dẫn.",
    "This code was not recognised. Please scan the QR code on your queue ticket or on your dossier receipt, or ask staff.",
)
DOSSIER_UNAVAILABLE = (
    "Chưa tra cứu được hồ sơ lúc này. Vui lòng thử lại sau ít phút hoặc mang giấy hẹn đến quầy trả kết quả.",
    "The dossier cannot be looked up right now. Please try again in a few minutes or take your receipt to the result counter.",
)
TICKET_UNKNOWN = (
    "Không tìm thấy số thứ tự này ở trung tâm. Phiếu có thể đã hết hạn hoặc của trung tâm khác.",
    "This ticket was not found at this center. It may be expired or from another center.",
)
# What a kiosk screen in a public hall may show of a dossier, named one by one (the fields of
# server.domain.dossiers.public_dossier_view): a field added to a dossier view later stays off
# the hall's screen until it is named here.
PUBLIC_DOSSIER_FIELDS = (
    "code",
    "procedure_name",
    "procedure",
    "service",
    "state",
    "status",
    "state_label_vi",
    "state_label_en",
    "received_at",
    "appointment_at",
    "appointment_text",
    "extended_to",
    "extended_to_text",
    "result_ready_at",
    "returned_at",
    "result_class",
    "overdue",
    "extension_overdue",
)


def public_dossier(dossier: Any) -> dict[str, Any] | None:
    """What a kiosk screen in a public hall may show about a dossier: only :data:`PUBLIC_DOSSIER_FIELDS`
    (no applicant, name, contact or note, whichever view the dossier area handed over)."""
    if not isinstance(dossier, dict):
        return None
    return {k: dossier[k] for k in PUBLIC_DOSSIER_FIELDS if k in dossier}


def _answer(outcome: str, kind: str, message: tuple[str, str], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"ticket": None, "dossier": None, "apology": None}
    return {**base, "outcome": outcome, "kind": kind, "message_vi": message[0], "message_en": message[1], **fields}


def _dossier_answer(result: dict[str, Any], kind: str) -> dict[str, Any]:
    ticket = result.get("ticket")
    return _answer(
        str(result.get("outcome") or "unknown"),
        kind,
        (result.get("message_vi") or UNRECOGNISED[0], result.get("message_en") or UNRECOGNISED[1]),
        dossier=public_dossier(result.get("dossier")),
        apology=result.get("apology"),
        ticket=ticket if isinstance(ticket, dict) and ticket.get("token") else None,
    )


ID_CARD_UNREADABLE = (
    "Không đọc được số định danh trên thẻ căn cước. Vui lòng quét lại mã QR trên thẻ (hoặc trong ứng dụng VNeID), "
    "hoặc hỏi cán bộ hướng dẫn.",
    "The ID number on the card could not be read. Please scan the QR code on the card (or in the VNeID app) again, "
    "or ask staff.",
)


def _closed_now(queue: QueueService, center_id: int, kind: str, **extra: Any) -> dict[str, Any] | None:
    """The kiosk's answer when the center issues no ticket right now (after hours, a day off), else None."""
    with queue.db.read() as s:
        center = center_or_404(s, center_id)
    allowed, vi, en = issuing_allowed(center, queue.clock.now())
    return None if allowed else _answer("center_closed", kind, (vi, en), **extra)


def _booking_answer(queue: QueueService, center_id: int, *, code: str | None = None, citizen_key: str | None = None,
                    **extra: Any) -> dict[str, Any] | None:
    """A booking checked in at the kiosk (by its code, or today's booking of an ID card's citizen):
    :func:`~server.domain.bookings.checkin.check_in_at_kiosk` under the kiosk's issue rule. None
    when the citizen has no booking today."""
    try:
        result = check_in_at_kiosk(queue, center_id, kiosk_issue_rule(queue), code=code, citizen_key=citizen_key)
    except DomainError as error:  # the kiosk's rule refused the ticket (closed, no open counter…): say why
        return _answer(error.code, "booking", (error.message_vi, error.message_en), **extra)
    if result is None:
        return None
    message = (result.pop("message_vi"), result.pop("message_en"))
    return _answer(result.pop("outcome"), result.pop("kind"), message, **result, **extra)


def _citizen_answer(queue: QueueService, dossiers: DossierService, center_id: int, raw: str,
                    priority: str | None) -> dict[str, Any]:
    """An ID card at the kiosk: its ready results → one pickup ticket; else a booking of today → its
    check-in; else choose a field, the ticket linked.
    The answer shows the masked number only; the name is never read (a kiosk scanner may mangle it)."""
    try:
        card = citizen_id.parse_id_card(raw)
    except citizen_id.IdCardError as error:
        return _answer("id_card_unreadable", "citizen_card", (f"{ID_CARD_UNREADABLE[0]} ({error.vi})",
                                                               f"{ID_CARD_UNREADABLE[1]} ({error.en})"))
    masked = citizen_id.mask_id(card.id_number)
    closed = _closed_now(queue, center_id, "citizen_card", masked_id=masked)
    if closed is not None:
        return closed
    try:
        key = dossiers.citizen_key(card.id_number)
        result = dossiers.pickup_by_citizen(center_id, key, masked_id=masked, priority=priority,
                                            issue_rule=kiosk_issue_rule(queue))
    except DomainError as error:  # the kiosk's rule refused the pickup ticket: say why
        return _answer(error.code, "citizen_card", (error.message_vi, error.message_en), masked_id=masked)
    except Exception:
        log.exception("pickup by ID card failed (card %s)", masked)
        return _answer("dossier_unavailable", "citizen_card", DOSSIER_UNAVAILABLE, masked_id=masked)
    if result["outcome"] == "choose_service":
        booked = _booking_answer(queue, center_id, citizen_key=key, masked_id=masked)
        if booked is not None:
            return booked
    ticket = result.get("ticket")
    link = dossiers.citizen_link(key) if result["outcome"] == "choose_service" else None
    return _answer(result["outcome"], "citizen_card", (result["message_vi"], result["message_en"]),
                   ticket=ticket if isinstance(ticket, dict) and ticket.get("token") else None,
                   masked_id=masked, citizen_link=link, dossiers_ready=int(result.get("dossiers_ready") or 0))


def _refusal(error: DomainError) -> dict[str, Any]:
    return {"outcome": error.code, "message_vi": error.message_vi, "message_en": error.message_en}


def scan_at_kiosk(
    queue: QueueService, dossiers: DossierService, center_id: int, raw: Any, priority: str | None = None
) -> dict[str, Any]:
    """Answer a code scanned at a kiosk of ``center_id``, in both languages; never raises for odd input.

    Returns ``outcome``, ``kind``, ``message_vi``, ``message_en``, ``ticket`` (a public view, or
    None), ``dossier`` (public fields only) and ``apology``; ``outcome == "ticket_issued"`` means
    a new ticket the caller should print."""
    route = classify_scan(raw)
    if route.kind == "citizen_card":
        return _citizen_answer(queue, dossiers, center_id, route.code, priority)
    if route.kind == "booking":
        return _booking_answer(queue, center_id, code=route.code) or _answer("booking_unknown", "booking", UNRECOGNISED)
    if route.kind == "dossier":
        # An early answer for any receipt after hours (a not-ready dossier too); the rule that
        # decides a pickup ticket runs again inside the dossier's transaction (kiosk_issue_rule).
        closed = _closed_now(queue, center_id, "dossier")
        if closed is not None:
            return closed
        try:
            result = dossiers.pickup_by_code(center_id, route.code, priority=priority, issue_rule=kiosk_issue_rule(queue)) or {}
        except DomainError as error:  # the kiosk's rule refused the pickup ticket: say why
            result = _refusal(error)
        except Exception:
            log.exception("dossier pickup failed for a scanned code")
            return _answer("dossier_unavailable", "dossier", DOSSIER_UNAVAILABLE)
        return _dossier_answer(result, "dossier")
    if route.kind == "ticket":
        view = ticket_by_scan(queue, center_id, route.tokens)
        if view is not None:
            return _answer("ticket_status", "ticket", ticket_status_message(view), ticket=view)
        if route.ticket_url:
            return _answer("ticket_unknown", "ticket", TICKET_UNKNOWN)
    if route.kind in ("ticket", "other"):
        try:
            result = dossiers.checkin_by_preregistration(center_id, route.code, issue_rule=kiosk_issue_rule(queue)) or {}
        except DomainError as error:
            result = _refusal(error)
        except Exception:
            log.exception("pre-registration check-in failed for a scanned code")
            result = {}
        if result.get("outcome") not in (None, "unknown", "malformed"):
            return _dossier_answer(result, "preregistration")
    return _answer("unrecognised", "other", UNRECOGNISED)


__all__ = [
    "service_offer",
    "kiosk_offer",
    "open_counters_by_service",
    "NO_OPEN_COUNTER",
    "issue_at_kiosk",
    "issue_in",
    "KioskIssue",
    "kiosk_issue_rule",
    "ticket_to_reprint",
    "check_hours",
    "serving_counters",
    "identify_device",
    "note_seen",
    "idle_seconds",
    "device_view",
    "unregistered",
    "center_closed",
    "no_open_counter",
    "classify_scan",
    "ScanRoute",
    "scan_at_kiosk",
    "find_ticket",
    "ticket_by_scan",
    "ticket_status_message",
    "normalise_scan",
    "strip_diacritics",
    "ticket_token_candidates",
    "public_dossier",
    "UNRECOGNISED",
    "ID_CARD_UNREADABLE",
    "HEARTBEAT_SECONDS",
    "TOKEN_RE",
]
