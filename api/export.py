"""Stored calls back out as labeled-call JSON Lines (FORMATS.md §1), so data can round-trip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

from api import store
from asr import Transcript
from common.db import Database

__all__ = ["call_to_record", "write_jsonl"]


def _turns(t: Transcript, *, words: bool) -> list[dict[str, Any]]:
    out = []
    for turn in t.turns:
        d: dict[str, Any] = {"speaker": turn.speaker, "text": turn.text, "start": turn.start, "end": turn.end}
        if words:
            d["words"] = [
                {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                for w in turn.words
            ]
        out.append(d)
    return out


def call_to_record(
    call: store.StoredCall, *, base_dir: Path | None = None, words: bool = False
) -> dict[str, Any]:
    """One call as a FORMATS §1 record; the reference transcript, when there is one, is ``turns``."""
    s = call.summary
    record: dict[str, Any] = dict(call.extra)
    record.update({"call_id": s.id, "channel": s.channel})
    if call.audio_path:
        audio = Path(call.audio_path)
        record["audio"] = os.path.relpath(audio, base_dir) if base_dir else str(audio)
    for key in ("agent_id", "customer_id", "queue"):
        if getattr(s, key):
            record[key] = getattr(s, key)
    if s.started_at:
        record["started_at"] = s.started_at.isoformat().replace("+00:00", "Z")
    if call.reference is not None:
        record["turns"] = _turns(call.reference, words=False)
        if call.transcript is not None:
            record["asr_turns"] = _turns(call.transcript, words=words)
    elif call.transcript is not None:
        record["turns"] = _turns(call.transcript, words=words)
    record["duration"] = s.duration_s
    record["redaction_count"] = s.redaction_count
    if call.labels:
        record["labels"] = call.labels
    if call.evaluations:
        record["evaluations"] = call.evaluations
    return record


def write_jsonl(db: Database, out: TextIO, *, base_dir: Path | None = None) -> int:
    n = 0
    for call in store.iter_calls(db):
        out.write(json.dumps(call_to_record(call, base_dir=base_dir), ensure_ascii=False, default=str) + "\n")
        n += 1
    return n
