"""A seeded generator of a contact center's history: a month of calls and the ACD records behind them,
with known trends injected (docs/generated-history.md).

It serves tests that check the analytics find the trends, the demo (whose history is marked
``generated: true``) and the storage benchmark. Everything is drawn from one
``numpy.random.default_rng(seed)``, so a seed gives the same history on every machine; texts come from
short templates (the taxonomy's own examples plus slot variation) so that 100,000 calls take seconds.

The injected trends, each switched off by setting it to None in ``Injections``: a contact type whose
volume doubles for one week, an emerging reason outside the taxonomy, an agent whose calls are repeated
twice as often, an agent who skips identity verification, and an agent with long silences.
``SyntheticHistory.truth`` says exactly what was injected.
"""

from __future__ import annotations

import gc
import heapq
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from analytics.acd import AcdRecord, write_acd_csv
from asr import Turn
from common.errors import InvalidInput
from qa_models import DEFAULT_SCORECARD, DEFAULT_TAXONOMY, OTHER, load_scorecard, load_taxonomy

__all__ = [
    "EMERGING_TEMPLATES",
    "GeneratorOptions",
    "Injections",
    "SyntheticCall",
    "SyntheticHistory",
    "generate_history",
    "write_history",
]

_T = TypeVar("_T")


#: The default emerging topic: e-SIM activation QR codes rejected after a network update. Slots:
#: {phone}, {weekday}, {code}, {days}.
EMERGING_TEMPLATES = (
    "my e-SIM QR code keeps getting rejected since the network update",
    "I scan the eSIM QR code and my {phone} says the code is no longer valid",
    "after your network update on {weekday} the QR code for my e-SIM won't activate",
    "the activation QR code you sent for my eSIM just shows invalid code on my {phone}",
    "I'm trying to set up the e-SIM on my {phone} but the QR code gets refused every time",
    "since the network upgrade my eSIM activation fails whenever I scan the QR code",
    "the eSIM QR code says it can't be added, error {code}, ever since the update {days} days ago",
    "my {phone} rejects the e-SIM activation QR code, it worked fine before the network update",
)
_EMERGING_KEYWORDS = ("esim", "e-sim", "qr code", "activation", "network update", "rejected")

# Reasons outside the taxonomy that are unrelated to each other: the background "other" traffic, so the
# emerging topic is not the only out-of-taxonomy contact.
_BACKGROUND_TEMPLATES = (
    "I found a wallet outside your {town} store, who should I hand it to",
    "I'm doing a school project on customer service, can I ask you a few questions",
    "do you sponsor local sports teams, my son's club in {town} is looking for a sponsor",
    "I'd like to apply for a job in your {town} office",
    "I just wanted to say your advert on the telly is brilliant",
    "sorry I think I dialled the wrong number, I was after the pharmacy",
    "my neighbour's satellite dish is pointing straight at my window, can you move it",
    "can you recommend a good electrician in {town}",
    "is it true you're being bought by another company, I read it in the paper",
    "I'd like to donate some old equipment to charity, do you take it back for that",
    "a letter for someone called {name} keeps coming to my address",
    "can I get a tour of your headquarters for my college class",
    "your van has been parked across my driveway in {town} since this morning",
    "I want to leave a compliment for the lady who helped my mum last week",
    "do you have any parking at the {town} branch for a disabled badge holder",
    "someone from your company left a ladder in my garden",
)

# Own templates (with slots) for the injected doubling type, so its extra week is not the same seven
# sentences over and over; every other type uses the taxonomy's examples.
_OWN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "billing.double_charge": (
        "I've been charged {amount} twice on my {month} bill",
        "the {amount} payment came out of my account twice on the {nth}",
        "there are two charges of {amount} from you on my card statement",
        "you took the monthly payment twice this month, {amount} each time",
    ),
}

_OPENERS = ("", "", "Hi, ", "Hello, ", "Yes hi, ", "Hi there, ", "Morning, ", "Hiya, ")
_FEELINGS = (
    "Honestly I'm really frustrated.",
    "This is really annoying.",
    "I'm quite worried about it to be honest.",
    "It's been a real hassle.",
    "I'm so fed up with this.",
)
_FOLLOW_UP = (
    "I called about this {days} days ago and it's still not sorted.",
    "I already rang about this last time and nothing happened.",
    "This is the second time I'm calling about it.",
)
_DETAILS: dict[str, tuple[str, ...]] = {
    "billing": ("It's on the bill from {month}.", "The account ends in {digits}."),
    "payments": ("It was for {amount}.", "I tried on the {nth}."),
    "technical_support": ("It started on {weekday}.", "I've already restarted everything twice."),
    "account": ("It's the account ending {digits}.", "This started on {weekday}."),
    "orders_delivery": ("The order number ends in {digits}.", "I ordered it on {weekday}."),
    "returns_refunds": ("The order number ends in {digits}.", "It was about {amount}."),
    "cancellation": ("I've been with you for {years} years.", "The account ends in {digits}."),
    "sales_upgrades": ("I've been a customer for {years} years.",),
    "complaints": ("This has been going on since {weekday}.", "I've been a customer for {years} years."),
}

_BACKGROUND = "background"  # the topic of the unrelated one-off "other" reasons

_GREETINGS = (
    "Thank you for calling {company}, my name is {name}, how can I help you today?",
    "Good morning, {company}, this is {name} speaking, how can I help?",
    "Hi, you're through to {company}, I'm {name}. What can I do for you?",
)
_CHAT_GREETING = "Hi, you're chatting with {name} from {company}. How can I help you today?"
_BARE_GREETINGS = ("Hello, how can I help?", "Hi there, what can I do for you today?")  # no names: "no"
_EMPATHY = (
    "I'm sorry to hear that, I understand how frustrating that is.",
    "I'm really sorry about the trouble.",
)
# (the agent's verification question, the customer's answer)
_VERIFY = (
    (
        "Before I look into it, can you confirm your account number and date of birth?",
        "Sure, it's {number} and my date of birth is the {birthday}.",
    ),
    (
        "Can I just verify a few details first, your postcode and the last four digits of the card on file?",
        "Yes, it's {postcode} and the card ends {digits}.",
    ),
    (
        "Can I take your account number and the answer to your security question?",
        "It's {number}, and {secret}.",
    ),
)
_CARD_READ_OUT = "Right, I can see the card number 4 5 3 2 1 1 8 7 6 5 4 3 2 1 0 9 on the account."
_HOLD_ASKS = (
    "Thanks. Let me put you on hold for a moment while I check that.",
    "Could I put you on hold for a moment while I look into this?",
)
_CONFIRM_DONE = "So just to confirm, that's all sorted for you now."
_CONFIRM_NEXT = "So just to confirm, you'll hear from us within that time."
_PLEASED = ("Brilliant, thank you so much for your help.", "That's great, thanks a lot.")
_NEUTRAL = ("Okay, thanks.", "Alright, I'll wait then.", "Okay, fine.")
_DISPLEASED = (
    "That's really not good enough, I've been waiting ages for this.",
    "Honestly this is ridiculous, I'm not happy.",
)
_CLOSING = "Thank you for contacting {company}, have a great day."

