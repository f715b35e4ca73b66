"""Real speech with reference transcripts (``data/speech``) → ``LabeledCalls`` for ASR and speaker checks.

Audio paths are relative to the speech folder, which is ``base_dir``. Every call is ``voice``.

- ``whisper-jfk``: ``whisper/jfk.flac``, one ``unknown`` speaker (text from ``SOURCE.txt``).
- ``faster_whisper-stereo_diarization``: two channels, one speaker each; channel 0 is taken as the
  ``agent`` and 1 as the ``customer`` (the FORMATS default), with the two known sentences. Those
  texts are what faster-whisper's tests assert, not a certified human transcript
  (``labels.reference_note`` says so).
- ``realpython-harvard`` and ``realpython-jackhammer`` (the first sentence under jackhammer noise,
  ``labels.noisy``), texts from ``SOURCE.txt``.
- ``librivox-<n>`` (5) and ``cards-<n>`` (5): pocketsphinx test data, texts from the
  ``transcription`` files (``<s> text </s> (file id)``).
- ``pyannote-sample``: a 30 s two-person telephone conversation, turns with times from
  ``sample.stm``. The two people (Diane, Sheila) are neither agent nor customer, so the speaker is
  ``unknown`` and the person is kept as ``name``; ``labels.rttm`` points at the reference diarization.
- ``fsdd-<digit>_<speaker>_<n>``: a few 8 kHz spoken digits (text = the digit word, also
  ``labels.digit``); by default one per digit, index 0, rotating over the six speakers.

Not included: ``faster_whisper/{multilingual,hotwords}.mp3`` and ``pocketsphinx_testdata/goforward.raw``
(no reference transcript to score against, or headerless PCM that decoders cannot identify).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from common.errors import FormatError
from common.formats import LabeledCall, LineError
from evals.datasets._common import line_error, read_text
from evals.types import LabeledCalls

__all__ = ["FSDD_PER_DIGIT", "load_speech_samples"]

FSDD_PER_DIGIT = 1
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# References as given in speech/SOURCE.txt.
_JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
_STEREO_LEFT = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
)
_STEREO_RIGHT = "The horizon seems extremely distant."
_HARVARD = (
    "The stale smell of old beer lingers. It takes heat to bring out the odor. "
    "A cold dip restores health and zest. A salt pickle tastes fine with ham. "
    "Tacos al pastor are my favorite. A zestful food is the hot cross bun."
)
_JACKHAMMER = "The stale smell of old beer lingers."

_TRANSCRIPTION = re.compile(r"^\s*(?:<s>)?\s*(?P<text>.*?)\s*(?:</s>)?\s*\((?P<id>[^()\s]+)\)\s*$")
_FSDD_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[a-z]+)_(?P<index>\d+)\.wav$")


def _missing(path: Path) -> LineError:
    return LineError(path=str(path), line=0, message=str(FormatError(str(path), "audio file not found")))


def _call(
    call_id: str, audio: str, turns: list[dict[str, Any]], labels: dict[str, Any], **more: Any
) -> LabeledCall:
    return LabeledCall.model_validate(
        {"call_id": call_id, "audio": audio, "channel": "voice", "turns": turns, "labels": labels, **more}
    )


def _fixed() -> list[tuple[str, str, list[dict[str, Any]], dict[str, Any], dict[str, Any]]]:
    unknown = "unknown"
    return [
        ("whisper-jfk", "whisper/jfk.flac", [{"speaker": unknown, "text": _JFK}], {"source": "whisper"}, {}),
        (
            "faster_whisper-stereo_diarization",
            "faster_whisper/stereo_diarization.wav",
            [{"speaker": "agent", "text": _STEREO_LEFT}, {"speaker": "customer", "text": _STEREO_RIGHT}],
            {
                "source": "faster_whisper",
                "reference_note": "texts asserted by faster-whisper's tests, not a certified transcript",
            },
            {"channels": {"agent": 0, "customer": 1}},
        ),
        (
            "realpython-harvard",
            "realpython/harvard.wav",
            [{"speaker": unknown, "text": _HARVARD}],
            {"source": "realpython"},
            {},
        ),
        (
            "realpython-jackhammer",
            "realpython/jackhammer.wav",
            [{"speaker": unknown, "text": _JACKHAMMER}],
            {"source": "realpython", "noisy": True},
            {},
        ),
    ]


def _transcription(
    root: Path, folder: str, file_name: str, prefix: str, skipped: list[LineError]
) -> list[LabeledCall]:
    path = root / "pocketsphinx_testdata" / folder / file_name
    calls: list[LabeledCall] = []
    for n, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        match = _TRANSCRIPTION.match(line)
        if match is None or not match["text"]:
            skipped.append(line_error(path, n, "expected '<s> text </s> (file id)'"))
            continue
        audio = f"pocketsphinx_testdata/{folder}/{match['id']}.wav"
        if not (root / audio).is_file():
            skipped.append(line_error(path, n, f"no audio file {audio}"))
            continue
        short = match["id"].rsplit("-", 1)[-1]
        turns = [{"speaker": "unknown", "text": match["text"]}]
        calls.append(_call(f"{prefix}-{short}", audio, turns, {"source": "pocketsphinx"}))
    return calls


def _stm_turns(path: Path, skipped: list[LineError]) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for n, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip() or line.startswith(";;"):  # ";;" starts an STM comment
            continue
        fields = line.split(maxsplit=5)
        try:
            start, end = float(fields[3]), float(fields[4])
            text = fields[5].strip()
        except (IndexError, ValueError):
            skipped.append(line_error(path, n, "expected 'file channel speaker start end text'"))
            continue
        turns.append({"speaker": "unknown", "name": fields[2], "text": text, "start": start, "end": end})
    return turns


def _fsdd(root: Path, per_digit: int) -> list[LabeledCall]:
    folder = root / "fsdd_test"
    by_digit: dict[int, dict[str, str]] = {}
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        match = _FSDD_NAME.match(entry.name)
        if match and match["index"] == "0":
            by_digit.setdefault(int(match["digit"]), {})[match["speaker"]] = entry.name
    calls: list[LabeledCall] = []
    for digit, files in sorted(by_digit.items()):
        speakers = sorted(files)
        for k in range(min(per_digit, len(speakers))):
            speaker = speakers[(digit + k) % len(speakers)]  # rotate so every speaker is heard
            name = files[speaker]
            word = _DIGITS[digit]
            labels = {"source": "fsdd", "digit": word, "speaker_name": speaker, "sample_rate": 8000}
            turns = [{"speaker": "unknown", "text": word}]
            calls.append(_call(f"fsdd-{name.removesuffix('.wav')}", f"fsdd_test/{name}", turns, labels))
    return calls


def load_speech_samples(data_root: Path, *, fsdd_per_digit: int = FSDD_PER_DIGIT) -> LabeledCalls:
    root = Path(data_root) / "speech"
    skipped: list[LineError] = []
    calls: list[LabeledCall] = []
    for call_id, audio, turns, labels, more in _fixed():
        if (root / audio).is_file():
            calls.append(_call(call_id, audio, turns, labels, **more))
        else:
            skipped.append(_missing(root / audio))
    calls += _transcription(root, "librivox", "transcription", "librivox", skipped)
    calls += _transcription(root, "cards", "cards.transcription", "cards", skipped)
    sample = root / "pyannote" / "sample.wav"
    if sample.is_file():
        turns = _stm_turns(root / "pyannote" / "sample.stm", skipped)
        labels = {"source": "pyannote", "rttm": "pyannote/sample.rttm", "speakers": 2}
        calls.append(_call("pyannote-sample", "pyannote/sample.wav", turns, labels))
    else:
        skipped.append(_missing(sample))
    calls += _fsdd(root, fsdd_per_digit)
    # Every file here is a reference recording: all of it is for measuring.
    return LabeledCalls(
        name="speech-samples",
        calls=calls,
        base_dir=root,
        test_ids=frozenset(c.call_id for c in calls),
        skipped=skipped,
    )
