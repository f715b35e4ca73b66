"""Builds small test calls from lines written like a script: ``"A: ..."`` for the agent and
``"C: ..."`` for the customer. Voice calls get turn times (about 2.5 words a second, half a second
between turns); ``pauses`` adds silence before a turn (a hold). Chat calls get a message every
``chat_step_s`` seconds; ``timed=False`` leaves every time at 0, as a text-only file does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from asr import Turn
from qa_models import QAScorer, Scorecard, TagInput, load_default_scorecard
from qa_models.qa import ItemResult

__all__ = ["CARD", "dialogue", "score_item", "turn_of"]

CARD: Scorecard = load_default_scorecard()
_SPEAKERS = {"A": "agent", "C": "customer"}


def dialogue(
    *lines: str,
    channel: str = "voice",
    pauses: Mapping[int, float] | None = None,
    timed: bool = True,
    day: date = date(2026, 3, 2),
    call_id: str = "call",
    chat_step_s: float = 20.0,
) -> TagInput:
    """A call from ``"A: text"`` / ``"C: text"`` lines; ``pauses[i]`` seconds of silence before turn i."""
    pauses = dict(pauses or {})
    turns: list[Turn] = []
    t = 0.0
    for i, line in enumerate(lines):
        who, _, text = line.partition(":")
        speaker = _SPEAKERS[who.strip().upper()]
        text = text.strip()
        t += pauses.get(i, 0.0)
        if not timed:
            turns.append(Turn(speaker, 0.0, 0.0, text))
            continue
        if channel == "voice":
            duration = max(0.6, len(text.split()) / 2.5)
            turns.append(Turn(speaker, round(t, 2), round(t + duration, 2), text))
            t += duration + 0.5
        else:
            turns.append(Turn(speaker, round(t, 2), round(t, 2) + 0.1, text))
            t += chat_step_s
    started = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    return TagInput(call_id, turns, started_at=started, channel=channel)


def score_item(
    call: TagInput,
    item_id: str,
    scorer: QAScorer | None = None,
    card: Scorecard | None = None,
) -> ItemResult:
    """One item of the default scorecard (or ``card``) as the scorer answers it on ``call``."""
    result = (scorer or QAScorer()).score(call, card or CARD).item(item_id)
    assert result is not None, item_id
    return result


def turn_of(result: ItemResult) -> list[int]:
    """The turn indices of a result's evidence, in order."""
    return [e.turn for e in result.evidence]
