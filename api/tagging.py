"""Tagging service: tags for stored calls (computed at ingest, stored with the models' versions),
for calls in a file (not stored), and repeat calls measured over the stored history."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api import store
from api.runtime import Runtime
from common.errors import InvalidInput

if TYPE_CHECKING:
    from qa_models import RepeatMark, RepeatRate, TagInput

__all__ = [
    "RepeatReport",
    "ensure_tags",
    "measure_stored_repeats",
    "stored_tag_input",
    "tag_calls",
    "tag_file",
]

log = logging.getLogger(__name__)


def stored_tag_input(call: store.StoredCall) -> TagInput:
    from qa_models import TagInput

    transcript = call.transcript if call.transcript and call.transcript.turns else call.reference
    s = call.summary
    return TagInput(
        call_id=s.id,
        turns=list(transcript.turns) if transcript else [],
        customer_id=s.customer_id,
        started_at=s.started_at,
        duration_s=s.duration_s,
        queue=s.queue,
        agent_id=s.agent_id,
        channel=s.channel,
    )


def tag_calls(rt: Runtime, call_ids: Sequence[str], *, batch: int = 32) -> list[dict[str, Any]]:
    """(Re)compute and store the tags of these calls; returns them in order."""
    tagger = rt.tagger()
    out: list[dict[str, Any]] = []
    for start in range(0, len(call_ids), batch):
        calls = [store.get_call(rt.db, cid) for cid in call_ids[start : start + batch]]
        for call, tags in zip(calls, tagger.tag_many([stored_tag_input(c) for c in calls]), strict=True):
            store.save_tags(rt.db, call.summary.id, tags)
            out.append({"call_id": call.summary.id, **tags.to_dict()})
    return out


def ensure_tags(rt: Runtime, call_id: str) -> None:
    """Tag a just-ingested call unless tagging is off or it has tags. A failure here is logged, not
    raised: the call is stored either way and `callscope tag` can tag it later."""
    if not rt.settings.tag_on_ingest or store.get_tags(rt.db, call_id) is not None:
        return
    try:
        tag_calls(rt, [call_id])
    except Exception:
        log.exception(
            "tagging call %s failed; it is stored untagged (`callscope tag %s` retries)", call_id, call_id
        )


def tag_file(rt: Runtime, path: Path) -> list[dict[str, Any]]:
    """Tags for each call of a labeled-call JSONL file (FORMATS §1), from its turns; nothing is stored."""
    from common.formats import load_labeled_calls
    from qa_models import TagInput

    inputs = []
    for item in load_labeled_calls(path):
        if not item.turns:
            raise InvalidInput(
                f"{path}: call '{item.call_id}' has no turns to tag (audio is tagged on ingest)"
            )
        inputs.append(TagInput.from_labeled_call(item))
    return [
        {"call_id": c.call_id, **t.to_dict()}
        for c, t in zip(inputs, rt.tagger().tag_many(inputs), strict=True)
    ]


@dataclass(slots=True)
class RepeatReport:
    marks: list[RepeatMark]
    overall: RepeatRate
    rates: list[RepeatRate]


def measure_stored_repeats(
    rt: Runtime, *, by: str = "contact_type", window_days: float | None = None
) -> RepeatReport:
    """Which stored calls were followed by a repeat (the measured rule), and the rates by ``by``."""
    from qa_models import RepeatOptions, measure_repeats, overall_rate, repeat_rates

    if by not in ("contact_type", "queue", "agent_id"):
        raise InvalidInput(f"by={by!r}: use contact_type, queue or agent_id")
    records = list(store.repeat_history(rt.db))
    options = RepeatOptions(window_days=window_days or rt.settings.repeat_window_days)
    marks = measure_repeats(records, options)
    return RepeatReport(marks, overall_rate(marks), repeat_rates(records, marks, by=by))  # type: ignore[arg-type]
