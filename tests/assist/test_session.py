"""The assist session: unit tests on a fake search backend, and the real index on the demo knowledge."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from api.runtime import Runtime
from asr import StreamUpdate
from assist import (
    AssistOptions,
    SearchFailed,
    Session,
    TranscriptUpdate,
    form_query,
    generate_answer,
    is_need,
)
from knowledge import SearchHit, SearchOptions, SearchResult

DEMO = Path(__file__).resolve().parents[2] / "demo" / "knowledge"


def _hit(doc_id: str, confidence: float) -> SearchHit:
    text = f"About {doc_id}. It costs ten dollars."
    return SearchHit(
        doc_id=doc_id, title=doc_id.title(), kind="product", score=0.03, confidence=confidence,
        similarity=0.6,
        coverage=0.5, chunk_text=text, heading=doc_id, section=[], sentence="It costs ten dollars.",
        sentence_span=(text.index("It"), len(text)), matched_terms=["costs"], valid_from=None,
        valid_to=date(2026, 12, 31), tags=[], source=f"{doc_id}.md",
    )  # fmt: skip


class FakeBackend:
    """Returns canned hits per query word; records what was searched."""

    def __init__(self, hits: dict[str, list[SearchHit]]) -> None:
        self.hits = hits
        self.queries: list[tuple[str, SearchOptions]] = []

    def search(self, kb: str, query: str, options: SearchOptions | None = None) -> SearchResult:
        assert options is not None
        self.queries.append((query, options))
        found = next((h for word, h in self.hits.items() if word in query.lower()), [])
        return SearchResult(query=query, hits=found, threshold=0.5, embed_ms=0, search_ms=0)


def test_needs_and_query_forming() -> None:
    assert is_need("I was charged twice on my bill this month")
    for chit_chat in ("Yes, exactly.", "Great, thank you.", "Zero one four two.", "um okay sure", "[PERSON]"):
        assert not is_need(chit_chat), chit_chat
    plain = form_query("my phone has no data in spain", ["agent: how can I help"])
    assert plain.text == "my phone has no data in spain" and not plain.context_used
    ref = form_query(
        "how much is that per day", ["customer: I'm going to Spain", "agent: a roaming pass works there"]
    )
    assert "roaming" in ref.text and "spain" in ref.text
    assert ref.context_used[0] == "agent: a roaming pass works there"


def test_session_suggests_confident_new_documents_only() -> None:
    backend = FakeBackend(
        {
            "roaming": [_hit("roaming-pass", 0.9), _hit("roaming-rates", 0.7), _hit("travel-faq", 0.2)],
            "charged": [_hit("double-charge", 0.8)],
            "weather": [_hit("store-hours", 0.1)],
        }
    )
    session = Session(backend, AssistOptions(kb="demo", as_of=date(2026, 11, 25), max_cards=2))
    assert session.add_turn("agent", "Thanks for calling, how can I help?") == []  # agents don't trigger
    first = session.add_turn("customer", "My roaming doesn't work in Spain")
    assert [c.doc_id for c in first] == ["roaming-pass", "roaming-rates"]  # the 0.2 hit is not confident
    card = first[0].to_dict()
    assert card["snippet"][card["highlight"][0] : card["highlight"][1]] == "It costs ten dollars."
    assert card["why"]["matched_terms"] == ["costs"] and card["valid_to"] == "2026-12-31"
    assert session.add_turn("customer", "Still no roaming data on my phone") == []  # never repeated
    assert session.add_turn("customer", "Yes, exactly.") == []  # no need: not even searched
    assert [c.doc_id for c in session.add_turn("customer", "I was charged twice this month")] == [
        "double-charge"
    ]
    assert session.add_turn("customer", "what is the weather in Paris tomorrow") == []  # nothing confident
    assert all(o.as_of == date(2026, 11, 25) for _, o in backend.queries)
    assert len(backend.queries) == 4
    assert session.suggestion(first[1].id) is first[1]


def test_generated_answer_cites_only_given_documents() -> None:
    backend = FakeBackend({"roaming": [_hit("roaming-pass", 0.9)]})
    session = Session(backend)
    cards = session.add_turn("customer", "how does roaming work")
    model = FakeListChatModel(responses=["A pass is ten dollars a day [roaming-pass] [made-up-doc]."])
    answer = generate_answer(model, "how does roaming work", cards)
    assert answer.cited == ["roaming-pass"] and answer.grounded
    ungrounded = generate_answer(FakeListChatModel(responses=["No idea."]), "q", cards)
    assert not ungrounded.grounded and ungrounded.cited == []


def test_real_search_resolves_context_and_respects_dates(runtime: Runtime) -> None:
    runtime.knowledge_index().add_folder(DEMO, "demo")
    session = Session(runtime.searcher(), AssistOptions(kb="demo", as_of=date(2026, 11, 25)))
    session.add_turn("customer", "I'm flying to Spain next week and I need my phone to work there")
    session.add_turn("agent", "You can add a Roaming Pass for your trip.")
    follow_up = session.add_turn("customer", "How much does that cost for each day?")
    shown = [c.doc_id for c in session.shown.values()]
    assert "addon-roaming-pass" in shown, shown
    assert not follow_up or follow_up[0].context_used  # a follow-up search borrowed the context
    later = Session(runtime.searcher(), AssistOptions(kb="demo", as_of=date(2027, 1, 10)))
    cards = later.add_turn("customer", "is the holiday unlimited deal for forty five dollars still on")
    assert "promo-holiday-unlimited" not in [c.doc_id for c in cards]


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_turns_are_ignored(bad: str) -> None:
    backend = FakeBackend({})
    assert Session(backend).add_turn("customer", bad) == []
    assert backend.queries == []


class _ScriptedStream:
    """Stands in for ``asr.StreamingTranscriber``: every frame is one final utterance, its bytes the text."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.count = 0

    def feed(self, pcm: bytes) -> list[StreamUpdate]:
        self.count += 1
        return [StreamUpdate("final", self.count - 1, pcm.decode(), "", 0.0, 1.0)]

    def finish(self) -> list[StreamUpdate]:
        return []


class _BrokenBackend:
    def search(self, kb: str, query: str, options: SearchOptions | None = None) -> SearchResult:
        raise RuntimeError("database went away")


def test_audio_streams_number_utterances_across_replays_and_survive_search_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asr

    monkeypatch.setattr(asr, "StreamingTranscriber", _ScriptedStream)
    session = Session(_BrokenBackend())
    first = session.feed_audio("customer", b"my roaming pass does not work in spain")
    # The transcript still reaches the agent, with the failure named, and the turn is kept.
    assert isinstance(first[0], TranscriptUpdate) and first[0].final
    assert isinstance(first[1], SearchFailed) and "database went away" in first[1].message
    assert [t.text for t in session.turns] == ["my roaming pass does not work in spain"]

    session.feed_audio("agent", b"let me check that")
    session.end_audio()
    # The same call played again: a new stream, whose utterances do not reuse the old numbers.
    again = session.feed_audio("customer", b"hello again")
    assert isinstance(again[0], TranscriptUpdate) and again[0].utterance == 1
    assert session.feed_audio("agent", b"hi")[0].utterance == 1  # type: ignore[union-attr]
