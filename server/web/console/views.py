"""Console pages: login, counter choice (one clerk per counter), the counter screen and the dossier pages.

Each page parses its request, asks the domain (server/domain/console.py, seats, dossiers) once and
renders; changes made on the counter screen go through the JSON API."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from server.domain import console, seats
from server.domain.dossiers.postal import parse_day
from server.domain.dossiers.states import CHANNEL_LABELS, RETURN_CHANNEL_LABELS, STATE_LABELS, TRANSITIONS
from server.domain.errors import DomainError
from server.domain.inputs import id_from_text
from server.extensions import services
from server.models import Center, Counter, User
from server.web.auth import csrf_ok, csrf_token, end_session, login_page, other_center, signed_in_user, staff_page

console_bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
                       static_url_path="/static")

COUNTER_KEY = "console_counter_id"
EXPIRED = ("Phiên làm việc đã hết hạn, hãy thử lại.", "The form expired, please try again.")
NO_COUNTER = ("Hãy chọn một quầy.", "Choose a counter.")

clerk_page = staff_page("clerk", "console.login")


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/console") or target.startswith("//"):
        return url_for("console.home")
    return target


def _held_counter(user: User) -> Counter | None:
    """The counter this session sits at, if this user still holds it."""
    return console.held_counter(services().db, session.get(COUNTER_KEY), user)


def _release(user: User, then: str | None) -> None:
    """Leave the session's counter (it closes); a called or serving ticket there needs ``then``
    (finish, requeue, transfer with ``service_id``/``counter_id``), else 409 ``counter_has_ticket``."""
    core = services()
    seats.release_counter(core.db, core.queue, int(session[COUNTER_KEY]), user.id, then=then,
                          to_service_id=_form_id("service_id"), to_counter_id=_form_id("counter_id"),
                          note=request.form.get("note", ""), actor=f"user:{user.id}:{user.username}")


def _form_id(name: str) -> int | None:
    try:
        return int(request.form.get(name) or "") or None
    except ValueError:
        return None


# ------------------------------------------------------------------ login
@console_bp.route("/login", methods=["GET", "POST"])
def login():
    """The clerk login form (CSRF-protected; the session lasts a working day)."""
    return login_page("console/login.html", expired_status=400, landing=lambda _who: _safe_next(request.form.get("next")))


@console_bp.post("/logout")
def logout():
    """Leave the counter and log out.

    Logging out ends the session: the rule of a session that ends applies (a ticket still called
    here goes back to the head of its queue). The console page asks first."""
    user = signed_in_user()
    if csrf_ok():
        if user is not None and session.get(COUNTER_KEY):
            _release(user, request.form.get("then") or "requeue")
        end_session()
    return redirect(url_for("console.login"))


# ------------------------------------------------------------------ counter choice
@console_bp.route("/counter", methods=["GET", "POST"])
@clerk_page
def pick_counter():
    """Choose the counter to work at; one clerk per counter."""
    error, status = _sit_down(g.user) if request.method == "POST" else (None, 200)
    if error is None and request.method == "POST":
        return redirect(url_for("console.home"))
    centers, rows = console.counter_choices(services().db, g.user)
    return render_template("console/pick_counter.html", user=g.user, centers=centers, counters=rows, error=error,
                           csrf=csrf_token(), can_force=console.may_take_over(g.user)), status


def _sit_down(user: User) -> tuple[tuple[str, str] | None, int]:
    """Claim the posted counter for ``user``; (None, 200) when seated, else the error and its status."""
    if not csrf_ok():
        return EXPIRED, 400
    counter_id = id_from_text(request.form.get("counter_id", ""))
    if counter_id is None:  # empty, "1.5", a 30-digit number…: no counter of ours
        return NO_COUNTER, 400
    core = services()
    try:
        force = request.form.get("force") == "1" and console.may_take_over(user)
        seats.claim_counter(core.db, core.queue, counter_id, user, force=force)
    except DomainError as exc:
        return (exc.message_vi, exc.message_en), exc.status
    session[COUNTER_KEY] = counter_id
    return None, 200


@console_bp.post("/leave")
@clerk_page
def leave():
    """Leave the counter (it closes for the queue's estimates) and go back to the counter choice.

    With a ticket called or being served the form must say what becomes of it (``then``: finish,
    requeue, transfer with ``service_id``/``counter_id``); otherwise the refusal names the choices
    and the clerk keeps the counter."""
    if csrf_ok() and session.get(COUNTER_KEY):
        _release(g.user, request.form.get("then") or None)
        session.pop(COUNTER_KEY, None)
    return redirect(url_for("console.pick_counter"))


# ------------------------------------------------------------------ the counter screen
@console_bp.get("/")
@clerk_page
def home():
    """The counter screen: current ticket, actions with shortcuts, waiting list, dossiers — live."""
    counter = _held_counter(g.user)
    if counter is None:
        session.pop(COUNTER_KEY, None)
        return redirect(url_for("console.pick_counter"))
    config = {**console.counter_screen(services().db, services().dossiers.dossiers, counter.id, g.user), "csrf": csrf_token()}
    with services().db.read() as s:
        center = s.get(Center, counter.center_id)
    return render_template("console/console.html", config=config, user=g.user, center=center, counter=counter, csrf=csrf_token())


# ------------------------------------------------------------------ back office: dossiers
@console_bp.get("/dossiers")
@clerk_page
def dossiers_page():
    """Dossiers of the center: filter, mark processing / supplement / result ready / returned."""
    center, centers = console.dossier_list_center(services().db, g.user, request.args.get("center"))
    state, query = console.dossier_state(request.args.get("state")), (request.args.get("q") or "")[:100]
    overdue = request.args.get("overdue") == "1"
    dossiers = services().dossiers.dossiers
    rows = dossiers.list_dossiers(center.id, state=state, query=query, overdue_only=overdue, limit=200)
    return _page("console/dossiers.html", center=center, centers=centers, rows=rows, state=state, q=query, overdue=overdue,
                 ready=dossiers.ready_codes(center.id))


@console_bp.get("/dossiers/<code>")
@clerk_page
def dossier_page(code: str):
    """One dossier: applicant, documents, dates, event log, receipt and apology, actions."""
    area = services().dossiers
    center_id = area.dossiers.center_of(code)
    if not g.principal.may_act_in(center_id):
        raise other_center()
    dossier = area.dossiers.get(code, center_id=center_id)
    with services().db.read() as s:
        center = s.get(Center, center_id)
    notices = area.notices.list(center_id, dossier_id=dossier["id"], limit=20)
    return _page("console/dossier.html", center=center, d=dossier, notices=notices)


@console_bp.get("/dossiers/new")
@clerk_page
def receive_page():
    """Receive a dossier without a queue ticket (received by post or online, or at a desk without a number):
    procedure, applicant, receiving and return channels, the delivery address when returned by post."""
    center, centers = console.dossier_list_center(services().db, g.user, request.args.get("center"))
    procedures = services().dossiers.dossiers.procedures(center.id)
    return _page("console/dossier_receive.html", center=center, centers=centers, procedures=procedures)


@console_bp.get("/postal")
@clerk_page
def postal_page():
    """Danh sách bàn giao bưu điện: the day's results to hand to the post office (codes, names, addresses,
    phones), printable on A4 with signature blocks, as CSV, and "đã giao bưu điện" for those ticked."""
    center, centers = console.dossier_list_center(services().db, g.user, request.args.get("center"))
    listing = services().dossiers.dossiers.postal_list(center.id, parse_day(request.args.get("day")))
    return _page("console/postal.html", center=center, centers=centers, listing=listing)


@console_bp.context_processor
def dossier_channels() -> dict[str, Any]:
    """The receiving and return channels' labels, for the receive forms (the counter screen's too)."""
    return {"receive_channels": CHANNEL_LABELS, "return_channels": RETURN_CHANNEL_LABELS}


def _page(template: str, **context: Any) -> str:
    """A back-office page with what every one of them shows: the user, states, actions, the counter held."""
    return render_template(template, user=g.user, states=STATE_LABELS, transitions=TRANSITIONS, csrf=csrf_token(),
                           counter=_held_counter(g.user), **context)


__all__ = ["console_bp"]
