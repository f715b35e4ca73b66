"""Pure logic: reciprocal rank fusion and confidence calibration."""

from __future__ import annotations

import pytest

from common.errors import InvalidInput
from knowledge import ConfidenceModel, fit_confidence, load_confidence, reciprocal_rank_fusion
from knowledge.confidence import best_threshold


def test_rrf_rewards_agreement_and_is_deterministic() -> None:
    fused = reciprocal_rank_fusion({"vector": ["a", "b", "c"], "bm25": ["e", "b", "d"]}, k=60)
    order = [key for key, _ in fused]
    assert order[0] == "b"  # second in both beats first in one
    assert set(order) == {"a", "b", "c", "d", "e"}
    assert fused[0][1] == pytest.approx(2 / 62)
    assert reciprocal_rank_fusion({"x": ["a", "a", "b"]}) == [("a", 1 / 61), ("b", 1 / 63)]
    assert reciprocal_rank_fusion({"x": ["a"], "y": ["b"]})[0][0] == "a"  # ties keep first-seen order
    weighted = reciprocal_rank_fusion({"x": ["a"], "y": ["b"]}, weights={"y": 2.0})
    assert weighted[0][0] == "b"
    assert reciprocal_rank_fusion({}) == []


def test_confidence_fit_separates_and_thresholds() -> None:
    samples = [(0.7 + i * 0.01, 0.8, True) for i in range(10)] + [
        (0.2 + i * 0.01, 0.1, False) for i in range(10)
    ]
    model = fit_confidence(samples, fitted_on="test")
    assert model.w_similarity > 0
    assert model.confidence(0.8, 0.8) >= model.threshold > model.confidence(0.2, 0.1)
    with pytest.raises(InvalidInput, match="both"):
        fit_confidence([(0.5, 0.5, True)] * 12, fitted_on="test")
    with pytest.raises(InvalidInput, match="at least 10"):
        fit_confidence(samples[:3], fitted_on="test")


def test_best_threshold_balances_both_kinds_of_error() -> None:
    assert best_threshold([0.9, 0.8, 0.3, 0.2, 0.1], [True, True, False, False, False]) == 0.8


def test_shipped_calibration_loads() -> None:
    model = load_confidence()
    assert isinstance(model, ConfidenceModel) and 0 < model.threshold < 1
    assert model.fitted_on.startswith("demo/knowledge-eval/dev.jsonl")
