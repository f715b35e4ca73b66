"""Persistence of QA: model scores, human evaluations and how they combine into a call's effective
result, acknowledgements, disputes and review picks (SQLAlchemy; the rules live in ``qa_service``).

A call's *effective* result is the model's, overridden item by item by the latest human answer
recorded in the workspace or imported (``source`` ``workspace`` or ``import``; answers given in a
calibration session measure agreement and change no call's score). Every item says where its answer
came from (``Provenance``). The effective score is kept in ``qa_scores`` so the queue can filter on it;
``refresh`` recomputes it in the transaction that records an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import store_analytics
from api.models import CalibrationSessionRow, QAEvaluationRow, QAScoreRow
from common.errors import NotFound

if TYPE_CHECKING:
    from qa_models import Evidence, QAResult, Scorecard

__all__ = [
    "EFFECTIVE_SOURCES",
    "SOURCES",
    "EffectiveItem",
    "EffectiveResult",
    "EvaluationRecord",
    "NewEvaluation",
    "Provenance",
    "add_evaluations",
    "effective_result",
    "evaluation_record",
    "evaluations_for",
    "get_score_row",
    "latest_evaluations",
    "refresh",
    "save_score",
    "session_row",
]

Source = Literal["workspace", "import", "calibration"]
SOURCES: tuple[str, ...] = ("workspace", "import", "calibration")
#: The sources whose answers override the model's in a call's effective result.
EFFECTIVE_SOURCES: tuple[str, ...] = ("workspace", "import")


@dataclass(slots=True)
class NewEvaluation:
    """A human answer to record; the model answer it replaces is looked up when it is stored."""

    call_id: str
    scorecard: str
    scorecard_version: str
    evaluator: str
    item_id: str
    answer: str
    comment: str = ""
    source: Source = "workspace"
    session_id: int | None = None


@dataclass(slots=True)
class EvaluationRecord:
    """A stored human answer with the model answer it replaced (None: the call was not scored)."""

    id: int
    call_id: str
    scorecard: str
    scorecard_version: str
    evaluator: str
    item_id: str
    answer: str
    comment: str
    model_answer: str | None
    source: str
    session_id: int | None
    created_at: datetime


@dataclass(slots=True)
class Provenance:
    """Where an item's effective answer comes from: ``model``, or ``edited`` by a person (who, when,
    why, through which way in, and the model answer it replaced)."""

    source: Literal["model", "edited"] = "model"
    evaluator: str | None = None
    at: datetime | None = None
    comment: str = ""
    replaced: str | None = None
    evaluation_id: int | None = None
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "evaluator": self.evaluator,
            "at": self.at.isoformat() if self.at else None,
            "comment": self.comment,
            "replaced": self.replaced,
            "evaluation_id": self.evaluation_id,
            "via": self.via,
        }


@dataclass(slots=True)
class EffectiveItem:
    """One scorecard item as the QA team sees it: the effective answer, the model's answer with its
    confidence, rationale and evidence, and the item's question and allowed answers."""

    item_id: str
    question: str
    section: str
    choices: list[str]
    points: float
    auto_fail: bool
    answer: str | None
    model_answer: str | None
    confidence: float | None
    rationale: str
    scorer: str
    evidence: list[Evidence]
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "question": self.question,
            "section": self.section,
            "choices": list(self.choices),
            "points": self.points,
            "auto_fail": self.auto_fail,
            "answer": self.answer,
            "model_answer": self.model_answer,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "rationale": self.rationale,
            "scorer": self.scorer,
            "evidence": [e.to_dict() for e in self.evidence],
            "provenance": self.provenance.to_dict(),
        }


