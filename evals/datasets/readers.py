"""Readers for users' own FORMATS files, so that any data an eval sees can come from a path.

Each reader keeps going past a bad line or record: it is recorded in ``.skipped`` as a ``LineError``
naming the file, the line and the field. Only a file that cannot be used at all (missing, not
UTF-8, a CSV without the required header) raises ``FormatError``.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import FormatError
from common.formats import LabeledCall, LineError, json_problem, read_labeled_calls
from evals.datasets._common import GradedTexts, iter_csv_rows, line_error, load_json, read_text
from evals.datasets.utterance_csv import read_text_label_rows
from evals.types import (
    GradedText,
    KnowledgeDoc,
    LabeledCalls,
    RetrievalQuery,
    RetrievalSet,
    Utterance,
    Utterances,
)
from knowledge import load_folder

__all__ = [
    "SPLITS_FILE",
    "read_exported",
    "read_graded_csv",
    "read_knowledge_dir",
    "read_labeled_calls_file",
    "read_queries_jsonl",
    "read_retrieval",
    "read_utterance_csv",
    "read_utterances_dir",
]

#: Written beside exported files: the dataset's name, kind and split rules (test ids, test splits).
SPLITS_FILE = "splits.json"
# In a folder of splits without a splits.json: the stems that name a split one may train or tune on;
# any other stem is taken as a test split.
_NOT_TEST = {"train": "train", "val": "tune", "dev": "tune", "validation": "tune"}


# --- utterances (FORMATS §2) -------------------------------------------------------------------


def read_utterance_csv(
    path: str | Path, *, multi_label: bool = False, split: str | None = None
) -> Utterances:
    """One ``text,label`` CSV as a one-split ``Utterances``, named after the file's stem.

    A file given on its own is what the user wants measured, so its split is a test split whatever
    its name (a folder of ``train.csv``/``test.csv`` goes through ``read_utterances_dir``).
    ``multi_label`` accepts ``|``-joined labels and empty labels (no label applies).
    """
    path = Path(path)
    name = split or path.stem
    rows, skipped = read_text_label_rows(path, allow_empty_label=multi_label)
    return Utterances(
        name=path.stem,
        splits={name: rows},
        train_splits=(),
        test_splits=(name,),
        multi_label=multi_label,
        skipped=skipped,
    )


def _splits_meta(folder: Path) -> dict[str, Any]:
    path = folder / SPLITS_FILE
    if not path.is_file():
        return {}
    meta, _ = load_json(path)
    if not isinstance(meta, dict):
        raise FormatError(str(path), "expected a JSON object", line=1)
    return meta


def read_utterances_dir(folder: str | Path) -> Utterances:
    """Every ``<split>.csv`` in ``folder`` as one split; ``splits.json`` (if any) gives the split rules."""
    folder = Path(folder)
    meta = _splits_meta(folder)
    multi = bool(meta.get("multi_label", False))
    splits: dict[str, list[Utterance]] = {}
    skipped: list[LineError] = []
    for path in sorted(folder.glob("*.csv")):
        rows, bad = read_text_label_rows(path, allow_empty_label=multi)
        splits[path.stem] = rows
        skipped += bad
    if not splits:
        raise FormatError(str(folder), "no <split>.csv files with a 'text,label' header")
    default_train = tuple(s for s in splits if _NOT_TEST.get(s) == "train")
    default_test = tuple(s for s in splits if s not in _NOT_TEST)
    return Utterances(
        name=str(meta.get("name") or folder.name),
        splits=splits,
        train_splits=tuple(meta.get("train_splits", default_train)),
        test_splits=tuple(meta.get("test_splits", default_test)),
        oos_label=meta.get("oos_label"),
        multi_label=multi,
        skipped=skipped,
    )


# --- labeled calls (FORMATS §1) ----------------------------------------------------------------


def read_labeled_calls_file(
    path: str | Path, *, name: str | None = None, test_ids: frozenset[str] | None = None
) -> LabeledCalls:
    """A labeled-call JSONL file; audio paths resolve against its folder.

    ``test_ids`` default to the ``test_ids`` of a ``splits.json`` beside the file, else none.
    """
    path = Path(path)
    result = read_labeled_calls(path)
    calls: list[LabeledCall] = [call for _, call in result.calls]
    if test_ids is None:
        test_ids = frozenset(str(i) for i in _splits_meta(path.parent).get("test_ids", []))
    return LabeledCalls(
        name=name or path.stem,
        calls=calls,
        base_dir=path.parent,
        test_ids=test_ids,
        skipped=list(result.errors),
    )


# --- knowledge (FORMATS §3) and retrieval queries (FORMATS §4) ---------------------------------


def read_knowledge_dir(folder: str | Path) -> tuple[list[KnowledgeDoc], list[LineError]]:
    """Every document under ``folder`` (FORMATS §3), read by ``knowledge.load_folder``, as eval documents.

    Dates become ISO strings and unknown fields ``extra``. Problems are reported with the file's path
    under ``folder``; a file of no known type is reported as skipped. Documents come in path order.
    """
    folder = Path(folder)
    loaded = load_folder(folder)
    docs = [
        KnowledgeDoc(
            id=doc.id,
            text=doc.text,
            title=doc.title,
            kind=doc.kind,
            valid_from=doc.valid_from.isoformat() if doc.valid_from else None,
            valid_to=doc.valid_to.isoformat() if doc.valid_to else None,
            tags=list(doc.tags),
            extra=dict(doc.meta),
        )
        for doc in loaded.documents
    ]
    skipped = [LineError(path=str(folder / e.path), line=e.line, message=e.message) for e in loaded.errors]
    skipped += [
        line_error(folder / rel, 1, "not a knowledge document (md, txt, html, pdf, csv or json); skipped")
        for rel in loaded.skipped
    ]
    return docs, skipped


class _QueryLine(BaseModel):
    """One line of a queries file (FORMATS §4); unknown fields are kept and ignored."""

    model_config = ConfigDict(extra="allow")

    query: str = Field(min_length=1)
    relevant: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    as_of: date | None = None
    id: str | None = None


def read_queries_jsonl(path: str | Path) -> tuple[list[RetrievalQuery], list[LineError]]:
    """A queries JSONL file (FORMATS §4); a query without an ``id`` gets ``<file stem>:<line>``."""
    queries, skipped = _read_queries(Path(path))
    return [q for _, q in queries], skipped


def _read_queries(path: Path) -> tuple[list[tuple[int, RetrievalQuery]], list[LineError]]:
    queries: list[tuple[int, RetrievalQuery]] = []
    skipped: list[LineError] = []
    # A byte-order mark (Windows editors write one) is no part of the first line's JSON.
    for number, raw in enumerate(read_text(path).removeprefix("\ufeff").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            skipped.append(line_error(path, number, json_problem(exc)))
            continue
        if not isinstance(data, dict):
            skipped.append(line_error(path, number, "each line must be a JSON object"))
            continue
        try:
            item = _QueryLine.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err.get("loc", ())) or None
            skipped.append(line_error(path, number, err.get("msg", "invalid value"), field=loc))
            continue
        if not item.query.strip():
            skipped.append(line_error(path, number, "empty query", field="query"))
            continue
        query = RetrievalQuery(
            query=item.query.strip(),
            relevant=item.relevant,
            context=item.context,
            as_of=item.as_of.isoformat() if item.as_of else None,
            id=item.id or f"{path.stem}:{number}",
        )
        queries.append((number, query))
    return queries, skipped


def read_retrieval(
    knowledge_dir: str | Path, queries_jsonl: str | Path, *, name: str | None = None
) -> RetrievalSet:
    """A knowledge folder and a queries file as a ``RetrievalSet``.

    A query naming a document the folder lacks is skipped (it could never be found).
    """
    documents, skipped = read_knowledge_dir(knowledge_dir)
    queries, bad = _read_queries(Path(queries_jsonl))
    skipped += bad
    known = {d.id for d in documents}
    kept: list[RetrievalQuery] = []
    for line, query in queries:
        missing = [d for d in query.relevant if d not in known]
        if missing:
            reason = f"query {query.id} names documents not in {knowledge_dir}: {', '.join(missing)}"
            skipped.append(line_error(queries_jsonl, line, reason, field="relevant"))
            continue
        kept.append(query)
    return RetrievalSet(
        name=name or Path(knowledge_dir).parent.name, documents=documents, queries=kept, skipped=skipped
    )


# --- graded texts ------------------------------------------------------------------------------


def read_graded_csv(path: str | Path) -> GradedTexts:
    """A ``text,score`` CSV (optional ``id`` and ``source`` columns) of graded texts."""
    path = Path(path)
    rows = iter_csv_rows(path)
    header = next((row for _, row in rows if not isinstance(row, csv.Error)), None)
    names = [h.strip().lstrip("\ufeff") for h in header or []]
    if "text" not in names or "score" not in names:
        raise FormatError(str(path), "expected a header with 'text,score'", line=1)
    items: list[GradedText] = []
    skipped: list[LineError] = []
    for line, row in rows:
        if isinstance(row, csv.Error):
            skipped.append(line_error(path, line, f"not valid CSV ({row})"))
            continue
        record = dict(zip(names, row, strict=False))
        text = (record.get("text") or "").strip()
        if not text:
            skipped.append(line_error(path, line, "empty text", field="text"))
            continue
        try:
            score = float(record.get("score") or "")
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            skipped.append(
                line_error(path, line, f"score {record.get('score')!r} is not a number", field="score")
            )
            continue
        items.append(
            GradedText(
                id=(record.get("id") or "").strip() or f"{path.stem}:{line}",
                text=text,
                score=score,
                source=(record.get("source") or "").strip(),
            )
        )
    return GradedTexts(items, skipped)


# --- a whole exported folder -------------------------------------------------------------------


def read_exported(folder: str | Path) -> Utterances | LabeledCalls | RetrievalSet | GradedTexts:
    """A folder written by ``export_dataset`` (or laid out the same way by hand), read back.

    ``calls.jsonl`` → labeled calls; ``knowledge/`` + ``queries.jsonl`` → retrieval;
    ``graded.csv`` → graded texts; otherwise ``<split>.csv`` files → utterances.
    """
    folder = Path(folder)
    meta = _splits_meta(folder)
    name = meta.get("name")
    if (folder / "calls.jsonl").is_file():
        return read_labeled_calls_file(folder / "calls.jsonl", name=name or folder.name)
    if (folder / "queries.jsonl").is_file():
        return read_retrieval(folder / "knowledge", folder / "queries.jsonl", name=name or folder.name)
    if (folder / "graded.csv").is_file():
        return read_graded_csv(folder / "graded.csv")
    return read_utterances_dir(folder)
