"""The ``retrieval`` task: knowledge documents + queries → ranking quality, no-answer behaviour, latency.

The capability returns named ``Retriever`` systems (``{"hybrid": ..., "bm25": ..., "vector": ...}``);
the first is the model under test and the others are its baselines, measured on the same queries.
Metrics (``evals.metrics.retrieval_scores``): mean recall@1, recall@5, MRR and nDCG@5 over queries
with relevant documents; ``no_answer_accuracy`` over queries with ``relevant: []``: the share where
the best score is below the system's ``confidence_threshold`` (nothing confident suggested);
``latency_p50_ms`` / ``latency_p95_ms`` of one search.
"""

from __future__ import annotations

import time
from typing import Any

from common.errors import InvalidInput
from evals.capabilities import NotAvailable, load_capability
from evals.inputs import EvalData
from evals.metrics import percentile, retrieval_scores
from evals.results import Prediction, Sample, SystemResult
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced
from evals.types import RetrievalQuery, RetrievalSet

__all__ = ["SEARCH_K", "run_retrieval"]

#: results asked of a retriever per query
SEARCH_K = 10


def _measure(
    name: str, retriever: Any, queries: list[RetrievalQuery]
) -> tuple[SystemResult, list[Prediction]]:
    rows: list[tuple[list[str], list[float], list[str]]] = []
    latencies: list[float] = []
    predictions: list[Prediction] = []
    threshold = float(getattr(retriever, "confidence_threshold", 0.0))
    for q in queries:
        t0 = time.perf_counter()
        hits = retriever.search(q, SEARCH_K)
        latencies.append((time.perf_counter() - t0) * 1000)
        ranked = [h.doc_id for h in hits]
        scores = [h.score for h in hits]
        rows.append((ranked, scores, q.relevant))
        confident = bool(hits) and hits[0].score >= threshold
        if q.relevant:
            correct: bool | None = bool(ranked[:1]) and ranked[0] in q.relevant
        else:
            correct = not confident
        predictions.append(
            Prediction(
                predicted=ranked[:5],
                correct=correct,
                score=scores[0] if scores else None,
                evidence=[
                    {"doc_id": h.doc_id, "score": round(h.score, 4), "text": h.text[:300]} for h in hits[:3]
                ],
            )
        )
    s = retrieval_scores(rows, threshold)
    metrics: dict[str, float | int | None] = {
        "recall@1": s.recall_at_1,
        "recall@5": s.recall_at_5,
        "mrr": s.mrr,
        "ndcg@5": s.ndcg_at_5,
        "no_answer_accuracy": s.no_answer_accuracy,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "answerable_queries": s.answerable,
        "no_answer_queries": s.no_answer,
        "confidence_threshold": threshold,
    }
    return SystemResult(
        name=name, metrics=metrics, latencies_ms=latencies, latency_label="search time (ms)"
    ), predictions


def run_retrieval(data: EvalData, ctx: TaskContext) -> TaskOutcome:
    if not isinstance(data.data, RetrievalSet):
        raise InvalidInput(
            f"the retrieval task reads a knowledge folder (--kb) and queries; {data.source} is {data.kind}"
        )
    queries = evenly_spaced(data.data.queries, ctx.limit)
    outcome = TaskOutcome(n=len(queries), model=SystemResult("hybrid"))
    outcome.config["documents"] = len(data.data.documents)
    if len(queries) < len(data.data.queries):
        outcome.notes.append(f"--limit {ctx.limit}: {len(queries)} of {len(data.data.queries)} queries")
    ctx.request.documents = data.data.documents
    try:
        systems = load_capability("retrieval", ctx.request)
    except NotAvailable as exc:
        outcome.model = SystemResult.not_available("hybrid", str(exc))
        for name in ctx.spec.baselines:
            outcome.baselines[name] = SystemResult.not_available(name, str(exc))
        return outcome
    if not isinstance(systems, dict):
        systems = {str(getattr(systems, "name", "retriever")): systems}
    outputs: dict[str, list[Prediction]] = {}
    for i, (name, retriever) in enumerate(systems.items()):
        ctx.progress(f"retrieval: {name}")
        result, predictions = _measure(name, retriever, queries)
        outputs[name] = predictions
        if i == 0:
            outcome.model = result
        else:
            outcome.baselines[name] = result
    for i, q in enumerate(queries):
        outcome.samples.append(
            Sample(q.id or str(i), q.relevant, {name: p[i] for name, p in outputs.items()}, input=q.query)
        )
    return outcome
