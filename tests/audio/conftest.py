"""Shared fixtures for the audio tests.

Synthesis tests need espeak-ng (apt-get install espeak-ng). Without it they
skip with the reason shown by ``-ra``, except under ``CI=true`` where a
missing voice is a failure: CI must really hear the announcement.
"""
from __future__ import annotations

import os
import shutil

import pytest


def _espeak_problem() -> str | None:
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install espeak-ng)"
    try:
        from audio.engines import Pyttsx3Engine

        Pyttsx3Engine().check()
    except Exception as error:  # noqa: BLE001 - shown as the skip reason
        return f"no Vietnamese voice through pyttsx3: {error}"
    return None


@pytest.fixture(scope="session")
def espeak() -> None:
    """Skip (or fail under CI=true) unless espeak-ng's Vietnamese voice works through pyttsx3."""
    problem = _espeak_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)


@pytest.fixture
def cache_dir(tmp_path):
    """A fresh WAV cache directory per test."""
    return tmp_path / "audio-cache"