_RESTATE: dict[str, str] = {
    "billing": "you have a question about a charge on your bill",
    "payments": "this is about a payment on your account",
    "technical_support": "you're having a technical problem with the service",
    "account": "this is about your account details or access",
    "orders_delivery": "this is about one of your orders",
    "returns_refunds": "this is about a return or a refund",
    "cancellation": "you're thinking about changing or ending your service",
    "sales_upgrades": "you're interested in one of our products or plans",
    "complaints": "you'd like to raise a complaint",
    "general_information": "you're looking for some information",
}
_RESOLVED: dict[str, str] = {
    "billing": "I've corrected that and you'll see a credit of {amount} on your next bill",
    "payments": "that's been applied now and your account is up to date",
    "technical_support": "I've reset things from our side and it should work again within {minutes} minutes",
    "account": "that's been updated on your account now",
    "orders_delivery": "I've updated the order and you'll get a confirmation email shortly",
    "returns_refunds": "I've processed that and it'll reach your card within {days} working days",
    "cancellation": "I've set that up for you and it takes effect from the {nth}",
    "sales_upgrades": "I've added that to your account and it starts on the {nth}",
    "complaints": "I've logged this formally and applied a goodwill credit of {amount}",
    "general_information": "you'll find that on our website under help, and I've sent you the link by text",
}
_RESOLVED_DEFAULT = "I've sorted that out for you now"
_NEXT_STEP = (
    "I can't fix that from here, so I've raised it with the specialist team and they'll call you back within "
    "{days} working days"
)
_VAGUE = (
    "I'm not really sure what's going on there, maybe try again later",
    "hmm, I don't know, it might sort itself out",
)
_EMERGING_RESOLVED = "I've issued you a new e-SIM profile and sent a fresh QR code to your email"
_EMERGING_NEXT = (
    "we're seeing a few of these since the update, I've raised it with the network team and they'll contact "
    "you within {days} days"
)

_PHONES = ("iPhone 15", "Pixel 8", "Galaxy S24", "iPhone 14", "Pixel 7a", "Galaxy A54", "new phone")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend")
_MONTHS = ("January", "February", "March", "last month", "this month")
_TOWNS = ("Riverside", "Millbrook", "Eastgate", "Oakham", "Harbour Road", "the high street")
_NAMES = (
    "Sam", "Priya", "Jordan", "Maria", "Tom", "Aisha", "Lee", "Grace", "Omar", "Nina", "Ben", "Chloe",
    "Dev", "Ella", "Marco", "Ruth",
)  # fmt: skip
_NTH = ("first", "third", "fifth", "tenth", "twelfth", "fifteenth", "twentieth", "twenty-eighth")

# Relative volume of each type (1.0 when not listed).
_TYPE_WEIGHTS: dict[str, float] = {
    "billing.bill_explanation": 2.5,
    "billing.bill_increase": 2.5,
    "billing.double_charge": 4.0,  # the default doubled type: enough calls that its week stands out
    "billing.unexpected_fee": 2.0,
    "payments.make_payment": 2.5,
    "payments.payment_failed": 2.0,
    "technical_support.connectivity": 2.5,
    "technical_support.service_outage": 1.5,
    "technical_support.device_problem": 1.5,
    "account.login_access": 2.0,
    "orders_delivery.order_status": 2.0,
    "cancellation.cancel_service": 1.5,
    "complaints.escalation_request": 0.6,
    "complaints.staff_complaint": 0.5,
    "general_information.contact_options": 0.6,
}
# The customer's opening mood by type (longest matching prefix wins): complaints and failed payments
# start more negative, sales and information questions slightly positive.
_MOOD: dict[str, float] = {
    "complaints": -0.6,
    "complaints.repeated_issue": -0.7,
    "payments": -0.05,
    "payments.payment_failed": -0.45,
    "payments.payment_arrangement": -0.35,
    "billing": -0.1,
    "billing.double_charge": -0.45,
    "billing.unexpected_fee": -0.4,
    "billing.bill_increase": -0.35,
    "account.fraud_suspicious_activity": -0.5,
    "account.login_access": -0.25,
    "technical_support": -0.3,
    "technical_support.service_outage": -0.45,
    "technical_support.setup_installation": -0.1,
    "orders_delivery.delivery_problem": -0.45,
    "orders_delivery.order_status": -0.15,
    "returns_refunds": -0.1,
    "returns_refunds.damaged_or_wrong_item": -0.4,
    "returns_refunds.refund_status": -0.25,
    "cancellation": -0.1,
    "cancellation.price_too_high": -0.3,
    "sales_upgrades": 0.15,
    "general_information": 0.05,
}
# P(resolved on the call) by type prefix (0.8 otherwise).
_RESOLVE: dict[str, float] = {
    "billing.double_charge": 0.88,  # a refund settles most
    "complaints": 0.55,
    "technical_support": 0.7,
    "technical_support.service_outage": 0.5,
    "account.fraud_suspicious_activity": 0.7,
    "returns_refunds.refund_status": 0.65,
    "general_information": 0.93,
    "sales_upgrades": 0.88,
}
# Types that never touch a specific account: identity verification is "na".
_NO_ACCOUNT = ("general_information", "sales_upgrades.pricing_question", "sales_upgrades.promotion_question")

_DEFAULT_QUEUES: dict[str, str] = {
    "billing": "billing",
    "payments": "billing",
    "technical_support": "support",
    "account": "support",
    "returns_refunds": "support",
    "complaints": "support",
    "general_information": "support",
    "orders_delivery": "sales",
    "sales_upgrades": "sales",
    "cancellation": "retention",
}


def _prefix_lookup(table: dict[str, float], contact_type: str, default: float) -> float:
    key = contact_type
    while True:
        if key in table:
            return table[key]
        if "." not in key:
            return default
        key = key.rsplit(".", 1)[0]


