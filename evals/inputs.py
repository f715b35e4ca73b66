"""Resolving ``--data``: a built-in dataset name, or a file / folder in the FORMATS.md formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import InvalidInput
from common.formats import LineError
from evals.types import GradedText, LabeledCalls, RetrievalSet, Utterances

__all__ = ["EvalData", "data_kind", "load_eval_data"]

Data = Utterances | LabeledCalls | RetrievalSet | list[GradedText]


@dataclass(slots=True)
class EvalData:
    """The data of one run: its name, where it came from, the records and the lines skipped reading it."""

    name: str
    source: str
    data: Data
    skipped: list[LineError] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return data_kind(self.data)


def data_kind(data: Any) -> str:
    if isinstance(data, Utterances):
        return "utterances"
    if isinstance(data, LabeledCalls):
        return "labeled_calls"
    if isinstance(data, RetrievalSet):
        return "retrieval"
    if isinstance(data, list):
        return "graded"
    raise TypeError(f"unknown dataset type {type(data).__name__}")


def _skipped_of(data: Any) -> list[LineError]:
    return list(getattr(data, "skipped", []) or [])


def _builtin(name: str, data_root: Path | None) -> EvalData | None:
    from evals import datasets

    if name not in datasets.DATASETS:
        return None
    root = data_root or datasets.default_data_root()
    data = datasets.load_dataset(name, root)
    return EvalData(
        name=name, source=f"built-in dataset '{name}' ({root})", data=data, skipped=_skipped_of(data)
    )


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return []
    return [h.strip().strip('"').lstrip("\ufeff") for h in first.split(",")]


def _read_folder(folder: Path, task: str, kb: Path | None) -> Data:
    """A folder written by ``callscope eval export`` (or laid out the same way), or one JSONL file in it."""
    from evals import datasets

    if task == "retrieval" and kb is not None:
        queries = sorted(folder.glob("*.jsonl"))
        if len(queries) != 1:
            raise InvalidInput(f"{folder}: give the queries .jsonl file itself with --kb {kb}")
        return datasets.read_retrieval(kb, queries[0])
    exported = ("calls.jsonl", "queries.jsonl", "graded.csv")
    if any((folder / name).exists() for name in exported) or any(folder.glob("*.csv")):
        return datasets.read_exported(folder)
    jsonl = sorted(folder.glob("*.jsonl"))
    if len(jsonl) == 1:
        return datasets.read_labeled_calls_file(jsonl[0])
    if jsonl:
        names = ", ".join(p.name for p in jsonl)
        raise InvalidInput(f"{folder} holds several JSONL files ({names}); give the one to use")
    raise InvalidInput(f"{folder} holds no labeled-call .jsonl, utterance .csv or exported dataset")


def load_eval_data(
    spec: str, *, task: str, kb: Path | None = None, data_root: Path | None = None
) -> EvalData:
    """Load ``spec``: a built-in dataset name, a labeled-call ``.jsonl``, an utterance ``.csv`` (or a
    folder of ``train.csv``/``test.csv``), or for ``retrieval`` a query ``.jsonl`` with ``kb``."""
    from evals import datasets

    path = Path(spec).expanduser()
    if not path.exists():
        found = _builtin(spec, data_root)
        if found is not None:
            return found
        names = ", ".join(datasets.DATASETS)
        raise InvalidInput(
            f"'{spec}' is neither a file nor a built-in dataset; the built-in datasets are: {names}"
        )
    if path.is_dir():
        data: Data = _read_folder(path, task, kb)
        return EvalData(name=path.name, source=str(path), data=data, skipped=_skipped_of(data))
    suffix = path.suffix.lower()
    if task == "retrieval" and suffix == ".jsonl":
        if kb is None:
            raise InvalidInput(
                f"the retrieval task reads a knowledge folder and queries: give --kb FOLDER and --data {spec}"
            )
        if not kb.is_dir():
            raise InvalidInput(f"--kb {kb} is not a folder of knowledge documents")
        data = datasets.read_retrieval(kb, path)
    elif suffix == ".jsonl":
        data = datasets.read_labeled_calls_file(path)
    elif suffix == ".csv":
        header = _csv_header(path)
        if "score" in header and "label" not in header:
            data = datasets.read_graded_csv(path)
        else:
            data = datasets.read_utterance_csv(path)
    else:
        raise InvalidInput(
            f"{path}: cannot tell its format from the name; give a labeled-call .jsonl (FORMATS.md §1), "
            f"an utterance .csv (§2), a query .jsonl with --kb (§3-4), or a `callscope eval export` folder"
        )
    return EvalData(name=path.stem, source=str(path), data=data, skipped=_skipped_of(data))
