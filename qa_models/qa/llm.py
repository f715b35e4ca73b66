"""An item scored by a chat model through LangChain (``scorer: llm`` on the item; never required).

The model sees the item's question, guidance and allowed answers and the transcript with numbered
turns, and answers in JSON: the answer, the turns it rests on and a one-line reason. An answer that
is not one of the item's choices, or a reply that is not JSON, falls back to the example scorer and
says so in the rationale.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from qa_models.qa.types import ItemResult
from qa_models.qa.view import CallView
from qa_models.scorecard import ScorecardItem

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["score_with_llm"]

_SYSTEM = (
    "You are a contact-center quality evaluator. Answer one scorecard question about the call "
    "transcript. Reply with JSON only: "
    '{"answer": <one of the allowed answers>, "turns": [<turn numbers the answer rests on>], '
    '"rationale": "<one short sentence>"}'
)
_JSON = re.compile(r"\{.*\}", re.DOTALL)


def _prompt(view: CallView, item: ScorecardItem) -> str:
    lines = [f"[{i}] {t.speaker}: {view.text(i)}" for i, t in enumerate(view.turns) if t.text.strip()]
    parts = [f"Question: {item.question}"]
    if item.guidance:
        parts.append(f"Guidance: {item.guidance}")
    parts.append(f"Allowed answers: {', '.join(item.choices)}")
    parts.extend(f"Example ({e.answer}): {e.text}" for e in item.examples)
    parts.append("Transcript:\n" + "\n".join(lines))
    return "\n".join(parts)


def score_with_llm(chat_model: BaseChatModel, view: CallView, item: ScorecardItem) -> ItemResult:
    from langchain_core.messages import HumanMessage, SystemMessage

    from qa_models.qa.examples import score_from_examples

    name = (
        getattr(chat_model, "model_name", None)
        or getattr(chat_model, "model", None)
        or type(chat_model).__name__
    )
    try:
        reply = chat_model.invoke([SystemMessage(_SYSTEM), HumanMessage(_prompt(view, item))])
        content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        match = _JSON.search(content)
        data = json.loads(match.group(0)) if match else {}
        answer = str(data.get("answer", "")).strip().lower()
        if answer not in item.choices:
            raise ValueError(f"answer {answer!r} is not one of {item.choices}")
        turns = [int(t) for t in data.get("turns") or [] if str(t).isdigit() and int(t) < len(view.turns)]
    except Exception as exc:  # any provider error or malformed reply: fall back, say why
        fallback = score_from_examples(view, item, None)
        fallback.rationale = f"{fallback.rationale} (chat model {name} failed: {exc})"
        return fallback
    return ItemResult(
        item.id,
        answer,
        0.7,
        str(data.get("rationale") or "")[:300],
        [view.evidence(t) for t in turns[:5]],
        f"llm:{name}",
        {},
    )