@dataclass(slots=True)
class Injections:
    """The trends put into the history. Set a trend's first field to None to switch it off."""

    # A contact type whose daily volume is multiplied by doubling_factor in week doubling_week (1-based:
    # week 3 is days 15–21 counted from the start), then goes back to its base share.
    doubling_type: str | None = "billing.double_charge"
    doubling_week: int = 3
    doubling_factor: float = 2.0
    # A new reason outside the taxonomy (contact type "other") from day emerging_from_day (1-based) on,
    # emerging_per_day calls a day (drawn uniformly, scaled up with calls_per_day above 80).
    emerging_topic: str | None = "esim_qr_rejected"
    emerging_templates: tuple[str, ...] = EMERGING_TEMPLATES
    emerging_from_day: int = 15
    emerging_per_day: tuple[int, int] = (4, 6)
    # Calls by this agent are followed by a same-matter repeat high_repeat_factor times as often.
    high_repeat_agent: str | None = "agent-07"
    high_repeat_factor: float = 2.0
    # This agent answers "no" on training_gap_item (where it applies) at training_gap_no_rate.
    training_gap: str | None = "agent-03"
    training_gap_item: str = "verify_identity"
    training_gap_no_rate: float = 0.40
    # This agent's calls have dead air more often and longer.
    dead_air_agent: str | None = "agent-11"
    dead_air_agent_probability: float = 0.6
    dead_air_agent_seconds: tuple[float, float] = (15.0, 45.0)


@dataclass(slots=True)
class GeneratorOptions:
    """What history to generate. Defaults: four weeks from Monday 2 March 2026, 80 calls a weekday."""

    seed: int = 7
    start: date = date(2026, 3, 2)
    days: int = 28
    # Weekday volume of first contacts; repeats and the emerging topic come on top.
    calls_per_day: float = 80.0
    weekend_share: float = 0.4  # weekend volume relative to a weekday
    agents: int = 12  # agent-01 ...
    teams: int = 3  # team-a ...; agents are split into consecutive blocks
    open_hour: int = 8  # UTC
    close_hour: int = 20
    peaks: tuple[float, float] = (10.5, 14.5)  # the morning and afternoon peaks, hours UTC
    chat_share: float = 0.10
    other_share: float = 0.03  # unrelated one-off reasons outside the taxonomy
    repeat_rate: float = 0.15  # mean chance that a call is followed by a same-matter repeat within 1–6 days
    verify_no_rate: float = 0.05  # "no" on verify_identity where it applies, for agents without a gap
    hold_probability: float = 0.2  # voice calls with an announced hold
    dead_air_probability: float = 0.15  # voice calls with an unannounced silence, for most agents
    dead_air_seconds: tuple[float, float] = (5.0, 20.0)
    # Share of offered voice contacts abandoned: off-peak, at the peaks.
    abandon_rate: tuple[float, float] = (0.04, 0.09)
    blocked_rate: float = 0.012  # blocked contacts per answered voice call, weekday peaks only
    company: str = "Northwind"
    queues: dict[str, str] = field(default_factory=lambda: dict(_DEFAULT_QUEUES))  # type group -> queue
    taxonomy: Path = DEFAULT_TAXONOMY
    scorecard: Path = DEFAULT_SCORECARD
    injections: Injections = field(default_factory=Injections)


@dataclass(slots=True)
class SyntheticCall:
    """One generated call with its ground truth."""

    call_id: str
    started_at: datetime  # aware UTC; for voice, the ACD record's answered_at
    channel: str  # "voice" | "chat"
    queue: str
    agent_id: str
    team: str
    customer_id: str
    contact_type: str  # a taxonomy id, or "other"
    contact_type_confidence: float
    reason: str  # the customer's reason sentence, verbatim in their first turn
    sentiment: str  # "negative" | "neutral" | "positive"
    sentiment_polarity: float  # -1..1, the customer's overall
    sentiment_start: float
    sentiment_end: float
    resolved: bool
    repeat_call: bool  # the same customer calls again about the same matter within 7 days
    turns: list[Turn]
    duration_s: float
    qa_answers: dict[str, str]
    repeat_of: str | None = None  # the earlier call this one repeats
    topic: str | None = None  # the emerging topic's name, "background" for one-off other reasons

    def to_labeled_call(self) -> dict[str, Any]:
        """The call as a FORMATS §1 labeled call, marked ``generated: true``. The generated QA answers
        are kept as ``qa_answers``, not as an evaluation: ingesting the file must not pass them off
        as a QA evaluator's."""
        return {
            "call_id": self.call_id,
            "channel": self.channel,
            "started_at": _iso(self.started_at),
            "agent_id": self.agent_id,
            "customer_id": self.customer_id,
            "queue": self.queue,
            "team": self.team,
            "generated": True,
            "duration_s": self.duration_s,
            "turns": [
                {"speaker": t.speaker, "start": t.start, "end": t.end, "text": t.text} for t in self.turns
            ],
            "labels": {
                "contact_type": self.contact_type,
                "sentiment": self.sentiment,
                "resolved": self.resolved,
                "repeat_call": self.repeat_call,
            },
            "qa_answers": dict(self.qa_answers),
        }


@dataclass(slots=True)
class SyntheticHistory:
    """Calls in start order, ACD records in offer order, the options used and what was injected."""

    calls: list[SyntheticCall]
    acd: list[AcdRecord]
    options: GeneratorOptions
    truth: dict[str, Any]


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# ------------------------------------------------------------------------------ planning


@dataclass(slots=True)
class _Contact:
    """A contact to be generated: a first contact from the daily plan, or a scheduled repeat."""

    offered: float  # epoch seconds
    contact_type: str
    topic: str | None
    customer_id: str = ""
    repeat_of: int | None = None  # index of the call it repeats, in generation order
    template: int | None = None  # repeats keep the first call's emerging template family


