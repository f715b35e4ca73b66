"""The text normalisation applied to reference and hypothesis before word error rate is counted.

Both sides go through the same function, so a difference that is only one of writing (case,
punctuation, "4263" against "four two six three") is not counted as an error. In order:

1. Unicode quotes become ASCII; bracketed annotations are dropped (``[laughter]``, ``<unk>``,
   ``{noise}``), the double parentheses of uncertain words are removed but the words kept
   (``((hello))`` → ``hello``).
2. Lowercase. ``$5`` → ``5 dollars``, ``%`` → `` percent``, ``&`` → `` and ``; thousands
   separators between digits are removed (``4,263`` → ``4263``), a decimal point between digits
   becomes the word ``point``; ordinal digits are spelled (``21st`` → ``twenty first``).
3. Everything that is not a letter, a digit or an apostrophe inside a word becomes a space
   (hyphens too: ``twenty-one`` → ``twenty one``); leading and trailing apostrophes are dropped.
4. A few abbreviations are spelled out (``mr`` → ``mister``, ``mrs`` → ``missus``, ``dr`` → ``doctor``,
   ``ok`` → ``okay``), and hesitations are removed (``um``, ``uh``, ``erm``, ``hmm``, ``mm``, ``mhm``).
5. **Numbers are compared digit by digit.** Runs of cardinal number words are read as numbers
   (``twenty one`` → 21, ``two thousand and five`` → 2005, ``nineteen ninety five`` → 19 95,
   ``four two six three`` → 4 2 6 3) and every number, written or spoken, becomes one token per
   digit. So ``4263``, ``4 2 6 3`` and ``four two six three`` all read ``4 2 6 3``, and a wrong digit
   in a card number costs one error, not one per group. Ordinal words alone stay words
   (``first``, ``1st`` → ``first``); compound ordinals become digits and ``th`` (``twenty first``,
   ``21st`` → ``2 1 th``).
"""

from __future__ import annotations

import re

__all__ = ["normalize_text", "normalize_words"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINAL_UNITS = {
    1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth",
    9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 14: "fourteenth",
    15: "fifteenth", 16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth",
}  # fmt: skip
_ORDINAL_TENS = {
    20: "twentieth", 30: "thirtieth", 40: "fortieth", 50: "fiftieth", 60: "sixtieth", 70: "seventieth",
    80: "eightieth", 90: "ninetieth",
}  # fmt: skip
_TENS_WORD = {v: k for k, v in _TENS.items()}
_ORDINAL_VALUE = {v: k for k, v in _ORDINAL_UNITS.items()}
_SPELLING = {"mr": "mister", "mrs": "missus", "dr": "doctor", "ok": "okay"}
_HESITATIONS = frozenset({"um", "umm", "uh", "uhm", "er", "erm", "hmm", "mm", "mhm"})

_ANNOTATION = re.compile(r"\[[^\]]*\]|<[^>]*>|\{[^}]*\}")
_UNCERTAIN = re.compile(r"\(\(|\)\)")
_DOLLARS = re.compile(r"\$\s*(\d[\d,]*(?:\.\d+)?)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_ORDINAL_DIGITS = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_NOT_WORD = re.compile(r"[^a-z0-9']+")
_DIGITS_AND_LETTERS = re.compile(r"\d+|[a-z']+")


def _spell_ordinal(match: re.Match[str]) -> str:
    n = int(match.group(1))
    if n in _ORDINAL_UNITS:
        return _ORDINAL_UNITS[n]
    if 20 <= n < 100:
        tens, unit = divmod(n, 10)
        if unit == 0:
            return _ORDINAL_TENS[n]
        return f"{_TENS_WORD[tens * 10]} {_ORDINAL_UNITS[unit]}"
    return match.group(1)


def _kind(token: str) -> str | None:
    if token in _UNITS:
        return "unit"
    if token in _TEENS:
        return "teen"
    if token in _TENS:
        return "tens"
    if token == "hundred":
        return "hundred"
    if token in _SCALES:
        return "scale"
    return None


def _extends(kind: str, last: str, token: str, last_token: str) -> bool:
    """Whether a number word continues the number read so far (else it starts a new one)."""
    if kind == "unit":
        return last in ("tens", "hundred", "scale")
    if kind in ("teen", "tens"):
        return last in ("hundred", "scale")
    if kind == "hundred":
        return last in ("unit", "teen", "tens")
    # thousand, million, billion: after any number part, but not "thousand thousand"
    return last in ("unit", "teen", "tens", "hundred") or (last == "scale" and token != last_token)


class _Number:
    """A cardinal number being read word by word."""

    def __init__(self) -> None:
        self.total = 0
        self.current = 0

    def add(self, token: str, kind: str) -> None:
        if kind == "unit":
            self.current += _UNITS[token]
        elif kind == "teen":
            self.current += _TEENS[token]
        elif kind == "tens":
            self.current += _TENS[token]
        elif kind == "hundred":
            self.current = (self.current or 1) * 100
        else:
            self.total += (self.current or 1) * _SCALES[token]
            self.current = 0

    @property
    def value(self) -> int:
        return self.total + self.current


def _numbers_to_digits(tokens: list[str]) -> list[str]:
    out: list[str] = []
    number: _Number | None = None
    last = last_token = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = _kind(token)
        if number is not None and last == "tens" and token in _ORDINAL_VALUE and _ORDINAL_VALUE[token] < 10:
            number.current += _ORDINAL_VALUE[token]  # "twenty first" → 2 1 th
            out.extend([*str(number.value), "th"])
            number = None
            last = last_token = ""
            i += 1
            continue
        if kind is None and token == "and" and number is not None and last in ("hundred", "scale"):
            nxt = _kind(tokens[i + 1]) if i + 1 < len(tokens) else None
            if nxt in ("unit", "teen", "tens"):  # "two hundred and five"
                i += 1
                continue
        if kind is None:
            if number is not None:
                out.extend(str(number.value))
                number = None
            if token.isdigit():
                out.extend(token)  # one token per digit
            else:
                out.append(token)
            last = last_token = ""
            i += 1
            continue
        if kind in ("hundred", "scale") and number is None and out and out[-1] == "a":
            out.pop()  # "a hundred" is 100
        if number is not None and not _extends(kind, last, token, last_token):
            out.extend(str(number.value))
            number = None
        if number is None:
            number = _Number()
        number.add(token, kind)
        last, last_token = kind, token
        i += 1
    if number is not None:
        out.extend(str(number.value))
    return out


def normalize_words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring for the rules)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _ANNOTATION.sub(" ", text)
    text = _UNCERTAIN.sub(" ", text)
    text = text.lower()
    text = _DOLLARS.sub(r"\1 dollars", text)
    text = text.replace("%", " percent ").replace("&", " and ")
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub(" point ", text)
    text = _ORDINAL_DIGITS.sub(_spell_ordinal, text)
    tokens: list[str] = []
    for raw in _NOT_WORD.split(text):
        for part in _DIGITS_AND_LETTERS.findall(raw):
            word = part.strip("'")
            if not word or word in _HESITATIONS:
                continue
            tokens.extend(_SPELLING.get(word, word).split())
    return _numbers_to_digits(tokens)


def normalize_text(text: str) -> str:
    """``normalize_words`` joined by single spaces."""
    return " ".join(normalize_words(text))
