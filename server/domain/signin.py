"""Sign-in that cannot be guessed at full speed: the throttle rule, in one place.

Every sign-in (the API, the console form, the admin form) goes through :class:`SigninGuard`.
Failures are counted per typed username and per client address in the database, so several
server processes share the count and a restart forgets nothing:

- the first ``free`` failures of a username (5) or an address (10: a center's PCs may reach
  the server through one NAT address) cost nothing;
- from then on each failure locks further attempts for a delay doubling from 1 s
  (1 s, 2 s, 4 s … capped at 15 minutes);
- an attempt during the wait is refused at once (429 ``signin_throttled`` with the time left,
  never by sleeping a server thread), even with the right password: otherwise an attacker
  would only need to wait for the answer that is not a refusal;
- a right password after the wait signs in and clears the username's count; the address keeps
  its count (a success of one's own account must not wipe out guesses at other accounts);
- a count is forgotten an hour after its last failure.

Unknown usernames are counted like real ones, and their password is checked against a dummy
hash, so neither the answer nor its timing tells whether an account exists.

Each attempt is charged as a failure *before* the password is checked and refunded when it
was right: two requests racing in parallel (threads or processes) therefore cannot both slip
past the count. Every refusal and every lock is written to the audit log, never the password.
"""
from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from server.clock import Clock, local_date, utc
from server.db import Database
from server.domain import audit
from server.domain.accounts import Principal, hash_password, user_principal
from server.domain.errors import DomainError
from server.models import User
from server.models.signin import SigninCounter, SigninFailure

ACCOUNT = "account"
ADDRESS = "address"
KEY_LENGTH = 120  # the column's width: a longer typed name is counted by its first 120 characters
KEEP_FAILURES = timedelta(days=90)  # the failed sign-in log kept for the dashboard and inquiries


@dataclass(frozen=True)
class ThrottleRule:
    """How many failures are free, and how the wait grows after them."""

    account_free: int = 5
    address_free: int = 10
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, failures: int, free: int) -> timedelta | None:
        """The wait after the ``failures``-th failure in a row, or None while failures are free."""
        if failures < free:
            return None
        steps = failures - free
        # 2**steps overflows nothing here: past ~20 steps the cap has long been reached.
        if steps >= 30:
            return self.max_delay
        return min(self.first_delay * (2**steps), self.max_delay)


class SigninThrottled(DomainError):
    """Too many failed sign-ins: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        vi, en = wait_words(retry_after)
        super().__init__(
            "signin_throttled",
            f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {vi}.",
            f"Too many failed sign-ins. Please try again in {en}.",
            status=429,
            retry_after_seconds=retry_after,
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers of the answer: when the client may try again."""
        return {"Retry-After": str(self.retry_after)}


def bad_credentials() -> DomainError:
    """The one answer to a wrong password or an unknown username (they must look alike)."""
    return DomainError("bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.", status=401)


def wait_words(seconds: int) -> tuple[str, str]:
    """A wait as people say it: "45 giây" / "45 seconds" under a minute, else whole minutes rounded up."""
    if seconds < 60:
        return f"{seconds} giây", f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} phút", f"{minutes} minute{'s' if minutes != 1 else ''}"


def account_key(username: str) -> str:
    """The counter key of a typed username: "Admin" and " admin" are the same guess."""
    return username.strip().lower()[:KEY_LENGTH]


def address_key(address: str | None) -> str:
    return (address or "unknown")[:64]


_dummy_hash: str | None = None
_dummy_lock = threading.Lock()


def _dummy_password_hash() -> str:
    """A hash made like real ones (same method and cost), checked for unknown usernames."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        return _dummy_hash


def verify_password(user: User | None, password: str) -> bool:
    """Check ``password`` against ``user``'s hash, or against a dummy one (same time) when there is no user."""
    if user is None:
        check_password_hash(_dummy_password_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def _active_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username.strip(), User.active.is_(True))).scalar_one_or_none()


