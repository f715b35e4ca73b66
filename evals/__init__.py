"""Evals: dataset adapters, metrics, eval tasks, runs and reports.

``run_task("asr", RunOptions(data="speech-samples"))`` measures one capability on one dataset and
writes ``results.json``, ``samples.jsonl`` and ``report.html``; ``run_suite`` runs every task on its
public datasets. Tasks are data (``evals/tasks/*.yaml``); models plug in through
``evals.capabilities.CAPABILITIES``. ``import evals`` stays cheap: scikit-learn, matplotlib,
VADER and faster-whisper load only when a run needs them.
"""

from evals.capabilities import CAPABILITIES, CapabilityRequest, NotAvailable, load_capability
from evals.results import EvalRun, Prediction, Sample, SystemResult, read_results
from evals.runner import (
    MetricDelta,
    RunOptions,
    SuiteOptions,
    compare_runs,
    run_suite,
    run_task,
    suite_markdown,
    update_readme,
    write_run,
)
from evals.spec import TaskSpec, get_task, load_tasks
from evals.textnorm import normalize_text, normalize_words

__all__ = [
    "CAPABILITIES",
    "CapabilityRequest",
    "EvalRun",
    "MetricDelta",
    "NotAvailable",
    "Prediction",
    "RunOptions",
    "Sample",
    "SuiteOptions",
    "SystemResult",
    "TaskSpec",
    "compare_runs",
    "get_task",
    "load_capability",
    "load_tasks",
    "normalize_text",
    "normalize_words",
    "read_results",
    "run_suite",
    "run_task",
    "suite_markdown",
    "update_readme",
    "write_run",
]
