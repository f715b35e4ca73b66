"""QA scorecards (FORMATS §5) and contact-type taxonomies (FORMATS §6).

Files come from users, so they are validated with pydantic and every error names the file and the
field: duplicate item ids, answers that are neither yes/no/na nor a scale, negative points, an
auto-fail item that cannot be answered ``no``. Scoring follows FORMATS §5: points earned over the
points that apply (``na`` drops an item out), as a percent; any auto-fail item answered ``no`` fails
the call. A scorecard is identified by ``id`` and ``version`` (``key`` = ``id@version``): stored
scores name the version they were made against.

Beyond FORMATS §5 an item may carry ``examples`` (``[{text: ..., answer: yes}, ...]``: agent lines
and the answer they support, used to score an item that has no built-in scorer) and ``scorer``
(``auto``, the default, or ``llm`` to ask a configured chat model).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.errors import FormatError
from common.formats import unstorable_text

__all__ = [
    "DEFAULT_SCORECARD",
    "CallScore",
    "ContactType",
    "ItemExample",
    "Scorecard",
    "ScorecardItem",
    "ScorecardSection",
    "Taxonomy",
    "load_default_scorecard",
    "load_scorecard",
    "load_taxonomy",
    "score_call",
]


#: The scorecard used when none is configured (a copy of shared/scorecards/standard-voice.yaml).
DEFAULT_SCORECARD = Path(__file__).parent / "scorecards" / "standard-voice.yaml"

_CHOICES = ("yes", "no", "na")
# A scale item lists every whole number of its scale as a choice (in the API and the QA workspace).
_MAX_SCALE_SPAN = 1000


def _yes_no(value: Any) -> Any:
    # YAML 1.1 reads a bare yes/no as booleans.
    return ("yes" if value else "no") if isinstance(value, bool) else value


class ItemExample(BaseModel):
    """An agent line (or short exchange) and the answer it supports."""

    model_config = ConfigDict(extra="allow")

    text: str = Field(min_length=1)
    answer: str

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, value: Any) -> Any:
        return str(_yes_no(value)).strip().lower()


class ScorecardItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    question: str = ""
    guidance: str = ""
    answers: list[str] | dict[str, list[float]] = Field(default_factory=lambda: ["yes", "no"])
    points: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    auto_fail: bool = False
    examples: list[ItemExample] = Field(default_factory=list)
    scorer: str = Field(default="auto", pattern=r"^(auto|llm)$")

    @field_validator("answers", mode="before")
    @classmethod
    def _answers(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(_yes_no(v)).strip().lower() for v in value]
        return value

    @field_validator("answers")
    @classmethod
    def _known_answers(cls, value: Any) -> Any:
        if isinstance(value, list):
            unknown = [a for a in value if a not in _CHOICES]
            if unknown:
                raise ValueError(
                    f"unknown answer(s) {unknown}: answers are yes, no, na, or {{scale: [low, high]}}"
                )
            if len(set(value)) != len(value) or not {"yes", "no"} <= set(value):
                raise ValueError("answers must list yes and no once each, and optionally na")
        else:
            scale = value.get("scale")
            if set(value) != {"scale"} or not scale or len(scale) != 2 or not scale[0] < scale[1]:
                raise ValueError("a scale item's answers are {scale: [low, high]} with low < high")
            if not all(math.isfinite(end) for end in scale) or scale[1] - scale[0] > _MAX_SCALE_SPAN:
                raise ValueError(f"a scale spans at most {_MAX_SCALE_SPAN} points, such as {{scale: [1, 5]}}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ScorecardItem:
        if self.auto_fail and self.scale is not None:
            raise ValueError(f"item '{self.id}': auto_fail needs a yes/no item, not a scale")
        for example in self.examples:
            if example.answer not in self.choices:
                raise ValueError(
                    f"item '{self.id}': example answer '{example.answer}' is not one of {self.choices}"
                )
        return self

    @property
    def choices(self) -> list[str]:
        """The answers this item accepts (a scale's end points and every whole number between)."""
        if isinstance(self.answers, list):
            return list(self.answers)
        low, high = self.answers["scale"]
        return [str(int(v)) for v in range(int(low), int(high) + 1)]

    @property
    def allows_na(self) -> bool:
        return isinstance(self.answers, list) and "na" in self.answers

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
    pass_score: float = Field(default=80.0, ge=0, le=100)
    sections: list[ScorecardSection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Scorecard:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"duplicate item id '{item.id}': item ids must be unique in a scorecard")
            seen.add(item.id)
        return self

    @property
    def key(self) -> str:
        """``id@version``: what stored scores and evaluations name."""
        return f"{self.id}@{self.version}"

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


@functools.cache
def _yaml_loader() -> type:
    """PyYAML's safe loader, except that a value it cannot construct (a date such as 2026-02-30, an
    integer of 5,000 digits) is a YAML error with its line rather than a bare ValueError."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (ValueError, OverflowError) as exc:
                value = str(node.value)
                shown = value if len(value) <= 40 else value[:37] + "..."
                reason = str(exc).split(";")[
                    0
                ]  # Python's digit-limit message ends with advice for programmers
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"'{shown}' cannot be read as {node.tag.rsplit(':', 1)[-1]} ({reason})",
                    node.start_mark,
                ) from exc

    return Loader


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text ({exc.reason}); save it as UTF-8"
        raise FormatError(str(path), reason, line=data.count(b"\n", 0, exc.start) + 1) from exc
    try:
        return yaml.load(text, Loader=_yaml_loader())  # a subclass of the safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FormatError(str(path), f"not valid YAML ({getattr(exc, 'problem', exc)})", line=line) from exc
    except RecursionError as exc:
        raise FormatError(str(path), "not usable YAML (lists or mappings nested too deeply)") from exc


def _validate(model: type[BaseModel], path: Path) -> Any:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise FormatError(str(path), "expected a YAML mapping at the top level")
    bad = unstorable_text(data)
    if bad is not None:
        raise FormatError(str(path), bad[1], field=bad[0])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _readable_loc(data, err.get("loc", ())) or None
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise FormatError(str(path), msg, field=loc) from exc


def _readable_loc(data: Any, loc: tuple[Any, ...]) -> str:
    """``sections.0.items.2.answers`` as ``sections[opening].items[greeting].answers``: a list entry
    with an ``id`` is named by it."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            name = node.get("id") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{name if name is not None else part}]"]
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(str(part))
    return ".".join(parts)


