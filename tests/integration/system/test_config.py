"""Configuration is read in one place (server/config.py): defaults, each variable's meaning, and a
bad value refused at start with a message in Vietnamese and English, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import ConfigError, Settings
from tests.support.settings import make_settings, settings_from_env

ROOT = Path(__file__).resolve().parents[3]


def test_an_empty_environment_gives_the_documented_defaults(tmp_path):
    settings = Settings.from_env({}, instance_path=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'motcua.sqlite3'}"
    assert (settings.host, settings.port, settings.threads) == ("0.0.0.0", 8000, 1000)
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout) == (20, 40, 10.0)
    assert (settings.voice_engine, settings.voice, settings.voice_rate, settings.voice_volume) == ("pyttsx3", "vi", 160, 1.0)
    assert settings.audio_cache == tmp_path / "audio"
    assert settings.voice_prewarm and settings.realtime_cors_origins is None and not settings.testing
    assert settings.display_offline_seconds == 60.0 and settings.rate_limit_enabled
    assert settings.secret_key == (tmp_path / "secret_key").read_text().strip()  # generated once, then kept
    assert Settings.from_env({}, instance_path=tmp_path).secret_key == settings.secret_key


def test_each_group_reads_its_variables(tmp_path):
    settings = settings_from_env({
        "DATABASE_URL": "postgresql://motcua@db/motcua", "DB_POOL_SIZE": "5", "DB_POOL_TIMEOUT": "2.5",
        "PORT": "8080", "THREADS": "300", "MOTCUA_DEV_SERVER": "1", "TRUSTED_PROXIES": "1",
        "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0", "MOTCUA_DISPLAY_OFFLINE_SECONDS": "90",
        "MOTCUA_VOICE_ENGINE": "espeak-ng", "MOTCUA_AUDIO_CACHE": str(tmp_path / "wav"),
        "ANNOUNCE_ON_SERVER_SPEAKER": "yes", "ANNOUNCE_SPEAKER_DEVICE": "plughw:1,0",
        "PRINT_RETRIES": "0", "KIOSK_PRINTER_URL": " tcp://192.168.1.50:9100 ",
        "SMTP_HOST": "mail.hoankiem.gov.vn", "SMTP_SSL": "1", "SMS_UNICODE": "on", "MOTCUA_PASSWORD": "mat-khau-dai",
    })
    assert (settings.database_url, settings.db_pool_size, settings.db_pool_timeout) == ("postgresql://motcua@db/motcua", 5, 2.5)
    assert (settings.port, settings.threads, settings.dev_server, settings.trusted_proxies) == (8080, 300, True, 1)
    assert settings.socketio_message_queue == "redis://127.0.0.1:6379/0" and settings.display_offline_seconds == 90.0
    assert settings.voice_engine == "espeak" and settings.audio_cache == tmp_path / "wav"
    assert settings.announce_on_server_speaker and settings.speaker_device == "plughw:1,0"
    assert settings.print_retries == 0 and settings.kiosk_printer_url == "tcp://192.168.1.50:9100"
    assert (settings.smtp_host, settings.smtp_port) == ("mail.hoankiem.gov.vn", 465)  # the TLS port when SMTP_SSL is on
    assert settings.smtp_ssl and settings.sms_unicode
    assert settings.cli_password == "mat-khau-dai" and "mat-khau-dai" not in repr(settings)


@pytest.mark.parametrize("name, value", [
    ("PORT", "abc"), ("PORT", "70000"), ("DB_POOL_SIZE", "many"), ("MOTCUA_VOICE_VOLUME", "loud"),
    ("RATE_LIMIT_ENABLED", "maybe"), ("MOTCUA_VOICE_ENGINE", "festival"), ("PRINT_RETRY_DELAY", "nan"),
])
def test_a_bad_value_is_refused_in_both_languages(name, value):
    with pytest.raises(ConfigError) as caught:
        settings_from_env({name: value})
    assert caught.value.name == name
    assert caught.value.message_vi.startswith(f"Cấu hình sai: {name}=")
    assert caught.value.message_en.startswith(f"Bad setting: {name}=")


def test_out_of_range_numbers_are_clamped_not_refused():
    settings = settings_from_env({"MOTCUA_VOICE_RATE": "999", "MOTCUA_VOICE_VOLUME": "0", "TRUSTED_PROXIES": "-3"})
    assert (settings.voice_rate, settings.voice_volume, settings.trusted_proxies) == (300, 0.1, 0)


def test_settings_are_frozen_and_a_changed_copy_is_explicit(tmp_path):
    settings = make_settings(database_url="sqlite://", instance_path=tmp_path)
    with pytest.raises(AttributeError):
        settings.port = 9000  # type: ignore[misc]
    assert settings.replace(port=9000).port == 9000 and settings.port == 8000
    # What a test app differs in from production, said once in tests/support/settings.py:
    assert (settings.voice_prewarm, settings.realtime_cors_origins) == (False, "*")


def test_run_py_with_a_bad_port_says_so_and_exits_2(tmp_path):
    env = {**os.environ, "PORT": "abc", "MOTCUA_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    done = subprocess.run([sys.executable, "run.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "PORT='abc'" in done.stderr and "Cấu hình sai" in done.stderr and "Bad setting" in done.stderr
    assert "Traceback" not in done.stderr
