"""QA review service: scoring stored calls, the effective result with provenance, human answers,
acknowledgements and disputes (the queue and review sampling are in ``api.qa_queue``).

Every function takes the ``Runtime`` and works on the configured scorecard (``rt.scorecard()``,
setting ``scorecard``). A call's *effective* result is the model's answers overridden item by item by
the latest answer a person recorded in the workspace (or imported), scored again with
``score_call``; see ``api.store_qa``. Names of evaluators, agents and reviewers come from the caller
(there are no user accounts yet) and must not be empty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import store
from api.models import (
    CalibrationSessionRow,
    CallRow,
    QAAcknowledgementRow,
    QADisputeRow,
    QAEvaluationRow,
    QAScoreRow,
)
from api.runtime import Runtime
from api.store_qa import (
    EffectiveResult,
    EvaluationRecord,
    NewEvaluation,
    add_evaluations,
    effective_result,
    evaluation_record,
    evaluations_for,
    get_score_row,
    refresh,
    save_score,
)
from api.tagging import stored_tag_input
from common.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from asr import Turn
    from qa_models import Scorecard

__all__ = [
    "Acknowledgement",
    "CallQA",
    "DisputeRecord",
    "EvaluationOutcome",
    "acknowledge",
    "call_qa",
    "check_answer",
    "ensure_qa",
    "file_dispute",
    "get_result",
    "list_disputes",
    "list_evaluations",
    "list_results",
    "low_confidence_threshold",
    "record_evaluation",
    "require_name",
    "resolve_dispute",
    "score_calls",
]

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------ helpers


def require_name(value: str | None, what: str) -> str:
    """A person's name from a request: trimmed, not empty, at most 200 characters."""
    name = (value or "").strip()
    if not name:
        raise InvalidInput(f"{what} is required: give the name of the person")
    if len(name) > 200:
        raise InvalidInput(f"{what} is longer than 200 characters")
    return name


def check_answer(card: Scorecard, item_id: str, value: Any) -> str:
    """``value`` as one of the item's answers (``yes``/``no``/``na`` or a scale number, as text).

    Raises InvalidInput naming the item and the answers it allows."""
    item = card.item(item_id)
    if item is None:
        known = ", ".join(i.id for i in card.items)
        raise InvalidInput(f"scorecard '{card.key}' has no item '{item_id}'; its items are {known}")
    if isinstance(value, bool):
        answer = "yes" if value else "no"
    elif isinstance(value, int | float):
        answer = str(int(value)) if float(value).is_integer() else str(value)
    else:
        answer = str(value if value is not None else "").strip().lower()
        if answer == "n/a":
            answer = "na"
        elif re.fullmatch(r"-?\d+\.0*", answer):
            answer = answer.split(".")[0]
    if answer not in item.choices:
        raise InvalidInput(f"'{value}' is not an answer to item '{item_id}': use {', '.join(item.choices)}")
    return answer


def low_confidence_threshold(rt: Runtime) -> float:
    """``QAOptions.low_confidence`` of the scorer in use (without loading one)."""
    scorer = rt.qa_scorer_impl
    options = getattr(scorer, "options", None)
    if options is not None and hasattr(options, "low_confidence"):
        return float(options.low_confidence)
    from qa_models import QAOptions

    return float(QAOptions().low_confidence)


def _require_call(s: Session, call_id: str) -> CallRow:
    row = s.get(CallRow, call_id)
    if row is None:
        raise NotFound(f"no call with id '{call_id}'; `callscope calls list` shows the stored ones")
    return row


def _not_scored(call_id: str) -> NotFound:
    return NotFound(f"call '{call_id}' is not scored yet; POST /api/calls/{call_id}/qa/score scores it")


# -------------------------------------------------------------------------------------- scoring


