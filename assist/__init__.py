"""Live agent assist: turns (or audio) in, knowledge suggestions out.

``import assist`` is cheap; streaming recognition and embeddings load when first used.
"""

from assist.answer import GeneratedAnswer, generate_answer, load_chat_model
from assist.query import FormedQuery, QueryOptions, content_words, form_query, is_need
from assist.session import (
    AssistOptions,
    SearchBackend,
    SearchFailed,
    Session,
    SessionTurn,
    Suggestion,
    TranscriptUpdate,
)

__all__ = [
    "AssistOptions",
    "FormedQuery",
    "GeneratedAnswer",
    "QueryOptions",
    "SearchBackend",
    "SearchFailed",
    "Session",
    "SessionTurn",
    "Suggestion",
    "TranscriptUpdate",
    "content_words",
    "form_query",
    "generate_answer",
    "is_need",
    "load_chat_model",
]
