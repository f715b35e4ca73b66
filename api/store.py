"""Persistence of calls, transcripts and ingest failures (service functions over SQLAlchemy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import CallRow, CallTagRow, IngestFailureRow, TranscriptRow
from asr import Transcript, customer_turn_indices
from common.db import Database
from common.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from qa_models import CallRecord, CallTags

__all__ = [
    "CallFilter",
    "CallSummary",
    "FailureRecord",
    "NewCall",
    "StoredCall",
    "call_count",
    "existing_hashes",
    "find_call_by_hash",
    "get_call",
    "get_tags",
    "iter_calls",
    "list_calls",
    "list_failures",
    "record_failure",
    "repeat_history",
    "save_call",
    "save_tags",
]


@dataclass(slots=True)
class NewCall:
    """A processed call ready to be written in one transaction."""

    id: str
    content_hash: str
    source: str
    transcript: Transcript
    audio_path: str | None = None
    channel: str = "voice"
    started_at: datetime | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    queue: str | None = None
    reference: Transcript | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    evaluations: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    redaction_spans: list[dict[str, Any]] = field(default_factory=list)
    #: A labeled call keeps its own id; a recording's file-name id gets a suffix when taken.
    id_is_fixed: bool = False


@dataclass(slots=True)
class CallSummary:
    id: str
    source: str
    channel: str
    duration_s: float | None
    speakers: list[str]
    preview: str
    redaction_count: int
    started_at: datetime | None
    agent_id: str | None
    customer_id: str | None
    queue: str | None
    created_at: datetime
    contact_type: str | None = None
    sentiment: str | None = None
    repeat_probability: float | None = None


@dataclass(slots=True)
class CallFilter:
    """``contact_type`` matches the type or, given a group (``billing``), every type under it."""

    contact_type: str | None = None
    sentiment: str | None = None
    min_repeat_probability: float | None = None
    agent_id: str | None = None
    queue: str | None = None
    #: only calls of these teams (the caller's scope); None: any team
    teams: list[str] | None = None

    def apply(self, q: Any) -> Any:
        if self.contact_type or self.sentiment or self.min_repeat_probability is not None:
            q = q.join(CallTagRow, CallTagRow.call_id == CallRow.id)
        if self.contact_type:
            ct = self.contact_type
            q = q.where(
                (CallTagRow.contact_type == ct)
                | CallTagRow.contact_type.startswith(f"{ct}.", autoescape=True)
            )
        if self.sentiment:
            q = q.where(CallTagRow.sentiment == self.sentiment)
        if self.min_repeat_probability is not None:
            q = q.where(CallTagRow.repeat_probability >= self.min_repeat_probability)
        if self.agent_id:
            q = q.where(CallRow.agent_id == self.agent_id)
        if self.queue:
            q = q.where(CallRow.queue == self.queue)
        if self.teams is not None:
            team = func.coalesce(CallRow.extra["team"].astext, CallRow.labels["team"].astext)
            q = q.where(team.in_(self.teams))
        return q


@dataclass(slots=True)
class StoredCall:
    summary: CallSummary
    transcript: Transcript | None
    reference: Transcript | None
    labels: dict[str, Any]
    evaluations: list[Any]
    extra: dict[str, Any]
    audio_path: str | None
    content_hash: str
    redaction_spans: list[dict[str, Any]]


@dataclass(slots=True)
class FailureRecord:
    source: str
    reason: str
    content_hash: str | None
    job_id: int | None
    created_at: datetime


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def preview_of(transcript: Transcript) -> str:
    """The customer's first sentence (or the first speaker's, when nobody is marked customer)."""
    turns = customer_turn_indices(transcript.turns)
    if not turns:
        return ""
    return _SENTENCE_END.split(transcript.turns[turns[0]].text.strip(), maxsplit=1)[0][:300]


def _summary(row: CallRow) -> CallSummary:
    return CallSummary(
        id=row.id,
        source=row.source,
        channel=row.channel,
        duration_s=row.duration_s,
        speakers=list(row.speakers or []),
        preview=row.preview,
        redaction_count=row.redaction_count,
        started_at=row.started_at,
        agent_id=row.agent_id,
        customer_id=row.customer_id,
        queue=row.queue,
        created_at=row.created_at,
        contact_type=row.tags.contact_type if row.tags else None,
        sentiment=row.tags.sentiment if row.tags else None,
        repeat_probability=row.tags.repeat_probability if row.tags else None,
    )


def find_call_by_hash(db: Database, content_hash: str) -> str | None:
    with Session(db.engine) as s:
        return s.scalar(select(CallRow.id).where(CallRow.content_hash == content_hash))


def existing_hashes(db: Database, hashes: list[str]) -> set[str]:
    if not hashes:
        return set()
    with Session(db.engine) as s:
        return set(s.scalars(select(CallRow.content_hash).where(CallRow.content_hash.in_(hashes))))


def _free_id(s: Session, wanted: str, content_hash: str) -> str:
    if s.get(CallRow, wanted) is None:
        return wanted
    return f"{wanted}-{content_hash[:8]}"


def save_call(db: Database, call: NewCall) -> tuple[str, bool]:
    """Store a call and its transcript atomically; return ``(call_id, created)``.

    Idempotent on the content hash: a call already stored (say, by a job retried after a crash) is
    not stored twice, and the existing id is returned with ``created=False``.
    """
    t = call.transcript
    with Session(db.engine) as s:
        existing = s.scalar(select(CallRow.id).where(CallRow.content_hash == call.content_hash))
        if existing is not None:
            return existing, False
        if call.id_is_fixed:
            if s.get(CallRow, call.id) is not None:
                raise InvalidInput(
                    f"call id '{call.id}' is already stored with different content; "
                    "give the new call another call_id or delete the stored one first"
                )
            call_id = call.id
        else:
            call_id = _free_id(s, call.id, call.content_hash)
        row = CallRow(
            id=call_id,
            content_hash=call.content_hash,
            source=call.source,
            audio_path=call.audio_path,
            channel=call.channel,
            started_at=call.started_at,
            agent_id=call.agent_id,
            customer_id=call.customer_id,
            queue=call.queue,
            duration_s=t.duration if t.duration else None,
            speakers=t.speakers,
            preview=preview_of(t),
            redaction_count=len(call.redaction_spans),
            labels=call.labels,
            evaluations=call.evaluations,
            extra=call.extra,
        )
        row.transcript = TranscriptRow(
            turns=[turn.to_dict() for turn in t.turns],
            reference_turns=[turn.to_dict() for turn in call.reference.turns] if call.reference else None,
            language=t.language,
            model=t.model,
            redaction_spans=call.redaction_spans,
        )
        s.add(row)
        try:
            s.commit()
        except IntegrityError:
            # Another worker stored the same content between our check and our insert.
            s.rollback()
            existing = s.scalar(select(CallRow.id).where(CallRow.content_hash == call.content_hash))
            if existing is None:
                raise
            return existing, False
    return call_id, True


def record_failure(
    db: Database, *, source: str, reason: str, content_hash: str | None = None, job_id: int | None = None
) -> None:
    with Session(db.engine) as s:
        s.add(IngestFailureRow(source=source, reason=reason, content_hash=content_hash, job_id=job_id))
        s.commit()


def list_failures(db: Database, *, limit: int = 50, job_ids: list[int] | None = None) -> list[FailureRecord]:
    q = select(IngestFailureRow).order_by(IngestFailureRow.id.desc()).limit(limit)
    if job_ids is not None:
        q = q.where(IngestFailureRow.job_id.in_(job_ids))
    with Session(db.engine) as s:
        return [
            FailureRecord(r.source, r.reason, r.content_hash, r.job_id, r.created_at) for r in s.scalars(q)
        ]


def call_count(db: Database) -> int:
    with Session(db.engine) as s:
        return int(s.scalar(select(func.count()).select_from(CallRow)) or 0)


def list_calls(
    db: Database, *, limit: int = 100, offset: int = 0, where: CallFilter | None = None
) -> list[CallSummary]:
    q = select(CallRow)
    if where is not None:
        q = where.apply(q)
    q = (
        q.order_by(CallRow.started_at.desc().nulls_last(), CallRow.created_at.desc(), CallRow.id)
        .limit(limit)
        .offset(offset)
    )
    with Session(db.engine) as s:
        return [_summary(r) for r in s.scalars(q).unique()]


def _stored(row: CallRow) -> StoredCall:
    tr = row.transcript
    return StoredCall(
        summary=_summary(row),
        transcript=(
            Transcript.from_dict(
                {
                    "turns": tr.turns,
                    "duration": row.duration_s or 0.0,
                    "language": tr.language,
                    "model": tr.model,
                }
            )
            if tr
            else None
        ),
        reference=(
            Transcript.from_dict({"turns": tr.reference_turns, "duration": row.duration_s or 0.0})
            if tr and tr.reference_turns is not None
            else None
        ),
        labels=dict(row.labels or {}),
        evaluations=list(row.evaluations or []),
        extra=dict(row.extra or {}),
        audio_path=row.audio_path,
        content_hash=row.content_hash,
        redaction_spans=list(tr.redaction_spans) if tr else [],
    )


def get_call(db: Database, call_id: str) -> StoredCall:
    with Session(db.engine) as s:
        row = s.get(CallRow, call_id)
        if row is None:
            raise NotFound(f"no call with id '{call_id}'; `callscope calls list` shows the stored ones")
        return _stored(row)


def iter_calls(db: Database, *, batch: int = 200) -> Iterator[StoredCall]:
    """Every stored call in a stable order, a batch at a time (for export)."""
    offset = 0
    while True:
        with Session(db.engine) as s:
            rows = list(
                s.scalars(
                    select(CallRow).order_by(CallRow.created_at, CallRow.id).limit(batch).offset(offset)
                )
            )
            stored = [_stored(r) for r in rows]
        yield from stored
        if len(rows) < batch:
            return
        offset += batch


def save_tags(db: Database, call_id: str, tags: CallTags) -> None:
    """Store (or replace) a call's tags with the names and versions of the models behind them."""
    d = tags.to_dict()
    values = {
        "contact_type": tags.contact_type.label,
        "contact_type_confidence": float(tags.contact_type.confidence),
        "secondary_type": tags.contact_type.secondary,
        "sentiment": tags.sentiment.label,
        "sentiment_polarity": float(tags.sentiment.polarity),
        "sentiment_start": float(tags.sentiment.start),
        "sentiment_end": float(tags.sentiment.end),
        "repeat_probability": float(tags.repeat.probability),
        "details": {k: v for k, v in d.items() if k != "models"},
        "models": d["models"],
        "tagged_at": func.now(),
    }
    with Session(db.engine) as s:
        if s.get(CallRow, call_id) is None:
            raise NotFound(f"no call with id '{call_id}'")
        row = s.get(CallTagRow, call_id)
        if row is None:
            s.add(CallTagRow(call_id=call_id, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
        # The dashboard's copy (a no-op until the call's analytics facts exist).
        s.execute(
            text(
                "UPDATE call_facts SET contact_type = :ct, sentiment = :se, sentiment_polarity = :sp, "
                "updated_at = now() WHERE call_id = :id"
            ),
            {
                "ct": values["contact_type"],
                "se": values["sentiment"],
                "sp": values["sentiment_polarity"],
                "id": call_id,
            },
        )
        s.commit()


def get_tags(db: Database, call_id: str) -> dict[str, Any] | None:
    """A call's stored tags (as ``CallTags.to_dict`` wrote them, with ``tagged_at``), or None."""
    with Session(db.engine) as s:
        row = s.get(CallTagRow, call_id)
        if row is None:
            return None
        return {**row.details, "models": row.models, "tagged_at": row.tagged_at.isoformat()}


def repeat_history(db: Database, *, batch: int = 1000) -> Iterator[CallRecord]:
    """Every stored call as the repeat-call rule sees it: customer, time, duration, tagged type."""
    from qa_models import CallRecord

    q = (
        select(
            CallRow.id,
            CallRow.customer_id,
            CallRow.started_at,
            CallRow.duration_s,
            CallRow.queue,
            CallRow.agent_id,
            CallTagRow.contact_type,
        )
        .outerjoin(CallTagRow, CallTagRow.call_id == CallRow.id)
        .order_by(CallRow.started_at.nulls_last(), CallRow.id)
        .execution_options(yield_per=batch)
    )
    with Session(db.engine) as s:
        for r in s.execute(q):
            yield CallRecord(
                call_id=r.id,
                customer_id=r.customer_id,
                started_at=r.started_at,
                duration_s=r.duration_s,
                contact_type=r.contact_type,
                queue=r.queue,
                agent_id=r.agent_id,
            )