def score_calls(rt: Runtime, call_ids: Sequence[str], *, batch: int = 32) -> list[EffectiveResult]:
    """(Re)score these stored calls with the current scorer and store the results; returns their
    effective results in order (answers people gave still override the new model answers)."""
    card = rt.scorecard()
    scorer = rt.qa_scorer()
    threshold = low_confidence_threshold(rt)
    out: list[EffectiveResult] = []
    for start in range(0, len(call_ids), batch):
        calls = [store.get_call(rt.db, cid) for cid in call_ids[start : start + batch]]
        results = scorer.score_many([stored_tag_input(c) for c in calls], card)
        with Session(rt.db.engine) as s:
            for result in results:
                out.append(save_score(s, card, result, low_confidence=threshold))
            s.commit()
    return out


def ensure_qa(rt: Runtime, call_id: str) -> None:
    """Score a just-ingested call unless scoring at ingest is off or it is scored. A failure here is
    logged, not raised: the call is stored either way and can be scored later."""
    if not rt.settings.qa_on_ingest:
        return
    try:
        with Session(rt.db.engine) as s:
            if get_score_row(s, call_id, rt.scorecard().id) is not None:
                return
        score_calls(rt, [call_id])
    except Exception:
        log.exception(
            "QA scoring of call %s failed; it is stored unscored (POST /api/calls/%s/qa/score retries)",
            call_id,
            call_id,
        )


def _effective(s: Session, rt: Runtime, card: Scorecard, row: QAScoreRow) -> EffectiveResult:
    from qa_models import QAResult

    return effective_result(
        card,
        QAResult.from_dict(row.result),
        evaluations_for(s, row.call_id, card.id),
        low_confidence=low_confidence_threshold(rt),
        scored_at=row.scored_at,
    )


def get_result(rt: Runtime, call_id: str) -> EffectiveResult:
    """The call's effective result on the configured scorecard (NotFound when not scored)."""
    card = rt.scorecard()
    with Session(rt.db.engine) as s:
        _require_call(s, call_id)
        row = get_score_row(s, call_id, card.id)
        if row is None:
            raise _not_scored(call_id)
        return _effective(s, rt, card, row)


def list_results(
    rt: Runtime, *, call_ids: Sequence[str] | None = None, batch: int = 500
) -> list[EffectiveResult]:
    """Effective results (each with ``model_result``, the model's own) of the scored calls, or of
    those of ``call_ids`` that are scored, in call-id order: what QA reports read."""
    card = rt.scorecard()
    out: list[EffectiveResult] = []
    with Session(rt.db.engine) as s:
        q = select(QAScoreRow).where(QAScoreRow.scorecard == card.id).order_by(QAScoreRow.call_id)
        if call_ids is not None:
            q = q.where(QAScoreRow.call_id.in_(list(call_ids)))
        for row in s.scalars(q.execution_options(yield_per=batch)):
            out.append(_effective(s, rt, card, row))
    return out


# -------------------------------------------------------------------------------- the call page


@dataclass(slots=True)
class Acknowledgement:
    id: int
    call_id: str
    scorecard: str
    agent: str
    percent: float | None
    comment: str
    created_at: datetime


@dataclass(slots=True)
class DisputeRecord:
    """An agent's dispute of one item. ``status``: ``open``, ``upheld`` (the reviewer's answer was
    recorded as an evaluation, ``evaluation_id``) or ``rejected``."""

    id: int
    call_id: str
    scorecard: str
    item_id: str
    agent: str
    comment: str
    disputed_answer: str | None
    status: str
    reviewer: str | None
    resolution: str
    new_answer: str | None
    evaluation_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    question: str = ""
    call_agent: str | None = None


@dataclass(slots=True)
class CallQA:
    """Everything the call page shows: the call, the turns that were scored (evidence indexes
    these), whether audio is stored, the effective result, the answers people gave (newest first;
    answers in a calibration session still open are left out), acknowledgements and disputes."""

    call: store.CallSummary
    turns: list[Turn]
    has_audio: bool
    result: EffectiveResult
    history: list[EvaluationRecord]
    acknowledgements: list[Acknowledgement]
    disputes: list[DisputeRecord]


