"""Helpers for the QA workspace tests: a scripted QA scorer and labeled calls stored without the queue."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api import pipeline
from api.models import CallTagRow
from api.runtime import Runtime
from qa_models import Evidence, ItemResult, QAOptions, QAResult, Scorecard, TagInput, score_call

GREETING = "Thank you for calling Brightline, my name is Sam, how can I help you today?"


@dataclass
class ScriptedScorer:
    """Satisfies what the API uses of ``QAScorer``: every item ``yes`` (``na`` where allowed for
    ``accurate_information``) at confidence 0.9, unless ``script[call_id][item_id]`` says
    ``(answer, confidence)``. Evidence is the first agent turn's first five words."""

    script: dict[str, dict[str, tuple[str, float]]] = field(default_factory=dict)
    options: QAOptions = field(default_factory=QAOptions)
    model: str = "scripted@1"
    scored: list[str] = field(default_factory=list)

    def score(self, call: TagInput, card: Scorecard) -> QAResult:
        return self.score_many([call], card)[0]

    def score_many(self, calls: Sequence[TagInput], card: Scorecard) -> list[QAResult]:
        out = []
        for call in calls:
            self.scored.append(call.call_id)
            agent = next((i for i, t in enumerate(call.turns) if t.speaker == "agent"), 0)
            text = call.turns[agent].text if call.turns else ""
            span = " ".join(text.split()[:5])
            evidence = [Evidence(agent, "agent", span, 0, len(span), 0.0, 1.0)] if span else []
            items = []
            for item in card.items:
                default = ("na", 0.9) if item.id == "accurate_information" else ("yes", 0.9)
                answer, confidence = self.script.get(call.call_id, {}).get(item.id, default)
                items.append(
                    ItemResult(item.id, answer, confidence, f"scripted {answer}", list(evidence), "rules")
                )
            out.append(self.result(call.call_id, card, items))
        return out

    def result(self, call_id: str, card: Scorecard, items: list[ItemResult]) -> QAResult:
        s = score_call(card, {i.item_id: i.answer for i in items})
        return QAResult(
            call_id, card.id, str(card.version), items, s.percent, s.passed, s.auto_failed, self.model
        )


def labeled_call(
    call_id: str,
    *,
    agent: str = "a-1",
    when: str = "2026-03-02T09:00:00Z",
    team: str | None = None,
    channel: str = "chat",
    said: Sequence[str] = ("Hi, I was charged twice on my bill.",),
    **extra: Any,
) -> dict[str, Any]:
    """A FORMATS §1 record with turns (times 3 s apart) and no audio."""
    texts = [("agent", GREETING)]
    for line in said:
        texts += [("customer", line), ("agent", "I'm sorry about that, let me check it for you.")]
    texts.append(("agent", "Is there anything else I can help you with? Thank you for calling."))
    turns = [
        {"speaker": sp, "text": text, "start": 3.0 * i, "end": 3.0 * i + 2.5}
        for i, (sp, text) in enumerate(texts)
    ]
    record: dict[str, Any] = {
        "call_id": call_id,
        "channel": channel,
        "agent_id": agent,
        "customer_id": f"cust-{call_id}",
        "started_at": when,
        "turns": turns,
        **extra,
    }
    if team is not None:
        record["team"] = team
    return record


def store_calls(rt: Runtime, records: Sequence[dict[str, Any]]) -> list[str]:
    """Store labeled calls the way an ingest job does (scoring them when ``qa_on_ingest``)."""
    ids = []
    for record in records:
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        outcome = pipeline.ingest_labeled_call(
            rt, record=record, audio_path=None, content_hash=digest, source=f"test:{record['call_id']}"
        )
        ids.append(outcome.call_id)
    return ids


def set_tags(
    rt: Runtime,
    call_id: str,
    *,
    contact_type: str = "billing.double_charge",
    sentiment: str = "neutral",
    polarity: float | None = None,
    repeat_probability: float = 0.1,
    details: dict[str, Any] | None = None,
    models: dict[str, str] | None = None,
) -> None:
    """Tags without running the tagger (the queue and sampling read contact type and sentiment).
    ``polarity`` defaults to -0.5 for a negative call, else 0."""
    if polarity is None:
        polarity = -0.5 if sentiment == "negative" else 0.0
    with Session(rt.db.engine) as s:
        s.merge(
            CallTagRow(
                call_id=call_id,
                contact_type=contact_type,
                contact_type_confidence=0.9,
                sentiment=sentiment,
                sentiment_polarity=polarity,
                repeat_probability=repeat_probability,
                details=details or {},
                models=models or {},
            )
        )
        s.commit()


def fast_settings(settings: Any) -> Any:
    """No redaction or tagging models: the QA logic on a real database, quickly."""
    settings.redact_pii = False
    settings.tag_on_ingest = False
    return settings
