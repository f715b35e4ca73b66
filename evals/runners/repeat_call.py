"""The ``repeat_call`` task: which calls are followed by another contact about the same matter.

Items are labeled calls with ``labels.repeat_call``. The model (``RepeatCallModel``) sees every call
of the dataset, since a repeat depends on the customer's other contacts, and returns a probability
per call. ``precision`` / ``recall`` treat a probability ≥ 0.5 as a predicted repeat; ``auc`` ranks the
probabilities. Baseline ``same_customer_7d``: the same ``customer_id`` contacts again within 7 days of
``started_at``.
"""

from __future__ import annotations

from common.errors import InvalidInput
from evals.baselines import same_customer_repeat
from evals.inputs import EvalData
from evals.metrics import precision_recall, roc_auc
from evals.results import Prediction, Sample, SystemResult
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced, load_model
from evals.types import LabeledCalls

__all__ = ["THRESHOLD", "run_repeat_call"]

THRESHOLD = 0.5


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    if isinstance(value, int | float):
        return bool(value)
    return None


def _result(name: str, expected: list[bool], scores: list[float]) -> SystemResult:
    predicted = [s >= THRESHOLD for s in scores]
    precision, recall = precision_recall(expected, predicted)
    return SystemResult(
        name=name,
        metrics={"precision": precision, "recall": recall, "auc": roc_auc(expected, scores)},
        scatter=[(float(e), s) for e, s in zip(expected, scores, strict=True)],
    )


def run_repeat_call(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    if not isinstance(data.data, LabeledCalls):
        raise InvalidInput(f"the repeat_call task reads labeled calls; {data.source} is {data.kind}")
    calls = data.data.calls
    labeled = [i for i, c in enumerate(calls) if _truth(c.labels.get("repeat_call")) is not None]
    if data.data.test_ids:
        labeled = [i for i in labeled if calls[i].call_id in data.data.test_ids]
    chosen = evenly_spaced(labeled, ctx.limit)
    outcome = TaskOutcome(n=len(chosen), model=SystemResult("repeat_call"))
    if not chosen:
        reason = "no call has labels.repeat_call"
        outcome.model = SystemResult.not_available("repeat_call", reason)
        outcome.baselines["same_customer_7d"] = SystemResult.not_available("same_customer_7d", reason)
        return outcome
    expected = [bool(_truth(calls[i].labels.get("repeat_call"))) for i in chosen]
    if not any(c.customer_id and c.started_at for c in calls):
        outcome.notes.append("no call has customer_id and started_at: a repeat cannot be told from history")
    outputs: dict[str, list[float]] = {}
    if data.data.test_ids:
        ctx.request.train_calls = [c for c in calls if c.call_id not in data.data.test_ids]
    model, unavailable = load_model(ctx, data, "repeat_call")
    if unavailable is not None:
        outcome.model = unavailable
    else:
        name = str(getattr(model, "name", "repeat_call"))
        all_scores = model.predict(calls)
        outputs[name] = [float(all_scores[i]) for i in chosen]
        outcome.model = _result(name, expected, outputs[name])
    rule = same_customer_repeat([(c.customer_id, c.started_at) for c in calls])
    outputs["same_customer_7d"] = [rule[i] for i in chosen]
    baseline = _result("same_customer_7d", expected, outputs["same_customer_7d"])
    baseline.description = "the same customer contacts again within 7 days"
    outcome.baselines["same_customer_7d"] = baseline
    for k, i in enumerate(chosen):
        predictions = {
            name: Prediction(
                predicted=s[k] >= THRESHOLD, correct=(s[k] >= THRESHOLD) == expected[k], score=s[k]
            )
            for name, s in outputs.items()
        }
        outcome.samples.append(Sample(calls[i].call_id, expected[k], predictions))
    return outcome