def _ack(row: QAAcknowledgementRow) -> Acknowledgement:
    return Acknowledgement(
        row.id, row.call_id, row.scorecard, row.agent, row.percent, row.comment, row.created_at
    )


def _dispute(
    row: QADisputeRow, card: Scorecard | None = None, call_agent: str | None = None
) -> DisputeRecord:
    item = card.item(row.item_id) if card is not None else None
    return DisputeRecord(
        id=row.id,
        call_id=row.call_id,
        scorecard=row.scorecard,
        item_id=row.item_id,
        agent=row.agent,
        comment=row.comment,
        disputed_answer=row.disputed_answer,
        status=row.status,
        reviewer=row.reviewer,
        resolution=row.resolution,
        new_answer=row.new_answer,
        evaluation_id=row.evaluation_id,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        question=item.question if item is not None else "",
        call_agent=call_agent,
    )


def call_qa(rt: Runtime, call_id: str) -> CallQA:
    """The call page's data (NotFound for an unknown or unscored call)."""
    from pathlib import Path

    card = rt.scorecard()
    stored = store.get_call(rt.db, call_id)
    with Session(rt.db.engine) as s:
        row = get_score_row(s, call_id, card.id)
        if row is None:
            raise _not_scored(call_id)
        result = _effective(s, rt, card, row)
        open_sessions = select(CalibrationSessionRow.id).where(CalibrationSessionRow.status == "open")
        history = s.scalars(
            select(QAEvaluationRow)
            .where(
                QAEvaluationRow.call_id == call_id,
                QAEvaluationRow.scorecard == card.id,
                (QAEvaluationRow.session_id.is_(None)) | (QAEvaluationRow.session_id.not_in(open_sessions)),
            )
            .order_by(QAEvaluationRow.created_at.desc(), QAEvaluationRow.id.desc())
        )
        records = [evaluation_record(r) for r in history]
        acks = [
            _ack(r)
            for r in s.scalars(
                select(QAAcknowledgementRow)
                .where(QAAcknowledgementRow.call_id == call_id, QAAcknowledgementRow.scorecard == card.id)
                .order_by(QAAcknowledgementRow.created_at)
            )
        ]
        disputes = [
            _dispute(r, card, stored.summary.agent_id)
            for r in s.scalars(
                select(QADisputeRow)
                .where(QADisputeRow.call_id == call_id, QADisputeRow.scorecard == card.id)
                .order_by(QADisputeRow.created_at.desc(), QADisputeRow.id.desc())
            )
        ]
    return CallQA(
        call=stored.summary,
        turns=list(stored_tag_input(stored).turns),
        has_audio=bool(stored.audio_path and Path(stored.audio_path).is_file()),
        result=result,
        history=records,
        acknowledgements=acks,
        disputes=disputes,
    )


# ------------------------------------------------------------------------------ human answers


@dataclass(slots=True)
class EvaluationOutcome:
    """A recorded answer and the call's effective result after it (None when not scored)."""

    evaluation: EvaluationRecord
    result: EffectiveResult | None


def record_evaluation(
    rt: Runtime,
    call_id: str,
    item_id: str,
    *,
    evaluator: str,
    answer: Any,
    comment: str = "",
    source: Literal["workspace", "import", "calibration"] = "workspace",
    session_id: int | None = None,
) -> EvaluationOutcome:
    """Record one person's answer to one item (validated against the item's answers) with the model
    answer it replaces, and refresh the call's effective score."""
    card = rt.scorecard()
    evaluator = require_name(evaluator, "evaluator")
    value = check_answer(card, item_id, answer)
    with Session(rt.db.engine) as s:
        _require_call(s, call_id)
        get_score_row(s, call_id, card.id, lock=True)  # one writer per call at a time
        (row,) = add_evaluations(
            s,
            [
                NewEvaluation(
                    call_id=call_id,
                    scorecard=card.id,
                    scorecard_version=str(card.version),
                    evaluator=evaluator,
                    item_id=item_id,
                    answer=value,
                    comment=(comment or "").strip(),
                    source=source,
                    session_id=session_id,
                )
            ],
        )
        result = refresh(s, card, call_id, low_confidence=low_confidence_threshold(rt))
        s.commit()
        return EvaluationOutcome(evaluation_record(row), result)


