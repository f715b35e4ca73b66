"""Streaming transcription of one party's live audio: VAD endpointing plus local agreement.

Frames of 16 kHz mono audio arrive as they are spoken. Silero VAD (bundled with faster-whisper)
marks speech in 32 ms windows; an utterance opens at speech (with a short pre-roll) and closes after
``endpoint_silence_s`` of non-speech. While it is open, the utterance audio is re-decoded every
``step_s`` of new audio; a word becomes *confirmed* once ``agreement`` consecutive hypotheses agree
on it as part of their common prefix (the LocalAgreement policy of Macháček et al., 2023), so text
is confirmed while the customer is still talking. At the endpoint the utterance is decoded once
more and emitted as ``final``, all of it confirmed.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from asr.options import TranscribeOptions
from asr.types import Word

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

__all__ = ["StreamUpdate", "StreamingOptions", "StreamingTranscriber", "agreed_prefix"]

_WINDOW = 512  # Silero VAD's window at 16 kHz (32 ms)
# Whisper's well-known outputs on non-speech; dropped when the model itself is unsure.
_HALLUCINATIONS = {"you", "thank you", "thanks for watching", "bye", "so", "okay"}
_NORM = re.compile(r"[^a-z0-9']+")


@dataclass(slots=True, frozen=True)
class StreamingOptions:
    """``step_s``: re-decode an open utterance after this much new audio (partials; 0 = finals only).
    ``endpoint_silence_s``: trailing non-speech that closes an utterance. ``min_speech_s``: shorter
    bursts are ignored. ``max_utterance_s``: a longer utterance is closed there. ``pre_roll_s``: audio
    kept before the detected speech start (VAD reacts a window late). ``agreement``: hypotheses that
    must agree before a word is confirmed. ``partial_beam_size`` / ``final_beam_size``: greedy partials
    keep up with real time; the final pass searches wider."""

    sample_rate: int = 16_000
    step_s: float = 1.0
    endpoint_silence_s: float = 0.5
    min_speech_s: float = 0.25
    max_utterance_s: float = 15.0
    pre_roll_s: float = 0.2
    vad_threshold: float = 0.5
    agreement: int = 2
    partial_beam_size: int = 1
    final_beam_size: int = 3
    no_speech_threshold: float = 0.6


@dataclass(slots=True)
class StreamUpdate:
    kind: Literal["partial", "final"]
    utterance: int
    confirmed: str
    tentative: str
    start: float
    end: float
    words: list[Word] = field(default_factory=list)
    decoded_at: float = 0.0

    @property
    def text(self) -> str:
        return f"{self.confirmed} {self.tentative}".strip()


def _norm(word: str) -> str:
    return _NORM.sub("", word.lower())


def agreed_prefix(hypotheses: list[list[str]]) -> int:
    """How many leading words all ``hypotheses`` share (compared without case and punctuation)."""
    if not hypotheses:
        return 0
    n = min(len(h) for h in hypotheses)
    for i in range(n):
        if len({_norm(h[i]) for h in hypotheses}) != 1:
            return i
    return n


class StreamingTranscriber:
    """One stream (one party of one call). ``feed`` is not re-entrant; the model may be shared."""

    def __init__(
        self,
        options: StreamingOptions | None = None,
        *,
        transcribe: TranscribeOptions | None = None,
        model: WhisperModel | None = None,
    ) -> None:
        from asr.transcriber import load_whisper_model

        self.options = options or StreamingOptions()
        self._tx = transcribe or TranscribeOptions()
        tx = self._tx
        self._model = model or load_whisper_model(tx.model, tx.device, tx.compute_type, tx.cpu_threads)
        from faster_whisper.vad import get_vad_model

        self._vad = get_vad_model()
        self._lock = threading.Lock()
        self._received = 0  # samples fed
        self._vad_pending = np.zeros(0, dtype=np.float32)
        self._pre_roll = np.zeros(0, dtype=np.float32)
        self._utt: list[np.ndarray] = []  # open utterance audio
        self._utt_start = 0  # sample index of the utterance start
        self._speech_samples = 0
        self._silence_run = 0
        self._since_decode = 0
        self._hypotheses: list[list[Word]] = []
        self._confirmed: list[Word] = []
        self._index = 0

    @property
    def seconds_received(self) -> float:
        return self._received / self.options.sample_rate

    # --------------------------------------------------------------------------------- input

    def feed(self, pcm: np.ndarray | bytes) -> list[StreamUpdate]:
        audio = (
            np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
            if isinstance(pcm, bytes | bytearray | memoryview)
            else np.asarray(pcm, dtype=np.float32).reshape(-1)
        )
        with self._lock:
            self._received += audio.shape[0]
            self._vad_pending = np.concatenate([self._vad_pending, audio])
            n = (self._vad_pending.shape[0] // _WINDOW) * _WINDOW
            if n == 0:
                return []
            windows, self._vad_pending = self._vad_pending[:n], self._vad_pending[n:]
            probs = np.asarray(self._vad(windows)).reshape(-1)
            updates: list[StreamUpdate] = []
            for i, p in enumerate(probs):
                updates.extend(self._window(windows[i * _WINDOW : (i + 1) * _WINDOW], float(p)))
            return updates

    def finish(self) -> list[StreamUpdate]:
        """End of stream: close the open utterance."""
        with self._lock:
            if self._utt:
                self._utt.append(self._vad_pending)
                self._vad_pending = np.zeros(0, dtype=np.float32)
                final = self._close()
                return [final] if final else []
            return []

    def _window(self, window: np.ndarray, prob: float) -> list[StreamUpdate]:
        o = self.options
        speech = prob >= o.vad_threshold
        if not self._utt:
            if not speech:
                keep = int(o.pre_roll_s * o.sample_rate)
                self._pre_roll = (
                    np.concatenate([self._pre_roll, window])[-keep:] if keep else self._pre_roll[:0]
                )
                return []
            self._utt = [self._pre_roll, window]
            end = self._received - self._vad_pending.shape[0]
            self._utt_start = max(0, end - window.shape[0] - self._pre_roll.shape[0])
            self._pre_roll = np.zeros(0, dtype=np.float32)
            self._speech_samples = self._silence_run = self._since_decode = 0
        else:
            self._utt.append(window)
        self._since_decode += window.shape[0]
        if speech:
            self._speech_samples += window.shape[0]
            self._silence_run = 0
        else:
            self._silence_run += window.shape[0]
        length = sum(a.shape[0] for a in self._utt)
        if (
            self._silence_run >= o.endpoint_silence_s * o.sample_rate
            or length >= o.max_utterance_s * o.sample_rate
        ):
            final = self._close()
            return [final] if final else []
        if o.step_s > 0 and self._since_decode >= o.step_s * o.sample_rate and self._silence_run == 0:
            self._since_decode = 0
            return [self._partial()]
        return []

    # ------------------------------------------------------------------------------ decoding

    def _decode(self, audio: np.ndarray, beam: int) -> list[Word]:
        segments, _ = self._model.transcribe(
            audio,
            language=self._tx.language,
            beam_size=beam,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            without_timestamps=False,
        )
        offset = self._utt_start / self.options.sample_rate
        words: list[Word] = []
        for seg in segments:
            text = _norm(seg.text.strip())
            if seg.no_speech_prob > self.options.no_speech_threshold and seg.avg_logprob < -1.0:
                continue
            if text in {_norm(h) for h in _HALLUCINATIONS} and seg.avg_logprob < -0.5:
                continue
            for w in seg.words or []:
                if w.word.strip():
                    words.append(Word(offset + w.start, offset + w.end, w.word.strip(), w.probability))
        return words

    def _partial(self) -> StreamUpdate:
        audio = np.concatenate(self._utt)
        words = self._decode(audio, self.options.partial_beam_size)
        self._hypotheses = ([*self._hypotheses, words])[-self.options.agreement :]
        if len(self._hypotheses) >= self.options.agreement:
            agreed = agreed_prefix([[w.word for w in h] for h in self._hypotheses])
            if agreed > len(self._confirmed):
                self._confirmed = words[:agreed]
        tentative = words[len(self._confirmed) :]
        return StreamUpdate(
            "partial",
            self._index,
            " ".join(w.word for w in self._confirmed),
            " ".join(w.word for w in tentative),
            self._utt_start / self.options.sample_rate,
            (self._utt_start + audio.shape[0]) / self.options.sample_rate,
            words=list(self._confirmed),
            decoded_at=self.seconds_received,
        )

    def _close(self) -> StreamUpdate | None:
        o = self.options
        audio = np.concatenate(self._utt)
        # Trim the trailing silence that closed the utterance, keeping a little for the last word.
        trim = max(0, self._silence_run - int(0.2 * o.sample_rate))
        if trim:
            audio = audio[: audio.shape[0] - trim]
        speech = self._speech_samples
        start = self._utt_start / o.sample_rate
        self._utt, self._hypotheses, self._confirmed = [], [], []
        self._speech_samples = self._silence_run = self._since_decode = 0
        if speech < o.min_speech_s * o.sample_rate:
            return None
        words = self._decode(audio, o.final_beam_size)
        if not words:
            return None
        update = StreamUpdate(
            "final",
            self._index,
            " ".join(w.word for w in words),
            "",
            start,
            start + audio.shape[0] / o.sample_rate,
            words=words,
            decoded_at=self.seconds_received,
        )
        self._index += 1
        return update
