"""Helpers the classification-like runners share: texts of calls, class reports, batch timing."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from common.formats import LabeledCall
from evals.metrics import classification_report
from evals.results import Confusion, SystemResult

__all__ = ["call_text", "classification_result", "timed_batches"]

T = TypeVar("T")


def call_text(call: LabeledCall, speaker: str | None = None) -> str:
    """The reference turns' text (one speaker's when given and present), one turn per line."""
    turns = [t for t in call.turns if speaker is None or t.speaker == speaker]
    if speaker is not None and not turns:
        turns = list(call.turns)
    return "\n".join(t.text for t in turns if t.text.strip())


def classification_result(
    name: str,
    expected: Sequence[str],
    predicted: Sequence[str],
    *,
    oos_label: str | None = None,
    latencies_ms: Sequence[float] = (),
    description: str = "",
    latency_label: str = "ms per item (timed in batches of 8)",
) -> SystemResult:
    report = classification_report(expected, predicted)
    metrics: dict[str, float | int | None] = {"accuracy": report.accuracy, "macro_f1": report.macro_f1}
    if oos_label is not None:
        oos = report.per_class.get(oos_label)
        metrics["oos_recall"] = oos.recall if oos is not None else None
        inscope = [e == p for e, p in zip(expected, predicted, strict=True) if e != oos_label]
        metrics["inscope_accuracy"] = sum(inscope) / len(inscope) if inscope else None
    per_class = {
        label: {"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}
        for label, s in report.per_class.items()
    }
    return SystemResult(
        name=name,
        metrics=metrics,
        per_class=per_class,
        confusion=Confusion(report.labels, report.confusion),
        latencies_ms=list(latencies_ms),
        description=description,
        latency_label=latency_label,
    )


def timed_batches(
    items: Sequence[Any], predict: Callable[[Sequence[Any]], list[T]], batch: int = 8
) -> tuple[list[T], list[float]]:
    """``predict`` over ``items`` in small batches; returns the outputs and ms per item of each batch."""
    out: list[T] = []
    latencies: list[float] = []
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        t0 = time.perf_counter()
        out.extend(predict(chunk))
        per_item = (time.perf_counter() - t0) * 1000 / len(chunk)
        latencies.extend([per_item] * len(chunk))
    return out, latencies
