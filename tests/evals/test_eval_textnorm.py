"""The WER text normalisation and QA scorecard scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.errors import FormatError
from evals.textnorm import normalize_text
from qa_models.scorecard import load_scorecard, score_call

SCORECARD = Path(__file__).parent / "data" / "standard-voice.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("It's four two six three. Nine eight two six.", "it's 4 2 6 3 9 8 2 6"),
        ("It's 4263-9826", "it's 4 2 6 3 9 8 2 6"),
        ("twenty-one", "2 1"),
        ("two thousand and five", "2 0 0 5"),
        ("nineteen ninety five", "1 9 9 5"),
        ("4,263", "4 2 6 3"),
        ("$5", "5 dollars"),
        ("100%", "1 0 0 percent"),
        ("on the 21st", "on the 2 1 th"),
        ("the twenty-first of May, the 1st", "the 2 1 th of may the first"),
        ("Mr. Dashwood, OK?", "mister dashwood okay"),
        ("um, I [laughter] ((think)) so <unk>", "i think so"),
        ("first of all", "first of all"),
        ("‘quoted’ students'", "quoted students"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_spoken_and_written_numbers_agree() -> None:
    assert normalize_text("a hundred and twenty") == normalize_text("120")
    assert normalize_text("four two six three") == normalize_text("4263") == normalize_text("4 2 6 3")


def test_score_call_follows_formats() -> None:
    card = load_scorecard(SCORECARD)
    all_yes = {item.id: "yes" for item in card.items}
    assert score_call(card, all_yes).percent == pytest.approx(100.0)
    assert score_call(card, all_yes).passed is True
    # greeting (5 points) "no", empathy (10) "na": 95 − 10 applicable, 90 − 10 earned... by hand:
    total = sum(i.points for i in card.items)
    answers = {**all_yes, "greeting": "no", "empathy": "na"}
    expected = 100 * (total - 10 - 5) / (total - 10)
    assert score_call(card, answers).percent == pytest.approx(expected)
    # an auto-fail item answered "no" fails the call whatever the points
    failed = score_call(card, {**all_yes, "verify_identity": "no"})
    assert failed.passed is False and failed.percent is not None and failed.percent > 80


def test_bad_scorecard_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "card.yaml"
    bad.write_text("id: x\nsections: [{items: [{question: no id}]}]\n")
    with pytest.raises(FormatError, match=r"card\.yaml.*sections"):
        load_scorecard(bad)
