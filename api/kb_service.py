"""Service functions behind the knowledge and assist routes and the `kb` commands."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from api.runtime import Runtime
from common.errors import InputTooLarge, InvalidInput
from knowledge import IndexReport, SearchHit, SearchMode, SearchOptions, SearchResult

__all__ = [
    "FEEDBACK_ACTIONS",
    "FeedbackRow",
    "hit_dict",
    "index_uploaded_files",
    "list_feedback",
    "parse_as_of",
    "record_feedback",
    "search_kb",
]

FEEDBACK_ACTIONS = ("useful", "not_useful", "copied", "opened")


def parse_as_of(value: str | date | None) -> date | None:
    """``YYYY-MM-DD`` → a date; anything else is a clear error (not silently 'today')."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"as_of {value!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-01") from None


def search_kb(
    rt: Runtime,
    kb: str,
    text: str,
    *,
    context: Sequence[str] = (),
    as_of: date | None = None,
    k: int = 5,
    mode: SearchMode = "hybrid",
    kinds: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> tuple[SearchResult, list[str]]:
    """Search as live assist would: the query is formed with its context. Returns the result and the
    context turns the query borrowed from."""
    from assist import form_query

    if not 1 <= k <= 50:
        raise InvalidInput(f"k={k}: ask for 1 to 50 results")
    formed = form_query(text, list(context))
    options = SearchOptions(k=k, mode=mode, as_of=as_of, kinds=tuple(kinds), tags=tuple(tags))
    options = replace(options, candidates=max(options.candidates, k))
    return rt.searcher().search(kb, formed.text, options), formed.context_used


def hit_dict(hit: SearchHit, threshold: float) -> dict[str, Any]:
    return {
        "doc_id": hit.doc_id,
        "title": hit.title,
        "kind": hit.kind,
        "score": round(hit.score, 5),
        "confidence": round(hit.confidence, 4),
        "confident": hit.confidence >= threshold,
        "similarity": round(hit.similarity, 4),
        "snippet": hit.chunk_text,
        "heading": hit.heading,
        "sentence": hit.sentence,
        "highlight": list(hit.sentence_span),
        "matched_terms": hit.matched_terms,
        "valid_from": hit.valid_from.isoformat() if hit.valid_from else None,
        "valid_to": hit.valid_to.isoformat() if hit.valid_to else None,
        "tags": hit.tags,
        "ranks": hit.ranks,
    }


def index_uploaded_files(rt: Runtime, kb: str, files: Sequence[tuple[str, bytes]]) -> IndexReport:
    """Index uploaded knowledge files into ``kb`` (added or replaced; nothing else is removed)."""
    from api.uploads import check_name_length
    from knowledge import load_folder

    limit = int(rt.settings.max_upload_mb * 1024 * 1024)
    if not files:
        raise InvalidInput("no files were uploaded")
    folder = Path(tempfile.mkdtemp(prefix="callscope-kb-"))
    try:
        for name, data in files:
            safe = Path(name or "").name
            if not safe or safe.startswith(".") or "\x00" in safe:
                raise InvalidInput(f"upload file name {name!r} is not usable")
            check_name_length(safe)
            if len(data) > limit:
                raise InputTooLarge(
                    f"{safe} is {len(data) / 1e6:.1f} MB; the limit is {rt.settings.max_upload_mb} MB"
                )
            (folder / safe).write_bytes(data)
        loaded = load_folder(folder)
        index = rt.knowledge_index()
        report = index.index_documents(kb, loaded.documents)
        report.errors = list(loaded.errors)
        report.skipped_files = list(loaded.skipped)
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(slots=True)
class FeedbackRow:
    id: int
    session_id: str
    kb: str
    doc_id: str
    action: str
    query: str
    rank: int | None
    score: float | None
    created_at: datetime


def record_feedback(
    rt: Runtime,
    *,
    session_id: str,
    kb: str,
    doc_id: str,
    action: str,
    query: str = "",
    rank: int | None = None,
    score: float | None = None,
) -> int:
    from sqlalchemy import text

    if action not in FEEDBACK_ACTIONS:
        raise InvalidInput(f"feedback action {action!r}: use one of {', '.join(FEEDBACK_ACTIONS)}")
    if not doc_id or not session_id:
        raise InvalidInput("feedback needs a session id and a document id")
    with rt.db.engine.begin() as conn:
        new_id = conn.execute(
            text(
                "INSERT INTO assist_feedback (session_id, kb, doc_id, action, query, rank, score) "
                "VALUES (:s, :kb, :d, :a, :q, :r, :sc) RETURNING id"
            ),
            {
                "s": session_id[:64],
                "kb": kb,
                "d": doc_id,
                "a": action,
                "q": query[:2000],
                "r": rank,
                "sc": score,
            },
        ).scalar_one()
    return int(new_id)


def list_feedback(
    rt: Runtime, *, kb: str | None = None, session_id: str | None = None, limit: int = 200
) -> list[FeedbackRow]:
    from sqlalchemy import text

    with rt.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, session_id, kb, doc_id, action, query, rank, score, created_at "
                "FROM assist_feedback WHERE (CAST(:kb AS text) IS NULL OR kb = :kb) "
                "AND (CAST(:s AS text) IS NULL OR session_id = :s) "
                "ORDER BY id DESC LIMIT :n"
            ),
            {"kb": kb, "s": session_id, "n": limit},
        ).all()
    return [FeedbackRow(*r) for r in rows]
