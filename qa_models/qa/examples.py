"""An item with no built-in scorer, scored from its question, guidance and ``examples``.

Each answer gets prototypes: the item's examples for that answer, and for ``yes`` also the question
and guidance turned into a statement. Every sentence the agent said is compared with them (sentence
embeddings; word overlap without an encoder): an answer whose prototypes some sentence matches
closely wins. A question about something the agent should *avoid* ("Did the agent avoid …?") reads
a close match the other way round unless examples say otherwise.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from qa_models.qa.types import ItemResult
from qa_models.qa.view import CallView, Match
from qa_models.scorecard import ScorecardItem

if TYPE_CHECKING:
    from qa_models.heads import Encoder

__all__ = ["score_from_examples", "statement_of"]

#: cosine similarity (all-MiniLM-L6-v2) above which a sentence is taken to say the prototype
MATCH = 0.55
#: a question about what the agent should not do: "Did the agent avoid jargon?", "Did the agent
#: refrain from ...", "Did the agent not interrupt?" (not any question that says "not" somewhere:
#: "Did the agent offer a callback when the issue was not resolved?" asks for something done)
_AVOID = re.compile(
    r"^\s*(?:did|does|do|was|were|is|has|have|had|will|would)\s+(?:the\s+)?(?:agent|advisor|adviser|rep|"
    r"representative|associate|they|he|she)\s+(?:(?:always|successfully|consistently)\s+)?(?:avoid|refrain|"
    r"never|not|fail\s+to|neglect|omit|stay\s+away|keep\s+from|abstain)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:did|does|do|was|were|is|has|have|had|will|would|could|can)\s+(?:the\s+)?", re.IGNORECASE
)
_SENT = re.compile(r"[^.!?]+[.!?]?")


def statement_of(question: str) -> str:
    """ "Did the agent offer a callback?" → "the agent offer a callback" (closer to what is said)."""
    return _LEAD.sub("", question.strip()).rstrip("?").strip()


def _sentences(view: CallView) -> list[Match]:
    out = []
    for i in view.agent:
        for m in _SENT.finditer(view.text(i)):
            if len(m.group(0).strip()) >= 4:
                out.append(Match(i, m.start(), m.end(), view.turns[i].text[m.start() : m.end()]))
    return out


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) > 3}


def _similarity(sentences: list[str], prototypes: list[str], encoder: Encoder | None) -> np.ndarray:
    """sentences × prototypes similarity."""
    if encoder is not None:
        vectors = encoder.embed(sentences + prototypes)
        return np.asarray(vectors[: len(sentences)] @ vectors[len(sentences) :].T)
    sims = np.zeros((len(sentences), len(prototypes)), np.float32)
    for i, s in enumerate(sentences):
        ws = _words(s)
        for j, p in enumerate(prototypes):
            wp = _words(p)
            sims[i, j] = len(ws & wp) / max(1, len(wp))
    return sims


def score_from_examples(view: CallView, item: ScorecardItem, encoder: Encoder | None) -> ItemResult:
    choices = item.choices
    protos: list[tuple[str, str]] = [(e.answer, e.text) for e in item.examples]
    avoid = bool(_AVOID.search(item.question)) and not any(a == "no" for a, _ in protos)
    if item.scale is None:
        found_answer = "no" if avoid else "yes"
        protos.append((found_answer, statement_of(item.question)))
        if item.guidance:
            protos.append((found_answer, item.guidance))
        absent = "yes" if avoid else "no"
    else:
        # The question says nothing about which point of the scale a sentence is at: only the
        # examples place a call on it, and with no match the call sits in the middle.
        absent = choices[len(choices) // 2]
    sentences = _sentences(view)
    features: dict[str, float] = {f"match_{a}": 0.0 for a in choices}
    if not sentences or not protos:
        answer = "na" if "na" in choices else absent
        why = "the agent said nothing to score" if not sentences else "the item has no examples to score by"
        return ItemResult(item.id, answer, 0.5, why, [], "examples", features)
    sims = _similarity([s.text for s in sentences], [p for _, p in protos], encoder)
    threshold = MATCH if encoder is not None else 0.5
    best: dict[str, tuple[float, int]] = {}
    for j, (answer, _) in enumerate(protos):
        i = int(np.argmax(sims[:, j]))
        if answer not in best or sims[i, j] > best[answer][0]:
            best[answer] = (float(sims[i, j]), i)
    for answer, (score, _) in best.items():
        features[f"match_{answer}"] = score
    winner, (score, at) = max(best.items(), key=lambda kv: kv[1][0])
    if score < threshold:
        answer = absent if absent in choices else choices[0]
        conf = 0.5 + min(0.3, threshold - score)
        if item.scale is not None:
            why = f"no agent sentence matches an example: {answer}, the middle of the scale"
            return ItemResult(item.id, answer, min(conf, 0.5), why, [], "examples", features)
        how = "nothing the agent said" if encoder is not None else "no sentence shares the question's words"
        return ItemResult(
            item.id, answer, conf, f"{how} matches: {statement_of(item.question)}", [], "examples", features
        )
    conf = min(0.9, 0.55 + (score - threshold))
    return ItemResult(
        item.id,
        winner,
        conf,
        f"closest agent sentence ({score:.2f}) matches the '{winner}' description",
        [view.evidence(sentences[at])],
        "examples",
        features,
    )
