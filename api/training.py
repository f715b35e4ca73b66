"""`callscope train`: contact-type, sentiment and repeat-call models from a team's own data.

Data is read like the evals read it (a labeled-call JSONL, an utterance CSV, or a built-in dataset
name). A built-in dataset trains on its training splits only; a labeled-call set with test ids
leaves those out; a team's own file trains on all of it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import InvalidInput

if TYPE_CHECKING:
    from evals.inputs import EvalData
    from qa_models import ModelInfo
    from qa_models.finetune import FineTuneOptions
    from qa_models.heads import Encoder

__all__ = ["TrainingData", "read_training_data", "train_contact_type", "train_repeat_call", "train_sentiment"]


@dataclass(slots=True)
class TrainingData:
    texts: list[str]
    labels: list[str]
    source: str
    note: str


def _load(spec: str, task: str) -> EvalData:
    from evals.inputs import load_eval_data

    return load_eval_data(spec, task=task)


def _builtin(data: EvalData) -> bool:
    return data.source.startswith("built-in dataset")


def read_training_data(spec: str, *, task: str, label_key: str, speaker: str | None) -> TrainingData:
    """Texts and labels to train on: utterance rows, or for labeled calls the customer's reason
    sentences (contact type) or customer turns (sentiment), each labeled with the call's label."""
    from evals.types import LabeledCalls, Utterances
    from qa_models import reason_sentences

    data = _load(spec, task)
    texts: list[str] = []
    labels: list[str] = []
    if isinstance(data.data, Utterances):
        u = data.data
        splits = [s for s in u.train_splits if s in u.splits] if _builtin(data) else list(u.splits)
        if not splits:
            raise InvalidInput(f"{spec}: the dataset has no training split")
        for split in splits:
            for row in u.splits[split]:
                texts.append(row.text)
                labels.append(row.label)
        note = f"{len(texts)} utterances from split(s) {', '.join(splits)}"
    elif isinstance(data.data, LabeledCalls):
        calls = [c for c in data.data.calls if c.call_id not in data.data.test_ids]
        from qa_models import TagInput

        n = 0
        for call in calls:
            label = call.labels.get(label_key)
            if label is None or not call.turns:
                continue
            turns = TagInput.from_labeled_call(call).turns
            if speaker is None:
                chosen = [s for _, s in reason_sentences(turns)]
            else:
                chosen = [t.text for t in turns if t.speaker == speaker and len(t.text.split()) >= 2]
            texts += chosen
            labels += [str(label)] * len(chosen)
            n += bool(chosen)
        left_out = f" ({len(data.data.test_ids)} test calls left out)" if data.data.test_ids else ""
        note = f"{len(texts)} texts from {n} labeled calls{left_out}"
    else:
        raise InvalidInput(
            f"{spec}: train reads an utterance CSV or labeled-call JSONL, not {data.kind} data"
        )
    if not texts:
        raise InvalidInput(f"{spec}: nothing to train on (no rows with labels.{label_key})")
    return TrainingData(texts, labels, data.source, note)


def _few(texts: list[str], labels: list[str], shots: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``shots`` examples per label, drawn at random (seeded)."""
    by: dict[str, list[str]] = {}
    for t, y in zip(texts, labels, strict=True):
        by.setdefault(y, []).append(t)
    rng = random.Random(seed)
    out_t, out_y = [], []
    for y in sorted(by):
        for t in rng.sample(by[y], min(shots, len(by[y]))):
            out_t.append(t)
            out_y.append(y)
    return out_t, out_y


def train_contact_type(
    encoder: Encoder,
    *,
    out: Path,
    taxonomy: Path | None = None,
    data: str | None = None,
    shots: int | None = None,
    name: str = "contact-type",
) -> tuple[ModelInfo, str]:
    from qa_models import build_contact_type, load_taxonomy

    if taxonomy is None and data is None:
        raise InvalidInput("give --taxonomy, --data, or both")
    tax = load_taxonomy(taxonomy) if taxonomy else None
    texts: list[str] = []
    labels: list[str] = []
    notes = [f"taxonomy {taxonomy}"] if taxonomy else []
    if data is not None:
        td = read_training_data(data, task="contact_type", label_key="contact_type", speaker=None)
        texts, labels = td.texts, td.labels
        if shots:
            texts, labels = _few(texts, labels, shots)
            td.note = f"{len(texts)} utterances, {shots} per label, from {td.note}"
        notes.append(f"{td.source}: {td.note}")
    model = build_contact_type(
        encoder, taxonomy=tax, texts=texts, labels=labels, name=name, trained_on="; ".join(notes)
    )
    model.save(out)
    return model.info, "; ".join(notes)


def train_sentiment(
    encoder: Encoder | None,
    *,
    out: Path,
    data: str,
    name: str = "sentiment",
    fine_tune: FineTuneOptions | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> tuple[ModelInfo, str]:
    """``fine_tune``: fine-tune the encoder as well (then ``encoder`` only says where its export is
    cached)."""
    from qa_models import train_sentiment as fit

    td = read_training_data(data, task="sentiment", label_key="sentiment", speaker="customer")
    note = f"{td.source}: {td.note}"
    model = fit(
        encoder, td.texts, td.labels, name=name, trained_on=note, fine_tune=fine_tune, progress=progress
    )
    model.save(out)
    return model.info, note


def train_repeat_call(
    records: list[Any], labels: list[bool], *, out: Path, name: str = "repeat-call"
) -> ModelInfo:
    from qa_models import train_repeat_predictor

    model = train_repeat_predictor(records, labels, name=name)
    model.save(out)
    return model.info


def repeat_training_set(rt: Any, data: str | None, window_days: float) -> tuple[list[Any], list[bool], str]:
    """Calls with their measured repeat labels: from a labeled-call file (``labels.repeat_call`` when
    given, else measured on the file's own history), or from the stored calls. Contact type and
    closing sentiment come from the tagger, as they will when the model is used."""
    from api import store
    from api.tagging import stored_tag_input
    from qa_models import RepeatOptions, TagInput, measure_repeats

    if data is not None:
        from evals.types import LabeledCalls

        loaded = _load(data, "repeat_call")
        if not isinstance(loaded.data, LabeledCalls):
            raise InvalidInput(f"{data}: repeat-call training reads labeled calls (JSONL), not {loaded.kind}")
        calls = [c for c in loaded.data.calls if c.call_id not in loaded.data.test_ids]
        inputs = [TagInput.from_labeled_call(c) for c in calls]
        given = [c.labels.get("repeat_call") for c in calls]
        source = loaded.source
    else:
        ids = [r.call_id for r in store.repeat_history(rt.db)]
        inputs = [stored_tag_input(store.get_call(rt.db, i)) for i in ids]
        given = [None] * len(inputs)
        source = "the stored calls"
    records = [t.record for t in rt.tagger().tag_many(inputs)]
    marks = measure_repeats(records, RepeatOptions(window_days=window_days))
    labels: list[bool] = []
    kept: list[Any] = []
    for record, mark, label in zip(records, marks, given, strict=True):
        value = label if isinstance(label, bool) else mark.repeated
        if value is not None:
            kept.append(record)
            labels.append(bool(value))
    how = (
        "labels.repeat_call"
        if any(isinstance(g, bool) for g in given)
        else f"measured ({window_days:g}-day window)"
    )
    return kept, labels, f"{len(kept)} calls from {source}, {sum(labels)} repeated ({how})"
