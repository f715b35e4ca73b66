"""Streaming transcription of one party's live audio: incremental VAD endpointing plus local agreement.

Frames of mono PCM arrive as they are spoken. Silero VAD (bundled with faster-whisper) scores each
new 32 ms window once, carrying its recurrent state from call to call. Speech opens an utterance
(with ``speech_pad_s`` of audio before it); ``endpoint_silence_s`` of non-speech closes it. While it
is open, its audio is re-decoded every ``step_s`` of new audio with the text confirmed so far forced
as the decoder's prefix; a word of the continuation becomes *confirmed* once ``agreement``
consecutive hypotheses agree on it (LocalAgreement, Macháček et al., 2023), so text is confirmed
while the customer is still talking and confirmed text never changes afterwards. At the endpoint
the utterance is emitted as ``final``, all of it confirmed.

Two things keep the end of speech → ``final`` time short on a small CPU:

* The final decode runs as soon as its audio is in (speech end + ``speech_pad_s``), while the
  endpoint silence is still being waited for; the endpoint then only emits it. When speech resumes
  instead, that decode served as one more partial hypothesis.
* Whisper's encoder sees the utterance plus a little silence (``window_margin_s``, at least
  ``min_window_s``) instead of a 30 s window; see ``StreamingOptions`` for the measurements.
  faster-whisper's ``transcribe`` cannot do this (it pads every window to 30 s, and its
  ``chunk_length`` argument rewrites the shared model's feature extractor, which other threads use),
  so an utterance is decoded here as one window with the model's own encode / generate / align steps.
"""

from __future__ import annotations

import math
import re
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from asr.audio import WHISPER_SAMPLE_RATE
from asr.options import TranscribeOptions
from asr.types import Word
from common.errors import ConfigError, InvalidInput

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

__all__ = ["LocalAgreement", "StreamUpdate", "StreamingOptions", "StreamingTranscriber"]

_SR = WHISPER_SAMPLE_RATE
_VAD_WINDOW = 512  # samples per Silero probability at 16 kHz (32 ms)
_VAD_CONTEXT = 64  # samples of the previous window that Silero sees with each window
_HOP = 160  # samples per Whisper mel frame
_MAX_WINDOW_S = 30  # Whisper's positional embeddings cover 30 s
# Tokens a decode may produce: far above fast speech read digit by digit (~8 tokens/s with
# timestamps), yet a decoder caught in a repetition loop stops after a fraction of its 448 tokens.
_TOKENS_PER_S = 12
_TOKENS_BASE = 16
# A segment the decoder starts this close to the end of the audio, or after it, is invented:
# with a short window Whisper sometimes repeats the utterance into the padding.
_LATE_SEGMENT_S = 0.1
# Silero flags the start of speech this much late (median over the demo calls' turns: 0.08 s); its
# end of speech is on time (0.01 s).
_ONSET_S = 0.1
# A forced cut goes this much before the aligner's end of the last confirmed word: that boundary
# tends to run late, and clipping the next word's onset garbles it (8 forced cuts on real speech:
# mean WER 0.143 at the boundary, 0.114 at 0.1 s before it).
_CUT_BACKOFF_S = 0.1
# Words in a row that, said a second time in one utterance, mark a decoder loop.
_REPEAT_NGRAM = 4
_NOT_WORD = re.compile(r"[^\w']+")
# Loading the shared models once when several streams start together.
_LOAD_LOCK = threading.Lock()


