"""What an eval run produces: per-system figures, per-item samples, and the run record.

``EvalRun.to_json()`` is what ``results.json`` holds; its metric keys are stable (see
``evals/README.md``). ``read_results`` reads a run folder or its ``results.json`` back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import FormatError, NotFound
from common.formats import LineError

__all__ = [
    "AVAILABLE",
    "NOT_AVAILABLE",
    "Confusion",
    "EvalRun",
    "Prediction",
    "Sample",
    "SystemResult",
    "read_results",
]

AVAILABLE = "ok"
NOT_AVAILABLE = "not available"


@dataclass(slots=True)
class Confusion:
    """``matrix[i][j]``: items expected ``labels[i]`` and predicted ``labels[j]``."""

    labels: list[str]
    matrix: list[list[int]]

    def to_dict(self) -> dict[str, Any]:
        return {"labels": self.labels, "matrix": self.matrix}


@dataclass(slots=True)
class Prediction:
    """One system's output for one item."""

    predicted: Any
    correct: bool | None = None
    score: float | None = None
    evidence: Any = None


@dataclass(slots=True)
class Sample:
    """One evaluated item: its id, the expected answer and each system's prediction."""

    id: str
    expected: Any
    predictions: dict[str, Prediction] = field(default_factory=dict)
    input: str = ""

    def to_json(self, primary: str | None) -> dict[str, Any]:
        main = self.predictions.get(primary) if primary else None
        out: dict[str, Any] = {
            "id": self.id,
            "expected": self.expected,
            "system": primary if main is not None else None,
            "predicted": main.predicted if main else None,
            "correct": main.correct if main else None,
            "evidence": main.evidence if main else None,
        }
        if main is not None and main.score is not None:
            out["score"] = main.score
        others = {
            name: {
                "predicted": p.predicted,
                "correct": p.correct,
                **({"score": p.score} if p.score is not None else {}),
            }
            for name, p in self.predictions.items()
            if name != primary
        }
        if others:
            out["others"] = others
        if self.input:
            out["input"] = self.input
        return out


@dataclass(slots=True)
class SystemResult:
    """The figures of one system (the model under test, or a baseline) on one dataset.

    ``metrics`` holds the stable scalar keys; ``per_class`` / ``per_item`` the breakdowns;
    ``latencies_ms`` feeds the latency histogram of the report.
    """

    name: str
    status: str = AVAILABLE
    reason: str = ""
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    per_class: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_item: dict[str, dict[str, Any]] = field(default_factory=dict)
    confusion: Confusion | None = None
    latencies_ms: list[float] = field(default_factory=list)
    #: how the system was made or trained (baselines)
    description: str = ""
    #: what ``latencies_ms`` measures, for the histogram's axis
    latency_label: str = "ms per item"
    #: (expected, predicted) pairs of graded data, for the report's scatter plot
    scatter: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    def not_available(cls, name: str, reason: str) -> SystemResult:
        return cls(name=name, status=NOT_AVAILABLE, reason=reason)

    @property
    def available(self) -> bool:
        return self.status == AVAILABLE

    def to_json(self, *, breakdowns: bool = True) -> dict[str, Any]:
        """As written in results.json; without ``breakdowns`` only the name, status and reason (the
        model's figures sit at the top level of results.json)."""
        out: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.description:
            out["description"] = self.description
        if self.reason:
            out["reason"] = self.reason
        if self.available and breakdowns:
            out["metrics"] = self.metrics
            if self.per_class:
                out["per_class"] = self.per_class
            if self.per_item:
                out["per_item"] = self.per_item
            if self.confusion is not None:
                out["confusion"] = self.confusion.to_dict()
        return out


@dataclass(slots=True)
class EvalRun:
    """One run of one task on one dataset."""

    task: str
    task_version: int
    dataset: str
    n: int
    model: SystemResult
    baselines: dict[str, SystemResult] = field(default_factory=dict)
    #: figures of the data itself rather than of a system (``human_alpha``: people vs people)
    data_metrics: dict[str, float | int | None] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    skipped: list[LineError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    duration_s: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    #: breakdowns of the data itself (``per_item`` human agreement on QA items)
    data_per_item: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def primary(self) -> SystemResult | None:
        """The system whose figures lead: the model when available, else the first baseline that ran."""
        if self.model.available:
            return self.model
        return next((b for b in self.baselines.values() if b.available), None)

    @property
    def metrics(self) -> dict[str, float | int | None]:
        """The model's metrics plus the data's own (``human_alpha``)."""
        out = dict(self.model.metrics) if self.model.available else {}
        out.update(self.data_metrics)
        return out

    def _per_item(self) -> dict[str, dict[str, Any]]:
        """The model's breakdown per item with the people's agreement on the same item beside it."""
        model = self.model.per_item if self.model.available else {}
        keys = list(model) + [k for k in self.data_per_item if k not in model]
        return {k: {**model.get(k, {}), **self.data_per_item.get(k, {})} for k in keys}

    def to_json(self) -> dict[str, Any]:
        primary = self.primary
        return {
            "task": self.task,
            "task_version": self.task_version,
            "dataset": self.dataset,
            "n": self.n,
            "skipped": len(self.skipped),
            "metrics": self.metrics,
            "per_class": self.model.per_class if self.model.available else {},
            "per_item": self._per_item(),
            "confusion": self.model.confusion.to_dict()
            if self.model.available and self.model.confusion
            else None,
            "model": self.model.to_json(breakdowns=False),
            "baselines": {name: b.to_json() for name, b in self.baselines.items()},
            "primary": primary.name if primary else None,
            "notes": self.notes,
            "skipped_lines": [
                {"path": e.path, "line": e.line, "message": e.message} for e in self.skipped[:200]
            ],
            "config": self.config,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "versions": self.versions,
        }

    def samples_jsonl(self) -> str:
        primary = self.primary
        name = primary.name if primary else None
        return "".join(json.dumps(s.to_json(name), default=str) + "\n" for s in self.samples)


def read_results(path: str | Path) -> dict[str, Any]:
    """A run's ``results.json`` (given the run folder or the file itself)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    if not p.is_file():
        raise NotFound(f"{path}: no results.json there; give a run folder written by `callscope eval run`")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(str(p), f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or "metrics" not in data or "task" not in data:
        raise FormatError(str(p), "not an eval results file (no 'task' / 'metrics')")
    return data
