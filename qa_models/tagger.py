"""Every call's tags in one pass: contact type, customer sentiment and repeat-call probability.

The turns a call needs embedded (the customer's turns for sentiment, the reason sentences for
contact type) are embedded once, in one batch across all the calls given, so tagging costs one
encoder pass per distinct text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from asr import Turn, customer_turn_indices
from common.formats import LabeledCall
from qa_models.contact_type import CallContactType, ContactTypeClassifier, reason_sentences
from qa_models.heads import Encoder
from qa_models.repeat import CallRecord, RepeatCallPredictor, RepeatPrediction
from qa_models.sentiment import CallSentiment, SentimentClassifier

__all__ = ["CallTagger", "CallTags", "TagInput"]


@dataclass(slots=True)
class TagInput:
    """A call to tag: its turns and what is known about it (for the repeat-call model)."""

    call_id: str
    turns: list[Turn]
    customer_id: str | None = None
    started_at: datetime | None = None
    duration_s: float | None = None
    queue: str | None = None
    agent_id: str | None = None
    #: voice, chat, email or sms (QA reads silences differently on text channels)
    channel: str = "voice"

    @classmethod
    def from_labeled_call(cls, call: LabeledCall) -> TagInput:
        """A labeled call (FORMATS §1) from its own turns; other speakers count as ``unknown``."""
        turns = [
            Turn(
                speaker=t.speaker if t.speaker in ("agent", "customer") else "unknown",
                start=t.start or 0.0,
                end=t.end if t.end is not None else (t.start or 0.0),
                text=t.text.strip(),
            )
            for t in call.turns
        ]
        duration = max((t.end for t in turns), default=0.0)
        return cls(
            call.call_id,
            turns,
            call.customer_id,
            call.started_at,
            duration or None,
            call.queue,
            call.agent_id,
            call.channel,
        )


@dataclass(slots=True)
class CallTags:
    contact_type: CallContactType
    sentiment: CallSentiment
    repeat: RepeatPrediction
    #: the call as the repeat-call model saw it (tagged type, closing sentiment): training data
    record: CallRecord
    #: tag → "model-name@version"
    models: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_type": self.contact_type.to_dict(),
            "sentiment": self.sentiment.to_dict(),
            "repeat_call": {
                "probability": round(self.repeat.probability, 4),
                "signals": [
                    {
                        "name": s.name,
                        "evidence": s.evidence,
                        "turn": s.turn,
                        "contribution": round(s.contribution, 4),
                    }
                    for s in self.repeat.signals
                ],
            },
            "models": dict(self.models),
        }


class CallTagger:
    def __init__(
        self,
        encoder: Encoder,
        contact_type: ContactTypeClassifier,
        sentiment: SentimentClassifier,
        repeat: RepeatCallPredictor,
    ) -> None:
        self.encoder = encoder
        self.contact_type = contact_type
        self.sentiment = sentiment
        self.repeat = repeat
        self.models = {
            "contact_type": contact_type.info.label,
            "sentiment": sentiment.info.label,
            "repeat_call": repeat.info.label,
        }

    @classmethod
    def with_defaults(cls, encoder: Encoder, repeat: RepeatCallPredictor | None = None) -> CallTagger:
        """The shipped contact-type and sentiment models; the default repeat predictor unless given."""
        from qa_models.contact_type import load_default_contact_type
        from qa_models.sentiment import load_default_sentiment

        return cls(
            encoder,
            load_default_contact_type(encoder),
            load_default_sentiment(encoder),
            repeat or RepeatCallPredictor.default(),
        )

    def tag(self, call: TagInput) -> CallTags:
        return self.tag_many([call])[0]

    def tag_many(self, calls: Sequence[TagInput]) -> list[CallTags]:
        reasons = [reason_sentences(c.turns, self.contact_type.options) for c in calls]
        # A fine-tuned sentiment model embeds the customer's turns with its own encoder, all calls'
        # at once; a head-only one reuses the shared embeddings.
        own = self.sentiment.adapter is not None
        customer = [[] if own else customer_turn_indices(c.turns) for c in calls]
        texts: dict[str, int] = {}
        for c, sentences, idx in zip(calls, reasons, customer, strict=True):
            for _, s in sentences:
                texts.setdefault(s, len(texts))
            for i in idx:
                texts.setdefault(c.turns[i].text.strip(), len(texts))
        vectors = self.encoder.embed(list(texts)) if texts else np.zeros((0, self.encoder.dim), np.float32)
        tuned = self.sentiment.call_sentiments([c.turns for c in calls]) if own else []
        out = []
        for n, (c, sentences, idx) in enumerate(zip(calls, reasons, customer, strict=True)):
            probs = self.contact_type.probabilities(
                [s for _, s in sentences], vectors[[texts[s] for _, s in sentences]]
            )
            ctype = self.contact_type.call_from(sentences, probs)
            if own:
                sentiment = tuned[n]
            else:
                turn_vectors = np.zeros((len(c.turns), self.encoder.dim), dtype=np.float32)
                for i in idx:
                    turn_vectors[i] = vectors[texts[c.turns[i].text.strip()]]
                sentiment = self.sentiment.call_sentiment(c.turns, vectors=turn_vectors)
            record = CallRecord(
                call_id=c.call_id,
                customer_id=c.customer_id,
                started_at=c.started_at,
                duration_s=c.duration_s,
                contact_type=ctype.label,
                queue=c.queue,
                agent_id=c.agent_id,
                turns=list(c.turns),
                closing_sentiment=sentiment.end,
            )
            out.append(CallTags(ctype, sentiment, self.repeat.predict(record), record, dict(self.models)))
        return out
