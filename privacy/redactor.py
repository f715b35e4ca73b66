"""Redaction of plain text and of transcripts, with each span's time from the word timestamps.

Redacted text keeps the entity as a tag: "my card is [CARD_NUMBER]".

Words: the words a span touches are merged into ONE word that runs from the first word's start to
the last word's end and whose text is the redacted text of that stretch (the tag, plus any part
of the first/last word outside the span, e.g. a trailing comma). So no PII is left in ``words``,
the redacted word still covers the time to silence, and ``" ".join(w.word for w in words)``
equals the redacted turn text whenever it equalled the original.

A turn whose text does not match its words (the ``Turn`` contract is that text is the words
joined by spaces) is redacted from its words: its text is rebuilt as the joined words, and the
spans' character offsets refer to that text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from asr.types import Transcript, Turn, Word
from privacy.detectors import Detection
from privacy.engine import load_analyzer
from privacy.types import (
    ACCOUNT_NUMBER,
    CARD_NUMBER,
    CARD_SECURITY_CODE,
    PHONE_NUMBER,
    US_SSN,
    RedactedSpan,
    RedactionOptions,
    RedactionResult,
)

__all__ = [
    "Redactor",
    "RedactorProtocol",
    "apply_redactions",
    "get_redactor",
    "resolve_overlaps",
]

logger = logging.getLogger(__name__)

_LANGUAGE = "en"
#: Context words handed to the analyzer from previous turns (the question is usually at the end).
CONTEXT_WORDS = 30
# Equal-length overlaps on the same digits: the more specific reading wins.
_PRIORITY = {CARD_NUMBER: 4, US_SSN: 3, CARD_SECURITY_CODE: 2, PHONE_NUMBER: 1, ACCOUNT_NUMBER: 0}
_TRIM = " \t\r\n,;:!?"


class RedactorProtocol(Protocol):
    """What callers of redaction need; tests elsewhere can pass a fake."""

    def redact_text(self, text: str) -> tuple[str, list[RedactedSpan]]: ...

    def redact_transcript(self, transcript: Transcript) -> RedactionResult: ...


def tag(entity: str) -> str:
    return f"[{entity}]"


def resolve_overlaps(hits: Iterable[Detection]) -> list[Detection]:
    """Make detections disjoint: a card beats anything on the same digits, then the longer span,
    then the higher score. The winner keeps its entity but grows to cover everything it overlapped,
    so no character that any recognizer flagged is left in the clear."""
    ranked = sorted(
        hits,
        key=lambda h: (h.entity == CARD_NUMBER, h.end - h.start, h.score, _PRIORITY.get(h.entity, 0)),
        reverse=True,
    )
    accepted: list[Detection] = []  # disjoint, in rank order
    for hit in ranked:
        overlapping = [i for i, a in enumerate(accepted) if a.start < hit.end and hit.start < a.end]
        if not overlapping:
            accepted.append(hit)
            continue
        covered = [hit, *(accepted[i] for i in overlapping)]
        winner = overlapping[0]  # the strongest, as accepted keeps rank order
        accepted[winner] = replace(
            accepted[winner], start=min(h.start for h in covered), end=max(h.end for h in covered)
        )
        for i in reversed(overlapping[1:]):
            del accepted[i]
    return sorted(accepted, key=lambda h: h.start)


def apply_redactions(text: str, hits: Sequence[Detection]) -> str:
    """text with each (disjoint, sorted) hit replaced by its tag."""
    out, pos = [], 0
    for hit in hits:
        out += [text[pos : hit.start], tag(hit.entity)]
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)


def _align(text: str, words: Sequence[Word]) -> list[tuple[int, int]] | None:
    """Each word's character range in text, or None if text is not the words with spaces between."""
    offsets, pos = [], 0
    for word in words:
        core = word.word.strip()
        if not core:
            offsets.append((pos, pos))
            continue
        found = text.find(core, pos)
        if found < 0 or text[pos:found].strip():
            return None
        offsets.append((found, found + len(core)))
        pos = found + len(core)
    if text[pos:].strip():
        return None
    return offsets


