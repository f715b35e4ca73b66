"""The ``qa`` task: automatic QA answers against human evaluations of the same calls.

A *unit* is one call scored on one scorecard. Its reference answer to an item is the answer most
of its evaluators gave (ties: the first evaluator listed). A system is measured on every (unit,
item) the reference answers:

- ``agreement``: share of answers equal to the reference, over every (unit, item); ``kappa``:
  Cohen's κ against the reference on each item, averaged over the items where it is defined
  (pooling the items would reward merely knowing which items are usually "yes": a constant answer
  per item scores κ = 0 here); per item, agreement, κ, the confusion matrix, and
  ``evidence_coverage``: the share of answers that carry evidence.
- per unit: ``score_mae`` (mean absolute difference of the call score in percentage points, both
  scored on the items the reference answered) and ``pass_agreement`` (pass/fail equal).

People against people, when several evaluators scored a unit: ``human_alpha`` (Krippendorff's α,
nominal, over every (unit, item) rated twice or more; per item with the interval level for scale
items), ``human_agreement`` (pooled over every pair of evaluators), ``human_kappa`` (per item over
the pairs, averaged), and
``human_score_mae`` / ``human_pass_agreement`` between pairs of evaluations.

Without ``--scorecard`` evaluations naming the shipped ``standard-voice`` are read against it; any
other scorecard id gets an inferred scorecard: its items are the answered keys, one point each,
pass at 80 %.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from common.errors import InvalidInput
from common.formats import LabeledCall
from evals.baselines import majority_answer
from evals.capabilities import ItemAnswer
from evals.inputs import EvalData
from evals.metrics import (
    agreement,
    classification_report,
    cohen_kappa,
    krippendorff_alpha,
    mean_absolute_error,
)
from evals.results import Confusion, Prediction, Sample, SystemResult
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced, load_model
from evals.types import LabeledCalls
from qa_models.scorecard import (
    Scorecard,
    ScorecardItem,
    ScorecardSection,
    load_default_scorecard,
    score_call,
)

__all__ = ["run_qa"]


def _norm(answer: Any) -> str:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, int | float):
        return str(int(answer)) if float(answer).is_integer() else str(answer)
    text = str(answer).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return "na" if text == "n/a" else text
    return str(int(number)) if number.is_integer() else text


@dataclass(slots=True)
class _Unit:
    call: LabeledCall
    card: Scorecard
    #: evaluator → item → answer
    by_evaluator: dict[str, dict[str, str]]
    reference: dict[str, str] = field(default_factory=dict)
    test: bool = True
    #: the run has several scorecards: ids and item keys name the scorecard
    multi: bool = False

    @property
    def id(self) -> str:
        return f"{self.call.call_id}/{self.card.id}" if self.multi else self.call.call_id


def _inferred(card_id: str, calls: list[LabeledCall]) -> Scorecard:
    items: dict[str, None] = {}
    for call in calls:
        for ev in call.evaluations:
            if ev.scorecard == card_id:
                items.update(dict.fromkeys(ev.answers))
    return Scorecard(
        id=card_id,
        title=f"{card_id} (inferred from the evaluations)",
        pass_score=80,
        sections=[ScorecardSection(id="all", items=[ScorecardItem(id=i, points=1) for i in items])],
    )


def _units(data: LabeledCalls, given: Scorecard | None, notes: list[str]) -> list[_Unit]:
    evaluated = [c for c in data.calls if c.evaluations]
    if not evaluated:
        return []
    cards: dict[str, Scorecard] = {}
    match_all = False
    if given is not None:
        ids = {ev.scorecard for c in evaluated for ev in c.evaluations}
        match_all = given.id not in ids
        if match_all:
            notes.append(
                f"no evaluation names scorecard '{given.id}' (they name {', '.join(sorted(ids))}); "
                f"every evaluation is read against it"
            )
        cards = {given.id: given}
    else:
        shipped = load_default_scorecard()
        for c in evaluated:
            for ev in c.evaluations:
                if ev.scorecard not in cards:
                    is_shipped = ev.scorecard == shipped.id
                    cards[ev.scorecard] = shipped if is_shipped else _inferred(ev.scorecard, evaluated)
        inferred = sorted(k for k, v in cards.items() if v is not shipped)
        if inferred:
            notes.append(
                "no --scorecard: inferred scorecard(s) "
                + ", ".join(inferred)
                + " from the evaluations (each answered item 1 point, pass at 80 %)"
            )
    multi = len(cards) > 1
    units: list[_Unit] = []
    for call in evaluated:
        for card_id, card in cards.items():
            known = {i.id for i in card.items}
            by_evaluator: dict[str, dict[str, str]] = {}
            for n, ev in enumerate(call.evaluations):
                if ev.scorecard != card_id and not match_all:
                    continue
                answers = {k: _norm(v) for k, v in ev.answers.items() if k in known}
                if answers:
                    key = ev.evaluator if ev.evaluator not in by_evaluator else f"{ev.evaluator}#{n}"
                    by_evaluator[key] = answers
            if not by_evaluator:
                continue
            test = not data.test_ids or call.call_id in data.test_ids
            unit = _Unit(call, card, by_evaluator, test=test, multi=multi)
            for item in card.items:
                given_answers = [a[item.id] for a in by_evaluator.values() if item.id in a]
                best = majority_answer(given_answers)
                if best is not None:
                    unit.reference[item.id] = best
            units.append(unit)
    return units


def _item_key(unit: _Unit, item: str) -> str:
    return f"{unit.card.id}/{item}" if unit.multi else item


def _majority_predictions(
    units: list[_Unit], measured: list[_Unit], has_split: bool
) -> list[dict[str, ItemAnswer]]:
    """Majority answer per item from the training units (with a split) or from every other unit."""
    counts: dict[str, Counter[str]] = {}
    in_pool: set[int] = set()
    for unit in units:
        if has_split and unit.test:
            continue
        in_pool.add(id(unit))
        for item, answer in unit.reference.items():
            counts.setdefault(_item_key(unit, item), Counter())[answer] += 1
    out: list[dict[str, ItemAnswer]] = []
    for unit in measured:
        answers: dict[str, ItemAnswer] = {}
        for item, own in unit.reference.items():
            seen = Counter(counts.get(_item_key(unit, item), Counter()))
            if id(unit) in in_pool:
                seen[own] -= 1  # leave this call out
            seen = Counter({a: c for a, c in seen.items() if c > 0})
            best = majority_answer(seen.elements())
            if best is not None:
                answers[item] = ItemAnswer(best, [], None)
        out.append(answers)
    return out


def _system_result(
    name: str, measured: list[_Unit], predictions: list[dict[str, ItemAnswer]]
) -> SystemResult:
    pooled_ref: list[str] = []
    pooled_pred: list[str] = []
    with_evidence = 0
    per_item_pairs: dict[str, list[tuple[str, str, bool]]] = {}
    ref_scores: list[float] = []
    pred_scores: list[float] = []
    ref_pass: list[bool] = []
    pred_pass: list[bool] = []
    for unit, answers in zip(measured, predictions, strict=True):
        for item, ref in unit.reference.items():
            got = answers.get(item)
            if got is None:
                continue
            pred = _norm(got.answer)
            pooled_ref.append(ref)
            pooled_pred.append(pred)
            with_evidence += bool(got.evidence)
            per_item_pairs.setdefault(_item_key(unit, item), []).append((ref, pred, bool(got.evidence)))
        predicted = {i: _norm(a.answer) for i, a in answers.items() if i in unit.reference}
        ref_score = score_call(unit.card, unit.reference)
        pred_score = score_call(unit.card, predicted)
        if ref_score.percent is not None and pred_score.percent is not None:
            ref_scores.append(ref_score.percent)
            pred_scores.append(pred_score.percent)
        if ref_score.passed is not None and pred_score.passed is not None:
            ref_pass.append(ref_score.passed)
            pred_pass.append(pred_score.passed)
    per_item: dict[str, dict[str, Any]] = {}
    for key, pairs in per_item_pairs.items():
        refs, preds = [p[0] for p in pairs], [p[1] for p in pairs]
        report = classification_report(refs, preds)
        per_item[key] = {
            "n": len(pairs),
            "agreement": agreement(refs, preds),
            "kappa": cohen_kappa(refs, preds),
            "evidence_coverage": sum(p[2] for p in pairs) / len(pairs),
            "confusion": {"labels": report.labels, "matrix": report.confusion},
        }
    overall = classification_report(pooled_ref, pooled_pred) if pooled_ref else None
    return SystemResult(
        name=name,
        metrics={
            "agreement": agreement(pooled_ref, pooled_pred),
            "kappa": _mean([v["kappa"] for v in per_item.values()]),
            "pass_agreement": agreement(ref_pass, pred_pass),
            "score_mae": mean_absolute_error(ref_scores, pred_scores),
            "evidence_coverage": with_evidence / len(pooled_ref) if pooled_ref else None,
            "answers": len(pooled_ref),
        },
        per_item=per_item,
        confusion=Confusion(overall.labels, overall.confusion) if overall else None,
    )


def _human_agreement(
    measured: list[_Unit],
) -> tuple[dict[str, float | int | None], dict[str, dict[str, Any]]]:
    multi = [u for u in measured if len(u.by_evaluator) >= 2]
    if not multi:
        return {"human_alpha": None, "units_with_several_evaluators": 0}, {}
    pooled: dict[tuple[str, str], dict[str, str]] = {}
    per_item: dict[str, dict[tuple[str, str], dict[str, str]]] = {}
    pair_a: list[str] = []
    pair_b: list[str] = []
    item_pairs: dict[str, tuple[list[str], list[str]]] = {}
    score_diffs_a: list[float] = []
    score_diffs_b: list[float] = []
    pass_a: list[bool] = []
    pass_b: list[bool] = []
    scale_items: set[str] = set()
    for unit in multi:
        for item in unit.card.items:
            key = _item_key(unit, item.id)
            if item.scale is not None:
                scale_items.add(key)
            ratings = {ev: a[item.id] for ev, a in unit.by_evaluator.items() if item.id in a}
            if not ratings:
                continue
            pooled[(unit.id, key)] = ratings
            per_item.setdefault(key, {})[(unit.id, key)] = ratings
            for (_, x), (_, y) in itertools.combinations(ratings.items(), 2):
                pair_a.append(x)
                pair_b.append(y)
                lists = item_pairs.setdefault(key, ([], []))
                lists[0].append(x)
                lists[1].append(y)
        for a, b in itertools.combinations(unit.by_evaluator.values(), 2):
            sa, sb = score_call(unit.card, a), score_call(unit.card, b)
            if sa.percent is not None and sb.percent is not None:
                score_diffs_a.append(sa.percent)
                score_diffs_b.append(sb.percent)
            if sa.passed is not None and sb.passed is not None:
                pass_a.append(sa.passed)
                pass_b.append(sb.passed)
    metrics: dict[str, float | int | None] = {
        "human_alpha": krippendorff_alpha(pooled),
        "human_agreement": agreement(pair_a, pair_b),
        "human_kappa": None,
        "human_score_mae": mean_absolute_error(score_diffs_a, score_diffs_b),
        "human_pass_agreement": agreement(pass_a, pass_b),
        "units_with_several_evaluators": len(multi),
    }
    items: dict[str, dict[str, Any]] = {}
    for key, item_ratings in per_item.items():
        first, second = item_pairs.get(key, ([], []))
        level: Literal["nominal", "interval"] = "interval" if key in scale_items else "nominal"
        try:
            alpha = krippendorff_alpha(item_ratings, level)
        except (ValueError, TypeError):  # a scale answer that is not a number
            alpha = None
        items[key] = {
            "human_alpha": alpha,
            "human_agreement": agreement(first, second),
            "human_kappa": cohen_kappa(first, second),
        }
    metrics["human_kappa"] = _mean([v["human_kappa"] for v in items.values()])
    return metrics, items


def _mean(values: list[float | None]) -> float | None:
    """The mean of the defined values (κ is undefined on an item where everyone gave one answer)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _evidence(answers: Mapping[str, ItemAnswer]) -> dict[str, list[str]] | None:
    found = {item: a.evidence for item, a in answers.items() if a.evidence}
    return found or None


