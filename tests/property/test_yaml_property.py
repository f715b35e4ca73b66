"""FORMATS §5 scorecards and §6 taxonomies under generated YAML: any document gives a ``Scorecard``
(``Taxonomy``) or a ``FormatError`` naming the file (and the line or field where known); generated
valid scorecards load as written and score within 0-100 %, with auto-fail and ``na`` as FORMATS §5
says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from property_helpers import clean_text, fuzz, outcome, yaml_values

from common.errors import FormatError
from qa_models.scorecard import Scorecard, Taxonomy, load_scorecard, load_taxonomy, score_call

item_ids = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True)
points = st.integers(0, 50) | st.floats(0, 100, allow_nan=False)


def _write(tmp_path: Path, document: Any, *, unicode: bool = True) -> Path:
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=unicode, sort_keys=False), encoding="utf-8")
    return path


def _check_scores(card: Scorecard) -> None:
    """Whatever a loaded card holds, scoring stays within 0-100 % and auto-fail fails the call."""
    for answer in ("yes", "no", "na", "3", "", "0"):
        got = score_call(card, {item.id: answer for item in card.items})
        assert got.percent is None or 0.0 <= got.percent <= 100.0, got
        if got.auto_failed:
            assert got.passed is False
    assert [i.id for i in card.items] == list(dict.fromkeys(i.id for i in card.items))  # unique
    for item in card.items:
        assert item.choices and len(item.choices) <= 1001


# --- any document ------------------------------------------------------------------------------


def _anything(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return value | yaml_values(6)


@st.composite
def scorecard_shaped(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping with the scorecard's keys, each holding a plausible value or anything at all, so that
    the examples reach the item checks, not only the top level."""
    item = st.fixed_dictionaries(
        {"id": _anything(item_ids)},
        optional={
            "answers": _anything(
                st.lists(st.sampled_from(["yes", "no", "na", True, False, "maybe"]), max_size=4)
                | st.fixed_dictionaries({"scale": st.lists(st.integers(-5, 10**6) | st.floats(), max_size=3)})
            ),
            "points": _anything(points | st.floats()),
            "auto_fail": _anything(st.booleans()),
            "examples": _anything(
                st.lists(st.fixed_dictionaries({"text": _anything(clean_text()), "answer": yaml_values(2)}))
            ),
            "scorer": _anything(st.sampled_from(["auto", "llm"])),
            "question": _anything(clean_text()),
        },
    )
    section = st.fixed_dictionaries(
        {}, optional={"id": _anything(clean_text()), "items": _anything(st.lists(item, max_size=4))}
    )
    card = st.fixed_dictionaries(
        {},
        optional={
            "id": _anything(clean_text()),
            "version": _anything(st.integers(1, 9)),
            "pass_score": _anything(st.floats(-10, 110)),
            "sections": _anything(st.lists(section, max_size=3)),
        },
    )
    return draw(card)


@given(document=yaml_values(12) | scorecard_shaped(), unicode=st.booleans())
@fuzz(40)
def test_any_yaml_document_is_a_scorecard_or_a_format_error(
    tmp_path: Path, document: Any, unicode: bool
) -> None:
    path = _write(tmp_path, document, unicode=unicode)
    result = outcome(lambda: load_scorecard(path))
    if isinstance(result, FormatError):
        assert result.path == str(path) and str(result).startswith(f"{path}")
    else:
        assert isinstance(result, Scorecard), result
        _check_scores(result)


@given(
    document=yaml_values(12)
    | st.fixed_dictionaries(
        {},
        optional={
            "id": _anything(clean_text()),
            "types": _anything(
                st.lists(
                    st.fixed_dictionaries(
                        {"id": _anything(clean_text())},
                        optional={
                            "description": _anything(clean_text()),
                            "examples": _anything(st.lists(clean_text(), max_size=3)),
                        },
                    ),
                    max_size=3,
                )
            ),
        },
    )
)
@fuzz(40)
def test_any_yaml_document_is_a_taxonomy_or_a_format_error(tmp_path: Path, document: Any) -> None:
    path = _write(tmp_path, document)
    result = outcome(lambda: load_taxonomy(path))
    if isinstance(result, FormatError):
        assert result.path == str(path)
    else:
        assert isinstance(result, Taxonomy) and result.types, result
        assert all(isinstance(t.id, str) and t.id for t in result.types)


@given(data=st.binary(max_size=200) | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")))
@fuzz(60)
def test_any_bytes_are_a_scorecard_or_a_format_error_with_a_line_in_the_file(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "card.yaml"
    path.write_bytes(data)
    for load in (load_scorecard, load_taxonomy):
        result = outcome(lambda load=load: load(path))  # type: ignore[misc]
        if isinstance(result, FormatError):
            assert result.path == str(path)
            assert result.line is None or 1 <= result.line <= data.count(b"\n") + 2
        else:
            assert isinstance(result, Scorecard | Taxonomy)


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        (b"id: x\nsections: \xff\n", "not UTF-8", 2),
        (b"id: x\nversion: 2026-02-30\n", "2026-02-30", 2),
        (b"id: x\n\nversion: " + b"7" * 5000 + b"\n", "cannot be read as int", 3),
        (b"id: " + b"[" * 1200 + b"]" * 1200 + b"\n", "nested too deeply", None),
        (b'id: "a\\0b"\n', "NUL", None),
        (b'id: x\ntitle: "\\ud83d\\ude00"\n', "surrogate", None),
        # A scale that would list a billion choices (it ran out of memory) or cannot list any.
        (b"id: x\nsections: [{items: [{id: a, answers: {scale: [0, 1e9]}}]}]\n", "at most 1000", None),
        (b"id: x\nsections: [{items: [{id: a, answers: {scale: [-.inf, 0]}}]}]\n", "at most 1000", None),
        (b"id: x\nsections: [{items: [{id: a, answers: {scale: [.nan, 3]}}]}]\n", "low < high", None),
        (b"id: x\nsections: [{items: [{id: a, points: .inf}]}]\n", "finite", None),
    ],
)
def test_values_python_or_postgres_cannot_take_are_format_errors(
    tmp_path: Path, text: bytes, reason: str, line: int | None
) -> None:
    path = tmp_path / "card.yaml"
    path.write_bytes(text)
    result = outcome(lambda: load_scorecard(path), limit_s=10)
    assert isinstance(result, FormatError), result
    assert reason in str(result) and result.line == line


