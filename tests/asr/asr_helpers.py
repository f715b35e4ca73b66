"""Helpers shared by the asr tests: reference texts, the documented WER normalisation, turn invariants."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer

from asr import Transcript

DATA = Path(__file__).resolve().parents[1] / "data"

#: Reference texts from tests/data/SOURCE.txt.
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
STEREO_LEFT = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
)
STEREO_RIGHT = "The horizon seems extremely distant."


def normalise(text: str) -> str:
    """WER normalisation: lowercase, punctuation removed (apostrophes kept), whitespace collapsed."""
    text = re.sub(r"[^\w\s']", " ", text.lower())
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def check_turn_invariants(transcript: Transcript) -> None:
    """Words lie inside their turn, text is the words joined by spaces, turns are in time order."""
    starts = [t.start for t in transcript.turns]
    assert starts == sorted(starts)
    for turn in transcript.turns:
        assert 0.0 <= turn.start <= turn.end <= transcript.duration + 1e-6
        assert turn.text == turn.text.strip() and turn.text
        assert turn.words, "word_timestamps is on by default"
        assert turn.text == " ".join(w.word for w in turn.words)
        for w in turn.words:
            assert w.word == w.word.strip() and w.word
            assert turn.start - 1e-6 <= w.start <= w.end <= turn.end + 1e-6
            assert 0.0 <= w.probability <= 1.0
