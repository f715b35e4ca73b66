"""A call as the QA scorers read it: turns by party, silences between turns, and evidence spans."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from asr import Turn
from qa_models.qa.types import Evidence

if TYPE_CHECKING:
    from qa_models.qa.scorer import QAOptions
    from qa_models.tagger import TagInput

__all__ = ["CallView", "Gap", "Match", "compile_phrases"]


def compile_phrases(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern from alternatives; spaces match any run of spaces or punctuation
    so that ASR text ("thank you for calling, brightline") and typed text both match."""
    body = _separators("|".join(f"(?:{p})" for p in patterns))
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)


_SEPARATOR = r"[\s,.;:!-]+"


def _separators(pattern: str) -> str:
    """Every space outside a character class made a run of spaces or punctuation (`` ?``: an
    optional run); a space inside one (``[- ]``) stays a space, so the class stays a class."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            # A "]" right after "[" or "[^" is a literal member, not the end of the class.
            opened = pattern[i - 1] == "[" or (pattern[i - 1] == "^" and pattern[i - 2] == "[")
            if c == "]" and not opened:
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c == " " and pattern[i + 1 : i + 2] == "?":
            out.append(_SEPARATOR[:-1] + "*")  # "post ?code": postcode, post code, post-code
            i += 1
        else:
            out.append(_SEPARATOR if c == " " else c)
        i += 1
    return "".join(out)


@dataclass(slots=True)
class Match:
    turn: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Gap:
    """Silence between the end of turn ``before`` (the latest end so far) and the start of ``after``."""

    before: int
    after: int
    seconds: float


@dataclass(slots=True)
class CallView:
    turns: list[Turn]
    channel: str
    call_date: date | None
    options: QAOptions
    agent: list[int] = field(default_factory=list)
    customer: list[int] = field(default_factory=list)
    #: the turns' texts with typographic quotes and dashes made plain, character for character, so
    #: offsets found in them are offsets in the original text
    plain: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, call: TagInput, options: QAOptions) -> CallView:
        turns = [t for t in call.turns]
        view = cls(
            turns=turns,
            channel=getattr(call, "channel", "voice") or "voice",
            call_date=call.started_at.date() if call.started_at else None,
            options=options,
        )
        view.plain = [t.text.translate(_PLAIN) for t in turns]
        for i, t in enumerate(turns):
            if not t.text.strip():
                continue
            if t.speaker == "agent":
                view.agent.append(i)
            elif t.speaker == "customer":
                view.customer.append(i)
        return view

    @property
    def is_text(self) -> bool:
        return self.channel in ("chat", "email", "sms")

    @property
    def timed(self) -> bool:
        """Whether turn times carry information (a text-only file may leave them all at 0)."""
        return any(t.end > 0 for t in self.turns)

    def text(self, i: int) -> str:
        return self.plain[i]

    def find(self, pattern: re.Pattern[str], turns: Sequence[int]) -> Iterator[Match]:
        for i in turns:
            for m in pattern.finditer(self.plain[i]):
                yield Match(i, m.start(), m.end(), self.turns[i].text[m.start() : m.end()])

    def first(self, pattern: re.Pattern[str], turns: Sequence[int]) -> Match | None:
        return next(self.find(pattern, turns), None)

    def evidence(self, match: Match | int) -> Evidence:
        """Evidence for a match (or a whole turn), with its time estimated from word timings when
        the turn has them, else in proportion to the characters."""
        if isinstance(match, int):
            match = Match(match, 0, len(self.turns[match].text), self.turns[match].text)
        turn = self.turns[match.turn]
        start, end = _span_time(turn, match.start, match.end)
        return Evidence(
            turn=match.turn,
            speaker=turn.speaker,
            text=match.text,
            start_char=match.start,
            end_char=match.end,
            start=start,
            end=end,
        )

    def gaps(self) -> list[Gap]:
        if not self.timed:
            return []
        out: list[Gap] = []
        latest = None
        spoken = [i for i, t in enumerate(self.turns) if t.text.strip()]
        for prev, nxt in itertools.pairwise(spoken):
            end = self.turns[prev].end if latest is None else max(latest, self.turns[prev].end)
            latest = end
            silence = self.turns[nxt].start - end
            if silence > 0:
                out.append(Gap(prev, nxt, silence))
        return out

    def agent_before(self, i: int, within: int = 3) -> list[int]:
        """The agent's last ``within`` turns before turn ``i`` (latest last)."""
        return [a for a in self.agent if a < i][-within:]

    def agent_after(self, i: int, within: int = 2) -> list[int]:
        return [a for a in self.agent if a > i][:within]


_PLAIN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-", "\u2013": "-"}
)


def _span_time(turn: Turn, start_char: int, end_char: int) -> tuple[float | None, float | None]:
    if turn.end <= 0 and turn.start <= 0:
        return None, None
    n = max(1, len(turn.text))
    if turn.words:
        # Words are in order; map the character offsets to words by their share of the text.
        k = len(turn.words)
        first = turn.words[min(k - 1, int(k * start_char / n))]
        last = turn.words[min(k - 1, max(0, int(k * end_char / n) - 1))]
        return first.start, max(first.start, last.end)
    span = max(0.0, turn.end - turn.start)
    return turn.start + span * start_char / n, turn.start + span * end_char / n
