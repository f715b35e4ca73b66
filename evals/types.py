"""What dataset adapters produce and eval tasks consume: the FORMATS.md shapes, in memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from common.formats import LabeledCall, LineError

__all__ = [
    "DatasetInfo",
    "GradedText",
    "KnowledgeDoc",
    "LabeledCalls",
    "RetrievalQuery",
    "RetrievalSet",
    "Utterance",
    "Utterances",
]

DatasetKind = Literal["labeled_calls", "utterances", "retrieval", "graded"]


@dataclass(slots=True)
class Utterance:
    """One row of FORMATS §2 (``text,label``)."""

    text: str
    label: str
    id: str = ""


@dataclass(slots=True)
class Utterances:
    """Utterance classification data with named splits (``train``, ``val``, ``test`` ...).

    ``test_splits`` are for measuring only; training code must read ``train_splits``.
    ``oos_label`` names the out-of-scope label when the dataset has one (CLINC150: ``oos``).
    ``multi_label`` rows carry ``|``-joined labels (NLU++).
    """

    name: str
    splits: dict[str, list[Utterance]]
    train_splits: tuple[str, ...] = ("train",)
    test_splits: tuple[str, ...] = ("test",)
    oos_label: str | None = None
    multi_label: bool = False
    skipped: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class GradedText:
    """A text with a graded human rating (VADER ground truth: mean of 20 raters, −4…+4)."""

    id: str
    text: str
    score: float
    source: str = ""


@dataclass(slots=True)
class LabeledCalls:
    """Labeled calls (FORMATS §1). Audio paths resolve against ``base_dir``."""

    name: str
    calls: list[LabeledCall]
    base_dir: Path
    #: call ids that are for measuring only (e.g. STAR dialogue ids ending in 0 or 1)
    test_ids: frozenset[str] = frozenset()
    skipped: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class KnowledgeDoc:
    """A knowledge document (FORMATS §3), written as Markdown with front matter on export."""

    id: str
    text: str
    title: str = ""
    kind: str = "faq"
    valid_from: str | None = None
    valid_to: str | None = None
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RetrievalQuery:
    """One line of FORMATS §4."""

    query: str
    relevant: list[str]
    context: list[str] = field(default_factory=list)
    as_of: str | None = None
    id: str = ""


@dataclass(slots=True)
class RetrievalSet:
    name: str
    documents: list[KnowledgeDoc]
    queries: list[RetrievalQuery]
    skipped: list[LineError] = field(default_factory=list)


@dataclass(slots=True)
class DatasetInfo:
    """A built-in dataset: its name, what it yields and how to load it from the data root."""

    name: str
    kind: DatasetKind
    description: str
    license: str
    load: Callable[[Path], Utterances | LabeledCalls | RetrievalSet | list[GradedText]]
