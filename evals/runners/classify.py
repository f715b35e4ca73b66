"""The ``contact_type`` and ``sentiment`` tasks: label texts, compare with the human labels.

Items come from utterance CSVs (the dataset's test splits are measured, its training splits only
train the baseline) or from labeled calls (``labels.contact_type`` / ``labels.sentiment``; a call's
text is its reference turns, the customer's for sentiment). A labeled-call set with ``test_ids``
measures those calls and trains on the rest.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asr import Turn
from common.errors import InvalidInput
from common.formats import LabeledCall
from evals.capabilities import Label
from evals.inputs import EvalData
from evals.metrics import spearman
from evals.results import Prediction, Sample, SystemResult
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced, load_model
from evals.runners.common import call_text, classification_result, timed_batches
from evals.types import GradedText, LabeledCalls, Utterances

__all__ = ["run_contact_type", "run_sentiment"]

SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(slots=True)
class _Items:
    """Texts to measure (``ids``, ``texts``, ``labels``) and training texts for the baseline."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    train_texts: list[str] = field(default_factory=list)
    train_labels: list[str] = field(default_factory=list)
    oos_label: str | None = None
    notes: list[str] = field(default_factory=list)
    #: labeled calls: the measured calls (parallel to ``ids``) and the training calls
    calls: list[LabeledCall] = field(default_factory=list)
    train_calls: list[LabeledCall] = field(default_factory=list)


def _from_utterances(data: Utterances) -> _Items:
    items = _Items(oos_label=data.oos_label)
    train = [s for s in data.train_splits if s in data.splits]
    test = [s for s in data.test_splits if s in data.splits]
    if not test:
        test = [s for s in data.splits if s not in train]
    for split in train:
        for u in data.splits[split]:
            items.train_texts.append(u.text)
            items.train_labels.append(u.label)
    for split in test:
        for i, u in enumerate(data.splits[split]):
            items.ids.append(u.id or f"{split}:{i}")
            items.texts.append(u.text)
            items.labels.append(u.label)
    items.notes.append(
        f"measured on split(s) {', '.join(test)}" + (f"; trained on {', '.join(train)}" if train else "")
    )
    if data.multi_label:
        items.notes.append("multi-label data: an item is right only when its whole label set is predicted")
    return items


def _from_calls(data: LabeledCalls, key: str, speaker: str | None) -> _Items:
    items = _Items()
    missing = 0
    for call in data.calls:
        label = call.labels.get(key)
        text = call_text(call, speaker)
        if label is None or not text:
            missing += 1
            continue
        if data.test_ids and call.call_id not in data.test_ids:
            items.train_texts.append(text)
            items.train_labels.append(str(label))
            items.train_calls.append(call)
        else:
            items.ids.append(call.call_id)
            items.texts.append(text)
            items.labels.append(str(label))
            items.calls.append(call)
    if missing:
        items.notes.append(f"{missing} calls have no labels.{key} or no reference turns and are left out")
    if data.test_ids:
        items.notes.append(f"measured on the {len(items.ids)} test calls; the other calls train the baseline")
    return items


def _subset(items: _Items, limit: int | None) -> None:
    keep = evenly_spaced(list(range(len(items.ids))), limit)
    if len(keep) < len(items.ids):
        items.notes.append(f"--limit {limit}: {len(keep)} of {len(items.ids)} items, evenly spaced")
    items.ids = [items.ids[i] for i in keep]
    items.texts = [items.texts[i] for i in keep]
    items.labels = [items.labels[i] for i in keep]
    if items.calls:
        items.calls = [items.calls[i] for i in keep]


def _samples(items: _Items, outputs: dict[str, list[Label]]) -> list[Sample]:
    samples = []
    for i, item_id in enumerate(items.ids):
        predictions = {
            name: Prediction(
                predicted=labels[i].label,
                correct=labels[i].label == items.labels[i],
                score=labels[i].confidence,
                evidence=labels[i].evidence or None,
            )
            for name, labels in outputs.items()
        }
        samples.append(Sample(item_id, items.labels[i], predictions, input=items.texts[i][:500]))
    return samples


# ------------------------------------------------------------------------------ contact type


