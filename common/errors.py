"""The one exception hierarchy of callscope.

Messages are written for the person who gave the input: they say what was wrong and what to do.
Only ``api/`` turns these into HTTP responses or CLI exit codes.
"""

from __future__ import annotations

__all__ = [
    "AudioDecodeError",
    "CallscopeError",
    "ConfigError",
    "FormatError",
    "InputTooLarge",
    "InvalidInput",
    "NotFound",
    "StorageError",
]


class CallscopeError(Exception):
    """Base of every error callscope raises on purpose."""


class InvalidInput(CallscopeError):
    """The caller's input is wrong; retrying the same input will fail the same way."""


class AudioDecodeError(InvalidInput):
    """A recording cannot be decoded (corrupt, empty, not audio)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class FormatError(InvalidInput):
    """A file breaks one of the formats in FORMATS.md; names the file, line and field."""

    def __init__(self, path: str, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        what = reason if field is None else f"field '{field}': {reason}"
        super().__init__(f"{where}: {what}")
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason


class InputTooLarge(InvalidInput):
    """An upload or recording exceeds a configured size or duration limit."""


class NotFound(CallscopeError):
    """A call, job or other stored object does not exist."""


class ConfigError(CallscopeError):
    """A setting is missing or wrong (a model path that does not exist, a bad database URL)."""


class StorageError(CallscopeError):
    """The database could not be reached or refused an operation."""