@dataclass(slots=True)
class EffectiveResult:
    """A call's QA on one scorecard: the effective answers and score next to the model's own.

    ``low_confidence`` lists the items whose model confidence is under the threshold it was computed
    with; ``disagreement`` says whether any person's latest answer (calibration included) differs
    from the model's."""

    call_id: str
    scorecard: str
    scorecard_version: str
    model: str
    items: list[EffectiveItem]
    percent: float | None
    passed: bool | None
    auto_failed: list[str]
    model_percent: float | None
    model_passed: bool | None
    min_confidence: float | None
    edited_items: int
    disagreement: bool
    scored_at: datetime | None = None
    low_confidence: list[str] = field(default_factory=list)
    #: the model's result as stored (for reports; not part of ``to_dict``)
    model_result: QAResult | None = None

    def answers(self) -> dict[str, str]:
        return {i.item_id: i.answer for i in self.items if i.answer is not None}

    def item(self, item_id: str) -> EffectiveItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "scorecard": self.scorecard,
            "scorecard_version": self.scorecard_version,
            "model": self.model,
            "percent": None if self.percent is None else round(self.percent, 2),
            "passed": self.passed,
            "auto_failed": list(self.auto_failed),
            "model_percent": None if self.model_percent is None else round(self.model_percent, 2),
            "model_passed": self.model_passed,
            "min_confidence": None if self.min_confidence is None else round(self.min_confidence, 4),
            "low_confidence": list(self.low_confidence),
            "edited_items": self.edited_items,
            "disagreement": self.disagreement,
            "scored_at": self.scored_at.isoformat() if self.scored_at else None,
            "items": [i.to_dict() for i in self.items],
        }


def evaluation_record(row: QAEvaluationRow) -> EvaluationRecord:
    return EvaluationRecord(
        id=row.id,
        call_id=row.call_id,
        scorecard=row.scorecard,
        scorecard_version=row.scorecard_version,
        evaluator=row.evaluator,
        item_id=row.item_id,
        answer=row.answer,
        comment=row.comment,
        model_answer=row.model_answer,
        source=row.source,
        session_id=row.session_id,
        created_at=row.created_at,
    )


def _newest_first(e: EvaluationRecord) -> tuple[datetime, int]:
    return (e.created_at, e.id)


def latest_evaluations(
    evaluations: list[EvaluationRecord], *, sources: tuple[str, ...] = SOURCES
) -> dict[tuple[str, str], EvaluationRecord]:
    """The latest answer per ``(item_id, evaluator)`` among the given sources."""
    out: dict[tuple[str, str], EvaluationRecord] = {}
    for e in sorted(evaluations, key=_newest_first):
        if e.source in sources:
            out[(e.item_id, e.evaluator)] = e
    return out


def effective_result(
    card: Scorecard,
    model: QAResult,
    evaluations: list[EvaluationRecord],
    *,
    low_confidence: float,
    scored_at: datetime | None = None,
) -> EffectiveResult:
    """The model's answers overridden item by item by the latest workspace or imported answer, scored
    on ``card`` (pure; ``evaluations`` are this call's on this scorecard)."""
    from qa_models import score_call

    edits: dict[str, EvaluationRecord] = {}
    for e in sorted(evaluations, key=_newest_first):
        if e.source in EFFECTIVE_SOURCES:
            edits[e.item_id] = e
    items: list[EffectiveItem] = []
    for section in card.sections:
        for item in section.items:
            m = model.item(item.id)
            edit = edits.get(item.id)
            model_answer = m.answer if m is not None else None
            provenance = (
                Provenance(
                    source="edited",
                    evaluator=edit.evaluator,
                    at=edit.created_at,
                    comment=edit.comment,
                    replaced=model_answer,
                    evaluation_id=edit.id,
                    via=edit.source,
                )
                if edit is not None
                else Provenance()
            )
            items.append(
                EffectiveItem(
                    item_id=item.id,
                    question=item.question,
                    section=section.title or section.id,
                    choices=item.choices,
                    points=item.points,
                    auto_fail=item.auto_fail,
                    answer=edit.answer if edit is not None else model_answer,
                    model_answer=model_answer,
                    confidence=m.confidence if m is not None else None,
                    rationale=m.rationale if m is not None else "",
                    scorer=m.scorer if m is not None else "",
                    evidence=list(m.evidence) if m is not None else [],
                    provenance=provenance,
                )
            )
    answers = {i.item_id: i.answer for i in items if i.answer is not None}
    score = score_call(card, answers)
    model_score = score_call(card, model.answers())
    model_answers = model.answers()
    disagreement = any(
        e.item_id in model_answers and e.answer != model_answers[e.item_id]
        for e in latest_evaluations(evaluations).values()
    )
    return EffectiveResult(
        call_id=model.call_id,
        scorecard=card.id,
        scorecard_version=str(card.version),
        model=model.model,
        items=items,
        percent=score.percent,
        passed=score.passed,
        auto_failed=list(score.auto_failed),
        model_percent=model_score.percent,
        model_passed=model_score.passed,
        min_confidence=model.min_confidence,
        edited_items=sum(1 for i in items if i.provenance.source == "edited"),
        disagreement=disagreement,
        scored_at=scored_at,
        low_confidence=[
            i.item_id for i in items if i.confidence is not None and i.confidence < low_confidence
        ],
        model_result=model,
    )


