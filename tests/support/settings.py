"""The one way tests get a :class:`server.config.Settings`: the production defaults, read from no
environment (a developer's shell must not change a test), with what a test app needs on top."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from server.config import Settings

# What every test app differs in from production, said once:
TEST_DEFAULTS: dict[str, Any] = {
    "secret_key": "test-secret",
    "testing": True,
    # Hundreds of throwaway apps must not each start a speech process; a test that hands the
    # announcer a synthesizer (Announcer.use_synthesizer) speaks ahead anyway.
    "voice_prewarm": False,
    # Hundreds of throwaway apps must not each start an upkeep thread: tests tick it themselves.
    "upkeep_seconds": 0,
    # Socket.IO test clients connect without a page of the server's own origin.
    "realtime_cors_origins": "*",
}


def make_settings(**overrides: Any) -> Settings:
    """Test settings: :data:`TEST_DEFAULTS` with ``overrides`` (any ``Settings`` field) on top.
    Pass ``database_url`` and ``instance_path`` (a test's ``tmp_path``) unless a test wants none."""
    return Settings(**{**TEST_DEFAULTS, **overrides})


def settings_from_env(environ: dict[str, str], **overrides: Any) -> Settings:
    """Settings as an operator's environment ``environ`` (and nothing else) describes them, with
    the test defaults and ``overrides`` on top: for tests of what a variable does. Without
    ``MOTCUA_INSTANCE`` or ``instance_path`` the instance folder is a fresh temporary one, so the
    checkout's own instance/ is never touched."""
    if "MOTCUA_INSTANCE" not in environ:
        overrides.setdefault("instance_path", Path(tempfile.mkdtemp(prefix="motcua-settings-")))
    return Settings.from_env(environ, **{**TEST_DEFAULTS, **overrides})


__all__ = ["TEST_DEFAULTS", "make_settings", "settings_from_env"]
