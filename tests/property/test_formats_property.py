"""FORMATS §1 labeled-call JSONL under generated input: valid calls read back field for field (also
through the dataset exporter), and any other line, value or byte gives a ``FormatError`` naming the
file, the line and the field — never another exception."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from property_helpers import fuzz, json_values, outcome

from common.errors import FormatError, InvalidInput
from common.formats import (
    LabeledCall,
    LabeledCallFile,
    load_labeled_calls,
    parse_labeled_call,
    read_labeled_calls,
)

FIELDS: tuple[str, ...] = ("call_id", "audio", "channels", "channel", "started_at", "agent_id", "customer_id")
FIELDS += ("queue", "turns", "labels", "evaluations")

# Strings as a file may hold them: anything but NUL and surrogates, which PostgreSQL cannot store.
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
texts = st.text(_chars, max_size=30)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets)
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid labeled call as a JSON object, with a random subset of the optional fields and extras."""
    record: dict[str, Any] = {"call_id": draw(st.text(_chars, min_size=1, max_size=40))}
    optional = {
        "audio": texts,
        "channels": st.dictionaries(texts, st.integers(-(2**40), 2**40), max_size=3),
        "channel": st.sampled_from(["voice", "chat", "email", "sms"]),
        "started_at": moments.map(datetime.isoformat),
        "agent_id": texts,
        "customer_id": texts,
        "queue": texts,
        "turns": st.lists(
            st.fixed_dictionaries(
                {"text": texts},
                optional={"speaker": texts, "start": seconds, "end": seconds, "emotion": json_values(4)},
            ),
            max_size=4,
        ),
        "labels": st.dictionaries(texts, json_values(4), max_size=3),
        "evaluations": st.lists(
            st.fixed_dictionaries(
                {
                    "evaluator": texts,
                    "answers": st.dictionaries(
                        texts,
                        texts | st.integers(-100, 100) | st.floats(allow_nan=False, allow_infinity=False),
                    ),
                },
                optional={"scorecard": texts},
            ),
            max_size=2,
        ),
    }
    for name in draw(st.sets(st.sampled_from(sorted(optional)))):
        record[name] = draw(optional[name])
    extras = draw(st.dictionaries(texts.filter(lambda k: k not in FIELDS), json_values(4), max_size=2))
    return {**extras, **record}


def _as_written(record: dict[str, Any], call: LabeledCall) -> None:
    """``call`` holds exactly what ``record`` says, defaults where it says nothing."""
    defaults = LabeledCall(call_id="x")
    for name in ("call_id", "audio", "channels", "channel", "agent_id", "customer_id", "queue", "labels"):
        assert getattr(call, name) == record.get(name, getattr(defaults, name)), name
    if "started_at" in record:
        given_at = datetime.fromisoformat(record["started_at"])
        assert call.started_at == given_at and call.started_at.utcoffset() == given_at.utcoffset()
    else:
        assert call.started_at is None
    turns = [t.model_dump(exclude_unset=True) | (t.model_extra or {}) for t in call.turns]
    assert turns == record.get("turns", [])
    evaluations = [e.model_dump(exclude_unset=True) for e in call.evaluations]
    assert evaluations == record.get("evaluations", [])
    assert call.extra == {k: v for k, v in record.items() if k not in FIELDS}


@given(
    calls=st.lists(records(), min_size=1, max_size=5),
    ascii_only=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_lines=st.booleans(),
)
@fuzz(30)
def test_valid_calls_read_back_field_for_field(
    tmp_path: Path, calls: list[dict[str, Any]], ascii_only: bool, newline: str, blank_lines: bool
) -> None:
    path = tmp_path / "calls.jsonl"
    sep = newline * (2 if blank_lines else 1)
    path.write_bytes(sep.join(json.dumps(c, ensure_ascii=ascii_only) for c in calls).encode() + b"\n")
    loaded = outcome(lambda: load_labeled_calls(path))
    assert isinstance(loaded, list), loaded
    assert len(loaded) == len(calls)
    for record, call in zip(calls, loaded, strict=True):
        _as_written(record, call)


@given(calls=st.lists(records(), min_size=1, max_size=4))
@fuzz(15)
def test_exported_calls_read_back_unchanged(tmp_path: Path, calls: list[dict[str, Any]]) -> None:
    """The dataset exporter writes what the reader reads (audio paths made absolute on the way)."""
    from evals.datasets.export import write_dataset
    from evals.datasets.readers import read_exported
    from evals.types import LabeledCalls

    models = [LabeledCall.model_validate(c) for c in calls]
    out = tmp_path / "export"
    write_dataset(LabeledCalls(name="gen", calls=models, base_dir=tmp_path), out)
    back = outcome(lambda: read_exported(out))
    assert isinstance(back, LabeledCalls), back
    assert back.skipped == []
    assert len(back.calls) == len(models)
    for before, after in zip(models, back.calls, strict=True):
        # The exporter writes with exclude_none, which drops unknown fields (of a call or a turn)
        # whose value is null; every other value comes back.
        want = before.model_dump(exclude_none=True)
        if before.audio:
            want["audio"] = str((tmp_path / before.audio).resolve())
        assert after.model_dump(exclude_none=True) == want
        assert after.labels == before.labels  # nulls inside labels are kept


