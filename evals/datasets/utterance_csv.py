"""Utterance classification CSV (FORMATS §2): a header with ``text`` and a label column, one row each.

Shared by the banking77 adapter (label column ``category``) and the reader for users' own files.
"""

from __future__ import annotations

import csv
from pathlib import Path

from common.errors import FormatError
from common.formats import LineError
from evals.datasets._common import iter_csv_rows, line_error
from evals.types import Utterance

__all__ = ["read_text_label_rows"]


def read_text_label_rows(
    path: str | Path, *, label_column: str = "label", allow_empty_label: bool = False
) -> tuple[list[Utterance], list[LineError]]:
    """Rows of ``path`` as utterances, and the rows skipped (file, line, field).

    Text is stripped of surrounding whitespace (some public rows start with newlines). An ``id``
    column is used when present, otherwise the id is ``<file stem>:<line>``. An empty label is only
    accepted for multi-label data, where it means "no label applies".
    """
    path = Path(path)
    rows = iter_csv_rows(path)
    header: list[str] | None = None
    for line, first in rows:
        if isinstance(first, csv.Error):
            raise FormatError(str(path), f"unreadable header ({first})", line=line)
        header = [name.strip().lstrip("\ufeff") for name in first]
        break
    if header is None:
        raise FormatError(str(path), f"empty file; expected a header 'text,{label_column}'")
    missing = [name for name in ("text", label_column) if name not in header]
    if missing:
        raise FormatError(
            str(path), f"header lacks column(s) {', '.join(missing)}; expected 'text,{label_column}'", line=1
        )
    i_text, i_label = header.index("text"), header.index(label_column)
    i_id = header.index("id") if "id" in header else None
    out: list[Utterance] = []
    skipped: list[LineError] = []
    for line, row in rows:
        if isinstance(row, csv.Error):
            skipped.append(line_error(path, line, f"not valid CSV ({row})"))
            continue
        if len(row) <= max(i_text, i_label):
            absent = "text" if len(row) <= i_text else label_column
            skipped.append(line_error(path, line, "missing value", field=absent))
            continue
        text, label = row[i_text].strip(), row[i_label].strip()
        if not text:
            skipped.append(line_error(path, line, "empty text", field="text"))
            continue
        if not label and not allow_empty_label:
            skipped.append(line_error(path, line, "empty label", field=label_column))
            continue
        given_id = row[i_id].strip() if i_id is not None and i_id < len(row) else ""
        out.append(Utterance(text=text, label=label, id=given_id or f"{path.stem}:{line}"))
    return out, skipped