def evaluations_for(s: Session, call_id: str, scorecard: str) -> list[EvaluationRecord]:
    """Every human answer for this call on this scorecard, oldest first."""
    rows = s.scalars(
        select(QAEvaluationRow)
        .where(QAEvaluationRow.call_id == call_id, QAEvaluationRow.scorecard == scorecard)
        .order_by(QAEvaluationRow.created_at, QAEvaluationRow.id)
    )
    return [evaluation_record(r) for r in rows]


def get_score_row(s: Session, call_id: str, scorecard: str, *, lock: bool = False) -> QAScoreRow | None:
    q = select(QAScoreRow).where(QAScoreRow.call_id == call_id, QAScoreRow.scorecard == scorecard)
    if lock:
        q = q.with_for_update()
    return s.scalar(q)


def _model_result(row: QAScoreRow) -> QAResult:
    from qa_models import QAResult

    return QAResult.from_dict(row.result)


def refresh(s: Session, card: Scorecard, call_id: str, *, low_confidence: float) -> EffectiveResult | None:
    """Recompute and store the call's effective score on ``card`` (None when it is not scored)."""
    row = get_score_row(s, call_id, card.id, lock=True)
    if row is None:
        return None
    eff = effective_result(
        card,
        _model_result(row),
        evaluations_for(s, call_id, card.id),
        low_confidence=low_confidence,
        scored_at=row.scored_at,
    )
    row.percent = eff.percent
    row.passed = eff.passed
    row.auto_failed = list(eff.auto_failed)
    row.failed_items = [i.item_id for i in eff.items if i.answer == "no"]
    row.edited_items = eff.edited_items
    row.disagreement = eff.disagreement
    row.updated_at = func.now()
    store_analytics.save_qa(s.connection(), call_id, card.id, eff.percent, eff.passed, row.failed_items)
    return eff


def save_score(s: Session, card: Scorecard, result: QAResult, *, low_confidence: float) -> EffectiveResult:
    """Store (or replace) the model's result for the call and recompute its effective score."""
    row = get_score_row(s, result.call_id, result.scorecard, lock=True)
    if row is None:
        row = QAScoreRow(call_id=result.call_id, scorecard=result.scorecard)
        s.add(row)
    row.scorecard_version = str(result.scorecard_version)
    row.result = result.to_dict()
    row.model = result.model
    row.model_percent = result.percent
    row.model_passed = result.passed
    row.min_confidence = result.min_confidence
    row.scored_at = func.now()
    s.flush()
    eff = refresh(s, card, result.call_id, low_confidence=low_confidence)
    assert eff is not None
    return eff


def _model_answers(s: Session, call_id: str, scorecard: str) -> dict[str, str]:
    row = get_score_row(s, call_id, scorecard)
    if row is None:
        return {}
    return {str(i["item_id"]): str(i["answer"]) for i in row.result.get("items") or []}


def add_evaluations(s: Session, new: list[NewEvaluation]) -> list[QAEvaluationRow]:
    """Insert human answers with the model answers they replace (flushed, not committed)."""
    cache: dict[tuple[str, str], dict[str, str]] = {}
    rows = []
    for e in new:
        key = (e.call_id, e.scorecard)
        if key not in cache:
            cache[key] = _model_answers(s, *key)
        rows.append(
            QAEvaluationRow(
                call_id=e.call_id,
                scorecard=e.scorecard,
                scorecard_version=e.scorecard_version,
                evaluator=e.evaluator,
                item_id=e.item_id,
                answer=e.answer,
                comment=e.comment,
                model_answer=cache[key].get(e.item_id),
                source=e.source,
                session_id=e.session_id,
            )
        )
    s.add_all(rows)
    s.flush()
    return rows


def session_row(s: Session, session_id: int) -> CalibrationSessionRow:
    row = s.get(CalibrationSessionRow, session_id)
    if row is None:
        raise NotFound(f"no calibration session {session_id}; GET /api/qa/calibration lists them")
    return row