def run_qa(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    if not isinstance(data.data, LabeledCalls):
        raise InvalidInput(f"the qa task reads labeled calls with evaluations; {data.source} is {data.kind}")
    notes: list[str] = []
    units = _units(data.data, ctx.request.scorecard, notes)
    has_split = bool(data.data.test_ids) and any(not u.test for u in units)
    candidates = [u for u in units if u.test] if has_split else units
    measured = evenly_spaced(candidates, ctx.limit)
    if len(measured) < len(candidates):
        notes.append(
            f"--limit {ctx.limit}: {len(measured)} of {len(candidates)} evaluated calls, evenly spaced"
        )
    outcome = TaskOutcome(n=len(measured), model=SystemResult("qa"), notes=notes)
    if not measured:
        outcome.model = SystemResult.not_available("qa", "no call has human evaluations to compare with")
        outcome.data_metrics = {"human_alpha": None}
        return outcome
    outputs: dict[str, list[dict[str, ItemAnswer]]] = {}
    scorer, unavailable = load_model(ctx, data, "qa")
    if unavailable is not None:
        outcome.model = unavailable
    else:
        name = str(getattr(scorer, "name", "qa"))
        predictions = [scorer.score(u.call, u.card) for u in measured]
        outcome.model = _system_result(name, measured, predictions)
        outputs[name] = predictions
    baseline_predictions = _majority_predictions(units, measured, has_split)
    baseline = _system_result("majority", measured, baseline_predictions)
    baseline.description = (
        "the most common human answer per item on the training calls"
        if has_split
        else "the most common human answer per item on the other calls (leave one call out)"
    )
    outcome.baselines["majority"] = baseline
    outputs["majority"] = baseline_predictions
    outcome.data_metrics, outcome.data_per_item = _human_agreement(measured)
    if not outcome.data_metrics.get("units_with_several_evaluators"):
        notes.append("no call was evaluated by more than one person: human-human agreement is not available")
    for i, unit in enumerate(measured):
        predictions_i = {}
        for name, answers_list in outputs.items():
            answers = answers_list[i]
            predicted = {item: _norm(a.answer) for item, a in answers.items()}
            correct = all(predicted.get(k) == v for k, v in unit.reference.items())
            predictions_i[name] = Prediction(
                predicted=predicted, correct=correct, evidence=_evidence(answers)
            )
        outcome.samples.append(
            Sample(
                unit.id, {"answers": unit.reference, "evaluators": sorted(unit.by_evaluator)}, predictions_i
            )
        )
    outcome.config["scorecards"] = sorted({u.card.id for u in units})
    return outcome