def _contact_items(data: EvalData) -> _Items:
    if isinstance(data.data, Utterances):
        return _from_utterances(data.data)
    if isinstance(data.data, LabeledCalls):
        items = _from_calls(data.data, "contact_type", None)
        if "other" in items.labels:
            items.oos_label = "other"
        return items
    raise InvalidInput(
        f"the contact_type task reads utterance CSVs or labeled calls; {data.source} is {data.kind}"
    )


def _tfidf_baseline(items: _Items, ctx: TaskContext) -> tuple[SystemResult, list[Label] | None, str]:
    from evals.baselines import TfidfLogReg, cross_validated_labels

    name = "tfidf_logreg"
    taxonomy = ctx.request.taxonomy
    if items.train_texts:
        how = f"trained on {len(items.train_texts)} training items"
        model = TfidfLogReg().fit(items.train_texts, items.train_labels)
    elif taxonomy is not None:
        texts, labels = [], []
        for t in taxonomy.types:
            for example in [*t.examples, t.description]:
                if example.strip():
                    texts.append(example)
                    labels.append(t.id)
        if len(set(labels)) < 2:
            return (
                SystemResult.not_available(name, "the taxonomy has fewer than two types with examples"),
                None,
                "",
            )
        how = f"trained on the taxonomy's {len(texts)} examples and descriptions"
        model = TfidfLogReg().fit(texts, labels)
    else:
        if len(items.texts) < 4 or len(set(items.labels)) < 2:
            reason = "no training split, no --taxonomy, and too few items (or one label) to cross-validate"
            return SystemResult.not_available(name, reason), None, ""
        how = "5-fold cross-validated on the measured items (no training split or taxonomy was given)"
        t0 = time.perf_counter()
        labels_cv = cross_validated_labels(items.texts, items.labels)
        per_item = (time.perf_counter() - t0) * 1000 / len(items.texts)
        result = classification_result(
            name,
            items.labels,
            [lab.label for lab in labels_cv],
            oos_label=items.oos_label,
            latencies_ms=[per_item] * len(items.texts),
            description=how,
        )
        return result, labels_cv, how
    labels_out, latencies = timed_batches(items.texts, model.classify)
    result = classification_result(
        name,
        items.labels,
        [lab.label for lab in labels_out],
        oos_label=items.oos_label,
        latencies_ms=latencies,
        description=how,
    )
    return result, labels_out, how


def _turns(call: LabeledCall) -> list[Turn]:
    from qa_models import TagInput

    return TagInput.from_labeled_call(call).turns


def _training_texts(items: _Items) -> tuple[list[str], list[str]]:
    """What a contact-type model trained in the run learns from: the training split's texts, or the
    training calls' reason sentences labeled with the call's type."""
    if not items.train_calls:
        return items.train_texts, items.train_labels
    from qa_models import reason_sentences

    texts, labels = [], []
    for call in items.train_calls:
        for _, sentence in reason_sentences(_turns(call)):
            texts.append(sentence)
            labels.append(str(call.labels["contact_type"]))
    return texts, labels


def _classify(model: Any, items: _Items) -> tuple[list[Label], list[float]]:
    """Utterances through ``classify``; calls through ``classify_calls`` when the model reads calls."""
    classify_calls = getattr(model, "classify_calls", None)
    if not items.calls or classify_calls is None:
        return timed_batches(items.texts, model.classify)

    def by_call(calls: Sequence[LabeledCall]) -> list[Label]:
        return [
            Label(r.label, r.confidence, list(r.evidence)) for r in classify_calls([_turns(c) for c in calls])
        ]

    return timed_batches(items.calls, by_call)


