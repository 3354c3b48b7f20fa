"""Queue endpoints: services, counters, tickets, counter actions, login."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.domain.accounts import Principal
from server.domain.centers import read_center
from server.domain.console import parked_list
from server.domain.errors import not_found
from server.domain.queue import CallResult
from server.domain.seats import claim_counter, ensure_may_work_at
from server.extensions import services
from server.models import Center, Counter, Ticket
from server.web.api.blueprint import api_bp as bp
from server.web.api.schemas import (
    CallChosenIn,
    CallOut,
    CancelIn,
    CenterOut,
    CloseIn,
    CloseOut,
    CounterOut,
    LoginIn,
    MeOut,
    ParkedOut,
    ParkIn,
    PauseIn,
    ReasonIn,
    ServiceOut,
    SnapshotOut,
    TicketIn,
    TicketOut,
    TransferIn,
)
from server.web.auth import (
    current_principal,
    end_session,
    read_signed_in_user,
    require,
    sign_in,
    signed_in_user,
    start_session,
)
from server.web.auth import me as me_body

AUTH_DOC = {"security": [{"BearerAuth": []}, {"CookieAuth": []}]}


def active_counter(counter_id: int, *, with_user: bool = False) -> Counter:
    """An active counter as it is now (read once per request), or a 404; ``with_user``: the signed-in
    user is read in the same unit (:func:`~server.web.auth.read_signed_in_user`)."""
    with services().db.read() as s:
        if with_user:
            read_signed_in_user(s)
        counter = s.get(Counter, counter_id)
        if counter is None or not counter.active:
            raise not_found("quầy", "Counter", "unknown_counter")
        return counter


def counter_center(counter_id: int) -> int:
    """The center of an active counter, or a 404."""
    return active_counter(counter_id).center_id


def _call_body(result: CallResult) -> dict[str, Any]:
    body: dict[str, Any] = {"ticket": result.ticket, "finished": result.finished}
    if result.ticket is None:
        body["message_vi"] = "Hiện không có ai đang chờ."
        body["message_en"] = "Nobody is waiting."
    return body


# ------------------------------------------------------------------- catalogue
@bp.get("/centers")
@bp.output(CenterOut(many=True))
def list_centers():
    """Centers on this deployment."""
    with services().db.read() as s:
        return list(s.scalars(select(Center).order_by(Center.id)))


@bp.get("/centers/<int:center_id>/services")
@bp.output(ServiceOut(many=True))
def list_services(center_id: int):
    """Services (fields) of a center with today's waiting counts."""
    read_center(services().db, center_id)
    return services().queue.center_snapshot(center_id)["services"]


@bp.get("/centers/<int:center_id>/counters")
@bp.output(CounterOut(many=True))
def list_counters(center_id: int):
    """Counters of a center, the services each serves, and who is being served."""
    read_center(services().db, center_id)
    return services().queue.center_snapshot(center_id)["counters"]


@bp.get("/centers/<int:center_id>/queue")
@bp.output(SnapshotOut)
def queue_snapshot(center_id: int):
    """Today's queue of a center: waiting counts, counters, recent calls."""
    return services().queue.center_snapshot(center_id)


# --------------------------------------------------------------------- tickets
@bp.post("/tickets")
@bp.input(TicketIn, arg_name="data")
@bp.output(TicketOut, status_code=201)
def issue_ticket(data: dict[str, Any]):
    """Issue a ticket for a service (what a kiosk does when a citizen taps a field)."""
    principal = current_principal()
    actor = principal.actor if principal else "kiosk"
    # The service and its center are checked inside the issue's own transaction: no read before it.
    return services().queue.issue_ticket(data["center_id"], data["service_id"], priority=data.get("priority"), source="api",
                                         actor=actor)


@bp.get("/tickets/<token>")
@bp.output(TicketOut)
def ticket_status(token: str):
    """A ticket's public status by its unguessable token (the ticket QR's page uses it)."""
    if len(token) > 64:
        raise not_found("số thứ tự", "Ticket", "unknown_ticket")
    return services().queue.ticket_by_token(token)


@bp.post("/tickets/<int:ticket_id>/cancel")
@bp.input(CancelIn, arg_name="data")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def cancel_ticket(ticket_id: int, data: dict[str, Any]):
    """Cancel a waiting or called ticket (supervisor)."""
    with services().db.read() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise not_found("số thứ tự", "Ticket", "unknown_ticket")
        center_id = ticket.center_id
    principal = require("supervisor", center_id)
    return _call_body(services().queue.cancel(ticket_id, actor=principal.actor, reason=data.get("reason", "")))


