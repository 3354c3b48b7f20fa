"""A Piper neural voice from a model file the operator copies in.

No Vietnamese Piper model ships with pip or apt (the PyPI ``piper-tts``
package has none), so this engine is optional: the operator downloads a
``vi_VN`` voice (``vi_VN-vais1000-medium.onnx`` and its ``.onnx.json``, see
the README) and points the settings at the ``.onnx`` file.

Like the other engines it is a plain configuration object: pickled into the
synthesis worker (:mod:`audio.worker`), where ``check()`` loads the model
once (about 0.4 s and ~100 MB for a medium voice) and every synthesis reuses
it, under the worker's timeout.
"""
from __future__ import annotations

import json
import os
import threading
import wave
from pathlib import Path
from typing import Any

from .engines import DEFAULT_RATE, DEFAULT_VOICE_FOR_LANGUAGE, Pyttsx3Engine, _check_wav_written, engine_at_rate
from .errors import EngineUnavailable, SynthesisError

__all__ = ["PIPER_NATURAL_WPM", "PiperEngine"]

# Words per minute a Piper voice speaks at length_scale 1.0 (the joe and
# vais1000 medium voices are close to espeak-ng's 160): the rate the
# settings ask for is turned into a length scale relative to it.
PIPER_NATURAL_WPM = DEFAULT_RATE
# Beyond these, Piper's speech smears (slow) or swallows syllables (fast).
MIN_LENGTH_SCALE, MAX_LENGTH_SCALE = 0.5, 2.0

_loaded: dict[tuple, Any] = {}  # (model path, size, mtime) → PiperVoice, once per process
_loaded_lock = threading.Lock()


def _unavailable(vi: str, en: str) -> EngineUnavailable:
    return EngineUnavailable(f"{vi} / {en}")


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


