"""Readers for the interchange formats in FORMATS.md that several packages share.

Files come from users, so they are validated with pydantic; every error names the file, the line and
the field. Unknown fields are kept (``extra``) and otherwise ignored.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.errors import FormatError, InvalidInput

__all__ = [
    "Evaluation",
    "LabeledCall",
    "LabeledCallFile",
    "LineError",
    "ReferenceTurn",
    "iter_labeled_calls",
    "json_problem",
    "load_labeled_calls",
    "parse_labeled_call",
    "read_labeled_calls",
    "unstorable_text",
]

# Characters a string may hold in Python but PostgreSQL cannot store: NUL, and UTF-16 surrogates
# (JSON "\ud800" and YAML "\ud83d\ude00" escapes decode to them; they are not characters).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# JSON escapes that can decode to such characters; lines without one skip the walk.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


class ReferenceTurn(BaseModel):
    model_config = ConfigDict(extra="allow")

    speaker: str = "unknown"
    text: str
    start: float | None = None
    end: float | None = None


class Evaluation(BaseModel):
    model_config = ConfigDict(extra="allow")

    evaluator: str
    scorecard: str = "standard-voice"
    answers: dict[str, str | int | float]


class LabeledCall(BaseModel):
    """One line of a labeled-call JSONL file (FORMATS.md §1)."""

    model_config = ConfigDict(extra="allow")

    call_id: str = Field(min_length=1, max_length=200)
    audio: str | None = None
    channels: dict[str, int] = Field(default_factory=lambda: {"agent": 0, "customer": 1})
    channel: Literal["voice", "chat", "email", "sms"] = "voice"
    started_at: datetime | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    queue: str | None = None
    turns: list[ReferenceTurn] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    evaluations: list[Evaluation] = Field(default_factory=list)

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A naive timestamp is taken as UTC so calls from several files sort together.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def audio_path(self, base_dir: Path) -> Path | None:
        if not self.audio:
            return None
        path = Path(self.audio)
        return path if path.is_absolute() else (base_dir / path)

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


@dataclass(slots=True)
class LineError:
    """A line that was skipped, with the reason (already names file, line and field)."""

    path: str
    line: int
    message: str


@dataclass(slots=True)
class LabeledCallFile:
    calls: list[tuple[int, LabeledCall]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def json_problem(exc: ValueError | RecursionError) -> str:
    """What was wrong with text that ``json.loads`` refused, for a message."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "not usable JSON (arrays or objects nested too deeply)"
    # json.loads raises a bare ValueError only for an integer over Python's digit limit.
    return f"not usable JSON (an integer has more than {sys.get_int_max_str_digits()} digits)"


def _unstorable_reason(text: str) -> str | None:
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character (\\u0000); remove it"
    return (
        f"contains \\u{ord(match.group()):04x}, half of a UTF-16 surrogate pair and no character; "
        "write the character itself"
    )


def unstorable_text(data: Any) -> tuple[str, str] | None:
    """``(where, reason)`` for the first string (key or value) in ``data`` that holds a NUL or a UTF-16
    surrogate, which PostgreSQL cannot store; ``where`` is the dotted path (``turns.0.text``).

    Iterative, since parsed JSON can be nested as deep as the recursion limit allows.
    """
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            reason = _unstorable_reason(node)
            if reason is not None:
                return (".".join(where) if where else "(value)"), reason
            continue
        if isinstance(node, dict):
            items: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, list | tuple):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            reason = _unstorable_reason(key) if isinstance(key, str) else None
            if reason is not None:
                return (".".join(where) if where else "(value)"), f"a key {reason}"
            stack.append(((*where, str(key)), value))
    return None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or None
    return (loc or "(line)", err.get("msg", "invalid value"))


def parse_labeled_call(raw: str, *, path: str, line: int) -> LabeledCall:
    """Parse one JSONL line; raise FormatError naming the file, the line and the field."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FormatError(path, json_problem(exc), line=line) from exc
    if not isinstance(data, dict):
        raise FormatError(path, "each line must be a JSON object", line=line)
    if _UNSTORABLE_ESCAPE.search(raw) and (bad := unstorable_text(data)) is not None:
        raise FormatError(path, bad[1], line=line, field=bad[0])
    try:
        return LabeledCall.model_validate(data)
    except ValidationError as exc:
        loc, msg = _first_error(exc)
        raise FormatError(path, msg, line=line, field=loc) from exc


def iter_labeled_calls(path: str | Path) -> Iterator[tuple[int, LabeledCall | FormatError]]:
    """Yield ``(line_number, call or error)`` for every non-blank line; never stops at a bad line."""
    p = Path(path)
    try:
        handle = p.open("rb")
    except OSError as exc:
        raise FormatError(str(p), f"cannot read file: {exc.strerror}") from exc
    with handle:
        # Lines are decoded one by one so that a line that is not UTF-8 costs only that line.
        for number, raw_bytes in enumerate(handle, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, FormatError(str(p), f"not UTF-8 text ({exc.reason})", line=number)
                continue
            if number == 1:
                raw = raw.removeprefix("\ufeff")  # the byte-order mark Windows editors write
            if not raw.strip():
                continue
            try:
                yield number, parse_labeled_call(raw, path=str(p), line=number)
            except FormatError as exc:
                yield number, exc


def read_labeled_calls(path: str | Path) -> LabeledCallFile:
    """Read a whole labeled-call file, collecting bad lines instead of failing on the first."""
    out = LabeledCallFile()
    for number, item in iter_labeled_calls(path):
        if isinstance(item, FormatError):
            out.errors.append(LineError(path=str(path), line=number, message=str(item)))
        else:
            out.calls.append((number, item))
    return out


def load_labeled_calls(path: str | Path) -> list[LabeledCall]:
    """Every call of a file for a command that reads it whole: the first bad line is the error, and
    so is a file with no calls."""
    calls = []
    for _, item in iter_labeled_calls(path):
        if isinstance(item, FormatError):
            raise item
        calls.append(item)
    if not calls:
        raise InvalidInput(f"{path}: no calls in the file")
    return calls
