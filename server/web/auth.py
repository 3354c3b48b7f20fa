"""Who is calling: a signed-in browser session, a machine's API token or a registered device.

One sign-in for the console, the admin pages and the JSON API (Flask-Login keeps the user in the
session cookie); one CSRF check (Flask-WTF's signed token, checked explicitly where a signed-in
browser session authorises a change: form field ``csrf_token`` or header ``X-CSRF-Token``); one
device-token check (:func:`device_from_request`, header ``X-Device-Token``), which the rate
limiter's bucket uses too. Bearer tokens and device tokens are never sent by a browser on its
own, so they need no CSRF token.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_wtf.csrf import CSRFError, CSRFProtect, ValidationError, generate_csrf, validate_csrf
from sqlalchemy.orm import Session

from server.domain import kiosk as kiosk_domain
from server.domain import seats
from server.domain.accounts import Principal, device_for_token, principal_for_token, user_principal
from server.domain.alerts import DISPLAY_KINDS
from server.domain.errors import DomainError, other_center
from server.domain.signin import SigninGuard
from server.extensions import services
from server.models import User

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
DEVICE_HEADER = "X-Device-Token"
MAX_DEVICE_TOKEN = 200  # a longer header is no token of ours: never looked up
SIGNIN_KEY = "motcua_signin"

login_manager = LoginManager()
# No "fresh login" rule here, and a clerk's address may change behind NAT: the session cookie is
# signed and ends after PERMANENT_SESSION_LIFETIME (a working day).
login_manager.session_protection = None
csrf = CSRFProtect()


class Account(UserMixin):
    """The signed-in user as Flask-Login holds it: the ``users`` row, read once per request."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie."""
        return str(self.user.id)