def _validate(options: GeneratorOptions, type_ids: list[str], item_ids: list[str]) -> None:
    inj = options.injections
    if options.days < 1:
        raise InvalidInput(f"days must be at least 1 (got {options.days})")
    if options.calls_per_day <= 0:
        raise InvalidInput(f"calls_per_day must be positive (got {options.calls_per_day})")
    if not 1 <= options.teams <= 26 or options.agents < options.teams:
        raise InvalidInput(
            f"need 1–26 teams and at least one agent per team "
            f"(got {options.teams} teams, {options.agents} agents)"
        )
    if not 0 <= options.open_hour < options.close_hour <= 24:
        raise InvalidInput(
            f"open_hour must be before close_hour within 0–24 (got {options.open_hour}–{options.close_hour})"
        )
    if (
        not 0 <= options.repeat_rate < 1
        or not 0 <= options.other_share < 1
        or not 0 <= options.chat_share <= 1
    ):
        raise InvalidInput("repeat_rate and other_share must be in [0, 1) and chat_share in [0, 1]")
    agents = {f"agent-{i + 1:02d}" for i in range(options.agents)}
    for name in ("high_repeat_agent", "training_gap", "dead_air_agent"):
        agent = getattr(inj, name)
        if agent is not None and agent not in agents:
            raise InvalidInput(
                f"injections.{name} is {agent!r} but only agent-01..agent-{options.agents:02d} exist: "
                f"raise agents or set injections.{name}=None"
            )
    if inj.doubling_type is not None:
        if inj.doubling_type not in type_ids:
            raise InvalidInput(
                f"injections.doubling_type {inj.doubling_type!r} is not a type of {options.taxonomy}: "
                "name one of its ids or set it to None"
            )
        if inj.doubling_week < 1 or inj.doubling_week * 7 > options.days:
            raise InvalidInput(
                f"injections.doubling_week {inj.doubling_week} is not inside {options.days} days: "
                f"use days >= {max(1, inj.doubling_week) * 7} or set doubling_type=None"
            )
    if inj.emerging_topic is not None:
        if not 1 <= inj.emerging_from_day <= options.days:
            raise InvalidInput(
                f"injections.emerging_from_day {inj.emerging_from_day} is not within 1..{options.days}: "
                "move it or set emerging_topic=None"
            )
        if not inj.emerging_templates:
            raise InvalidInput("injections.emerging_templates is empty: give at least one sentence")
        low, high = inj.emerging_per_day
        if not 0 <= low <= high:
            raise InvalidInput(
                f"injections.emerging_per_day must be (low, high) with 0 <= low <= high (got {low, high})"
            )
    if inj.training_gap is not None and inj.training_gap_item not in item_ids:
        raise InvalidInput(
            f"injections.training_gap_item {inj.training_gap_item!r} is not an item of {options.scorecard}"
        )


def _day_factor(options: GeneratorOptions, day: int) -> float:
    return options.weekend_share if (options.start + timedelta(days=day)).weekday() >= 5 else 1.0


def _clip(x: float) -> float:
    return -1.0 if x < -1.0 else 1.0 if x > 1.0 else x


# Slot values for templates, drawn only when a template asks for them (a call's slots are drawn once,
# so an amount in the reason is the amount credited in the resolution).
_SLOT_MAKERS: dict[str, Any] = {
    "amount": lambda g: f"${g.randint(9, 180)}.{g.pick(('00', '99', '50', '20'))}",
    "month": lambda g: g.pick(_MONTHS),
    "nth": lambda g: g.pick(_NTH),
    "weekday": lambda g: g.pick(_WEEKDAYS),
    "digits": lambda g: f"{g.randint(0, 9999):04d}",
    "number": lambda g: str(g.randint(10_000_000, 99_999_999)),
    "phone": lambda g: g.pick(_PHONES),
    "code": lambda g: g.pick(("E-403", "SIM-22", "0x51", "QR-07", "ACT-9")),
    "days": lambda g: str(g.randint(2, 5)),
    "minutes": lambda g: g.pick(("10", "15", "30")),
    "years": lambda g: str(g.randint(2, 15)),
    "town": lambda g: g.pick(_TOWNS),
    "name": lambda g: g.pick(_NAMES),
    "postcode": lambda g: g.pick(("N1 4AB", "M3 9QT", "B15 2TT", "LS6 1PA", "G12 8QQ")),
    "birthday": lambda g: f"{g.pick(_NTH)} of {g.pick(('May', 'July', 'October', 'January'))}",
    "secret": lambda g: g.pick(("the answer is Rover", "it's Smith", "it's Lisbon")),
}


class _Slots(dict[str, str]):
    """A call's slot values, drawn on first use."""

    def __init__(self, gen: _Generator) -> None:
        super().__init__()
        self.gen = gen

    def __missing__(self, key: str) -> str:
        value: str = _SLOT_MAKERS[key](self.gen)
        self[key] = value
        return value


@dataclass(slots=True)
class _Events:
    """What happens in a voice call's timing: an unannounced silence, an announced hold, an overlap."""

    dead_air: float = 0.0
    hold: float = 0.0
    hold_thanked: bool = True
    overtalk: str | None = None  # who cuts in


