"""Eval tasks as data: ``evals/tasks/*.yaml`` names each task's dataset(s), metrics and baselines."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import FormatError, NotFound

__all__ = ["TASKS_DIR", "SuiteEntry", "TaskSpec", "get_task", "load_task", "load_tasks"]

TASKS_DIR = Path(__file__).resolve().parent / "tasks"


@dataclass(slots=True)
class SuiteEntry:
    """One run of ``callscope eval all``: a dataset and the item limit that keeps the suite short.

    ``dataset`` is a built-in dataset or a path; ``kb`` a knowledge folder (retrieval). Relative paths
    are read from the repository root, so the suite runs the same from any folder.
    """

    dataset: str
    limit: int | None = None
    kb: str | None = None


@dataclass(slots=True)
class TaskSpec:
    """A task: what it measures (``capability``), on which data, with which metrics.

    ``inputs`` lists the dataset kinds it reads (``labeled_calls``, ``utterances``, ``retrieval``,
    ``graded``); ``datasets`` the default built-in datasets; ``suite`` what ``eval all`` runs.
    """

    name: str
    version: int
    description: str
    capability: str
    inputs: list[str]
    datasets: list[str]
    metrics: list[str]
    baselines: list[str] = field(default_factory=list)
    suite: list[SuiteEntry] = field(default_factory=list)
    path: Path | None = None


def _req(data: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise FormatError(str(path), f"missing or not a {kind.__name__}", field=key)
    return value


def load_task(path: str | Path) -> TaskSpec:
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormatError(str(p), f"cannot read task file: {exc}") from exc
    if not isinstance(data, dict):
        raise FormatError(str(p), "expected a YAML mapping")
    suite = []
    for i, entry in enumerate(data.get("suite") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("dataset"), str):
            raise FormatError(str(p), "each suite entry needs a 'dataset'", field=f"suite[{i}]")
        limit = entry.get("limit")
        kb = entry.get("kb")
        suite.append(
            SuiteEntry(entry["dataset"], int(limit) if limit is not None else None, str(kb) if kb else None)
        )
    return TaskSpec(
        name=_req(data, "name", str, p),
        version=int(_req(data, "version", int, p)),
        description=str(data.get("description") or "").strip(),
        capability=str(data.get("capability") or "").strip(),
        inputs=[str(x) for x in _req(data, "inputs", list, p)],
        datasets=[str(x) for x in data.get("datasets") or []],
        metrics=[str(x) for x in _req(data, "metrics", list, p)],
        baselines=[str(x) for x in data.get("baselines") or []],
        suite=suite,
        path=p,
    )


@functools.cache
def load_tasks(folder: Path = TASKS_DIR) -> dict[str, TaskSpec]:
    """Every task in ``folder``, by name, in file-name order."""
    tasks: dict[str, TaskSpec] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        spec = load_task(path)
        tasks[spec.name] = spec
    return tasks


def get_task(name: str) -> TaskSpec:
    tasks = load_tasks()
    if name not in tasks:
        raise NotFound(f"no eval task '{name}'; the tasks are: {', '.join(tasks)}")
    return tasks[name]
