"""What automatic QA returns: an answer per scorecard item with its evidence, and the call's score."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Evidence", "ItemResult", "QAResult"]


@dataclass(slots=True)
class Evidence:
    """A span of one turn that an answer rests on: the turn's index, the quoted text, its character
    offsets in the turn's text and its time in the call (seconds; estimated inside the turn when the
    turn has no word timings)."""

    turn: int
    speaker: str
    text: str
    start_char: int = 0
    end_char: int = 0
    start: float | None = None
    end: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "speaker": self.speaker,
            "text": self.text,
            "start_char": self.start_char,
            "end_char": self.end_char,
            "start": None if self.start is None else round(self.start, 2),
            "end": None if self.end is None else round(self.end, 2),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(
            turn=int(data["turn"]),
            speaker=str(data.get("speaker") or "unknown"),
            text=str(data.get("text") or ""),
            start_char=int(data.get("start_char") or 0),
            end_char=int(data.get("end_char") or 0),
            start=data.get("start"),
            end=data.get("end"),
        )


@dataclass(slots=True)
class ItemResult:
    """One item's answer (``yes``/``no``/``na`` or a number on a scale item) with its confidence
    (0..1), a one-line rationale, the evidence, and which scorer gave it (``rules``, ``examples``,
    ``learned``, ``llm``). ``features`` are the checks the answer was decided from; calibration
    refits on them."""

    item_id: str
    answer: str
    confidence: float
    rationale: str
    evidence: list[Evidence] = field(default_factory=list)
    scorer: str = "rules"
    features: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "answer": self.answer,
            "confidence": round(self.confidence, 4),
            "rationale": self.rationale,
            "evidence": [e.to_dict() for e in self.evidence],
            "scorer": self.scorer,
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        return cls(
            item_id=str(data["item_id"]),
            answer=str(data["answer"]),
            confidence=float(data.get("confidence") or 0.0),
            rationale=str(data.get("rationale") or ""),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence") or []],
            scorer=str(data.get("scorer") or "rules"),
            features={str(k): float(v) for k, v in (data.get("features") or {}).items()},
        )


@dataclass(slots=True)
class QAResult:
    """A call scored on one scorecard version. ``percent`` is None when no item applies;
    ``auto_failed`` lists the auto-fail items answered ``no``; ``model`` names the scorer and its
    learned adjustments (``callscope-qa@1`` or ``callscope-qa@1+calibrated-<date>``)."""

    call_id: str
    scorecard: str
    scorecard_version: str
    items: list[ItemResult]
    percent: float | None
    passed: bool | None
    auto_failed: list[str] = field(default_factory=list)
    model: str = ""

    def item(self, item_id: str) -> ItemResult | None:
        return next((i for i in self.items if i.item_id == item_id), None)

    def answers(self) -> dict[str, str]:
        return {i.item_id: i.answer for i in self.items}

    @property
    def min_confidence(self) -> float | None:
        return min((i.confidence for i in self.items), default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "scorecard": self.scorecard,
            "scorecard_version": self.scorecard_version,
            "percent": None if self.percent is None else round(self.percent, 2),
            "passed": self.passed,
            "auto_failed": list(self.auto_failed),
            "model": self.model,
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QAResult:
        return cls(
            call_id=str(data["call_id"]),
            scorecard=str(data["scorecard"]),
            scorecard_version=str(data.get("scorecard_version") or "1"),
            items=[ItemResult.from_dict(i) for i in data.get("items") or []],
            percent=data.get("percent"),
            passed=data.get("passed"),
            auto_failed=list(data.get("auto_failed") or []),
            model=str(data.get("model") or ""),
        )
