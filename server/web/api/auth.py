"""Who is calling the API: a clerk's browser session or a machine's bearer token.

Browser sessions must echo the session's CSRF token in ``X-CSRF-Token`` on
unsafe methods; bearer tokens are not sent by browsers on their own, so they
need none.
"""
from __future__ import annotations

import hmac
import secrets

from flask import current_app, g, request, session

from server.domain.accounts import Principal, principal_for_token
from server.domain.errors import DomainError
from server.domain.signin import SigninGuard
from server.extensions import services
from server.models import User

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def signed_in_user() -> User | None:
    """The active user of this browser session (console and admin pages), or None."""

    user_id = session.get("user_id")
    if not user_id:
        return None
    with services().db.read() as s:
        user = s.get(User, user_id)
        return user if user is not None and user.active else None


def sign_in(username: str, password: str) -> Principal:
    """Check a username and password behind the sign-in throttle (server/domain/signin.py).

    The client address is this request's (the real one behind ``TRUSTED_PROXIES``). Raises
    ``bad_credentials`` (401) or ``signin_throttled`` (429, with ``Retry-After``)."""
    guard = current_app.extensions.get("motcua_signin")
    if guard is None:

        core = services()
        guard = current_app.extensions.setdefault("motcua_signin", SigninGuard(core.db, core.clock))
    return guard.sign_in(username, password, request.remote_addr)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def current_principal() -> Principal | None:
    """The authenticated principal of this request, or None."""
    if "principal" in g:
        return g.principal

    principal = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        with services().db.read() as s:
            principal = principal_for_token(s, header[7:].strip())
        if principal is None:
            raise DomainError("invalid_token", "Mã truy cập không hợp lệ.", "Invalid API token.", status=401)
    elif session.get("user_id"):
        if request.method in UNSAFE:
            sent = request.headers.get("X-CSRF-Token", "") or (request.form.get("csrf_token", "") if request.form else "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                raise DomainError("csrf_failed", "Phiên làm việc không hợp lệ, hãy tải lại trang.", "Missing or wrong CSRF token; reload the page.", status=403)
        with services().db.read() as s:
            user = s.get(User, session["user_id"])
            if user is not None and user.active:
                principal = Principal("user", user.id, user.username, user.role, user.center_id)
    g.principal = principal
    return principal


def require(role: str = "clerk", center_id: int | None = None) -> Principal:
    """The principal, refusing with 401/403 unless it has ``role`` in ``center_id``."""
    principal = current_principal()
    if principal is None:
        raise DomainError("unauthorized", "Bạn cần đăng nhập.", "Login required.", status=401)
    if not principal.has_role(role):
        raise DomainError("forbidden", "Bạn không có quyền làm việc này.", "You are not allowed to do this.", status=403)
    if center_id is not None and not principal.may_act_in(center_id):
        raise DomainError("forbidden", "Bạn không có quyền ở trung tâm này.", "You have no rights in this center.", status=403)
    return principal
