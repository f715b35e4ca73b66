"""Digit sequences as callers say them and as ASR writes them.

A caller reads a card as "4111 1111 1111 1111", "four one one one, one one one one ...",
"double four", "oh", "eight hundred", "fifty five" or a mix of these; ASR writes any of them.
``find_number_runs`` turns such a stretch of text into a ``NumberRun``: the digits, where each
spoken or written piece sits in the text (so a card can be cut out of a longer run), and whether
the run is a quantity (money, minutes) rather than an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberItem", "NumberRun", "find_number_runs"]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


UNITS = {
    "zero": 0,
    "oh": 0,
    "o": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
REPEATS = {"double": 2, "triple": 3}
NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | frozenset(REPEATS)
# Words a caller says between digits without ending the number.
FILLERS = frozenset({"uh", "um", "umm", "uhm", "er", "erm", "ah", "hmm", "dash", "hyphen"})
SEPARATOR_CHARS = frozenset(",-()–—")
CURRENCY_CHARS = frozenset("$£€¥")
# A number followed by one of these is an amount or a duration, not an identifier.
QUANTITY_WORDS = _wordset(
    """dollar dollars buck bucks cent cents percent % pound pounds euro euros second seconds minute
    minutes hour hours day days week weeks month months year years gb gigs gigabytes mb times am pm
    a.m p.m"""
)

# Amounts ("1,250", "45.99") and clock times ("3:30") are one token so that they break a run
# instead of joining one.
_TOKEN_RE = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2})?"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d+\.\d+"
    r"|[A-Za-z0-9]+(?:'[A-Za-z]+)?"
    r"|\S"
)
_ORDINAL_RE = re.compile(r"\d+(?:st|nd|rd|th)", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(slots=True, frozen=True)
class NumberItem:
    """One written group ("4111") or one spoken chunk ("fifty five") of a run."""

    start: int
    end: int
    digits: str
    spoken: bool = False
    letters: bool = False


@dataclass(slots=True, frozen=True)
class NumberRun:
    """Consecutive number items joined only by separators, spaces and fillers."""

    items: tuple[NumberItem, ...]
    start: int
    end: int
    plus: bool = False
    quantity: bool = False

    @property
    def digits(self) -> str:
        """The run's characters: digits, and the letters of alphanumeric items (upper-cased)."""
        return "".join(item.digits for item in self.items)

    @property
    def n_digits(self) -> int:
        return sum(c.isdigit() for c in self.digits)

    @property
    def has_letters(self) -> bool:
        return any(item.letters for item in self.items)

    @property
    def spoken(self) -> bool:
        return any(item.spoken for item in self.items)

    def sub(self, i: int, j: int) -> NumberRun:
        """Items i..j-1 as their own run (a card cut out of a longer run)."""
        items = self.items[i:j]
        plus = self.plus and i == 0
        start = self.start if i == 0 else items[0].start
        return NumberRun(items, start, items[-1].end, plus=plus, quantity=self.quantity)


