"""What the property tests share: a time-limited call that sorts outcomes into a result or a
``CallscopeError``, and strategies for text and JSON/YAML-like values."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st

from common.errors import CallscopeError

__all__ = [
    "TIME_LIMIT_S",
    "bounded",
    "clean_text",
    "fuzz",
    "json_values",
    "outcome",
    "yaml_values",
]

T = TypeVar("T")

#: No parser may take longer than this on one small input: more is taken as a hang.
TIME_LIMIT_S = 10.0


def fuzz(n: int) -> settings:
    """Settings for a test of ``n`` examples under the ``ci`` profile (tests/property/conftest.py),
    or 20 times as many under ``HYPOTHESIS_PROFILE=thorough``."""
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if profile not in ("ci", "thorough"):
        profile = "ci"
    return settings(settings.get_profile(profile), max_examples=n * 20 if profile == "thorough" else n)


def bounded(fn: Callable[[], T], limit_s: float = TIME_LIMIT_S) -> T:
    """``fn()`` run in a daemon thread; fails the test when it has not returned within ``limit_s``.

    A hung parser cannot be stopped from outside, but a daemon thread does not keep pytest alive.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit_s)
    if thread.is_alive():
        raise AssertionError(f"no answer within {limit_s:g} s: the parser hangs on this input")
    if "error" in box:
        raise box["error"]
    return box["value"]


def outcome(fn: Callable[[], T], limit_s: float = TIME_LIMIT_S) -> T | CallscopeError:
    """The result of ``fn()``, or the ``CallscopeError`` it raised; any other exception (TypeError,
    KeyError, UnicodeDecodeError, RecursionError...) and a hang fail the test."""
    try:
        return bounded(fn, limit_s)
    except CallscopeError as exc:
        assert str(exc).strip(), "an error without a message"
        return exc


def clean_text(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text as a person would write it in a field: any printable characters and spaces, no control
    characters, nothing that strips away (parsers strip surrounding whitespace)."""
    alphabet = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))
    return (
        st.text(alphabet, min_size=min_size, max_size=max_size)
        .map(lambda s: " ".join(s.split()))
        .filter(lambda s: len(s) >= min_size and s == s.strip())
    )


# Strings a file can hold and PostgreSQL can store: no NUL, no lone surrogates (tested on their own).
_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
_scalars_json = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any JSON value: scalars, and lists and objects of them nested a few levels."""
    return st.recursive(
        _scalars_json,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
        max_leaves=max_leaves,
    )


def yaml_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any value PyYAML's safe dumper writes: JSON values plus dates, times, NaN and infinities."""
    import datetime

    scalars = (
        _scalars_json
        | st.floats()
        | st.dates()
        | st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1))
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(_text | st.integers(-5, 5), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )
