"""A synthetic, seeded call history for testing and evaluating repeat-call measurement and prediction.

How it is generated (``generate_history``), all from one ``numpy`` generator seeded with ``seed``:

1. *World.* Every contact type of the taxonomy (default ``taxonomies/contact-center.yaml``) gets a
   difficulty: the chance that a call about it ends unresolved, drawn uniformly from
   ``difficulty``. ``agents`` agents are spread round-robin over the taxonomy's top-level groups (one
   queue per group) and each gets a skill factor drawn from ``agent_skill`` that multiplies the chance.
2. *Customers and matters.* Each of ``customers`` customers has 1..``max_matters`` matters (geometric:
   each further matter with probability ``p_more_matters``), each about a contact type drawn uniformly,
   first contacted at a uniformly drawn time in ``days`` days from ``start`` (shifted into 08:00-20:00).
3. *Calls of a matter.* Each call has a latent outcome, unresolved with probability difficulty × skill
   (× ``repeat_call_factor`` on a return call). An unresolved call brings the customer back with
   probability ``p_return_unresolved``, a resolved one with ``p_return_resolved`` (a follow-up after
   all). A return lands, with probability ``p_late_return``, just outside the repeat window
   (``window_days`` + 0.2 to 3 days); otherwise after an exponential delay (mean ``mean_return_hours``,
   at least 2 h, at most ``window_days`` − 1.5 days, then moved into opening hours). A return is tagged
   with another type of the same group with probability ``p_sibling_type``. A matter has at most
   ``max_calls_per_matter`` calls.
4. *Transfers.* With probability ``p_transfer`` a call first reaches a wrong queue, whose agent
   transfers it: that leg is tagged with the matter's type, and the real call starts 1-12 minutes
   after the leg ends. Both legs share the latent outcome.
5. *Different matters.* With probability ``p_other_matter`` a matter spawns another matter, about a
   type of a different top-level group, starting 0.3 to ``window_days`` − 1.5 days after its first call.
6. *Transcripts.* Agent greeting, the customer's reason (an example utterance of the type from the
   taxonomy, prefixed on a return call by a "calling again" phrase), verification, a look-up, then the
   outcome. Each transcript cue appears with a probability that depends on the latent outcome
   (``UNRESOLVED_CUES`` / ``RESOLVED_CUES``: e.g. "still not working" 45% of unresolved calls and 4% of
   resolved ones), so the cues are noisy evidence. A closing sentiment is known for ``p_sentiment`` of the
   calls, drawn around -0.5 / +0.5 for a negative / positive close and near 0 otherwise.

Calls are numbered ``c-00001``… in chronological order. ``GeneratedHistory`` also lists the deliberate
transfers, different-matter calls and late (out-of-window) returns as call-id pairs. Repeat labels come
from ``repeat.measure_repeats`` on the calls, never from the generator's intentions, so a different
matter that happens to share a group with an earlier one counts as a repeat, as it would in real data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from asr import Turn
from common.errors import InvalidInput
from qa_models.repeat import CallRecord, RepeatOptions, measure_repeats
from qa_models.scorecard import load_taxonomy

__all__ = [
    "DEFAULT_TAXONOMY",
    "RESOLVED_CUES",
    "UNRESOLVED_CUES",
    "GeneratedHistory",
    "HistoryOptions",
    "generate_history",
    "to_labeled_calls",
]

DEFAULT_TAXONOMY = Path(__file__).parent / "taxonomies" / "contact-center.yaml"

#: Chance of each transcript cue given the latent outcome.
UNRESOLVED_CUES = {
    "unresolved": 0.45,
    "callback": 0.35,
    "escalation": 0.2,
    "will_call_back": 0.3,
    "negative_close": 0.4,
    "resolved": 0.05,
    "positive_close": 0.08,
    "no_need_to_call": 0.0,
}
RESOLVED_CUES = {
    "unresolved": 0.04,
    "callback": 0.08,
    "escalation": 0.04,
    "will_call_back": 0.03,
    "negative_close": 0.07,
    "resolved": 0.55,
    "positive_close": 0.4,
    "no_need_to_call": 0.1,
}


@dataclass(slots=True)
class HistoryOptions:
    """What the generated history looks like; see the module docstring for how each is used."""

    customers: int = 400
    seed: int = 7
    days: float = 60.0
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    taxonomy: Path | None = None  # None: the default contact-center taxonomy
    agents: int = 24
    max_matters: int = 3
    p_more_matters: float = 0.35
    difficulty: tuple[float, float] = (0.1, 0.5)
    agent_skill: tuple[float, float] = (0.7, 1.3)
    repeat_call_factor: float = 0.8
    p_return_unresolved: float = 0.75
    p_return_resolved: float = 0.05
    p_late_return: float = 0.12
    mean_return_hours: float = 36.0
    p_sibling_type: float = 0.3
    max_calls_per_matter: int = 3
    p_transfer: float = 0.08
    p_other_matter: float = 0.15
    p_sentiment: float = 0.7
    window_days: float = 7.0


@dataclass(slots=True)
class GeneratedHistory:
    """The calls in time order, each call's latent outcome and the deliberate special cases."""

    calls: list[CallRecord]
    latent_unresolved: dict[str, bool]
    transfers: list[tuple[str, str]] = field(default_factory=list)  # (leg transferred away, the real call)
    different_matters: list[tuple[str, str]] = field(default_factory=list)  # (call, other-matter call)
    late_returns: list[tuple[str, str]] = field(default_factory=list)  # (call, return just outside window)
    options: HistoryOptions = field(default_factory=HistoryOptions)


# ---------------------------------------------------------------------------------------- templates

_AGENT_NAMES = [
    "Sam",
    "Priya",
    "Jordan",
    "Maria",
    "Tom",
    "Aisha",
    "Chris",
    "Elena",
    "Dev",
    "Grace",
    "Luis",
    "Kim",
]
_CUSTOMER_NAMES = ["Alex Green", "Jamie Patel", "Morgan Lee", "Taylor Smith", "Robin Jones", "Casey Brown"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

_GREETING = [
    "Thank you for calling, this is {agent}, how can I help you today?",
    "Hi, you're through to {agent}, what can I do for you?",
    "Good morning, {agent} speaking, how can I help?",
]
_TRANSFER_GREETING = [
    "Hi, this is {agent}, I understand you've been transferred over, what's it about?",
    "Hello, {agent} here, they've put you through to me, how can I help?",
]
_RETURN_OPENER = [
    "I called about this a few days ago and ",
    "this is the second time I'm calling, ",
    "I spoke to someone on {weekday} about this, ",
]
_VERIFY = [
    "Sure, can I start with your full name and the postcode on the account?",
    "I can help with that. Can you confirm your date of birth for security?",
    "Of course. Could I get the account number please?",
]
_VERIFY_ANSWER = ["Yes, it's {name}.", "Sure, it's the one ending in {digits}.", "Yeah, {name}, that's me."]
_LOOKUP = [
    "Thanks. Let me pull up the account and have a look.",
    "Okay, bear with me a moment while I check.",
    "Right, I can see the account here, one moment.",
]
_ACK = ["Okay.", "Sure.", "Mm-hm.", "Alright, thanks."]
_ACTION_RESOLVED = [
    "I've gone ahead and updated that on the account for you.",
    "Okay, I've made that change now and it should show straight away.",
    "I've processed that for you and you'll get a confirmation by email.",
    "That's done for you now.",
]
_ACTION_UNRESOLVED = [
    "I've tried a couple of things from my side but I'm limited in what I can change here.",
    "I've put a note on the account, but this needs another team to look at it.",
    "I've raised it on the system but it's not something I can finish on this call.",
]
_TRANSFER_OUT = [
    "This needs to go to our {team} team, I'm going to transfer you now, please hold.",
    "Ah, that's handled by {team}, let me put you through to them.",
]
_CUE_TEXT: dict[str, list[tuple[str, str]]] = {
    "unresolved": [
        ("customer", "Hmm, it's still not working on my end."),
        ("customer", "That didn't fix it, I'm still seeing the same thing."),
        ("customer", "So it's not resolved then."),
        ("customer", "I'm still waiting on this, it hasn't been sorted."),
        ("agent", "Unfortunately I'm not able to fix that from here today."),
        ("agent", "I'm sorry, I can't resolve this on this call."),
    ],
    "resolved": [
        ("customer", "Oh great, that fixed it."),
        ("customer", "Yes, it's working now, thank you."),
        ("customer", "Perfect, that's sorted then."),
        ("customer", "Okay, that answers my question."),
    ],
    "callback": [
        ("agent", "Someone from our specialist team will call you back within 48 hours."),
        ("agent", "I'll give you a call back tomorrow once I have an update."),
        ("agent", "You should hear back from us by the end of the week."),
    ],
    "escalation": [
        ("agent", "I'm going to escalate this to my supervisor."),
        ("agent", "I'll pass this on to our technical team to investigate."),
        ("customer", "I'd like to speak to a manager about this."),
        ("customer", "I want to make a formal complaint."),
    ],
    "will_call_back": [
        ("customer", "Okay, I'll call back tomorrow if nothing changes."),
        ("customer", "Fine, I guess I'll have to ring again later."),
        ("customer", "I'll try again later then."),
    ],
    "no_need_to_call": [
        ("customer", "Great, so I won't need to call back then."),
        ("customer", "Good, no need to escalate it then."),
    ],
}
_ANYTHING_ELSE = ["Is there anything else I can help you with today?", "Anything else I can do for you?"]
_CLOSE = {
    "negative_close": [
        "No. Honestly this has been a waste of my time.",
        "No, and I'm really not happy about any of this.",
        "That's it. This is ridiculous, frankly.",
    ],
    "positive_close": [
        "No, that's all, thank you so much, you've been really helpful.",
        "No, that's everything, really appreciate your help.",
        "No, that's great, thanks a lot.",
    ],
    "neutral": ["No, that's all.", "No, that's it, bye.", "Nope, thanks."],
}
_GOODBYE = ["Thanks for calling, have a good day.", "Take care, goodbye."]


# ---------------------------------------------------------------------------------------- generator


@dataclass(slots=True)
class _Draft:
    """A call before it gets its final id (ids follow time order)."""

    customer: str
    started_at: datetime
    contact_type: str
    queue: str
    agent: str
    unresolved: bool
    turns: list[Turn]
    duration_s: float
    closing_sentiment: float | None


class _Generator:
    def __init__(self, options: HistoryOptions) -> None:
        self.o = options
        self.rng = np.random.default_rng(options.seed)
        taxonomy = load_taxonomy(options.taxonomy or DEFAULT_TAXONOMY)
        self.types = [t.id for t in taxonomy.types if t.id.lower() != "other"]
        if len(self.types) < 2:
            raise InvalidInput("the taxonomy needs at least two contact types to generate a history")
        self.examples = {t.id: list(t.examples) or [t.description or t.id] for t in taxonomy.types}
        self.groups = sorted({t.split(".", 1)[0] for t in self.types})
        low, high = options.difficulty
        self.difficulty = {t: float(self.rng.uniform(low, high)) for t in self.types}
        self.agents: dict[str, list[str]] = {g: [] for g in self.groups}
        self.skill: dict[str, float] = {}
        self.agent_name: dict[str, str] = {}
        for k in range(max(options.agents, len(self.groups))):
            agent = f"a-{k + 1:02d}"
            self.agents[self.groups[k % len(self.groups)]].append(agent)
            self.skill[agent] = float(self.rng.uniform(*options.agent_skill))
            self.agent_name[agent] = _AGENT_NAMES[k % len(_AGENT_NAMES)]
        self.drafts: list[_Draft] = []
        self.transfers: list[tuple[int, int]] = []
        self.different: list[tuple[int, int]] = []
        self.late: list[tuple[int, int]] = []

    # -- small draws
    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def opening_hours(self, when: datetime) -> datetime:
        """Move a time outside 08:00-20:00 to a random time the next morning."""
        if 8 <= when.hour < 20:
            return when
        day = when if when.hour >= 20 else when - timedelta(days=1)
        morning = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(days=1)
        return morning + timedelta(minutes=float(self.rng.uniform(0, 180)))

    def group_of(self, contact_type: str) -> str:
        return contact_type.split(".", 1)[0]

    # -- transcripts
    def transcript(
        self, contact_type: str, agent: str, unresolved: bool, *, returning: bool, transferred: bool
    ) -> tuple[list[Turn], float | None]:
        lines: list[tuple[str, str]] = []
        greeting = _TRANSFER_GREETING if transferred else _GREETING
        lines.append(("agent", self.pick(greeting).format(agent=self.agent_name[agent])))
        reason = str(self.pick(self.examples[contact_type]))
        if returning:
            reason = self.pick(_RETURN_OPENER).format(weekday=self.pick(_WEEKDAYS)) + reason
        lines.append(("customer", reason[0].upper() + reason[1:]))
        if not transferred:
            lines.append(("agent", self.pick(_VERIFY)))
            name = self.pick(_CUSTOMER_NAMES)
            lines.append(
                (
                    "customer",
                    self.pick(_VERIFY_ANSWER).format(name=name, digits=self.rng.integers(1000, 9999)),
                )
            )
        lookup_at = len(lines)
        lines.append(("agent", self.pick(_LOOKUP)))
        lines.append(("customer", self.pick(_ACK)))
        lines.append(("agent", self.pick(_ACTION_UNRESOLVED if unresolved else _ACTION_RESOLVED)))
        cues = UNRESOLVED_CUES if unresolved else RESOLVED_CUES
        fired = {cue for cue, p in cues.items() if self.chance(p)}
        if "resolved" in fired and "unresolved" in fired:  # one word on the outcome per call
            fired.discard("resolved" if unresolved else "unresolved")
        if "negative_close" in fired and "positive_close" in fired:
            fired.discard("positive_close" if unresolved else "negative_close")
        for cue in ("unresolved", "resolved", "escalation", "callback", "will_call_back", "no_need_to_call"):
            if cue in fired:
                speaker, text = self.pick(_CUE_TEXT[cue])
                if lines[-1][0] == speaker:  # keep the parties alternating
                    lines.append(("agent" if speaker == "customer" else "customer", self.pick(_ACK)))
                lines.append((speaker, text))
        if lines[-1][0] == "agent":
            lines.append(("customer", self.pick(_ACK)))
        lines.append(("agent", self.pick(_ANYTHING_ELSE)))
        close = next((c for c in ("negative_close", "positive_close") if c in fired), "neutral")
        lines.append(("customer", self.pick(_CLOSE[close])))
        lines.append(("agent", self.pick(_GOODBYE)))
        sentiment = None
        if self.chance(self.o.p_sentiment):
            centre = {"negative_close": -0.5, "positive_close": 0.5}.get(close, -0.1 if unresolved else 0.1)
            sentiment = round(float(np.clip(self.rng.normal(centre, 0.25), -1.0, 1.0)), 3)
        return self.timed(lines, hold_after=lookup_at), sentiment

    def timed(self, lines: list[tuple[str, str]], hold_after: int | None) -> list[Turn]:
        turns: list[Turn] = []
        t = 0.0
        for k, (speaker, text) in enumerate(lines):
            length = 0.6 + 0.35 * len(text.split())
            turns.append(Turn(speaker, round(t, 2), round(t + length, 2), text))
            t += length + float(self.rng.uniform(0.2, 1.0))
            if k == hold_after:  # the look-up takes a while
                t += float(self.rng.uniform(20, 120))
        return turns

    def transfer_leg(self, contact_type: str, customer: str, when: datetime) -> _Draft:
        wrong = self.pick([g for g in self.groups if g != self.group_of(contact_type)])
        agent = self.pick(self.agents[wrong])
        reason = str(self.pick(self.examples[contact_type]))
        lines = [
            ("agent", self.pick(_GREETING).format(agent=self.agent_name[agent])),
            ("customer", reason[0].upper() + reason[1:]),
            ("agent", self.pick(_TRANSFER_OUT).format(team=self.group_of(contact_type).replace("_", " "))),
            ("customer", "Okay, thanks."),
        ]
        turns = self.timed(lines, hold_after=None)
        return _Draft(customer, when, contact_type, wrong, agent, False, turns, turns[-1].end + 1.0, None)

    # -- the history
    def call(self, customer: str, when: datetime, contact_type: str, *, returning: bool) -> int:
        """Add one call (with a transfer leg in front of it, sometimes); returns the real call's index."""
        group = self.group_of(contact_type)
        agent = self.pick(self.agents[group])
        p = (
            self.difficulty[contact_type]
            * self.skill[agent]
            * (self.o.repeat_call_factor if returning else 1.0)
        )
        unresolved = self.chance(min(0.95, p))
        leg: int | None = None
        if self.chance(self.o.p_transfer):
            draft = self.transfer_leg(contact_type, customer, when)
            self.drafts.append(draft)
            leg = len(self.drafts) - 1
            when = when + timedelta(seconds=draft.duration_s, minutes=float(self.rng.uniform(1, 12)))
        turns, sentiment = self.transcript(
            contact_type, agent, unresolved, returning=returning, transferred=leg is not None
        )
        self.drafts.append(
            _Draft(
                customer, when, contact_type, group, agent, unresolved, turns, turns[-1].end + 1.0, sentiment
            )
        )
        index = len(self.drafts) - 1
        if leg is not None:
            self.drafts[leg].unresolved = unresolved  # the leg's outcome is the contact's
            self.transfers.append((leg, index))
        return index

    def matter(self, customer: str, when: datetime, contact_type: str) -> None:
        first = self.call(customer, when, contact_type, returning=False)
        if self.chance(self.o.p_other_matter):
            others = [t for t in self.types if self.group_of(t) != self.group_of(contact_type)]
            other_when = self.opening_hours(
                when + timedelta(days=float(self.rng.uniform(0.3, self.o.window_days - 1.5)))
            )
            other = self.matter_start(customer, other_when, self.pick(others))
            self.different.append((first, other))
        current, calls = first, 1
        while calls < self.o.max_calls_per_matter:
            draft = self.drafts[current]
            p = self.o.p_return_unresolved if draft.unresolved else self.o.p_return_resolved
            if not self.chance(p):
                break
            late = self.chance(self.o.p_late_return)
            if late:
                gap = timedelta(days=self.o.window_days + float(self.rng.uniform(0.2, 3.0)))
            else:
                hours = float(self.rng.exponential(self.o.mean_return_hours))
                gap = timedelta(hours=min(max(hours, 2.0), (self.o.window_days - 1.5) * 24))
            if self.chance(self.o.p_sibling_type):
                group = self.group_of(contact_type)
                contact_type = self.pick([t for t in self.types if self.group_of(t) == group])
            later = self.call(
                customer, self.opening_hours(draft.started_at + gap), contact_type, returning=True
            )
            if late:
                self.late.append((current, later))
            current, calls = later, calls + 1

    def matter_start(self, customer: str, when: datetime, contact_type: str) -> int:
        before = len(self.drafts)
        self.matter(customer, when, contact_type)
        # The matter's first real call: the one after a transfer leg, if any.
        return next((b for a, b in self.transfers if a == before), before)

    def run(self) -> GeneratedHistory:
        o = self.o
        start = o.start if o.start.tzinfo else o.start.replace(tzinfo=UTC)
        for c in range(o.customers):
            customer = f"cust-{c + 1:04d}"
            matters = 1
            while matters < o.max_matters and self.chance(o.p_more_matters):
                matters += 1
            for _ in range(matters):
                when = self.opening_hours(start + timedelta(days=float(self.rng.uniform(0, o.days))))
                self.matter(customer, when, self.pick(self.types))
        order = sorted(range(len(self.drafts)), key=lambda i: (self.drafts[i].started_at, i))
        ids = {i: f"c-{rank + 1:05d}" for rank, i in enumerate(order)}
        calls: list[CallRecord] = []
        latent: dict[str, bool] = {}
        for i in order:
            d = self.drafts[i]
            calls.append(
                CallRecord(
                    call_id=ids[i],
                    customer_id=d.customer,
                    started_at=d.started_at,
                    duration_s=round(d.duration_s, 2),
                    contact_type=d.contact_type,
                    queue=d.queue,
                    agent_id=d.agent,
                    turns=d.turns,
                    closing_sentiment=d.closing_sentiment,
                )
            )
            latent[ids[i]] = d.unresolved

        def pairs(found: list[tuple[int, int]]) -> list[tuple[str, str]]:
            return [(ids[a], ids[b]) for a, b in found]

        return GeneratedHistory(
            calls, latent, pairs(self.transfers), pairs(self.different), pairs(self.late), options=o
        )


def generate_history(options: HistoryOptions | None = None) -> GeneratedHistory:
    """A synthetic call history as the module docstring describes; the same options give the same history."""
    options = options or HistoryOptions()
    if options.customers < 1 or options.days <= 0 or options.window_days <= 2:
        raise InvalidInput("a history needs at least one customer, a positive span and a window over 2 days")
    return _Generator(options).run()


def to_labeled_calls(history: GeneratedHistory, options: RepeatOptions | None = None) -> list[dict[str, Any]]:
    """The history as labeled calls (FORMATS §1), ready to write as JSON Lines.

    ``labels.repeat_call`` comes from ``measure_repeats`` and ``labels.resolved`` from the latent
    outcome; ``duration_s`` and ``closing_sentiment`` are extra fields (kept and ignored by other readers)
    so that ``CallRecord.from_dict`` can rebuild the call exactly.
    """
    marks = measure_repeats(history.calls, options or RepeatOptions(window_days=history.options.window_days))
    records: list[dict[str, Any]] = []
    for call, mark in zip(history.calls, marks, strict=True):
        labels: dict[str, Any] = {"contact_type": call.contact_type}
        if mark.repeated is not None:
            labels["repeat_call"] = mark.repeated
        labels["resolved"] = not history.latent_unresolved[call.call_id]
        started = call.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if call.started_at else None
        record: dict[str, Any] = {
            "call_id": call.call_id,
            "channel": "voice",
            "started_at": started,
            "customer_id": call.customer_id,
            "agent_id": call.agent_id,
            "queue": call.queue,
            "duration_s": call.duration_s,
            "turns": [
                {"speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end} for t in call.turns
            ],
            "labels": labels,
        }
        if call.closing_sentiment is not None:
            record["closing_sentiment"] = call.closing_sentiment
        records.append(record)
    return records