def load_scorecard(path: str | Path) -> Scorecard:
    """Read a QA scorecard YAML (FORMATS §5)."""
    card: Scorecard = _validate(Scorecard, Path(path))
    if not card.items:
        raise FormatError(str(path), "the scorecard has no items", field="sections")
    return card


def load_default_scorecard() -> Scorecard:
    """The shipped ``standard-voice`` scorecard."""
    return load_scorecard(DEFAULT_SCORECARD)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read a contact-type taxonomy YAML (FORMATS §6)."""
    taxonomy: Taxonomy = _validate(Taxonomy, Path(path))
    if not taxonomy.types:
        raise FormatError(str(path), "the taxonomy has no types", field="types")
    return taxonomy


@dataclass(slots=True)
class CallScore:
    """A call's score in percent (None when no item applies), whether it passes, and the auto-fail
    items answered ``no``."""

    percent: float | None
    passed: bool | None
    auto_failed: list[str] = field(default_factory=list)


def _is_na(answer: Any) -> bool:
    return str(answer).strip().lower() in ("na", "n/a")


def score_call(card: Scorecard, answers: Mapping[str, Any]) -> CallScore:
    """Score one set of answers. Items not answered drop out like ``na``; a scale item earns its
    points in proportion to where the answer sits on the scale."""
    earned = possible = 0.0
    auto_failed: list[str] = []
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
            if item.auto_fail and text == "no":
                auto_failed.append(item.id)
        earned += share * item.points
        possible += item.points
    percent = 100.0 * earned / possible if possible else None
    if auto_failed:
        return CallScore(percent, False, auto_failed)
    return CallScore(percent, None if percent is None else percent >= card.pass_score)
