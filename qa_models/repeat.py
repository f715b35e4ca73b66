"""Repeat calls: measured from call history, and predicted from one call's transcript.

*Measured* (``measure_repeats``): a call is repeated when the same customer contacts again about the
same or a related matter within a window (default 7 days, counted from the call's start). A contact
that starts within ``transfer_minutes`` of the end of the previous one is a transfer or a dropped-call
continuation of the same contact, so it is skipped, and a chain of such contacts extends the
original's end. ``repeat_rates`` and ``overall_rate`` turn the marks into repeat rates and first-contact
resolution (FCR = 1 - repeat rate) by contact type, queue or agent.

*Predicted* (``RepeatCallPredictor``): a calibrated probability that a call will be repeated, from
transcript cues (``repeat_signals``: unresolved need, promised callback, escalation, "I'll call back",
the customer's closing sentiment, a confirmed resolution) and the contact type's repeat rate. The model
is a logistic regression whose logit is ``bias + Σ weight·feature``, so every prediction lists the
signals it rests on with their log-odds contributions. ``RepeatCallPredictor.default()`` is usable
before any history exists; ``train_repeat_predictor`` fits the weights on a team's measured labels.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from asr import Turn
from common.errors import ConfigError, InvalidInput
from qa_models.heads import ModelInfo, read_model, write_model

__all__ = [
    "FEATURES",
    "SIGNAL_NAMES",
    "CallRecord",
    "RepeatCallPredictor",
    "RepeatMark",
    "RepeatOptions",
    "RepeatPrediction",
    "RepeatRate",
    "Signal",
    "measure_repeats",
    "overall_rate",
    "related_matter",
    "repeat_rates",
    "repeat_signals",
    "train_repeat_predictor",
]

MODEL_KIND = "repeat_call"
UNKNOWN_TYPES = frozenset({"", "other", "unknown"})

#: Transcript cues, in the order the predictor's feature vector holds them.
SIGNAL_NAMES = (
    "unresolved",
    "callback_promised",
    "escalation",
    "customer_will_call_back",
    "negative_close",
    "positive_close",
    "resolved_confirmed",
)
#: The predictor's features: one indicator per cue, the closing sentiment (0 when unknown) and the
#: contact type's repeat rate as log-odds relative to the overall rate (0 when the type is unknown).
FEATURES = (*SIGNAL_NAMES, "closing_sentiment", "contact_type_rate")


# ---------------------------------------------------------------------------------------- records


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        # fromisoformat reads "Z" from Python 3.11 on.
        return datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidInput(
            f"started_at {value!r} is not an ISO 8601 time such as 2026-03-02T09:15:00Z"
        ) from exc


@dataclass(slots=True)
class CallRecord:
    """What the repeat rule and the predictor need to know about one call."""

    call_id: str
    customer_id: str | None = None
    started_at: datetime | None = None  # naive times are taken as UTC
    duration_s: float | None = None  # end = started_at + duration (0 when unknown)
    contact_type: str | None = None  # hierarchical id such as "billing.double_charge"; "other"/None = unknown
    queue: str | None = None
    agent_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    closing_sentiment: float | None = None  # the customer's polarity (-1..1) over their last turns

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallRecord:
        """Read a labeled call (FORMATS §1). ``labels.contact_type`` gives the type; the optional,
        non-standard ``duration_s`` and ``closing_sentiment`` fields are read when present."""
        labels = data.get("labels") or {}
        duration = data.get("duration_s")
        sentiment = data.get("closing_sentiment")
        turns = [Turn.from_dict(dict(t)) for t in data.get("turns") or []]
        if duration is None and turns:
            duration = max(t.end for t in turns)
        return cls(
            call_id=str(data["call_id"]),
            customer_id=str(data["customer_id"]) if data.get("customer_id") not in (None, "") else None,
            started_at=_parse_time(data.get("started_at")),
            duration_s=float(duration) if duration is not None else None,
            contact_type=labels.get("contact_type") or data.get("contact_type"),
            queue=data.get("queue"),
            agent_id=data.get("agent_id"),
            turns=turns,
            closing_sentiment=float(sentiment) if sentiment is not None else None,
        )


# ---------------------------------------------------------------------------------------- measured


@dataclass(slots=True)
class RepeatOptions:
    """How a repeat is told from history."""

    window_days: float = 7.0
    # A next contact starting within this many minutes of this call's end is a transfer or a
    # continuation of the same contact, not a repeat.
    transfer_minutes: float = 15.0
    # Which later contacts count as the same matter: the same type, the same top-level group (the part
    # before the first dot) or any contact at all.
    related: Literal["same", "group", "any"] = "group"
    # When either call's type is unknown ("other"/None) the matter cannot be compared; counting it as
    # related matches the usual FCR measure of any recontact.
    unknown_is_related: bool = True
    # The end of the observed history: a call whose window reaches past it, with no repeat seen, is
    # marked unknown (None) instead of "not repeated". None: the history is taken as complete.
    observed_until: datetime | None = None


@dataclass(slots=True)
class RepeatMark:
    """Whether a call was followed by a repeat contact."""

    call_id: str
    repeated: bool | None  # None: cannot be told (no customer_id or started_at, or window not yet over)
    repeat_call_id: str | None  # the later call that repeats it
    hours_to_repeat: float | None  # from this call's start to the repeat's start
    reason: str
    transfer_of: str | None = None  # the first call of the contact this one continues (a transfer), if any


def _known_type(contact_type: str | None) -> str | None:
    t = (contact_type or "").strip()
    return None if t.lower() in UNKNOWN_TYPES else t


def _group(contact_type: str) -> str:
    return contact_type.split(".", 1)[0]


def related_matter(a: str | None, b: str | None, options: RepeatOptions | None = None) -> bool:
    """Whether two contact types count as the same matter under ``options.related``."""
    options = options or RepeatOptions()
    if options.related == "any":
        return True
    ta, tb = _known_type(a), _known_type(b)
    if ta is None or tb is None:
        return options.unknown_is_related
    if options.related == "same":
        return ta == tb
    return _group(ta) == _group(tb)


def _fmt_days(days: float) -> str:
    return f"{days:g} days" if days != 1 else "1 day"


def measure_repeats(calls: Sequence[CallRecord], options: RepeatOptions | None = None) -> list[RepeatMark]:
    """Mark each call (same order as given) with whether the customer came back about the same matter.

    For each call, the customer's later contacts are read in time order: one starting within
    ``transfer_minutes`` of the end of the contact so far is a transfer (skipped, and the contact's end
    moves to its end); one starting more than ``window_days`` after the call's start ends the search;
    one about an unrelated matter is skipped; the first related one is the repeat.
    """
    options = options or RepeatOptions()
    if options.window_days <= 0 or options.transfer_minutes < 0:
        raise InvalidInput("window_days must be positive and transfer_minutes not negative")
    window = timedelta(days=options.window_days)
    transfer = timedelta(minutes=options.transfer_minutes)
    observed_until = _utc(options.observed_until) if options.observed_until is not None else None

    # Each customer's timed calls in time order; ties keep the input order.
    by_customer: dict[str, list[tuple[datetime, int]]] = {}
    for i, call in enumerate(calls):
        if call.customer_id and call.started_at is not None:
            by_customer.setdefault(call.customer_id, []).append((_utc(call.started_at), i))
    for timeline in by_customer.values():
        timeline.sort()

    def end_of(i: int, start: datetime) -> datetime:
        return start + timedelta(seconds=max(0.0, calls[i].duration_s or 0.0))

    marks: list[RepeatMark | None] = [None] * len(calls)
    transfer_of: dict[int, int] = {}
    for timeline in by_customer.values():
        for pos, (start, i) in enumerate(timeline):
            call = calls[i]
            contact_end = end_of(i, start)
            transfers: list[int] = []
            other_matters: list[str] = []
            mark: RepeatMark | None = None
            for later_start, j in timeline[pos + 1 :]:
                if later_start - contact_end <= transfer:
                    transfers.append(j)
                    transfer_of.setdefault(j, i)
                    contact_end = max(contact_end, end_of(j, later_start))
                    continue
                if later_start - start > window:
                    break
                later = calls[j]
                if not related_matter(call.contact_type, later.contact_type, options):
                    other_matters.append(later.contact_type or "other")
                    continue
                hours = (later_start - start).total_seconds() / 3600.0
                about = _known_type(later.contact_type) or "an unknown matter"
                mark = RepeatMark(call.call_id, True, later.call_id, round(hours, 3), "")
                mark.reason = f"called again after {hours:.1f} h about {about}"
                if transfers:
                    mark.reason += f" (after a transfer to {calls[transfers[0]].call_id})"
                break
            if mark is None:
                reason = f"no further contact within {_fmt_days(options.window_days)}"
                if other_matters:
                    reason = (
                        f"later contacts within {_fmt_days(options.window_days)} were about other matters"
                    )
                    reason += f" ({', '.join(sorted(set(other_matters)))})"
                if transfers:
                    reason += f"; {calls[transfers[0]].call_id} was a transfer, not a repeat"
                repeated: bool | None = False
                if observed_until is not None and start + window > observed_until:
                    repeated = None
                    reason = "the repeat window is not over yet: " + reason
                mark = RepeatMark(call.call_id, repeated, None, None, reason)
            marks[i] = mark

    out: list[RepeatMark] = []
    for i, call in enumerate(calls):
        mark = marks[i]
        if mark is None:
            missing = "customer_id" if not call.customer_id else "started_at"
            mark = RepeatMark(call.call_id, None, None, None, f"no {missing}: a repeat cannot be told")
        if i in transfer_of:
            mark.transfer_of = calls[transfer_of[i]].call_id
        out.append(mark)
    return out


@dataclass(slots=True)
class RepeatRate:
    """Repeat rate and FCR over the calls of one key. ``known`` counts the calls whose repeat could be
    told; the rates are over those (NaN when none)."""

    key: str
    calls: int
    repeats: int
    repeat_rate: float
    fcr: float
    known: int = 0


def _rate(key: str, marks: Sequence[RepeatMark]) -> RepeatRate:
    known = [m for m in marks if m.repeated is not None]
    repeats = sum(1 for m in known if m.repeated)
    rate = repeats / len(known) if known else math.nan
    return RepeatRate(key, len(marks), repeats, rate, 1.0 - rate, len(known))


def repeat_rates(
    calls: Sequence[CallRecord],
    marks: Sequence[RepeatMark],
    by: Literal["contact_type", "queue", "agent_id"],
) -> list[RepeatRate]:
    """One row per key (a missing key is "(none)"), most calls first; use ``overall_rate`` for the total."""
    if len(calls) != len(marks):
        raise InvalidInput(f"{len(calls)} calls but {len(marks)} repeat marks; pass the marks of these calls")
    if by not in ("contact_type", "queue", "agent_id"):
        raise InvalidInput(f"cannot group repeat rates by {by!r}; use contact_type, queue or agent_id")
    groups: dict[str, list[RepeatMark]] = {}
    for call, mark in zip(calls, marks, strict=True):
        key = getattr(call, by) or "(none)"
        groups.setdefault(key, []).append(mark)
    rows = [_rate(key, group) for key, group in groups.items()]
    return sorted(rows, key=lambda r: (-r.calls, r.key))


def overall_rate(marks: Sequence[RepeatMark]) -> RepeatRate:
    """The repeat rate and FCR over all calls, keyed "all"."""
    return _rate("all", marks)


# ----------------------------------------------------------------------------------------- signals


@dataclass(slots=True)
class Signal:
    """A cue a prediction rests on."""

    name: str
    evidence: str  # the turn text, or a short description for call-level signals
    turn: int | None  # index into call.turns; None for call-level signals
    contribution: float = 0.0  # log-odds contribution in the predictor


# "<free>" in a pattern is any one word but a negator, so "I will not call you back" does not match.
_FREE_WORD = r"(?:(?!not\b|never\b)\w+\s+)"


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns).replace("<free>", _FREE_WORD))


# A negator in the same clause, up to four words before a cue, turns it around. A bare "no" is left out:
# it is mostly an answer ("no, that's all, it's working now"), not a negation of what follows.
_NEGATOR = re.compile(
    r"n't\b|\b(?:not|never|nothing|nobody|without|cannot|neither|nor|no (?:longer|one|need|way|more))\b"
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?]|\b(?:but|and then|although|though|now)\b")
_WORD = re.compile(r"[\w']+")

# Words a customer uses to say the matter is settled; negated they say the opposite.
_RESOLVED_WORDS = _rx(
    r"\b(?:fixed|resolved|solved|sorted(?: out)?|working|works(?! for)|worked|cleared up|gone through)\b",
    r"\b(?:did|does) the trick\b",
    r"\b(?:takes|took|taken) care of (?:it|that|everything)\b",
    r"\b(?:all|we're|i'm) set\b",
    r"\b(?:that|it|you've|you have) (?:really )?helped\b",
    r"\bthat (?:answers|answered) my question\b",
    r"\b(?:makes|made) sense now\b",
)
# Statements of an open need that need no negator to be read.
_UNRESOLVED = _rx(
    r"\bstill (?:not|isn't|doesn't|don't|can't|cannot|won't|haven't|hasn't|hadn't|no|nothing)\b",
    r"\bstill (?:broken|down|waiting|the same|having|getting|seeing|stuck|missing|showing|charging)\b",
    r"\b(?:same|that) (?:problem|issue|thing) (?:again|as before|is back|keeps)\b",
    r"\b(?:didn't|doesn't|hasn't|haven't|won't|isn't|wasn't|did not|does not|has not|will not|is not)"
    r"\s+(?:\w+\s+)?(?:fix|solve|resolve|sort|help|work)\w*",
    r"\bno (?:solution|fix|resolution|answer)\b",
    r"\bnot (?:fixed|resolved|solved|sorted|working)\b",
)
# An agent saying the matter cannot be settled now.
_AGENT_UNABLE = _rx(
    r"\b(?:i'm|i am|we're|we are)\s+(?:not able|unable)\s+to\b",
    r"\b(?:i|we)\s+(?:can't|cannot|can not|couldn't|won't be able to)\s+"
    r"(?:fix|resolve|sort|solve|do anything|process|change|remove|refund|complete|finish)\b",
    r"\b(?:there's|there is) nothing (?:more |else )?(?:i|we) can do\b",
    r"\bnot something (?:i|we) can (?:fix|resolve|sort|do|change)\b",
)
_CALLBACK = _rx(
    r"\b(?:i'll|i will|we'll|we will|someone will|somebody will|they'll|they will|the team will|"
    r"(?:a|an|our|the) (?:\w+ )?(?:specialist|technician|engineer|manager|supervisor|colleague|team|"
    r"department) will)\s+<free>?(?:give you a (?:call|ring)|call you|ring you|phone you|get back to you|"
    r"contact you|reach out|follow up|be in touch|email you)",
    r"\byou(?:'ll| will| should) (?:\w+ )?(?:hear back|hear from|get a call|receive a call|get a callback)",
    r"\b(?:arrange|schedule|book|set up|request|log)(?:ed)? (?:a |you a )?call ?back\b",
    r"\bcall ?back (?:within|in the next|tomorrow|by|on)\b",
)
_ESCALATION = _rx(
    r"\bescalat(?:e|ed|es|ing|ion)\b",
    r"\b(?:speak|talk) (?:to|with) (?:a|your|the|someone's|my) (?:manager|supervisor|team leader|superior)\b",
    r"\bput me through to (?:a|your|the) (?:manager|supervisor)\b",
    r"\b(?:raise|raised|file|filed|lodge|lodged|make|made|open|opened|log|logged) (?:a |an )?(?:formal )?"
    r"(?:complaint|case|ticket|dispute)\b",
    r"\b(?:pass|passed|refer|referred|hand|handed|forward|forwarded|send|sent) (?:this|it|that|your case|"
    r"your issue)(?: on| over)? to (?:my|our|the|a) (?:supervisor|manager|specialist|technical|back office|"
    r"second line|engineering|complaints|escalations?)",
)
_CUSTOMER_CALLS_BACK = _rx(
    r"\b(?:i'll|i will|i'm going to|i am going to|i'm gonna|i guess i'll|i might|i may|i'd better|i'll just)"
    r"\s+<free>{0,2}?(?:call|ring|phone)\s+(?:you\s+)?(?:back|again|later|tomorrow|next week)\b",
    r"\b(?:i'll|i will|i'm going to|i'm gonna|i guess i'll)\s+<free>{0,2}?(?:try|check) "
    r"(?:again|back) (?:later|tomorrow|next week|in a few days)\b",
    r"\b(?:i'll|i will) be (?:calling|ringing|phoning) (?:you )?(?:back|again)\b",
)
# "I won't need to call back" is a resolution cue.
_NO_NEED_TO_CALL = _rx(
    r"\b(?:won't|will not|don't|do not|shouldn't|should not|wouldn't|no need to)\s+(?:\w+\s+){0,2}?"
    r"(?:call|ring|phone)\s+(?:you\s+)?(?:back|again)\b",
)
# A polite "I'll call back if I need anything" is not an open need.
_POLITE_CONDITION = re.compile(
    r"\bif (?:i|we) (?:need|have|think of) (?:anything|any (?:other|more)|something|more|other)"
)
_NEGATIVE_CLOSE = _rx(
    r"\bnot (?:happy|satisfied|impressed|good enough|acceptable|okay|ok|pleased)\b",
    r"\b(?:ridiculous|useless|unacceptable|pathetic|terrible|awful|horrible|disgusting|appalling|joke|"
    r"fed up|sick of|frustrat\w*|annoy\w*|angry|furious|livid|disappoint\w*|unhappy|worst|hopeless)\b",
    r"\bwaste of (?:my |our )?time\b",
)
_POSITIVE_CLOSE = _rx(
    r"\b(?:thank you|thanks) (?:so|very) much\b",
    r"\bthanks a (?:lot|million|bunch)\b",
    r"\b(?:really |much )?appreciate (?:it|that|your help|you)\b",
    r"\b(?:brilliant|fantastic|excellent|wonderful|amazing|awesome|lovely|great|perfect)\b",
    r"\b(?:you've been|that was|you were) (?:very |really |so |super )?helpful\b",
)

# How far the customer's polarity must be from neutral to count as a negative or positive close.
_SENTIMENT_CUTOFF = 0.25


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").replace("`", "'").split())


def _negated(text: str, start: int) -> bool:
    """A negator within four words before ``start``, in the same clause."""
    before = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    tail = " ".join(_WORD.findall(clause)[-4:])
    return bool(_NEGATOR.search(tail))


def _question(text: str, end: int) -> bool:
    """Whether the sentence holding position ``end`` is a question."""
    stop = re.search(r"[.!?]", text[end:])
    return bool(stop and stop.group() == "?")


def _role(speaker: str) -> str:
    s = (speaker or "").lower()
    return s if s in ("agent", "customer") else "either"


def _says(turn: Turn, role: str) -> bool:
    return _role(turn.speaker) in (role, "either")


def _resolution(text: str) -> tuple[int, str] | None:
    """The customer's last word on whether the matter is settled in one turn: (position, cue)."""
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for m in _UNRESOLVED.finditer(text):
        found.append((m.start(), "unresolved"))
        spans.append(m.span())
    for m in _RESOLVED_WORDS.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in spans):
            continue  # part of an explicit unresolved statement ("not fixed")
        if _negated(text, m.start()):
            found.append((m.start(), "unresolved"))
        elif not _question(text, m.end()):
            found.append((m.start(), "resolved_confirmed"))
    for m in _NO_NEED_TO_CALL.finditer(text):
        found.append((m.start(), "resolved_confirmed"))
    return max(found) if found else None