def init_auth(app: Flask) -> None:
    """Install Flask-Login, Flask-WTF's CSRF tokens and the sign-in throttle on ``app``."""
    app.config.update(
        # Checked explicitly (check_csrf) where a session authorises the request: API tokens,
        # device tokens and public endpoints carry none.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_FIELD_NAME=CSRF_FIELD,
        WTF_CSRF_HEADERS=[CSRF_HEADER],
        # The console page stays open all day with one token; the session (a working day) bounds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    core = services(app)
    app.extensions[SIGNIN_KEY] = SigninGuard(core.db, core.clock)


@login_manager.user_loader
def _load_account(user_id: str) -> Account | None:
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    with services().db.read() as s:
        return _active_account(s, key)


def _active_account(s: Session, user_id: int) -> Account | None:
    """The user ``user_id`` as Flask-Login holds it, when that account is active; else None."""
    user = s.get(User, user_id)
    return Account(user) if user is not None and user.active else None


def read_signed_in_user(s: Session) -> None:
    """Read this browser session's user with ``s``, a read unit the caller has open anyway, and hand
    it to Flask-Login for the request (as its user loader would: an active user only). A clerk's
    counter action then opens one read unit before its write, not two (issue 17). Nothing happens
    for an API token, a visitor, or a request whose user was already read."""
    user_id = session_user_id()
    if user_id is None or "_login_user" in g or _bearer_header():
        return
    account = _active_account(s, user_id)
    if account is not None:
        g._login_user = account  # where Flask-Login keeps the request's user (end_session clears it too)


def _bearer_header() -> str | None:
    """This request's ``Authorization: Bearer …`` header, or None without one."""
    header = request.headers.get("Authorization", "")
    return header if header.lower().startswith("bearer ") else None


# ------------------------------------------------------------------ sessions
def signed_in_user() -> User | None:
    """The active user of this browser session (console and admin pages, Socket.IO), or None."""
    return current_user.user if current_user.is_authenticated else None


def session_user_id() -> int | None:
    """The user id the session cookie names, without reading the database (signed, so not forged)."""
    try:
        return int(session["_user_id"])
    except (KeyError, TypeError, ValueError):
        return None


def sign_in(username: str, password: str) -> Principal:
    """Check a username and password behind the sign-in throttle (server/domain/signin.py).

    The client address is this request's (the real one behind ``TRUSTED_PROXIES``). Raises
    ``bad_credentials`` (401) or ``signin_throttled`` (429, with ``Retry-After``)."""
    guard: SigninGuard = current_app.extensions[SIGNIN_KEY]
    return guard.sign_in(username, password, request.remote_addr)


def start_session(principal: Principal) -> str:
    """Sign ``principal`` in on a fresh session (never the one a visitor came with); its CSRF token.
    The sign-in is the clerk's first request of the session: the holds of counters they still hold
    are refreshed here (:func:`note_presence`), not by the first call-next after it."""
    with services().db.read() as s:
        user = s.get(User, principal.id)
    session.clear()
    g.pop(CSRF_FIELD, None)  # generate_csrf caches the old session's token for this request
    session.permanent = True
    login_user(Account(user))
    g.principal = principal
    note_presence(principal.id)
    return csrf_token()


def note_presence(user_id: int) -> None:
    """The signed-in clerk made a request: keep their counter holds alive (at most every
    ``seats.PRESENCE_REFRESH``, noted in the session, so most requests write nothing)."""
    now = services().clock.now()
    seen = session.get("seen_at")
    if not isinstance(seen, (int, float)) or now.timestamp() - seen >= seats.PRESENCE_REFRESH.total_seconds():
        seats.note_presence(services().db, user_id, now)
        session["seen_at"] = now.timestamp()


def end_session() -> None:
    """Sign out: the whole session goes (its counter choice and CSRF token too)."""
    session.clear()
    g.pop(CSRF_FIELD, None)
    g.pop("_login_user", None)


def me(principal: Principal) -> dict[str, Any]:
    """The signed-in account as ``MeOut``, with the CSRF token to send with changes."""
    return {"id": principal.id, "username": principal.name, "role": principal.role, "center_id": principal.center_id,
            "csrf_token": csrf_token()}


# ------------------------------------------------------------------ CSRF
def csrf_token() -> str:
    """This session's CSRF token (what forms carry in ``csrf_token`` and scripts in ``X-CSRF-Token``)."""
    return generate_csrf()


def csrf_ok() -> bool:
    """True when the request carries this session's CSRF token (form field or header)."""
    sent = request.headers.get(CSRF_HEADER, "") or (request.form.get(CSRF_FIELD, "") if request.form else "")
    try:
        validate_csrf(sent)
    except ValidationError:
        return False
    return True


def csrf_failed() -> DomainError:
    """403 ``csrf_failed``: the page's token is missing or belongs to another session."""
    return DomainError("csrf_failed", "Phiên làm việc không hợp lệ, hãy tải lại trang.",
                       "Missing or wrong CSRF token; reload the page.", status=403)


def check_csrf() -> None:
    """Refuse a change a signed-in browser session authorises without its CSRF token."""
    if not csrf_ok():
        raise csrf_failed()


# ------------------------------------------------------------------ principals
def current_principal() -> Principal | None:
    """The authenticated principal of this request (API token or signed-in session), or None.

    A session's unsafe request must carry its CSRF token (403 ``csrf_failed``)."""
    if "principal" in g:
        return g.principal
    principal = None
    if _bearer_header():
        principal = api_principal()
        if principal is None:
            raise DomainError("invalid_token", "Mã truy cập không hợp lệ.", "Invalid API token.", status=401)
    elif session_user_id() is not None:
        if request.method in UNSAFE:
            check_csrf()
        user = signed_in_user()
        principal = user_principal(user) if user is not None else None
    g.principal = principal
    return principal


def api_principal() -> Principal | None:
    """The principal of the active API token this request carries (``Authorization: Bearer …``),
    looked up once per request (the rate limiter asks before the view does); None without one,
    or for a token that is not an active one of ours."""
    if "api_principal" not in g:
        token = (_bearer_header() or "")[7:].strip()
        principal = None
        if token and len(token) <= MAX_DEVICE_TOKEN:
            with services().db.read() as s:
                principal = principal_for_token(s, token)
        g.api_principal = principal
    return g.api_principal


def require(role: str = "clerk", center_id: int | None = None) -> Principal:
    """The principal, refusing with 401/403 unless it has ``role`` in ``center_id``."""
    principal = current_principal()
    if principal is None:
        raise DomainError("unauthorized", "Bạn cần đăng nhập.", "Login required.", status=401)
    if not principal.has_role(role):
        raise DomainError("forbidden", "Bạn không có quyền làm việc này.", "You are not allowed to do this.", status=403)
    if center_id is not None and not principal.may_act_in(center_id):
        raise other_center()
    return principal


def staff_page(role: str, login_endpoint: str) -> Callable[[Callable], Callable]:
    """A page for ``role`` and above (``g.user``, ``g.principal``): anonymous visitors go to
    ``login_endpoint``, others get 403; a ``center_id`` in the URL must be the user's center."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = signed_in_user()
            if user is None:
                return redirect(url_for(login_endpoint, next=request.full_path.rstrip("?")))
            principal = user_principal(user)
            if not principal.has_role(role):
                raise DomainError("forbidden", "Bạn không có quyền xem trang này.", "You are not allowed to see this page.",
                                  status=403)
            center_id = kwargs.get("center_id")
            if center_id is not None and not principal.may_act_in(center_id):
                raise other_center()
            g.user = user
            g.principal = principal
            return view(*args, **kwargs)

        return wrapper

    return decorate


def login_page(template: str, *, expired_status: int, landing: Callable[[Principal], str]) -> ResponseReturnValue:
    """The sign-in form of the console and the admin pages: GET shows it, POST signs in and
    redirects to ``landing(principal)``. A failed attempt keeps the typed username (never the
    password); an expired form answers ``expired_status``, a refused sign-in its own status
    (401 wrong password, 429 throttled with ``Retry-After``)."""
    error: tuple[str, str] | None = None
    status = 200
    headers: dict[str, str] = {}
    username = request.form.get("username", "").strip()[:80] if request.method == "POST" else ""
    if request.method == "POST":
        if not csrf_ok():
            error, status = ("Phiên làm việc đã hết hạn, hãy thử lại.", "The form expired, please try again."), expired_status
        else:
            try:
                principal = sign_in(username, request.form.get("password", ""))
            except DomainError as refused:
                error, status = (refused.message_vi, refused.message_en), refused.status
                headers = getattr(refused, "headers", None) or {}
            else:
                start_session(principal)
                return redirect(landing(principal))
    page = render_template(template, csrf=csrf_token(), error=error, username=username, next=request.values.get("next", ""))
    return page, status, headers


# ------------------------------------------------------------------ devices
def device_token() -> str:
    """The device token this request carries (``X-Device-Token``), stripped; may be empty."""
    return request.headers.get(DEVICE_HEADER, "").strip()


def registered_device() -> dict[str, Any] | None:
    """The active device whose token this request carries, of any kind, looked up once per request
    (the rate limiter asks before the view does); None when there is none. Never the header alone:
    a caller inventing a token per request must not get a device's treatment."""
    if "device" not in g:
        token = device_token()
        device = None
        if token and len(token) <= MAX_DEVICE_TOKEN:
            with services().db.read() as s:
                row = device_for_token(s, token)
                device = kiosk_domain.device_view(row) if row is not None else None
        g.device = device
    return g.device


def device_from_request(kinds: tuple[str, ...] = ("kiosk",)) -> dict[str, Any]:
    """The registered device of this request if it is one of ``kinds`` (as
    :func:`server.domain.kiosk.device_view`), noted as seen; 401 ``device_unregistered`` otherwise."""
    device = registered_device()
    if device is None or device["kind"] not in kinds:
        raise _unregistered(kinds)
    core = services()
    kiosk_domain.note_seen(core.db, device, core.clock.now())
    return device


def _unregistered(kinds: tuple[str, ...]) -> DomainError:
    if set(kinds) <= set(DISPLAY_KINDS):
        return DomainError(
            "device_unregistered",
            "Màn hình này chưa được đăng ký hoặc mã thiết bị không còn hiệu lực. Vui lòng báo cán bộ kỹ thuật.",
            "This display is not registered, or its device token is no longer valid. Please call the IT officer.",
            status=401,
        )
    return kiosk_domain.unregistered()


__all__ = [
    "CSRFError", "api_principal", "check_csrf", "csrf_failed", "csrf_ok", "csrf_token", "current_principal",
    "device_from_request", "device_token", "end_session", "init_auth", "login_page", "me", "other_center",
    "registered_device", "require", "session_user_id", "sign_in", "signed_in_user", "staff_page", "start_session",
]
