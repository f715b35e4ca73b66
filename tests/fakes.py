"""Fakes for the swappable parts (they satisfy the same Protocols as the real models)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from asr import DecodedAudio, Transcript, Turn, Word
from privacy import RedactedSpan, RedactionResult


def _words(text: str, start: float) -> list[Word]:
    return [
        Word(start=start + i * 0.3, end=start + i * 0.3 + 0.25, word=w) for i, w in enumerate(text.split())
    ]


@dataclass
class FakeTranscriber:
    """Returns a scripted two-party transcript; counts calls so tests can assert work was (not) redone."""

    customer_text: str = "Hi, I was charged twice on my bill."
    calls: list[str] = field(default_factory=list)

    def transcribe(self, audio: DecodedAudio) -> Transcript:
        self.calls.append(Path(audio.source).name)
        agent = "Thank you for calling Brightline, this is Sam."
        turns = [
            Turn("agent", 0.0, 2.0, agent, _words(agent, 0.0), 0),
            Turn("customer", 2.5, 5.0, self.customer_text, _words(self.customer_text, 2.5), 1),
        ]
        return Transcript(turns=turns, duration=audio.duration, model="fake")


class FakeRedactor:
    """Redacts runs of 4+ digits as ACCOUNT_NUMBER: enough to test that storage keeps only redacted text."""

    def redact_text(self, text: str) -> tuple[str, list[RedactedSpan]]:
        spans = [
            RedactedSpan("ACCOUNT_NUMBER", None, m.start(), m.end(), None, None, None, 1.0)
            for m in re.finditer(r"\d{4,}", text)
        ]
        return re.sub(r"\d{4,}", "[ACCOUNT_NUMBER]", text), spans

    def redact_transcript(self, transcript: Transcript) -> RedactionResult:
        turns, spans = [], []
        for i, t in enumerate(transcript.turns):
            text, found = self.redact_text(t.text)
            for s in found:
                s.turn = i
            spans.extend(found)
            turns.append(Turn(t.speaker, t.start, t.end, text, _words(text, t.start), t.channel))
        return RedactionResult(
            Transcript(turns, transcript.duration, transcript.language, transcript.model), spans
        )


class HashingEncoder:
    """Satisfies ``qa_models.Encoder``: a normalised hashed bag of words (texts sharing words are close)."""

    name = "hashing-fake"
    dim = 256

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z']+", text.lower()):
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out
