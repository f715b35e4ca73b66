"""The generated repeat-call history as an eval dataset: measured labels, test part by customer."""

from __future__ import annotations

from evals.datasets import load_dataset
from evals.types import LabeledCalls


def test_repeat_history_dataset() -> None:
    data = load_dataset("repeat-history")
    assert isinstance(data, LabeledCalls)
    labeled = [c for c in data.calls if isinstance(c.labels.get("repeat_call"), bool)]
    assert len(labeled) > 500 and 0.1 < sum(c.labels["repeat_call"] for c in labeled) / len(labeled) < 0.4
    test_customers = {c.customer_id for c in data.calls if c.call_id in data.test_ids}
    train_customers = {c.customer_id for c in data.calls if c.call_id not in data.test_ids}
    assert test_customers and not test_customers & train_customers  # a customer's history stays on one side
    assert 0.2 < len(data.test_ids) / len(data.calls) < 0.4
