"""Turning one recording or one labeled call into a stored, redacted, speaker-attributed call.

These functions are what the ingest jobs run; they are idempotent on the content hash, so a job
retried after a crash stores nothing twice. With ``keep_original_audio`` off, the recording kept is a
copy with the redacted words silenced, and the original copy is removed once the call is stored.
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

__all__ = [
    "REDACTED_AUDIO_SUFFIX",
    "Outcome",
    "ingest_labeled_call",
    "ingest_recording",
    "reference_transcript",
]

#: The redacted recording kept instead of the original: ``<content hash>.redacted.flac`` (lossless, so
#: only the silenced stretches differ).
REDACTED_AUDIO_SUFFIX = ".redacted.flac"


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


def _keeps_redacted_audio_only(rt: Runtime) -> bool:
    return not rt.settings.keep_original_audio and rt.settings.redact_pii


def _silence_redacted(
    rt: Runtime, audio_path: Path, content_hash: str, transcript: Transcript, spans: list[dict[str, Any]]
) -> Path:
    """The recording to keep: the stored copy, or (``keep_original_audio`` off) a copy of it with every
    redacted span silenced. A span without word times silences its whole turn: better too much
    silence than a spoken card number kept."""
    if not _keeps_redacted_audio_only(rt):
        return audio_path
    from privacy import RedactedSpan, silence_spans

    timed = []
    for d in spans:
        span = RedactedSpan.from_dict(d)
        untimed = span.start is None or span.end is None
        if untimed and span.turn is not None and 0 <= span.turn < len(transcript.turns):
            turn = transcript.turns[span.turn]
            span.start, span.end = turn.start, turn.end
        timed.append(span)
    rt.settings.audio_dir.mkdir(parents=True, exist_ok=True)
    out = rt.settings.audio_dir / f"{content_hash}{REDACTED_AUDIO_SUFFIX}"
    silence_spans(audio_path, timed, out)  # written under a temporary name, then renamed
    return out


def _drop_original(rt: Runtime, audio_path: Path | None, kept: str | None) -> None:
    """Remove the original copy once the call keeps another file; only callscope's own copy (under the
    audio folder), never a file the caller named elsewhere."""
    if audio_path is None or not _keeps_redacted_audio_only(rt) or kept == str(audio_path):
        return
    if audio_path.resolve().parent == rt.settings.audio_dir.resolve():
        audio_path.unlink(missing_ok=True)


def _settle_audio(
    rt: Runtime, call_id: str, created: bool, audio_path: Path | None, kept: Path | None
) -> None:
    """After ``save_call``: remove the original copy when the call keeps the redacted one. When another
    worker stored the call first, its file is the one kept and a redacted copy made here goes."""
    stored = (str(kept) if kept else None) if created else store.get_call(rt.db, call_id).audio_path
    if kept is not None and kept != audio_path and str(kept) != stored:
        kept.unlink(missing_ok=True)
    _drop_original(rt, audio_path, stored)


def _stored_already(rt: Runtime, call_id: str, audio_path: Path | None) -> Outcome:
    # A retried job whose call was stored before the tagging, scoring or cleanup ran.
    if audio_path is not None and _keeps_redacted_audio_only(rt):
        _drop_original(rt, audio_path, store.get_call(rt.db, call_id).audio_path)
    ensure_tags(rt, call_id)
    ensure_qa(rt, call_id)
    ensure_analytics(rt, call_id)
    return Outcome(call_id, False)


def ingest_recording(rt: Runtime, *, audio_path: Path, content_hash: str, source: str) -> Outcome:
    existing = store.find_call_by_hash(rt.db, content_hash)
    if existing is not None:
        return _stored_already(rt, existing, audio_path)
    transcript, spans = _redact(rt, _transcribe(rt, audio_path, source, None))
    kept = _silence_redacted(rt, audio_path, content_hash, transcript, spans)
    call_id, created = store.save_call(
        rt.db,
        store.NewCall(
            id=Path(source).stem or content_hash[:12],
            content_hash=content_hash,
            source=source,
            audio_path=str(kept),
            transcript=transcript,
            redaction_spans=spans,
        ),
    )
    _settle_audio(rt, call_id, created, audio_path, kept)
    ensure_tags(rt, call_id)  # before scoring: review sampling reads the sentiment
    ensure_qa(rt, call_id)
    ensure_analytics(rt, call_id)
    return Outcome(call_id, created)


def ingest_labeled_call(
    rt: Runtime, *, record: dict[str, Any], audio_path: Path | None, content_hash: str, source: str
) -> Outcome:
    existing = store.find_call_by_hash(rt.db, content_hash)
    if existing is not None:
        return _stored_already(rt, existing, audio_path)
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
    kept = _silence_redacted(rt, audio_path, content_hash, transcript, spans) if audio_path else None
    call_id, created = store.save_call(
        rt.db,
        store.NewCall(
            id=call.call_id,
            id_is_fixed=True,
            content_hash=content_hash,
            source=source,
            audio_path=str(kept) if kept else None,
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
    _settle_audio(rt, call_id, created, audio_path, kept)
    ensure_tags(rt, call_id)  # before scoring: review sampling reads the sentiment
    ensure_qa(rt, call_id)
    ensure_analytics(rt, call_id)
    return Outcome(call_id, created)
