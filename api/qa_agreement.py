"""The calibration loop's service: agreement reports over stored (or given) model and human answers,
and refitting the scorer on human answers (`qa report`, `qa calibrate`, their API endpoints)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import qa_service, store
from api.models import CallRow
from api.runtime import Runtime
from api.tagging import stored_tag_input
from common.errors import InvalidInput

if TYPE_CHECKING:
    from common.formats import LabeledCall
    from qa_models import QAResult, QAScorer, Rating, Scorecard

__all__ = ["AgreementReport", "agreement_report", "calibrate", "file_ratings", "stored_ratings"]

MODEL = "model"


@dataclass(slots=True)
class AgreementReport:
    """Per item model↔human and human↔human agreement, each evaluator's bias against the panel (the
    model included), and the items whose model↔human disagreement is rising."""

    items: list[Any]
    evaluators: list[Any]
    trends: list[Any]
    calls: int
    human_answers: int
    calibration: Any | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "human_answers": self.human_answers,
            "items": [i.to_dict() for i in self.items],
            "evaluators": [e.to_dict() for e in self.evaluators],
            "trends": [t.to_dict() for t in self.trends],
            "calibration": self.calibration.to_dict() if self.calibration is not None else None,
            "notes": list(self.notes),
        }


def _in_range(when: datetime | None, since: date | None, until: date | None) -> bool:
    if since is None and until is None:
        return True
    if when is None:
        return False
    day = when.date()
    return (since is None or day >= since) and (until is None or day <= until)


def stored_ratings(
    rt: Runtime, *, since: date | None = None, until: date | None = None
) -> tuple[list[Rating], list[QAResult]]:
    """The model's answers (stored results, timed by the call's start) and every person's latest
    answers on the configured scorecard, for calls in the date range."""
    from qa_models import Rating

    card = rt.scorecard()
    results = []
    ratings: list[Rating] = []
    started: dict[str, datetime | None] = {}
    with Session(rt.db.engine) as s:
        call_times = dict(s.execute(select(CallRow.id, CallRow.started_at)).tuples().all())
    for r in qa_service.list_results(rt):
        when = call_times.get(r.call_id) or r.scored_at
        if not _in_range(when, since, until):
            continue
        started[r.call_id] = when
        model = r.model_result
        if model is None:
            continue
        results.append(model)
        ratings.extend(Rating(r.call_id, i.item_id, MODEL, i.answer, when, True) for i in model.items)
    for ev in qa_service.list_evaluations(rt, scorecard=card.id):
        if ev.call_id in started:
            session = str(ev.session_id) if ev.session_id is not None else None
            ratings.append(
                Rating(ev.call_id, ev.item_id, ev.evaluator, ev.answer, ev.created_at, False, session)
            )
    return ratings, results


def _plain_scorer(rt: Runtime) -> QAScorer:
    """The configured scorer without its refits: what a calibration is measured against."""
    from qa_models import QAScorer

    configured = rt.qa_scorer()
    return QAScorer(
        configured.options,
        knowledge=configured.knowledge,
        encoder=rt.embedder(),
        chat_model=configured.chat_model,
    )


def file_ratings(
    rt: Runtime, calls: Sequence[LabeledCall], card: Scorecard
) -> tuple[list[Rating], list[QAResult]]:
    """Ratings from labeled calls' own ``evaluations`` (FORMATS §1), and the model's answers scored now
    from their turns (without any calibration, so a refit is measured against the plain scorer)."""
    from qa_models import Rating, TagInput

    results = _plain_scorer(rt).score_many([TagInput.from_labeled_call(c) for c in calls], card)
    ratings: list[Rating] = []
    for call, result in zip(calls, results, strict=True):
        ratings.extend(
            Rating(call.call_id, i.item_id, MODEL, i.answer, call.started_at, True) for i in result.items
        )
        for ev in call.evaluations:
            if ev.scorecard != card.id:
                continue
            for item_id, answer in ev.answers.items():
                if card.item(item_id) is not None:
                    ratings.append(Rating(call.call_id, item_id, ev.evaluator, str(answer), call.started_at))
    return ratings, results


def agreement_report(rt: Runtime, ratings: Sequence[Rating], card: Scorecard) -> AgreementReport:
    from qa_models import disagreement_trend, evaluator_bias, item_agreement

    humans = [r for r in ratings if not r.is_model]
    notes = []
    if not humans:
        notes.append(
            "no human answers yet: record them on the QA call page, import them "
            "(`callscope qa import`), or run a calibration session"
        )
    points = {i.id: i.points for i in card.items}
    return AgreementReport(
        items=item_agreement(ratings, [i.id for i in card.items]),
        evaluators=evaluator_bias(ratings, points) if humans else [],
        trends=disagreement_trend(ratings) if humans else [],
        calls=len({r.call_id for r in ratings}),
        human_answers=len(humans),
        notes=notes,
    )


def calibrate(
    rt: Runtime,
    ratings: Sequence[Rating],
    results: Sequence[QAResult],
    card: Scorecard,
    *,
    train: bool,
    holdout: float = 0.3,
    out: Path | None = None,
    trained_on: str = "",
) -> AgreementReport:
    """The agreement report; with ``train`` the item scorers are refitted on the human panel's answers
    of part of the calls and measured before/after on the rest, and the refits are saved to ``out``
    (default ``<home>/qa-calibration``)."""
    from qa_models.qa.agreement import human_panel
    from qa_models.qa.calibrate import calibrate as refit

    report = agreement_report(rt, ratings, card)
    if not train:
        return report
    panel = human_panel(ratings)
    if not panel:
        raise InvalidInput("nothing to train on: no human answers on this scorecard")
    # The stored results may come from a calibrated scorer; refit against the plain one.
    plain = _plain_scorer(rt)
    ids = {r.call_id for r in results}
    fresh = [r for r in results if "+" not in r.model]
    stale = sorted(ids - {r.call_id for r in fresh})
    if stale:
        calls = [stored_tag_input(store.get_call(rt.db, cid)) for cid in stale]
        fresh.extend(plain.score_many(calls, card))
    calibration = refit(card, fresh, panel, holdout=holdout, trained_on=trained_on)
    report.calibration = calibration
    if calibration.models is not None:
        folder = out or rt.settings.home_dir / "qa-calibration"
        calibration.models.save(folder)
        report.notes.append(
            f"refits saved to {folder}; score with them by setting CALLSCOPE_QA_MODEL={folder}"
        )
    return report
