"""Pure metric functions: word error rate, classification, retrieval, agreement, ranking, latency.

Every function takes plain sequences and returns plain numbers or small dataclasses, so each is
unit-tested on hand-computed values. A figure that is undefined on the given data (κ when both
raters used one answer only, AUC with one class, precision with no positive prediction) is
``None``, never a made-up 0 or 1.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ClassScores",
    "ClassificationReport",
    "RetrievalScores",
    "WordErrors",
    "agreement",
    "classification_report",
    "cohen_kappa",
    "krippendorff_alpha",
    "mean_absolute_error",
    "ndcg_at_k",
    "no_answer_accuracy",
    "percentile",
    "precision_recall",
    "rank_average",
    "recall_at_k",
    "reciprocal_rank",
    "retrieval_scores",
    "roc_auc",
    "speaker_attribution",
    "spearman",
    "wer",
    "word_errors",
]


# --------------------------------------------------------------------------------------- WER


@dataclass(slots=True)
class WordErrors:
    """Edit counts of a hypothesis against a reference, over one or many pairs of texts."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    hits: int = 0

    @property
    def reference_words(self) -> int:
        return self.substitutions + self.deletions + self.hits

    @property
    def wer(self) -> float | None:
        """(S + D + I) / N; None when the reference has no words."""
        n = self.reference_words
        return None if n == 0 else (self.substitutions + self.deletions + self.insertions) / n

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.hits + other.hits,
        )


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> WordErrors:
    """Minimum-edit alignment (jiwer) of two word lists; empty lists are allowed on either side."""
    if not reference:
        return WordErrors(insertions=len(hypothesis))
    if not hypothesis:
        return WordErrors(deletions=len(reference))
    import jiwer

    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return WordErrors(out.substitutions, out.deletions, out.insertions, out.hits)


def wer(reference: Sequence[str], hypothesis: Sequence[str]) -> float | None:
    """Word error rate of one hypothesis word list against one reference word list."""
    return word_errors(reference, hypothesis).wer


def speaker_attribution(
    reference: Sequence[tuple[str, str]], hypothesis: Sequence[tuple[str, str]]
) -> tuple[int, int]:
    """Speaker attribution over aligned words: ``(same speaker, aligned)``.

    Both sides are ``(word, speaker)`` lists in time order. The words are aligned by minimum edit
    distance; every reference word that is aligned to a hypothesis word (a match or a
    substitution) counts once, and it is right when that hypothesis word's turn has the
    reference word's speaker. Deleted reference words are left out: they are recognition
    errors, already in the WER, with no speaker to judge.
    """
    if not reference or not hypothesis:
        return 0, 0
    import jiwer

    ref_words = [w for w, _ in reference]
    hyp_words = [w for w, _ in hypothesis]
    out = jiwer.process_words(" ".join(ref_words), " ".join(hyp_words))
    same = aligned = 0
    for chunk in out.alignments[0]:
        if chunk.type not in ("equal", "substitute"):
            continue
        for offset in range(chunk.ref_end_idx - chunk.ref_start_idx):
            aligned += 1
            ref_speaker = reference[chunk.ref_start_idx + offset][1]
            hyp_speaker = hypothesis[chunk.hyp_start_idx + offset][1]
            same += ref_speaker == hyp_speaker
    return same, aligned


# ---------------------------------------------------------------------------- classification


@dataclass(slots=True)
class ClassScores:
    precision: float | None
    recall: float | None
    f1: float
    support: int


@dataclass(slots=True)
class ClassificationReport:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix.

    ``confusion[i][j]`` counts items whose expected label is ``labels[i]`` and predicted
    ``labels[j]``. Macro-F1 averages F1 over every label that is expected or predicted
    (an F1 is 0 where a class has no true positive).
    """

    n: int
    accuracy: float | None
    macro_f1: float | None
    labels: list[str]
    per_class: dict[str, ClassScores]
    confusion: list[list[int]] = field(default_factory=list)


def classification_report(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> ClassificationReport:
    if len(expected) != len(predicted):
        raise ValueError(f"{len(expected)} expected labels but {len(predicted)} predictions")
    names = list(labels) if labels is not None else sorted(set(expected) | set(predicted))
    index = {label: i for i, label in enumerate(names)}
    for label in (*expected, *predicted):
        if label not in index:
            index[label] = len(names)
            names.append(label)
    k = len(names)
    confusion = [[0] * k for _ in range(k)]
    for e, p in zip(expected, predicted, strict=True):
        confusion[index[e]][index[p]] += 1
    n = len(expected)
    per_class: dict[str, ClassScores] = {}
    for i, label in enumerate(names):
        tp = confusion[i][i]
        predicted_i = sum(confusion[r][i] for r in range(k))
        support = sum(confusion[i])
        precision = tp / predicted_i if predicted_i else None
        recall = tp / support if support else None
        f1 = 2 * tp / (predicted_i + support) if tp else 0.0
        per_class[label] = ClassScores(precision, recall, f1, support)
    correct = sum(confusion[i][i] for i in range(k))
    return ClassificationReport(
        n=n,
        accuracy=correct / n if n else None,
        macro_f1=sum(c.f1 for c in per_class.values()) / k if k else None,
        labels=names,
        per_class=per_class,
        confusion=confusion,
    )


def agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Share of positions where the two sequences hold the same value."""
    if len(a) != len(b):
        raise ValueError("agreement needs two sequences of the same length")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's κ = (p_o − p_e) / (1 − p_e); None when undefined (no items, or p_e = 1)."""
    if len(a) != len(b):
        raise ValueError("cohen_kappa needs two sequences of the same length")
    n = len(a)
    if n == 0:
        return None
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[v] * cb[v] for v in ca) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)


