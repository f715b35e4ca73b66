"""The generated history: deterministic for a seed, realistic in shape, and carrying exactly the injected
trends its truth describes."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from analytics.acd import ACD_COLUMNS, read_acd_csv
from analytics.synthetic import (
    GeneratorOptions,
    Injections,
    SyntheticCall,
    SyntheticHistory,
    generate_history,
    write_history,
)
from asr import Turn
from common.errors import InvalidInput
from common.formats import load_labeled_calls
from qa_models import CallRecord, RepeatOptions, load_default_scorecard, measure_repeats

START = date(2026, 3, 2)
NO_INJECTIONS = Injections(
    doubling_type=None, emerging_topic=None, high_repeat_agent=None, training_gap=None, dead_air_agent=None
)


@pytest.fixture(scope="module")
def history() -> SyntheticHistory:
    return generate_history()


def day_of(call: SyntheticCall) -> int:
    return (call.started_at.date() - START).days


def repeat_rates(calls: list[SyntheticCall], agent: str) -> tuple[float, float]:
    """The truth repeat rate of one agent's calls and of everyone else's."""
    mine = [c.repeat_call for c in calls if c.agent_id == agent]
    rest = [c.repeat_call for c in calls if c.agent_id != agent]
    return sum(mine) / len(mine), sum(rest) / len(rest)


def is_hold_ask(turn: Turn) -> bool:
    return turn.speaker == "agent" and "put you on hold" in turn.text


def silences(call: SyntheticCall) -> list[float]:
    """The quiet before each turn (from the latest end so far) that follows no announced hold."""
    turns = call.turns
    out = []
    for i in range(1, len(turns)):
        if not is_hold_ask(turns[i - 1]):
            out.append(turns[i].start - max(t.end for t in turns[:i]))
    return out


# ------------------------------------------------------------------------------ determinism and shape


def test_the_same_seed_gives_the_same_history_and_another_seed_a_different_one() -> None:
    options = GeneratorOptions(days=21, calls_per_day=30)
    a, b = generate_history(options), generate_history(options)
    assert [c.to_labeled_call() for c in a.calls] == [c.to_labeled_call() for c in b.calls]
    assert a.acd == b.acd
    assert a.truth == b.truth
    other = generate_history(replace(options, seed=8))
    assert [c.to_labeled_call() for c in other.calls] != [c.to_labeled_call() for c in a.calls]
    assert len({c.started_at for c in other.calls} & {c.started_at for c in a.calls}) < len(a.calls) // 4


def test_volumes_channels_agents_and_queues_are_in_range(history: SyntheticHistory) -> None:
    calls = history.calls
    # 20 weekdays × 80 + 8 weekend days × 32 first contacts, plus repeats, the doubled week and the topic.
    assert 2000 <= len(calls) <= 2500
    assert [c.call_id for c in calls] == [f"gen-{i + 1:06d}" for i in range(len(calls))]
    assert all(a.started_at <= b.started_at for a, b in pairwise(calls))
    assert all(c.started_at.tzinfo is not None and c.started_at.utcoffset() == timedelta(0) for c in calls)
    assert {day_of(c) for c in calls} == set(range(28))
    assert all(8 <= c.started_at.hour < 20 for c in calls if c.channel == "chat")
    per_day = Counter(day_of(c) for c in calls)
    weekdays = [per_day[d] for d in range(28) if (START + timedelta(days=d)).weekday() < 5]
    weekends = [per_day[d] for d in range(28) if (START + timedelta(days=d)).weekday() >= 5]
    assert 0.3 < (sum(weekends) / len(weekends)) / (sum(weekdays) / len(weekdays)) < 0.6
    hours = Counter(c.started_at.hour for c in calls)
    assert hours[10] > 2 * hours[8] and hours[14] > 2 * hours[19]  # the morning and afternoon peaks
    chat = sum(c.channel == "chat" for c in calls) / len(calls)
    assert 0.06 < chat < 0.14
    assert {c.agent_id for c in calls} == {f"agent-{i:02d}" for i in range(1, 13)}
    assert {c.agent_id: c.team for c in calls} == history.truth["agents"]
    assert Counter(history.truth["agents"].values()) == {"team-a": 4, "team-b": 4, "team-c": 4}
    assert {c.queue for c in calls} == {"billing", "support", "sales", "retention"}
    assert all(c.queue == "billing" for c in calls if c.contact_type.startswith(("billing.", "payments.")))
    background = [c for c in calls if c.topic == "background"]
    assert 0.015 < len(background) / len(calls) < 0.045
    assert len({c.reason for c in background}) >= 10  # scattered one-offs, not a topic
    assert all(c.contact_type == "other" for c in background)
    assert len({c.contact_type for c in calls}) >= 40
    assert {c.sentiment for c in calls} == {"negative", "neutral", "positive"}


def test_turns_are_time_ordered_within_the_call_and_carry_the_reason(history: SyntheticHistory) -> None:
    overlaps = holds = dead_air = 0
    for call in history.calls:
        turns = call.turns
        assert 5 <= len(turns) <= 9
        assert all(t.speaker in ("agent", "customer") and t.text and not t.words for t in turns)
        assert all(0 <= t.start < t.end <= call.duration_s for t in turns)
        assert all(a.start <= b.start for a, b in pairwise(turns))
        assert turns[0].speaker == "agent"
        assert any(t.speaker == "customer" and call.reason in t.text for t in turns[:3])
        overlaps += any(b.start < a.end for a, b in pairwise(turns))
        for a, b in pairwise(turns):
            if is_hold_ask(a):
                assert b.start - a.end >= 30 and b.speaker == "agent"
                holds += "thank you for holding" in b.text.lower()
        dead_air += any(s >= 5 for s in silences(call)) and call.channel == "voice"
    n = len(history.calls)
    assert 0.05 * n < overlaps < 0.3 * n
    assert 0.1 * n < holds < 0.3 * n
    assert 0.1 * n < dead_air < 0.35 * n


def test_qa_answers_cover_the_scorecard_and_match_the_turns(history: SyntheticHistory) -> None:
    items = [item.id for item in load_default_scorecard().items]
    assert len(items) == 12
    for call in history.calls:
        assert list(call.qa_answers) == items
        assert set(call.qa_answers.values()) <= {"yes", "no", "na"}
        agent_text = " ".join(t.text for t in call.turns if t.speaker == "agent")
        named = "Northwind" in call.turns[0].text
        assert (call.qa_answers["greeting"] == "yes") == named
        announced = "put you on hold" in agent_text
        if call.qa_answers["hold_etiquette"] == "yes":
            assert announced and "Thank you for holding" in agent_text
        if call.qa_answers["hold_etiquette"] == "na":
            assert not announced
            assert call.channel == "chat" or all(s < 5 for s in silences(call))
        if call.qa_answers["offer_further_help"] == "yes":
            assert "anything else I can help you with" in agent_text
        if call.channel == "chat":
            assert call.qa_answers["hold_etiquette"] == "na"
    answers = Counter(call.qa_answers["greeting"] for call in history.calls)
    assert 0.02 < answers["no"] / len(history.calls) < 0.09


def test_sentiment_follows_contact_type_and_repeats(history: SyntheticHistory) -> None:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    complaints = [c.sentiment_polarity for c in history.calls if c.contact_type.startswith("complaints.")]
    information = [
        c.sentiment_polarity for c in history.calls if c.contact_type.startswith("general_information.")
    ]
    assert mean(complaints) < mean(information) - 0.3
    repeats = [c.sentiment_polarity for c in history.calls if c.repeat_of is not None]
    firsts = [c.sentiment_polarity for c in history.calls if c.repeat_of is None]
    assert mean(repeats) < mean(firsts) - 0.1
    for call in history.calls:
        expected = (
            "negative"
            if call.sentiment_polarity <= -0.2
            else "positive"
            if call.sentiment_polarity >= 0.2
            else "neutral"
        )
        assert call.sentiment == expected
        assert -1 <= call.sentiment_start <= 1 and -1 <= call.sentiment_end <= 1
    resolved = [c.sentiment_end for c in history.calls if c.resolved]
    unresolved = [c.sentiment_end for c in history.calls if not c.resolved]
    assert mean(resolved) > mean(unresolved) + 0.4


# ------------------------------------------------------------------------------ the injected trends


def test_the_doubled_type_doubles_in_week_three_then_returns(history: SyntheticHistory) -> None:
    doubling = history.truth["doubling"]
    assert doubling == {
        "contact_type": "billing.double_charge",
        "week": 3,
        "first_day": "2026-03-16",
        "last_day": "2026-03-22",
        "factor": 2.0,
    }
    weeks = Counter(day_of(c) // 7 for c in history.calls if c.contact_type == "billing.double_charge")
    assert 1.6 <= weeks[2] / weeks[1] <= 2.6
    # First contacts go back to the base share; the doubled week's repeats still spill into week 4.
    firsts = Counter(
        day_of(c) // 7 for c in history.calls if c.contact_type == "billing.double_charge" and not c.repeat_of
    )
    assert 0.7 <= firsts[3] / firsts[1] <= 1.4
    assert 0.7 <= firsts[0] / firsts[1] <= 1.4
    assert weeks[1] >= 15
    double = [c for c in history.calls if c.contact_type == "billing.double_charge"]
    assert len({c.reason for c in double}) >= 20  # own templates with slots, not seven sentences


def test_without_injections_the_trends_are_absent() -> None:
    plain = generate_history(GeneratorOptions(calls_per_day=150, injections=NO_INJECTIONS))
    assert all(
        plain.truth[k] is None for k in ("doubling", "emerging_topic", "high_repeat_agent", "training_gap")
    )
    assert not any(c.topic not in (None, "background") for c in plain.calls)
    weeks = Counter(day_of(c) // 7 for c in plain.calls if c.contact_type == "billing.double_charge")
    assert 0.7 <= weeks[2] / weeks[1] <= 1.4
    mine, rest = repeat_rates(plain.calls, "agent-07")
    assert 0.6 <= mine / rest <= 1.5
    verify = [c for c in plain.calls if c.agent_id == "agent-03" and c.qa_answers["verify_identity"] != "na"]
    assert sum(c.qa_answers["verify_identity"] == "no" for c in verify) / len(verify) < 0.12


def test_the_emerging_topic_starts_on_its_day(history: SyntheticHistory) -> None:
    truth = history.truth["emerging_topic"]
    assert truth["first_day"] == "2026-03-16" and truth["day"] == 15 and truth["contact_type"] == "other"
    assert len(truth["templates"]) == 8 and "qr code" in truth["keywords"]
    topic = [c for c in history.calls if c.topic == truth["topic"]]
    assert all(c.contact_type == "other" for c in topic)
    # Found by its words as well, so no other traffic mentions it before it starts.
    by_words = [c for c in history.calls if "QR code" in c.reason or "qr code" in c.reason.lower()]
    assert {c.call_id for c in by_words} == {c.call_id for c in topic}
    per_day = Counter(day_of(c) for c in topic)
    assert all(per_day[d] == 0 for d in range(14))
    assert all(per_day[d] >= 4 for d in range(14, 28))
    assert len({c.reason for c in topic}) >= 30  # paraphrases with slots
    assert {c.queue for c in topic} == {"support"}


def test_the_high_repeat_agents_calls_are_repeated_twice_as_often(history: SyntheticHistory) -> None:
    truth = history.truth["high_repeat_agent"]
    assert truth["agent_id"] == "agent-07" and truth["factor"] == 2.0
    mine, rest = repeat_rates(history.calls, "agent-07")
    assert 1.5 <= mine / rest <= 2.8
    assert 0.08 <= rest <= 0.2


def test_every_repeat_is_a_real_later_call_and_the_repeat_rule_agrees(history: SyntheticHistory) -> None:
    by_customer: dict[str, list[SyntheticCall]] = defaultdict(list)
    for call in history.calls:
        by_customer[call.customer_id].append(call)
    by_id = {c.call_id: c for c in history.calls}
    for call in history.calls:
        later = [
            c
            for c in by_customer[call.customer_id]
            if call.started_at < c.started_at <= call.started_at + timedelta(days=7)
        ]
        assert call.repeat_call == any(c.contact_type == call.contact_type for c in later)
        if call.repeat_of is not None:
            first = by_id[call.repeat_of]
            assert first.repeat_call and first.customer_id == call.customer_id
            assert first.contact_type == call.contact_type
            assert timedelta(hours=12) < call.started_at - first.started_at < timedelta(days=7)
    assert sum(c.repeat_call for c in history.calls) == sum(c.repeat_of is not None for c in history.calls)
    # The analytics' own repeat rule, fed the labeled calls, finds the same repeats.
    records = [CallRecord.from_dict(c.to_labeled_call()) for c in history.calls]
    marks = measure_repeats(records, RepeatOptions(related="same"))
    assert [m.repeated for m in marks] == [c.repeat_call for c in history.calls]


def test_the_training_gap_agent_skips_verification(history: SyntheticHistory) -> None:
    assert history.truth["training_gap"]["agent_id"] == "agent-03"
    rates = {}
    for agent in ("agent-03", "others"):
        calls = [
            c
            for c in history.calls
            if (c.agent_id == "agent-03") == (agent == "agent-03") and c.qa_answers["verify_identity"] != "na"
        ]
        rates[agent] = sum(c.qa_answers["verify_identity"] == "no" for c in calls) / len(calls)
    assert 0.28 <= rates["agent-03"] <= 0.52
    assert rates["others"] <= 0.09
    skipped = [c for c in history.calls if c.qa_answers["verify_identity"] == "no"]
    for call in skipped:
        agent_text = " ".join(t.text for t in call.turns if t.speaker == "agent")
        assert not any(ask in agent_text for ask in ("date of birth", "postcode", "security question"))


def test_the_dead_air_agent_has_longer_silences(history: SyntheticHistory) -> None:
    assert history.truth["dead_air_agent"]["agent_id"] == "agent-11"

    def share_and_length(mine: bool) -> tuple[float, float]:
        calls = [c for c in history.calls if c.channel == "voice" and (c.agent_id == "agent-11") == mine]
        longest = [max(silences(c)) for c in calls]
        with_dead_air = [s for s in longest if s >= 5]
        return len(with_dead_air) / len(calls), sum(with_dead_air) / len(with_dead_air)

    share, length = share_and_length(True)
    others_share, others_length = share_and_length(False)
    assert share > 2.5 * others_share
    assert length > 2 * others_length


# ------------------------------------------------------------------------------ ACD records


def test_acd_records_are_consistent_and_linked(history: SyntheticHistory) -> None:
    by_id = {c.call_id: c for c in history.calls}
    linked = Counter(r.call_id for r in history.acd if r.call_id)
    assert set(linked) == {c.call_id for c in history.calls if c.channel == "voice"}
    assert set(linked.values()) == {1}
    assert [r.contact_id for r in history.acd] == [f"acd-{i + 1:07d}" for i in range(len(history.acd))]
    assert all(a.offered_at <= b.offered_at for a, b in pairwise(history.acd))
    outcomes: Counter[str] = Counter()
    for r in history.acd:
        assert r.offered_at.tzinfo is not None
        assert sum((r.answered_at is not None, r.abandoned_at is not None, r.blocked)) == 1
        if r.answered_at is not None:
            call = by_id[r.call_id or ""]
            assert r.offered_at <= r.answered_at == call.started_at
            assert r.agent_id == call.agent_id and r.queue == call.queue
            assert r.handle_s is not None and call.duration_s + 15 <= r.handle_s <= call.duration_s + 60.1
            outcomes["answered"] += 1
        elif r.abandoned_at is not None:
            assert r.offered_at <= r.abandoned_at and r.call_id is None and r.agent_id is None
            outcomes["short" if (r.abandoned_at - r.offered_at).total_seconds() <= 10 else "abandoned"] += 1
        else:
            assert r.call_id is None and r.offered_at.weekday() < 5
            hour = r.offered_at.hour + r.offered_at.minute / 60
            assert abs(hour - 10.5) <= 0.8 or abs(hour - 14.5) <= 0.8  # at the peaks
            outcomes["blocked"] += 1
        assert 8 <= r.offered_at.hour < 20
    abandoned = outcomes["short"] + outcomes["abandoned"]
    assert 0.03 < abandoned / len(history.acd) < 0.1
    assert 0.15 < outcomes["short"] / abandoned < 0.5
    assert 1 <= outcomes["blocked"] <= 30
    waits = [(r.answered_at - r.offered_at).total_seconds() for r in history.acd if r.answered_at]
    assert 15 < sum(waits) / len(waits) < 60


# ------------------------------------------------------------------------------ files and options


def test_write_history_writes_labeled_calls_and_an_acd_csv(tmp_path: Path) -> None:
    small = generate_history(GeneratorOptions(days=7, calls_per_day=20, injections=NO_INJECTIONS))
    calls_path, acd_path = write_history(small, tmp_path / "out")
    labeled = load_labeled_calls(calls_path)
    assert [c.call_id for c in labeled] == [c.call_id for c in small.calls]
    first, call = labeled[0], small.calls[0]
    assert first.extra["generated"] is True and first.extra["team"] == call.team
    assert first.started_at == call.started_at and first.customer_id == call.customer_id
    assert first.labels == {
        "contact_type": call.contact_type,
        "sentiment": call.sentiment,
        "resolved": call.resolved,
        "repeat_call": call.repeat_call,
    }
    assert [t.text for t in first.turns] == [t.text for t in call.turns]
    assert not first.evaluations and first.extra["qa_answers"] == call.qa_answers
    assert calls_path.read_text().splitlines()[0].count('"started_at": "2026-03-02T') == 1
    with acd_path.open(newline="") as f:
        assert tuple(next(csv.reader(f))) == ACD_COLUMNS
    assert read_acd_csv(acd_path) == small.acd  # the ACD reader takes it back unchanged


def test_options_that_cannot_work_are_refused() -> None:
    with pytest.raises(InvalidInput, match="agent-07"):
        generate_history(GeneratorOptions(agents=5))
    with pytest.raises(InvalidInput, match="doubling_type"):
        generate_history(GeneratorOptions(injections=Injections(doubling_type="billing.nope")))
    with pytest.raises(InvalidInput, match="doubling_week"):
        generate_history(GeneratorOptions(days=14))
    with pytest.raises(InvalidInput, match="emerging_from_day"):
        generate_history(GeneratorOptions(days=14, injections=replace(NO_INJECTIONS, emerging_topic="x")))
    with pytest.raises(InvalidInput, match="scale_calls"):
        generate_history(scale_calls=0)
    with pytest.raises(InvalidInput, match="calls_per_day"):
        generate_history(GeneratorOptions(calls_per_day=0))


def test_a_hundred_thousand_calls_generate() -> None:
    began = time.perf_counter()
    big = generate_history(scale_calls=100_000)
    took = time.perf_counter() - began
    print(f"\n{len(big.calls)} calls and {len(big.acd)} ACD records generated in {took:.1f} s")
    assert 95_000 <= len(big.calls) <= 105_000
    per_day = Counter(day_of(c) for c in big.calls if c.topic == "esim_qr_rejected")
    assert min(per_day[d] for d in range(14, 28)) > 100  # the topic scales with the volume