def list_evaluations(
    rt: Runtime,
    *,
    call_id: str | None = None,
    evaluator: str | None = None,
    item_id: str | None = None,
    source: str | None = None,
    session_id: int | None = None,
    scorecard: str | None = None,
    latest_only: bool = True,
    limit: int | None = None,
    offset: int = 0,
) -> list[EvaluationRecord]:
    """Human answers (each with the model answer it replaced, evaluator, time and session), for
    calibration reports. With ``latest_only`` (the default) only the latest matching answer per call,
    scorecard, item and evaluator is returned; ordered by call, item, evaluator."""
    q = select(QAEvaluationRow)
    conditions = []
    if call_id is not None:
        conditions.append(QAEvaluationRow.call_id == call_id)
    if evaluator is not None:
        conditions.append(QAEvaluationRow.evaluator == evaluator)
    if item_id is not None:
        conditions.append(QAEvaluationRow.item_id == item_id)
    if source is not None:
        conditions.append(QAEvaluationRow.source == source)
    if session_id is not None:
        conditions.append(QAEvaluationRow.session_id == session_id)
    if scorecard is not None:
        conditions.append(QAEvaluationRow.scorecard == scorecard)
    if conditions:
        q = q.where(and_(*conditions))
    keys = (
        QAEvaluationRow.call_id,
        QAEvaluationRow.scorecard,
        QAEvaluationRow.item_id,
        QAEvaluationRow.evaluator,
    )
    if latest_only:
        q = q.distinct(*keys).order_by(*keys, QAEvaluationRow.created_at.desc(), QAEvaluationRow.id.desc())
    else:
        q = q.order_by(*keys, QAEvaluationRow.created_at, QAEvaluationRow.id)
    q = q.offset(offset)
    if limit is not None:
        q = q.limit(limit)
    with Session(rt.db.engine) as s:
        return [evaluation_record(r) for r in s.scalars(q)]


# ------------------------------------------------------------------- acknowledgements, disputes


def acknowledge(rt: Runtime, call_id: str, *, agent: str, comment: str = "") -> Acknowledgement:
    """The agent acknowledges the call's score (once; acknowledging again returns the first)."""
    card = rt.scorecard()
    agent = require_name(agent, "agent")
    with Session(rt.db.engine) as s:
        _require_call(s, call_id)
        row = get_score_row(s, call_id, card.id)
        if row is None:
            raise _not_scored(call_id)
        existing = s.scalar(
            select(QAAcknowledgementRow).where(
                QAAcknowledgementRow.call_id == call_id,
                QAAcknowledgementRow.scorecard == card.id,
                QAAcknowledgementRow.agent == agent,
            )
        )
        if existing is not None:
            return _ack(existing)
        ack = QAAcknowledgementRow(
            call_id=call_id, scorecard=card.id, agent=agent, percent=row.percent, comment=comment.strip()
        )
        s.add(ack)
        try:
            s.commit()
        except IntegrityError:  # the same agent acknowledged it at the same moment
            s.rollback()
            return acknowledge(rt, call_id, agent=agent, comment=comment)
        return _ack(ack)


