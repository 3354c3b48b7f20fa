"""Voice pack test helpers: real WAV bytes made with math (a tone framed by silence, as a
microphone recording is), and a pack filled with one clip per word a center needs."""
from __future__ import annotations

import io
import math
import wave
from array import array
from urllib.parse import quote


def tone_wav(seconds: float = 0.5, *, freq: float = 440.0, rate: int = 44100, channels: int = 1, pad_s: float = 0.3,
             amplitude: int = 8000) -> bytes:
    """A 16-bit WAV: ``pad_s`` of silence, a ``freq`` Hz tone for ``seconds``, ``pad_s`` of silence."""
    pad = array("h", bytes(2 * int(pad_s * rate)))
    step = 2 * math.pi * freq / rate
    voice = array("h", (int(amplitude * math.sin(step * i)) for i in range(int(seconds * rate))))
    mono = pad + voice + pad
    frames = array("h", (s for s in mono for _ in range(channels))) if channels > 1 else mono
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return out.getvalue()


def wav_seconds(data: bytes) -> tuple[float, int, int]:
    """(duration s, rate, channels) of WAV bytes."""
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate(), w.getframerate(), w.getnchannels()


def clip_url(pack_id: int, lang: str, key: str) -> str:
    """The API address of one clip of a pack."""
    return f"/api/v1/admin/voice-packs/{pack_id}/clips/{lang}/{quote(key, safe='')}"


def put_clip(api, pack_id: int, lang: str, key: str, data: bytes, filename: str = "clip.wav"):
    """Send a clip as a browser recording does: the raw WAV body with ``?filename=``."""
    return api.client.put(f"{clip_url(pack_id, lang, key)}?filename={quote(filename)}", data=data,
                          headers={"X-CSRF-Token": api.csrf, "Content-Type": "audio/wav"})


def fill_pack(api, pack_id: int, center_id: int = 1, *, skip: tuple[str, ...] = ()) -> list[dict]:
    """Record (a short tone per word) every clip the center needs except the keys in ``skip``; returns the status."""
    status = api.get(f"/api/v1/admin/voice-packs/{pack_id}/status?center_id={center_id}").get_json()
    for n, clip in enumerate(status):
        if clip["key"] in skip or clip["recorded"]:
            continue
        response = put_clip(api, pack_id, clip["lang"], clip["key"], tone_wav(0.2, freq=300 + 20 * n, rate=22050, pad_s=0.05))
        assert response.status_code == 200, response.get_json()
    return status
