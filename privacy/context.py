"""Keyword context: what a number or a date is, judged by the words said around it.

Calls label their identifiers out loud ("my account number is ...", "date of birth?"), often in
the previous turn. ``context_near`` looks around a match in its own text, ``context_in`` in
context words handed over by the caller (the previous turn); the nearest keyword wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CATEGORIES", "ContextHit", "context_in", "context_near"]

# Keywords per category, "|"-separated; a space matches any whitespace.
_KEYWORDS: dict[str, str] = {
    "card": "card|credit|debit|visa|mastercard|master card|amex|american express|discover|card number"
    "|long number",
    "cvv": "security code|cvv|cvc|cvv2|cid|code on the back|back of the card|three digit code|3 digit code"
    "|three digits on the back",
    "phone": "phone|phone number|cell|cellphone|mobile|telephone|landline|call|called|calling|callback"
    "|call back|reach|reach you|text|fax|extension|ext",
    "account": "account|acct|member|membership|policy|reference|ref|confirmation|order|case|ticket|claim"
    "|invoice|tracking|customer id|customer number|id|id number|routing|iban|subscriber",
    "ssn": "social security|social|ssn|s s n",
    "dob": "born|birth|birthday|birthdate|bday|dob|d o b|date of birth|birth date",
    "address": "address|live|living|lives|located|ship|shipping|mail|mailing|billing address|moved"
    "|move to|zip|postcode|deliver|delivery",
}

#: The context categories there are.
CATEGORIES: tuple[str, ...] = tuple(_KEYWORDS)

# A lookahead finds overlapping keywords too: "code on the back of the card" holds both
# "code on the back" and "back of the card".
_PATTERNS: dict[str, re.Pattern[str]] = {
    category: re.compile(
        r"(?=\b("
        + "|".join(
            re.escape(k).replace(r"\ ", r"\s+") for k in sorted(words.split("|"), key=len, reverse=True)
        )
        + r")\b)",
        re.IGNORECASE,
    )
    for category, words in _KEYWORDS.items()
}

#: Characters looked at before and after a match for keywords in its own text.
BEFORE_CHARS = 60
AFTER_CHARS = 30


@dataclass(slots=True, frozen=True)
class ContextHit:
    """The keyword category nearest a match, and where it was found ("text" or "external")."""

    category: str
    keyword: str
    source: str = "text"


def context_near(
    text: str,
    start: int,
    end: int,
    categories: Iterable[str],
    *,
    before: int = BEFORE_CHARS,
    after: int = AFTER_CHARS,
) -> ContextHit | None:
    """The category whose keyword is nearest text[start:end], looking before and (less) after it."""
    best_key: tuple[float, int] | None = None
    best: ContextHit | None = None
    lo = max(0, start - before)
    hi = min(len(text), end + after)
    for category in categories:
        pattern = _PATTERNS[category]
        candidates = [(float(start - m.end(1)), m) for m in pattern.finditer(text, lo, start)]
        # A keyword after the match ("... is my account") counts, but half as much as one before.
        candidates += [(2.0 * (m.start(1) - end) + 1, m) for m in pattern.finditer(text, end, hi)]
        for distance, m in candidates:
            # Ties ("back of the card" vs "card", same end) go to the longer keyword.
            key = (distance, -len(m.group(1)))
            if best_key is None or key < best_key:
                best_key, best = key, ContextHit(category, m.group(1).lower())
    return best


def context_in(words: str | Iterable[str], categories: Iterable[str]) -> ContextHit | None:
    """The category whose keyword comes last in caller-supplied context (e.g. the previous turn)."""
    text = words if isinstance(words, str) else " ".join(words)
    best_key: tuple[int, int] | None = None
    best: ContextHit | None = None
    for category in categories:
        for m in _PATTERNS[category].finditer(text):
            key = (m.end(1), len(m.group(1)))
            if best_key is None or key > best_key:
                best_key, best = key, ContextHit(category, m.group(1).lower(), "external")
    return best
