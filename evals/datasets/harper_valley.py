"""Harper Valley Bank (Gridspace–Stanford), a 5-call subset → ``LabeledCalls`` with reference turns.

For each ``harper_valley_subset/metadata/<sid>.json`` with its ``transcript_compact/<sid>.json``:

- turns: the segments in time order; ``speaker_role`` ``agent`` → ``agent``, ``caller`` →
  ``customer``; text = ``human_transcript``; ``start``/``end`` = ``start_ms`` and
  ``start_ms + duration_ms`` in seconds; the ASR text of the corpus is kept as ``asr``.
  Segments with an empty human transcript are dropped.
- ``labels.contact_type``: the first task's ``task_type`` as an id (``replace card`` →
  ``replace_card``); ``labels.tasks`` keeps the task records whole (e.g. the card type).
- ``labels.caller_rating``: the caller's post-call rating of the agent (0–10, ``partner_rating``),
  with ``caller_comment`` when given ("lots of dead air"); ``labels.agent_rating`` is the agent's
  rating of the caller; ``labels.quality`` the corpus's MOS/script scores.
- ``agent_id``/``customer_id`` are the corpus speaker ids, ``started_at`` the call start.

No audio (the recordings were not copied), so the channel is ``voice`` with ``turns`` only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.formats import LabeledCall, LineError
from evals.datasets._common import json_line, line_error, load_json, slug
from evals.types import LabeledCalls

__all__ = ["load_harper_valley"]

_ROLES = {"agent": "agent", "caller": "customer"}


def _rating(party: Any) -> tuple[int | None, str | None]:
    survey = party.get("survey_response", {}) if isinstance(party, dict) else {}
    data = survey.get("data", {}) if isinstance(survey, dict) else {}
    raw = data.get("partner_rating") if isinstance(data, dict) else None
    comment = data.get("additional_comments") if isinstance(data, dict) else None
    try:
        rating = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        rating = None
    return rating, comment if isinstance(comment, str) and comment.strip() else None


def _turns(path: Path, skipped: list[LineError]) -> list[dict[str, Any]] | None:
    data, text = load_json(path)
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        skipped.append(line_error(path, 1, "expected {segments: [...]}", field="segments"))
        return None
    turns: list[tuple[int, dict[str, Any]]] = []
    for i, seg in enumerate(segments):
        role = _ROLES.get(str(seg.get("speaker_role"))) if isinstance(seg, dict) else None
        ok = (
            role is not None
            and isinstance(seg.get("start_ms"), int | float)
            and isinstance(seg.get("duration_ms"), int | float)
            and isinstance(seg.get("human_transcript"), str)
        )
        if not ok:
            reason = "expected speaker_role agent/caller, start_ms, duration_ms and human_transcript"
            skipped.append(line_error(path, json_line(text, ["segments", i]), reason, field=f"segments[{i}]"))
            continue
        words = seg["human_transcript"].strip()
        if not words:
            continue
        start_ms = seg["start_ms"]
        turn = {
            "speaker": role,
            "text": words,
            "start": start_ms / 1000,
            "end": (start_ms + seg["duration_ms"]) / 1000,
        }
        if isinstance(seg.get("transcript"), str):
            turn["asr"] = seg["transcript"]
        turns.append((start_ms, turn))
    turns.sort(key=lambda pair: pair[0])
    return [turn for _, turn in turns]


def load_harper_valley(data_root: Path) -> LabeledCalls:
    folder = Path(data_root) / "harper_valley_subset"
    calls: list[LabeledCall] = []
    skipped: list[LineError] = []
    for meta_path in sorted((folder / "metadata").glob("*.json")):
        meta, meta_text = load_json(meta_path)
        if not isinstance(meta, dict):
            skipped.append(line_error(meta_path, 1, "expected a JSON object"))
            continue
        sid = str(meta.get("sid") or meta_path.stem)
        turns = _turns(folder / "transcript_compact" / f"{sid}.json", skipped)
        if turns is None:
            continue
        tasks = [t for t in meta.get("tasks", []) if isinstance(t, dict)]
        labels: dict[str, Any] = {"tasks": tasks}
        if tasks and isinstance(tasks[0].get("task_type"), str):
            labels["contact_type"] = slug(tasks[0]["task_type"])
        caller_rating, comment = _rating(meta.get("caller"))
        agent_rating, _ = _rating(meta.get("agent"))
        if caller_rating is not None:
            labels["caller_rating"] = caller_rating
        if comment:
            labels["caller_comment"] = comment
        if agent_rating is not None:
            labels["agent_rating"] = agent_rating
        if isinstance(meta.get("labels"), dict):
            labels["quality"] = meta["labels"]
        agent, caller = meta.get("agent") or {}, meta.get("caller") or {}
        start_ms = meta.get("start_time_ms")
        record = {
            "call_id": f"hvb-{sid}",
            "channel": "voice",
            "started_at": datetime.fromtimestamp(start_ms / 1000, UTC)
            if isinstance(start_ms, int | float)
            else None,
            "agent_id": f"hvb-speaker-{agent['speaker_id']}" if "speaker_id" in agent else None,
            "customer_id": f"hvb-speaker-{caller['speaker_id']}" if "speaker_id" in caller else None,
            "turns": turns,
            "labels": labels,
        }
        try:
            calls.append(LabeledCall.model_validate(record))
        except ValidationError as exc:
            skipped.append(
                line_error(
                    meta_path, json_line(meta_text, []), f"not a valid call ({exc.errors()[0]['msg']})"
                )
            )
    return LabeledCalls(name="harper-valley", calls=calls, base_dir=folder, skipped=skipped)
