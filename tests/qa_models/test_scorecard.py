"""Scorecards (FORMATS §5): loading and validation with errors that name the item, and the scoring
math: points earned over the points that apply, ``na`` dropping out, auto-fail, the pass score and
scale items."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

import pytest

from common.errors import FormatError
from qa_models import DEFAULT_SCORECARD, load_default_scorecard, load_scorecard, score_call
from qa_models.scorecard import Scorecard

SHARED = Path(__file__).resolve().parents[3] / "shared" / "scorecards" / "standard-voice.yaml"


def card_from(tmp_path: Path, text: str, name: str = "card.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text).lstrip(), encoding="utf-8")
    return path


SMALL = """
id: small
title: Small card
version: 3
pass_score: 75
sections:
  - id: s
    title: S
    items:
      - id: hello
        question: Did the agent greet?
        answers: [yes, no]
        points: 10
      - id: verify
        question: Verified?
        answers: [yes, no, na]
        points: 20
        auto_fail: true
      - id: steps
        question: Steps?
        answers: [yes, no, na]
        points: 30
      - id: tone
        question: Tone, 1 to 5
        answers: {scale: [1, 5]}
        points: 40
"""


@pytest.fixture
def small(tmp_path: Path) -> Scorecard:
    return load_scorecard(card_from(tmp_path, SMALL))


# ----------------------------------------------------------------------------------- scoring


def test_all_met_scores_100_and_passes(small: Scorecard) -> None:
    got = score_call(small, {"hello": "yes", "verify": "yes", "steps": "yes", "tone": "5"})
    assert got.percent == pytest.approx(100.0)
    assert got.passed is True
    assert got.auto_failed == []


def test_na_items_drop_out_of_the_points_that_apply(small: Scorecard) -> None:
    # hello 10 (yes) + steps 30 (no) + tone 40 (5 → all) apply; verify (20) is na.
    got = score_call(small, {"hello": "yes", "verify": "na", "steps": "no", "tone": "5"})
    assert got.percent == pytest.approx(100.0 * 50 / 80)
    assert got.passed is False
    # Spelled "n/a", or not answered at all, it drops out the same way.
    assert score_call(small, {"hello": "yes", "verify": "n/a", "steps": "no", "tone": "5"}).percent == (
        pytest.approx(62.5)
    )
    assert score_call(small, {"hello": "yes", "steps": "no", "tone": "5"}).percent == pytest.approx(62.5)


def test_an_auto_fail_no_fails_the_call_regardless_of_points(small: Scorecard) -> None:
    got = score_call(small, {"hello": "yes", "verify": "no", "steps": "yes", "tone": "5"})
    assert got.percent == pytest.approx(80.0)  # above the pass score …
    assert got.passed is False  # … and still failed
    assert got.auto_failed == ["verify"]


def test_auto_fail_na_does_not_fail(small: Scorecard) -> None:
    got = score_call(small, {"hello": "yes", "verify": "na", "steps": "yes", "tone": "5"})
    assert got.passed is True and got.auto_failed == []


def test_pass_at_exactly_the_pass_score(small: Scorecard) -> None:
    # hello no (0) + verify yes (20) + steps yes (30) + tone 3.5 on [1, 5] (40 * 0.625 = 25) = 75 of 100
    exactly = score_call(small, {"hello": "no", "verify": "yes", "steps": "yes", "tone": "3.5"})
    assert exactly.percent == pytest.approx(75.0)
    assert exactly.passed is True
    below = score_call(small, {"hello": "no", "verify": "yes", "steps": "yes", "tone": "3.4"})
    assert below.percent == pytest.approx(74.0)
    assert below.passed is False
    # With na: hello yes (10) + steps yes (30) of hello, steps, tone 1 (0): 40 of 80 = 50.
    assert score_call(small, {"hello": "yes", "verify": "na", "steps": "yes", "tone": "1"}).percent == (
        pytest.approx(50.0)
    )


def test_scale_items_earn_in_proportion(small: Scorecard) -> None:
    only_tone = {"tone": "1"}
    assert score_call(small, only_tone).percent == pytest.approx(0.0)
    assert score_call(small, {"tone": "3"}).percent == pytest.approx(50.0)
    assert score_call(small, {"tone": 5}).percent == pytest.approx(100.0)
    # Outside the scale is clamped; not a number drops out.
    assert score_call(small, {"tone": "9"}).percent == pytest.approx(100.0)
    assert score_call(small, {"tone": "great", "hello": "yes"}).percent == pytest.approx(100.0)


def test_nothing_applies_gives_no_score(small: Scorecard) -> None:
    got = score_call(small, {"verify": "na", "steps": "na"})
    assert got.percent is None
    assert got.passed is None
    assert score_call(small, {}).percent is None


def test_zero_point_items_do_not_change_the_percent(tmp_path: Path) -> None:
    card = load_scorecard(
        card_from(
            tmp_path,
            """
            id: z
            sections:
              - id: s
                items:
                  - {id: info, answers: [yes, no], points: 0}
                  - {id: real, answers: [yes, no], points: 5}
            """,
        )
    )
    assert score_call(card, {"info": "no", "real": "yes"}).percent == pytest.approx(100.0)
    assert score_call(card, {"info": "yes"}).percent is None


def test_yaml_booleans_read_as_yes_and_no(tmp_path: Path) -> None:
    # A bare yes/no in YAML 1.1 is a boolean; answers and example answers still read as yes/no.
    card = load_scorecard(
        card_from(
            tmp_path,
            """
            id: b
            sections:
              - id: s
                items:
                  - id: offer
                    answers: [yes, no]
                    points: 1
                    examples:
                      - {text: "Would you like a callback tomorrow?", answer: yes}
            """,
        )
    )
    item = card.item("offer")
    assert item is not None
    assert item.choices == ["yes", "no"]
    assert item.examples[0].answer == "yes"


# ---------------------------------------------------------------------------------- validation


def bad_card(tmp_path: Path, items: str, *, head: str = "id: bad\npass_score: 80\n") -> FormatError:
    text = head + "sections:\n  - id: opening\n    items:\n" + indent(dedent(items), "      ")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_scorecard(path)
    assert str(path) in str(info.value)
    return info.value


def test_duplicate_item_ids_are_named(tmp_path: Path) -> None:
    err = bad_card(
        tmp_path,
        """\
      - {id: greeting, answers: [yes, no], points: 5}
      - {id: closing, answers: [yes, no], points: 5}
      - {id: greeting, answers: [yes, no, na], points: 5}
