"""Configuration from the environment: secrets and URLs never live in code."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _default_sqlite_url() -> str:
    instance = Path(os.environ.get("MOTCUA_INSTANCE", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / 'motcua.sqlite3'}"


def _secret_key(instance: Path) -> str:
    """A stable secret per installation: from env, else generated once into instance/."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Settings:
    """Everything the app reads from the outside world."""

    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or _default_sqlite_url())
    socketio_message_queue: str | None = field(default_factory=lambda: os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None)
    # Redis pub/sub channel: lets two deployments (or test runs) share one Redis apart.
    socketio_channel: str = field(default_factory=lambda: os.environ.get("SOCKETIO_CHANNEL", "motcua"))
    rate_limit_enabled: bool = field(default_factory=lambda: os.environ.get("RATE_LIMIT_ENABLED", "1") not in ("0", "false", "no"))
    rate_limit_public: str = field(default_factory=lambda: os.environ.get("RATE_LIMIT_PUBLIC", "120/minute;2000/hour"))
    rate_limit_storage: str = field(default_factory=lambda: os.environ.get("RATE_LIMIT_STORAGE", "memory://"))
    public_base_url: str | None = field(default_factory=lambda: os.environ.get("PUBLIC_BASE_URL") or None)
    # Reverse proxies (nginx) in front of the app whose X-Forwarded-For/-Proto are believed; 0 = none.
    trusted_proxies: int = field(default_factory=lambda: max(0, int(os.environ.get("TRUSTED_PROXIES") or 0)))
    instance_path: Path = field(default_factory=lambda: Path(os.environ.get("MOTCUA_INSTANCE", ROOT / "instance")))
    # How often a failed print is tried again, and after how long (seconds).
    print_retries: int = field(default_factory=lambda: max(0, int(os.environ.get("PRINT_RETRIES") or 1)))
    print_retry_delay: float = field(default_factory=lambda: max(0.0, float(os.environ.get("PRINT_RETRY_DELAY") or 0.5)))
    secret_key: str = ""
    testing: bool = False

    def __post_init__(self) -> None:
        if not self.secret_key:
            self.secret_key = _secret_key(self.instance_path)
