"""Presidio recognizers for what calls contain; imported only by ``privacy.engine``'s loader.

callscope's own recognizers wrap the plain detectors of ``privacy.detectors``. Digit runs and
dates are judged by keywords near them; when their own text has none, the caller's context words
(the previous turn, passed as ``AnalyzerEngine.analyze(context=...)``) decide in
``enhance_using_context``, Presidio's hook for recognizer-level context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)

from privacy.context import ContextHit, context_in, context_near
from privacy.detectors import (
    DIGIT_CATEGORIES,
    Detection,
    classify_run,
    find_dates,
    introduced_names,
    looks_like_organisation,
    number_runs,
    spoken_emails,
    street_addresses,
)
from privacy.types import (
    ACCOUNT_NUMBER,
    ADDRESS,
    CARD_NUMBER,
    CARD_SECURITY_CODE,
    DATE_OF_BIRTH,
    EMAIL,
    PERSON,
    PHONE_NUMBER,
    US_SSN,
)

__all__ = ["build_recognizers"]

_PENDING_KEY = "callscope_pending"
# Marks results decided by context, so Presidio's lemma enhancer does not boost them again.
_BOOSTED = {RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True}
# A spaCy DATE only counts as a date of birth if it names a day, month or year.
_DATEISH_RE = re.compile(
    r"\d|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|nineteen|twenty|thousand|first|second|third|th\b",
    re.IGNORECASE,
)


class _Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(slots=True, frozen=True)
class _Pending:
    """A candidate whose meaning waits for the caller's context words."""

    candidate: Any
    entities: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class _DateCandidate:
    start: int
    end: int
    score: float


class _DetectorRecognizer(EntityRecognizer):
    """Turns ``Detection``s into Presidio results."""

    name: str  # set by EntityRecognizer.__init__; declared for the type checker

    def load(self) -> None:  # nothing to load: the detectors are regular expressions
        pass

    def _result(self, d: Detection, **metadata: Any) -> RecognizerResult:
        return RecognizerResult(
            entity_type=d.entity,
            start=d.start,
            end=d.end,
            score=d.score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.name,
                original_score=d.score,
                textual_explanation=f"{d.entity} found by callscope's {self.name}",
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                **metadata,
            },
        )


class _ContextualRecognizer(_DetectorRecognizer):
    """Candidates whose entity depends on the nearest context keyword."""

    CATEGORIES: tuple[str, ...] = ()

    def candidates(self, text: str, nlp_artifacts: NlpArtifacts | None) -> Sequence[_Span]:
        raise NotImplementedError

    def classify(self, candidate: Any, ctx: ContextHit | None) -> list[Detection]:
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = tuple(entities)
        results = []
        for cand in self.candidates(text, nlp_artifacts):
            ctx = context_near(text, cand.start, cand.end, self.CATEGORIES)
            found = [d for d in self.classify(cand, ctx) if d.entity in wanted]
            if ctx is not None and found:
                results += [self._result(d) for d in found]
                continue
            # No keyword here, or one that makes nothing of it ("calling from my cell, it's
            # 12345678"): keep the reading (or a score-0 placeholder, which Presidio drops) until
            # enhance_using_context has seen the caller's context ("your account number?").
            pending = _Pending(cand, wanted)
            found = found or [Detection(self.supported_entities[0], cand.start, cand.end, 0.0)]
            results += [self._result(d, **{_PENDING_KEY: pending}) for d in found]
        return results

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        hit = context_in(context, self.CATEGORIES) if context else None
        if hit is None:
            return raw_recognizer_results
        results: list[RecognizerResult] = []
        # One candidate may have several results (a run split into card + rest).
        groups: dict[int, tuple[_Pending, list[RecognizerResult]]] = {}
        for result in raw_recognizer_results:
            pending = (result.recognition_metadata or {}).get(_PENDING_KEY)
            if pending is None:
                results.append(result)
            else:
                groups.setdefault(id(pending), (pending, []))[1].append(result)
        for pending, before in groups.values():
            found = [d for d in self.classify(pending.candidate, hit) if d.entity in pending.entities]
            # The caller's context can change what a candidate is, never make it disappear.
            results += [self._result(d, **_BOOSTED) for d in found] if found else before
        return results


