"""The ACD record CSV under generated input: written records read back equal (times with their UTC
offsets), and any cell, row or byte gives records or an ``InvalidInput`` naming the file, the line and,
for a bad cell, its column."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from property_helpers import clean_text, fuzz, outcome

from analytics.acd import ACD_COLUMNS, REQUIRED_COLUMNS, AcdRecord, parse_acd_csv, read_acd_csv, write_acd_csv
from common.errors import InvalidInput

SOURCE = "acd.csv"
# How a row's error starts: the file, the line, and for a bad cell the column.
ROW_ERROR = re.compile(rf"^{re.escape(SOURCE)} line (\d+)(?:, column (\w+))?: \S")

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=offsets)
ids = clean_text(1, 20)


@st.composite
def records(draw: st.DrawFn, contact_id: str | None) -> AcdRecord:
    offered = draw(moments)
    outcome_kind = draw(st.sampled_from(["answered", "abandoned", "blocked"]))
    later = offered + draw(st.timedeltas(timedelta(0), timedelta(hours=3)))
    later = later.astimezone(draw(offsets))  # the end may be written with another offset
    return AcdRecord(
        queue=draw(ids),
        offered_at=offered,
        answered_at=later if outcome_kind == "answered" else None,
        abandoned_at=later if outcome_kind == "abandoned" else None,
        handle_s=(
            draw(st.none() | st.floats(0, 1e7, allow_nan=False) | st.integers(0, 10**6).map(float))
            if outcome_kind == "answered"
            else None
        ),
        agent_id=draw(st.none() | ids),
        blocked=outcome_kind == "blocked",
        contact_id=contact_id,
        call_id=draw(st.none() | ids),
    )


@st.composite
def record_lists(draw: st.DrawFn) -> list[AcdRecord]:
    contact_ids = draw(st.lists(st.none() | ids, max_size=6))
    unique = [c for c in contact_ids if c is None or contact_ids.count(c) == 1]
    return [draw(records(c)) for c in unique]


@given(rows=record_lists())
@fuzz(40)
def test_written_records_read_back_equal(tmp_path: Path, rows: list[AcdRecord]) -> None:
    path = tmp_path / "acd.csv"
    write_acd_csv(rows, path)
    back = outcome(lambda: read_acd_csv(path))
    assert back == rows
    for before, after in zip(rows, back, strict=True):  # the same instants, written the same way
        assert after.offered_at.utcoffset() == before.offered_at.utcoffset()


def _csv_text(rows: list[list[str]]) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().splitlines(keepends=True)


cells = st.text(max_size=30) | st.sampled_from(
    ["", " ", "2026-03-02T09:15:00Z", "2026-03-02", "true", "no", "maybe", "-1", "nan", "inf", "1e400", "0"]
)


@given(
    extra_columns=st.lists(
        st.sampled_from([c for c in ACD_COLUMNS if c not in REQUIRED_COLUMNS]), unique=True
    ),
    rows=st.lists(st.lists(cells, min_size=0, max_size=10), max_size=5),
)
@fuzz(75)
def test_arbitrary_cells_are_records_or_an_error_naming_line_and_column(
    extra_columns: list[str], rows: list[list[str]]
) -> None:
    header = [*REQUIRED_COLUMNS, *extra_columns]
    lines = _csv_text([header, *rows])
    result = outcome(lambda: parse_acd_csv(lines, SOURCE))
    if isinstance(result, InvalidInput):
        match = ROW_ERROR.match(str(result))
        assert match, result
        assert 2 <= int(match.group(1)) <= len(lines)
        assert match.group(2) is None or match.group(2) in header
    else:
        assert isinstance(result, list) and all(isinstance(r, AcdRecord) for r in result)
        for record in result:
            assert record.offered_at.tzinfo is not None
            assert sum([record.answered_at is not None, record.abandoned_at is not None, record.blocked]) == 1


@given(rows=record_lists().filter(bool), data=st.data())
@fuzz(50)
def test_a_broken_cell_is_reported_on_its_own_line(
    tmp_path: Path, rows: list[AcdRecord], data: st.DataObject
) -> None:
    """Break one cell of a written file: it still reads, or the error names that row's line."""
    path = tmp_path / "acd.csv"
    write_acd_csv(rows, path)
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    row = data.draw(st.integers(1, len(rows)), label="row")
    column = data.draw(st.integers(0, len(ACD_COLUMNS) - 1), label="column")
    table[row][column] = data.draw(cells.filter(lambda s: "\n" not in s and "\r" not in s), label="cell")
    result = outcome(lambda: parse_acd_csv(_csv_text(table), SOURCE))
    if isinstance(result, InvalidInput):
        match = ROW_ERROR.match(str(result))
        assert match, result
        line = int(match.group(1))
        # A changed contact_id can clash with a later row's; otherwise the changed row is the bad one.
        assert line == row + 1 or ACD_COLUMNS[column] == "contact_id", (str(result), row)
        assert match.group(2) is None or match.group(2) in ACD_COLUMNS
    else:
        assert isinstance(result, list) and len(result) == len(rows)


@given(text=st.text(max_size=300))
@fuzz(50)
def test_any_text_is_records_or_an_invalid_input(text: str) -> None:
    lines = text.splitlines(keepends=True)
    result = outcome(lambda: parse_acd_csv(lines, SOURCE))
    if isinstance(result, InvalidInput):
        assert str(result).startswith(SOURCE)
    else:
        assert isinstance(result, list)


@given(data=st.binary(max_size=300), bom=st.booleans())
@fuzz(50)
def test_any_bytes_are_records_or_an_invalid_input(tmp_path: Path, data: bytes, bom: bool) -> None:
    path = tmp_path / "acd.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    result = outcome(lambda: read_acd_csv(path))
    if isinstance(result, InvalidInput):
        assert str(result).startswith(str(path))
    else:
        assert isinstance(result, list)


def test_a_naive_time_reads_as_utc_and_writes_with_its_offset(tmp_path: Path) -> None:
    rows = parse_acd_csv(
        ["queue,offered_at,abandoned_at\n", "q,2026-03-02 09:15:00,2026-03-02 09:16:00\n"], SOURCE
    )
    assert rows[0].offered_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    path = tmp_path / "acd.csv"
    write_acd_csv(rows, path)
    assert "2026-03-02T09:15:00+00:00" in path.read_text(encoding="utf-8")
    assert read_acd_csv(path) == rows
