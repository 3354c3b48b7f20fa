"""Every setting the server, kiosk and display read from the outside world, in one place.

``Settings.from_env()`` is the only reader of the environment (the README's configuration table
lists each variable). Everything else is handed a ``Settings`` or the values it needs, so tests
inject what they want (``tests/support/settings.py``) instead of production code asking whether
it is being tested. A value that cannot be read stops the start with :class:`ConfigError`, in
Vietnamese and English: a typo found at 7:00 beats a silent default found at 10:00.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from audio.engines import DEFAULT_RATE

ROOT = Path(__file__).resolve().parent.parent

# Each connected board, console, kiosk or phone page holds one gthread thread for as long as it is
# connected, and a request waits while none is free: a ward center's ~600 screens and phones must
# fit in one process. Threads start only as they are needed, so the ceiling costs nothing idle.
DEFAULT_THREADS = 1000
DEFAULT_VOICE_RATE = DEFAULT_RATE  # words per minute

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

T = TypeVar("T")


class ConfigError(ValueError):
    """An environment variable holds a value the server cannot use; the message names it in both languages."""

    def __init__(self, name: str, value: str, expected_vi: str, expected_en: str) -> None:
        self.name = name
        self.value = value
        self.message_vi = f"Cấu hình sai: {name}={value!r} không hợp lệ, cần {expected_vi}."
        self.message_en = f"Bad setting: {name}={value!r} is invalid, expected {expected_en}."
        super().__init__(f"{self.message_vi} / {self.message_en}")


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from the outside world. Build it with :meth:`from_env` in
    production; constructed directly it reads no environment (tests, benchmarks)."""

    # --- database
    database_url: str = ""  # "" = the SQLite file in instance_path
    db_pool_size: int = 20  # PostgreSQL connections per process, plus db_max_overflow at peaks
    db_max_overflow: int = 40
    db_pool_timeout: float = 10.0  # seconds a request waits for a connection before a retryable 503
    instance_path: Path = ROOT / "instance"  # the SQLite file, secret key and audio cache

    # --- server
    host: str = "0.0.0.0"
    port: int = 8000
    threads: int = DEFAULT_THREADS
    dev_server: bool = False  # Flask-SocketIO's own server instead of gunicorn (what Windows always uses)
    secret_key: str = field(default="", repr=False)  # "" = generated once into instance_path/secret_key
    public_base_url: str | None = None  # base of the links in ticket QR codes; None = the LAN address
    # Reverse proxies (nginx) in front of the app whose X-Forwarded-For/-Proto are believed; 0 = none.
    trusted_proxies: int = 0
    rate_limit_enabled: bool = True
    rate_limit_public: str = "120/minute;2000/hour"
    rate_limit_storage: str = "memory://"
    testing: bool = False  # Flask's TESTING flag only; nothing of ours branches on it
    cli_password: str = field(default="", repr=False)  # create-user's password without a prompt (scripts)

    # --- realtime
    socketio_message_queue: str | None = None  # redis://… when several processes serve
    # Redis pub/sub channel: lets two deployments (or test runs) share one Redis apart.
    socketio_channel: str = "motcua"
    # Socket.IO's allowed origins: None = the page's own origin only; tests connect from anywhere ("*").
    realtime_cors_origins: str | list[str] | None = None

    # --- display
    display_offline_seconds: float = 60.0  # a registered board gone this long raises an alert; 0 = never
    # The upkeep scheduler's interval (display heartbeat and offline check, wait-target check); 0 = off.
    upkeep_seconds: float = 30.0

    # --- voice
    voice_engine: str = "pyttsx3"  # or "espeak" (espeak-ng called directly) or "piper" (a model the operator copies in)
    piper_model: Path | None = None  # the Piper voice's .onnx (its .onnx.json beside it); needed with voice_engine "piper"
    voice: str = "vi"
    voice_rate: int = DEFAULT_VOICE_RATE  # words per minute, 80–300
    voice_volume: float = 1.0  # 0.1–1.0
    announce_timeout: float = 15.0  # seconds before a synthesis counts as failed
    audio_cache_dir: Path | None = None  # None = instance_path/audio
    # Synthesize each call's WAV as it is published. Tests turn it off: hundreds of throwaway apps
    # must not each start a speech process (a test that hands in a synthesizer speaks ahead anyway).
    voice_prewarm: bool = True
    announce_on_server_speaker: bool = False
    speaker_device: str | None = None  # ALSA device of the server's speaker; None = the default

    # --- printing
    print_retries: int = 1  # how often a failed print is tried again
    print_retry_delay: float = 0.5  # seconds before the next try
    kiosk_printer_url: str = ""  # seeds the demo kiosk's printer once

    # --- notices
    smtp_host: str = ""  # "" = no e-mail (notices are recorded as skipped)
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 10.0
    sms_gateway_url: str = ""  # "" = no SMS
    sms_gateway_token: str = field(default="", repr=False)
    sms_sender: str = ""
    sms_unicode: bool = False
    notice_max_attempts: int = 3

    def __post_init__(self) -> None:
        # Frozen: the two derived defaults are filled in once, here.
        if not self.database_url:
            object.__setattr__(self, "database_url", _default_sqlite_url(self.instance_path))
        if not self.secret_key:
            object.__setattr__(self, "secret_key", _secret_key(self.instance_path))

    @property
    def audio_cache(self) -> Path:
        """Where synthesized announcements are cached."""
        return self.audio_cache_dir or self.instance_path / "audio"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (settings are frozen: nobody changes them under a running app)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The settings the environment ``environ`` (default: this process's) describes, with
        ``overrides`` (field names) on top. Raises :class:`ConfigError` for a value it cannot read."""
        env = _Env(os.environ if environ is None else environ)
        use_ssl, starttls = env.flag("SMTP_SSL", False), env.flag("SMTP_STARTTLS", False)
        values: dict[str, Any] = dict(
            # database
            database_url=env.text("DATABASE_URL"),
            db_pool_size=env.integer("DB_POOL_SIZE", 20, low=1),
            db_max_overflow=env.integer("DB_MAX_OVERFLOW", 40, low=0),
            db_pool_timeout=env.number("DB_POOL_TIMEOUT", 10.0, low=0.1),
            instance_path=Path(env.text("MOTCUA_INSTANCE") or ROOT / "instance"),
            # server
            host=env.text("HOST") or "0.0.0.0",
            port=env.integer("PORT", 8000, low=0, high=65535, clamp=False),
            threads=env.integer("THREADS", DEFAULT_THREADS, low=1),
            dev_server=env.flag("MOTCUA_DEV_SERVER", False),
            secret_key=env.text("SECRET_KEY"),
            public_base_url=env.text("PUBLIC_BASE_URL") or None,
            trusted_proxies=env.integer("TRUSTED_PROXIES", 0, low=0),
            rate_limit_enabled=env.flag("RATE_LIMIT_ENABLED", True),
            rate_limit_public=env.raw("RATE_LIMIT_PUBLIC", "120/minute;2000/hour"),
            rate_limit_storage=env.text("RATE_LIMIT_STORAGE") or "memory://",
            cli_password=env.raw("MOTCUA_PASSWORD", ""),
            # realtime
            socketio_message_queue=env.text("SOCKETIO_MESSAGE_QUEUE") or None,
            socketio_channel=env.raw("SOCKETIO_CHANNEL", "motcua"),
            # display
            display_offline_seconds=env.number("MOTCUA_DISPLAY_OFFLINE_SECONDS", 60.0, low=0.0),
            upkeep_seconds=env.number("MOTCUA_UPKEEP_SECONDS", 30.0, low=0.0),
            # voice
            voice_engine=_voice_engine(env),
            piper_model=_piper_model(env),
            voice=env.text("MOTCUA_VOICE") or "vi",
            voice_rate=env.integer("MOTCUA_VOICE_RATE", DEFAULT_VOICE_RATE, low=80, high=300),
            voice_volume=env.number("MOTCUA_VOICE_VOLUME", 1.0, low=0.1, high=1.0),
            announce_timeout=env.number("MOTCUA_ANNOUNCE_TIMEOUT", 15.0, low=0.1),
            audio_cache_dir=Path(env.text("MOTCUA_AUDIO_CACHE")) if env.text("MOTCUA_AUDIO_CACHE") else None,
            announce_on_server_speaker=env.flag("ANNOUNCE_ON_SERVER_SPEAKER", False),
            speaker_device=env.text("ANNOUNCE_SPEAKER_DEVICE") or None,
            # printing
            print_retries=env.integer("PRINT_RETRIES", 1, low=0),
            print_retry_delay=env.number("PRINT_RETRY_DELAY", 0.5, low=0.0),
            kiosk_printer_url=env.text("KIOSK_PRINTER_URL"),
            # notices
            smtp_host=env.text("SMTP_HOST"),
            smtp_port=env.integer("SMTP_PORT", 465 if use_ssl else 587 if starttls else 25, low=1, high=65535, clamp=False),
            smtp_from=env.text("SMTP_FROM"),
            smtp_user=env.raw("SMTP_USER", ""),
            smtp_password=env.raw("SMTP_PASSWORD", ""),
            smtp_starttls=starttls,
            smtp_ssl=use_ssl,
            smtp_timeout=env.number("SMTP_TIMEOUT", 10.0, low=0.1),
            sms_gateway_url=env.text("SMS_GATEWAY_URL"),
            sms_gateway_token=env.raw("SMS_GATEWAY_TOKEN", ""),
            sms_sender=env.raw("SMS_SENDER", ""),
            sms_unicode=env.flag("SMS_UNICODE", False),
            notice_max_attempts=env.integer("NOTICE_MAX_ATTEMPTS", 3, low=1),
        )
        values.update(overrides)
        return cls(**values)


class _Env:
    """Typed reads of one environment mapping; an empty value means "not set"."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def raw(self, name: str, default: str) -> str:
        return self.environ.get(name, default)

    def text(self, name: str) -> str:
        return (self.environ.get(name) or "").strip()

    def _parse(self, name: str, default: T, parse: Callable[[str], T], vi: str, en: str) -> T:
        value = self.text(name)
        if not value:
            return default
        try:
            return parse(value)
        except ValueError:
            raise ConfigError(name, value, vi, en) from None

    def integer(self, name: str, default: int, *, low: int | None = None, high: int | None = None, clamp: bool = True) -> int:
        """A whole number; out of ``low``–``high`` it is clamped, or refused when ``clamp`` is False (a port)."""
        span_vi = _span(low, high, "từ {low} đến {high}", "từ {low} trở lên")
        span_en = _span(low, high, "from {low} to {high}", "of {low} or more")
        number = self._parse(name, default, int, f"một số nguyên {span_vi}".strip(), f"a whole number {span_en}".strip())
        if not clamp and ((low is not None and number < low) or (high is not None and number > high)):
            raise ConfigError(name, self.text(name), f"một số nguyên {span_vi}", f"a whole number {span_en}")
        return _clamped(number, low, high)

    def number(self, name: str, default: float, *, low: float | None = None, high: float | None = None) -> float:
        """A number (a dot for decimals), clamped to ``low``–``high``."""
        number = self._parse(name, default, float, "một số (dấu chấm thập phân, ví dụ 0.5)", "a number (e.g. 0.5)")
        if number != number:  # NaN parses as a float but is no setting
            raise ConfigError(name, self.text(name), "một số", "a number")
        return _clamped(number, low, high)

    def flag(self, name: str, default: bool) -> bool:
        """On with 1/true/yes/on, off with 0/false/no/off."""
        value = self.text(name).lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(name, value, "1 (bật) hoặc 0 (tắt)", "1 (on) or 0 (off)")


def _voice_engine(env: _Env) -> str:
    name = env.text("MOTCUA_VOICE_ENGINE").lower() or "pyttsx3"
    if name == "espeak-ng":
        return "espeak"
    if name not in ("pyttsx3", "espeak", "piper"):
        raise ConfigError("MOTCUA_VOICE_ENGINE", name, "pyttsx3, espeak hoặc piper", "pyttsx3, espeak or piper")
    if name == "piper" and not env.text("MOTCUA_PIPER_MODEL"):
        raise ConfigError("MOTCUA_PIPER_MODEL", "", "đường dẫn tệp .onnx của giọng Piper",
                          "the path of the Piper voice's .onnx file")
    return name


def _piper_model(env: _Env) -> Path | None:
    """The Piper model file, checked at start so an IT officer sees a wrong path at once, not at the first call."""
    value = env.text("MOTCUA_PIPER_MODEL")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError("MOTCUA_PIPER_MODEL", value, "một tệp .onnx có thật (kèm tệp .onnx.json cạnh nó)",
                          "an existing .onnx file (with its .onnx.json beside it)")
    return path


def _span(low: float | None, high: float | None, both: str, above: str) -> str:
    if low is not None and high is not None:
        return both.format(low=low, high=high)
    if low is not None:
        return above.format(low=low)
    return ""


def _clamped(value: T, low: Any, high: Any) -> T:
    if low is not None and value < low:  # type: ignore[operator]
        return low
    if high is not None and value > high:  # type: ignore[operator]
        return high
    return value


def _default_sqlite_url(instance: Path) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / 'motcua.sqlite3'}"


def _secret_key(instance: Path) -> str:
    """A stable secret per installation, generated once into the instance folder."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


__all__ = ["ConfigError", "DEFAULT_THREADS", "Settings"]