class _Generator:
    """One history: plans each day's first contacts, then makes the calls in offer order, scheduling each
    repeat as a later contact, and finally gives out ids in time order."""

    def __init__(self, options: GeneratorOptions, scale_calls: int | None = None) -> None:
        taxonomy = load_taxonomy(options.taxonomy)
        card = load_scorecard(options.scorecard)
        self.card_id = card.id
        self._repeat_debt: dict[str, float] = {}
        self.item_ids = [item.id for item in card.items]
        self.types = [t.id for t in taxonomy.types]
        _validate(options, self.types, self.item_ids)
        weights = np.array([_TYPE_WEIGHTS.get(t, 1.0) for t in self.types])
        self.shares = weights / weights.sum()
        if scale_calls is not None:
            options = replace(options, calls_per_day=self._calls_per_day_for(options, scale_calls))
        self.o = options
        self.inj = options.injections
        self.examples = {t.id: tuple(t.examples) or (t.description or t.id,) for t in taxonomy.types}
        self.rng = np.random.default_rng(options.seed)
        # Per-call draws go through Python's generator, seeded from the numpy one: numpy's scalar calls
        # cost microseconds each, which would dominate a 100k-call run.
        self.rnd = random.Random(int(self.rng.integers(2**63))).random
        self.agents = [f"agent-{i + 1:02d}" for i in range(options.agents)]
        self.team_of = {
            a: f"team-{chr(ord('a') + i * options.teams // options.agents)}"
            for i, a in enumerate(self.agents)
        }
        self.name_of = {a: _NAMES[i % len(_NAMES)] for i, a in enumerate(self.agents)}
        self.t0 = datetime(options.start.year, options.start.month, options.start.day, tzinfo=UTC).timestamp()
        self.end = self.t0 + options.days * 86400.0
        self.volume_scale = max(1.0, options.calls_per_day / 80.0)
        self.peak_windows = [(p * 3600.0 - 2700.0, p * 3600.0 + 2700.0) for p in options.peaks]  # ±45 min
        self.calls: list[SyntheticCall] = []
        self.call_ts: list[float] = []
        self.acd: list[AcdRecord] = []
        self.acd_call: list[int | None] = []  # index into self.calls of each ACD record's call

    # ---------------------------------------------------------------- draws

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.rnd()

    def randint(self, a: int, b: int) -> int:
        """An integer in [a, b]."""
        return a + int((b - a + 1) * self.rnd())

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(len(seq) * self.rnd())]

    def gauss(self, mu: float, sigma: float) -> float:
        # Box–Muller on our own uniforms keeps every draw on the one seeded stream.
        return mu + sigma * math.sqrt(-2.0 * math.log(1.0 - self.rnd())) * math.cos(
            2.0 * math.pi * self.rnd()
        )

    # ---------------------------------------------------------------- volume

    def _calls_per_day_for(self, options: GeneratorOptions, total: int) -> float:
        """calls_per_day that gives about ``total`` calls: first contacts (with the doubled week and the
        emerging topic) plus the chains of repeats they cause, less the repeats past the last day."""
        inj = options.injections
        factors = [_day_factor(options, d) for d in range(options.days)]
        noise = math.exp(0.08**2 / 2)  # mean of the daily volume's log-normal jitter
        p_res = float(
            sum(s * _prefix_lookup(_RESOLVE, t, 0.8) for t, s in zip(self.types, self.shares, strict=True))
        )
        agent = 1.0 + ((inj.high_repeat_factor - 1.0) / options.agents if inj.high_repeat_agent else 0.0)

        def repeat_share(p_resolved: float, days: int) -> float:
            p = options.repeat_rate * (0.45 * p_resolved + 2.9 * (1.0 - p_resolved)) * agent
            reach = max(0.0, 1.0 - 3.5 / max(1, days))  # repeats land 1–6 days later
            return 1.0 / (1.0 - min(0.95, p * reach))

        def expected(cpd: float) -> float:
            typed = cpd * noise * (1.0 - options.other_share) * sum(factors)
            if inj.doubling_type is not None:
                week = factors[(inj.doubling_week - 1) * 7 : inj.doubling_week * 7]
                share = float(self.shares[self.types.index(inj.doubling_type)])
                typed += (
                    cpd * noise * (1.0 - options.other_share) * share * (inj.doubling_factor - 1) * sum(week)
                )
            out = typed * repeat_share(p_res, options.days) + cpd * noise * options.other_share * sum(factors)
            if inj.emerging_topic is not None:
                days = options.days - inj.emerging_from_day + 1
                emerging = sum(inj.emerging_per_day) / 2 * max(1.0, cpd / 80.0) * days
                out += emerging * repeat_share(0.3, days)
            return out

        low, high = 0.01, float(max(total, 1))
        for _ in range(60):  # expected() grows with cpd: bisect
            mid = (low + high) / 2
            low, high = (mid, high) if expected(mid) < total else (low, mid)
        return (low + high) / 2

    # ---------------------------------------------------------------- time of day

    def _time_of_day(self) -> float:
        """Seconds after midnight: a morning and an afternoon peak over a flat base, within opening hours."""
        o = self.o
        lo, hi = o.open_hour * 3600.0, o.close_hour * 3600.0
        while True:
            u = self.rnd()
            if u < 0.4:
                t = self.gauss(o.peaks[0], 1.0) * 3600.0
            elif u < 0.75:
                t = self.gauss(o.peaks[1], 1.2) * 3600.0
            else:
                t = self.uniform(lo, hi)
            if lo <= t < hi:
                return float(round(t))

    def _is_peak(self, ts: float) -> bool:
        t = (ts - self.t0) % 86400.0
        (m_lo, m_hi), (a_lo, a_hi) = self.peak_windows
        return m_lo <= t <= m_hi or a_lo <= t <= a_hi

    # ---------------------------------------------------------------- the daily plan

    def plan(self) -> list[_Contact]:
        o, inj, rng = self.o, self.inj, self.rng
        doubled = self.types.index(inj.doubling_type) if inj.doubling_type is not None else -1
        week_lo = (inj.doubling_week - 1) * 7
        contacts: list[_Contact] = []
        for day in range(o.days):
            day_ts = self.t0 + day * 86400.0
            volume = o.calls_per_day * _day_factor(o, day) * float(np.exp(rng.normal(0.0, 0.08)))
            expected = volume * (1.0 - o.other_share) * self.shares
            if doubled >= 0 and week_lo <= day < week_lo + 7:
                expected[doubled] *= inj.doubling_factor
            # Stochastic rounding keeps each type's daily count within one of its expectation, so an
            # injected change is not lost in count noise.
            counts = np.floor(expected + rng.random(len(expected))).astype(int)
            for k in np.repeat(np.arange(len(self.types)), counts):
                contacts.append(_Contact(day_ts + self._time_of_day(), self.types[int(k)], None))
            for _ in range(math.floor(volume * o.other_share + rng.random())):
                contacts.append(_Contact(day_ts + self._time_of_day(), OTHER, _BACKGROUND))
            if inj.emerging_topic is not None and day >= inj.emerging_from_day - 1:
                low, high = inj.emerging_per_day
                n = max(low, round(int(rng.integers(low, high + 1)) * self.volume_scale))
                for _ in range(n):
                    contacts.append(_Contact(day_ts + self._time_of_day(), OTHER, inj.emerging_topic))
        contacts.sort(key=lambda c: c.offered)  # stable: ties keep plan order
        for i, c in enumerate(contacts):
            c.customer_id = f"cust-{i + 1:06d}"  # every first contact is a new customer
        return contacts

    # ---------------------------------------------------------------- one call

    def _reason(self, contact: _Contact, slots: _Slots) -> tuple[str, int | None]:
        if contact.topic == _BACKGROUND:
            return self.pick(_BACKGROUND_TEMPLATES).format_map(slots), None
        if contact.topic is not None:
            templates = self.inj.emerging_templates
            k = contact.template if contact.template is not None else self.randint(0, len(templates) - 1)
            if self.rnd() < 0.5:  # a repeat may put it differently, but it is the same matter
                k = self.randint(0, len(templates) - 1)
            return templates[k].format_map(slots), k
        own = _OWN_TEMPLATES.get(contact.contact_type, ())
        if own and self.rnd() < 0.5:
            return self.pick(own).format_map(slots), None
        return self.pick(self.examples[contact.contact_type]), None

    def make_call(self, contact: _Contact) -> tuple[SyntheticCall, float, float]:
        """The call for a contact; also when its repeat is offered (0 for none) and the wait."""
        o, inj, rnd = self.o, self.inj, self.rnd
        ctype, topic = contact.contact_type, contact.topic
        emerging = topic is not None and topic != _BACKGROUND
        group = ctype.split(".", 1)[0] if ctype != OTHER else OTHER
        is_repeat = contact.repeat_of is not None
        channel = "chat" if rnd() < o.chat_share else "voice"
        agent = self.pick(self.agents)

        # Outcome, repeat and mood: unresolved calls are repeated more and end unhappier.
        if emerging:
            p_resolved, mood = 0.3, -0.35  # a new problem the agents have no fix for yet
        elif ctype == OTHER:
            p_resolved, mood = 0.85, 0.0
        else:
            p_resolved, mood = _prefix_lookup(_RESOLVE, ctype, 0.8), _prefix_lookup(_MOOD, ctype, 0.0)
        if is_repeat:
            p_resolved -= 0.1
        resolved = rnd() < p_resolved
        p_repeat = o.repeat_rate * (0.45 if resolved else 2.9)
        if agent == inj.high_repeat_agent:
            p_repeat *= inj.high_repeat_factor
        wait = self._wait(contact.offered) if channel == "voice" else 0.0
        started = contact.offered + wait
        repeat_at = 0.0
        if (ctype != OTHER or emerging) and self._draw_repeat(agent, min(0.95, p_repeat)):  # one-offs: never
            day = math.floor((started - self.t0) / 86400.0) + self.randint(1, 6)
            at = self.t0 + day * 86400.0 + self._time_of_day()
            # Only repeats inside the history exist, so the truth can always be checked against it.
            repeat_at = at if at < self.end else 0.0
        repeated = repeat_at > 0.0
        start_mood = _clip(mood - (0.2 if is_repeat else 0.0) + self.gauss(0.0, 0.2))
        end_mood = start_mood + (0.5 if resolved else -0.2) - (0.15 if repeated else 0.0)
        end_mood = _clip(end_mood + self.gauss(0.0, 0.2))
        polarity = round(_clip(0.35 * start_mood + 0.65 * end_mood), 3)
        sentiment = "negative" if polarity <= -0.2 else "positive" if polarity >= 0.2 else "neutral"
        feeling = start_mood < -0.3

        slots = _Slots(self)
        reason, contact.template = self._reason(contact, slots)
        opener = self.pick(_OPENERS)
        if not opener:  # the reason opens the turn; it stays verbatim in the turn either way
            reason = reason[0].upper() + reason[1:]
        qa = self._qa(agent, ctype, resolved, feeling, emerging)
        events = self._events(agent, channel, feeling)
        lines = self._lines(
            contact, agent, channel, group, opener + reason, slots, qa, events, resolved, end_mood
        )
        turns, agent_cut_in = self._time(lines, channel, events)
        if agent_cut_in:
            qa["courtesy"] = "no"  # talking over the customer
        qa["hold_etiquette"] = self._hold_answer(agent, events)
        answers = {k: qa[k] if k in qa else ("yes" if rnd() < 0.9 else "no") for k in self.item_ids}
        duration = round(turns[-1].end + self.uniform(0.5, 2.0), 2)
        # What a classifier might report: below a typical threshold for reasons outside the taxonomy.
        confidence = self.uniform(0.15, 0.45) if ctype == OTHER else self.uniform(0.55, 0.98)
        call = SyntheticCall(
            call_id="",
            started_at=_utc(started),
            channel=channel,
            queue=o.queues.get(group, "support"),
            agent_id=agent,
            team=self.team_of[agent],
            customer_id=contact.customer_id,
            contact_type=ctype,
            contact_type_confidence=round(confidence, 3),
            reason=reason,
            sentiment=sentiment,
            sentiment_polarity=polarity,
            sentiment_start=round(start_mood, 3),
            sentiment_end=round(end_mood, 3),
            resolved=resolved,
            repeat_call=repeated,
            turns=turns,
            duration_s=duration,
            qa_answers=answers,
            topic=topic,
        )
        return call, repeat_at, wait

    def _draw_repeat(self, agent: str, p: float) -> bool:
        """Systematic sampling per agent: the repeats an agent's calls lead to add up to the sum of
        their probabilities (±1), so an injected rate shows in a month of a few hundred calls, not
        just on average over many months."""
        debt = self._repeat_debt.get(agent, self.rnd()) + p
        self._repeat_debt[agent] = debt - 1.0 if debt >= 1.0 else debt
        return debt >= 1.0

    def _wait(self, offered: float) -> float:
        """Shaped like Erlang C: most contacts find an agent free (answered within a few seconds);
        the rest queue for an exponential time. Peaks queue more, so service level dips there
        (about 87% within 20 s off-peak, about 60% at the peaks)."""
        queued, mean = (0.55, 60.0) if self._is_peak(offered) else (0.25, 30.0)
        if self.rnd() >= queued:
            return float(round(5.0 * self.rnd()))
        return float(min(600, round(-mean * math.log(1.0 - self.rnd()))))

    def _qa(self, agent: str, ctype: str, resolved: bool, feeling: bool, emerging: bool) -> dict[str, str]:
        """The QA answers but hold etiquette, decided first; the turns are then written to match them."""
        o, inj, rnd = self.o, self.inj, self.rnd
        gap_item = inj.training_gap_item if agent == inj.training_gap else None

        def answer(item: str, p_no: float, applies: bool = True) -> str:
            if not applies:
                return "na"
            if item == gap_item:
                p_no = inj.training_gap_no_rate
            return "no" if rnd() < p_no else "yes"

        # The emerging topic is about the customer's own line; background one-offs touch no account.
        account = (ctype != OTHER and not ctype.startswith(_NO_ACCOUNT)) or emerging
        return {
            "greeting": answer("greeting", 0.05),
            "verify_identity": answer("verify_identity", o.verify_no_rate, account),
            "understand_need": answer("understand_need", 0.10),
            "empathy": answer("empathy", 0.20, feeling),
            "accurate_information": answer("accurate_information", 0.04, rnd() >= 0.08),
            "resolution_steps": answer("resolution_steps", 0.0 if resolved else 0.35),
            "courtesy": answer("courtesy", 0.03),
            "no_sensitive_data_spoken": answer("no_sensitive_data_spoken", 0.02),
            "confirm_resolution": answer("confirm_resolution", 0.12 if resolved else 0.3),
            "offer_further_help": answer("offer_further_help", 0.12),
            "closing": answer("closing", 0.05),
        }

    def _events(self, agent: str, channel: str, feeling: bool) -> _Events:
        o, inj, rnd = self.o, self.inj, self.rnd
        events = _Events()
        if channel != "voice":
            return events
        p_dead, (low, high) = o.dead_air_probability, o.dead_air_seconds
        if agent == inj.dead_air_agent:
            p_dead, (low, high) = inj.dead_air_agent_probability, inj.dead_air_agent_seconds
        if rnd() < p_dead:
            events.dead_air = round(self.uniform(low, high), 2)
        if rnd() < o.hold_probability:
            events.hold = round(self.uniform(30.0, 150.0), 2)
            events.hold_thanked = rnd() < 0.9
        if rnd() < 0.12 + (0.13 if feeling else 0.0):
            events.overtalk = "customer" if rnd() < 0.75 else "agent"  # mostly the customer cuts in
        return events

    def _hold_answer(self, agent: str, events: _Events) -> str:
        inj = self.inj
        if events.dead_air:
            return "no"  # went silent without asking
        if not events.hold:
            return "na"
        if agent == inj.training_gap and inj.training_gap_item == "hold_etiquette":
            return "no" if self.rnd() < inj.training_gap_no_rate else "yes"
        return "yes" if events.hold_thanked else "no"

    def _lines(
        self,
        contact: _Contact,
        agent: str,
        channel: str,
        group: str,
        said: str,
        slots: _Slots,
        qa: dict[str, str],
        events: _Events,
        resolved: bool,
        end_mood: float,
    ) -> list[tuple[str, str, float]]:
        """(speaker, text, silence before it) for each turn, written to match the QA answers."""
        name, company, rnd, pick = self.name_of[agent], self.o.company, self.rnd, self.pick
        lines: list[tuple[str, str, float]] = []
        if qa["greeting"] == "yes":
            greet = _CHAT_GREETING if channel == "chat" else pick(_GREETINGS)
            lines.append(("agent", greet.format(name=name, company=company), 0.0))
        else:
            lines.append(("agent", pick(_BARE_GREETINGS), 0.0))

        text = said if said.endswith((".", "?", "!")) else said + "."
        if contact.repeat_of is not None and rnd() < 0.6:
            text += " " + pick(_FOLLOW_UP).format_map(slots)
        if qa["empathy"] != "na":  # the customer said how they feel
            text += " " + pick(_FEELINGS)
        if group in _DETAILS and rnd() < 0.35:
            text += " " + pick(_DETAILS[group]).format_map(slots)
        lines.append(("customer", text, 0.0))

        parts: list[str] = []
        if qa["empathy"] == "yes":
            parts.append(pick(_EMPATHY))
        if qa["understand_need"] == "yes":
            parts.append(
                f"So if I understand correctly, {_RESTATE.get(group, 'you need some help with that')}."
            )
        reply = ""
        if qa["verify_identity"] == "yes":
            ask, reply = pick(_VERIFY)
            parts.append(ask)
        elif qa["verify_identity"] == "no":
            parts.append("Let me pull up your account and take a look.")
        if parts:
            lines.append(("agent", " ".join(parts), 0.0))
        if reply:
            lines.append(("customer", reply.format_map(slots), 0.0))
        if qa["no_sensitive_data_spoken"] == "no":
            lines.append(("agent", _CARD_READ_OUT, 0.0))
        if events.hold:
            lines.append(("agent", pick(_HOLD_ASKS), 0.0))
        elif len(lines) < 5 and rnd() < 0.3:
            lines.append(("customer", "It's been like this since {weekday}.".format_map(slots), 0.0))

        if qa["resolution_steps"] == "no":
            fix = pick(_VAGUE)
        elif contact.topic not in (None, _BACKGROUND):
            fix = (_EMERGING_RESOLVED if resolved else _EMERGING_NEXT).format_map(slots)
        elif resolved:
            fix = _RESOLVED.get(group, _RESOLVED_DEFAULT).format_map(slots)
        else:
            fix = _NEXT_STEP.format_map(slots)
        words = ["Thank you for holding."] if events.hold and events.hold_thanked else []
        words.append(fix[0].upper() + fix[1:] + ".")
        if qa["confirm_resolution"] == "yes":
            words.append(_CONFIRM_DONE if resolved else _CONFIRM_NEXT)
        if qa["offer_further_help"] == "yes":
            words.append("Is there anything else I can help you with today?")
        # The agent looks it up: on hold, or in silence.
        lines.append(("agent", " ".join(words), events.hold or events.dead_air))

        mood = _PLEASED if end_mood >= 0.2 else _NEUTRAL if end_mood > -0.2 else _DISPLEASED
        react = pick(mood) + (" No, that's everything." if qa["offer_further_help"] == "yes" else "")
        lines.append(("customer", react, 0.0))
        closing = _CLOSING if qa["closing"] == "yes" else "Okay, bye."
        lines.append(("agent", closing.format(company=company), 0.0))
        return lines

    def _time(
        self, lines: list[tuple[str, str, float]], channel: str, events: _Events
    ) -> tuple[list[Turn], bool]:
        """Give each line a start and end: speaking time from its length, short gaps, the given silences
        and at most one overlap where the chosen party cuts in. Also whether the agent cut in."""
        rnd = self.rnd
        cut_in = -1
        if events.overtalk is not None:
            can = [
                i
                for i in range(1, len(lines))
                if lines[i][0] == events.overtalk and lines[i - 1][0] != events.overtalk and not lines[i][2]
            ]
            cut_in = self.pick(can) if can else -1
        turns: list[Turn] = []
        clock = 0.0
        chat = channel == "chat"
        pace = 0.32 + 0.1 * rnd()  # seconds a word, this call
        for i, (speaker, text, silence) in enumerate(lines):
            n_words = text.count(" ") + 1
            if chat:
                start = clock + 3.0 + 17.0 * rnd() + silence  # reading and typing
                length = 0.5 + n_words * 0.25
            elif i == cut_in:
                prev = turns[-1]
                start = max(prev.start + 0.5, prev.end - 0.4 - 1.1 * rnd())
                length = 0.3 + n_words * pace
            else:
                start = clock + 0.2 + rnd() + silence
                length = 0.3 + n_words * pace
            end = start + length
            turns.append(Turn(speaker=speaker, start=round(start, 2), end=round(end, 2), text=text))
            clock = max(clock, end)
        return turns, cut_in > 0 and events.overtalk == "agent"

    # ---------------------------------------------------------------- ACD side

    def _abandons_and_blocks(self, offered: float, queue: str) -> None:
        o, rnd = self.o, self.rnd
        peak = self._is_peak(offered)
        rate = o.abandon_rate[1] if peak else o.abandon_rate[0]
        if rnd() < rate / (1.0 - rate):  # per answered contact, so it is a share of all offered
            at = self._near(offered, 300.0)
            # About a third hang up within 10 s (short abandons); the rest wait about a minute more.
            patience = self.uniform(1.0, 10.0) if rnd() < 0.3 else 10.0 - 60.0 * math.log(1.0 - rnd())
            self.acd.append(
                AcdRecord(queue=queue, offered_at=_utc(at), abandoned_at=_utc(at + round(patience)))
            )
            self.acd_call.append(None)
        weekday = (self.o.start + timedelta(days=math.floor((offered - self.t0) / 86400.0))).weekday() < 5
        if peak and weekday and rnd() < o.blocked_rate:
            self.acd.append(AcdRecord(queue=queue, offered_at=_utc(self._near(offered, 60.0)), blocked=True))
            self.acd_call.append(None)

    def _near(self, ts: float, spread: float) -> float:
        """A time within spread seconds of ts, kept inside the same day's opening hours."""
        day0 = self.t0 + math.floor((ts - self.t0) / 86400.0) * 86400.0
        lo, hi = day0 + self.o.open_hour * 3600.0, day0 + self.o.close_hour * 3600.0 - 1.0
        return float(round(min(hi, max(lo, ts + self.uniform(-spread, spread)))))

    # ---------------------------------------------------------------- the whole history

    def run(self) -> SyntheticHistory:
        heap = [(c.offered, seq, c) for seq, c in enumerate(self.plan())]
        seq = len(heap)
        heapq.heapify(heap)
        while heap:
            _, _, contact = heapq.heappop(heap)
            call, repeat_at, wait = self.make_call(contact)
            index = len(self.calls)
            self.calls.append(call)
            self.call_ts.append(contact.offered + wait)
            if call.channel == "voice":
                self.acd.append(
                    AcdRecord(
                        queue=call.queue,
                        offered_at=_utc(contact.offered),
                        answered_at=call.started_at,
                        handle_s=round(call.duration_s + self.uniform(15.0, 60.0), 1),  # + wrap-up
                        agent_id=call.agent_id,
                    )
                )
                self.acd_call.append(index)
                self._abandons_and_blocks(contact.offered, call.queue)
            if repeat_at:
                later = _Contact(repeat_at, contact.contact_type, contact.topic, contact.customer_id, index)
                later.template = contact.template
                heapq.heappush(heap, (repeat_at, seq, later))
                seq += 1
            if contact.repeat_of is not None:
                call.repeat_of = str(contact.repeat_of)  # an index until the ids are given out

        # Ids follow start (calls) and offer (ACD) order, so a history reads in time order.
        order = sorted(range(len(self.calls)), key=lambda i: (self.call_ts[i], i))
        for n, i in enumerate(order):
            self.calls[i].call_id = f"gen-{n + 1:06d}"
        for call in self.calls:
            if call.repeat_of is not None:
                call.repeat_of = self.calls[int(call.repeat_of)].call_id
        offered = [r.offered_at.timestamp() for r in self.acd]
        acd = [self.acd[i] for i in sorted(range(len(self.acd)), key=lambda i: (offered[i], i))]
        for n, record in enumerate(acd):
            record.contact_id = f"acd-{n + 1:07d}"
        for record, linked in zip(self.acd, self.acd_call, strict=True):
            if linked is not None:
                record.call_id = self.calls[linked].call_id
        return SyntheticHistory(
            calls=[self.calls[i] for i in order], acd=acd, options=self.o, truth=self.truth()
        )

    def truth(self) -> dict[str, Any]:
        o, inj = self.o, self.inj
        day = o.start.isoformat
        truth: dict[str, Any] = {
            "seed": o.seed,
            "scorecard": self.card_id,
            "first_day": day(),
            "last_day": (o.start + timedelta(days=o.days - 1)).isoformat(),
            "days": o.days,
            "calls_per_day": o.calls_per_day,
            "agents": dict(self.team_of),
            "queues": dict(o.queues),
            "repeat_rate": o.repeat_rate,
            "background_other_share": o.other_share,
            "doubling": None,
            "emerging_topic": None,
            "high_repeat_agent": None,
            "training_gap": None,
            "dead_air_agent": None,
        }
        if inj.doubling_type is not None:
            first = o.start + timedelta(days=(inj.doubling_week - 1) * 7)
            truth["doubling"] = {
                "contact_type": inj.doubling_type,
                "week": inj.doubling_week,
                "first_day": first.isoformat(),
                "last_day": (first + timedelta(days=6)).isoformat(),
                "factor": inj.doubling_factor,
            }
        if inj.emerging_topic is not None:
            truth["emerging_topic"] = {
                "topic": inj.emerging_topic,
                "contact_type": OTHER,
                "first_day": (o.start + timedelta(days=inj.emerging_from_day - 1)).isoformat(),
                "day": inj.emerging_from_day,
                "per_day": [round(n * self.volume_scale) for n in inj.emerging_per_day],
                "templates": list(inj.emerging_templates),
                "keywords": list(_EMERGING_KEYWORDS) if inj.emerging_templates == EMERGING_TEMPLATES else [],
            }
        if inj.high_repeat_agent is not None:
            truth["high_repeat_agent"] = {
                "agent_id": inj.high_repeat_agent,
                "factor": inj.high_repeat_factor,
                "repeat_rate": round(o.repeat_rate * inj.high_repeat_factor, 4),
                "others": o.repeat_rate,
            }
        if inj.training_gap is not None:
            truth["training_gap"] = {
                "agent_id": inj.training_gap,
                "item": inj.training_gap_item,
                "no_rate": inj.training_gap_no_rate,
                "others": o.verify_no_rate if inj.training_gap_item == "verify_identity" else None,
            }
        if inj.dead_air_agent is not None:
            truth["dead_air_agent"] = {
                "agent_id": inj.dead_air_agent,
                "probability": inj.dead_air_agent_probability,
                "seconds": list(inj.dead_air_agent_seconds),
                "others": {"probability": o.dead_air_probability, "seconds": list(o.dead_air_seconds)},
            }
        return truth


