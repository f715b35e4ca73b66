"""``qa calibrate --train``: refit the item scorers on human answers and measure the change on
calls held out from the fit.

Calls (not answers) are split, so no call's answers are on both sides. Agreement is measured
against the human panel (the majority of the people who answered), before (the scorer as it is) and
after (with the refits) on the same held-out calls.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qa_models.qa.learned import FitOptions, ItemModels, fit_item_models
from qa_models.qa.types import ItemResult, QAResult
from qa_models.scorecard import Scorecard

__all__ = ["CalibrationItem", "CalibrationReport", "calibrate"]


@dataclass(slots=True)
class CalibrationItem:
    item_id: str
    fitted_on: int
    held_out: int
    before: float | None
    after: float | None
    kept: bool


@dataclass(slots=True)
class CalibrationReport:
    """Agreement with people on the held-out calls before and after the refits, per item and pooled."""

    fit_calls: int
    held_out_calls: int
    before: float | None
    after: float | None
    items: list[CalibrationItem] = field(default_factory=list)
    models: ItemModels | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fit_calls": self.fit_calls,
            "held_out_calls": self.held_out_calls,
            "agreement_before": _round(self.before),
            "agreement_after": _round(self.after),
            "items": [
                {
                    "item_id": i.item_id,
                    "fitted_on": i.fitted_on,
                    "held_out": i.held_out,
                    "agreement_before": _round(i.before),
                    "agreement_after": _round(i.after),
                    "refit_kept": i.kept,
                }
                for i in self.items
            ],
            "model": self.models.label if self.models is not None else None,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _share(pairs: list[tuple[str, str]]) -> float | None:
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


def calibrate(
    card: Scorecard,
    results: Sequence[QAResult],
    human: Mapping[tuple[str, str], str],
    *,
    holdout: float = 0.3,
    seed: int = 0,
    options: FitOptions | None = None,
    trained_on: str = "",
) -> CalibrationReport:
    """Split the calls people answered, refit on one part, compare on the other.

    ``results`` are the scorer's results *without* refits; ``human`` is the panel answer per
    (call id, item id)."""
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be between 0 and 1, got {holdout}")
    answered = sorted({r.call_id for r in results if any((r.call_id, i.item_id) in human for i in r.items)})
    rng = random.Random(seed)
    rng.shuffle(answered)
    n_held = max(1, math.ceil(holdout * len(answered))) if len(answered) > 1 else 0
    held = set(answered[:n_held])
    pairs: dict[str, list[tuple[ItemResult, str]]] = {}
    for r in results:
        if r.call_id in held:
            continue
        for i in r.items:
            answer = human.get((r.call_id, i.item_id))
            if answer is not None:
                pairs.setdefault(i.item_id, []).append((i, answer))
    models = fit_item_models(pairs, options, trained_on=trained_on)
    per_item: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    for r in results:
        if r.call_id not in held:
            continue
        for i in r.items:
            answer = human.get((r.call_id, i.item_id))
            item = card.item(i.item_id)
            if answer is None or item is None:
                continue
            after = models.adjust(item, copy.deepcopy(i))
            lists = per_item.setdefault(i.item_id, ([], []))
            lists[0].append((i.answer, answer))
            lists[1].append((after.answer, answer))
    items = []
    for item in card.items:
        before_pairs, after_pairs = per_item.get(item.id, ([], []))
        fit = models.fits.get(item.id)
        items.append(
            CalibrationItem(
                item.id,
                len(pairs.get(item.id, [])),
                len(before_pairs),
                _share(before_pairs),
                _share(after_pairs),
                bool(fit and fit.kept),
            )
        )
    pooled_before = [p for b, _ in per_item.values() for p in b]
    pooled_after = [p for _, a in per_item.values() for p in a]
    return CalibrationReport(
        fit_calls=len(answered) - len(held),
        held_out_calls=len(held),
        before=_share(pooled_before),
        after=_share(pooled_after),
        items=items,
        models=models,
    )
