"""Console pages: login, counter choice (one clerk per counter), the counter screen and the dossier pages."""
from __future__ import annotations


from flask import Blueprint, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from server.web.auth import csrf_ok, csrf_token, end_session, login_page, signed_in_user, staff_page
from server.web.api.dossiers import area
from server.domain import seats
from server.domain.accounts import ROLE_RANK
from server.domain.centers import centers_visible_to
from server.domain.dossiers import CHANNEL_LABELS, STATE_LABELS, TRANSITIONS
from server.domain.errors import DomainError
from server.domain.inputs import id_from_text
from server.extensions import services
from server.models import Center, Counter, Service, User
from server.models.dossiers import DossierState

console_bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
                       static_url_path="/static")

COUNTER_KEY = "console_counter_id"


# ------------------------------------------------------------------ access


clerk_page = staff_page("clerk", "console.login")


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/console") or target.startswith("//"):
        return url_for("console.home")
    return target


def _centers_for(user: User) -> list[Center]:
    with services().db.read() as s:
        return centers_visible_to(s, user)


def _held_counter(user: User) -> Counter | None:
    """The counter this session sits at, if this user still holds it (a supervisor may have taken it over)."""
    counter_id = session.get(COUNTER_KEY)
    if not counter_id:
        return None
    with services().db.read() as s:
        counter = s.get(Counter, counter_id)
        if counter is None or not counter.active or counter.clerk_id != user.id or not counter.is_open:
            return None
        return counter


def _holder_names(counter_ids: list[int]) -> dict[int, str]:
    with services().db.read() as s:
        rows = s.execute(select(Counter.id, User.full_name, User.username).join(User, User.id == Counter.clerk_id)
                         .where(Counter.id.in_(counter_ids or [-1]), Counter.is_open.is_(True))).all()
        return {cid: (full or username) for cid, full, username in rows}


def claim_counter(counter_id: int, user: User, *, force: bool = False) -> None:
    """Sit ``user`` at a counter (see server.domain.seats: one clerk per counter)."""
    core = services()
    seats.claim_counter(core.db, core.queue, counter_id, user, force=force)


def release_counter(counter_id: int, user: User, *, then: str | None = None, to_service_id: int | None = None,
                    to_counter_id: int | None = None, note: str = "") -> None:
    """Leave a counter (it closes) if this user holds it; a called or serving ticket there needs ``then``
    (finish, requeue, transfer), else 409 ``counter_has_ticket``."""
    core = services()
    seats.release_counter(core.db, core.queue, counter_id, user.id, then=then, to_service_id=to_service_id,
                          to_counter_id=to_counter_id, note=note, actor=f"user:{user.id}:{user.username}")


def _form_id(name: str) -> int | None:
    try:
        return int(request.form.get(name) or "") or None
    except ValueError:
        return None


# ------------------------------------------------------------------ login
@console_bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    """The clerk login form (CSRF-protected; the session lasts a working day)."""
    return login_page("console/login.html", expired_status=400, landing=lambda _who: _safe_next(request.form.get("next")))


@console_bp.post("/logout")
def logout():  # noqa: ANN201
    """Leave the counter and log out."""
    user = signed_in_user()
    if csrf_ok():
        if user is not None and session.get(COUNTER_KEY):
            # Logging out ends the session: the rule of a session that ends applies (a ticket still
            # called here goes back to the head of its queue). The console page asks first.
            release_counter(int(session[COUNTER_KEY]), user, then=request.form.get("then") or "requeue",
                            to_service_id=_form_id("service_id"), to_counter_id=_form_id("counter_id"),
                            note=request.form.get("note", ""))
        end_session()
    return redirect(url_for("console.login"))


# ------------------------------------------------------------------ counter choice
@console_bp.route("/counter", methods=["GET", "POST"])
@clerk_page
def pick_counter():  # noqa: ANN201
    """Choose the counter to work at; one clerk per counter."""
    user: User = g.user
    error = None
    status = 200
    if request.method == "POST":
        if not csrf_ok():
            error, status = ("Phiên làm việc đã hết hạn, hãy thử lại.", "The form expired, please try again."), 400
        else:
            try:
                counter_id = id_from_text(request.form.get("counter_id", ""))
                if counter_id is None:  # empty, "1.5", a 30-digit number…: no counter of ours
                    raise ValueError("no counter chosen")
                force = request.form.get("force") == "1" and ROLE_RANK.get(user.role, -1) >= ROLE_RANK["supervisor"]
                claim_counter(counter_id, user, force=force)
                session[COUNTER_KEY] = counter_id
                return redirect(url_for("console.home"))
            except ValueError:
                error, status = ("Hãy chọn một quầy.", "Choose a counter."), 400
            except DomainError as exc:
                error, status = (exc.message_vi, exc.message_en), exc.status
    centers = _centers_for(user)
    with services().db.read() as s:
        counters = list(s.scalars(select(Counter).where(Counter.center_id.in_([c.id for c in centers] or [-1]), Counter.active.is_(True))
                                  .order_by(Counter.center_id, Counter.number)))
        services_by_id = {sv.id: sv for sv in s.scalars(select(Service).where(Service.center_id.in_([c.id for c in centers] or [-1])))}
        rows = [{"id": c.id, "number": c.number, "name": c.name, "center_id": c.center_id, "is_open": c.is_open,
                 "clerk_id": c.clerk_id, "services": [services_by_id[i].name for i in c.service_ids if i in services_by_id]}
                for c in counters]
    holders = _holder_names([r["id"] for r in rows])
    for row in rows:
        row["holder"] = holders.get(row["id"])
        row["mine"] = row["clerk_id"] == user.id and row["is_open"]
    return render_template("console/pick_counter.html", user=user, centers=centers, counters=rows, error=error, csrf=csrf_token(),
                           can_force=ROLE_RANK.get(user.role, -1) >= ROLE_RANK["supervisor"]), status


