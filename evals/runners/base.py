"""What every task runner shares: the run context, the outcome, subsets and timing helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from common.formats import LineError
from evals.capabilities import CapabilityRequest, NotAvailable, load_capability
from evals.inputs import EvalData
from evals.results import Sample, SystemResult
from evals.spec import TaskSpec

__all__ = ["TaskContext", "TaskOutcome", "evenly_spaced", "load_model"]

T = TypeVar("T")


@dataclass(slots=True)
class TaskContext:
    """What a runner gets besides the data: the task, the limit and the capability request."""

    spec: TaskSpec
    request: CapabilityRequest
    limit: int | None = None
    progress: Callable[[str], None] = lambda message: None


@dataclass(slots=True)
class TaskOutcome:
    """What a runner returns; ``evals.runner`` wraps it into an ``EvalRun``."""

    n: int
    model: SystemResult
    baselines: dict[str, SystemResult] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    data_metrics: dict[str, float | int | None] = field(default_factory=dict)
    data_per_item: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    skipped: list[LineError] = field(default_factory=list)


def evenly_spaced(items: Sequence[T], limit: int | None) -> list[T]:
    """At most ``limit`` items spread evenly over ``items`` (every k-th), keeping their order.

    Deterministic, and unlike the first ``limit`` items it covers a dataset sorted by label.
    """
    if limit is None or limit >= len(items):
        return list(items)
    if limit <= 0:
        return []
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def load_model(ctx: TaskContext, data: EvalData, name: str) -> tuple[Any, SystemResult | None]:
    """The task's model, or ``(None, a not-available result saying why)``."""
    try:
        return load_capability(ctx.spec.name, ctx.request), None
    except NotAvailable as exc:
        return None, SystemResult.not_available(name, str(exc))