def _touched(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    return [i for i, (a, b) in enumerate(offsets) if a < end and b > start]


def _redact_words(
    text: str, words: Sequence[Word], offsets: Sequence[tuple[int, int]], hits: Sequence[Detection]
) -> list[Word]:
    # Word index ranges touched by each hit, merged where two hits touch the same word.
    groups: list[tuple[int, int, list[Detection]]] = []
    for hit in hits:
        touched = _touched(offsets, hit.start, hit.end)
        if not touched:
            continue
        first, last = touched[0], touched[-1]
        if groups and first <= groups[-1][1]:
            g_first, g_last, g_hits = groups[-1]
            groups[-1] = (g_first, max(g_last, last), [*g_hits, hit])
        else:
            groups.append((first, last, [hit]))

    redacted: list[Word] = []
    pos = 0
    for first, last, group_hits in groups:
        redacted += [Word(w.start, w.end, w.word, w.probability) for w in words[pos:first]]
        a, b = offsets[first][0], offsets[last][1]
        shifted = [Detection(h.entity, h.start - a, h.end - a, h.score) for h in group_hits]
        lead = words[first].word[: len(words[first].word) - len(words[first].word.lstrip())]
        redacted.append(
            Word(
                start=words[first].start,
                end=words[last].end,
                word=lead + apply_redactions(text[a:b], shifted),
                probability=min(w.probability for w in words[first : last + 1]),
            )
        )
        pos = last + 1
    redacted += [Word(w.start, w.end, w.word, w.probability) for w in words[pos:]]
    return redacted


class Redactor:
    """PII redaction with Presidio on spaCy plus callscope's call-specific recognizers.

    Cheap to build; the analyzer (spaCy model, recognizers) loads on first use and is shared by
    every Redactor on the same spaCy model. Use ``get_redactor`` for a cached instance.
    """

    def __init__(self, options: RedactionOptions | None = None) -> None:
        self.options = options or RedactionOptions()
        self._analyzer: Any = None
        phrases = [p.strip() for p in self.options.allow_list if p.strip()]
        self._allow_re = (
            re.compile(
                r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")\b",
                re.IGNORECASE,
            )
            if phrases
            else None
        )

    def load(self) -> Redactor:
        """Load the analyzer now (it loads lazily otherwise); returns self."""
        if self._analyzer is None:
            self._analyzer = load_analyzer(self.options.spacy_model)
        return self

    def find(self, text: str, context: Sequence[str] | None = None) -> list[Detection]:
        """Disjoint detections in text, sorted; context: words said just before (previous turn)."""
        if not text.strip() or not self.options.entities:
            return []
        results = self.load()._analyzer.analyze(
            text=text,
            language=_LANGUAGE,
            entities=list(self.options.entities),
            score_threshold=self.options.score_threshold,
            context=list(context) if context else None,
        )
        allowed = [(m.start(), m.end()) for m in self._allow_re.finditer(text)] if self._allow_re else []
        hits = []
        for r in results:
            if r.entity_type not in self.options.entities:
                continue
            start, end = r.start, r.end
            while start < end and text[start] in _TRIM:
                start += 1
            while end > start and text[end - 1] in _TRIM:
                end -= 1
            if start == end or any(a <= start and end <= b for a, b in allowed):
                continue
            hits.append(Detection(r.entity_type, start, end, float(r.score)))
        return resolve_overlaps(hits)

    def redact_text(self, text: str) -> tuple[str, list[RedactedSpan]]:
        """text with PII replaced by [ENTITY] tags, and the spans (offsets into text)."""
        hits = self.find(text)
        spans = [RedactedSpan(h.entity, None, h.start, h.end, score=h.score) for h in hits]
        return apply_redactions(text, hits), spans

    def redact_transcript(self, transcript: Transcript) -> RedactionResult:
        """A redacted copy of transcript (the input is not changed) and every redacted span."""
        turns: list[Turn] = []
        spans: list[RedactedSpan] = []
        for index, turn in enumerate(transcript.turns):
            redacted, turn_spans = self._redact_turn(index, turn, self._context(transcript.turns, index))
            turns.append(redacted)
            spans += turn_spans
        copy = Transcript(
            turns=turns, duration=transcript.duration, language=transcript.language, model=transcript.model
        )
        return RedactionResult(transcript=copy, spans=spans)

    def _context(self, turns: Sequence[Turn], index: int) -> list[str]:
        previous = turns[max(0, index - self.options.context_turns) : index]
        return " ".join(t.text for t in previous).split()[-CONTEXT_WORDS:]

    def _redact_turn(self, index: int, turn: Turn, context: list[str]) -> tuple[Turn, list[RedactedSpan]]:
        text, words = turn.text, turn.words
        offsets = _align(text, words) if words else None
        if words and offsets is None:
            logger.warning("turn %d: text does not match its words; redacting the words' text instead", index)
            text = " ".join(w.word.strip() for w in words)
            offsets = _align(text, words)
        hits = self.find(text, context)
        spans = []
        for h in hits:
            touched = _touched(offsets, h.start, h.end) if offsets is not None else []
            start = words[touched[0]].start if touched else None
            end = words[touched[-1]].end if touched else None
            spans.append(RedactedSpan(h.entity, index, h.start, h.end, start, end, turn.channel, h.score))
        new_words = (
            _redact_words(text, words, offsets, hits)
            if offsets is not None
            else [Word(w.start, w.end, w.word, w.probability) for w in words]
        )
        redacted = Turn(
            speaker=turn.speaker,
            start=turn.start,
            end=turn.end,
            text=apply_redactions(text, hits),
            words=new_words,
            channel=turn.channel,
        )
        return redacted, spans


_redactors: dict[tuple[Any, ...], Redactor] = {}
_redactors_lock = threading.Lock()


def get_redactor(options: RedactionOptions | None = None) -> Redactor:
    """A cached, loaded Redactor for these options (the default options when None)."""
    options = options or RedactionOptions()
    with _redactors_lock:
        redactor = _redactors.get(options.key())
        if redactor is None:
            redactor = _redactors[options.key()] = Redactor(options)
    return redactor.load()
