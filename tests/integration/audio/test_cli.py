"""``say`` as ``run.py say`` uses it, and the library's boundaries."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audio import Segment, wav_info
from audio.cli import main, say, say_segments
from audio.fakes import ToneEngine

ROOT = Path(__file__).resolve().parents[3]


def test_free_text_numbers_become_words():
    assert say_segments("Xin mời công dân có số thứ tự 1023 đến quầy số 3") == [
        Segment("Xin mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số ba", "vi")
    ]


def test_kind_number_counter_in_one_string_or_three():
    expected = [Segment("Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba", "vi")]
    assert say_segments("call A023 3") == expected
    assert say_segments("call", "A023", 3) == expected
    assert say_segments("pickup 8001 5", dialect="south") == [
        Segment("Xin mời công dân có số thứ tự tám ngàn không trăm lẻ một đến quầy số năm nhận kết quả", "vi")
    ]
    assert [s.lang for s in say_segments("recall B105 2", include_english=True)] == ["vi", "en"]


def test_kind_without_number_is_refused():
    with pytest.raises(ValueError, match="needs a number and a counter"):
        say_segments("call")


def test_say_writes_out_and_returns_it(tmp_path):
    out = tmp_path / "out" / "call.wav"
    path = say("call A023 3", out=str(out), engine=ToneEngine(), cache_dir=tmp_path / "cache")
    assert path == out and out.exists()
    assert wav_info(out)[1] > 500


def test_say_without_out_returns_the_cached_file(tmp_path):
    path = say("Xin mời", engine=ToneEngine(), cache_dir=tmp_path / "cache")
    assert path.parent == tmp_path / "cache"


def test_say_play_uses_the_speaker(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "played.txt"
    script = bin_dir / "aplay"
    script.write_text(f'#!/bin/sh\nfor last; do :; done\necho "$last" > {log}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    out = tmp_path / "x.wav"
    say("call A023 3", out=out, play=True, engine=ToneEngine(), cache_dir=tmp_path / "cache")
    assert log.read_text().strip() == str(out)


@pytest.mark.usefixtures("espeak")
def test_command_line_with_real_voice_prints_only_the_path(tmp_path):
    out = tmp_path / "call.wav"
    done = subprocess.run(
        [sys.executable, "-m", "audio.cli", "call", "1023", "3", "--out", str(out), "--cache-dir", str(tmp_path / "c")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"  # nothing else: scripts read this
    duration, level = wav_info(out)
    assert 3.0 < duration < 15.0 and level > 1000


def test_command_line_reports_errors(capsys):
    assert main(["call"]) == 1
    assert "could not speak" in capsys.readouterr().err


def test_audio_is_a_leaf_library():
    """Importing audio pulls in no web framework, database, server code or pyttsx3."""
    code = (
        "import sys, audio, audio.cli, audio.worker\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'server', 'flask', 'flask_socketio', 'sqlalchemy', 'kiosk', 'display', 'hardware', 'pyttsx3'}]\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_synthesis_tests_fail_under_ci_when_espeak_is_missing(tmp_path):
    """Without espeak-ng: skipped with a reason locally, a failure with CI=true."""
    base = {**os.environ, "PATH": str(tmp_path)}  # no espeak-ng on PATH
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "tests/integration/audio/test_speech_espeak.py", "-k", "call_announcement_is_real_speech", "-rs",
    ]
    local = subprocess.run(command, cwd=ROOT, env={**base, "CI": ""}, capture_output=True, text=True)
    assert local.returncode == 0, local.stdout
    assert "espeak-ng is not installed" in local.stdout and "1 skipped" in local.stdout
    ci = subprocess.run(command, cwd=ROOT, env={**base, "CI": "true"}, capture_output=True, text=True)
    assert ci.returncode != 0
    assert "CI=true and espeak-ng is not installed" in ci.stdout


def test_run_py_say_speaks_with_the_servers_voice_settings(tmp_path):
    """The IT officer's ``run.py say`` uses the same engine, speed and voice as the hall's calls."""

    def say_at(rate: int) -> float:
        out = tmp_path / f"say-{rate}.wav"
        env = {**os.environ, "MOTCUA_VOICE_ENGINE": "espeak", "MOTCUA_VOICE_RATE": str(rate),
               "MOTCUA_AUDIO_CACHE": str(tmp_path / "cache"), "MOTCUA_INSTANCE": str(tmp_path)}
        done = subprocess.run([sys.executable, "run.py", "say", "Xin mời công dân có số thứ tự 1023 đến quầy số 3",
                               "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        duration, level = wav_info(out)
        assert level > 1000
        return duration

    # A slow voice for an elderly public (100 words a minute) really is slower than a brisk one.
    assert say_at(100) > 1.5 * say_at(250)