def _close_cue(text: str) -> str | None:
    negative = positive = False
    for m in _NEGATIVE_CLOSE.finditer(text):
        if m.group().startswith("not ") or not _negated(text, m.start()):
            negative = True
    for m in _POSITIVE_CLOSE.finditer(text):
        if _negated(text, m.start()):
            negative = True  # "not great"
        else:
            positive = True
    if negative:
        return "negative_close"
    return "positive_close" if positive else None


def _first_hit(pattern: re.Pattern[str], text: str, *, polite_ok: bool = True) -> bool:
    for m in pattern.finditer(text):
        if _negated(text, m.start()):
            continue
        if not polite_ok and _POLITE_CONDITION.search(text[m.end() : m.end() + 60]):
            continue
        return True
    return False


def repeat_signals(call: CallRecord) -> list[Signal]:
    """The transcript cues of a repeat found in ``call`` (at most one per cue), in turn order.

    Resolution cues ("still not working", "that fixed it") are read in the customer's turns after the
    opening statement of the reason (where a problem is described, not left open), and the latest one
    wins, so "that didn't work ... okay, it's working now" reads as resolved. An agent saying the matter
    cannot be settled now also counts as unresolved unless the customer confirms a fix afterwards.
    Turns whose speaker is neither "agent" nor "customer" are read as either.
    """
    turns = call.turns
    texts = [_norm(t.text) for t in turns]
    first_customer = next((i for i, t in enumerate(turns) if _role(t.speaker) == "customer"), 0)
    closing_from = max(first_customer + 1, len(turns) // 3)
    found: dict[str, int | None] = {}

    resolution: tuple[int, str] | None = None
    for i in range(closing_from, len(turns)):
        text = texts[i]
        if _says(turns[i], "customer"):
            hit = _resolution(text)
            if hit is not None:
                resolution = (i, hit[1])
        if _says(turns[i], "agent") and _first_hit(_AGENT_UNABLE, text):
            resolution = (i, "unresolved")
    if resolution is not None:
        found[resolution[1]] = resolution[0]

    for i, turn in enumerate(turns):
        text = texts[i]
        if "callback_promised" not in found and _says(turn, "agent") and _first_hit(_CALLBACK, text):
            found["callback_promised"] = i
        if "escalation" not in found and _first_hit(_ESCALATION, text):
            found["escalation"] = i
        if (
            "customer_will_call_back" not in found
            and _says(turn, "customer")
            and _first_hit(_CUSTOMER_CALLS_BACK, text, polite_ok=False)
        ):
            found["customer_will_call_back"] = i

    signals = [Signal(name, turns[i].text.strip(), i) for name, i in found.items() if i is not None]
    if call.closing_sentiment is not None:
        s = call.closing_sentiment
        if s <= -_SENTIMENT_CUTOFF or s >= _SENTIMENT_CUTOFF:
            name = "negative_close" if s < 0 else "positive_close"
            signals.append(Signal(name, f"customer's closing sentiment {s:+.2f}", None))
    else:
        # Without a measured sentiment, the customer's last two turns are read with a small lexicon.
        customer_turns = [i for i in range(closing_from, len(turns)) if _says(turns[i], "customer")]
        for i in reversed(customer_turns[-2:]):
            cue = _close_cue(texts[i])
            if cue is not None:
                signals.append(Signal(cue, turns[i].text.strip(), i))
                break
    return sorted(signals, key=lambda s: (s.turn is None, s.turn or 0, SIGNAL_NAMES.index(s.name)))


# --------------------------------------------------------------------------------------- predicted


@dataclass(slots=True)
class RepeatPrediction:
    """The probability that the call will be repeated and the signals it rests on, strongest first."""

    probability: float
    signals: list[Signal]


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(slots=True)
class _TypeRates:
    """Repeat rates by contact type and by group, with the overall rate they are compared with."""

    base: float
    rates: dict[str, float] = field(default_factory=dict)  # type id or group id → smoothed rate
    counts: dict[str, int] = field(default_factory=dict)  # calls behind each rate (0: hand-set)

    def lookup(self, contact_type: str | None) -> tuple[str, float] | None:
        t = _known_type(contact_type)
        if t is None:
            return None
        for key in (t, _group(t)):
            if key in self.rates:
                return key, self.rates[key]
        return None

    def feature(self, contact_type: str | None) -> float:
        hit = self.lookup(contact_type)
        return 0.0 if hit is None else _logit(hit[1]) - _logit(self.base)


# Pseudo-calls that pull a type's rate towards its group's, and a group's towards the overall rate.
_SMOOTHING = 20.0


def _type_rates(calls: Sequence[CallRecord], labels: Sequence[bool], index: Sequence[int]) -> _TypeRates:
    n = len(index)
    base = (sum(labels[i] for i in index) + 1.0) / (n + 2.0) if n else 0.5
    tallies: dict[str, list[int]] = {}
    for i in index:
        t = _known_type(calls[i].contact_type)
        if t is None:
            continue
        for key in {t, _group(t)}:
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += 1
            tally[1] += int(labels[i])
    table = _TypeRates(base)
    for key, (count, repeats) in tallies.items():
        if "." not in key:
            table.rates[key] = (repeats + _SMOOTHING * base) / (count + _SMOOTHING)
            table.counts[key] = count
    for key, (count, repeats) in tallies.items():
        if "." in key:
            prior = table.rates.get(_group(key), base)
            table.rates[key] = (repeats + _SMOOTHING * prior) / (count + _SMOOTHING)
            table.counts[key] = count
    return table


def _features(call: CallRecord, signals: Sequence[Signal], rates: _TypeRates) -> np.ndarray:
    x = np.zeros(len(FEATURES), dtype=np.float64)
    fired = {s.name for s in signals}
    for k, name in enumerate(SIGNAL_NAMES):
        x[k] = 1.0 if name in fired else 0.0
    x[len(SIGNAL_NAMES)] = call.closing_sentiment if call.closing_sentiment is not None else 0.0
    x[len(SIGNAL_NAMES) + 1] = rates.feature(call.contact_type)
    return x


class RepeatCallPredictor:
    """``P(repeat) = sigmoid(bias + Σ weight·feature)`` over ``FEATURES``; ``predict`` lists each
    non-zero term as a ``Signal`` with its contribution, so the probability can be explained."""

    def __init__(self, info: ModelInfo, weights: Sequence[float], bias: float, rates: _TypeRates) -> None:
        if len(weights) != len(FEATURES):
            raise ConfigError(f"a repeat-call model needs {len(FEATURES)} weights, got {len(weights)}")
        self.info = info
        self.name = info.name
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)
        self.rates = rates

    def predict(self, call: CallRecord) -> RepeatPrediction:
        cues = repeat_signals(call)
        x = _features(call, cues, self.rates)
        signals: list[Signal] = []
        for cue in cues:
            k = FEATURES.index(cue.name)
            signals.append(Signal(cue.name, cue.evidence, cue.turn, float(self.weights[k] * x[k])))
        k = FEATURES.index("closing_sentiment")
        if call.closing_sentiment is not None and self.weights[k] != 0.0:
            evidence = f"customer's closing sentiment {call.closing_sentiment:+.2f}"
            signals.append(Signal("closing_sentiment", evidence, None, float(self.weights[k] * x[k])))
        k = FEATURES.index("contact_type_rate")
        hit = self.rates.lookup(call.contact_type)
        if hit is not None and x[k] != 0.0 and self.weights[k] != 0.0:
            key, rate = hit
            count = self.rates.counts.get(key, 0)
            source = f"{count} calls in the training history" if count else "hand-set prior"
            evidence = f"{key}: repeat rate {rate:.0%} ({source}; overall {self.rates.base:.0%})"
            signals.append(Signal("contact_type_rate", evidence, None, float(self.weights[k] * x[k])))
        signals.sort(key=lambda s: -abs(s.contribution))
        z = self.bias + float(self.weights @ x)
        return RepeatPrediction(_sigmoid(z), signals)

    def predict_many(self, calls: Sequence[CallRecord]) -> list[RepeatPrediction]:
        return [self.predict(call) for call in calls]

    def save(self, folder: Path) -> Path:
        """Write the model folder (``model.json`` + ``weights.npz``, no pickle)."""
        keys = sorted(self.rates.rates)
        arrays = {
            "features": np.array(FEATURES),
            "weights": self.weights,
            "bias": np.array([self.bias], dtype=np.float64),
            "base_rate": np.array([self.rates.base], dtype=np.float64),
            "rate_keys": np.array(keys, dtype=str),
            "rate_values": np.array([self.rates.rates[k] for k in keys], dtype=np.float64),
            "rate_counts": np.array([self.rates.counts.get(k, 0) for k in keys], dtype=np.int64),
        }
        return write_model(folder, self.info, arrays)

    @classmethod
    def load(cls, folder: Path) -> RepeatCallPredictor:
        info, arrays = read_model(folder, MODEL_KIND)
        needed = ("features", "weights", "bias", "base_rate", "rate_keys", "rate_values", "rate_counts")
        missing = [k for k in needed if k not in arrays]
        if missing:
            raise ConfigError(f"{folder}: the repeat-call model lacks {', '.join(missing)}; train it again")
        if tuple(str(f) for f in arrays["features"]) != FEATURES:
            raise ConfigError(
                f"{folder}: the repeat-call model was trained on other features; train it again"
            )
        keys = [str(k) for k in arrays["rate_keys"]]
        rates = _TypeRates(
            float(arrays["base_rate"][0]),
            dict(zip(keys, (float(v) for v in arrays["rate_values"]), strict=True)),
            dict(zip(keys, (int(c) for c in arrays["rate_counts"]), strict=True)),
        )
        return cls(info, arrays["weights"].tolist(), float(arrays["bias"][0]), rates)

    @classmethod
    def default(cls) -> RepeatCallPredictor:
        """Hand-set weights for use before any history exists.

        Reasoning: published contact-center first-contact resolution sits around 70-75%, so about one
        call in four or five is repeated; a call showing no cue gets a slightly lower 0.20 (bias). The
        cue weights are log-odds ranked by how directly they say the matter stays open: a customer saying
        it is still not fixed (+1.4) or that they will call back (+1.1) most, then a negative close
        (+0.7), a promised callback (+0.7, the customer often chases it) and an escalation (+0.6, handed
        on, not settled); a confirmed fix (-1.3) and a warm close (-0.4) lower it. Group priors: fault
        finding, complaints and deliveries need follow-up more often than information requests or sales.
        """
        weights = {
            "unresolved": 1.4,
            "callback_promised": 0.7,
            "escalation": 0.6,
            "customer_will_call_back": 1.1,
            "negative_close": 0.7,
            "positive_close": -0.4,
            "resolved_confirmed": -1.3,
            "closing_sentiment": -0.3,
            "contact_type_rate": 1.0,
        }
        base = 0.22
        group_priors = {
            "technical_support": 0.30,
            "complaints": 0.32,
            "orders_delivery": 0.26,
            "returns_refunds": 0.26,
            "billing": 0.24,
            "payments": 0.20,
            "cancellation": 0.22,
            "account": 0.18,
            "sales_upgrades": 0.15,
            "general_information": 0.12,
        }
        info = ModelInfo(
            kind=MODEL_KIND,
            name="repeat-call-default",
            version="default",
            trained_on="nothing: hand-set weights for use before any call history exists",
            settings={"features": list(FEATURES), "calibration": "none"},
        )
        rates = _TypeRates(base, dict(group_priors), dict.fromkeys(group_priors, 0))
        return cls(info, [weights[f] for f in FEATURES], _logit(0.20), rates)


