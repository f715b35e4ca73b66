"""Whether a search result is confident enough to show an agent, calibrated on labelled queries.

A hit's confidence is a logistic model over two signals that do not depend on the size of the
knowledge base, unlike fused ranks: the cosine similarity of the query to the hit's best chunk, and
the share of the query's (idf-weighted) terms found in that chunk. ``fit_confidence`` learns the
model and the threshold from queries with known answers (FORMATS §4, ``relevant: []`` for "nothing
to suggest"): a query counts as positive when the top hit is a relevant document. The threshold is
the one that maximises balanced accuracy between "show" and "stay silent" on those queries.
The shipped default (``calibration.json``) is fitted by ``callscope kb calibrate`` on the demo
company's calibration queries (``demo/knowledge-eval/dev.jsonl``); a team refits it on its own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from common.errors import ConfigError, InvalidInput

__all__ = ["DEFAULT_CALIBRATION", "ConfidenceModel", "best_threshold", "fit_confidence", "load_confidence"]

DEFAULT_CALIBRATION = Path(__file__).with_name("calibration.json")


@dataclass(slots=True, frozen=True)
class ConfidenceModel:
    """``confidence = sigmoid(w_similarity·similarity + w_coverage·coverage + bias)``; a hit is shown
    when its confidence ≥ ``threshold``. ``fitted_on`` says where the numbers came from."""

    w_similarity: float = 12.0
    w_coverage: float = 2.0
    bias: float = -7.0
    threshold: float = 0.5
    fitted_on: str = "unfitted"
    embedder: str = ""

    def confidence(self, similarity: float, coverage: float) -> float:
        z = self.w_similarity * similarity + self.w_coverage * coverage + self.bias
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_confidence(path: Path | None = None) -> ConfidenceModel:
    path = path or DEFAULT_CALIBRATION
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ConfidenceModel(**data)
    except FileNotFoundError:
        return ConfidenceModel()
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a confidence calibration ({exc})") from exc


def fit_confidence(
    samples: Sequence[tuple[float, float, bool]], *, fitted_on: str, embedder: str = ""
) -> ConfidenceModel:
    """``samples``: (similarity, coverage, the top hit is right) per calibration query."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if len(samples) < 10:
        raise InvalidInput(f"calibration needs at least 10 queries, got {len(samples)}")
    x = np.array([[s, c] for s, c, _ in samples], dtype=float)
    y = np.array([ok for _, _, ok in samples], dtype=int)
    if y.min() == y.max():
        raise InvalidInput(
            "calibration needs both queries the top hit answers and queries it does not "
            "(add questions the knowledge base cannot answer, with relevant: [])"
        )
    lr = LogisticRegression(C=100.0, class_weight="balanced").fit(x, y)
    w_sim, w_cov, bias = float(lr.coef_[0][0]), float(lr.coef_[0][1]), float(lr.intercept_[0])
    if w_cov < 0:
        # Matching more of the question cannot make a hit less likely right: a negative weight is
        # noise of a small calibration set, so fall back to similarity alone.
        lr = LogisticRegression(C=100.0, class_weight="balanced").fit(x[:, :1], y)
        w_sim, w_cov, bias = float(lr.coef_[0][0]), 0.0, float(lr.intercept_[0])
    model = ConfidenceModel(
        w_similarity=w_sim,
        w_coverage=w_cov,
        bias=bias,
        fitted_on=fitted_on,
        embedder=embedder,
    )
    threshold = best_threshold([model.confidence(s, c) for s, c, _ in samples], [ok for *_, ok in samples])
    return replace(model, threshold=threshold)


def best_threshold(confidences: Sequence[float], labels: Sequence[bool]) -> float:
    """The threshold with the best balanced accuracy between showing a right top hit and staying
    silent otherwise (so rare "nothing to say" queries weigh as much as the answerable ones)."""
    pos = sum(labels) or 1
    neg = (len(labels) - sum(labels)) or 1
    best, best_score = 0.5, -1.0
    for t in sorted({round(c, 4) for c in confidences}):
        tp = sum(1 for c, ok in zip(confidences, labels, strict=True) if ok and c >= t)
        tn = sum(1 for c, ok in zip(confidences, labels, strict=True) if not ok and c < t)
        score = (tp / pos + tn / neg) / 2
        if score > best_score:
            best, best_score = t, score
    return best