class DigitRunRecognizer(_ContextualRecognizer):
    """Cards (Luhn), phones, account numbers, SSNs, security codes and dates read as digits."""

    CATEGORIES = DIGIT_CATEGORIES

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[
                ACCOUNT_NUMBER,
                CARD_NUMBER,
                CARD_SECURITY_CODE,
                PHONE_NUMBER,
                US_SSN,
                DATE_OF_BIRTH,
            ],
            name="CallDigitRunRecognizer",
        )

    def candidates(self, text: str, nlp_artifacts: NlpArtifacts | None) -> Sequence[_Span]:
        return number_runs(text)

    def classify(self, candidate: Any, ctx: ContextHit | None) -> list[Detection]:
        return classify_run(candidate, ctx)


class DateOfBirthRecognizer(_ContextualRecognizer):
    """A date (ours, or a spaCy DATE) with date-of-birth words nearer than other keywords."""

    # Other categories compete so that "born in 1985 ... card expires March 2027" is no DOB.
    CATEGORIES = ("dob", "card", "account", "phone")

    def __init__(self) -> None:
        super().__init__(supported_entities=[DATE_OF_BIRTH], name="CallDateOfBirthRecognizer")

    def candidates(self, text: str, nlp_artifacts: NlpArtifacts | None) -> Sequence[_Span]:
        found = [_DateCandidate(start, end, 0.85) for start, end in find_dates(text)]
        for ent in getattr(nlp_artifacts, "entities", None) or []:
            overlaps = any(c.start < ent.end_char and ent.start_char < c.end for c in found)
            if ent.label_ == "DATE_TIME" and not overlaps and _DATEISH_RE.search(ent.text):
                found.append(_DateCandidate(ent.start_char, ent.end_char, 0.75))
        return found

    def classify(self, candidate: Any, ctx: ContextHit | None) -> list[Detection]:
        if ctx is None or ctx.category != "dob":
            return []
        return [Detection(DATE_OF_BIRTH, candidate.start, candidate.end, candidate.score)]


class _PlainRecognizer(_DetectorRecognizer):
    """A detector that needs no context."""

    def __init__(self, entity: str, name: str, detect: Callable[[str], list[Detection]]) -> None:
        self._detect = detect
        super().__init__(supported_entities=[entity], name=name)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [self._result(d) for d in self._detect(text) if d.entity in entities]


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email pattern, validated against tldextract's bundled suffix list.

    Presidio's own check calls ``tldextract.extract``, whose first use downloads the Public
    Suffix List; calls are redacted offline, so the snapshot shipped with tldextract is used.
    """

    def __init__(self) -> None:
        import tldextract

        self._tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
        super().__init__(supported_entity=EMAIL)

    def validate_result(self, pattern_text: str) -> bool:
        return self._tld(pattern_text).fqdn != ""


class CallPersonRecognizer(SpacyRecognizer):
    """spaCy PERSON, minus the company and card brands the small model takes for people."""

    def __init__(self) -> None:
        super().__init__(supported_entities=[PERSON], name="CallPersonRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts) or []
        return [r for r in results if not looks_like_organisation(text, r.start, r.end)]


def build_recognizers() -> list[EntityRecognizer]:
    """Presidio's built-ins where they work on call text, renamed to callscope's tags, plus ours."""
    return [
        # Written "4111 1111 1111 1111" / "4111-1111-...": Presidio checks Luhn too.
        CreditCardRecognizer(supported_entity=CARD_NUMBER),
        # Written phone numbers in many regional formats, through libphonenumber.
        PhoneRecognizer(supported_entity=PHONE_NUMBER),
        OfflineEmailRecognizer(),
        UsSsnRecognizer(supported_entity=US_SSN),
        IbanRecognizer(supported_entity=ACCOUNT_NUMBER),
        CallPersonRecognizer(),
        DigitRunRecognizer(),
        DateOfBirthRecognizer(),
        _PlainRecognizer(EMAIL, "CallSpokenEmailRecognizer", spoken_emails),
        _PlainRecognizer(ADDRESS, "CallStreetAddressRecognizer", street_addresses),
        _PlainRecognizer(PERSON, "CallIntroducedNameRecognizer", introduced_names),
    ]
