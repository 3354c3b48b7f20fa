"""Users, API tokens and device tokens. Passwords are salted hashes; tokens are
stored as SHA-256 digests so a leaked database does not leak working tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from server.domain.errors import DomainError
from server.models import ApiToken, Device, User

ROLES = ("clerk", "supervisor", "admin")

# scrypt at werkzeug's default cost (about 0.1 s a hash): slow for anyone guessing from a stolen
# database. The test suite lowers it (tests/conftest.py), as Django's documentation advises for
# tests: a run hashes and checks thousands of passwords.
PASSWORD_HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """A salted hash of ``password`` with :data:`PASSWORD_HASH_METHOD` (its method is kept in the hash)."""
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)
ROLE_RANK = {role: i for i, role in enumerate(ROLES)}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is acting: a logged-in user or a machine token."""

    kind: str  # "user" | "api"
    id: int
    name: str
    role: str
    center_id: int | None
    scopes: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}:{self.name}"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    def may_act_in(self, center_id: int) -> bool:
        """A user of one center sees nothing of another; a province-wide account (no center) sees all."""
        return self.center_id is None or self.center_id == center_id


def create_user(
    session: Session, username: str, password: str, *, role: str = "clerk", center_id: int | None = None, full_name: str = ""
) -> User:
    """Create a user with a hashed password."""
    if role not in ROLES:
        raise DomainError("invalid_role", "Vai trò không hợp lệ.", "Unknown role.", status=400, allowed=list(ROLES))
    if len(password) < 8:
        raise DomainError(
            "weak_password", "Mật khẩu phải có ít nhất 8 ký tự.", "Password needs at least 8 characters.", status=400
        )
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise DomainError("username_taken", "Tên đăng nhập đã tồn tại.", "Username already exists.", status=409)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        center_id=center_id,
        full_name=full_name,
    )
    session.add(user)
    session.flush()
    return user


MIN_PASSWORD_LENGTH = 8


def set_password(user: User, password: str) -> None:
    """Replace ``user``'s password with the hash of ``password`` (at least 8 characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "weak_password", "Mật khẩu phải có ít nhất 8 ký tự.", "Password needs at least 8 characters.", status=400
        )
    user.password_hash = hash_password(password)


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    """The principal of a right password, or None. Unthrottled: the sign-in pages and the API
    go through server.domain.signin.SigninGuard, which counts failures; this is for tools."""
    user = session.execute(select(User).where(User.username == username, User.active.is_(True))).scalar_one_or_none()
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user_principal(user)


def user_principal(user: User) -> Principal:
    return Principal("user", user.id, user.username, user.role, user.center_id)


def create_api_token(
    session: Session, name: str, *, center_id: int | None = None, scopes: tuple[str, ...] = ("queue",), role: str = "supervisor"
) -> str:
    """Create a machine token; the plain token is returned once and never stored."""
    token = "mcq_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token), center_id=center_id, scopes=" ".join(scopes) + f" role:{role}"))
    session.flush()
    return token


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.active.is_(True))
    ).scalar_one_or_none()
    if row is None:
        return None
    scopes = frozenset(row.scopes.split())
    role = next((s.split(":", 1)[1] for s in scopes if s.startswith("role:")), "clerk")
    return Principal("api", row.id, row.name, role, row.center_id, scopes)


def register_device(
    session: Session, center_id: int, kind: str, name: str, *, printer_url: str | None = None, config: dict | None = None
) -> tuple[Device, str]:
    """Register a kiosk/display/printer; returns the device and its plain token (shown once)."""
    token = secrets.token_urlsafe(24)
    device = Device(
        center_id=center_id, kind=kind, name=name, token_hash=hash_token(token), printer_url=printer_url, config=config or {}
    )
    session.add(device)
    session.flush()
    return device, token


def device_for_token(session: Session, token: str) -> Device | None:
    """The active device holding ``token`` (every kiosk and board request asks)."""
    return session.execute(_device_statement(), {"token_hash": hash_token(token)}).scalar_one_or_none()


@functools.cache
def _device_statement() -> Select:
    # Built once, the hash bound at execution: building a statement costs more than running it.
    return select(Device).where(Device.token_hash == bindparam("token_hash"), Device.active.is_(True))
