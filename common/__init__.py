"""Shared base of callscope: the exception hierarchy and database plumbing.

Every other package may import from here; nothing here imports the others.
"""

from common.errors import (
    AudioDecodeError,
    CallscopeError,
    ConfigError,
    FormatError,
    InputTooLarge,
    InvalidInput,
    NotFound,
    StorageError,
)

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
