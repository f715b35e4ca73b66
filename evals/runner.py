"""Running tasks: one run (``run_task``), its files (``write_run``), comparing runs, and the suite.

A run loads its data, asks the task's runner for the model's and the baselines' figures, and
writes ``results.json``, ``samples.jsonl`` and ``report.html`` into its folder. Runs never touch
the user's database: a capability that needs PostgreSQL gets a temporary embedded server
(``CapabilityRequest.database_url``) unless the run was given a URL explicitly.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import CallscopeError, InvalidInput
from evals.capabilities import CapabilityRequest
from evals.inputs import load_eval_data
from evals.report import format_value, render_report
from evals.results import EvalRun, SystemResult, read_results
from evals.runners import RUNNERS, TaskContext
from evals.spec import TASKS_DIR, TaskSpec, get_task, load_tasks

if TYPE_CHECKING:
    from asr import TranscribeOptions

__all__ = [
    "README_END",
    "README_START",
    "MetricDelta",
    "RunOptions",
    "SuiteOptions",
    "compare_runs",
    "default_run_dir",
    "run_suite",
    "run_task",
    "suite_markdown",
    "update_readme",
    "write_run",
]

README_START = "<!-- eval-all:start -->"
README_END = "<!-- eval-all:end -->"
_VERSIONED = (
    "callscope", "faster-whisper", "ctranslate2", "jiwer", "scikit-learn", "scipy", "numpy", "krippendorff",
    "vaderSentiment", "matplotlib",
)  # fmt: skip


@dataclass(slots=True)
class RunOptions:
    """One eval run.

    Attributes:
      data: A built-in dataset name or a FORMATS file / folder.
      out_dir: Where the three files go; default ``./eval-runs/<task>-<dataset>-<timestamp>/``.
      kb: The knowledge folder (retrieval; for qa, what agents' statements are checked against).
      scorecard: A QA scorecard YAML (qa); without it one is inferred from the evaluations.
      taxonomy: A contact-type taxonomy YAML (contact_type; trains the baseline when the data has
        no training split).
      model_dir: A model to measure instead of the default (a Whisper model folder for asr).
      limit: Measure at most this many items (evenly spaced; training data is not limited).
      data_root: Where the built-in datasets live (default: ``evals.datasets.default_data_root()``).
      database_url: A PostgreSQL URL for capabilities that need one; default a temporary embedded
        server (never the user's database).
      transcribe: Transcription options for the asr task.
      write_files: Write the run folder (tests of the service functions may turn it off).
    """

    data: str
    out_dir: Path | None = None
    kb: Path | None = None
    scorecard: Path | None = None
    taxonomy: Path | None = None
    model_dir: Path | None = None
    limit: int | None = None
    data_root: Path | None = None
    database_url: str | None = None
    transcribe: TranscribeOptions | None = None
    write_files: bool = True


def _versions() -> dict[str, str]:
    out = {}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    import platform

    out["python"] = platform.python_version()
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "data"


def default_run_dir(task: str, dataset: str, when: datetime) -> Path:
    return Path("eval-runs") / f"{task}-{_slug(dataset)}-{when.strftime('%Y%m%d-%H%M%S')}"


def _request(spec: TaskSpec, options: RunOptions) -> CapabilityRequest:
    from evals.datasets import read_knowledge_dir
    from qa_models.scorecard import load_scorecard, load_taxonomy

    # QA checks what agents said against --kb (retrieval reads it as its own data).
    documents = read_knowledge_dir(options.kb)[0] if options.kb and spec.name == "qa" else None
    return CapabilityRequest(
        task=spec.name,
        model_dir=options.model_dir,
        transcribe=options.transcribe,
        scorecard=load_scorecard(options.scorecard) if options.scorecard else None,
        taxonomy=load_taxonomy(options.taxonomy) if options.taxonomy else None,
        documents=documents,
        given_database_url=options.database_url,
    )


def run_task(
    task: str, options: RunOptions, *, progress: Callable[[str], None] | None = None
) -> tuple[EvalRun, Path | None]:
    """Run ``task`` on ``options.data``; returns the run and the folder its files were written to."""
    spec = get_task(task)
    if options.limit is not None and options.limit < 1:
        raise InvalidInput(f"--limit must be at least 1, got {options.limit}")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    request = _request(spec, options)
    data = load_eval_data(options.data, task=task, kb=options.kb, data_root=options.data_root)
    if data.kind not in spec.inputs:
        raise InvalidInput(
            f"the {task} task reads {' or '.join(spec.inputs)} data; {data.source} is {data.kind}"
        )
    ctx = TaskContext(spec=spec, request=request, limit=options.limit, progress=progress or (lambda m: None))
    outcome = RUNNERS[task](data, ctx)
    config: dict[str, Any] = {
        "data": options.data,
        "source": data.source,
        "limit": options.limit,
        "kb": str(options.kb) if options.kb else None,
        "scorecard": str(options.scorecard) if options.scorecard else None,
        "taxonomy": str(options.taxonomy) if options.taxonomy else None,
        "model_dir": str(options.model_dir) if options.model_dir else None,
        "database": "given" if options.database_url else "temporary embedded (if needed)",
        **outcome.config,
    }
    skipped = [*data.skipped, *outcome.skipped]
    notes = list(outcome.notes)
    if skipped:
        notes.insert(0, f"{len(skipped)} malformed or unreadable input lines/files were skipped")
    run = EvalRun(
        task=spec.name,
        task_version=spec.version,
        dataset=data.name,
        n=outcome.n,
        model=outcome.model,
        baselines=outcome.baselines,
        data_metrics=outcome.data_metrics,
        data_per_item=outcome.data_per_item,
        samples=outcome.samples,
        skipped=skipped,
        notes=notes,
        config=config,
        started_at=started.isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - t0,
        versions=_versions(),
    )
    folder = None
    if options.write_files:
        folder = options.out_dir or default_run_dir(task, data.name, started)
        write_run(run, folder)
    return run, folder


def write_run(run: EvalRun, folder: Path) -> None:
    """Write ``results.json``, ``samples.jsonl`` and ``report.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(
        json.dumps(run.to_json(), indent=2, default=str) + "\n", encoding="utf-8"
    )
    (folder / "samples.jsonl").write_text(run.samples_jsonl(), encoding="utf-8")
    (folder / "report.html").write_text(render_report(run), encoding="utf-8")


# ----------------------------------------------------------------------------------- compare


@dataclass(slots=True)
class MetricDelta:
    system: str
    metric: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def _scalar_metrics(results: dict[str, Any]) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}

    def take(system: str, metrics: dict[str, Any]) -> None:
        for k, v in metrics.items():
            if v is None or (isinstance(v, int | float) and not isinstance(v, bool)):
                out[(system, k)] = v

    model = results.get("model") or {}
    take(f"{model.get('name', 'model')} (model)", results.get("metrics") or {})
    for name, b in (results.get("baselines") or {}).items():
        take(name, b.get("metrics") or {})
    return out


def compare_runs(
    before: str | Path, after: str | Path
) -> tuple[dict[str, Any], dict[str, Any], list[MetricDelta]]:
    """The two runs' results and the deltas of every metric either reports."""
    a, b = read_results(before), read_results(after)
    ma, mb = _scalar_metrics(a), _scalar_metrics(b)
    keys = list(dict.fromkeys([*ma, *mb]))
    return (
        a,
        b,
        [
            MetricDelta(system, metric, ma.get((system, metric)), mb.get((system, metric)))
            for system, metric in keys
        ],
    )


# ------------------------------------------------------------------------------------- suite


@dataclass(slots=True)
class SuiteOptions:
    """``callscope eval all``: each task's suite entries (``evals/tasks/*.yaml``)."""

    out_dir: Path = Path("eval-runs")
    tasks: list[str] | None = None
    data_root: Path | None = None
    limit_scale: float = 1.0


@dataclass(slots=True)
class SuiteEntryResult:
    task: str
    dataset: str
    run: EvalRun | None = None
    folder: Path | None = None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _in_repo(name: str) -> str:
    """A suite path relative to the repository root; a built-in dataset name is left as it is."""
    if "/" not in name:
        return name
    path = TASKS_DIR.parents[1] / name
    return str(path) if not Path(name).is_absolute() and path.exists() else name


def run_suite(
    options: SuiteOptions, *, progress: Callable[[str], None] | None = None
) -> tuple[list[SuiteEntryResult], float]:
    """Run every task's suite entries; a task with none is listed as not available."""
    say = progress or (lambda m: None)
    t0 = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results: list[SuiteEntryResult] = []
    for name, spec in load_tasks().items():
        if options.tasks and name not in options.tasks:
            continue
        if not spec.suite:
            results.append(SuiteEntryResult(name, "–", error="no public dataset for this task yet"))
            continue
        for entry in spec.suite:
            limit = entry.limit
            if limit is not None and options.limit_scale != 1.0:
                limit = max(1, round(limit * options.limit_scale))
            say(f"{name} on {entry.dataset} (limit {limit if limit is not None else 'none'})")
            run_options = RunOptions(
                data=_in_repo(entry.dataset),
                kb=Path(_in_repo(entry.kb)) if entry.kb else None,
                limit=limit,
                data_root=options.data_root,
                out_dir=options.out_dir / f"{stamp}" / f"{name}-{_slug(entry.dataset)}",
            )
            try:
                run, folder = run_task(name, run_options, progress=None)
            except CallscopeError as exc:
                results.append(SuiteEntryResult(name, entry.dataset, error=str(exc)))
                continue
            results.append(SuiteEntryResult(name, entry.dataset, run, folder))
    return results, time.perf_counter() - t0


def _headline(spec: TaskSpec, system: SystemResult, data_metrics: dict[str, Any]) -> str:
    parts = []
    for key in spec.metrics:
        value = data_metrics.get(key) if key in data_metrics else system.metrics.get(key)
        if key in system.metrics or key in data_metrics:
            parts.append(f"{key} {format_value(value)}")
    return ", ".join(parts)


def suite_markdown(results: list[SuiteEntryResult], wall_s: float) -> str:
    """The Markdown table of a suite run: one row per task, dataset and system."""
    lines = [
        "| task | dataset | n | system | figures |",
        "|---|---|---:|---|---|",
    ]
    tasks = load_tasks()
    for r in results:
        if r.run is None:
            lines.append(f"| {r.task} | {r.dataset} | – | – | not available: {r.error} |")
            continue
        spec = tasks[r.task]
        run = r.run
        systems = [("model", run.model), *[("baseline", b) for b in run.baselines.values()]]
        for role, s in systems:
            figures = _headline(spec, s, {}) if s.available else f"not available: {s.reason}"
            lines.append(f"| {r.task} | {run.dataset} | {run.n} | {s.name} ({role}) | {figures} |")
        if run.data_metrics:
            figures = ", ".join(
                f"{k} {format_value(v)}" for k, v in run.data_metrics.items() if not k.startswith("units")
            )
            lines.append(f"| {r.task} | {run.dataset} | {run.n} | people vs people | {figures} |")
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    lines.append("")
    lines.append(f"Produced by `callscope eval all` on {when} in {wall_s / 60:.1f} min (2-core machine).")
    return "\n".join(lines) + "\n"


def update_readme(readme: Path, table: str) -> None:
    """Replace the block between the eval-all markers in ``readme`` with ``table``."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise InvalidInput(f"{readme} has no '{README_START}' … '{README_END}' block to update")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{table}{README_END}{tail}", encoding="utf-8")
