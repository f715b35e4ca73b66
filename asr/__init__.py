"""Speech recognition for callscope: decode any recording, transcribe each channel, build turns.

``import asr`` is cheap: faster-whisper and CTranslate2 load only when a model is first used.
"""

import os

# CTranslate2's OpenMP threads otherwise spin while waiting for work: with several recognizers in one
# process (live calls next to ingestion) the spinning threads starve the ones with work, and each
# new live call ran slower than the last. Read when the OpenMP runtime loads, so set it first.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from asr.audio import DecodedAudio, decode_audio, probe_duration
from asr.options import TranscribeOptions
from asr.streaming import StreamingOptions, StreamingTranscriber, StreamUpdate
from asr.transcriber import Transcriber, WhisperTranscriber, load_whisper_model, transcribe_file
from asr.types import SPEAKERS, Transcript, Turn, Word, customer_turn_indices

__all__ = [
    "SPEAKERS",
    "DecodedAudio",
    "StreamUpdate",
    "StreamingOptions",
    "StreamingTranscriber",
    "TranscribeOptions",
    "Transcriber",
    "Transcript",
    "Turn",
    "WhisperTranscriber",
    "Word",
    "customer_turn_indices",
    "decode_audio",
    "load_whisper_model",
    "probe_duration",
    "transcribe_file",
]
