"""The server's own speaker: aplay, clear errors, no overlap."""
from __future__ import annotations

import shutil
import stat
import textwrap

import pytest

from audio.errors import SpeakerError
from audio.fakes import ToneEngine
from audio.speaker import SpeakerQueue, play_wav, speaker_status


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "ding.wav"
    ToneEngine(seconds_per_word=0.1).synthesize("một hai", path)
    return path


def fake_aplay(directory, body: str):
    """Put an ``aplay`` shell script first on PATH."""
    directory.mkdir(exist_ok=True)
    script = directory / "aplay"
    script.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}:/usr/bin:/bin")
    return directory


def test_missing_aplay_is_a_clear_error(wav, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SpeakerError, match="install alsa-utils"):
        play_wav(wav)
    ok, why = speaker_status()
    assert not ok and "alsa-utils" in why


def test_missing_file(tmp_path):
    with pytest.raises(SpeakerError, match="no such sound file"):
        play_wav(tmp_path / "nothing.wav")


def test_aplay_gets_quiet_flag_device_and_file(wav, bin_dir, tmp_path):
    log = tmp_path / "args.txt"
    fake_aplay(bin_dir, f'echo "$@" > {log}\n')
    play_wav(wav, device="plughw:1,0")
    assert log.read_text().split() == ["-q", "-D", "plughw:1,0", str(wav)]


def test_no_sound_card_is_an_error_with_alsas_reason(wav, bin_dir):
    fake_aplay(
        bin_dir,
        """\
        echo "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'" >&2
        echo "aplay: main:831: audio open error: No such file or directory" >&2
        exit 1
        """,
    )
    with pytest.raises(SpeakerError, match="audio open error.*no sound card"):
        play_wav(wav)


@pytest.mark.skipif(shutil.which("aplay") is None, reason="alsa-utils (aplay) is not installed")
def test_real_aplay_never_crashes(wav):
    ok, why = speaker_status()
    if ok:
        pytest.skip(f"this machine has a sound card; not making noise in tests ({why.splitlines()[0]})")
    with pytest.raises(SpeakerError):
        play_wav(wav)


def test_queue_plays_in_order_without_overlap(wav, bin_dir, tmp_path):
    log = tmp_path / "plays.txt"
    fake_aplay(
        bin_dir,
        f"""\
        for last; do :; done
        echo "start $last" >> {log}
        sleep 0.2
        echo "end $last" >> {log}
        """,
    )
    files = []
    for n in range(3):
        copy = tmp_path / f"{n}.wav"
        shutil.copyfile(wav, copy)
        files.append(copy)
    queue = SpeakerQueue()
    for path in files:
        queue.play(path)
    queue.join()
    queue.close()
    lines = log.read_text().splitlines()
    assert lines == [f"{what} {path}" for path in files for what in ("start", "end")]
    assert queue.played == 3 and queue.last_error is None


def test_queue_survives_a_failure(wav, bin_dir, tmp_path):
    fake_aplay(bin_dir, 'echo "aplay: device busy" >&2\nexit 1\n')
    queue = SpeakerQueue()
    queue.play(wav)
    queue.play(wav)
    queue.join()
    assert queue.played == 0
    assert isinstance(queue.last_error, SpeakerError)
    assert "device busy" in str(queue.last_error)
