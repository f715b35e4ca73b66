"""Turning one recording or one labeled call into a stored, redacted, speaker-attributed call.

These functions are what the ingest jobs run; they are idempotent on the content hash, so a job
retried after a crash stores nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import store
from api.analytics_facts import ensure_analytics
from api.qa_service import ensure_qa
from api.runtime import Runtime
from api.tagging import ensure_tags
from asr import Transcript, Turn
from common.errors import InvalidInput
from common.formats import LabeledCall, ReferenceTurn

__all__ = ["Outcome", "ingest_labeled_call", "ingest_recording", "reference_transcript"]


@dataclass(slots=True)
class Outcome:
    call_id: str
    created: bool


def reference_transcript(turns: list[ReferenceTurn]) -> Transcript:
    """A labeled call's own turns as a Transcript (no word timings)."""
    out = [
        Turn(
            speaker=t.speaker if t.speaker in ("agent", "customer") else "unknown",
            start=t.start or 0.0,
            end=t.end if t.end is not None else (t.start or 0.0),
            text=t.text.strip(),
        )
        for t in turns
    ]
    duration = max((t.end for t in out), default=0.0)
    return Transcript(turns=out, duration=duration, model="reference")


def _redact(rt: Runtime, transcript: Transcript) -> tuple[Transcript, list[dict[str, Any]]]:
    if not rt.settings.redact_pii or not transcript.turns:
        return transcript, []
    result = rt.redactor().redact_transcript(transcript)
    return result.transcript, [span.to_dict() for span in result.spans]


def _transcribe(rt: Runtime, audio_path: Path, source: str, agent_channel: int | None) -> Transcript:
    from asr import decode_audio

    try:
        audio = decode_audio(audio_path, name=source, max_duration_s=rt.settings.max_duration_s)
    except InvalidInput:
        # Keep nothing of a recording that cannot be ingested (the copy made when it was queued).
        if audio_path.parent == rt.settings.audio_dir:
            audio_path.unlink(missing_ok=True)
        raise
    return rt.transcriber(agent_channel).transcribe(audio)


def ingest_recording(rt: Runtime, *, audio_path: Path, content_hash: str, source: str) -> Outcome:
    existing = store.find_call_by_hash(rt.db, content_hash)
    if existing is not None:
        ensure_tags(rt, existing)  # a retried job whose call was stored before the tagging ran
        ensure_qa(rt, existing)
        ensure_analytics(rt, existing)
        return Outcome(existing, False)
    transcript, spans = _redact(rt, _transcribe(rt, audio_path, source, None))
    call_id, created = store.save_call(
        rt.db,
        store.NewCall(
            id=Path(source).stem or content_hash[:12],
            content_hash=content_hash,
            source=source,
            audio_path=str(audio_path),
            transcript=transcript,
            redaction_spans=spans,
        ),
    )
    ensure_tags(rt, call_id)  # before scoring: review sampling reads the sentiment
    ensure_qa(rt, call_id)
    ensure_analytics(rt, call_id)
    return Outcome(call_id, created)


def ingest_labeled_call(
    rt: Runtime, *, record: dict[str, Any], audio_path: Path | None, content_hash: str, source: str
) -> Outcome:
    existing = store.find_call_by_hash(rt.db, content_hash)
    if existing is not None:
        ensure_tags(rt, existing)
        ensure_qa(rt, existing)
        ensure_analytics(rt, existing)
        return Outcome(existing, False)
    call = LabeledCall.model_validate(record)
    reference = reference_transcript(call.turns) if call.turns else None
    if audio_path is not None:
        transcript = _transcribe(rt, audio_path, source, call.channels.get("agent"))
    elif reference is not None:
        # Text contacts (chat, email, sms) and voice calls without audio are scored on their own turns.
        transcript, reference = reference, None
    else:
        transcript = Transcript(turns=[], duration=0.0, model="none")
    transcript, spans = _redact(rt, transcript)
    if reference is not None:
        reference, _ = _redact(rt, reference)
    call_id, created = store.save_call(
        rt.db,
        store.NewCall(
            id=call.call_id,
            id_is_fixed=True,
            content_hash=content_hash,
            source=source,
            audio_path=str(audio_path) if audio_path else None,
            channel=call.channel,
            started_at=call.started_at,
            agent_id=call.agent_id,
            customer_id=call.customer_id,
            queue=call.queue,
            transcript=transcript,
            reference=reference,
            labels=call.labels,
            evaluations=[e.model_dump() for e in call.evaluations],
            extra=call.extra,
            redaction_spans=spans,
        ),
    )
    ensure_tags(rt, call_id)  # before scoring: review sampling reads the sentiment
    ensure_qa(rt, call_id)
    ensure_analytics(rt, call_id)
    return Outcome(call_id, created)