def file_dispute(rt: Runtime, call_id: str, item_id: str, *, agent: str, comment: str) -> DisputeRecord:
    """An agent disputes an item's answer; the dispute waits in the reviewer queue."""
    card = rt.scorecard()
    agent = require_name(agent, "agent")
    if card.item(item_id) is None:
        raise InvalidInput(f"scorecard '{card.key}' has no item '{item_id}'")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("a dispute needs a comment saying why the answer is wrong")
    with Session(rt.db.engine) as s:
        call = _require_call(s, call_id)
        row = get_score_row(s, call_id, card.id)
        if row is None:
            raise _not_scored(call_id)
        already = s.scalar(
            select(QADisputeRow.id).where(
                QADisputeRow.call_id == call_id,
                QADisputeRow.scorecard == card.id,
                QADisputeRow.item_id == item_id,
                QADisputeRow.agent == agent,
                QADisputeRow.status == "open",
            )
        )
        if already is not None:
            raise InvalidInput(f"{agent} already has dispute {already} open on item '{item_id}' of this call")
        current = _effective(s, rt, card, row).item(item_id)
        dispute = QADisputeRow(
            call_id=call_id,
            scorecard=card.id,
            item_id=item_id,
            agent=agent,
            comment=comment,
            disputed_answer=current.answer if current is not None else None,
        )
        s.add(dispute)
        s.commit()
        return _dispute(dispute, card, call.agent_id)


def list_disputes(
    rt: Runtime,
    *,
    status: Literal["open", "upheld", "rejected"] | None = "open",
    agent: str | None = None,
    call_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[DisputeRecord]:
    """The reviewer queue: disputes (by default the open ones), oldest first."""
    card = rt.scorecard()
    q = select(QADisputeRow, CallRow.agent_id).join(CallRow, CallRow.id == QADisputeRow.call_id)
    if status is not None:
        q = q.where(QADisputeRow.status == status)
    if agent is not None:
        q = q.where(QADisputeRow.agent == agent)
    if call_id is not None:
        q = q.where(QADisputeRow.call_id == call_id)
    q = q.order_by(QADisputeRow.created_at, QADisputeRow.id).limit(limit).offset(offset)
    with Session(rt.db.engine) as s:
        return [_dispute(row, card, call_agent) for row, call_agent in s.execute(q).tuples()]


def resolve_dispute(
    rt: Runtime,
    dispute_id: int,
    *,
    reviewer: str,
    decision: Literal["uphold", "reject"],
    answer: Any = None,
    comment: str = "",
) -> DisputeRecord:
    """Uphold a dispute (the reviewer's ``answer`` is recorded as their evaluation of the item) or
    reject it. A dispute is resolved once."""
    card = rt.scorecard()
    reviewer = require_name(reviewer, "reviewer")
    comment = (comment or "").strip()
    with Session(rt.db.engine) as s:
        row = s.get(QADisputeRow, dispute_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no dispute {dispute_id}")
        if row.status != "open":
            raise InvalidInput(f"dispute {dispute_id} is already {row.status} by {row.reviewer}")
        if decision == "uphold":
            if answer is None or answer == "":
                raise InvalidInput("upholding a dispute needs the reviewer's answer for the item")
            value = check_answer(card, row.item_id, answer)
            get_score_row(s, row.call_id, card.id, lock=True)
            (evaluation,) = add_evaluations(
                s,
                [
                    NewEvaluation(
                        call_id=row.call_id,
                        scorecard=card.id,
                        scorecard_version=str(card.version),
                        evaluator=reviewer,
                        item_id=row.item_id,
                        answer=value,
                        comment=comment or f"dispute {dispute_id} upheld",
                    )
                ],
            )
            row.status, row.new_answer, row.evaluation_id = "upheld", value, evaluation.id
            refresh(s, card, row.call_id, low_confidence=low_confidence_threshold(rt))
        elif decision == "reject":
            row.status = "rejected"
        else:
            raise InvalidInput(f"decision '{decision}': use uphold or reject")
        row.reviewer, row.resolution, row.resolved_at = reviewer, comment, datetime.now(UTC)
        s.commit()
        call_agent = s.scalar(select(CallRow.agent_id).where(CallRow.id == row.call_id))
        return _dispute(row, card, call_agent)
