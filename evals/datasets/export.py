"""Writing loaded datasets as FORMATS files, which ``readers.read_exported`` reads back unchanged.

- utterances → ``<split>.csv`` (``text,label,id``; FORMATS §2 readers ignore the extra ``id`` column)
- labeled calls → ``calls.jsonl`` (FORMATS §1; audio paths made absolute, since they are relative
  to the JSONL file and the export usually lives elsewhere)
- retrieval → ``knowledge/<id>.md`` with YAML front matter (FORMATS §3) and ``queries.jsonl`` (§4)
- graded texts → ``graded.csv`` (``text,score,id,source``)

Each export also writes ``splits.json``: the dataset's name and kind and its split rules (test ids
for calls; train/test splits, the out-of-scope label and multi-label flag for utterances).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from evals.datasets.readers import SPLITS_FILE
from evals.types import GradedText, LabeledCalls, RetrievalSet, Utterances

__all__ = ["doc_file_name", "write_dataset"]

# libyaml's safe dumper when it is built in (ten times faster over 12,000 documents), else PyYAML's.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def doc_file_name(doc_id: str) -> str:
    """A file name for a document id (the id itself stays exact in the front matter)."""
    return (_UNSAFE.sub("_", doc_id).strip("._") or "doc") + ".md"


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _write_utterances(data: Utterances, out: Path) -> list[Path]:
    written = []
    for split, rows in data.splits.items():
        path = out / f"{split}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["text", "label", "id"])
            writer.writerows([u.text, u.label, u.id] for u in rows)
        written.append(path)
    meta = {
        "name": data.name,
        "kind": "utterances",
        "train_splits": list(data.train_splits),
        "test_splits": list(data.test_splits),
        "oos_label": data.oos_label,
        "multi_label": data.multi_label,
    }
    return [*written, _write_json(out / SPLITS_FILE, meta)]


def _write_calls(data: LabeledCalls, out: Path) -> list[Path]:
    path = out / "calls.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for call in data.calls:
            record = call.model_dump(mode="json", exclude_none=True)
            audio = call.audio_path(data.base_dir)
            if audio is not None:
                record["audio"] = str(audio.resolve())
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    meta = {"name": data.name, "kind": "labeled_calls", "test_ids": sorted(data.test_ids)}
    return [path, _write_json(out / SPLITS_FILE, meta)]


def _write_retrieval(data: RetrievalSet, out: Path) -> list[Path]:
    folder = out / "knowledge"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for doc in data.documents:
        name = doc_file_name(doc.id)
        stem, n = name.removesuffix(".md"), 1
        while name in used:  # two ids can sanitise to the same name
            n += 1
            name = f"{stem}-{n}.md"
        used.add(name)
        meta: dict[str, Any] = {"id": doc.id, "kind": doc.kind, "title": doc.title}
        if doc.valid_from:
            meta["valid_from"] = doc.valid_from
        if doc.valid_to:
            meta["valid_to"] = doc.valid_to
        if doc.tags:
            meta["tags"] = list(doc.tags)
        meta.update(
            {k: v for k, v in doc.extra.items() if k not in meta and k not in ("text", "body", "answer")}
        )
        front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
        path = folder / name
        path.write_text(f"---\n{front}---\n{doc.text}\n", encoding="utf-8")
        written.append(path)
    queries = out / "queries.jsonl"
    with queries.open("w", encoding="utf-8") as handle:
        for q in data.queries:
            record: dict[str, Any] = {
                "id": q.id,
                "query": q.query,
                "relevant": q.relevant,
                "context": q.context,
            }
            if q.as_of:
                record["as_of"] = q.as_of
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    meta_file = _write_json(out / SPLITS_FILE, {"name": data.name, "kind": "retrieval"})
    return [*written, queries, meta_file]


def _write_graded(data: Sequence[GradedText], out: Path, name: str) -> list[Path]:
    path = out / "graded.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "score", "id", "source"])
        writer.writerows([g.text, repr(g.score), g.id, g.source] for g in data)
    return [path, _write_json(out / SPLITS_FILE, {"name": name, "kind": "graded"})]


def write_dataset(
    data: Utterances | LabeledCalls | RetrievalSet | Sequence[GradedText],
    out_dir: str | Path,
    *,
    name: str = "",
) -> list[Path]:
    """Write ``data`` as FORMATS files under ``out_dir`` (created); returns the files written.

    ``name`` only matters for graded texts, which carry no name of their own.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(data, Utterances):
        return _write_utterances(data, out)
    if isinstance(data, LabeledCalls):
        return _write_calls(data, out)
    if isinstance(data, RetrievalSet):
        return _write_retrieval(data, out)
    return _write_graded(data, out, name or out.name)