""",
    )
    assert "duplicate item id 'greeting'" in str(err)


def test_duplicate_ids_across_sections_are_named(tmp_path: Path) -> None:
    path = card_from(
        tmp_path,
        """
        id: two
        sections:
          - id: a
            items: [{id: empathy, answers: [yes, no], points: 1}]
          - id: b
            items: [{id: empathy, answers: [yes, no], points: 1}]
        """,
    )
    with pytest.raises(FormatError, match="duplicate item id 'empathy'"):
        load_scorecard(path)


def test_unknown_answers_are_named_with_the_item(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: greeting, answers: [yes, no, maybe], points: 5}\n")
    assert "maybe" in str(err)
    assert "greeting" in str(err)
    assert err.field is not None and "items[greeting].answers" in err.field


def test_answers_without_yes_and_no_are_refused(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: resolved, answers: [yes, na], points: 5}\n")
    assert "resolved" in str(err) and "yes and no" in str(err)


def test_a_bad_scale_is_refused(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: tone, answers: {scale: [5, 1]}, points: 5}\n")
    assert "tone" in str(err) and "low < high" in str(err)


def test_negative_points_are_named(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: courtesy, answers: [yes, no], points: -5}\n")
    assert err.field is not None and "items[courtesy].points" in err.field
    assert "greater than or equal to 0" in str(err)


@pytest.mark.parametrize("score", ["120", "-1", "high"])
def test_a_bad_pass_score_is_refused(tmp_path: Path, score: str) -> None:
    err = bad_card(
        tmp_path,
        "      - {id: greeting, answers: [yes, no], points: 5}\n",
        head=f"id: bad\npass_score: {score}\n",
    )
    assert err.field == "pass_score"


def test_example_answers_must_be_among_the_choices(tmp_path: Path) -> None:
    err = bad_card(
        tmp_path,
        """\
      - id: callback
        question: Did the agent offer a callback?
        answers: [yes, no]
        points: 5
        examples:
          - {text: "I'll call you back tomorrow at ten.", answer: yes}
          - {text: "No callback was needed.", answer: na}
