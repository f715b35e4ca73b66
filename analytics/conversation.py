"""Conversation metrics of one call from its transcript timing: talk ratio, dead air, overtalk and holds.

Who speaks when comes from word timings where a turn has them and from the turn's span otherwise
(word timings show the pauses inside a turn; a turn span covers them). Only the agent and the
customer count as parties: other speakers ("unknown", a supervisor) fill the line, so their speech
is not silence, but it adds to neither party's talk time and is never overtalk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any, Literal

from asr import Turn
from common.errors import InvalidInput

__all__ = [
    "TEXT_CHANNELS",
    "ConversationMetrics",
    "ConversationOptions",
    "Segment",
    "conversation_metrics",
    "summarize",
]

#: Channels whose transcripts carry no speech timing: they get no conversation metrics.
TEXT_CHANNELS = frozenset({"chat", "email", "sms"})
_CHANNELS = TEXT_CHANNELS | {"voice"}

SegmentKind = Literal["silence", "hold", "overtalk"]
Interval = tuple[float, float]


@dataclass(slots=True, frozen=True)
class ConversationOptions:
    """Thresholds for what counts as dead air, a hold and overtalk.

    ``dead_air_s`` (5 s): a silence at least this long is dead air, the pause a customer notices and
    a manager asks about; shorter gaps are ordinary turn-taking and thinking time.
    ``hold_min_s`` (30 s): an unannounced silence this long is taken as a hold anyway: nobody stays
    silent on an open line for half a minute without having been asked to wait (or muted).
    ``overtalk_min_s`` (0.5 s): shorter overlaps are backchannels ("mm-hm", "right") or a turn
    starting a beat early, which is normal listening, not talking over each other.
    ``word_gap_s`` (0.3 s): a pause shorter than this inside one party's speech is still speech.
    Word timings leave small gaps between words; counted as silence they would split one long
    overtalk into pieces each under ``overtalk_min_s``.
    ``hold_phrases``: what agents say before putting a caller on hold. A silence of at least
    ``dead_air_s`` after the agent's last turn said one of them is a hold, not dead air: the
    customer was told to wait. The phrases are only consulted for such silences, so a generic one
    ("let me check") can at worst move a silence the agent did explain from dead air to hold.
    ``return_phrases``: what agents say when they come back. Agents often skip the announcement but
    rarely the thanks, so a long silence followed by one of these in the agent's next turn is a
    hold too. Phrases match whole words, ignoring case and punctuation.
    """

    dead_air_s: float = 5.0
    hold_min_s: float = 30.0
    overtalk_min_s: float = 0.5
    word_gap_s: float = 0.3
    hold_phrases: tuple[str, ...] = (
        "put you on hold",
        "place you on hold",
        "put you on a brief hold",
        "put you on a quick hold",
        "please hold",
        "hold on a moment",
        "hold on a second",
        "bear with me",
        "one moment",
        "just a moment",
        "give me a moment",
        "one second",
        "just a second",
        "give me a second",
        "let me check",
        "let me look",
        "let me find out",
    )
    return_phrases: tuple[str, ...] = (
        "thank you for holding",
        "thanks for holding",
        "thank you for waiting",
        "thanks for waiting",
        "thank you for your patience",
        "thanks for your patience",
        "sorry for the wait",
        "sorry to keep you waiting",
        "are you still there",
        "are you still with me",
    )


@dataclass(slots=True)
class Segment:
    """A notable stretch of the call: dead air ("silence"), a "hold" or "overtalk", with a short note."""

    start: float
    end: float
    kind: SegmentKind
    note: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class ConversationMetrics:
    """Timing figures of one call, in seconds.

    ``talk_ratio`` is the agent's share of the two parties' talk time (0 when neither spoke).
    ``silence_s`` is all time with no one speaking between the first and last word, holds excluded;
    ``longest_silence_s`` the longest such gap ("dead air"), starting at ``longest_silence_at``
    (None when there was no gap). Holds are counted in ``hold_s``/``hold_count`` only.
    ``segments`` lists dead air, holds and overtalk in time order.
    """

    duration_s: float
    talk_agent_s: float
    talk_customer_s: float
    talk_ratio: float
    silence_s: float
    silence_share: float
    longest_silence_s: float
    longest_silence_at: float | None
    dead_air_count: int
    overtalk_s: float
    overtalk_count: int
    hold_s: float
    hold_count: int
    segments: list[Segment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def conversation_metrics(
    turns: Sequence[Turn],
    *,
    duration_s: float | None = None,
    channel: str = "voice",
    options: ConversationOptions | None = None,
) -> ConversationMetrics | None:
    """Metrics of one voice call; None for text channels and for calls without timed turns.

    ``duration_s`` is the recording's length; without it (or when 0) the call ends where its last turn
    ends. Speech past a given length is cut off there.
    """
    if channel not in _CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}: use one of {', '.join(sorted(_CHANNELS))}")
    if channel in TEXT_CHANNELS:
        return None
    opts = options or ConversationOptions()
    _check_options(opts)
    speech: dict[str, list[Interval]] = {"agent": [], "customer": [], "other": []}
    last_end = 0.0
    for i, turn in enumerate(turns):
        spans = _turn_spans(turn, i)
        party = turn.speaker if turn.speaker in ("agent", "customer") else "other"
        speech[party].extend(spans)
        last_end = max([last_end, turn.end, *(e for _, e in spans)])
    if not any(speech.values()):
        return None
    if duration_s is not None and not duration_s >= 0:
        raise InvalidInput(f"duration_s must be a number of seconds ≥ 0, got {duration_s!r}")
    # 0 is how a store says "not measured": a call with timed speech did not last 0 s.
    duration = float(duration_s) if duration_s else last_end
    merged = {party: _merge(_clip(spans, duration), opts.word_gap_s) for party, spans in speech.items()}
    agent, customer = merged["agent"], merged["customer"]
    talk_agent, talk_customer = _length(agent), _length(customer)
    talking = talk_agent + talk_customer

    segments: list[Segment] = []
    silence_s = hold_s = longest = 0.0
    longest_at: float | None = None
    dead_air = holds = 0
    for start, end in _gaps(_merge(agent + customer + merged["other"], 0.0)):
        gap = end - start
        hold_note = _hold_note(turns, start, end, opts) if gap >= opts.dead_air_s else None
        if hold_note is not None:
            hold_s += gap
            holds += 1
            segments.append(Segment(start, end, "hold", hold_note))
            continue
        silence_s += gap
        if gap > longest:
            longest, longest_at = gap, start
        if gap >= opts.dead_air_s:
            dead_air += 1
            segments.append(
                Segment(start, end, "silence", f"dead air of {gap:.1f} s after {_who_before(turns, start)}")
            )

    overtalk_s = 0.0
    overtalk = 0
    for start, end in _intersect(agent, customer):
        if end - start >= opts.overtalk_min_s:
            overtalk_s += end - start
            overtalk += 1
            segments.append(Segment(start, end, "overtalk", _overtalk_note(agent, customer, start, end)))

    segments.sort(key=lambda s: (s.start, s.end))
    return ConversationMetrics(
        duration_s=duration,
        talk_agent_s=talk_agent,
        talk_customer_s=talk_customer,
        talk_ratio=talk_agent / talking if talking > 0 else 0.0,
        silence_s=silence_s,
        silence_share=silence_s / duration if duration > 0 else 0.0,
        longest_silence_s=longest,
        longest_silence_at=longest_at,
        dead_air_count=dead_air,
        overtalk_s=overtalk_s,
        overtalk_count=overtalk,
        hold_s=hold_s,
        hold_count=holds,
        segments=segments,
    )


def summarize(metrics: Sequence[ConversationMetrics]) -> dict[str, float]:
    """Means over calls for the manager view. The talk ratio is averaged over calls where a party spoke
    (a call with only an unknown speaker has no ratio, and 0 would drag the mean down)."""
    n = len(metrics)
    if n == 0:
        keys = ("talk_ratio", "longest_silence_s", "dead_air_count", "overtalk_s", "hold_s", "duration_s")
        return {"calls": 0.0, **dict.fromkeys(keys, 0.0)}
    spoken = [m.talk_ratio for m in metrics if m.talk_agent_s + m.talk_customer_s > 0]
    return {
        "calls": float(n),
        "talk_ratio": sum(spoken) / len(spoken) if spoken else 0.0,
        "longest_silence_s": sum(m.longest_silence_s for m in metrics) / n,
        "dead_air_count": sum(m.dead_air_count for m in metrics) / n,
        "overtalk_s": sum(m.overtalk_s for m in metrics) / n,
        "hold_s": sum(m.hold_s for m in metrics) / n,
        "duration_s": sum(m.duration_s for m in metrics) / n,
    }


def _check_options(opts: ConversationOptions) -> None:
    for name in ("dead_air_s", "hold_min_s", "overtalk_min_s", "word_gap_s"):
        value = getattr(opts, name)
        if not value >= 0:
            raise InvalidInput(f"ConversationOptions.{name} must be ≥ 0 seconds, got {value!r}")
    if opts.hold_min_s < opts.dead_air_s:
        raise InvalidInput(
            f"ConversationOptions.hold_min_s ({opts.hold_min_s}) must be ≥ dead_air_s ({opts.dead_air_s})"
        )


def _turn_spans(turn: Turn, index: int) -> list[Interval]:
    """Speech of one turn: its words' spans when it has words, else the turn span (empty if zero-length)."""
    if not turn.end >= turn.start:
        raise InvalidInput(
            f"turn {index}: end ({turn.end}) is before start ({turn.start}); fix the transcript"
        )
    if not turn.words:
        return [(turn.start, turn.end)] if turn.end > turn.start else []
    spans: list[Interval] = []
    for j, word in enumerate(turn.words):
        if not word.end >= word.start:
            raise InvalidInput(
                f"turn {index}, word {j} ({word.word!r}): end ({word.end}) is before start ({word.start})"
            )
        if word.end > word.start:
            spans.append((word.start, word.end))
    return spans


