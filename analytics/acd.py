"""ACD contact records: one row per contact offered to a queue (docs/acd-records.md)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.errors import InvalidInput

__all__ = ["ACD_COLUMNS", "REQUIRED_COLUMNS", "AcdRecord", "parse_acd_csv", "read_acd_csv", "write_acd_csv"]

# The columns callscope reads, in the order write_acd_csv writes them; any other column is ignored.
ACD_COLUMNS = (
    "queue",
    "offered_at",
    "answered_at",
    "abandoned_at",
    "handle_s",
    "agent_id",
    "blocked",
    "contact_id",
    "call_id",
)
REQUIRED_COLUMNS = ("queue", "offered_at")
MAX_ID_LENGTH = 200  # queue, agent, contact and call ids: as stored
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}
_TIME_EXAMPLE = "2026-03-02T09:15:00Z"


@dataclass(slots=True)
class AcdRecord:
    """One contact as the ACD saw it. Exactly one outcome: answered, abandoned, or blocked."""

    queue: str
    offered_at: datetime  # timezone-aware (naive input is taken as UTC)
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    handle_s: float | None = None  # talk + hold + after-call work, answered contacts only
    agent_id: str | None = None
    blocked: bool = False  # refused by the ACD (all trunks/queue slots busy): never queued
    contact_id: str | None = None  # the ACD's own id; re-importing the same id replaces the row
    call_id: str | None = None  # the stored call this contact became, when known


class _RowError(Exception):
    """A bad cell; parse_acd_csv adds the source and line."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _time(column: str, value: str) -> datetime:
    text = value.strip()
    try:
        # Python 3.11 reads "Z", offsets and a space instead of "T"; a bare date is not a time.
        if len(text) <= 10:
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(column, f"'{value}' is not an ISO 8601 time such as {_TIME_EXAMPLE}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _seconds(column: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise _RowError(column, f"'{value}' is not a number of seconds such as 245 or 245.5") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise _RowError(column, f"'{value}' must be 0 or more seconds")
    return seconds


def _flag(column: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _RowError(column, f"'{value}' is not true/false, 1/0 or yes/no (empty means false)")


def _record(cells: dict[str, str]) -> AcdRecord:
    def text(column: str) -> str | None:
        value = cells.get(column, "").strip() or None
        if value is not None and len(value) > MAX_ID_LENGTH:
            raise _RowError(
                column, f"is {len(value)} characters long; ids and names hold {MAX_ID_LENGTH} at most"
            )
        return value

    queue = text("queue")
    if queue is None:
        raise _RowError("queue", "is empty: every contact needs the queue it was offered to")
    if text("offered_at") is None:
        raise _RowError(
            "offered_at", f"is empty: give when the contact reached the queue, e.g. {_TIME_EXAMPLE}"
        )
    offered = _time("offered_at", cells["offered_at"])
    answered = _time("answered_at", cells["answered_at"]) if text("answered_at") else None
    abandoned = _time("abandoned_at", cells["abandoned_at"]) if text("abandoned_at") else None
    blocked = _flag("blocked", cells.get("blocked", ""))
    raw_handle = text("handle_s")
    handle = _seconds("handle_s", raw_handle) if raw_handle is not None else None

    if blocked and (answered or abandoned):
        column = "answered_at" if answered else "abandoned_at"
        raise _RowError(column, "a blocked contact never queued: leave answered_at and abandoned_at empty")
    if answered and abandoned:
        raise _RowError("abandoned_at", "a contact is answered or abandoned, not both: give only one time")
    if not (blocked or answered or abandoned):
        raise _RowError("answered_at", "no outcome: give answered_at, abandoned_at or blocked=true")
    for column, moment in (("answered_at", answered), ("abandoned_at", abandoned)):
        if moment is not None and moment < offered:
            raise _RowError(column, f"{moment.isoformat()} is before offered_at {offered.isoformat()}")
    if handle is not None and answered is None:
        # Exports often write 0 for contacts nobody handled; anything more would be lost silently.
        if handle > 0:
            raise _RowError("handle_s", f"{raw_handle} s on a contact that was not answered: leave it empty")
        handle = None
    return AcdRecord(
        queue=queue,
        offered_at=offered,
        answered_at=answered,
        abandoned_at=abandoned,
        handle_s=handle,
        agent_id=text("agent_id"),
        blocked=blocked,
        contact_id=text("contact_id"),
        call_id=text("call_id"),
    )


def parse_acd_csv(text_lines: Iterable[str], source: str) -> list[AcdRecord]:
    """Records from CSV text (a header row, then one contact per row); the first bad row raises InvalidInput.

    ``source`` names the input in messages, e.g. ``acd.csv line 7, column answered_at: …``.
    """
    reader = csv.reader(iter(text_lines))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise InvalidInput(
                f"{source} is empty: it needs a header row naming at least {', '.join(REQUIRED_COLUMNS)}"
            )
        names = [cell.strip().lstrip("\ufeff").lower() for cell in header]
        header_line = reader.line_num
        for name in ACD_COLUMNS:
            if names.count(name) > 1:
                raise InvalidInput(f"{source} line {header_line}: column {name} appears twice in the header")
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise InvalidInput(
                f"{source} line {header_line}: the header has no {' or '.join(missing)} column "
                f"(found: {', '.join(n for n in names if n) or 'nothing'}); "
                f"see docs/acd-records.md for the columns"
            )
        index = {name: i for i, name in enumerate(names) if name in ACD_COLUMNS}
        records: list[AcdRecord] = []
        seen: dict[str, int] = {}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) > len(names) and any(cell.strip() for cell in row[len(names) :]):
                raise InvalidInput(
                    f"{source} line {line}: {len(row)} cells but the header names {len(names)} columns; "
                    "quote values that contain commas"
                )
            cells = {name: row[i] if i < len(row) else "" for name, i in index.items()}
            try:
                record = _record(cells)
            except _RowError as exc:
                raise InvalidInput(f"{source} line {line}, column {exc.column}: {exc.message}") from None
            if record.contact_id is not None:
                if record.contact_id in seen:
                    raise InvalidInput(
                        f"{source} line {line}, column contact_id: '{record.contact_id}' is already on line "
                        f"{seen[record.contact_id]}; each contact appears once per file"
                    )
                seen[record.contact_id] = line
            records.append(record)
    except csv.Error as exc:
        raise InvalidInput(f"{source} line {reader.line_num}: not readable as CSV ({exc})") from None
    return records


def read_acd_csv(path: Path) -> list[AcdRecord]:
    """Records from an ACD CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return parse_acd_csv(f, str(path))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file; give the path of an ACD CSV export") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder; give the path of an ACD CSV file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save the export as UTF-8 CSV") from None


def _time_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def _seconds_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    # repr keeps every digit so a written file reads back to the same float.
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def _rows(records: Iterable[AcdRecord]) -> Iterator[list[str]]:
    yield list(ACD_COLUMNS)
    for r in records:
        yield [
            r.queue,
            _time_text(r.offered_at),
            _time_text(r.answered_at),
            _time_text(r.abandoned_at),
            _seconds_text(r.handle_s),
            r.agent_id or "",
            "true" if r.blocked else "false",
            r.contact_id or "",
            r.call_id or "",
        ]


def write_acd_csv(records: Iterable[AcdRecord], path: Path) -> None:
    """Write records in the format read_acd_csv reads (all columns, times with their UTC offset)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(_rows(records))
