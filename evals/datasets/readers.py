"""Readers for users' own FORMATS files, so that any data an eval sees can come from a path.

Each reader keeps going past a bad line or record: it is recorded in ``.skipped`` as a ``LineError``
naming the file, the line and the field. Only a file that cannot be used at all (missing, not
UTF-8, a CSV without the required header) raises ``FormatError``.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.errors import FormatError
from common.formats import LabeledCall, LineError, read_labeled_calls
from evals.datasets._common import GradedTexts, iter_csv_rows, json_line, line_error, load_json, read_text
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

__all__ = [
    "DOC_KINDS",
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

# libyaml's safe loader when it is built in (much faster over thousands of documents), else PyYAML's.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The kinds of FORMATS §3.
DOC_KINDS = ("product", "promotion", "procedure", "faq", "policy")
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


def _as_date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    date.fromisoformat(text)  # raises ValueError for anything but YYYY-MM-DD
    return text


def _as_tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.replace("|", ",").split(",") if t.strip()]
    if isinstance(value, list):
        return [str(t) for t in value]
    raise ValueError("expected a list of tags")


_KNOWN = ("id", "kind", "title", "text", "body", "answer", "valid_from", "valid_to", "tags")


class _DocError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _make_doc(record: dict[str, Any], *, default_id: str, default_title: str = "") -> KnowledgeDoc:
    """A document from front matter or a CSV/JSON record; ``_DocError`` names the bad field."""
    kind = str(record.get("kind") or "faq").strip()
    if kind not in DOC_KINDS:
        raise _DocError("kind", f"'{kind}' is not one of {', '.join(DOC_KINDS)}")
    text = next((record[k] for k in ("text", "body", "answer") if record.get(k) not in (None, "")), "")
    if not str(text).strip():
        raise _DocError("text", "empty document")
    fields: dict[str, Any] = {}
    for key, convert in (("valid_from", _as_date), ("valid_to", _as_date), ("tags", _as_tags)):
        try:
            fields[key] = convert(record.get(key))
        except ValueError as exc:
            raise _DocError(key, str(exc)) from exc
    doc_id = record.get("id")
    return KnowledgeDoc(
        id=str(doc_id).strip() if doc_id not in (None, "") else default_id,
        text=str(text).strip(),
        title=str(record.get("title") or default_title).strip(),
        kind=kind,
        extra={k: v for k, v in record.items() if k not in _KNOWN},
        **fields,
    )


def _first_heading(body: str) -> str:
    for line in body.split("\n"):
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def _text_doc(path: Path, rel: str, skipped: list[LineError]) -> list[KnowledgeDoc]:
    text = read_text(path)
    meta: dict[str, Any] = {}
    body = text
    lines = text.split("\n")
    close = 0  # index of the line closing the front matter, when there is one
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            skipped.append(line_error(path, 1, "front matter is not closed with '---'"))
            return []
        close = end
        try:
            loaded = yaml.load("\n".join(lines[1:close]), Loader=_Loader)
        except yaml.YAMLError as exc:
            # Where the broken construct began (an unclosed bracket) beats where parsing gave up.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1  # the YAML starts on the file's second line
            skipped.append(
                line_error(path, line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)})")
            )
            return []
        if loaded is not None and not isinstance(loaded, dict):
            skipped.append(line_error(path, 2, "front matter must be a mapping of fields"))
            return []
        meta = loaded or {}
        body = "\n".join(lines[close + 1 :])
    title = _first_heading(body) if path.suffix.lower() in (".md", ".markdown") else ""
    record = {k: v for k, v in meta.items() if k not in ("text", "body", "answer")}
    try:
        return [_make_doc({**record, "text": body}, default_id=rel, default_title=title)]
    except _DocError as exc:
        # Point at the field's line in the front matter when it is there, else at the body.
        at = next((n for n, line in enumerate(lines[:close], 1) if line.startswith(f"{exc.field}:")), None)
        line = at or (close + 2 if meta else 1)
        skipped.append(line_error(path, line, exc.reason, field=exc.field))
        return []


def _record_docs(path: Path, rel: str, skipped: list[LineError]) -> list[KnowledgeDoc]:
    docs: list[KnowledgeDoc] = []
    if path.suffix.lower() == ".json":
        data, text = load_json(path)
        records = data if isinstance(data, list) else [data]
        for i, record in enumerate(records):
            where: list[str | int] = [i] if isinstance(data, list) else []
            if not isinstance(record, dict):
                skipped.append(line_error(path, json_line(text, where), "expected an object per document"))
                continue
            try:
                docs.append(_make_doc(record, default_id=f"{rel}#{i + 1}"))
            except _DocError as exc:
                skipped.append(
                    line_error(path, json_line(text, [*where, exc.field]), exc.reason, field=exc.field)
                )
        return docs
    rows = iter_csv_rows(path)
    header = next((row for _, row in rows if not isinstance(row, csv.Error)), None)
    if header is None:
        skipped.append(line_error(path, 1, "empty CSV; expected a header with a text column"))
        return docs
    names = [h.strip().lstrip("\ufeff") for h in header]
    for line, row in rows:
        if isinstance(row, csv.Error):
            skipped.append(line_error(path, line, f"not valid CSV ({row})"))
            continue
        record = {k: v for k, v in zip(names, row, strict=False) if v.strip()}
        try:
            docs.append(_make_doc(record, default_id=f"{rel}#{line}"))
        except _DocError as exc:
            skipped.append(line_error(path, line, exc.reason, field=exc.field))
    return docs


def read_knowledge_dir(folder: str | Path) -> tuple[list[KnowledgeDoc], list[LineError]]:
    """Markdown/text documents (optional YAML front matter) and CSV/JSON records under ``folder``.

    Without front matter the id is the path relative to ``folder``, the kind ``faq`` and the title
    the first Markdown heading. HTML and PDF are the knowledge package's business and are skipped
    here with a note. Documents come in path order.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FormatError(str(folder), "knowledge folder not found")
    docs: list[KnowledgeDoc] = []
    skipped: list[LineError] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        suffix = path.suffix.lower()
        if suffix in (".md", ".markdown", ".txt"):
            docs += _text_doc(path, rel, skipped)
        elif suffix in (".json", ".csv"):
            docs += _record_docs(path, rel, skipped)
        else:
            skipped.append(line_error(path, 1, "not a document eval sets read (md, txt, json or csv)"))
    seen: set[str] = set()
    unique: list[KnowledgeDoc] = []
    for doc in docs:
        if doc.id in seen:
            skipped.append(
                line_error(folder, 1, f"duplicate id '{doc.id}'; the later document is skipped", field="id")
            )
            continue
        seen.add(doc.id)
        unique.append(doc)
    return unique, skipped


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
    for number, raw in enumerate(read_text(path).split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            skipped.append(line_error(path, number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
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
