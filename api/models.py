"""Tables for stored calls. Schema changes go through ``common/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import Base

__all__ = ["CallRow", "CallTagRow", "IngestFailureRow", "TranscriptRow"]


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
