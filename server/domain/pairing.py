"""Pairing a new device the way smart TVs pair: the device shows a 6-digit code, an admin types it.

1. A browser with no device token asks for a pairing (:meth:`PairingService.start`): it gets a
   short-lived 6-digit ``code`` to show in large digits and a long random ``secret`` it keeps.
2. An admin types the code on the Devices page and picks what the device becomes
   (:meth:`PairingService.claim`): a kiosk, a board, a counter screen or a rating tablet, in a
   center, with its counter and printer. The device row is created then.
3. The device, polling with its secret (:meth:`PairingService.poll`), receives its device token
   once and turns into its role. Nobody types or reads a token.

Why it is safe enough on a LAN: codes live ``PAIRING_TTL`` (10 minutes) and serve once; only an
admin of the chosen center can claim one; each actor gets ``MAX_FAILED_CLAIMS`` wrong codes per
``FAILED_WINDOW`` (so 10 guesses in 10⁶ codes); a machine holds at most ``MAX_OPEN_PER_CLIENT``
open codes; the token travels only to the holder of the secret (stored hashed), never in a URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.clock import Clock, iso_utc, utc
from server.domain import audit
from server.domain.accounts import hash_token, register_device
from server.domain.errors import DomainError, not_found
from server.models import Center, Counter, Device
from server.models.devices import DevicePairing, PairingAttempt

PAIRING_TTL = timedelta(minutes=10)
DELIVERY_TTL = timedelta(minutes=10)  # after the admin's claim, the device must fetch its token within this
MAX_OPEN_PER_CLIENT = 5
MAX_FAILED_CLAIMS = 10
FAILED_WINDOW = timedelta(minutes=10)
CODE_DIGITS = 6
PAIRABLE_KINDS = ("kiosk", "display", "counter_screen", "rating_tablet")
NEEDS_COUNTER = ("counter_screen", "rating_tablet")
WANTED_KINDS = ("", *PAIRABLE_KINDS)


@dataclass(frozen=True)
class PairingClaim:
    """What an admin decided the device with ``code`` becomes."""

    code: str
    center_id: int
    kind: str
    name: str
    counter_id: int | None = None
    printer_url: str | None = None


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as every DateTime column of the schema holds it."""
    return moment.astimezone(UTC).replace(tzinfo=None)



def normalise_code(code: str) -> str:
    """The digits of what was typed ("123 456", "123-456" → "123456")."""
    return "".join(ch for ch in str(code or "") if ch.isdigit())


def _bad_code() -> DomainError:
    return DomainError(
        "pairing_code_unknown",
        "Mã ghép nối không đúng hoặc đã được dùng. Hãy xem lại 6 chữ số trên màn hình thiết bị.",
        "Wrong or already used pairing code. Check the 6 digits on the device's screen.",
        status=404,
    )