def generate_history(
    options: GeneratorOptions | None = None, *, scale_calls: int | None = None
) -> SyntheticHistory:
    """Generate a history. ``scale_calls`` replaces ``calls_per_day`` so that about that many calls come
    out over ``options.days`` (the storage benchmark asks for 100,000 over 28 days)."""
    if scale_calls is not None and scale_calls <= 0:
        raise InvalidInput(f"scale_calls must be a positive number of calls (got {scale_calls})")
    generator = _Generator(options or GeneratorOptions(), scale_calls)
    # Millions of small objects and none of them garbage: the cyclic collector's passes over them would
    # cost a quarter of a large run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return generator.run()
    finally:
        if enabled:
            gc.enable()


def write_history(history: SyntheticHistory, folder: Path) -> tuple[Path, Path]:
    """Write ``calls.jsonl`` (one FORMATS §1 labeled call a line) and ``acd.csv`` into folder."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(
            f"cannot create the output folder {folder}: {exc.strerror}; choose another --out"
        ) from exc
    calls_path, acd_path = folder / "calls.jsonl", folder / "acd.csv"
    with calls_path.open("w", encoding="utf-8") as out:
        for call in history.calls:
            out.write(json.dumps(call.to_labeled_call(), ensure_ascii=False))
            out.write("\n")
    write_acd_csv(history.acd, acd_path)
    return calls_path, acd_path
