"""One runner per eval task: ``RUNNERS[task](data, context) -> TaskOutcome``."""

from collections.abc import Callable

from evals.inputs import EvalData
from evals.runners.asr import run_asr
from evals.runners.base import TaskContext, TaskOutcome, evenly_spaced
from evals.runners.classify import run_contact_type, run_sentiment
from evals.runners.qa import run_qa
from evals.runners.repeat_call import run_repeat_call
from evals.runners.retrieval import run_retrieval

__all__ = ["RUNNERS", "TaskContext", "TaskOutcome", "evenly_spaced"]

RUNNERS: dict[str, Callable[[EvalData, TaskContext], TaskOutcome]] = {
    "asr": run_asr,
    "retrieval": run_retrieval,
    "contact_type": run_contact_type,
    "sentiment": run_sentiment,
    "qa": run_qa,
    "repeat_call": run_repeat_call,
}
