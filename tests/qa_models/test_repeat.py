"""Repeat calls: the measured rule on hand-built histories, the transcript cues, the predictor, and the
generated history (``qa_models.history``) the predictor is evaluated on."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from asr import Turn
from common.errors import ConfigError, InvalidInput
from qa_models.history import GeneratedHistory, HistoryOptions, generate_history, to_labeled_calls
from qa_models.repeat import (
    CallRecord,
    RepeatCallPredictor,
    RepeatOptions,
    measure_repeats,
    overall_rate,
    repeat_rates,
    repeat_signals,
    train_repeat_predictor,
)
from qa_models.scorecard import load_taxonomy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def rec(
    call_id: str,
    at: timedelta,
    contact_type: str | None = "billing.double_charge",
    *,
    customer: str | None = "cust-1",
    duration_s: float = 300.0,
    queue: str | None = None,
    agent: str | None = None,
) -> CallRecord:
    return CallRecord(call_id, customer, T0 + at, duration_s, contact_type, queue, agent)


def by_id(calls: list[CallRecord], options: RepeatOptions | None = None) -> dict:
    return {m.call_id: m for m in measure_repeats(calls, options)}


# ------------------------------------------------------------------------------------ measured rule


def test_repeat_inside_the_window() -> None:
    marks = by_id([rec("a", timedelta(0)), rec("b", timedelta(hours=26))])
    assert marks["a"].repeated is True
    assert marks["a"].repeat_call_id == "b"
    assert marks["a"].hours_to_repeat == pytest.approx(26.0)
    assert marks["a"].reason == "called again after 26.0 h about billing.double_charge"
    assert marks["b"].repeated is False and marks["b"].repeat_call_id is None


def test_window_edges() -> None:
    inside = by_id([rec("a", timedelta(0)), rec("b", timedelta(days=7, minutes=-1))])
    outside = by_id([rec("a", timedelta(0)), rec("b", timedelta(days=7, minutes=1))])
    assert inside["a"].repeated is True
    assert outside["a"].repeated is False
    assert "no further contact within 7 days" in outside["a"].reason
    short = by_id([rec("a", timedelta(0)), rec("b", timedelta(days=3))], RepeatOptions(window_days=2))
    assert short["a"].repeated is False


def test_transfer_is_not_a_repeat_and_counts_from_the_end_of_the_call() -> None:
    # An hour-long call; the next one starts 70 min after its start, 10 min after its end.
    marks = by_id([rec("a", timedelta(0), duration_s=3600), rec("b", timedelta(minutes=70))])
    assert marks["a"].repeated is False
    assert "b was a transfer" in marks["a"].reason
    assert marks["b"].transfer_of == "a"
    # 16 minutes after the end is a new contact.
    marks = by_id([rec("a", timedelta(0), duration_s=600), rec("b", timedelta(minutes=26))])
    assert marks["a"].repeated is True and marks["b"].transfer_of is None


def test_a_later_call_after_a_transfer_still_repeats_the_original() -> None:
    calls = [
        rec("a", timedelta(0), duration_s=600),
        rec("b", timedelta(minutes=15), "general_information.contact_options"),
        rec("c", timedelta(days=2)),
    ]
    marks = by_id(calls)
    assert marks["a"].repeated is True and marks["a"].repeat_call_id == "c"
    assert "after a transfer to b" in marks["a"].reason
    assert marks["b"].transfer_of == "a"


def test_a_transfer_chain_extends_the_contact() -> None:
    calls = [
        rec("a", timedelta(0), duration_s=600),
        rec("b", timedelta(minutes=20), duration_s=1800),  # 10 min after a's end
        rec("c", timedelta(minutes=60)),  # 10 min after b's end, 50 after a's
    ]
    marks = by_id(calls)
    assert marks["a"].repeated is False
    assert marks["c"].transfer_of == "a"


def test_different_matter_is_not_a_repeat() -> None:
    calls = [rec("a", timedelta(0)), rec("b", timedelta(days=1), "orders_delivery.late_delivery")]
    marks = by_id(calls)
    assert marks["a"].repeated is False
    assert "other matters (orders_delivery.late_delivery)" in marks["a"].reason
    # A related call after the different one still counts.
    marks = by_id([*calls, rec("c", timedelta(days=3), "billing.refund_request")])
    assert marks["a"].repeat_call_id == "c"
    assert by_id(calls, RepeatOptions(related="any"))["a"].repeated is True


def test_same_group_other_subtype_depends_on_related() -> None:
    calls = [
        rec("a", timedelta(0), "billing.double_charge"),
        rec("b", timedelta(days=1), "billing.unexpected_fee"),
    ]
    assert by_id(calls, RepeatOptions(related="group"))["a"].repeated is True
    assert by_id(calls, RepeatOptions(related="same"))["a"].repeated is False
    same = [rec("a", timedelta(0)), rec("b", timedelta(days=1))]
    assert by_id(same, RepeatOptions(related="same"))["a"].repeated is True


def test_unknown_contact_type_counts_as_related_unless_told_otherwise() -> None:
    calls = [rec("a", timedelta(0), "other"), rec("b", timedelta(days=1), None)]
    assert by_id(calls)["a"].repeated is True
    assert "about an unknown matter" in by_id(calls)["a"].reason
    assert by_id(calls, RepeatOptions(unknown_is_related=False))["a"].repeated is False


def test_missing_customer_or_time_cannot_be_told() -> None:
    calls = [
        rec("a", timedelta(0), customer=None),
        CallRecord("b", "cust-1", None),
        rec("c", timedelta(hours=1)),
        rec("d", timedelta(days=1)),
    ]
    marks = by_id(calls)
    assert marks["a"].repeated is None and "customer_id" in marks["a"].reason
    assert marks["b"].repeated is None and "started_at" in marks["b"].reason
    assert marks["c"].repeated is True and marks["c"].repeat_call_id == "d"


def test_unsorted_input_mixed_time_zones_and_other_customers() -> None:
    naive = (T0 + timedelta(hours=30)).replace(tzinfo=None)  # naive = UTC
    calls = [
        CallRecord("late", "cust-1", naive, 60, "billing.double_charge"),
        rec("x", timedelta(hours=2), customer="cust-2"),
        rec("early", timedelta(0)),
    ]
    marks = measure_repeats(calls)
    assert [m.call_id for m in marks] == ["late", "x", "early"]
    assert marks[2].repeated is True and marks[2].repeat_call_id == "late"
    assert marks[2].hours_to_repeat == pytest.approx(30.0)
    assert marks[1].repeated is False  # cust-2 never calls again
    assert marks[0].repeated is False


def test_observed_until_leaves_open_windows_unknown() -> None:
    calls = [rec("a", timedelta(0)), rec("b", timedelta(days=10))]
    marks = by_id(calls, RepeatOptions(observed_until=T0 + timedelta(days=12)))
    assert marks["a"].repeated is False
    assert marks["b"].repeated is None and "not over yet" in marks["b"].reason


def test_bad_options_are_refused() -> None:
    with pytest.raises(InvalidInput):
        measure_repeats([rec("a", timedelta(0))], RepeatOptions(window_days=0))


def test_rates_by_type_queue_agent_and_overall() -> None:
    calls = [
        rec("a", timedelta(0), queue="billing", agent="a-1"),
        rec("b", timedelta(days=1), queue="billing", agent="a-2"),  # repeats a
        rec(
            "c", timedelta(0), "orders_delivery.late_delivery", customer="cust-2", queue="orders", agent="a-1"
        ),
        rec("d", timedelta(0), "orders_delivery.late_delivery", customer=None, queue=None, agent="a-1"),
    ]
    marks = measure_repeats(calls)
    by_type = repeat_rates(calls, marks, "contact_type")
    assert [r.key for r in by_type] == ["billing.double_charge", "orders_delivery.late_delivery"]
    billing = by_type[0]
    assert (billing.calls, billing.repeats, billing.known) == (2, 1, 2)
    assert billing.repeat_rate == pytest.approx(0.5) and billing.fcr == pytest.approx(0.5)
    orders = by_type[1]
    assert (orders.calls, orders.repeats, orders.known) == (2, 0, 1)  # d cannot be told
    assert orders.fcr == pytest.approx(1.0)
    by_queue = {r.key: r for r in repeat_rates(calls, marks, "queue")}
    assert set(by_queue) == {"billing", "orders", "(none)"}
    assert math.isnan(by_queue["(none)"].repeat_rate)
    by_agent = repeat_rates(calls, marks, "agent_id")
    assert [(r.key, r.calls, r.repeats) for r in by_agent] == [("a-1", 3, 1), ("a-2", 1, 0)]
    total = overall_rate(marks)
    assert (total.key, total.calls, total.repeats, total.known) == ("all", 4, 1, 3)
    assert total.fcr == pytest.approx(2 / 3)
    with pytest.raises(InvalidInput, match="repeat marks"):
        repeat_rates(calls, marks[:2], "queue")


# ----------------------------------------------------------------------------------------- signals

OPENING = [
    ("agent", "Thank you for calling, how can I help?"),
    ("customer", "My internet is not working and I was charged twice."),  # the reason: not a cue of its own
    ("agent", "Let me have a look at that for you."),
    ("customer", "Okay."),
]


def talk(*lines: tuple[str, str], sentiment: float | None = None) -> CallRecord:
    turns = [
        Turn(speaker, 3.0 * i, 3.0 * i + 2.0, text) for i, (speaker, text) in enumerate([*OPENING, *lines])
    ]
    return CallRecord(
        "c-1",
        "cust-1",
        T0,
        60.0,
        "technical_support.internet_outage",
        turns=turns,
        closing_sentiment=sentiment,
    )


def cues(call: CallRecord) -> set[str]:
    return {s.name for s in repeat_signals(call)}


@pytest.mark.parametrize(
    ("cue", "fires", "does_not"),
    [
        (
            "unresolved",
            [("customer", "Hmm, it's still not working on my end.")],
            [("customer", "Okay, it's working now.")],
        ),
        ("unresolved", [("customer", "That didn't fix it.")], [("customer", "Great, that fixed it.")]),
        (
            "unresolved",
            [("customer", "So it's not resolved then.")],
            [("customer", "So it's resolved then.")],
        ),
        (
            "unresolved",
            [("agent", "Unfortunately I'm not able to fix that from here today.")],
            [("agent", "I've fixed that from here today.")],
        ),
        (
            "resolved_confirmed",
            [("customer", "Oh great, that fixed it.")],
            [("customer", "No, that didn't fix it.")],
        ),
        ("resolved_confirmed", [("customer", "Yes it's working now.")], [("customer", "Is it working now?")]),
        (
            "callback_promised",
            [("agent", "Someone from our specialist team will call you back within 48 hours.")],
            [("agent", "No need to arrange a callback, that's all done.")],
        ),
        (
            "callback_promised",
            [("agent", "I'll give you a call back tomorrow.")],
            [("agent", "I will not call you back.")],
        ),
        (
            "escalation",
            [("agent", "I'm going to escalate this to my supervisor.")],
            [("agent", "There's no need to escalate this.")],
        ),
        (
            "escalation",
            [("customer", "I'd like to speak to a manager.")],
            [("customer", "I'd like to speak to you.")],
        ),
        (
            "customer_will_call_back",
            [("customer", "Fine, I guess I'll have to ring again later.")],
            [("customer", "Great, so I won't need to call back then.")],
        ),
        (
            "customer_will_call_back",
            [("customer", "I'll call back tomorrow if nothing changes.")],
            [("customer", "Thanks, I'll call back if I need anything else.")],
        ),
        (
            "negative_close",
            [("customer", "No. Honestly this has been a waste of my time.")],
            [("customer", "No, I'm not frustrated at all.")],
        ),
        (
            "negative_close",
            [("customer", "I'm really not happy about this.")],
            [("customer", "I'm really happy about this.")],
        ),
        (
            "positive_close",
            [("customer", "No that's great, thanks a lot.")],
            [("customer", "Well, that's not great.")],
        ),
    ],
)
def test_each_cue_fires_and_not_on_its_counterpart(cue: str, fires: list, does_not: list) -> None:
    assert cue in cues(talk(*fires))
    assert cue not in cues(talk(*does_not))


def test_the_reason_turn_is_not_read_as_unresolved() -> None:
    assert cues(talk(("agent", "I've reset the line."), ("customer", "Okay."))) == set()


def test_the_last_word_on_resolution_wins() -> None:
    call = talk(
        ("agent", "Try restarting it."),
        ("customer", "That didn't work."),
        ("agent", "Now unplug it for ten seconds."),
        ("customer", "Okay, it's working now."),
    )
    found = cues(call)
    assert "resolved_confirmed" in found and "unresolved" not in found


def test_signals_point_at_their_turn() -> None:
    call = talk(("agent", "I'm going to escalate this."), ("customer", "Okay, I'll call back tomorrow."))
    signals = {s.name: s for s in repeat_signals(call)}
    assert signals["escalation"].turn == 4 and signals["escalation"].evidence == "I'm going to escalate this."
    assert signals["customer_will_call_back"].turn == 5


def test_closing_sentiment_gives_a_call_level_close() -> None:
    negative = [
        s for s in repeat_signals(talk(("agent", "Bye."), sentiment=-0.6)) if s.name == "negative_close"
    ]
    assert negative and negative[0].turn is None and "-0.60" in negative[0].evidence
    assert "positive_close" in cues(talk(("agent", "Bye."), sentiment=0.6))
    # A measured sentiment replaces the lexicon.
    assert not cues(talk(("customer", "This is ridiculous."), sentiment=0.1)) & {
        "negative_close",
        "positive_close",
    }


# --------------------------------------------------------------------------------------- predictor

UNRESOLVED_CALL = talk(
    ("agent", "I'm sorry, I can't resolve this on this call. Someone will call you back within 48 hours."),
    ("customer", "It's still not working. I'll call back tomorrow if nothing changes."),
    ("agent", "Anything else?"),
    ("customer", "No. This has been a waste of my time."),
)
RESOLVED_CALL = talk(
    ("agent", "I've reset the line for you."),
    ("customer", "Oh great, that fixed it."),
    ("agent", "Anything else?"),
    ("customer", "No, that's all, thank you so much."),
)


def test_default_predictor_ranks_unresolved_above_resolved() -> None:
    model = RepeatCallPredictor.default()
    bad, good = model.predict(UNRESOLVED_CALL), model.predict(RESOLVED_CALL)
    assert bad.probability > 0.6 > 0.1 > good.probability
    assert {"unresolved", "callback_promised", "customer_will_call_back", "negative_close"} <= {
        s.name for s in bad.signals
    }
    assert [abs(s.contribution) for s in bad.signals] == sorted(
        (abs(s.contribution) for s in bad.signals), reverse=True
    )
    assert all(s.contribution > 0 for s in bad.signals if s.name != "contact_type_rate")
    assert good.signals[0].name == "resolved_confirmed" and good.signals[0].contribution < 0
    # No cue and no known type: the prior, around the industry's one call in five.
    bare = model.predict(CallRecord("x"))
    assert 0.15 < bare.probability < 0.25 and bare.signals == []
    typed = model.predict(CallRecord("y", contact_type="technical_support.internet_outage"))
    assert typed.probability > bare.probability
    assert typed.signals[0].name == "contact_type_rate" and "hand-set prior" in typed.signals[0].evidence
    assert model.name == model.info.name and model.info.kind == "repeat_call"


@pytest.fixture(scope="module")
def history() -> GeneratedHistory:
    return generate_history()


def _split(history: GeneratedHistory) -> tuple[list[int], list[int], list[bool]]:
    customers = sorted({c.customer_id for c in history.calls if c.customer_id})
    train_customers = set(customers[: int(0.7 * len(customers))])
    train = [i for i, c in enumerate(history.calls) if c.customer_id in train_customers]
    test = [i for i, c in enumerate(history.calls) if c.customer_id not in train_customers]
    labels = [bool(m.repeated) for m in measure_repeats(history.calls)]
    return train, test, labels


def test_trained_predictor_auc_on_held_out_customers(history: GeneratedHistory, tmp_path: Path) -> None:
    train, test, labels = _split(history)
    model = train_repeat_predictor([history.calls[i] for i in train], [labels[i] for i in train])
    held_out = [history.calls[i] for i in test]
    truth = [labels[i] for i in test]
    trained = [p.probability for p in model.predict_many(held_out)]
    default = [p.probability for p in RepeatCallPredictor.default().predict_many(held_out)]
    auc, default_auc = roc_auc_score(truth, trained), roc_auc_score(truth, default)
    print(f"held-out AUC: trained {auc:.4f}, default {default_auc:.4f}; cv {model.info.metrics['cv_auc']}")
    assert auc > 0.75
    assert 0.6 < model.info.metrics["cv_auc"] <= 1.0
    assert abs(sum(trained) / len(trained) - sum(truth) / len(truth)) < 0.08  # calibrated on average
    assert model.info.settings["calibration"] == "platt"
    # Interpretable: the cues that say "open" push up, a confirmed fix pushes down.
    weights = dict(zip(model.info.settings["features"], model.weights, strict=True))
    assert weights["unresolved"] > 0 and weights["resolved_confirmed"] < 0
    # Every prediction's signals add up to its logit.
    for call, p in zip(held_out[:50], trained[:50], strict=True):
        pred = model.predict(call)
        logit = model.bias + sum(s.contribution for s in pred.signals)
        assert pred.probability == pytest.approx(p)
        assert pred.probability == pytest.approx(1 / (1 + math.exp(-logit)))

    folder = model.save(tmp_path / "repeat")
    meta = json.loads((folder / "model.json").read_text())
    assert meta["kind"] == "repeat_call" and meta["metrics"]["cv_auc"] == model.info.metrics["cv_auc"]
    loaded = RepeatCallPredictor.load(folder)
    assert loaded.name == model.name and loaded.info.version == model.info.version
    again = loaded.predict_many(held_out)
    assert [p.probability for p in again] == trained
    assert [[(s.name, s.contribution) for s in p.signals] for p in again][:20] == [
        [(s.name, s.contribution) for s in p.signals] for p in model.predict_many(held_out[:20])
    ]


def test_default_round_trips_and_wrong_folders_are_refused(tmp_path: Path) -> None:
    model = RepeatCallPredictor.default()
    loaded = RepeatCallPredictor.load(model.save(tmp_path / "default"))
    for call in (UNRESOLVED_CALL, RESOLVED_CALL, CallRecord("z", contact_type="billing.double_charge")):
        assert loaded.predict(call).probability == model.predict(call).probability
    with pytest.raises(ConfigError, match=r"no model\.json"):
        RepeatCallPredictor.load(tmp_path / "nothing")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "model.json").write_text(json.dumps({"kind": "tagger", "name": "t"}))
    with pytest.raises(ConfigError, match="not a 'repeat_call' model"):
        RepeatCallPredictor.load(tmp_path / "other")


def test_training_errors_are_clear() -> None:
    calls = [rec(f"c{i}", timedelta(hours=i), customer=f"cust-{i}") for i in range(30)]
    with pytest.raises(InvalidInput, match="at least 20 calls"):
        train_repeat_predictor(calls[:10], [i % 2 == 0 for i in range(10)])
    with pytest.raises(InvalidInput, match="0 repeated and 30 not repeated"):
        train_repeat_predictor(calls, [False] * 30)
    with pytest.raises(InvalidInput, match="30 calls but 29 labels"):
        train_repeat_predictor(calls, [False] * 29)
    # Unknown labels are left out before counting.
    with pytest.raises(InvalidInput, match="got 15"):
        train_repeat_predictor(calls, [None] * 15 + [i % 2 == 0 for i in range(15)])


def test_small_training_set_falls_back_to_plain_logistic_regression(history: GeneratedHistory) -> None:
    calls = history.calls[:120]
    labels = [bool(m.repeated) for m in measure_repeats(history.calls)][:120]
    model = train_repeat_predictor(calls, labels, name="small")
    assert model.name == "small" and model.info.settings["calibration"] == "none"
    assert 0.0 < model.predict(calls[0]).probability < 1.0


# ------------------------------------------------------------------------------- generated history


def test_generated_history_is_deterministic_and_chronological(history: GeneratedHistory) -> None:
    small = HistoryOptions(customers=40, seed=3)
    one, two = generate_history(small), generate_history(small)
    assert [(c.call_id, c.started_at, c.contact_type, [t.text for t in c.turns]) for c in one.calls] == [
        (c.call_id, c.started_at, c.contact_type, [t.text for t in c.turns]) for c in two.calls
    ]
    assert one.latent_unresolved == two.latent_unresolved
    other = generate_history(HistoryOptions(customers=40, seed=4))
    assert [c.contact_type for c in other.calls] != [c.contact_type for c in one.calls]
    times = [c.started_at for c in history.calls]
    assert times == sorted(times)
    assert len({c.call_id for c in history.calls}) == len(history.calls) == len(history.latent_unresolved)


def test_generated_history_has_the_special_cases_the_rule_must_handle(history: GeneratedHistory) -> None:
    assert len(history.transfers) > 0 and len(history.different_matters) > 0 and len(history.late_returns) > 0
    marks = {m.call_id: m for m in measure_repeats(history.calls)}
    calls = {c.call_id: c for c in history.calls}
    for leg, real in history.transfers:
        assert marks[leg].repeat_call_id != real and marks[real].transfer_of == leg
    for first, other in history.different_matters:
        assert marks[first].repeat_call_id != other
        assert calls[first].contact_type.split(".")[0] != calls[other].contact_type.split(".")[0]
    for first, late in history.late_returns:
        assert marks[first].repeat_call_id != late
        assert calls[late].started_at - calls[first].started_at > timedelta(days=7)
    rate = overall_rate(list(marks.values())).repeat_rate
    assert 0.1 < rate < 0.4  # around the industry's FCR


def test_generated_reasons_come_from_the_taxonomy(history: GeneratedHistory) -> None:
    from qa_models.history import DEFAULT_TAXONOMY

    examples = {t.id: [e.lower() for e in t.examples] for t in load_taxonomy(DEFAULT_TAXONOMY).types}
    for call in history.calls[:200]:
        reason = next(t.text for t in call.turns if t.speaker == "customer").lower()
        assert any(reason.endswith(e) for e in examples[call.contact_type or ""])


def test_labeled_calls_follow_formats_and_read_back(history: GeneratedHistory) -> None:
    records = to_labeled_calls(history)
    assert len(records) == len(history.calls)
    first = json.loads(json.dumps(records[0]))
    assert first["channel"] == "voice" and first["started_at"].endswith("Z")
    assert {"call_id", "customer_id", "agent_id", "queue", "turns", "labels"} <= set(first)
    assert set(first["turns"][0]) == {"speaker", "text", "start", "end"}
    assert {"contact_type", "repeat_call"} <= set(first["labels"])
    rebuilt = [CallRecord.from_dict(r) for r in records]
    assert [m.repeated for m in measure_repeats(rebuilt)] == [r["labels"]["repeat_call"] for r in records]
    assert [m.repeated for m in measure_repeats(rebuilt)] == [
        m.repeated for m in measure_repeats(history.calls)
    ]