@dataclass(slots=True)
class StreamingOptions:
    """How a live stream is cut into utterances and decoded.

    Measured with ``benchmarks/streaming_asr.py`` on the 2-core development machine (tiny.en int8,
    shared with other work, so times are noisy): the six demo calls' customer channels (35 turns)
    and agent channels (41), and real speech (tests/data, LibriVox, Harvard sentences, a 30 s
    telephone conversation); 1177 reference words in all.

    Attributes:
      sample_rate: Rate of the PCM fed in; other rates (8 kHz telephony) are resampled to 16 kHz.
      step_s: Re-decode the open utterance after this much new audio (a partial update). A decode
        of a short utterance takes ~0.1-0.3 s here, so partials stay fresh and the decoder busy
        for a fraction of real time (RTF 0.11 on the customer channels, 0.43 on nonstop speech).
      endpoint_silence_s: Trailing non-speech that closes an utterance, the main part of the
        end of speech → ``final`` time. Pauses inside the demo customer turns reach 0.70 s as the
        VAD sees them (6 of 88 over 0.5 s): 0.6 s splits two of the 35 turns and ends finals
        0.65 s (median) after the speech; 0.7 s splits one, WER 0.088 against 0.085, 0.1 s later.
      min_speech_s: Speech bursts shorter than this (clicks, breaths, a cough) are dropped.
      max_utterance_s: An utterance still open after this long is closed: the confirmed words
        become its final and the unconfirmed rest starts the next utterance, so a monologue still
        reaches the knowledge search and the decoding window stays short.
      vad_threshold: Silero speech probability from which a window is speech; a window below
        ``vad_threshold - 0.15`` is silence (Silero's hysteresis, as in faster-whisper).
      agreement: LocalAgreement-n: a word is confirmed once this many consecutive hypotheses
        agree on it.
      confirm_lag_s: ... and only once every one of those hypotheses had this much audio after it.
        Whisper's guess at an utterance's first words from under 1.5 s of audio is often wrong in
        the same way twice ("Like your country" for "What your country"), and confirmed text is
        forced on every later decode. WER 0.092 / 0.085 / 0.084 for 0.5 / 1.0 / 1.5 s; confirmed
        text trails speech by about this plus ``step_s``.
      speech_pad_s: Audio kept before the speech start and after the speech end (Silero reacts a
        window late; Whisper needs a little silence to finish the last word): WER 0.102 / 0.085 /
        0.088 for 0.3 / 0.4 / 0.5 s. The final decode starts this long after the end of speech.
      window_margin_s: The encoder window is the utterance plus this much silence (rounded up to
        whole seconds) instead of 30 s. Decoding each demo customer turn on its own, beam 1: 30 s
        took 0.86-0.92 s (median) for WER 0.052 (demo), 0.043 (real speech), 0.247 (telephone);
        utterance + 3 s and at least 10 s took 0.24-0.26 s for 0.061 / 0.043 / 0.247. Streamed,
        30 s windows gave WER 0.093 against 0.085 at 2.5 times the CPU, and the final came out
        0.92 s after the speech in a real-time replay against 0.66 s. Shorter windows fall into
        repetition loops: +2 s without a minimum gave 0.085 / 0.122 / 0.432 per turn.
      min_window_s: The shortest encoder window: a short utterance in a window under ~8 s loops
        (a 6 s minimum gave 0.077 / 0.122 / 0.321 per turn).
      partial_beam_size: Beam of the partial decodes; greedy keeps them cheap.
      final_beam_size: Beam of the final decode. Streamed, beam 3 gave WER 0.088 against 0.085
        for greedy decoding (better on some sets, worse on others) and costs more.
      no_speech_threshold: A decode is taken as non-speech (nothing is emitted) when Whisper's
        no-speech probability is above this and its average log-probability is below
        ``log_prob_threshold`` (faster-whisper's rule; it drops "you" / "Thank you." on noise).
      log_prob_threshold: See ``no_speech_threshold``.
    """

    sample_rate: int = 16000
    step_s: float = 0.5
    endpoint_silence_s: float = 0.6
    min_speech_s: float = 0.25
    max_utterance_s: float = 15.0
    vad_threshold: float = 0.5
    agreement: int = 2
    confirm_lag_s: float = 1.0
    speech_pad_s: float = 0.4
    window_margin_s: float = 3.0
    min_window_s: float = 10.0
    partial_beam_size: int = 1
    final_beam_size: int = 1
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0

    def __post_init__(self) -> None:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise ConfigError(f"StreamingOptions: {what}")

        need(self.sample_rate > 0, f"sample_rate must be positive, got {self.sample_rate}")
        need(self.step_s > 0, f"step_s must be > 0, got {self.step_s}")
        need(self.endpoint_silence_s > 0, f"endpoint_silence_s must be > 0, got {self.endpoint_silence_s}")
        need(
            0 <= self.speech_pad_s <= self.endpoint_silence_s,
            f"speech_pad_s must be between 0 and endpoint_silence_s, got {self.speech_pad_s}",
        )
        need(self.min_speech_s >= 0, f"min_speech_s must be >= 0, got {self.min_speech_s}")
        need(self.window_margin_s >= 0, f"window_margin_s must be >= 0, got {self.window_margin_s}")
        need(
            0 < self.min_window_s <= _MAX_WINDOW_S,
            f"min_window_s must be in (0, {_MAX_WINDOW_S}], got {self.min_window_s}",
        )
        longest = _MAX_WINDOW_S - self.window_margin_s - self.speech_pad_s
        need(
            self.step_s < self.max_utterance_s <= longest,
            f"max_utterance_s must be above step_s and at most {longest:g} s (Whisper's 30 s window "
            f"less window_margin_s and speech_pad_s), got {self.max_utterance_s}",
        )
        need(0.0 <= self.vad_threshold <= 1.0, f"vad_threshold must be in [0, 1], got {self.vad_threshold}")
        need(self.agreement >= 1, f"agreement must be >= 1, got {self.agreement}")
        need(self.confirm_lag_s >= 0, f"confirm_lag_s must be >= 0, got {self.confirm_lag_s}")
        need(
            self.partial_beam_size >= 1 and self.final_beam_size >= 1,
            "partial_beam_size and final_beam_size must be >= 1",
        )


