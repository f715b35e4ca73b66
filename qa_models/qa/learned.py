"""Refits learned from human answers: the calibration loop's ``--train``.

For each item, a small logistic regression maps what the scorer saw (its ``features``, its own
answer and confidence) to the answer people gave. A refit is only kept when it agrees with people
better than the scorer does, measured by cross-validation on the human answers it is fitted on, so
a handful of answers cannot make an item worse. Refits are saved as JSON (numbers only).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import ConfigError
from qa_models.qa.types import ItemResult
from qa_models.scorecard import ScorecardItem

__all__ = ["FitOptions", "ItemFit", "ItemModels", "fit_item_models"]

KIND = "qa-calibration"


@dataclass(slots=True)
class FitOptions:
    """``min_answers``: fewer human answers than this leave an item as it is; ``margin``: the refit's
    cross-validated agreement must beat the scorer's by this much to be kept; ``c``: inverse
    regularisation strength of the logistic regression."""

    min_answers: int = 12
    margin: float = 0.02
    folds: int = 5
    c: float = 1.0


@dataclass(slots=True)
class ItemFit:
    """One item's refit and how it did on the answers it was fitted on (cross-validated)."""

    item_id: str
    features: list[str]
    classes: list[str]
    coef: list[list[float]]
    intercept: list[float]
    mean: list[float]
    scale: list[float]
    n: int
    agreement_before: float
    agreement_after: float
    kept: bool = True

    def predict(self, x: np.ndarray) -> tuple[str, float]:
        if len(self.classes) == 1:
            return self.classes[0], 0.9
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = np.asarray(self.coef) @ z + np.asarray(self.intercept)
        if len(self.classes) == 2:
            p1 = 1.0 / (1.0 + np.exp(-logits[0]))
            probs = np.array([1.0 - p1, p1])
        else:
            e = np.exp(logits - logits.max())
            probs = e / e.sum()
        k = int(np.argmax(probs))
        return self.classes[k], float(probs[k])


def _vector(result: ItemResult, names: Sequence[str]) -> np.ndarray:
    values = []
    for name in names:
        if name.startswith("answer="):
            values.append(float(result.answer == name.removeprefix("answer=")))
        elif name == "confidence":
            values.append(result.confidence)
        else:
            values.append(result.features.get(name, 0.0))
    return np.asarray(values, dtype=np.float64)


@dataclass(slots=True)
class ItemModels:
    """Refits by item id; ``label`` names them in a score's model name."""

    fits: dict[str, ItemFit] = field(default_factory=dict)
    label: str = "calibrated"
    trained_on: str = ""

    def adjust(self, item: ScorecardItem, result: ItemResult) -> ItemResult:
        """The refit's answer for this item, when there is a kept refit; else the result as it is."""
        fit = self.fits.get(item.id)
        if fit is None or not fit.kept:
            return result
        answer, prob = fit.predict(_vector(result, fit.features))
        if answer not in item.choices:
            return result
        if answer == result.answer:
            result.confidence = max(result.confidence, prob)
            return result
        return ItemResult(
            item.id,
            answer,
            prob,
            f"{result.rationale} — refitted on {fit.n} human answers: "
            f"'{answer}' instead of '{result.answer}'",
            result.evidence,
            "learned",
            result.features,
        )

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "kind": KIND,
            "label": self.label,
            "trained_on": self.trained_on,
            "fits": {k: _fit_dict(v) for k, v in self.fits.items()},
        }
        (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ItemModels:
        path = Path(folder) / "model.json"
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(
                f"{path}: not a QA calibration ({exc}); make one with `callscope qa calibrate --train`"
            ) from exc
        if meta.get("kind") != KIND:
            raise ConfigError(f"{folder} holds a {meta.get('kind')!r} model, not a QA calibration")
        fits = {k: ItemFit(**v) for k, v in (meta.get("fits") or {}).items()}
        return cls(fits, str(meta.get("label") or "calibrated"), str(meta.get("trained_on") or ""))


def _fit_dict(fit: ItemFit) -> dict[str, Any]:
    return {
        "item_id": fit.item_id,
        "features": fit.features,
        "classes": fit.classes,
        "coef": fit.coef,
        "intercept": fit.intercept,
        "mean": fit.mean,
        "scale": fit.scale,
        "n": fit.n,
        "agreement_before": round(fit.agreement_before, 4),
        "agreement_after": round(fit.agreement_after, 4),
        "kept": fit.kept,
    }


def _fit_one(item_id: str, pairs: Sequence[tuple[ItemResult, str]], opts: FitOptions) -> ItemFit:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    names = sorted({k for r, _ in pairs for k in r.features})
    names += [f"answer={a}" for a in sorted({r.answer for r, _ in pairs})] + ["confidence"]
    x = np.stack([_vector(r, names) for r, _ in pairs])
    y = np.asarray([h for _, h in pairs])
    before = float(np.mean([r.answer == h for r, h in pairs]))
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    z = (x - mean) / scale
    counts = Counter(y.tolist())
    classes = sorted(counts)
    if len(classes) == 1:
        return ItemFit(item_id, names, classes, [], [], mean.tolist(), scale.tolist(), len(y), before, 1.0)
    folds = min(opts.folds, min(counts.values()))
    if folds >= 2:
        correct = 0
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(z, y):
            if len(set(y[train])) < 2:
                correct += int(np.sum(y[test] == Counter(y[train].tolist()).most_common(1)[0][0]))
                continue
            clf = LogisticRegression(C=opts.c, max_iter=2000).fit(z[train], y[train])
            correct += int(np.sum(clf.predict(z[test]) == y[test]))
        after = correct / len(y)
    else:  # too few of one answer to cross-validate: keep the scorer
        after = 0.0
    clf = LogisticRegression(C=opts.c, max_iter=2000).fit(z, y)
    return ItemFit(
        item_id,
        names,
        [str(c) for c in clf.classes_],
        clf.coef_.tolist(),
        clf.intercept_.tolist(),
        mean.tolist(),
        scale.tolist(),
        len(y),
        before,
        after,
    )


def fit_item_models(
    pairs: Mapping[str, Sequence[tuple[ItemResult, str]]],
    options: FitOptions | None = None,
    *,
    trained_on: str = "",
) -> ItemModels:
    """Refit each item on (the scorer's result, the human answer) pairs; items with too few answers,
    or whose refit does not beat the scorer by ``margin`` in cross-validation, are left as they are
    (they appear with ``kept`` False, so a report can say why)."""
    opts = options or FitOptions()
    fits: dict[str, ItemFit] = {}
    for item_id, item_pairs in pairs.items():
        if len(item_pairs) < opts.min_answers:
            continue
        fit = _fit_one(item_id, item_pairs, opts)
        fit.kept = fit.agreement_after >= fit.agreement_before + opts.margin
        fits[item_id] = fit
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return ItemModels(fits, f"calibrated-{stamp}", trained_on)