# ------------------------------------------------------------- counter actions
def ensure_seat(principal: Principal, counter: Counter) -> None:
    """One clerk per counter: a clerk may not act at a counter another clerk holds
    (a supervisor may step in; a machine token acts for the counter itself)."""
    if principal.kind == "user" and not principal.has_role("supervisor"):
        ensure_may_work_at(services().db, counter, principal.id)


def counter_worker(counter_id: int) -> Principal:
    """The staff member acting at a counter: a clerk of its center, not locked out by another clerk
    sitting there (the counter is read once for both)."""
    counter = active_counter(counter_id, with_user=True)
    principal = require("clerk", counter.center_id)
    ensure_seat(principal, counter)
    return principal


def _counter_action(counter_id: int, action: str, **kwargs: Any) -> dict[str, Any]:
    principal = counter_worker(counter_id)
    queue = services().queue
    handler = {
        "call-next": queue.call_next,
        "recall": queue.recall,
        "start": queue.start,
        "finish": queue.finish,
        "no-show": queue.no_show,
    }[action]
    return _call_body(handler(counter_id, actor=principal.actor, **kwargs))


@bp.post("/counters/<int:counter_id>/call-next")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def call_next(counter_id: int):
    """Call the next number for this counter (atomic: never the same ticket to two counters)."""
    return _counter_action(counter_id, "call-next")


@bp.post("/counters/<int:counter_id>/recall")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def recall(counter_id: int):
    """Call the current number again (the board and voice repeat it)."""
    return _counter_action(counter_id, "recall")


@bp.post("/counters/<int:counter_id>/start")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def start(counter_id: int):
    """The called citizen has arrived: start serving."""
    return _counter_action(counter_id, "start")


@bp.post("/counters/<int:counter_id>/finish")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def finish(counter_id: int):
    """Finish serving the current number."""
    return _counter_action(counter_id, "finish")


@bp.post("/counters/<int:counter_id>/no-show")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def no_show(counter_id: int):
    """The called citizen did not come."""
    return _counter_action(counter_id, "no-show")


@bp.post("/counters/<int:counter_id>/transfer")
@bp.input(TransferIn, arg_name="data")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def transfer(counter_id: int, data: dict[str, Any]):
    """Send the current number to another service or counter, with a note."""
    principal = counter_worker(counter_id)
    result = services().queue.transfer(
        counter_id=counter_id,
        to_service_id=data.get("service_id"),
        to_counter_id=data.get("counter_id"),
        note=data.get("note", ""),
        actor=principal.actor,
    )
    return _call_body(result)


# ------------------------------------------------------------- floor actions: chosen call, park, pause
@bp.post("/counters/<int:counter_id>/call-chosen")
@bp.input(CallChosenIn, arg_name="data")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def call_chosen(counter_id: int, data: dict[str, Any]):
    """Call a ticket picked from this counter's waiting list, out of order, with a reason for the log
    (``elderly``, ``quick``, ``appointment``, or ``other`` with ``note``)."""
    principal = counter_worker(counter_id)
    result = services().queue.call_chosen(counter_id, data["ticket_id"], data["reason"], note=data["note"], actor=principal.actor)
    return _call_body(result)


@bp.post("/counters/<int:counter_id>/park")
@bp.input(ParkIn, arg_name="data")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def park(counter_id: int, data: dict[str, Any]):
    """Park the current ticket (đang chờ bổ sung: the citizen went to fetch a missing paper); the counter is free."""
    principal = counter_worker(counter_id)
    return _call_body(services().queue.park(counter_id, reason=data["reason"], actor=principal.actor))


@bp.get("/counters/<int:counter_id>/parked")
@bp.output(ParkedOut)
@bp.doc(**AUTH_DOC)
def parked(counter_id: int):
    """Today's parked tickets this counter may recall (parked here, or of its services), oldest first."""
    require("clerk", counter_center(counter_id))
    return parked_list(services().db, services().clock, counter_id)


@bp.post("/counters/<int:counter_id>/parked/<int:ticket_id>/recall")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def recall_parked(counter_id: int, ticket_id: int):
    """The citizen is back with the paper: call the parked ticket to this counter (announced like a call)."""
    principal = counter_worker(counter_id)
    return _call_body(services().queue.recall_parked(counter_id, ticket_id, actor=principal.actor))