""",
    )
    assert "callback" in str(err) and "'na'" in str(err)


def test_auto_fail_on_a_scale_item_is_refused(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: tone, answers: {scale: [1, 5]}, points: 5, auto_fail: true}\n")
    assert "tone" in str(err) and "auto_fail" in str(err)


def test_an_unknown_scorer_is_refused(tmp_path: Path) -> None:
    err = bad_card(tmp_path, "      - {id: greeting, answers: [yes, no], points: 5, scorer: gpt}\n")
    assert err.field is not None and "items[greeting].scorer" in err.field


def test_unreadable_files_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read file"):
        load_scorecard(tmp_path / "missing.yaml")
    broken = card_from(tmp_path, "id: [unclosed\n", "broken.yaml")
    with pytest.raises(FormatError, match="not valid YAML") as info:
        load_scorecard(broken)
    assert info.value.line is not None
    with pytest.raises(FormatError, match="mapping"):
        load_scorecard(card_from(tmp_path, "- just\n- a list\n", "list.yaml"))
    with pytest.raises(FormatError, match="no items"):
        load_scorecard(card_from(tmp_path, "id: empty\nsections: []\n", "empty.yaml"))


# --------------------------------------------------------------------------------- the default


def test_the_default_scorecard_loads() -> None:
    card = load_default_scorecard()
    assert card.key == "standard-voice@1"
    assert card.pass_score == 80
    ids = [i.id for i in card.items]
    assert ids == [
        "greeting",
        "verify_identity",
        "understand_need",
        "empathy",
        "accurate_information",
        "resolution_steps",
        "hold_etiquette",
        "courtesy",
        "no_sensitive_data_spoken",
        "confirm_resolution",
        "offer_further_help",
        "closing",
    ]
    assert {i.id for i in card.items if i.auto_fail} == {"verify_identity", "no_sensitive_data_spoken"}
    assert {i.id for i in card.items if i.allows_na} == {
        "verify_identity",
        "empathy",
        "accurate_information",
        "hold_etiquette",
    }
    assert sum(i.points for i in card.items) == 100


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared scorecard is not checked out beside the repo")
def test_the_shipped_default_is_the_shared_scorecard() -> None:
    assert DEFAULT_SCORECARD.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")


def test_default_scorecard_scoring() -> None:
    card = load_default_scorecard()
    everything = {i.id: "yes" for i in card.items}
    assert score_call(card, everything).passed is True
    # Missing the 15-point resolution item leaves 85 of 100: still a pass.
    assert score_call(card, {**everything, "resolution_steps": "no"}).percent == pytest.approx(85.0)
    # Missing it and a 10-point item is 75: a fail.
    assert score_call(card, {**everything, "resolution_steps": "no", "empathy": "no"}).passed is False
    # Reading out a card number fails the call whatever else was done.
    failed = score_call(card, {**everything, "no_sensitive_data_spoken": "no"})
    assert failed.percent == pytest.approx(95.0) and failed.passed is False
    assert failed.auto_failed == ["no_sensitive_data_spoken"]
