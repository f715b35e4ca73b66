"""Transcript value types shared by every package that reads calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SPEAKERS", "Transcript", "Turn", "Word", "customer_turn_indices"]

#: Speaker labels a turn may carry.
SPEAKERS = ("agent", "customer", "unknown")


@dataclass(slots=True)
class Word:
    """One recognised word with its time span in seconds and the model's probability."""

    start: float
    end: float
    word: str
    probability: float = 1.0


@dataclass(slots=True)
class Turn:
    """A stretch of speech by one party."""

    speaker: str
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    channel: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        words = [Word(**w) for w in data.get("words") or []]
        return cls(
            speaker=str(data.get("speaker") or "unknown"),
            start=float(data.get("start") or 0.0),
            end=float(data.get("end") or 0.0),
            text=str(data.get("text") or ""),
            words=words,
            channel=data.get("channel"),
        )


@dataclass(slots=True)
class Transcript:
    """A whole call: turns ordered in time across channels."""

    turns: list[Turn]
    duration: float
    language: str = "en"
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration": self.duration,
            "language": self.language,
            "model": self.model,
            "turns": [t.to_dict() for t in self.turns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            turns=[Turn.from_dict(t) for t in data.get("turns") or []],
            duration=float(data.get("duration") or 0.0),
            language=str(data.get("language") or "en"),
            model=str(data.get("model") or ""),
        )

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            seen.setdefault(turn.speaker, None)
        return list(seen)

    def text_of(self, speaker: str) -> str:
        return " ".join(t.text for t in self.turns if t.speaker == speaker).strip()


def customer_turn_indices(turns: Sequence[Turn]) -> list[int]:
    """Indices of the customer's turns that hold text; when nobody is marked as the customer (a mono
    recording), of every party's but the agent's."""
    customer = [i for i, t in enumerate(turns) if t.speaker == "customer" and t.text.strip()]
    return customer or [i for i, t in enumerate(turns) if t.speaker != "agent" and t.text.strip()]
