"""A live assist session: turns in (text, or audio through streaming ASR), suggestions out.

For every final customer turn that carries a need, the session forms a query with the turn's
context, searches the knowledge base as of the call's date, and emits the confident hits it has not
shown before in this call. Partial transcripts are passed through for display only; suggestions come
from confirmed text. Agent turns are context (an agent naming a plan resolves the customer's "that").
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from assist.query import FormedQuery, QueryOptions, form_query, is_need
from knowledge import SearchHit, SearchOptions, SearchResult

if TYPE_CHECKING:
    import numpy as np

    from asr import StreamingOptions, StreamUpdate, TranscribeOptions

__all__ = [
    "AssistOptions",
    "SearchBackend",
    "SearchFailed",
    "Session",
    "SessionTurn",
    "Suggestion",
    "TranscriptUpdate",
]


class SearchBackend(Protocol):
    """``knowledge.Searcher`` or a fake."""

    def search(self, kb: str, query: str, options: SearchOptions | None = None) -> SearchResult: ...


@dataclass(slots=True, frozen=True)
class AssistOptions:
    """``kb``: the knowledge base to search; ``as_of``: the date promotions must be valid on (None =
    today); ``max_cards``: suggestions per turn at most; ``assist_speakers``: whose turns trigger a
    search; ``context_turns``: earlier turns used to resolve references."""

    kb: str = "default"
    as_of: date | None = None
    max_cards: int = 2
    assist_speakers: tuple[str, ...] = ("customer",)
    context_turns: int = 4
    query: QueryOptions = field(default_factory=QueryOptions)
    search: SearchOptions = field(default_factory=lambda: SearchOptions(k=5))


@dataclass(slots=True)
class SessionTurn:
    index: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(slots=True)
class Suggestion:
    """A card for the agent. ``snippet`` is the best chunk; ``highlight`` the best sentence's offsets
    in it. ``why`` says what the match rests on: the query, its matched terms, the context used."""

    id: str
    doc_id: str
    title: str
    kind: str
    snippet: str
    highlight: tuple[int, int]
    sentence: str
    heading: str
    score: float
    confidence: float
    valid_from: date | None
    valid_to: date | None
    turn: int
    query: str
    matched_terms: list[str]
    context_used: list[str]
    created_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "snippet": self.snippet,
            "highlight": list(self.highlight),
            "sentence": self.sentence,
            "heading": self.heading,
            "score": round(self.score, 5),
            "confidence": round(self.confidence, 4),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "turn": self.turn,
            "why": {
                "query": self.query,
                "matched_terms": self.matched_terms,
                "context_used": self.context_used,
            },
            "created_at": self.created_at,
        }


@dataclass(slots=True)
class TranscriptUpdate:
    """Streaming text for display: ``final`` closes utterance ``utterance`` of ``speaker``."""

    speaker: str
    utterance: int
    confirmed: str
    tentative: str
    final: bool
    start: float
    end: float
    turn: int | None = None  # the session turn a final became

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "utterance": self.utterance,
            "confirmed": self.confirmed,
            "tentative": self.tentative,
            "final": self.final,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "turn": self.turn,
        }


@dataclass(slots=True, frozen=True)
class SearchFailed:
    """A final turn whose search raised: the turn and its transcript stand, the client is told."""

    turn: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "message": self.message}


Event = TranscriptUpdate | Suggestion | SearchFailed


class Session:
    """One call. Thread-safe: audio channels may be fed from different threads."""

    def __init__(
        self,
        backend: SearchBackend,
        options: AssistOptions | None = None,
        *,
        session_id: str | None = None,
    ) -> None:
        self.backend = backend
        self.options = options or AssistOptions()
        self.id = session_id or uuid.uuid4().hex[:16]
        self.turns: list[SessionTurn] = []
        self.shown: dict[str, Suggestion] = {}  # doc id → the card that showed it
        self.searches: list[SearchResult] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._streams: dict[str, Any] = {}
        # Utterance numbers stay unique per speaker across streams (a recording played again).
        self._utterance_base: dict[str, int] = {}
        self._utterance_next: dict[str, int] = {}

    # --------------------------------------------------------------------------------- text

    def add_turn(
        self, speaker: str, text: str, *, start: float | None = None, end: float | None = None
    ) -> list[Suggestion]:
        """Record a final turn; return the new suggestions it earns (often none)."""
        return self._add_turn(speaker, text, start, end)[1]

    def _add_turn(
        self, speaker: str, text: str, start: float | None, end: float | None
    ) -> tuple[int | None, list[Suggestion]]:
        text = text.strip()
        if not text:
            return None, []
        with self._lock:
            turn = SessionTurn(len(self.turns), speaker, text, start, end)
            context = [f"{t.speaker}: {t.text}" for t in self.turns[-self.options.context_turns :]]
            self.turns.append(turn)
        if speaker not in self.options.assist_speakers or not is_need(text, self.options.query):
            return turn.index, []
        formed = form_query(text, context, self.options.query)
        result = self.backend.search(self.options.kb, formed.text, self._search_options())
        with self._lock:
            self.searches.append(result)
            return turn.index, self._new_cards(turn.index, formed, result)

    def search(self, text: str) -> SearchResult:
        """The agent's own query: every hit, confident or not, nothing marked as shown."""
        return self.backend.search(self.options.kb, text, self._search_options())

    def _search_options(self) -> SearchOptions:
        return replace(self.options.search, as_of=self.options.as_of or date.today())

    def _new_cards(self, turn: int, formed: FormedQuery, result: SearchResult) -> list[Suggestion]:
        cards: list[Suggestion] = []
        for hit in result.confident:
            if hit.doc_id in self.shown:
                continue
            card = self._card(turn, formed, hit)
            self.shown[hit.doc_id] = card
            cards.append(card)
            if len(cards) >= self.options.max_cards:
                break
        return cards

    def _card(self, turn: int, formed: FormedQuery, hit: SearchHit) -> Suggestion:
        return Suggestion(
            id=f"{self.id}-{next(self._ids)}",
            doc_id=hit.doc_id,
            title=hit.title,
            kind=hit.kind,
            snippet=hit.chunk_text,
            highlight=hit.sentence_span,
            sentence=hit.sentence,
            heading=hit.heading,
            score=hit.score,
            confidence=hit.confidence,
            valid_from=hit.valid_from,
            valid_to=hit.valid_to,
            turn=turn,
            query=formed.text,
            matched_terms=hit.matched_terms,
            context_used=formed.context_used,
        )

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        return next((s for s in self.shown.values() if s.id == suggestion_id), None)

    def snapshot(self) -> tuple[list[SessionTurn], list[Suggestion]]:
        """The turns so far and the cards shown, oldest first (copies: audio threads may add more)."""
        with self._lock:
            return list(self.turns), sorted(self.shown.values(), key=lambda c: c.created_at)

    # -------------------------------------------------------------------------------- audio

    def open_audio(
        self,
        speaker: str,
        *,
        streaming: StreamingOptions | None = None,
        transcribe: TranscribeOptions | None = None,
    ) -> None:
        """Prepare streaming recognition of one party's audio (16 kHz mono)."""
        from asr import StreamingTranscriber

        with self._lock:
            if speaker not in self._streams:
                self._streams[speaker] = StreamingTranscriber(streaming, transcribe=transcribe)

    def feed_audio(self, speaker: str, pcm: np.ndarray | bytes) -> list[Event]:
        """Feed audio frames of ``speaker``; returns transcript updates and any suggestions."""
        if speaker not in self._streams:
            self.open_audio(speaker)
        return self._events(speaker, self._streams[speaker].feed(pcm))

    def end_audio(self, speaker: str | None = None) -> list[Event]:
        """End one stream (or all): close utterances still open."""
        events: list[Event] = []
        for name in [speaker] if speaker else list(self._streams):
            # A finished stream takes no more audio: the next audio of this party (a recording
            # played again) opens a new one.
            with self._lock:
                stream = self._streams.pop(name, None)
            if stream is not None:
                events.extend(self._events(name, stream.finish()))
                self._utterance_base[name] = self._utterance_next.get(name, 0)
        return events

    def _events(self, speaker: str, updates: list[StreamUpdate]) -> list[Event]:
        events: list[Event] = []
        base = self._utterance_base.get(speaker, 0)
        for u in updates:
            number = base + u.utterance
            self._utterance_next[speaker] = max(self._utterance_next.get(speaker, 0), number + 1)
            update = TranscriptUpdate(
                speaker, number, u.confirmed, u.tentative, u.kind == "final", u.start, u.end
            )
            events.append(update)
            if update.final and u.confirmed.strip():
                try:
                    update.turn, cards = self._add_turn(speaker, u.confirmed, u.start, u.end)
                except Exception as exc:  # the transcript must still reach the agent
                    events.append(SearchFailed(len(self.turns) - 1, f"search failed: {exc}"))
                else:
                    events.extend(cards)
        return events
