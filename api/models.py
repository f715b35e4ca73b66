"""Tables for stored calls. Schema changes go through ``common/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import Base

__all__ = [
    "CalibrationSessionRow",
    "CallRow",
    "CallTagRow",
    "IngestFailureRow",
    "QAAcknowledgementRow",
    "QADisputeRow",
    "QAEvaluationRow",
    "QAScoreRow",
    "ReviewPickRow",
    "TranscriptRow",
]


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    audio_path: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(200), index=True)
    queue: Mapped[str | None] = mapped_column(String(200))
    duration_s: Mapped[float | None] = mapped_column(Float)
    speakers: Mapped[list[str]] = mapped_column(JSONB, default=list)
    preview: Mapped[str] = mapped_column(Text, default="")
    redaction_count: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    evaluations: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    transcript: Mapped[TranscriptRow | None] = relationship(
        back_populates="call", cascade="all, delete-orphan", uselist=False
    )
    tags: Mapped[CallTagRow | None] = relationship(
        back_populates="call", cascade="all, delete-orphan", uselist=False, lazy="joined"
    )


class TranscriptRow(Base):
    __tablename__ = "transcripts"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    turns: Mapped[list[Any]] = mapped_column(JSONB)
    reference_turns: Mapped[list[Any] | None] = mapped_column(JSONB)
    language: Mapped[str] = mapped_column(String(16), default="en")
    model: Mapped[str] = mapped_column(String(200), default="")
    redaction_spans: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    call: Mapped[CallRow] = relationship(back_populates="transcript")


class IngestFailureRow(Base):
    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CallTagRow(Base):
    """The latest tags of a call; ``models`` names the model and version behind each tag."""

    __tablename__ = "call_tags"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    contact_type: Mapped[str] = mapped_column(String(200), index=True)
    contact_type_confidence: Mapped[float] = mapped_column(Float)
    secondary_type: Mapped[str | None] = mapped_column(String(200))
    sentiment: Mapped[str | None] = mapped_column(String(16), index=True)
    sentiment_polarity: Mapped[float | None] = mapped_column(Float)
    sentiment_start: Mapped[float | None] = mapped_column(Float)
    sentiment_end: Mapped[float | None] = mapped_column(Float)
    repeat_probability: Mapped[float | None] = mapped_column(Float, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    models: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    tagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    call: Mapped[CallRow] = relationship(back_populates="tags")


class QAScoreRow(Base):
    """A call scored on one scorecard (by id). ``result`` is the model's ``QAResult`` as it was made;
    ``model_percent``/``model_passed`` are its score. ``percent``, ``passed`` and ``auto_failed`` are
    the *effective* score (model answers overridden by people's, item by item), refreshed whenever
    an evaluation is recorded; ``edited_items`` counts the items a person answered and
    ``disagreement`` says whether any person's answer differs from the model's."""

    __tablename__ = "qa_scores"

    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    scorecard: Mapped[str] = mapped_column(String(200), primary_key=True)
    scorecard_version: Mapped[str] = mapped_column(String(50))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    model: Mapped[str] = mapped_column(String(200), default="")
    model_percent: Mapped[float | None] = mapped_column(Float)
    model_passed: Mapped[bool | None] = mapped_column(Boolean)
    min_confidence: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    auto_failed: Mapped[list[str]] = mapped_column(JSONB, default=list)
    #: the items whose effective answer is 'no' (analytics: the items failed most, by agent and team)
    failed_items: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    edited_items: Mapped[int] = mapped_column(Integer, default=0)
    disagreement: Mapped[bool] = mapped_column(Boolean, default=False)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CalibrationSessionRow(Base):
    """Several evaluators score the same calls blind; ``status`` is ``open`` or ``closed``."""

    __tablename__ = "qa_calibration_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    scorecard: Mapped[str] = mapped_column(String(200))
    scorecard_version: Mapped[str] = mapped_column(String(50))
    call_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    evaluators: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QAEvaluationRow(Base):
    """One human answer to one item. Never updated: the latest per call, item and evaluator wins.
    ``model_answer`` is the model's answer it replaced (None when the call was not scored);
    ``source`` is ``workspace``, ``import`` or ``calibration`` (then ``session_id`` names the session)."""

    __tablename__ = "qa_evaluations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    scorecard: Mapped[str] = mapped_column(String(200))
    scorecard_version: Mapped[str] = mapped_column(String(50))
    evaluator: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(String(50))
    comment: Mapped[str] = mapped_column(Text, default="")
    model_answer: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_calibration_sessions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class QAAcknowledgementRow(Base):
    """An agent saw the call's score (once per call, scorecard and agent)."""

    __tablename__ = "qa_acknowledgements"
    __table_args__ = (
        UniqueConstraint("call_id", "scorecard", "agent", name="uq_qa_acknowledgements_call_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    scorecard: Mapped[str] = mapped_column(String(200))
    agent: Mapped[str] = mapped_column(String(200))
    percent: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QADisputeRow(Base):
    """An agent disputes one item's answer; a reviewer upholds it (recording their answer as an
    evaluation, ``evaluation_id``) or rejects it."""

    __tablename__ = "qa_disputes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    scorecard: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[str] = mapped_column(String(200))
    agent: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    disputed_answer: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reviewer: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str] = mapped_column(Text, default="")
    new_answer: Mapped[str | None] = mapped_column(String(50))
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewPickRow(Base):
    """A call picked for human review in its agent's ISO week (``2026-W10``), and why."""

    __tablename__ = "qa_review_picks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    agent: Mapped[str] = mapped_column(String(200))
    week: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    picked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
