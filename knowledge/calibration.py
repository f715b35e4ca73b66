"""Calibrating the confidence of search hits on labelled queries (see ``knowledge.confidence``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from knowledge.confidence import ConfidenceModel, best_threshold, fit_confidence
from knowledge.search import Searcher, SearchOptions

__all__ = ["CalibrationQuery", "CalibrationResult", "calibrate"]


@dataclass(slots=True, frozen=True)
class CalibrationQuery:
    text: str  # the query as searched (already formed with its context)
    relevant: tuple[str, ...]  # empty: nothing should be suggested
    as_of: date | None = None


@dataclass(slots=True)
class CalibrationResult:
    model: ConfidenceModel
    queries: int
    positives: int
    true_positive_rate: float  # share of top-hit-right queries that would be shown
    true_negative_rate: float  # share of the others that would stay silent


def calibrate(
    searcher: Searcher,
    kb: str,
    queries: Sequence[CalibrationQuery],
    *,
    refit: bool = False,
    fitted_on: str = "",
) -> CalibrationResult:
    """Search every query; a query is positive when the top hit is relevant. With ``refit`` the
    logistic weights are learnt too; otherwise only the threshold is chosen, for the current weights."""
    samples: list[tuple[float, float, bool]] = []
    for q in queries:
        result = searcher.search(kb, q.text, SearchOptions(k=1, as_of=q.as_of))
        top = result.hits[0] if result.hits else None
        if top is None:
            samples.append((0.0, 0.0, False))
        else:
            samples.append((top.similarity, top.coverage, top.doc_id in q.relevant))
    name = fitted_on or f"{len(queries)} queries on knowledge base {kb}"
    labels = [ok for *_, ok in samples]
    if refit:
        fitted = fit_confidence(samples, fitted_on=name, embedder=searcher.embedder.name)
    else:  # keep the weights, choose the threshold for them
        current = searcher.confidence
        threshold = best_threshold([current.confidence(s, c) for s, c, _ in samples], labels)
        fitted = replace(current, threshold=threshold, fitted_on=name)
    conf = [fitted.confidence(s, c) for s, c, _ in samples]
    pos = sum(labels)
    tp = sum(1 for p, ok in zip(conf, labels, strict=True) if ok and p >= fitted.threshold)
    tn = sum(1 for p, ok in zip(conf, labels, strict=True) if not ok and p < fitted.threshold)
    return CalibrationResult(
        model=fitted,
        queries=len(samples),
        positives=pos,
        true_positive_rate=tp / max(1, pos),
        true_negative_rate=tn / max(1, len(samples) - pos),
    )