def _tokenize(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _word(tokens: list[_Token], i: int) -> str | None:
    return tokens[i].low if i < len(tokens) else None


def _adjacent(tokens: list[_Token], i: int) -> bool:
    """Whether token i starts exactly where token i-1 ends (no space between)."""
    return 0 < i < len(tokens) and tokens[i].start == tokens[i - 1].end


def _below_hundred(tokens: list[_Token], i: int, *, allow_zero: bool = True) -> tuple[int, int] | None:
    """Parse "forty", "forty one", "forty-one", "twelve" or a unit at i; (value, next index)."""
    w = _word(tokens, i)
    if w is None:
        return None
    if w in TENS:
        value, j = TENS[w], i + 1
        # "forty-one": the hyphen must touch both words, otherwise it separates digit groups.
        k = j + 1 if _word(tokens, j) == "-" and _adjacent(tokens, j) and _adjacent(tokens, j + 1) else j
        nxt = _word(tokens, k)
        if nxt in UNITS and UNITS[nxt] > 0:
            return value + UNITS[nxt], k + 1
        return value, j
    if w in TEENS:
        return TEENS[w], i + 1
    if w in UNITS and (allow_zero or UNITS[w] > 0):
        return UNITS[w], i + 1
    return None


def _skip_and(tokens: list[_Token], j: int) -> int:
    """Skip "and" in "one hundred and five" only when a number word follows it."""
    if _word(tokens, j) == "and" and _word(tokens, j + 1) in NUMBER_WORDS:
        return j + 1
    return j


def _spoken_digits(tokens: list[_Token], i: int) -> tuple[str, int] | None:
    """Parse one spoken chunk at token i into its digit string; (digits, next index) or None.

    Digit-by-digit speech concatenates ("five fifty five" -> "555"), "hundred"/"thousand"
    multiply ("eight hundred" -> "800", "two thousand five" -> "2005", "one hundred and five" -> "105").
    """
    w = _word(tokens, i)
    if w in REPEATS:
        nxt = _word(tokens, i + 1)
        if nxt in UNITS:
            return str(UNITS[nxt]) * REPEATS[w], i + 2
        return None
    parsed = _below_hundred(tokens, i)
    if parsed is None:
        return None
    value, j = parsed
    is_zero_word = w in ("oh", "o", "zero")
    nxt = _word(tokens, j)
    if nxt == "hundred" and not is_zero_word:
        # Only "one hundred AND five" is 105: in phone speak "one eight hundred five five five"
        # the words after "hundred" are further digits (1-800-555).
        value, j = value * 100, j + 1
        if _skip_and(tokens, j) > j:
            rest = _below_hundred(tokens, j + 1, allow_zero=False)
            if rest is not None:
                value, j = value + rest[0], rest[1]
        return str(value), j
    if nxt == "thousand" and w in UNITS and not is_zero_word:
        value, j = value * 1000, _skip_and(tokens, j + 1)
        rest = _below_hundred(tokens, j, allow_zero=False)
        if rest is not None:
            if _word(tokens, rest[1]) == "hundred" and rest[0] < 10:
                value += rest[0] * 100
                j = _skip_and(tokens, rest[1] + 1)
                rest = _below_hundred(tokens, j, allow_zero=False)
            if rest is not None:
                value, j = value + rest[0], rest[1]
        return str(value), j
    return str(value), j


def _item_at(tokens: list[_Token], i: int) -> tuple[NumberItem, int] | None:
    tok = tokens[i]
    if tok.text.isdigit():
        return NumberItem(tok.start, tok.end, tok.text), i + 1
    if tok.text.isalnum() and not tok.text.isalpha():
        if _ORDINAL_RE.fullmatch(tok.text):
            return None  # "3rd" belongs to a date
        return NumberItem(tok.start, tok.end, tok.text.upper(), letters=True), i + 1
    if tok.low in NUMBER_WORDS:
        parsed = _spoken_digits(tokens, i)
        if parsed is None:
            return None
        digits, j = parsed
        return NumberItem(tok.start, tokens[j - 1].end, digits, spoken=True), j
    return None


def find_number_runs(text: str) -> list[NumberRun]:
    """Every run of written digit groups, spoken digit words and alphanumeric IDs in text."""
    tokens = _tokenize(text)
    runs: list[NumberRun] = []
    items: list[NumberItem] = []
    plus = False
    before: _Token | None = None  # the token just before the run's first item
    i = 0

    def close(after: _Token | None) -> None:
        nonlocal items, plus
        if items:
            start = items[0].start
            if before is not None and before.text == "(" and before.end == start:
                start = before.start  # "(212) 555-0123": the bracket goes with the number
            if plus and before is not None:
                start = before.start
            quantity = (before is not None and before.text in CURRENCY_CHARS) or (
                after is not None and after.low.rstrip(".") in QUANTITY_WORDS
            )
            runs.append(NumberRun(tuple(items), start, items[-1].end, plus=plus, quantity=quantity))
        items, plus = [], False

    while i < len(tokens):
        tok = tokens[i]
        found = _item_at(tokens, i)
        if found is not None:
            if not items:
                before = tokens[i - 1] if i > 0 else None
                plus = before is not None and before.low in ("+", "plus")
            items.append(found[0])
            i = found[1]
            continue
        if items and (tok.text in SEPARATOR_CHARS or tok.low in FILLERS):
            # A separator continues the run only if another item follows it.
            j = i
            while j < len(tokens) and (tokens[j].text in SEPARATOR_CHARS or tokens[j].low in FILLERS):
                j += 1
            if j < len(tokens) and _item_at(tokens, j) is not None:
                i = j
                continue
        close(tok)
        i += 1
    close(None)
    return runs
