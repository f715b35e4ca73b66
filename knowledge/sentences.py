"""A fast, rule-based sentence splitter for knowledge text.

It runs on every search hit at query time (to highlight the best sentence of a snippet), so it is a
few regular expressions rather than a model. Rules:

- a sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes/brackets) followed by white space and a
  capital letter, a digit, a currency sign or an opening quote/bracket;
- not after common abbreviations (``e.g.``, ``Mr.``, ``etc.``, ``U.S.``, ``p.m.``), single initials,
  ``No. 5``-style references, a list number at the start of a line, or an ellipsis;
- decimals, prices and times (``12.5``, ``$45.00``) never end a sentence: no white space follows the dot;
- a line break ends a sentence too (list items, table rows, headings, short lines), unless the next
  line starts with a lower-case letter and is not a list item: that is a wrapped line.
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans", "split_sentences"]

# Abbreviations (lower case, without the final dot) after which a dot does not end a sentence.
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "vs", "cf", "al", "approx", "appt", "apt", "est", "incl", "excl", "misc"}
    | {"mr", "mrs", "ms", "dr", "prof", "jr", "sr", "inc", "ltd", "co", "corp", "dept", "govt"}
    | {"st", "ave", "blvd", "rd", "mt", "ext", "tel", "hr", "hrs", "min", "mins", "sec", "secs"}
    | {"a.m", "p.m", "u.s", "u.k", "ph.d"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    | {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
)
# Abbreviations that only stay inside a sentence before a number: "No. 5", "Fig. 2", "p. 12".
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "vol", "fig", "art", "p", "pp", "ch", "ref"})
# A letter-dot run such as "U.S.A" or "e.g" (checked once the final dot is cut off).
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")

# A candidate end: the punctuation, any closing quotes or brackets, then white space.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_SPACE = re.compile(r"\s+")
# A line that starts a list item: "- x", "* x", "• x", "1. x", "2) x", "a) x".
_BULLET = re.compile(r"[ \t]*(?:[-*+•▪‣◦–]|\d{1,3}[.)]|[A-Za-z][.)])[ \t]+")
_OPENERS = "\"'“‘([$€£¥"


def _starts_sentence(text: str, pos: int) -> bool:
    """Whether the text at ``pos`` can begin a new sentence (capital, digit, quote, currency)."""
    while pos < len(text) and text[pos] in _OPENERS:
        pos += 1
        if text[pos - 1] in "$€£¥":
            return True
    return pos < len(text) and (text[pos].isupper() or text[pos].isdigit())


def _is_boundary(text: str, match: re.Match[str], after: int) -> bool:
    """Whether the punctuation ``match`` (followed by a sentence start at ``after``) ends a sentence."""
    punct = match.group()
    if ".." in punct:  # an ellipsis trails off inside a sentence
        return False
    if punct[0] != ".":
        return True
    start = match.start()
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start : match.start()].lstrip("\"'“‘([")
    low = word.lower()
    if low in _ABBREVIATIONS or _DOTTED.fullmatch(low):
        return False
    if low in _BEFORE_NUMBER and text[after : after + 1].isdigit():
        return False
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return False
    # "1. Open the app" at the start of a line is a list number, not a sentence of its own.
    return not (word.isdigit() and not text[text.rfind("\n", 0, start) + 1 : start].strip())


def _line_break_cuts(text: str) -> list[int]:
    """Cut positions at line breaks that end a sentence."""
    cuts = []
    pos = text.find("\n")
    while pos != -1:
        nxt = _SPACE.match(text, pos)
        after = nxt.end() if nxt else pos + 1
        if after >= len(text):
            break
        line_start = text.rfind("\n", 0, after) + 1
        blank_line = text.count("\n", pos, after) > 1
        if blank_line or _BULLET.match(text, line_start) or not text[after].islower():
            cuts.append(pos)
        pos = text.find("\n", after)
    return cuts


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of each sentence in ``text``, white space trimmed."""
    cuts: list[int] = []
    for match in _END.finditer(text):
        gap = _SPACE.match(text, match.end())
        after = gap.end() if gap else match.end()
        if _starts_sentence(text, after) and _is_boundary(text, match, after):
            cuts.append(match.end())
    if "\n" in text:
        cuts = sorted(set(cuts).union(_line_break_cuts(text)))
    spans = []
    start = 0
    for cut in [*cuts, len(text)]:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            left = start + (len(piece) - len(piece.lstrip()))
            spans.append((left, left + len(stripped)))
        start = cut
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order; empty pieces are dropped."""
    return [text[start:end] for start, end in sentence_spans(text)]