def _counter(session: Session, kind: str, key: str) -> SigninCounter:
    """The counter row of (kind, key), created if missing and locked for this transaction."""
    table = SigninCounter.__table__
    values = {"kind": kind, "key": key, "failures": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.kind, table.c.key])
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.kind, table.c.key])
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(table).values(**values)
    session.execute(stmt)
    # FOR UPDATE: PostgreSQL serialises concurrent attempts on the row (SQLite: the write lock
    # taken by BEGIN IMMEDIATE already does). populate_existing: re-read, never a stale copy.
    return session.execute(
        select(SigninCounter).where(SigninCounter.kind == kind, SigninCounter.key == key)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _seconds_left(counter: SigninCounter, now: datetime) -> int:
    if counter.locked_until is None:
        return 0
    left = (utc(counter.locked_until) - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


def _charge(counter: SigninCounter, now: datetime, free: int, rule: ThrottleRule) -> None:
    """Count one more failure (forgetting an old streak first) and lock if it is past the free ones."""
    if counter.last_failed_at is not None and now - utc(counter.last_failed_at) > rule.forget_after:
        counter.failures = 0
    counter.failures += 1
    # last_failed_at moves only when the failure is confirmed (_failed): a refunded charge (a right
    # password) must not keep an address's old failures from being forgotten.
    delay = rule.delay(counter.failures, free)
    counter.locked_until = audit.utc_naive(now + delay) if delay is not None else None


@dataclass
class _Attempt:
    """What the charge step learnt, carried to the settle step."""

    refused_for: int = 0


class SigninGuard:
    """Checks passwords behind the throttle; shared by every sign-in entry point."""

    def __init__(self, db: Database, clock: Clock, rule: ThrottleRule | None = None) -> None:
        self.db = db
        self.clock = clock
        self.rule = rule or ThrottleRule()
        _dummy_password_hash()  # made now, so the first unknown username takes no longer than the next

    def sign_in(self, username: str, password: str, address: str | None) -> Principal:
        """The principal of a right password; raises ``bad_credentials`` (401) or ``SigninThrottled`` (429)."""
        user_key, addr = account_key(username), address_key(address)
        attempt = self.db.write_retrying(lambda s: self._begin(s, username, user_key, addr))
        if attempt.refused_for:
            raise SigninThrottled(attempt.refused_for)
        with self.db.read() as s:
            user = _active_user(s, username)
            principal = user_principal(user) if verify_password(user, password) else None
            user_id, center_id = (user.id, user.center_id) if user is not None else (None, None)
        if principal is not None:
            self.db.write_retrying(lambda s: self._succeeded(s, user_key, addr))
            return principal
        self.db.write_retrying(lambda s: self._failed(s, username, user_key, addr, user_id, center_id))
        raise bad_credentials()

    # ------------------------------------------------------------------ steps
    def _begin(self, session: Session, username: str, user_key: str, addr: str) -> _Attempt:
        """Refuse while the username or the address must wait; otherwise charge one failure."""
        now = utc(self.clock.now())
        account = _counter(session, ACCOUNT, user_key)
        address = _counter(session, ADDRESS, addr)
        left = max(_seconds_left(account, now), _seconds_left(address, now))
        if left:
            user = _active_user(session, username)
            failures = max(account.failures, address.failures)
            vi, _en = wait_words(left)
            audit.record(
                session, actor=f"anonymous:{addr}", action="signin_refused", entity="signin", entity_id=user_key,
                center_id=user.center_id if user else None, user_id=user.id if user else None,
                after={"username": user_key, "address": addr, "failures": failures, "retry_after_seconds": left},
                summary=f"Từ chối đăng nhập '{user_key}' từ {addr}: đã sai {failures} lần, phải chờ thêm {vi}",
                now=now,
            )
            return _Attempt(refused_for=left)
        _charge(account, now, self.rule.account_free, self.rule)
        _charge(address, now, self.rule.address_free, self.rule)
        return _Attempt()

    def _succeeded(self, session: Session, user_key: str, addr: str) -> None:
        """Refund the charge: the username starts afresh, the address keeps its earlier failures."""
        account = _counter(session, ACCOUNT, user_key)
        account.failures, account.last_failed_at, account.locked_until = 0, None, None
        address = _counter(session, ADDRESS, addr)
        address.failures = max(address.failures - 1, 0)
        # This attempt was let in, so no earlier wait was running: the lock is the charge's own.
        address.locked_until = None

    def _failed(self, session: Session, username: str, user_key: str, addr: str, user_id: int | None,
                center_id: int | None) -> None:
        """Keep the charge, log the failure, and audit a lock if the charge started one."""
        now = utc(self.clock.now())
        session.add(SigninFailure(at=audit.utc_naive(now), username=user_key, address=addr, user_id=user_id, center_id=center_id))
        account = _counter(session, ACCOUNT, user_key)
        address = _counter(session, ADDRESS, addr)
        account.last_failed_at = address.last_failed_at = audit.utc_naive(now)
        left = max(_seconds_left(account, now), _seconds_left(address, now))
        if left:
            by = "tên đăng nhập" if _seconds_left(account, now) >= _seconds_left(address, now) else "địa chỉ"
            vi, _en = wait_words(left)
            audit.record(
                session, actor=f"anonymous:{addr}", action="signin_locked", entity="signin", entity_id=user_key,
                center_id=center_id, user_id=user_id,
                after={"username": user_key, "address": addr, "account_failures": account.failures,
                       "address_failures": address.failures, "locked_for_seconds": left},
                summary=f"Tạm khoá đăng nhập '{user_key}' từ {addr} trong {vi} (sai nhiều lần theo {by})",
                now=now,
            )
        self._prune(session, now)

    def _prune(self, session: Session, now: datetime) -> None:
        """Forget counters long past their last failure, and failure rows past the kept period."""
        stale = audit.utc_naive(now - max(self.rule.forget_after, self.rule.max_delay) - timedelta(days=1))
        session.execute(delete(SigninCounter).where(SigninCounter.last_failed_at < stale))
        session.execute(delete(SigninFailure).where(SigninFailure.at < audit.utc_naive(now - KEEP_FAILURES)))


# ------------------------------------------------------------------ dashboard
def signin_summary(session: Session, center_id: int, now: datetime, tz: str) -> dict[str, Any]:
    """Failed sign-ins a center's supervisors should see: in the last hour, since local midnight,
    and the accounts (and client addresses) that must wait right now.

    A center sees its own accounts' failures plus those tied to no center (unknown usernames,
    province-wide accounts such as ``admin``): an attack on those concerns every center."""
    now = utc(now)
    scope = or_(SigninFailure.center_id == center_id, SigninFailure.center_id.is_(None))
    day_start = datetime.combine(local_date(now, tz), datetime.min.time())
    midnight = audit.utc_naive(day_start.replace(tzinfo=ZoneInfo(tz)))
    last_hour = session.scalar(select(func.count()).select_from(SigninFailure)
                               .where(scope, SigninFailure.at >= audit.utc_naive(now - timedelta(hours=1))))
    today = session.scalar(select(func.count()).select_from(SigninFailure).where(scope, SigninFailure.at >= midnight))
    locked_now = SigninCounter.locked_until > audit.utc_naive(now)
    locked_accounts = session.scalars(
        select(User.username).join(SigninCounter, func.lower(User.username) == SigninCounter.key)
        .where(SigninCounter.kind == ACCOUNT, locked_now, or_(User.center_id == center_id, User.center_id.is_(None)))
        .order_by(User.username)
    ).all()
    locked_addresses = session.scalar(select(func.count()).select_from(SigninCounter)
                                      .where(SigninCounter.kind == ADDRESS, locked_now))
    return {"failed_last_hour": int(last_hour or 0), "failed_today": int(today or 0),
            "locked_accounts": list(locked_accounts), "locked_addresses": int(locked_addresses or 0)}