# --- valid scorecards --------------------------------------------------------------------------


@st.composite
def valid_items(draw: st.DrawFn, item_id: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(["yes_no", "yes_no_na", "scale"]))
    item: dict[str, Any] = {"id": item_id, "question": draw(clean_text()), "points": draw(points)}
    if kind == "scale":
        low = draw(st.integers(-3, 5))
        high = draw(st.integers(low + 1, low + 10))
        item["answers"] = {"scale": [low, high]}
        choices = [str(v) for v in range(low, high + 1)]
    else:
        answers = ["yes", "no"] + (["na"] if kind == "yes_no_na" else [])
        answers = draw(st.permutations(answers))
        choices = list(answers)
        # YAML 1.1 reads bare yes/no as booleans; both spellings must work.
        item["answers"] = [
            ({"yes": True, "no": False}.get(a, a) if draw(st.booleans()) else a) for a in answers
        ]
        item["auto_fail"] = draw(st.booleans())
    item["examples"] = draw(
        st.lists(
            st.fixed_dictionaries({"text": clean_text(), "answer": st.sampled_from(choices)}), max_size=2
        )
    )
    return item


@st.composite
def valid_cards(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(item_ids, min_size=1, max_size=6, unique=True))
    cut = sorted(draw(st.lists(st.integers(0, len(ids)), max_size=2)))
    bounds = [0, *cut, len(ids)]
    sections = [
        {
            "id": f"s{n}",
            "title": draw(clean_text()),
            "items": [draw(valid_items(i)) for i in ids[bounds[n] : bounds[n + 1]]],
        }
        for n in range(len(bounds) - 1)
    ]
    return {
        "id": draw(clean_text()),
        "title": draw(clean_text()),
        "version": draw(st.integers(1, 99) | clean_text()),
        "pass_score": draw(st.floats(0, 100)),
        "sections": sections,
    }


def _best(item: Any) -> str:
    return str(int(item.scale[1])) if item.scale else "yes"


def _worst(item: Any) -> str:
    return str(int(item.scale[0])) if item.scale else "no"


@given(document=valid_cards(), data=st.data())
@fuzz(40)
def test_valid_scorecards_load_as_written_and_score_by_the_rules(
    tmp_path: Path, document: dict[str, Any], data: st.DataObject
) -> None:
    card = outcome(lambda: load_scorecard(_write(tmp_path, document)))
    assert isinstance(card, Scorecard), card
    written = [item for section in document["sections"] for item in section["items"]]
    assert [i.id for i in card.items] == [i["id"] for i in written]
    assert card.key == f"{document['id']}@{document['version']}"
    for item, raw in zip(card.items, written, strict=True):
        assert item.points == raw["points"] and item.auto_fail == raw.get("auto_fail", False)
        assert len(item.examples) == len(raw["examples"])
    possible = sum(i.points for i in card.items)

    best = score_call(card, {i.id: _best(i) for i in card.items})
    assert best.auto_failed == []
    assert best.percent == (pytest.approx(100.0) if possible else None)
    worst = score_call(card, {i.id: _worst(i) for i in card.items})
    assert worst.auto_failed == [i.id for i in card.items if i.auto_fail]
    assert worst.percent == (pytest.approx(0.0) if possible else None)
    if worst.auto_failed:
        assert worst.passed is False
    else:
        assert worst.passed is (card.pass_score == 0 if possible else None)
    assert score_call(card, {}).percent is None

    answers = {i.id: data.draw(st.sampled_from([*i.choices, "na"]), label=i.id) for i in card.items}
    got = score_call(card, answers)
    assert got.percent is None or 0.0 <= got.percent <= 100.0
    assert got.auto_failed == [i.id for i in card.items if i.auto_fail and answers[i.id] == "no"]
    if got.auto_failed:
        assert got.passed is False
    elif got.percent is not None:
        assert got.passed is (got.percent >= card.pass_score)
    # A better answer to one item never lowers the score.
    for item in card.items:
        if answers[item.id] != "na":
            better = score_call(card, {**answers, item.id: _best(item)})
            assert (better.percent or 0.0) >= (got.percent or 0.0) - 1e-9


@given(
    types=st.lists(
        st.fixed_dictionaries(
            {"id": item_ids, "description": clean_text(), "examples": st.lists(clean_text(), max_size=3)}
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t["id"],
    ),
    version=st.integers(1, 9),
)
@fuzz(20)
def test_valid_taxonomies_load_as_written(tmp_path: Path, types: list[dict[str, Any]], version: int) -> None:
    taxonomy = outcome(
        lambda: load_taxonomy(_write(tmp_path, {"id": "t", "version": version, "types": types}))
    )
    assert isinstance(taxonomy, Taxonomy), taxonomy
    assert [t.model_dump(include={"id", "description", "examples"}) for t in taxonomy.types] == types
    assert taxonomy.version == version