@dataclass(slots=True)
class StreamUpdate:
    """What one decode of an utterance produced.

    ``confirmed`` only grows within an utterance (later text starts with earlier text) and a
    ``final`` starts with every confirmed text of its partials. ``tentative`` starts with a space
    when it begins a new word, so ``text`` is simply their concatenation.
    """

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
        return self.confirmed + self.tentative


class LocalAgreement:
    """LocalAgreement-n: confirm the leading words that the last ``n`` hypotheses share.

    A hypothesis is the list of words decoded *after* the text confirmed so far. Words are compared
    without case and punctuation ("Sarah," agrees with "sarah"). The newest hypothesis' last word
    is never confirmed: its audio may end in the middle of it. Confirmed words are dropped from the
    kept hypotheses, so the next hypothesis (which starts after them) lines up with them.
    """

    __slots__ = ("_history", "n")

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ConfigError(f"LocalAgreement needs n >= 1, got {n}")
        self.n = n
        self._history: deque[list[str]] = deque(maxlen=n)

    def push(self, words: Sequence[str], limit: int | None = None) -> int:
        """Add the newest hypothesis; return how many of its leading words are confirmed now.

        ``limit`` caps that number (the transcriber passes the words with enough audio after them).
        """
        self._history.append([_key(w) for w in words])
        if len(self._history) < self.n:
            return 0
        newest = self._history[-1]
        limit = min(
            min(len(h) for h in self._history), len(newest) - 1, len(newest) if limit is None else limit
        )
        agreed = 0
        while agreed < limit and all(h[agreed] == newest[agreed] for h in self._history):
            agreed += 1
        if agreed:
            for h in self._history:
                del h[:agreed]
        return agreed

    def reset(self) -> None:
        self._history.clear()


def _key(word: str) -> str:
    return _NOT_WORD.sub("", word.lower())


# ------------------------------------------------------------------------------------ decoding


