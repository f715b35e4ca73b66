"""Calibration sessions: several evaluators score the same calls blind, then see each other's answers.

A session names its calls and evaluators and is scored on the configured scorecard. While it is
open, an evaluator who looks at a call sees only their own answers and everyone's progress (how many
items each has answered), not anyone's answers nor the model's, until they have answered every item
of that call; from then on that call is revealed to them and their answers to it are final. Closing
the session reveals everything to everyone. Answers are stored as evaluations with
``source='calibration'`` and the session's id; they change no call's effective score (they measure
agreement; see ``list_evaluations(session_id=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import store
from api.models import CalibrationSessionRow, CallRow, QAEvaluationRow, QAScoreRow
from api.qa_service import check_answer, low_confidence_threshold, require_name
from api.runtime import Runtime
from api.store_qa import (
    NewEvaluation,
    add_evaluations,
    evaluation_record,
    get_score_row,
    latest_evaluations,
    refresh,
    session_row,
)
from api.tagging import stored_tag_input
from common.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from asr import Turn
    from qa_models import Scorecard

__all__ = [
    "CalibrationCall",
    "CalibrationSession",
    "CalibrationView",
    "create_session",
    "delete_session",
    "get_session",
    "list_sessions",
    "session_view",
    "submit_answers",
    "update_session",
]


@dataclass(slots=True)
class CalibrationSession:
    id: int
    name: str
    scorecard: str
    scorecard_version: str
    call_ids: list[str]
    evaluators: list[str]
    status: str  # open | closed
    created_at: datetime
    closed_at: datetime | None


@dataclass(slots=True)
class CalibrationCall:
    """One call of a session as one evaluator (or, with none, an observer) may see it.

    ``progress`` (items answered per evaluator) is always shown; ``answers`` / ``comments`` (per
    evaluator, per item) and ``model_answers`` only when ``revealed``: the viewer has answered every
    item of the call, or the session is closed."""

    call_id: str
    turns: list[Turn]
    complete: bool
    revealed: bool
    progress: dict[str, int]
    mine: dict[str, str]
    my_comments: dict[str, str]
    answers: dict[str, dict[str, str]] | None = None
    comments: dict[str, dict[str, str]] | None = None
    model_answers: dict[str, str] | None = None


@dataclass(slots=True)
class CalibrationView:
    session: CalibrationSession
    evaluator: str | None
    items: list[str]
    calls: list[CalibrationCall]


def _session(row: CalibrationSessionRow) -> CalibrationSession:
    return CalibrationSession(
        id=row.id,
        name=row.name,
        scorecard=row.scorecard,
        scorecard_version=row.scorecard_version,
        call_ids=list(row.call_ids or []),
        evaluators=list(row.evaluators or []),
        status=row.status,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


def _names(values: Sequence[str], what: str) -> list[str]:
    out: list[str] = []
    for v in values:
        name = require_name(v, what)
        if name not in out:
            out.append(name)
    return out


def _card_for(rt: Runtime, row: CalibrationSessionRow) -> Scorecard:
    card = rt.scorecard()
    if card.id != row.scorecard:
        raise InvalidInput(
            f"calibration session {row.id} is on scorecard '{row.scorecard}', but the configured one is "
            f"'{card.id}' (CALLSCOPE_SCORECARD)"
        )
    return card


def create_session(
    rt: Runtime, *, name: str, call_ids: Sequence[str], evaluators: Sequence[str]
) -> CalibrationSession:
    """A new open session on the configured scorecard for these stored calls and evaluators."""
    card = rt.scorecard()
    title = (name or "").strip()
    if not title:
        raise InvalidInput("a calibration session needs a name")
    calls = list(dict.fromkeys(c.strip() for c in call_ids if c and c.strip()))
    if not calls:
        raise InvalidInput("a calibration session needs at least one call")
    people = _names(evaluators, "evaluator")
    if not people:
        raise InvalidInput("a calibration session needs at least one evaluator")
    with Session(rt.db.engine) as s:
        known = set(s.scalars(select(CallRow.id).where(CallRow.id.in_(calls))))
        missing = [c for c in calls if c not in known]
        if missing:
            raise NotFound(f"no stored call {', '.join(repr(m) for m in missing)}")
        row = CalibrationSessionRow(
            name=title[:200],
            scorecard=card.id,
            scorecard_version=str(card.version),
            call_ids=calls,
            evaluators=people,
            status="open",
        )
        s.add(row)
        s.commit()
        return _session(row)


def list_sessions(
    rt: Runtime, *, status: Literal["open", "closed"] | None = None
) -> list[CalibrationSession]:
    q = select(CalibrationSessionRow).order_by(
        CalibrationSessionRow.created_at.desc(), CalibrationSessionRow.id.desc()
    )
    if status is not None:
        q = q.where(CalibrationSessionRow.status == status)
    with Session(rt.db.engine) as s:
        return [_session(r) for r in s.scalars(q)]


def get_session(rt: Runtime, session_id: int) -> CalibrationSession:
    with Session(rt.db.engine) as s:
        return _session(session_row(s, session_id))


def update_session(
    rt: Runtime,
    session_id: int,
    *,
    name: str | None = None,
    status: Literal["open", "closed"] | None = None,
    evaluators: Sequence[str] | None = None,
) -> CalibrationSession:
    """Rename a session, add evaluators (none is removed: their answers stay) or close / reopen it."""
    with Session(rt.db.engine) as s:
        row = session_row(s, session_id)
        if name is not None:
            if not name.strip():
                raise InvalidInput("a calibration session needs a name")
            row.name = name.strip()[:200]
        if evaluators is not None:
            row.evaluators = list(row.evaluators or []) + [
                e for e in _names(evaluators, "evaluator") if e not in (row.evaluators or [])
            ]
        if status is not None:
            if status not in ("open", "closed"):
                raise InvalidInput(f"status '{status}': use open or closed")
            row.status = status
            row.closed_at = datetime.now(UTC) if status == "closed" else None
        s.commit()
        return _session(row)


def delete_session(rt: Runtime, session_id: int) -> None:
    """Delete a session; the answers given in it stay stored (with no session)."""
    with Session(rt.db.engine) as s:
        s.delete(session_row(s, session_id))
        s.commit()


def _answers_by_evaluator(
    s: Session, session_id: int, call_id: str
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    rows = s.scalars(
        select(QAEvaluationRow).where(
            QAEvaluationRow.session_id == session_id, QAEvaluationRow.call_id == call_id
        )
    )
    answers: dict[str, dict[str, str]] = {}
    comments: dict[str, dict[str, str]] = {}
    for (item_id, evaluator), e in latest_evaluations([evaluation_record(r) for r in rows]).items():
        answers.setdefault(evaluator, {})[item_id] = e.answer
        if e.comment:
            comments.setdefault(evaluator, {})[item_id] = e.comment
    return answers, comments


def _call_view(
    s: Session,
    rt: Runtime,
    card: Scorecard,
    row: CalibrationSessionRow,
    call_id: str,
    evaluator: str | None,
    *,
    with_turns: bool,
) -> CalibrationCall:
    items = [i.id for i in card.items]
    answers, comments = _answers_by_evaluator(s, row.id, call_id)
    mine = answers.get(evaluator, {}) if evaluator else {}
    complete = bool(evaluator) and all(i in mine for i in items)
    revealed = row.status == "closed" or complete
    turns: list[Turn] = []
    if with_turns:
        turns = list(stored_tag_input(store.get_call(rt.db, call_id)).turns)
    view = CalibrationCall(
        call_id=call_id,
        turns=turns,
        complete=complete,
        revealed=revealed,
        progress={e: sum(1 for i in items if i in answers.get(e, {})) for e in row.evaluators},
        mine=dict(mine),
        my_comments=dict(comments.get(evaluator, {})) if evaluator else {},
    )
    if revealed:
        view.answers = answers
        view.comments = comments
        score = s.scalar(
            select(QAScoreRow.result).where(QAScoreRow.call_id == call_id, QAScoreRow.scorecard == card.id)
        )
        view.model_answers = (
            {str(i["item_id"]): str(i["answer"]) for i in score.get("items") or []} if score else None
        )
    return view


def session_view(
    rt: Runtime, session_id: int, *, evaluator: str | None = None, with_turns: bool = True
) -> CalibrationView:
    """The session as ``evaluator`` may see it (blind until they finish a call; see the module)."""
    with Session(rt.db.engine) as s:
        row = session_row(s, session_id)
        card = _card_for(rt, row)
        who = evaluator.strip() if evaluator and evaluator.strip() else None
        if who is not None and who not in row.evaluators:
            raise InvalidInput(
                f"'{who}' is not an evaluator of session {session_id} ({', '.join(row.evaluators)}); "
                "add them to the session first"
            )
        stored = set(s.scalars(select(CallRow.id).where(CallRow.id.in_(row.call_ids or []))))
        calls = [
            _call_view(s, rt, card, row, c, who, with_turns=with_turns)
            for c in row.call_ids or []
            if c in stored  # a call deleted since the session was made drops out
        ]
        return CalibrationView(_session(row), who, [i.id for i in card.items], calls)


def submit_answers(
    rt: Runtime,
    session_id: int,
    call_id: str,
    *,
    evaluator: str,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
) -> CalibrationCall:
    """Record an evaluator's answers to (some or all) items of one call of an open session; returns
    the call as they may now see it (revealed once every item is answered)."""
    who = require_name(evaluator, "evaluator")
    comments = comments or {}
    if not answers:
        raise InvalidInput("no answers given")
    with Session(rt.db.engine) as s:
        row = session_row(s, session_id)
        card = _card_for(rt, row)
        if row.status != "open":
            raise InvalidInput(f"calibration session {session_id} is closed; reopen it to answer")
        if who not in row.evaluators:
            raise InvalidInput(f"'{who}' is not an evaluator of session {session_id}")
        if call_id not in (row.call_ids or []):
            raise NotFound(f"call '{call_id}' is not in calibration session {session_id}")
        values = {item_id: check_answer(card, item_id, value) for item_id, value in answers.items()}
        before = _call_view(s, rt, card, row, call_id, who, with_turns=False)
        if before.complete:
            raise InvalidInput(
                f"{who} has answered every item of call '{call_id}' in this session and seen the others' "
                "answers; those answers are final"
            )
        get_score_row(s, call_id, card.id, lock=True)
        add_evaluations(
            s,
            [
                NewEvaluation(
                    call_id=call_id,
                    scorecard=card.id,
                    scorecard_version=row.scorecard_version,
                    evaluator=who,
                    item_id=item_id,
                    answer=value,
                    comment=str(comments.get(item_id) or "").strip(),
                    source="calibration",
                    session_id=row.id,
                )
                for item_id, value in values.items()
            ],
        )
        refresh(s, card, call_id, low_confidence=low_confidence_threshold(rt))  # the disagreement flag
        s.commit()
        return _call_view(s, rt, card, row, call_id, who, with_turns=False)