def run_contact_type(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    items = _contact_items(data)
    _subset(items, ctx.limit)
    outcome = TaskOutcome(n=len(items.ids), model=SystemResult("contact_type"), notes=items.notes)
    if not items.ids:
        outcome.model = SystemResult.not_available("contact_type", "no labeled items to measure")
        return outcome
    outputs: dict[str, list[Label]] = {}
    ctx.request.train_texts, ctx.request.train_labels = _training_texts(items)
    model, unavailable = load_model(ctx, data, "contact_type")
    if unavailable is not None:
        outcome.model = unavailable
    else:
        name = str(getattr(model, "name", "contact_type"))
        labels, latencies = _classify(model, items)
        if items.oos_label and items.oos_label != "other":  # the dataset's name for "none of the types"
            for lab in labels:
                lab.label = items.oos_label if lab.label == "other" else lab.label
        outcome.model = classification_result(
            name,
            items.labels,
            [lab.label for lab in labels],
            oos_label=items.oos_label,
            latencies_ms=latencies,
        )
        outputs[name] = labels
    baseline, labels_b, how = _tfidf_baseline(items, ctx)
    outcome.baselines[baseline.name] = baseline
    if labels_b is not None:
        outputs[baseline.name] = labels_b
        outcome.config["tfidf_logreg"] = how
    outcome.samples = _samples(items, outputs)
    return outcome


# --------------------------------------------------------------------------------- sentiment


def _sentiment_graded(data: list[GradedText], ctx: TaskContext, outcome: TaskOutcome) -> TaskOutcome:
    chosen = evenly_spaced(data, ctx.limit)
    if len(chosen) < len(data):
        outcome.notes.append(f"--limit {ctx.limit}: {len(chosen)} of {len(data)} texts, evenly spaced")
    outcome.n = len(chosen)
    texts = [g.text for g in chosen]
    human = [g.score for g in chosen]
    systems: list[tuple[Any, bool]] = []
    model, unavailable = load_model(ctx, EvalData("", "", data), "sentiment")
    if unavailable is not None:
        outcome.model = unavailable
    else:
        systems.append((model, True))
    from evals.baselines import VaderSentiment

    systems.append((VaderSentiment(), False))
    outputs: dict[str, list[float]] = {}
    for system, is_model in systems:
        name = str(getattr(system, "name", "sentiment"))
        scores, latencies = timed_batches(texts, system.score)
        polarity = [s.polarity for s in scores]
        result = SystemResult(
            name=name,
            metrics={"spearman": spearman(polarity, human)},
            latencies_ms=latencies,
            scatter=list(zip(human, polarity, strict=True)),
        )
        outputs[name] = polarity
        if is_model:
            outcome.model = result
        else:
            outcome.baselines[name] = result
    outcome.notes.append(
        "graded data: Spearman correlation of the predicted polarity with the mean human rating (−4…+4)"
    )
    for i, g in enumerate(chosen):
        predictions = {name: Prediction(predicted=round(p[i], 4), score=p[i]) for name, p in outputs.items()}
        outcome.samples.append(Sample(g.id or str(i), g.score, predictions, input=g.text[:500]))
    return outcome


def run_sentiment(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    outcome = TaskOutcome(n=0, model=SystemResult("sentiment"))
    if isinstance(data.data, list):
        return _sentiment_graded(data.data, ctx, outcome)
    if isinstance(data.data, Utterances):
        items = _from_utterances(data.data)
    elif isinstance(data.data, LabeledCalls):
        items = _from_calls(data.data, "sentiment", "customer")
    else:
        raise InvalidInput(
            f"the sentiment task reads utterance CSVs, labeled calls or graded texts; {data.source} is "
            f"{data.kind}"
        )
    _subset(items, ctx.limit)
    outcome.n = len(items.ids)
    outcome.notes += items.notes
    unknown = sorted(set(items.labels) - set(SENTIMENTS))
    if unknown:
        outcome.notes.append(f"labels outside negative/neutral/positive: {', '.join(unknown[:5])}")
    if not items.ids:
        outcome.model = SystemResult.not_available("sentiment", "no labeled items to measure")
        return outcome
    from evals.baselines import VaderSentiment

    systems: list[tuple[Any, bool]] = []
    model, unavailable = load_model(ctx, data, "sentiment")
    if unavailable is not None:
        outcome.model = unavailable
    else:
        systems.append((model, True))
    systems.append((VaderSentiment(), False))
    outputs: dict[str, list[Label]] = {}
    for system, is_model in systems:
        name = str(getattr(system, "name", "sentiment"))
        scores, latencies = timed_batches(items.texts, system.score)
        labels = [Label(s.label, None, [f"polarity {s.polarity:+.3f}"]) for s in scores]
        result = classification_result(
            name, items.labels, [lab.label for lab in labels], latencies_ms=latencies
        )
        outputs[name] = labels
        if is_model:
            outcome.model = result
        else:
            outcome.baselines[name] = result
    outcome.samples = _samples(items, outputs)
    return outcome