# ---------------------------------------------------------------------------------------- training

MIN_CALLS = 20
MIN_PER_CLASS = 5


def _folds(calls: Sequence[CallRecord], index: Sequence[int], k: int) -> list[int]:
    """A fold per call by a stable hash of its customer, so one customer's calls stay together."""
    return [zlib.crc32((calls[i].customer_id or calls[i].call_id).encode()) % k for i in index]


def _design(
    calls: Sequence[CallRecord],
    labels: Sequence[bool],
    cues: Sequence[Sequence[Signal]],
    index: Sequence[int],
    k: int = 5,
) -> np.ndarray:
    """Features of ``index`` for training, with out-of-fold type rates so a call's own label does not
    leak into its contact-type feature."""
    x = np.stack([_features(calls[i], cues[i], _TypeRates(0.5)) for i in index])
    folds = _folds(calls, index, k)
    col = FEATURES.index("contact_type_rate")
    for f in range(k):
        rest = [i for i, g in zip(index, folds, strict=True) if g != f]
        rates = _type_rates(calls, labels, rest)
        for row, (i, g) in enumerate(zip(index, folds, strict=True)):
            if g == f:
                x[row, col] = rates.feature(calls[i].contact_type)
    return x


def train_repeat_predictor(
    calls: Sequence[CallRecord],
    labels: Sequence[bool | None],
    *,
    name: str = "repeat-call",
) -> RepeatCallPredictor:
    """Fit the predictor on measured labels (``measure_repeats(...).repeated``; None labels are left out).

    A logistic regression over ``FEATURES``; when both classes have at least 30 calls its logit is
    Platt-scaled on cross-validated decision values (the sigmoid calibration of scikit-learn's
    ``CalibratedClassifierCV``, folded into the weights so they stay interpretable). ``info.metrics``
    holds the cross-validated AUC, with folds grouped by customer.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    if len(calls) != len(labels):
        raise InvalidInput(f"{len(calls)} calls but {len(labels)} labels; give one repeat label per call")
    index = [i for i, y in enumerate(labels) if y is not None]
    y = np.array([bool(labels[i]) for i in index], dtype=int)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if len(index) < MIN_CALLS:
        raise InvalidInput(
            f"training a repeat-call model needs at least {MIN_CALLS} calls with a known repeat label, "
            f"got {len(index)}; use RepeatCallPredictor.default() until more history exists"
        )
    if min(positives, negatives) < MIN_PER_CLASS:
        raise InvalidInput(
            f"the repeat labels are {positives} repeated and {negatives} not repeated; training needs at "
            f"least {MIN_PER_CLASS} of each (check the customer_id and started_at fields and the window)"
        )
    flat = [bool(v) for v in labels]
    cues = [repeat_signals(call) if labels[i] is not None else [] for i, call in enumerate(calls)]

    def fit(rows: Sequence[int]) -> Any:
        model = LogisticRegression(C=1.0, max_iter=2000)
        model.fit(_design(calls, flat, cues, rows), np.array([int(flat[i]) for i in rows]))
        return model

    groups = [calls[i].customer_id or calls[i].call_id for i in index]
    splits = min(5, positives, negatives, len(set(groups)))
    decision = np.zeros(len(index))
    folds = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=0)
    for train_at, test_at in folds.split(np.zeros(len(index)), y, groups):
        train_rows = [index[t] for t in train_at]
        if len(set(y[train_at])) < 2:
            continue
        model = fit(train_rows)
        held = _type_rates(calls, flat, train_rows)
        x_test = np.stack([_features(calls[index[t]], cues[index[t]], held) for t in test_at])
        decision[test_at] = model.decision_function(x_test)
    cv_auc = float(roc_auc_score(y, decision))

    final = fit(index)
    weights = final.coef_[0].astype(np.float64)
    bias = float(final.intercept_[0])
    calibration = "none"
    if min(positives, negatives) >= 30:
        platt = LogisticRegression(C=1e6, max_iter=2000).fit(decision.reshape(-1, 1), y)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        if a > 0:  # a non-positive slope means the cross-validated scores carry no signal to scale
            weights, bias, calibration = weights * a, bias * a + b, "platt"

    info = ModelInfo(
        kind=MODEL_KIND,
        name=name,
        trained_on=f"{len(index)} calls, {positives} repeated",
        settings={"features": list(FEATURES), "calibration": calibration, "smoothing": _SMOOTHING, "C": 1.0},
        metrics={"cv_auc": round(cv_auc, 4), "cv_folds": splits, "calls": len(index), "repeats": positives},
    )
    return RepeatCallPredictor(info, weights.tolist(), bias, _type_rates(calls, flat, index))