@console_bp.post("/leave")
@clerk_page
def leave():  # noqa: ANN201
    """Leave the counter (it closes for the queue's estimates) and go back to the counter choice.

    With a ticket called or being served the form must say what becomes of it (``then``: finish,
    requeue, transfer with ``service_id``/``counter_id``); otherwise the refusal names the choices
    and the clerk keeps the counter."""
    if csrf_ok() and session.get(COUNTER_KEY):
        release_counter(int(session[COUNTER_KEY]), g.user, then=request.form.get("then") or None,
                        to_service_id=_form_id("service_id"), to_counter_id=_form_id("counter_id"),
                        note=request.form.get("note", ""))
        session.pop(COUNTER_KEY, None)
    return redirect(url_for("console.pick_counter"))


# ------------------------------------------------------------------ the counter screen
@console_bp.get("/")
@clerk_page
def home():  # noqa: ANN201
    """The counter screen: current ticket, actions with shortcuts, waiting list, dossiers — live."""
    user: User = g.user
    counter = _held_counter(user)
    if counter is None:
        session.pop(COUNTER_KEY, None)
        return redirect(url_for("console.pick_counter"))

    with services().db.read() as s:
        counter = s.get(Counter, counter.id)
        center = s.get(Center, counter.center_id)
        all_services = list(s.scalars(select(Service).where(Service.center_id == center.id).order_by(Service.sort_order)))
        counters = list(s.scalars(select(Counter).where(Counter.center_id == center.id, Counter.active.is_(True)).order_by(Counter.number)))
        my_services = list(counter.service_ids)
    procedures = area().dossiers.procedures(center.id)
    config = {
        "center_id": center.id, "center_name": center.name, "timezone": center.timezone,
        "counter": {"id": counter.id, "number": counter.number, "name": counter.name, "service_ids": my_services},
        "user": {"id": user.id, "username": user.username, "name": user.full_name or user.username, "role": user.role},
        "csrf": csrf_token(),
        "services": [{"id": sv.id, "code": sv.code, "name": sv.name, "kind": sv.kind, "active": sv.active} for sv in all_services],
        "counters": [{"id": c.id, "number": c.number, "name": c.name} for c in counters],
        "procedures": procedures,
        "channels": [{"code": k, "vi": vi, "en": en} for k, (vi, en) in CHANNEL_LABELS.items()],
        "auto_finish": bool(center.auto_finish_on_next),
    }
    return render_template("console/console.html", config=config, user=user, center=center, counter=counter, csrf=csrf_token())


# ------------------------------------------------------------------ back office: dossiers
@console_bp.get("/dossiers")
@clerk_page
def dossiers_page():  # noqa: ANN201
    """Dossiers of the center: filter, mark processing / supplement / result ready / returned."""

    user: User = g.user
    centers = _centers_for(user)
    arg = request.args.get("center")
    center_id = id_from_text(arg) if arg else (user.center_id or (centers[0].id if centers else 0))
    if center_id is None:
        center_id = user.center_id or 0
    center = next((c for c in centers if c.id == center_id), None)
    if center is None:
        raise DomainError("forbidden", "Bạn không có quyền ở trung tâm này.", "You have no rights in this center.", status=403)
    state = request.args.get("state") or None
    if state not in (None, *DossierState.ALL):
        state = None
    query = (request.args.get("q") or "")[:100]
    overdue = request.args.get("overdue") == "1"
    rows = area().dossiers.list_dossiers(center.id, state=state, query=query, overdue_only=overdue, limit=200)
    ready = area().dossiers.ready_codes(center.id)
    return render_template("console/dossiers.html", user=user, center=center, centers=centers, rows=rows, state=state, q=query,
                           overdue=overdue, states=STATE_LABELS, ready=ready, csrf=csrf_token(), transitions=TRANSITIONS,
                           counter=_held_counter(user))


@console_bp.get("/dossiers/<code>")
@clerk_page
def dossier_page(code: str):  # noqa: ANN201
    """One dossier: applicant, documents, dates, event log, receipt and apology, actions."""

    user: User = g.user
    dossiers = area().dossiers
    center_id = dossiers.center_of(code)
    if user.center_id is not None and user.center_id != center_id:
        raise DomainError("forbidden", "Bạn không có quyền ở trung tâm này.", "You have no rights in this center.", status=403)
    dossier = dossiers.get(code, center_id=center_id)
    with services().db.read() as s:
        center = s.get(Center, center_id)
    notices = area().notices.list(center_id, dossier_id=dossier["id"], limit=20)
    return render_template("console/dossier.html", user=user, center=center, d=dossier, states=STATE_LABELS, transitions=TRANSITIONS,
                           notices=notices, csrf=csrf_token(), counter=_held_counter(user))


__all__ = ["console_bp", "claim_counter", "release_counter"]
