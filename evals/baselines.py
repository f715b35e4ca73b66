"""Baselines that need no callscope model, run next to the model in the same eval run.

- ``TfidfLogReg``: contact type from TF-IDF word 1–2-grams and a logistic regression. Fixed
  settings (not tuned on any split); trained only on the data it is given.
- ``VaderSentiment``: the VADER lexicon's compound score; ``>= 0.05`` is positive, ``<= -0.05``
  negative, neutral between (the thresholds VADER's authors recommend).
- ``majority_answers``: for each QA item, the answer people gave most often on other calls.
- ``same_customer_repeat``: a call is a repeat when the same customer contacts again within the
  window.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evals.capabilities import Label, SentimentScore

__all__ = [
    "TfidfLogReg",
    "TfidfOptions",
    "VaderSentiment",
    "cross_validated_labels",
    "majority_answer",
    "same_customer_repeat",
    "sentiment_label",
]


@dataclass(slots=True)
class TfidfOptions:
    """Settings of the TF-IDF + logistic-regression baseline (fixed a priori, never tuned on test data).

    Attributes:
      ngram_max: Word n-grams from 1 to this.
      min_df: A term must occur in at least this many training texts.
      c: Inverse regularisation strength of the logistic regression.
      max_iter: Solver iterations.
      evidence_terms: How many of the terms that pushed most toward the predicted class are given
        as evidence.
    """

    ngram_max: int = 2
    min_df: int = 1
    c: float = 10.0
    max_iter: int = 1000
    evidence_terms: int = 3


class TfidfLogReg:
    """TF-IDF + logistic regression; satisfies ``ContactTypeModel`` once fitted."""

    name = "tfidf_logreg"

    def __init__(self, options: TfidfOptions | None = None) -> None:
        self.options = options or TfidfOptions()
        self._pipeline: Any = None
        self._constant: str | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfLogReg:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if len(set(labels)) < 2:  # one class: nothing to learn, always that class
            self._constant = labels[0] if labels else "other"
            return self
        o = self.options
        self._pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, o.ngram_max), min_df=o.min_df, sublinear_tf=True),
            LogisticRegression(C=o.c, max_iter=o.max_iter),
        )
        self._pipeline.fit(list(texts), list(labels))
        return self

    def classify(self, texts: Sequence[str]) -> list[Label]:
        if self._constant is not None:
            return [Label(self._constant, 1.0) for _ in texts]
        if self._pipeline is None:
            raise RuntimeError("TfidfLogReg.classify before fit")
        vectorizer, model = self._pipeline[0], self._pipeline[-1]
        x = vectorizer.transform(list(texts))
        proba = model.predict_proba(x)
        vocabulary = vectorizer.get_feature_names_out()
        out: list[Label] = []
        for row in range(x.shape[0]):
            best = int(proba[row].argmax())
            coef = model.coef_[best] if model.coef_.shape[0] > 1 else model.coef_[0] * (1 if best else -1)
            sparse = x.getrow(row)
            contributions = sorted(
                zip(sparse.indices, sparse.data * coef[sparse.indices], strict=True), key=lambda p: -p[1]
            )
            terms = [str(vocabulary[i]) for i, w in contributions[: self.options.evidence_terms] if w > 0]
            out.append(Label(str(model.classes_[best]), float(proba[row, best]), terms))
        return out


def cross_validated_labels(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    options: TfidfOptions | None = None,
) -> list[Label]:
    """Each text's label from a ``TfidfLogReg`` fitted on the other folds (it never sees the text)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    counts = Counter(labels)
    k = max(2, min(folds, len(texts)))
    splitter: Any = (
        StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        if min(counts.values()) >= k
        else KFold(n_splits=k, shuffle=True, random_state=seed)
    )
    out: list[Label | None] = [None] * len(texts)
    for train, test in splitter.split(list(texts), list(labels)):
        model = TfidfLogReg(options).fit([texts[i] for i in train], [labels[i] for i in train])
        for i, label in zip(test, model.classify([texts[i] for i in test]), strict=True):
            out[i] = label
    return [label for label in out if label is not None]


def sentiment_label(polarity: float) -> str:
    if polarity >= 0.05:
        return "positive"
    if polarity <= -0.05:
        return "negative"
    return "neutral"


class VaderSentiment:
    """VADER compound polarity (−1..1); satisfies ``SentimentModel``."""

    name = "vader"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> list[SentimentScore]:
        out = []
        for text in texts:
            polarity = float(self._analyzer.polarity_scores(text)["compound"])
            out.append(SentimentScore(sentiment_label(polarity), polarity))
        return out


def majority_answer(answers: Iterable[str]) -> str | None:
    """The most common answer; ties go to the answer seen first."""
    counts = Counter(answers)
    if not counts:
        return None
    return max(counts, key=lambda a: counts[a])


def same_customer_repeat(
    calls: Sequence[tuple[str | None, datetime | None]], window_days: float = 7.0
) -> list[float]:
    """For ``(customer_id, started_at)`` pairs: 1 − gap / (2 × window) when the same customer's next
    contact comes within the window (so at least 0.5, higher the sooner), else 0."""
    by_customer: dict[str, list[tuple[datetime, int]]] = {}
    for i, (customer, started) in enumerate(calls):
        if customer and started is not None:
            by_customer.setdefault(customer, []).append((started, i))
    scores = [0.0] * len(calls)
    window_s = window_days * 86400
    for contacts in by_customer.values():
        contacts.sort()
        for (t, i), (t_next, _) in itertools.pairwise(contacts):
            gap = (t_next - t).total_seconds()
            if 0 <= gap <= window_s:
                scores[i] = 1.0 - gap / (2 * window_s)
    return scores
