"""What the adapters and readers share: skipped-line records, CSV rows with their line numbers, line
numbers inside pretty-printed JSON documents, and small text helpers.

A line that breaks a file is recorded as a ``LineError`` (file, line, reason) and skipped; only a file
that cannot be read at all (missing, not UTF-8, JSON that does not parse) raises ``FormatError``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from common.errors import FormatError
from common.formats import LineError, json_problem
from evals.types import GradedText

__all__ = [
    "GradedTexts",
    "iter_csv_rows",
    "json_line",
    "line_error",
    "load_json",
    "read_text",
    "slug",
]


class GradedTexts(list[GradedText]):
    """A list of graded texts that also carries the lines skipped while reading them.

    A ``list`` subclass so that it is still the ``list[GradedText]`` that eval tasks expect.
    """

    def __init__(self, items: Sequence[GradedText] = (), skipped: Sequence[LineError] = ()) -> None:
        super().__init__(items)
        self.skipped: list[LineError] = list(skipped)


def line_error(path: str | Path, line: int, reason: str, *, field: str | None = None) -> LineError:
    """A skipped line whose message names the file, the line and the field, like ``FormatError``."""
    return LineError(
        path=str(path), line=line, message=str(FormatError(str(path), reason, line=line, field=field))
    )


def read_text(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from exc


def _not_utf8(path: str | Path, data: bytes, exc: UnicodeDecodeError) -> FormatError:
    """The error for a file that is not UTF-8, naming the line of the first bad byte."""
    line = data.count(b"\n", 0, exc.start) + 1
    return FormatError(
        str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8", line=line
    )


def load_json(path: str | Path) -> tuple[Any, str]:
    """The parsed document and its text (kept to find line numbers of bad records later)."""
    text = read_text(path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        # Nothing in a JSON document can be trusted past a syntax error, so the whole file fails.
        raise FormatError(
            str(path), f"not valid JSON ({exc.msg} at column {exc.colno})", line=exc.lineno
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise FormatError(str(path), json_problem(exc)) from exc


_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _child_start(text: str, pos: int, step: str | int, decoder: json.JSONDecoder) -> int | None:
    opener = text[pos : pos + 1]
    if opener not in ("[", "{"):
        return None
    is_object = opener == "{"
    pos = _skip_ws(text, pos + 1)
    index = 0
    while pos < len(text) and text[pos] not in "]}":
        key: object = None
        if is_object:
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the ':'
        if (is_object and key == str(step)) or (not is_object and index == step):
            return pos
        _, pos = decoder.raw_decode(text, pos)  # the C decoder skips a whole value quickly
        pos = _skip_ws(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip_ws(text, pos + 1)
        index += 1
    return None


def json_line(text: str, where: Sequence[str | int]) -> int:
    """The line on which the value at ``where`` (keys and indexes) starts in a JSON document's text.

    Only called once a record turned out to be bad, so good files never pay for it. Stops at the
    deepest part of ``where`` that exists.
    """
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    try:
        for step in where:
            found = _child_start(text, pos, step, decoder)
            if found is None:
                break
            pos = found
    except (ValueError, IndexError):
        pass
    return text.count("\n", 0, pos) + 1


def iter_csv_rows(path: str | Path) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """``(line where the record starts, fields or the csv error)`` for every non-blank record."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            yield from _csv_records(Path(path), handle)
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror}") from exc


def _csv_records(path: Path, handle: TextIO) -> Iterator[tuple[int, list[str] | csv.Error]]:
    reader = csv.reader(handle)
    start = 1
    while True:
        try:
            row: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = exc
        except UnicodeDecodeError:
            # The text layer decodes ahead in blocks, so the error's position is not the file's:
            # decoding the whole file again finds the byte and its line.
            data = path.read_bytes()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, data, exc) from exc
            raise
        if row:  # blank lines are not records
            yield start, row
        start = reader.line_num + 1


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``"Replace Card"`` → ``"replace_card"``: label ids from free-text names."""
    return _NOT_SLUG.sub("_", text.lower()).strip("_")
