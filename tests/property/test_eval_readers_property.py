"""FORMATS §2 utterance CSV and §4 retrieval-query JSONL under generated input: written rows and
queries read back unchanged (also through the dataset exporter), and any other line or byte is
skipped with its file and line, or the whole file is refused with a ``FormatError`` — never another
exception."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from property_helpers import clean_text, fuzz, json_values, outcome

from common.errors import FormatError
from evals.datasets.readers import read_queries_jsonl, read_utterance_csv
from evals.types import RetrievalQuery, Utterances


def _fresh(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


# --- §2 utterance CSV ----------------------------------------------------------------------------

# Cells are stripped on reading; multi-line text stays one cell when quoted.
cell_text = st.lists(clean_text(1, 30), min_size=1, max_size=3).map("\n".join)


@given(
    rows=st.lists(st.tuples(cell_text, clean_text(1, 20)), max_size=6),
    with_id=st.booleans(),
    bom=st.booleans(),
    crlf=st.booleans(),
)
@fuzz(30)
def test_utterance_rows_read_back_as_written(
    tmp_path: Path, rows: list[tuple[str, str]], with_id: bool, bom: bool, crlf: bool
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["id", "label", "text"] if with_id else ["text", "label"])
    for n, (text, label) in enumerate(rows):
        writer.writerow([f"u{n}", label, text] if with_id else [text, label])
    path = _fresh(tmp_path) / "test.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode())
    data = outcome(lambda: read_utterance_csv(path))
    assert isinstance(data, Utterances), data
    assert data.skipped == []
    got = data.splits["test"]
    assert [(u.text, u.label) for u in got] == rows
    if with_id:
        assert [u.id for u in got] == [f"u{n}" for n in range(len(rows))]


@given(rows=st.lists(st.lists(st.text(max_size=12), max_size=4), max_size=6), header=st.booleans())
@fuzz(50)
def test_any_csv_rows_are_read_or_skipped_with_their_line(
    tmp_path: Path, rows: list[list[str]], header: bool
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(["text", "label"])
    writer.writerows(rows)
    text = buffer.getvalue()
    path = _fresh(tmp_path) / "rows.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    data = outcome(lambda: read_utterance_csv(path))
    lines = len(re.split(r"\r\n|\r|\n", text))  # the csv module counts a lone \r as a line break too
    if isinstance(data, FormatError):
        assert data.path == str(path) and (data.line is None or 1 <= data.line <= lines)
        return
    assert isinstance(data, Utterances), data
    for error in data.skipped:
        assert 2 <= error.line <= lines and error.message.startswith(f"{path}:{error.line}: ")
    for utterance in data.splits["rows"]:
        assert utterance.text == utterance.text.strip() and utterance.text and utterance.label


@given(data=st.binary(max_size=300))
@fuzz(50)
def test_any_bytes_as_utterance_csv_are_read_or_refused(tmp_path: Path, data: bytes) -> None:
    path = _fresh(tmp_path) / "rows.csv"
    path.write_bytes(b"text,label\n" + data)
    result = outcome(lambda: read_utterance_csv(path))
    if isinstance(result, FormatError):
        assert result.path == str(path)
        # The line of the first byte that is not UTF-8, not where the reader's buffer happened to be.
        if "UTF-8" in str(result):
            text = (b"text,label\n" + data).decode("utf-8", "replace")
            assert result.line == text[: text.index("\ufffd")].count("\n") + 1, result
    else:
        assert isinstance(result, Utterances)


def test_a_bad_byte_is_reported_on_its_line_far_into_a_file(tmp_path: Path) -> None:
    """The text layer decodes ahead in blocks of 8 KB; the error still names the right line."""
    path = tmp_path / "rows.csv"
    path.write_bytes(b"text,label\n" + b"hello there,greet\n" * 2000 + b"caf\xe9,food\n")
    result = outcome(lambda: read_utterance_csv(path))
    assert isinstance(result, FormatError) and result.line == 2002, result


# --- §4 retrieval queries ------------------------------------------------------------------------

queries = st.fixed_dictionaries(
    {"query": clean_text(1, 40)},
    optional={
        "relevant": st.lists(clean_text(1, 15), max_size=3),
        "context": st.lists(st.text(max_size=20).filter(lambda s: "\x00" not in s), max_size=3),
        "as_of": st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)).map(datetime.date.isoformat),
        "id": clean_text(1, 15),
        "note": json_values(4),
    },
)


@given(items=st.lists(queries, max_size=6), ascii_only=st.booleans(), blank=st.booleans(), bom=st.booleans())
@fuzz(30)
def test_queries_read_back_as_written(
    tmp_path: Path, items: list[dict[str, Any]], ascii_only: bool, blank: bool, bom: bool
) -> None:
    path = _fresh(tmp_path) / "queries.jsonl"
    sep = "\n\n" if blank else "\n"
    text = sep.join(json.dumps(q, ensure_ascii=ascii_only) for q in items)
    path.write_text(("\ufeff" if bom else "") + text + "\n", encoding="utf-8")
    result = outcome(lambda: read_queries_jsonl(path))
    assert isinstance(result, tuple), result
    got, skipped = result
    assert skipped == []
    step = 2 if blank else 1
    want = [
        RetrievalQuery(
            query=q["query"],
            relevant=q.get("relevant", []),
            context=q.get("context", []),
            as_of=q.get("as_of"),
            id=q.get("id") or f"queries:{1 + n * step}",
        )
        for n, q in enumerate(items)
    ]
    assert got == want


def _query_lines() -> st.SearchStrategy[str]:
    wrong = st.tuples(
        queries, st.sampled_from(["query", "relevant", "context", "as_of", "id"]), json_values(6)
    ).map(lambda t: json.dumps({**t[0], t[1]: t[2]}))
    return st.one_of(
        queries.map(json.dumps),
        wrong,
        json_values().map(json.dumps),
        st.text(max_size=50).filter(lambda s: "\n" not in s),
        st.sampled_from(["[" * 50_000, '{"query": "q", "n": ' + "1" * 5000 + "}"]),
    )


@given(lines=st.lists(_query_lines(), max_size=6))
@fuzz(50)
def test_every_query_line_is_read_or_skipped_with_its_line(tmp_path: Path, lines: list[str]) -> None:
    path = _fresh(tmp_path) / "queries.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    result = outcome(lambda: read_queries_jsonl(path))
    if isinstance(result, FormatError):  # only a file that is not UTF-8 (lone surrogates written raw)
        assert "UTF-8" in str(result) and result.line is not None
        return
    assert isinstance(result, tuple), result
    got, skipped = result
    non_blank = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert len(got) + len(skipped) == len(non_blank)
    assert {e.line for e in skipped} <= set(non_blank)
    for error in skipped:
        assert error.message.startswith(f"{path}:{error.line}: ")


@given(data=st.binary(max_size=300))
@fuzz(40)
def test_any_bytes_as_queries_are_read_or_refused(tmp_path: Path, data: bytes) -> None:
    path = _fresh(tmp_path) / "queries.jsonl"
    path.write_bytes(data)
    result = outcome(lambda: read_queries_jsonl(path))
    if isinstance(result, FormatError):
        assert result.path == str(path) and result.line is not None
    else:
        assert isinstance(result, tuple)