@dataclass(slots=True)
class _Piece:
    """A word as Whisper's aligner splits text: with its leading space (" Sarah"), or without when
    it continues the word before ("," or "-hearted"). Times in stream seconds."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(slots=True)
class _Hypothesis:
    prefix: list[_Piece]  # the forced prefix (the confirmed text), with this decode's timings
    pieces: list[_Piece]  # what the decoder added after it


def _join(pieces: Sequence[_Piece]) -> str:
    return " ".join(w.word for w in _words(pieces))


def _words(pieces: Sequence[_Piece]) -> list[Word]:
    """Pieces as words: a piece without a leading space continues the word before ("Sarah" + ",")."""
    words: list[Word] = []
    for p in pieces:
        text = p.text.strip()
        if not text:
            continue
        if words and not p.text[:1].isspace():
            w = words[-1]
            words[-1] = Word(w.start, max(w.end, p.end), w.word + text, min(w.probability, p.probability))
        else:
            words.append(Word(p.start, p.end, text, p.probability))
    return words


def _units(pieces: Sequence[_Piece]) -> list[list[_Piece]]:
    """Group pieces into the words that agreement compares; punctuation rides with its word."""
    units: list[list[_Piece]] = []
    for p in pieces:
        if units and not (p.text[:1].isspace() and _key("".join(q.text for q in units[-1]))):
            units[-1].append(p)
        else:
            units.append([p])
    return units


def _cut_repetition(prefix: str, pieces: list[_Piece], n: int = _REPEAT_NGRAM) -> list[_Piece]:
    """``pieces`` up to the first run of ``n`` words that the utterance already said.

    Forced to continue a prefix in a short window, Whisper sometimes runs out of audio and says
    the prefix again, or loops ("you know, you know, ..."); a real repeat of four words inside one
    utterance is much rarer than that.
    """
    units = _units(pieces)
    keys = [_key(w) for w in prefix.split()] + [_key("".join(p.text for p in unit)) for unit in units]
    first = len(keys) - len(units)
    seen: set[tuple[str, ...]] = set()
    for i in range(len(keys) - n + 1):
        gram = tuple(keys[i : i + n])
        if i >= first and gram in seen:
            return [p for unit in units[: i - first] for p in unit]
        seen.add(gram)
    return pieces


class _Decoder:
    """Decodes one utterance buffer as a single short Whisper window; one per stream."""

    def __init__(self, model: WhisperModel, language: str, options: StreamingOptions) -> None:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

        self.model = model
        self.options = options
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
        )
        self._base = TranscriptionOptions(
            beam_size=1,
            best_of=1,
            patience=1.0,
            length_penalty=1.0,
            repetition_penalty=1.0,
            no_repeat_ngram_size=0,
            log_prob_threshold=options.log_prob_threshold,
            no_speech_threshold=options.no_speech_threshold,
            compression_ratio_threshold=None,
            condition_on_previous_text=False,
            prompt_reset_on_temperature=0.5,
            # Temperature fallback is left out: it re-decodes up to five times when the log-prob
            # is low (common on telephone audio), which would land on the endpoint's critical path.
            temperatures=[0.0],
            initial_prompt=None,
            prefix=None,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(self.tokenizer, [-1]),
            without_timestamps=False,
            max_initial_timestamp=1.0,
            word_timestamps=True,
            prepend_punctuations="\"'“¿([{-",
            append_punctuations="\"'.。,，!！?？:：”)]}、",
            multilingual=False,
            max_new_tokens=None,
            clip_timestamps=[0.0],
            hallucination_silence_threshold=None,
            hotwords=None,
        )

    def decode(
        self, audio: np.ndarray, offset_s: float, *, prefix: str, beam_size: int
    ) -> _Hypothesis | None:
        """Decode ``audio`` (starting at stream second ``offset_s``) continuing ``prefix``.

        None when Whisper judges the audio non-speech or cannot continue the prefix.
        """
        model, tokenizer, o = self.model, self.tokenizer, self.options
        n = int(audio.shape[0])
        duration = n / _SR
        window_s = min(_MAX_WINDOW_S, max(o.min_window_s, math.ceil(duration + o.window_margin_s)))
        frames = int(window_s * _SR) // _HOP
        # The margin is real silence, as in Whisper's training (digital zeros → the log-mel floor);
        # zero-valued features instead set off repetition loops in short windows.
        padded = np.zeros(frames * _HOP + _HOP, dtype=np.float32)
        padded[: min(n, frames * _HOP)] = audio[: frames * _HOP]
        features = model.feature_extractor(padded, padding=0)[:, :frames]
        encoder_output = model.encode(features)

        prefix_tokens = tokenizer.encode(" " + prefix) if prefix else []
        prompt = model.get_prompt(tokenizer, [], without_timestamps=False, prefix=prefix or None)
        budget = min(int(_TOKENS_BASE + _TOKENS_PER_S * duration), model.max_length - len(prompt))
        options = replace(self._base, beam_size=beam_size, max_new_tokens=budget)
        result, avg_logprob, _, _ = model.generate_with_fallback(encoder_output, prompt, tokenizer, options)
        if result.no_speech_prob > o.no_speech_threshold and avg_logprob < o.log_prob_threshold:
            return None
        tokens = self._text_tokens(result.sequences_ids[0], duration - _LATE_SEGMENT_S)
        n_prefix = len(prefix_tokens)
        if tokens[:n_prefix] != prefix_tokens:  # the prompt cut a very long prefix short
            return None
        alignment = model.find_alignment(tokenizer, [tokens], encoder_output, min(n // _HOP, frames))
        prefix_pieces: list[_Piece] = []
        pieces: list[_Piece] = []
        pos = 0
        for w in alignment[0] if alignment else []:
            word_tokens: list[int] = w["tokens"]
            lo, pos = pos, pos + len(word_tokens)
            start = offset_s + min(max(float(w["start"]), 0.0), duration)
            end = offset_s + min(max(float(w["end"]), 0.0), duration)
            prob = float(w["probability"])
            if pos <= n_prefix:
                prefix_pieces.append(_Piece(w["word"], start, end, prob))
            elif lo >= n_prefix:
                pieces.append(_Piece(w["word"], start, end, prob))
            else:  # the decoder extended the prefix's last word ("$55" + ".2")
                cut = n_prefix - lo
                prefix_pieces.append(_Piece(tokenizer.decode(word_tokens[:cut]), start, end, prob))
                pieces.append(_Piece(tokenizer.decode(word_tokens[cut:]), end, end, prob))
        return _Hypothesis(prefix_pieces, _cut_repetition(prefix, pieces))

    def _text_tokens(self, sequence: list[int], late_s: float) -> list[int]:
        """The text tokens, up to the first segment that starts at or after ``late_s``."""
        tokenizer = self.tokenizer
        out: list[int] = []
        segment_start: float | None = None
        for token in sequence:
            if token >= tokenizer.timestamp_begin:
                segment_start = (token - tokenizer.timestamp_begin) * self.model.time_precision
                continue
            if token >= tokenizer.eot:
                continue
            if segment_start is not None and segment_start >= late_s:
                break
            segment_start = None
            out.append(token)
        return out


class _SileroStream:
    """Silero VAD over a stream: each window is scored once, the model's state carried across calls.

    faster-whisper's ``SileroVADModel.__call__`` restarts the state on every call, which suits whole
    files; this feeds its ONNX session the same inputs (each window with the last 64 samples of
    the one before) and gives the same probabilities however the stream is cut into frames.
    """

    def __init__(self, session: Any) -> None:
        self._session = session  # onnxruntime sessions may be run from several threads
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_VAD_CONTEXT, dtype=np.float32)

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        """Speech probabilities of ``windows`` (shape (n, 512)), in order."""
        context = np.concatenate([self._context[np.newaxis], windows[:-1, -_VAD_CONTEXT:]])
        batch = np.ascontiguousarray(np.concatenate([context, windows], axis=1))
        probs, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -_VAD_CONTEXT:].copy()
        return np.asarray(probs, dtype=np.float32).reshape(-1)


# ------------------------------------------------------------------------------------ streaming


@dataclass(slots=True)
class _Utterance:
    """The open utterance. Positions are sample indices of the 16 kHz stream."""

    audio_start: int  # first sample decoded (speech start less the pad)
    speech_start: int
    decoded_to: int  # end of the audio of the last decode
    agreement: LocalAgreement
    decode_ends: deque[int]  # audio ends of the hypotheses the agreement holds
    silence_start: int | None = None
    confirmed: list[_Piece] = field(default_factory=list)
    tentative: list[_Piece] = field(default_factory=list)
    early_final_end: int | None = None  # audio end of the final decode made during the endpoint wait
    emitted: bool = False
    last_text: tuple[str, str] = ("", "")


class StreamingTranscriber:
    """Live transcription of one party's audio (one call, one channel).

    One transcriber per stream; ``feed`` may run in a worker thread. The Whisper and Silero models
    are loaded once per process and shared: several streams may decode at the same time.
    """

    def __init__(
        self,
        options: StreamingOptions | None = None,
        *,
        transcribe: TranscribeOptions | None = None,
        model: WhisperModel | None = None,
    ) -> None:
        from faster_whisper.vad import get_vad_model

        from asr.transcriber import load_whisper_model

        self.options = options or StreamingOptions()
        self.transcribe_options = transcribe or TranscribeOptions()
        tx = self.transcribe_options
        with _LOAD_LOCK:
            if model is None:
                model = load_whisper_model(tx.model, tx.device, tx.compute_type, tx.cpu_threads)
            vad_model = get_vad_model()
        # Streams decode short windows where language detection is unreliable: pick one.
        self._decoder = _Decoder(model, tx.language or "en", self.options)
        self._vad = _SileroStream(vad_model.session)
        self._lock = threading.Lock()
        self._resampler: Any = None
        self._odd_byte = b""
        self._fed = 0  # samples received, at the input rate
        self._total = 0  # samples received, at 16 kHz
        self._audio = np.zeros(0, dtype=np.float32)  # the stream from sample _audio_start on
        self._audio_start = 0
        self._vad_done = 0  # samples already scored by the VAD (whole windows)
        self._utt: _Utterance | None = None
        self._last_end = 0  # speech end of the last utterance
        self._index = 0
        self._finished = False

    @property
    def seconds_received(self) -> float:
        """Seconds of audio fed so far."""
        return self._fed / self.options.sample_rate

    def feed(self, pcm: np.ndarray | bytes) -> list[StreamUpdate]:
        """Add audio: float32 samples in [-1, 1] or little-endian int16 bytes, any length.

        Returns the updates this audio produced (often none).
        """
        with self._lock:
            if self._finished:
                raise InvalidInput("this stream is finished: start a new StreamingTranscriber")
            samples = self._to_float(pcm)
            self._fed += samples.shape[0]
            return self._add(self._resample(samples))

    def finish(self) -> list[StreamUpdate]:
        """End of stream: close the open utterance (its final, if it has text). Idempotent."""
        with self._lock:
            if self._finished:
                return []
            self._finished = True
            updates: list[StreamUpdate] = []
            if self._resampler is not None:
                updates += self._add(self._resample(None))
            u = self._utt
            if u is None:
                return updates
            # Audio past the last whole VAD window is kept: it belongs to the open utterance.
            end = u.silence_start if u.silence_start is not None else self._total
            return updates + self._close(end)

    # --------------------------------------------------------------------------------- input

    def _to_float(self, pcm: np.ndarray | bytes) -> np.ndarray:
        if isinstance(pcm, bytes | bytearray | memoryview):
            data = self._odd_byte + bytes(pcm)
            usable = len(data) - len(data) % 2  # a frame may end inside a sample
            self._odd_byte = data[usable:]
            return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0
        samples = np.asarray(pcm)
        if samples.ndim != 1:
            if samples.ndim == 2 and 1 in samples.shape:
                samples = samples.reshape(-1)
            else:
                raise InvalidInput(
                    f"feed() takes one channel of samples (a 1-D array), got shape {samples.shape}: "
                    f"feed each party's channel to its own StreamingTranscriber"
                )
        if samples.dtype == np.int16:
            return samples.astype(np.float32) / 32768.0
        if not np.issubdtype(samples.dtype, np.floating):
            raise InvalidInput(f"feed() takes float samples in [-1, 1] or int16, got dtype {samples.dtype}")
        return samples.astype(np.float32, copy=False)

    def _resample(self, samples: np.ndarray | None) -> np.ndarray:
        """To 16 kHz with one FFmpeg resampler for the whole stream (so frame edges leave no seams)."""
        rate = self.options.sample_rate
        if rate == _SR:
            return np.zeros(0, dtype=np.float32) if samples is None else samples
        import av

        if self._resampler is None:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=_SR)
        if samples is None:
            frames = self._resampler.resample(None)
        else:
            if samples.shape[0] == 0:
                return samples
            frame = av.AudioFrame.from_ndarray(samples[np.newaxis, :], format="flt", layout="mono")
            frame.sample_rate = rate
            frames = self._resampler.resample(frame)
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)

    def _add(self, samples: np.ndarray) -> list[StreamUpdate]:
        if samples.shape[0]:
            self._audio = np.concatenate([self._audio, samples])
            self._total += samples.shape[0]
        n_windows = (self._total - self._vad_done) // _VAD_WINDOW
        if n_windows == 0:
            return []
        first = self._vad_done - self._audio_start
        windows = self._audio[first : first + n_windows * _VAD_WINDOW].reshape(n_windows, _VAD_WINDOW)
        updates: list[StreamUpdate] = []
        for prob in self._vad(windows):
            start = self._vad_done
            self._vad_done += _VAD_WINDOW
            updates += self._on_window(float(prob), start, self._vad_done)
        self._trim()
        return updates

    def _trim(self) -> None:
        """Drop audio no utterance can need: all but the pre-speech pad when none is open."""
        pad = int(self.options.speech_pad_s * _SR)
        keep = self._utt.audio_start if self._utt else self._vad_done - pad
        drop = keep - self._audio_start
        if drop > 0:
            self._audio = self._audio[drop:]
            self._audio_start = keep

    def _slice(self, start: int, end: int) -> np.ndarray:
        return self._audio[start - self._audio_start : end - self._audio_start]

    # ------------------------------------------------------------------------------ endpointing

    def _on_window(self, prob: float, start: int, end: int) -> list[StreamUpdate]:
        o = self.options
        u = self._utt
        if u is None:
            if prob < o.vad_threshold:
                return []
            audio_start = max(self._audio_start, self._last_end, start - int(o.speech_pad_s * _SR))
            self._utt = self._new_utterance(audio_start, start)
            return []
        if prob >= o.vad_threshold:
            u.silence_start = None
            u.early_final_end = None
        elif prob < max(o.vad_threshold - 0.15, 0.01) and u.silence_start is None:
            u.silence_start = start
        speech_end = end if u.silence_start is None else u.silence_start
        long_enough = speech_end - u.speech_start >= o.min_speech_s * _SR
        if u.silence_start is not None:
            silence = end - u.silence_start
            if silence >= o.endpoint_silence_s * _SR:
                return self._close(u.silence_start)
            if silence >= o.speech_pad_s * _SR and u.early_final_end is None and long_enough:
                # The final's audio is complete: decode it now, during the endpoint wait.
                u.early_final_end = u.silence_start + int(o.speech_pad_s * _SR)
                return self._decode_partial(u, u.early_final_end, o.final_beam_size)
            return []
        if end - u.audio_start >= o.max_utterance_s * _SR:
            return self._force_close(u, end)
        if end - u.decoded_to >= o.step_s * _SR and long_enough:
            return self._decode_partial(u, end, o.partial_beam_size)
        return []

    def _decode(self, u: _Utterance, end: int, beam_size: int) -> _Hypothesis | None:
        u.decoded_to = end
        hyp = self._decoder.decode(
            self._slice(u.audio_start, end),
            u.audio_start / _SR,
            prefix=_join(u.confirmed),
            beam_size=beam_size,
        )
        if hyp is not None and _join(hyp.prefix) == _join(u.confirmed):
            u.confirmed = hyp.prefix  # same words, timed on more audio
        return hyp

    def _decode_partial(self, u: _Utterance, end: int, beam_size: int) -> list[StreamUpdate]:
        hyp = self._decode(u, end, beam_size)
        if hyp is None:  # judged non-speech: nothing new to show, nothing left unconfirmed
            u.tentative = []
            return []
        units = _units(hyp.pieces)
        u.decode_ends.append(end)
        # Whisper's guess at a word with little audio after it is unstable even when two decodes
        # agree (an utterance's first word, decoded from 0.8 s and 1.3 s of audio, say).
        settled = u.decode_ends[0] - int(self.options.confirm_lag_s * _SR)
        stable = next((i for i, unit in enumerate(units) if unit[-1].end * _SR > settled), len(units))
        agreed = u.agreement.push(["".join(p.text for p in unit) for unit in units], stable)
        for unit in units[:agreed]:
            u.confirmed.extend(unit)
        u.tentative = [p for unit in units[agreed:] for p in unit]
        confirmed = _join(u.confirmed)
        text = _join(u.confirmed + u.tentative)
        if not text or (confirmed, text) == u.last_text:
            return []
        u.last_text = (confirmed, text)
        return [self._update("partial", u, u.confirmed + u.tentative, confirmed, text, end)]

    def _close(self, speech_end: int) -> list[StreamUpdate]:
        """Endpoint: emit the utterance as final (if it has text) and forget it."""
        u = self._utt
        assert u is not None
        self._utt = None
        self._last_end = speech_end
        o = self.options
        if speech_end - u.speech_start < o.min_speech_s * _SR and not u.emitted:
            return []
        audio_end = min(speech_end + int(o.speech_pad_s * _SR), self._total)
        if u.early_final_end != audio_end:
            hyp = self._decode(u, audio_end, o.final_beam_size)
            u.tentative = hyp.pieces if hyp else []
        updates = self._final(u, u.confirmed + u.tentative, speech_end)
        if u.emitted:
            self._index += 1
        return updates

    def _force_close(self, u: _Utterance, now: int) -> list[StreamUpdate]:
        """A long utterance: its confirmed words become a final; the rest opens the next one."""
        if u.confirmed:
            pieces = u.confirmed
            end = round((u.confirmed[-1].end - _CUT_BACKOFF_S) * _SR)
            cut = min(max(end, u.speech_start + 1), now)
        else:
            hyp = self._decode(u, now, self.options.final_beam_size)
            pieces = (u.confirmed + hyp.pieces) if hyp else []
            cut = now
        updates = self._final(u, pieces, cut)
        if u.emitted:
            self._index += 1
        self._utt = self._new_utterance(cut, cut)
        return updates

    def _new_utterance(self, audio_start: int, speech_start: int) -> _Utterance:
        n = self.options.agreement
        return _Utterance(audio_start, speech_start, speech_start, LocalAgreement(n), deque(maxlen=n))

    def _final(self, u: _Utterance, pieces: list[_Piece], speech_end: int) -> list[StreamUpdate]:
        text = _join(pieces)
        if not text:  # never an empty final: noise the decoder judged non-speech
            return []
        return [self._update("final", u, pieces, text, text, speech_end)]

    def _update(
        self,
        kind: Literal["partial", "final"],
        u: _Utterance,
        pieces: list[_Piece],
        confirmed: str,
        text: str,
        end: int,
    ) -> StreamUpdate:
        u.emitted = True
        # The VAD bounds the utterance; words sit inside it. Whisper's aligner tends to start the
        # first word at the very beginning of the audio, in the pad before the speech.
        start_s = max(u.speech_start / _SR - _ONSET_S, u.audio_start / _SR)
        end_s = end / _SR
        words = [
            Word(min(max(w.start, start_s), end_s), min(max(w.end, start_s), end_s), w.word, w.probability)
            for w in _words(pieces)
        ]
        return StreamUpdate(
            kind=kind,
            utterance=self._index,
            confirmed=confirmed,
            tentative=text[len(confirmed) :],
            start=start_s,
            end=end_s,
            words=words,
            decoded_at=self.seconds_received,
        )
