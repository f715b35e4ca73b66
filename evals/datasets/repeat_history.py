"""``repeat-history``: a generated call history for the repeat_call task (no public set has one).

``qa_models.history.generate_history`` (400 customers over 60 days, seed 7; its docstring says how
calls, transfers, different-matter calls and late returns are made) gives the calls;
``labels.repeat_call`` is the measured rule (7-day window, transfers within 15 minutes excluded, same
group of contact types). The customers in the last 30% (by customer id order) are the test part, so a
customer's whole history is on one side.
"""

from __future__ import annotations

from pathlib import Path

from common.formats import LabeledCall
from evals.types import LabeledCalls

__all__ = ["load_repeat_history"]

TEST_SHARE = 0.3


def load_repeat_history(data_root: Path | None = None) -> LabeledCalls:
    from qa_models.history import generate_history, to_labeled_calls

    records = to_labeled_calls(generate_history())
    calls = [LabeledCall.model_validate(r) for r in records]
    customers = sorted({c.customer_id for c in calls if c.customer_id})
    test_customers = set(customers[int(len(customers) * (1 - TEST_SHARE)) :])
    test_ids = frozenset(c.call_id for c in calls if c.customer_id in test_customers)
    return LabeledCalls(name="repeat-history", calls=calls, base_dir=Path("."), test_ids=test_ids)
