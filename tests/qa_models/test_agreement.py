"""Calibration reports (``qa_models.qa.agreement``): κ and α against hand-worked values and the
reference libraries, the panel's majority and tie rule, evaluator bias, and rising disagreement."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from common.errors import InvalidInput
from qa_models.qa.agreement import (
    AgreementOptions,
    ItemAgreement,
    Rating,
    disagreement_trend,
    evaluator_bias,
    item_agreement,
    normalize_answer,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def table(item: str, answers: dict[str, list[str]], *, model: list[str] | None = None) -> list[Rating]:
    """Ratings of ``item`` on calls c0, c1, ... from columns of answers per rater ("" = no answer)."""
    out = [
        Rating(f"c{i}", item, rater, a, at=T0 + timedelta(minutes=j))
        for j, (rater, column) in enumerate(answers.items())
        for i, a in enumerate(column)
        if a
    ]
    out += [Rating(f"c{i}", item, "model", a, is_model=True) for i, a in enumerate(model or [])]
    return out


def by_item(rows: list[ItemAgreement], item: str | None) -> ItemAgreement:
    return next(r for r in rows if r.item_id == item)


def test_normalize_answer() -> None:
    assert normalize_answer(" Yes ") == "yes"
    assert normalize_answer("N/A") == normalize_answer("n/a") == "na"
    assert normalize_answer("Not  applicable") == "na"
    assert normalize_answer("4.0") == "4"
    assert normalize_answer(" 3.5") == "3.5"


def test_model_kappa_hand_worked_and_matches_sklearn() -> None:
    # 4 yes/yes, 3 no/no, 2 model yes/panel no, 1 model no/panel yes: p_o = .7, p_e = .6·.5 + .4·.5 = .5
    model = ["yes"] * 4 + ["no"] * 3 + ["yes"] * 2 + ["no"]
    human = ["yes"] * 4 + ["no"] * 3 + ["no"] * 2 + ["yes"]
    row = by_item(item_agreement(table("greeting", {"ann": human}, model=model)), "greeting")
    assert row.n_calls == row.n_model == 10
    assert row.model_agreement == pytest.approx(0.7)
    assert row.model_kappa == pytest.approx(0.4)
    assert row.model_kappa == pytest.approx(cohen_kappa_score(model, human))
    assert row.n_multi == 0 and row.human_agreement is None and row.alpha is None


def test_human_alpha_and_pooled_kappa_hand_worked() -> None:
    a = ["yes", "yes", "no", "no"]
    b = ["yes", "no", "no", "no"]
    row = by_item(item_agreement(table("hold", {"ann": a, "bob": b})), "hold")
    # coincidences: yy 2, yn 1, ny 1, nn 4 (n = 8, yes 3, no 5): D_o = 2/8, D_e = 2·3·5/(8·7), α = 8/15
    assert row.alpha_level == "nominal"
    assert row.alpha == pytest.approx(8 / 15)
    codes = {"yes": 1.0, "no": 0.0}
    data = np.array([[codes[x] for x in a], [codes[x] for x in b]])
    assert row.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    # one pair with 4 shared calls (< 5): κ over the pairs pooled in both orders, p_o .75, p_e 34/64
    assert row.human_kappa_pairs == 0
    assert row.human_kappa == pytest.approx(7 / 15)
    assert row.human_kappa == pytest.approx(cohen_kappa_score(a + b, b + a))
    assert row.n_multi == 4 and row.n_pairs == 4 and row.human_agreement == pytest.approx(0.75)


def test_mean_pairwise_kappa_over_pairs_with_enough_shared_calls() -> None:
    cols = {
        "ann": ["yes", "yes", "no", "no", "yes", "no"],
        "bob": ["yes", "no", "no", "no", "yes", "no"],
        "cy": ["yes", "yes", "no", "yes", "yes", "yes"],
        "dee": ["no", "", "", "", "", "yes"],  # shares 2 calls only: left out of the mean
    }
    row = by_item(item_agreement(table("close", cols)), "close")
    pairs = [("ann", "bob"), ("ann", "cy"), ("bob", "cy")]
    expected = [cohen_kappa_score(cols[x], cols[y]) for x, y in pairs]
    assert row.human_kappa_pairs == 3
    assert row.human_kappa == pytest.approx(sum(expected) / 3)


def test_panel_majority_tie_goes_to_earliest_and_corrections_replace() -> None:
    ratings = [
        # c1: 2 yes against 1 no -> yes
        Rating("c1", "greet", "ann", "yes", at=T0),
        Rating("c1", "greet", "bob", "yes", at=T0),
        Rating("c1", "greet", "cy", "no", at=T0),
        Rating("c1", "greet", "model", "yes", is_model=True),
        # c2: 1 yes, 1 no -> the earlier answer (bob's no) wins the tie
        Rating("c2", "greet", "ann", "yes", at=T0 + timedelta(hours=1)),
        Rating("c2", "greet", "bob", "no", at=T0),
        Rating("c2", "greet", "model", "no", is_model=True),
        # c3: ann corrects herself from no to yes, so the panel is yes
        Rating("c3", "greet", "ann", "no", at=T0),
        Rating("c3", "greet", "ann", " YES ", at=T0 + timedelta(days=1)),
        Rating("c3", "greet", "model", "yes", is_model=True),
    ]
    row = by_item(item_agreement(ratings), "greet")
    assert row.n_model == 3 and row.model_agreement == 1.0
    # reversing which answer came first flips the tie
    ratings[4].at, ratings[5].at = T0, T0 + timedelta(hours=1)
    assert by_item(item_agreement(ratings), "greet").model_agreement == pytest.approx(2 / 3)


def test_numeric_answers_use_interval_alpha() -> None:
    a = ["1", "2", "3", "4", "5"]
    b = ["1", "3", "3", "5", "4.0"]
    row = by_item(item_agreement(table("empathy", {"ann": a, "bob": b})), "empathy")
    assert row.alpha_level == "interval"
    data = np.array([[float(x) for x in a], [float(x) for x in b]])
    assert row.alpha == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    )
    nominal = by_item(item_agreement(table("empathy", {"ann": a, "bob": [*b[:4], "na"]})), "empathy")
    assert nominal.alpha_level == "nominal"


def test_undefined_figures_are_none_never_nan() -> None:
    ratings = table("verify", {"ann": ["yes"] * 6, "bob": ["yes"] * 6}, model=["yes"] * 6)
    rows = item_agreement(ratings, items=["verify", "never_rated"])
    row = by_item(rows, "verify")
    assert row.model_agreement == 1.0 and row.human_agreement == 1.0
    assert row.model_kappa is None and row.human_kappa is None and row.alpha is None
    empty = by_item(rows, "never_rated")
    assert empty.n_calls == 0 and empty.model_agreement is None and empty.model_kappa is None
    for r in rows:
        for value in r.to_dict().values():
            assert not (isinstance(value, float) and math.isnan(value))
    json.dumps([r.to_dict() for r in rows])


def test_overall_row_pools_items() -> None:
    ratings = table("a", {"ann": ["yes", "no"]}, model=["yes", "yes"]) + table(
        "b", {"ann": ["no", "no"]}, model=["no", "no"]
    )
    rows = item_agreement(ratings)
    assert [r.item_id for r in rows] == ["a", "b", None]
    overall = rows[-1]
    assert overall.n_calls == 2 and overall.n_model == 4
    assert overall.model_agreement == pytest.approx(0.75)


def panel(n_calls: int = 30) -> list[Rating]:
    """Four evaluators and the model on two items; the model and ann, bob, cy agree; dee says "no"
    on the greeting whenever the others say yes, and eve differs from the others on one call."""
    out: list[Rating] = []
    for i in range(n_calls):
        truth = "no" if i % 5 == 0 else "yes"
        for item in ("greeting", "closing"):
            for rater in ("ann", "bob", "cy"):
                out.append(Rating(f"c{i}", item, rater, truth))
            out.append(Rating(f"c{i}", item, "model", truth, is_model=True))
            dee = "no" if item == "greeting" else truth
            out.append(Rating(f"c{i}", item, "dee", dee))
            eve = ("yes" if truth == "no" else "no") if (i, item) == (1, "closing") else truth
            out.append(Rating(f"c{i}", item, "eve", eve))
    return out


def test_evaluator_bias_labels_strict_consistent_and_one_odd_answer() -> None:
    report = {b.rater: b for b in evaluator_bias(panel())}
    assert [b.rater for b in evaluator_bias(panel())] == ["ann", "bob", "cy", "dee", "eve", "model"]
    dee = report["dee"]
    assert dee.label == "stricter" and dee.strictness is not None and dee.strictness > 0.3
    assert dee.n_stricter == 24 and dee.n_looser == 0 and dee.p_value is not None and dee.p_value < 0.001
    assert dee.items[0].item_id == "greeting" and dee.items[0].strictness > 0.7
    assert all(abs(i.strictness) < 0.05 for i in dee.items[1:])
    assert report["ann"].label == "in line" and report["ann"].agreement == 1.0
    eve = report["eve"]
    assert eve.n_stricter == 1 and eve.label == "in line"  # one odd answer is not a bias
    assert eve.strictness is not None and abs(eve.strictness) < 0.05
    model = report["model"]
    assert model.is_model and model.label == "in line" and model.agreement == 1.0
    json.dumps([b.to_dict() for b in report.values()])


def test_looser_evaluator_model_included_and_points_weigh_items() -> None:
    ratings = [r for r in panel() if r.rater not in ("dee", "eve")]
    for r in ratings:
        if r.rater == "model" and r.item_id == "closing":
            r.answer = "yes"  # the model never fails the closing: looser than the panel
    model = next(b for b in evaluator_bias(ratings) if b.rater == "model")
    assert model.label == "looser" and model.n_looser == 6 and model.items[0].item_id == "closing"
    # with the closing worth nothing, only the greeting counts: no bias left
    weighted = next(b for b in evaluator_bias(ratings, {"closing": 0}) if b.rater == "model")
    assert weighted.strictness == 0 and weighted.label == "in line"
    # a threshold above the difference keeps the label "in line" too
    opts = AgreementOptions(bias_threshold=0.5)
    assert next(b for b in evaluator_bias(ratings, options=opts) if b.is_model).label == "in line"


def weekly(item: str, wrong_per_week: list[int], n: int = 10) -> list[Rating]:
    """Per week, n calls scored by one evaluator and the model, the model wrong on the first k."""
    out: list[Rating] = []
    for week, wrong in enumerate(wrong_per_week):
        for i in range(n):
            call, at = f"{item}-{week}-{i}", T0 + timedelta(weeks=week, days=i % 5, hours=i)
            out.append(Rating(call, item, "model", "no" if i < wrong else "yes", at=at, is_model=True))
            out.append(Rating(call, item, "ann", "yes", at=at + timedelta(days=1)))
    return out


def test_growing_disagreement_is_rising_and_flat_is_not() -> None:
    ratings = weekly("hold", [0, 1, 3, 6]) + weekly("greeting", [1, 1, 1, 1])
    ratings.append(Rating("x", "hold", "model", "no", is_model=True))  # no time: left out
    ratings.append(Rating("x", "hold", "ann", "yes"))
    trends = disagreement_trend(ratings)
    assert [t.item_id for t in trends] == ["hold", "greeting"]
    hold, flat = trends
    assert [p.rate for p in hold.periods] == [0.0, 0.1, 0.3, 0.6]
    assert hold.periods[1].start == (T0 + timedelta(weeks=1)).date()
    assert hold.slope == pytest.approx(0.2)
    assert hold.last_rate == 0.6 and hold.earlier_rate == pytest.approx(4 / 30)
    assert hold.rising and hold.p_value is not None and hold.p_value < 0.1
    assert not flat.rising and flat.slope == pytest.approx(0.0)
    json.dumps([t.to_dict() for t in trends])


def test_trend_min_n_month_and_bad_period() -> None:
    ratings = weekly("hold", [0, 1, 3, 6])
    # a period with fewer call-items than min_n does not count: no two usable weeks, no verdict
    sparse = disagreement_trend(ratings, min_n=11)[0]
    assert sparse.slope is None and sparse.p_value is None and not sparse.rising
    month = disagreement_trend(ratings, period="month")[0]
    assert len(month.periods) == 1 and month.periods[0].start.day == 1 and not month.rising
    with pytest.raises(InvalidInput, match="unknown period"):
        disagreement_trend(ratings, period="day")  # type: ignore[arg-type]


def test_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="lacks"):
        item_agreement([Rating("c1", "greet", "ann", "  ")])
    with pytest.raises(InvalidInput):
        AgreementOptions(p_threshold=0)
    with pytest.raises(InvalidInput):
        evaluator_bias(panel(), {"greeting": -1})


def test_naive_and_aware_times_mix() -> None:
    ratings = [
        Rating("c1", "greet", "ann", "yes", at=datetime(2026, 3, 2, 10, 0)),  # naive: taken as UTC
        Rating("c1", "greet", "bob", "no", at=T0),
        Rating("c1", "greet", "model", "no", at=T0, is_model=True),
    ]
    assert by_item(item_agreement(ratings), "greet").model_agreement == 1.0  # bob's 09:00 came first
    assert disagreement_trend(ratings, min_n=1)[0].periods[0].n == 1