class PairingService:
    """Pairing over the app's database (one short transaction per call); the clock is injectable."""

    def __init__(self, db: Any, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ device side
    def start(self, *, client: str = "", wanted: str = "") -> dict[str, Any]:
        """A new pairing for a browser without a token: ``code`` to show, ``secret`` to keep (once)."""
        wanted = wanted if wanted in WANTED_KINDS else ""
        now = self.clock.now()
        with self.db.write() as s:
            s.execute(delete(DevicePairing).where(DevicePairing.expires_at < _naive(now - PAIRING_TTL - DELIVERY_TTL)))
            s.execute(delete(PairingAttempt).where(PairingAttempt.at < _naive(now - FAILED_WINDOW)))
            open_here = s.scalar(
                select(func.count())
                .select_from(DevicePairing)
                .where(
                    DevicePairing.client == client[:64],
                    DevicePairing.claimed_at.is_(None),
                    DevicePairing.expires_at > _naive(now),
                )
            )
            if open_here >= MAX_OPEN_PER_CLIENT:
                raise DomainError(
                    "pairing_rate_limited",
                    "Máy này đã xin quá nhiều mã ghép nối. Hãy đợi vài phút rồi tải lại trang.",
                    "This machine asked for too many pairing codes. Wait a few minutes, then reload.",
                    status=429,
                )
            code = self._free_code(s, now)
            secret = secrets.token_urlsafe(32)
            pairing = DevicePairing(
                code=code,
                secret_hash=hash_token(secret),
                client=client[:64],
                wanted=wanted,
                created_at=_naive(now),
                expires_at=_naive(now + PAIRING_TTL),
            )
            s.add(pairing)
            s.flush()
            return {
                "code": code,
                "secret": secret,
                "expires_at": iso_utc(pairing.expires_at),
                "expires_in": int(PAIRING_TTL.total_seconds()),
                "state": "waiting",
            }

    def _free_code(self, s: Session, now: datetime) -> str:
        """A random code no other open pairing shows (a clash would pair the wrong screen)."""
        for _ in range(50):
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            taken = s.scalar(
                select(DevicePairing.id)
                .where(DevicePairing.code == code, DevicePairing.claimed_at.is_(None), DevicePairing.expires_at > _naive(now))
                .limit(1)
            )
            if taken is None:
                return code
        raise DomainError("pairing_busy", "Máy chủ đang bận, hãy thử lại.", "Server busy, try again.", status=503)

    def poll(self, secret: str) -> dict[str, Any]:
        """Where the device's pairing stands: ``waiting``, ``expired``, ``used`` or ``paired``.

        ``paired`` comes once, with a fresh device token (only its hash is stored) and what the
        device now is; the admin never sees that token and it never appears in an address."""
        if not secret or len(secret) > 200:
            raise not_found("yêu cầu ghép nối", "Pairing", "unknown_pairing")
        now = self.clock.now()
        with self.db.write() as s:
            pairing = s.scalar(select(DevicePairing).where(DevicePairing.secret_hash == hash_token(secret)))
            if pairing is None:
                raise not_found("yêu cầu ghép nối", "Pairing", "unknown_pairing")
            base = {"code": pairing.code, "expires_at": iso_utc(pairing.expires_at)}
            if pairing.delivered_at is not None:
                return {**base, "state": "used"}
            if pairing.claimed_at is None:
                return {**base, "state": "expired" if utc(pairing.expires_at) <= now else "waiting"}
            if utc(pairing.claimed_at) + DELIVERY_TTL <= now:
                return {**base, "state": "expired"}
            device = s.get(Device, pairing.device_id)
            if device is None or not device.active:
                return {**base, "state": "expired"}
            token = secrets.token_urlsafe(24)
            device.token_hash = hash_token(token)
            pairing.delivered_at = _naive(now)
            config = device.config or {}
            return {
                **base,
                "state": "paired",
                "token": token,
                "device": {
                    "id": device.id,
                    "name": device.name,
                    "kind": device.kind,
                    "center_id": device.center_id,
                    "counter_id": config.get("counter_id"),
                    "counter_number": config.get("counter_number"),
                },
            }

    # ------------------------------------------------------------------ admin side
    def claim(self, claim: PairingClaim, *, actor: str, user_id: int | None = None) -> Device:
        """Turn the device showing ``claim.code`` into what the admin chose; returns the new device.

        The caller has checked the admin's rights in ``claim.center_id``. A wrong, expired or used
        code counts against ``actor``; after ``MAX_FAILED_CLAIMS`` in ``FAILED_WINDOW`` it is 429."""
        now = self.clock.now()
        code = normalise_code(claim.code)
        if claim.kind not in PAIRABLE_KINDS:
            raise DomainError(
                "invalid_kind",
                "Loại thiết bị không ghép nối được.",
                "This kind of device cannot be paired.",
                status=400,
                allowed=list(PAIRABLE_KINDS),
            )
        with self.db.read() as s:
            failed = s.scalar(
                select(func.count())
                .select_from(PairingAttempt)
                .where(PairingAttempt.actor == actor[:120], PairingAttempt.at > _naive(now - FAILED_WINDOW))
            )
        if failed >= MAX_FAILED_CLAIMS:
            raise DomainError(
                "pairing_rate_limited",
                "Nhập sai mã ghép nối quá nhiều lần. Hãy đợi 10 phút rồi thử lại.",
                "Too many wrong pairing codes. Wait 10 minutes, then try again.",
                status=429,
            )
        try:
            with self.db.write() as s:
                return self._claim(s, claim, code, now, actor, user_id)
        except DomainError as error:
            if error.code in ("pairing_code_unknown", "pairing_code_expired"):
                with self.db.write() as s:
                    s.add(PairingAttempt(actor=actor[:120], at=_naive(now)))
            raise

    def _claim(self, s: Session, claim: PairingClaim, code: str, now: datetime, actor: str, user_id: int | None) -> Device:
        if len(code) != CODE_DIGITS:
            raise _bad_code()
        center = s.get(Center, claim.center_id)
        if center is None:
            raise not_found("trung tâm", "Center", "unknown_center")
        counter = None
        if claim.kind in NEEDS_COUNTER:
            counter = s.get(Counter, claim.counter_id) if claim.counter_id else None
            if counter is None or counter.center_id != center.id:
                raise DomainError(
                    "counter_required",
                    "Hãy chọn quầy của trung tâm này cho màn hình quầy hoặc máy đánh giá.",
                    "Pick a counter of this center for a counter screen or a rating tablet.",
                    status=400,
                )
        candidates = list(
            s.scalars(
                select(DevicePairing)
                .where(DevicePairing.code == code, DevicePairing.claimed_at.is_(None))
                .order_by(DevicePairing.id.desc())
                .with_for_update()
            )
        )
        live = [p for p in candidates if utc(p.expires_at) > now]
        if not live:
            if candidates:
                raise DomainError(
                    "pairing_code_expired",
                    "Mã ghép nối đã hết hạn. Hãy tải lại trang trên thiết bị để lấy mã mới.",
                    "The pairing code has expired. Reload the page on the device for a new code.",
                    status=410,
                )
            raise _bad_code()
        pairing = live[0]
        config: dict[str, Any] = {"paired": True}
        if counter is not None:
            config.update(counter_id=counter.id, counter_number=counter.number)
        if claim.kind == "display":
            config["sound"] = True  # the hall's board speaks; counter screens stay silent
        name = claim.name.strip() or _default_name(claim.kind, counter)
        device, _unused = register_device(s, center.id, claim.kind, name[:120], printer_url=claim.printer_url, config=config)
        pairing.claimed_at = _naive(now)
        pairing.claimed_by = actor[:120]
        pairing.device_id = device.id
        audit.record(
            s,
            actor=actor,
            action="pair",
            entity="device",
            entity_id=device.id,
            center_id=center.id,
            after={"name": device.name, "kind": device.kind, "printer_url": device.printer_url, "config": config},
            summary=f"Ghép nối thiết bị {device.kind} «{device.name}» bằng mã {code}",
            user_id=user_id,
            now=now,
        )
        s.flush()
        return device


def _default_name(kind: str, counter: Counter | None) -> str:
    names = {
        "kiosk": "Kiosk lấy số",
        "display": "Màn hình gọi số",
        "counter_screen": "Màn hình quầy",
        "rating_tablet": "Máy đánh giá",
    }
    return f"{names[kind]} quầy {counter.number}" if counter is not None else names[kind]


__all__ = [
    "PairingService",
    "PairingClaim",
    "normalise_code",
    "PAIRING_TTL",
    "MAX_FAILED_CLAIMS",
    "MAX_OPEN_PER_CLIENT",
    "PAIRABLE_KINDS",
]
