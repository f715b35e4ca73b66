"""An optional generated answer over the suggested passages, through any LangChain chat model.

Off by default: suggestions are retrieved passages and need no language model. When a chat model is
configured, ``answer`` asks it to answer the customer's question from the given passages only and
to cite them as ``[doc-id]``; citations of documents it was not given are dropped, and an answer
citing nothing is marked ungrounded so the sidebar can say so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assist.session import Suggestion

__all__ = ["GeneratedAnswer", "generate_answer", "load_chat_model"]

_CITATION = re.compile(r"\[([^\[\]\s]{1,200})\]")

_SYSTEM = (
    "You help a contact-center agent during a live call. Answer the customer's question in at most "
    "three short sentences the agent can read out, using ONLY the numbered passages. After each fact, "
    "cite the passage's id in square brackets, e.g. [promo-holiday-unlimited]. If the passages do not "
    "answer the question, say that the knowledge base does not cover it."
)


@dataclass(slots=True)
class GeneratedAnswer:
    text: str
    cited: list[str]  # document ids cited that were among the passages, in order of first citation
    grounded: bool  # at least one valid citation
    model: str


def load_chat_model(spec: str) -> BaseChatModel:
    """A chat model from ``"provider:model"`` (e.g. ``"ollama:llama3.1"``) via LangChain's
    ``init_chat_model``; needs the ``langchain`` package and the provider's integration."""
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise ConfigError(
            "a generated answer needs LangChain: pip install 'callscope[llm]' and the provider's package "
            "(e.g. langchain-ollama), or leave CALLSCOPE_ASSIST_CHAT_MODEL empty"
        ) from exc
    try:
        model: BaseChatModel = init_chat_model(spec)
    except Exception as exc:  # provider packages raise their own errors
        raise ConfigError(f"could not load chat model {spec!r}: {exc}") from exc
    return model


def generate_answer(
    model: BaseChatModel, question: str, suggestions: Sequence[Suggestion], *, max_passages: int = 3
) -> GeneratedAnswer:
    from langchain_core.prompts import ChatPromptTemplate

    passages = list(suggestions)[:max_passages]
    numbered = "\n\n".join(f"[{s.doc_id}] {s.title}\n{s.snippet}" for s in passages)
    prompt = ChatPromptTemplate.from_messages(
        [("system", _SYSTEM), ("human", "Passages:\n{passages}\n\nCustomer: {question}")]
    )
    reply: Any = (prompt | model).invoke({"passages": numbered, "question": question})
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    allowed = {s.doc_id for s in passages}
    cited = list(dict.fromkeys(c for c in _CITATION.findall(text) if c in allowed))
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__
    return GeneratedAnswer(text=text.strip(), cited=cited, grounded=bool(cited), model=str(name))