class PiperEngine:
    """Piper with the voice model at ``model_path`` (its config: ``model_path + ".json"``).

    ``rate`` is in words per minute like the other engines (mapped to Piper's
    ``length_scale`` = natural rate / ``rate``, clamped to 0.5–2.0), ``volume``
    0.0–1.0, ``speaker_id`` for multi-speaker models.
    """

    name = "piper"

    def __init__(
        self,
        model_path: str | os.PathLike,
        *,
        rate: int = DEFAULT_RATE,
        volume: float = 1.0,
        speaker_id: int | None = None,
        config_path: str | os.PathLike | None = None,
    ):
        self.model_path = Path(model_path)
        self.config_path = Path(config_path) if config_path else Path(f"{self.model_path}.json")
        self.rate = int(rate)
        if self.rate <= 0:
            raise ValueError(f"speaking rate must be positive, got {self.rate}")
        self.volume = float(volume)
        self.speaker_id = speaker_id
        self._config: dict | None = None
        self._voice: Any = None

    def __repr__(self) -> str:
        return f"PiperEngine({str(self.model_path)!r}, rate={self.rate}, volume={self.volume})"

    def __getstate__(self) -> dict:
        # The loaded ONNX session stays in the process that loaded it; the worker loads its own.
        return {**self.__dict__, "_voice": None}

    # ------------------------------------------------------------------ configuration

    @property
    def voice(self) -> str:
        """The model's name, e.g. ``"vi_VN-vais1000-medium"`` (part of the cache key)."""
        return self.model_path.name.removesuffix(".onnx")

    def _read_config(self) -> dict:
        if self._config is None:
            try:
                text = self.config_path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise _unavailable(
                    f"Thiếu tệp cấu hình của giọng Piper {self.config_path} (chép kèm tệp .onnx.json cùng tên).",
                    f"Piper voice config {self.config_path} is missing: copy the .onnx.json next to the .onnx",
                ) from None
            except (OSError, UnicodeDecodeError) as error:
                raise _unavailable(
                    f"Không đọc được tệp cấu hình giọng Piper {self.config_path} ({error}).",
                    f"cannot read the Piper voice config {self.config_path} ({error})",
                ) from None
            try:
                config = json.loads(text)
                if not isinstance(config, dict) or "phoneme_id_map" not in config or "sample_rate" not in config["audio"]:
                    raise ValueError("no phoneme_id_map or audio.sample_rate")
            except (ValueError, KeyError, TypeError) as error:
                raise _unavailable(
                    f"Tệp {self.config_path} không phải cấu hình giọng Piper ({error}).",
                    f"{self.config_path} is not a Piper voice config ({error})",
                ) from None
            self._config = config
        return self._config

    @property
    def language(self) -> str:
        """The model's language from its ``.onnx.json`` (``language.code`` ``"vi_VN"`` → ``"vi"``).

        Older configs have no ``language`` block: then ``espeak.voice``, then
        the file name (``vi_VN-…``).
        """
        try:
            config = self._read_config()
        except EngineUnavailable:
            config = {}
        code = (config.get("language") or {}).get("code") or (config.get("espeak") or {}).get("voice") or self.voice
        return str(code).replace("_", "-").split("-", 1)[0].lower()

    @property
    def length_scale(self) -> float:
        """Piper's phoneme length scale for :attr:`rate` (the model's own scale × natural rate / rate)."""
        try:
            base = float((self._read_config().get("inference") or {}).get("length_scale", 1.0))
        except EngineUnavailable:
            base = 1.0
        return max(MIN_LENGTH_SCALE, min(MAX_LENGTH_SCALE, base * PIPER_NATURAL_WPM / self.rate))

    def identity(self) -> dict:
        """Cache-key fields beyond voice/rate/volume: the model file itself (name, size, mtime) and its config."""
        return {
            "model": self.model_path.name,
            "model_stamp": _file_stamp(self.model_path),
            "config_stamp": _file_stamp(self.config_path),
            "length_scale": round(self.length_scale, 4),
            "speaker_id": self.speaker_id,
        }

    def with_rate(self, rate: int) -> PiperEngine:
        """The same voice at ``rate`` words per minute; shares the loaded model."""
        return engine_at_rate(self, rate)

    def for_language(self, lang: str) -> Any:
        """Itself for the model's language; otherwise pyttsx3's voice for ``lang`` at the same rate.

        A Vietnamese Piper model cannot read the English sentence; espeak-ng can.
        """
        if lang == self.language:
            return self
        return Pyttsx3Engine(voice=DEFAULT_VOICE_FOR_LANGUAGE.get(lang, lang), rate=self.rate, volume=self.volume)

    # ------------------------------------------------------------------ loading and speaking

    def _ensure(self) -> Any:
        if self._voice is not None:
            return self._voice
        if not self.model_path.is_file():
            what = "là một thư mục" if self.model_path.is_dir() else "không tồn tại"
            raise _unavailable(
                f"Tệp mô hình giọng Piper {self.model_path} {what}: chép tệp .onnx (ví dụ vi_VN-vais1000-medium.onnx)"
                " và tệp .onnx.json đi kèm vào máy, rồi ghi đường dẫn trong cài đặt.",
                f"Piper voice model {self.model_path} "
                f"{'is a directory' if self.model_path.is_dir() else 'does not exist'}: copy the .onnx"
                " (e.g. vi_VN-vais1000-medium.onnx) and its .onnx.json onto this machine and set the path in the settings",
            )
        try:
            with self.model_path.open("rb") as model:
                model.read(1)
        except OSError as error:
            raise _unavailable(
                f"Không đọc được tệp mô hình giọng Piper {self.model_path} ({error}).",
                f"cannot read the Piper voice model {self.model_path} ({error})",
            ) from None
        self._read_config()
        try:
            from piper import PiperVoice
        except ImportError as error:
            raise _unavailable(
                f"Chưa cài piper-tts ({error}): pip install piper-tts.",
                f"piper-tts is not installed ({error}): pip install piper-tts",
            ) from None
        key = (str(self.model_path.resolve()), str(self.config_path.resolve()), _file_stamp(self.model_path))
        with _loaded_lock:
            voice = _loaded.get(key)
            if voice is None:
                try:
                    voice = PiperVoice.load(self.model_path, config_path=self.config_path)
                except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types for a bad model
                    raise _unavailable(
                        f"Tệp {self.model_path} không phải mô hình giọng Piper dùng được ({type(error).__name__}).",
                        f"{self.model_path} is not a usable Piper voice model: {error}",
                    ) from None
                _loaded[key] = voice
        self._voice = voice
        return voice

    def check(self) -> None:
        """Load the model (once per process); raises :class:`EngineUnavailable` with a bilingual reason."""
        self._ensure()

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write ``text`` spoken by the model to ``out_path`` (16-bit mono at the model's rate)."""
        from piper import SynthesisConfig

        voice = self._ensure()
        out_path = Path(out_path)
        out_path.unlink(missing_ok=True)
        part = out_path.with_name(f".{out_path.name}.{os.getpid()}.part")
        config = SynthesisConfig(speaker_id=self.speaker_id, length_scale=self.length_scale, volume=self.volume)
        try:
            with wave.open(str(part), "wb") as wav:
                voice.synthesize_wav(text, wav, syn_config=config)
        except wave.Error as error:  # nothing written: the text had nothing to say
            part.unlink(missing_ok=True)
            raise SynthesisError(f"Piper wrote no audio for {text[:40]!r}: {error}") from None
        except Exception:
            part.unlink(missing_ok=True)
            raise
        os.replace(part, out_path)
        _check_wav_written(out_path, f"Piper ({self.voice})")