@bp.post("/counters/<int:counter_id>/parked/<int:ticket_id>/cancel")
@bp.input(ReasonIn, arg_name="data")
@bp.output(CallOut)
@bp.doc(**AUTH_DOC)
def cancel_parked(counter_id: int, ticket_id: int, data: dict[str, Any]):
    """Withdraw a parked ticket (the citizen will not come back), with a reason kept in the log."""
    principal = counter_worker(counter_id)
    return _call_body(services().queue.cancel_parked(counter_id, ticket_id, reason=data["reason"], actor=principal.actor))


@bp.post("/counters/<int:counter_id>/pause")
@bp.input(PauseIn, arg_name="data")
@bp.output(CounterOut)
@bp.doc(**AUTH_DOC)
def pause(counter_id: int, data: dict[str, Any]):
    """Pause the counter (``break``, ``meeting``, ``support``, or ``other`` with ``note``): it calls nobody,
    and counts in no estimate or kiosk rule until resumed. Refused while a ticket is at the counter."""
    principal = counter_worker(counter_id)
    return services().queue.pause_counter(counter_id, data["reason"], note=data["note"], actor=principal.actor)


@bp.post("/counters/<int:counter_id>/resume")
@bp.output(CounterOut)
@bp.doc(**AUTH_DOC)
def resume(counter_id: int):
    """End the counter's pause: it calls and serves again."""
    principal = counter_worker(counter_id)
    return services().queue.resume_counter(counter_id, actor=principal.actor)


@bp.post("/counters/<int:counter_id>/open")
@bp.output(CounterOut)
@bp.doc(**AUTH_DOC)
def open_counter(counter_id: int):
    """Open the counter (a clerk sits down at it; refused while another clerk holds it, unless a supervisor takes over)."""
    principal = require("clerk", counter_center(counter_id))
    core = services()
    if principal.kind != "user":  # a machine token opens the counter for nobody in particular
        return core.queue.set_counter_open(counter_id, True)
    claim_counter(core.db, core.queue, counter_id, signed_in_user(), force=principal.has_role("supervisor"))
    return core.queue.counter_view(counter_id)


@bp.post("/counters/<int:counter_id>/close")
@bp.input(CloseIn, arg_name="data")
@bp.output(CloseOut)
@bp.doc(**AUTH_DOC)
def close_counter(counter_id: int, data: dict[str, Any]):
    """Close the counter (a clerk leaves it, or a supervisor closes it).

    A ticket called or being served there needs ``then``: ``finish``, ``requeue`` (back to the
    head of its queue) or ``transfer`` (with ``service_id`` or ``counter_id``); without it the
    counter stays open and the answer is 409 ``counter_has_ticket`` naming the choices."""
    principal = counter_worker(counter_id)
    choice = {"then": data.get("then"), "to_service_id": data.get("service_id"), "to_counter_id": data.get("counter_id"),
              "note": data.get("note", ""), "actor": principal.actor}
    return services().queue.set_counter_open(counter_id, False, **choice)


@bp.get("/counters/<int:counter_id>")
@bp.output(CounterOut)
@bp.doc(**AUTH_DOC)
def counter_status(counter_id: int):
    """A counter with the ticket it is serving."""
    require("clerk", counter_center(counter_id))
    return services().queue.counter_view(counter_id)


# ------------------------------------------------------------------------ auth
@bp.post("/auth/login")
@bp.input(LoginIn, arg_name="data")
@bp.output(MeOut)
@bp.doc(tags=["Auth"], responses={
    200: "Đã đăng nhập / signed in",
    401: "Sai tên đăng nhập hoặc mật khẩu / wrong username or password",
    429: "Đăng nhập sai nhiều lần, chờ Retry-After giây / too many failures, wait Retry-After seconds",
})
def login(data: dict[str, Any]):
    """Log in a clerk, supervisor or admin (sets a session cookie; returns the CSRF token).

    Wrong passwords are throttled per username and per client address: after a few, each
    further attempt must wait (1 s, 2 s, 4 s … up to 15 minutes) and is answered at once with
    429 ``signin_throttled`` and ``Retry-After``, even when the password is right."""
    principal = sign_in(data["username"], data["password"])
    start_session(principal)
    return me_body(principal)


@bp.post("/auth/logout")
@bp.doc(tags=["Auth"])
def logout():
    """Log out."""
    end_session()
    return {"ok": True}


@bp.get("/auth/me")
@bp.output(MeOut)
@bp.doc(tags=["Auth"])
def me():
    """The logged-in user and the CSRF token to send with changes."""
    return me_body(require("clerk"))