def krippendorff_alpha(
    ratings: Mapping[Any, Mapping[Any, Any]],
    level: Literal["nominal", "ordinal", "interval"] = "nominal",
) -> float | None:
    """Krippendorff's α over ``{unit: {coder: value}}`` (missing ratings allowed).

    None when fewer than one unit has two ratings, or every rating has the same value
    (α is then 0/0).
    """
    pairable = [unit for unit, by_coder in ratings.items() if len(by_coder) >= 2]
    if not pairable:
        return None
    values = {v for unit in pairable for v in ratings[unit].values()}
    if len(values) < 2:
        return None
    import krippendorff
    import numpy as np

    coders = sorted({c for unit in pairable for c in ratings[unit]}, key=str)
    if level == "nominal":
        codes = {v: float(i) for i, v in enumerate(sorted(values, key=str))}
    else:
        codes = {v: float(v) for v in values}
    data = np.full((len(coders), len(pairable)), np.nan)
    for j, unit in enumerate(pairable):
        for i, coder in enumerate(coders):
            if coder in ratings[unit]:
                data[i, j] = codes[ratings[unit][coder]]
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def precision_recall(
    expected: Sequence[bool], predicted: Sequence[bool]
) -> tuple[float | None, float | None]:
    """Precision and recall of the positive class (None where the denominator is 0)."""
    tp = sum(1 for e, p in zip(expected, predicted, strict=True) if e and p)
    predicted_pos = sum(1 for p in predicted if p)
    actual_pos = sum(1 for e in expected if e)
    return (tp / predicted_pos if predicted_pos else None, tp / actual_pos if actual_pos else None)


def rank_average(values: Sequence[float]) -> list[float]:
    """1-based ranks with ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for t in range(i, j + 1):
            ranks[order[t]] = average
        i = j + 1
    return ranks


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann–Whitney U with tied scores counted half); None with one class."""
    if len(labels) != len(scores):
        raise ValueError("roc_auc needs one score per label")
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rank_average(scores)
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's ρ: Pearson correlation of the average ranks; None when a side is constant."""
    if len(x) != len(y):
        raise ValueError("spearman needs two sequences of the same length")
    if len(x) < 2:
        return None
    rx, ry = rank_average(x), rank_average(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)


def mean_absolute_error(a: Sequence[float], b: Sequence[float]) -> float | None:
    if len(a) != len(b):
        raise ValueError("mean_absolute_error needs two sequences of the same length")
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a) if a else None


# --------------------------------------------------------------------------------- retrieval


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant documents found in the first ``k`` results."""
    if not relevant:
        raise ValueError("recall@k is defined for queries with at least one relevant document")
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """1 / rank of the first relevant result; 0 when none is returned."""
    for i, doc in enumerate(ranked, start=1):
        if doc in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Binary-relevance nDCG@k: Σ 1/log2(rank+1) over relevant results in the top k, over the ideal."""
    if not relevant:
        raise ValueError("nDCG@k is defined for queries with at least one relevant document")
    rel = set(relevant)
    seen: set[str] = set()
    dcg = 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in rel and doc not in seen:
            dcg += 1.0 / math.log2(i + 1)
            seen.add(doc)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal


def no_answer_accuracy(top_scores: Sequence[float | None], threshold: float) -> float | None:
    """For queries whose answer is not in the knowledge base: the share where nothing confident is
    suggested, i.e. there is no result or the best result's score is below ``threshold``."""
    if not top_scores:
        return None
    return sum(1 for s in top_scores if s is None or s < threshold) / len(top_scores)


@dataclass(slots=True)
class RetrievalScores:
    """Mean recall@1, recall@5, MRR and nDCG@5 over answerable queries; no-answer accuracy over
    the others."""

    answerable: int
    no_answer: int
    recall_at_1: float | None
    recall_at_5: float | None
    mrr: float | None
    ndcg_at_5: float | None
    no_answer_accuracy: float | None


def retrieval_scores(
    results: Sequence[tuple[Sequence[str], Sequence[float], Collection[str]]], threshold: float
) -> RetrievalScores:
    """``results`` holds one ``(ranked doc ids, their scores, relevant ids)`` per query."""
    answerable = [(ranked, rel) for ranked, _, rel in results if rel]
    unanswerable = [scores[0] if scores else None for _, scores, rel in results if not rel]

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return RetrievalScores(
        answerable=len(answerable),
        no_answer=len(unanswerable),
        recall_at_1=mean([recall_at_k(r, rel, 1) for r, rel in answerable]),
        recall_at_5=mean([recall_at_k(r, rel, 5) for r, rel in answerable]),
        mrr=mean([reciprocal_rank(r, rel) for r, rel in answerable]),
        ndcg_at_5=mean([ndcg_at_k(r, rel, 5) for r, rel in answerable]),
        no_answer_accuracy=no_answer_accuracy(unanswerable, threshold),
    )


# ----------------------------------------------------------------------------------- latency


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