def _line_kinds(valid: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[bytes]:
    """One line of a file as bytes: a valid call, a call with one field of the wrong shape, any JSON
    value, any text, or any bytes (invalid UTF-8 included)."""
    wrong_field = st.tuples(valid, st.sampled_from(FIELDS), json_values(6)).map(
        lambda t: {**t[0], t[1]: t[2]}
    )
    text = st.text(max_size=60).filter(lambda s: "\n" not in s)
    return st.one_of(
        valid.map(lambda r: json.dumps(r).encode()),
        wrong_field.map(lambda r: json.dumps(r).encode()),
        json_values().map(lambda v: json.dumps(v).encode()),
        text.map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.binary(max_size=60).filter(lambda b: b"\n" not in b),
    )


@given(lines=st.lists(_line_kinds(records()), min_size=0, max_size=8))
@fuzz(40)
def test_every_line_is_a_call_or_an_error_naming_its_line(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\n".join(lines))
    result = outcome(lambda: read_labeled_calls(path))
    assert isinstance(result, LabeledCallFile), result  # reading whole files never stops at a line

    def blank(raw: bytes) -> bool:
        try:
            return not raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            return False

    numbered = [n for n, raw in enumerate(lines, start=1) if not blank(raw)]
    got = sorted([n for n, _ in result.calls] + [e.line for e in result.errors])
    assert got == numbered  # each non-blank line once: read, or reported
    for error in result.errors:
        assert error.message.startswith(f"{path}:{error.line}: ")
    # The strict reader stops at the first bad line, with the same message.
    strict = outcome(lambda: load_labeled_calls(path))
    if result.errors:
        assert isinstance(strict, FormatError) and strict.line == result.errors[0].line
    elif not result.calls:
        assert isinstance(strict, InvalidInput) and "no calls" in str(strict)
    else:
        assert isinstance(strict, list) and len(strict) == len(result.calls)


@given(record=records(), field=st.sampled_from(FIELDS), value=json_values(8))
@fuzz(50)
def test_a_field_of_the_wrong_shape_is_named(record: dict[str, Any], field: str, value: Any) -> None:
    bad = {**record, field: value}
    result = outcome(lambda: parse_labeled_call(json.dumps(bad), path="calls.jsonl", line=7))
    if isinstance(result, FormatError):
        assert result.path == "calls.jsonl" and result.line == 7
        assert result.field is not None and result.field.split(".")[0] == field, result
        assert str(result).startswith(f"calls.jsonl:7: field '{field}")
    else:
        assert isinstance(result, LabeledCall), result
        assert result.call_id == bad["call_id"] or field == "call_id"


@given(data=st.binary(max_size=300))
@fuzz(50)
def test_random_bytes_are_calls_or_a_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_bytes(data)
    result = outcome(lambda: load_labeled_calls(path))
    assert isinstance(result, list | InvalidInput)
    if isinstance(result, FormatError):
        assert result.path == str(path) and result.line is not None
        assert 1 <= result.line <= data.count(b"\n") + 1


@pytest.mark.parametrize(
    ("line", "reason", "field"),
    [
        ("[" * 100_000, "nested too deeply", None),
        ('{"call_id": "c", "n": ' + "9" * 5000 + "}", "more than 4300 digits", None),
        ('{"call_id": "c", "turns": [{"text": "a\\u0000b"}]}', "NUL character", "turns.0.text"),
        ('{"call_id": "c\\ud800"}', "surrogate", "call_id"),
        ('{"call_id": "c", "labels": {"\\udfff": 1}}', "a key contains", "labels"),
    ],
)
def test_json_that_python_or_postgres_cannot_take_is_a_format_error(
    line: str, reason: str, field: str | None
) -> None:
    result = outcome(lambda: parse_labeled_call(line, path="calls.jsonl", line=3))
    assert isinstance(result, FormatError), result
    assert result.line == 3 and reason in str(result) and result.field == field


def test_a_surrogate_pair_escape_is_one_character() -> None:
    call = parse_labeled_call('{"call_id": "\\ud83d\\ude00"}', path="calls.jsonl", line=1)
    assert call.call_id == "\U0001f600"


@given(record=records())
@fuzz(10)
def test_a_byte_order_mark_before_the_first_line_is_ignored(tmp_path: Path, record: dict[str, Any]) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record).encode() + b"\n")
    loaded = outcome(lambda: load_labeled_calls(path))
    assert isinstance(loaded, list) and loaded[0].call_id == record["call_id"]
