"""QA scorecards (FORMATS §5) and contact-type taxonomies (FORMATS §6), as the evals read them.

Files come from users, so they are validated with pydantic and every error names the file and the
field. Scoring follows FORMATS §5: points earned over the points that apply (``na`` drops an item
out), as a percent; any auto-fail item answered ``no`` fails the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.errors import FormatError

__all__ = [
    "CallScore",
    "ContactType",
    "Scorecard",
    "ScorecardItem",
    "ScorecardSection",
    "Taxonomy",
    "load_scorecard",
    "load_taxonomy",
    "score_call",
]


class ScorecardItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    question: str = ""
    guidance: str = ""
    answers: list[str] | dict[str, list[float]] = Field(default_factory=lambda: ["yes", "no"])
    points: float = 0.0
    auto_fail: bool = False

    @field_validator("answers", mode="before")
    @classmethod
    def _answers(cls, value: Any) -> Any:
        # YAML reads a bare yes/no as booleans.
        if isinstance(value, list):
            return [("yes" if v else "no") if isinstance(v, bool) else str(v) for v in value]
        return value

    @property
    def scale(self) -> tuple[float, float] | None:
        """``(low, high)`` for a scale item, else None."""
        if isinstance(self.answers, dict) and "scale" in self.answers and len(self.answers["scale"]) == 2:
            low, high = self.answers["scale"]
            return float(low), float(high)
        return None


class ScorecardSection(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = ""
    title: str = ""
    items: list[ScorecardItem] = Field(default_factory=list)


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    title: str = ""
    version: int | str = 1
    pass_score: float = 80.0
    sections: list[ScorecardSection] = Field(default_factory=list)

    @property
    def items(self) -> list[ScorecardItem]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> ScorecardItem | None:
        return next((i for i in self.items if i.id == item_id), None)


class ContactType(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    description: str = ""
    examples: list[str] = Field(default_factory=list)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = "taxonomy"
    version: int | str = 1
    types: list[ContactType] = Field(default_factory=list)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FormatError(str(path), f"not valid YAML ({getattr(exc, 'problem', exc)})", line=line) from exc


def _validate(model: type[BaseModel], path: Path) -> Any:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise FormatError(str(path), "expected a YAML mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ())) or None
        raise FormatError(str(path), err.get("msg", "invalid value"), field=loc) from exc


def load_scorecard(path: str | Path) -> Scorecard:
    """Read a QA scorecard YAML (FORMATS §5)."""
    card: Scorecard = _validate(Scorecard, Path(path))
    if not card.items:
        raise FormatError(str(path), "the scorecard has no items", field="sections")
    return card


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a contact-type taxonomy YAML (FORMATS §6)."""
    taxonomy: Taxonomy = _validate(Taxonomy, Path(path))
    if not taxonomy.types:
        raise FormatError(str(path), "the taxonomy has no types", field="types")
    return taxonomy


@dataclass(slots=True)
class CallScore:
    """A call's score in percent (None when no item applies) and whether it passes."""

    percent: float | None
    passed: bool | None


def _is_na(answer: Any) -> bool:
    return str(answer).strip().lower() in ("na", "n/a")


def score_call(card: Scorecard, answers: Mapping[str, Any]) -> CallScore:
    """Score one set of answers. Items not answered drop out like ``na``; a scale item earns its
    points in proportion to where the answer sits on the scale."""
    earned = possible = 0.0
    auto_failed = False
    for item in card.items:
        if item.id not in answers or _is_na(answers[item.id]):
            continue
        answer = answers[item.id]
        scale = item.scale
        if scale is not None:
            try:
                value = float(answer)
            except (TypeError, ValueError):
                continue
            low, high = scale
            share = 0.0 if high == low else min(1.0, max(0.0, (value - low) / (high - low)))
        else:
            text = str(answer).strip().lower()
            share = 1.0 if text == "yes" else 0.0
            auto_failed |= item.auto_fail and text == "no"
        earned += share * item.points
        possible += item.points
    percent = 100.0 * earned / possible if possible else None
    if auto_failed:
        return CallScore(percent, False)
    return CallScore(percent, None if percent is None else percent >= card.pass_score)