def _clip(spans: list[Interval], duration: float) -> list[Interval]:
    return [(max(s, 0.0), min(e, duration)) for s, e in spans if min(e, duration) > max(s, 0.0)]


def _merge(spans: list[Interval], bridge: float) -> list[Interval]:
    """Union of intervals, joining those less than ``bridge`` seconds apart."""
    out: list[Interval] = []
    for start, end in sorted(spans):
        if out and (start <= out[-1][1] or start - out[-1][1] < bridge):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _length(spans: list[Interval]) -> float:
    return sum(e - s for s, e in spans)


def _gaps(spans: list[Interval]) -> list[Interval]:
    """Gaps between merged intervals: silence between the first and the last word."""
    return [(a[1], b[0]) for a, b in pairwise(spans) if b[0] > a[1]]


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Overlap regions of two merged, sorted interval lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _normalise(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", ""))) + " "


def _said(text: str, phrases: tuple[str, ...]) -> str | None:
    norm = _normalise(text)
    for phrase in phrases:
        if _normalise(phrase) in norm:
            return phrase
    return None


def _hold_note(turns: Sequence[Turn], start: float, end: float, opts: ConversationOptions) -> str | None:
    """Why the silence [start, end) is a hold, or None when it is dead air."""
    agent = sorted((t for t in turns if t.speaker == "agent"), key=lambda t: t.start)
    before = [t for t in agent if t.start < start]
    if before and (phrase := _said(before[-1].text, opts.hold_phrases)):
        return f"hold of {end - start:.1f} s announced by the agent ({phrase!r})"
    # The turn that ends after the silence (a turn span may start a little before its first word).
    after = [t for t in agent if t.end > end]
    if after and (phrase := _said(after[0].text, opts.return_phrases)):
        return f"hold of {end - start:.1f} s, the agent came back with {phrase!r}"
    if end - start >= opts.hold_min_s:
        return f"unannounced hold of {end - start:.1f} s (silence ≥ {opts.hold_min_s:g} s)"
    return None


def _who_before(turns: Sequence[Turn], start: float) -> str:
    before = [t for t in turns if t.start < start]
    return max(before, key=lambda t: t.start).speaker if before else "the start"


def _overtalk_note(agent: list[Interval], customer: list[Interval], start: float, end: float) -> str:
    """Name who was already speaking and who came in over them."""
    agent_from = next(s for s, e in agent if s <= start < e)
    customer_from = next(s for s, e in customer if s <= start < e)
    if customer_from > agent_from:
        who = "customer spoke over the agent"
    elif agent_from > customer_from:
        who = "agent spoke over the customer"
    else:
        who = "both started at once"
    return f"overtalk of {end - start:.1f} s: {who}"
