"""The QA queue (scored calls filtered, sorted and paged) and picking calls for human review.

Sampling picks ``qa_reviews_per_agent_week`` calls per agent and ISO week for human review: risky
calls first (an auto-fail item failed, then the least confident model answers under the
low-confidence threshold, then negative customer sentiment), then at random with a seed. It is
idempotent: picks already made count, so running it again for a week picks nothing more.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from api.models import (
    CallRow,
    CallTagRow,
    QAAcknowledgementRow,
    QADisputeRow,
    QAEvaluationRow,
    QAScoreRow,
    ReviewPickRow,
)
from api.qa_service import low_confidence_threshold
from api.runtime import Runtime
from common.errors import InvalidInput

__all__ = [
    "PICK_REASONS",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "ReviewPick",
    "SampleReport",
    "iso_week",
    "list_picks",
    "qa_queue",
    "sample_reviews",
]

PICK_REASONS = ("auto_fail", "low_confidence", "negative_sentiment", "random")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_SAMPLE_LOCK = 727002


def iso_week(when: datetime | date) -> str:
    """``2026-W10``: the ISO week of a time (taken in UTC) or a day."""
    if isinstance(when, datetime):
        when = when.astimezone(UTC) if when.tzinfo else when
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _week_bounds(week: str) -> tuple[datetime, datetime]:
    m = _WEEK.match(week)
    if not m:
        raise InvalidInput(f"week '{week}': write an ISO week as YYYY-Www, e.g. 2026-W10")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise InvalidInput(f"week '{week}': {exc}") from exc
    start = datetime.combine(monday, time(0), tzinfo=UTC)
    return start, start + timedelta(days=7)


def _call_time() -> ColumnElement[Any]:
    return func.coalesce(CallRow.started_at, CallRow.created_at)


def _team() -> ColumnElement[Any]:
    """The team of a call: the labeled call's ``team`` field (kept in ``extra``) or ``labels.team``
    (written as in the expression index of migration 0006)."""
    return literal_column("coalesce(calls.extra->>'team', calls.labels->>'team')")


# ------------------------------------------------------------------------------------ the queue


@dataclass(slots=True)
class QueueFilter:
    """Filters of the QA queue. ``contact_type`` matches the type or, given a group, every type under
    it. ``date_from``/``date_to`` are inclusive days (UTC) of the call's start. ``min_score`` /
    ``max_score`` bound the effective percent; ``failed`` True keeps failed calls, False passed ones;
    ``low_confidence`` keeps calls with a model answer under the threshold; ``disagreement`` calls
    where a person's answer differs from the model's; ``picked`` calls picked for review (``week``
    narrows to one ISO week's picks)."""

    agent: str | None = None
    team: str | None = None
    #: only calls of these teams (the caller's scope); None: any team
    teams: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    contact_type: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    failed: bool | None = None
    low_confidence: bool = False
    disagreement: bool = False
    edited: bool | None = None
    picked: bool = False
    week: str | None = None

    def conditions(self, low_confidence: float) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.agent:
            out.append(CallRow.agent_id == self.agent)
        if self.team:
            out.append(_team() == self.team)
        if self.teams is not None:
            out.append(_team().in_(self.teams))
        if self.date_from:
            out.append(_call_time() >= datetime.combine(self.date_from, time(0), tzinfo=UTC))
        if self.date_to:
            out.append(_call_time() < datetime.combine(self.date_to + timedelta(days=1), time(0), tzinfo=UTC))
        if self.contact_type:
            ct = self.contact_type
            out.append(
                (CallTagRow.contact_type == ct)
                | CallTagRow.contact_type.startswith(f"{ct}.", autoescape=True)
            )
        if self.min_score is not None:
            out.append(QAScoreRow.percent >= self.min_score)
        if self.max_score is not None:
            out.append(QAScoreRow.percent <= self.max_score)
        if self.failed is True:
            out.append(QAScoreRow.passed.is_(False))
        elif self.failed is False:
            out.append(QAScoreRow.passed.is_(True))
        if self.low_confidence:
            out.append(QAScoreRow.min_confidence < low_confidence)
        if self.disagreement:
            out.append(QAScoreRow.disagreement.is_(True))
        if self.edited is True:
            out.append(QAScoreRow.edited_items > 0)
        elif self.edited is False:
            out.append(QAScoreRow.edited_items == 0)
        if self.picked or self.week:
            out.append(ReviewPickRow.id.is_not(None))
        if self.week:
            _week_bounds(self.week)  # validates it
            out.append(ReviewPickRow.week == self.week)
        return out


@dataclass(slots=True)
class QueueRow:
    call_id: str
    agent_id: str | None
    team: str | None
    started_at: datetime | None
    channel: str
    duration_s: float | None
    preview: str
    contact_type: str | None
    sentiment: str | None
    scorecard_version: str
    percent: float | None
    passed: bool | None
    auto_failed: list[str]
    model_percent: float | None
    min_confidence: float | None
    low_confidence: bool
    edited_items: int
    disagreement: bool
    acknowledged: bool
    open_disputes: int
    pick_reason: str | None
    pick_week: str | None
    scored_at: datetime


@dataclass(slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    limit: int
    offset: int
    scorecard: str
    low_confidence: float


QueueSort = Literal["date", "score", "confidence", "scored", "agent"]


def qa_queue(
    rt: Runtime,
    where: QueueFilter | None = None,
    *,
    sort: QueueSort = "date",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """Scored calls on the configured scorecard, filtered, sorted and paged (with the total)."""
    card = rt.scorecard()
    where = where or QueueFilter()
    threshold = low_confidence_threshold(rt)
    acknowledged = exists().where(
        QAAcknowledgementRow.call_id == QAScoreRow.call_id, QAAcknowledgementRow.scorecard == card.id
    )
    open_disputes = (
        select(func.count(QADisputeRow.id))
        .where(
            QADisputeRow.call_id == QAScoreRow.call_id,
            QADisputeRow.scorecard == card.id,
            QADisputeRow.status == "open",
        )
        .scalar_subquery()
    )
    base = (
        select(QAScoreRow.call_id)
        .join(CallRow, CallRow.id == QAScoreRow.call_id)
        .outerjoin(CallTagRow, CallTagRow.call_id == QAScoreRow.call_id)
        .outerjoin(ReviewPickRow, ReviewPickRow.call_id == QAScoreRow.call_id)
        .where(QAScoreRow.scorecard == card.id, *where.conditions(threshold))
    )
    sort_column = {
        "date": _call_time(),
        "score": QAScoreRow.percent,
        "confidence": QAScoreRow.min_confidence,
        "scored": QAScoreRow.scored_at,
        "agent": CallRow.agent_id,
    }.get(sort)
    if sort_column is None:
        raise InvalidInput(f"sort '{sort}': use date, score, confidence, scored or agent")
    order = sort_column.desc() if descending else sort_column.asc()
    q = (
        base.with_only_columns(
            QAScoreRow,
            CallRow,
            _team().label("team"),
            CallTagRow.contact_type,
            CallTagRow.sentiment,
            acknowledged.label("acknowledged"),
            open_disputes.label("open_disputes"),
            ReviewPickRow.reason,
            ReviewPickRow.week,
        )
        .order_by(order.nulls_last(), QAScoreRow.call_id)
        .limit(limit)
        .offset(offset)
    )
    with Session(rt.db.engine) as s:
        total = int(s.scalar(select(func.count()).select_from(base.subquery())) or 0)
        rows = [
            QueueRow(
                call_id=score.call_id,
                agent_id=call.agent_id,
                team=team,
                started_at=call.started_at,
                channel=call.channel,
                duration_s=call.duration_s,
                preview=call.preview,
                contact_type=contact_type,
                sentiment=sentiment,
                scorecard_version=score.scorecard_version,
                percent=score.percent,
                passed=score.passed,
                auto_failed=list(score.auto_failed or []),
                model_percent=score.model_percent,
                min_confidence=score.min_confidence,
                low_confidence=score.min_confidence is not None and score.min_confidence < threshold,
                edited_items=score.edited_items,
                disagreement=score.disagreement,
                acknowledged=bool(acked),
                open_disputes=int(disputes or 0),
                pick_reason=reason,
                pick_week=week,
                scored_at=score.scored_at,
            )
            for score, call, team, contact_type, sentiment, acked, disputes, reason, week in s.execute(q)
        ]
    return QueuePage(rows, total, limit, offset, card.key, threshold)


# ------------------------------------------------------------------------------------- sampling


@dataclass(slots=True)
class ReviewPick:
    call_id: str
    agent: str
    week: str
    reason: str
    picked_at: datetime
    percent: float | None = None
    passed: bool | None = None
    reviewed: bool = False


@dataclass(slots=True)
class SampleReport:
    """What a sampling run picked now (``picked``) and how many picks each agent-week has in all."""

    picked: list[ReviewPick]
    per_agent_week: int
    weeks: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # "agent|week" → picks


@dataclass(slots=True)
class _Candidate:
    call_id: str
    agent: str
    week: str
    auto_failed: bool
    min_confidence: float | None
    negative: bool


def _risk(c: _Candidate, threshold: float) -> str | None:
    if c.auto_failed:
        return "auto_fail"
    if c.min_confidence is not None and c.min_confidence < threshold:
        return "low_confidence"
    if c.negative:
        return "negative_sentiment"
    return None


def sample_reviews(
    rt: Runtime,
    *,
    weeks: Sequence[str] | None = None,
    per_agent: int | None = None,
    seed: int = 0,
) -> SampleReport:
    """Pick calls for human review: up to ``per_agent`` (setting ``qa_reviews_per_agent_week``) per
    agent and ISO week among the scored calls of ``weeks`` (default: every week with scored calls).

    Risky calls come first (auto-fail, then lowest model confidence under the threshold, then
    negative sentiment), then random ones (seeded per agent and week, so a run is reproducible). Picks
    already made count toward the number: running it again for a week picks nothing more. Calls with
    no agent are sampled as agent ``""``."""
    card = rt.scorecard()
    n = rt.settings.qa_reviews_per_agent_week if per_agent is None else per_agent
    if n < 0:
        raise InvalidInput("per_agent must be 0 or more")
    threshold = low_confidence_threshold(rt)
    bounds = [_week_bounds(w) for w in weeks or []]
    ts = _call_time()
    q = (
        select(
            CallRow.id,
            CallRow.agent_id,
            ts,
            QAScoreRow.auto_failed,
            QAScoreRow.min_confidence,
            CallTagRow.sentiment,
        )
        .join(QAScoreRow, and_(QAScoreRow.call_id == CallRow.id, QAScoreRow.scorecard == card.id))
        .outerjoin(CallTagRow, CallTagRow.call_id == CallRow.id)
        .where(~exists().where(ReviewPickRow.call_id == CallRow.id))
        .order_by(CallRow.id)
    )
    if bounds:
        q = q.where(or_(*[and_(ts >= start, ts < end) for start, end in bounds]))
    picked: list[ReviewPick] = []
    with Session(rt.db.engine) as s:
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SAMPLE_LOCK})
        groups: dict[tuple[str, str], list[_Candidate]] = {}
        for call_id, agent, when, auto_failed, min_conf, sentiment in s.execute(q):
            c = _Candidate(
                call_id, agent or "", iso_week(when), bool(auto_failed), min_conf, sentiment == "negative"
            )
            groups.setdefault((c.agent, c.week), []).append(c)
        week_filter = list(weeks or [])
        counts_q = select(ReviewPickRow.agent, ReviewPickRow.week, func.count()).group_by(
            ReviewPickRow.agent, ReviewPickRow.week
        )
        if week_filter:
            counts_q = counts_q.where(ReviewPickRow.week.in_(week_filter))
        have = {(a, w): int(k) for a, w, k in s.execute(counts_q)}
        for (agent, week), candidates in sorted(groups.items()):
            room = n - have.get((agent, week), 0)
            if room <= 0:
                continue
            risky = [(c, r) for c in candidates if (r := _risk(c, threshold)) is not None]
            order = {"auto_fail": 0, "low_confidence": 1, "negative_sentiment": 2}
            risky.sort(
                key=lambda cr: (
                    order[cr[1]],
                    cr[0].min_confidence if cr[0].min_confidence is not None else 1.0,
                    cr[0].call_id,
                )
            )
            chosen = risky[:room]
            if len(chosen) < room:
                rest = sorted(c.call_id for c in candidates if _risk(c, threshold) is None)
                random.Random(f"{seed}:{agent}:{week}").shuffle(rest)
                by_id = {c.call_id: c for c in candidates}
                chosen += [(by_id[cid], "random") for cid in rest[: room - len(chosen)]]
            for c, reason in chosen:
                row = ReviewPickRow(call_id=c.call_id, agent=agent, week=week, reason=reason)
                s.add(row)
                s.flush()
                picked.append(ReviewPick(c.call_id, agent, week, reason, row.picked_at))
                have[(agent, week)] = have.get((agent, week), 0) + 1
        s.commit()
    return SampleReport(
        picked=picked,
        per_agent_week=n,
        weeks=sorted({w for _, w in groups} | set(week_filter)),
        totals={f"{a}|{w}": k for (a, w), k in sorted(have.items())},
    )


def list_picks(
    rt: Runtime, *, week: str | None = None, agent: str | None = None, limit: int = 500, offset: int = 0
) -> list[ReviewPick]:
    """Calls picked for review (newest week first), with their effective score and whether someone
    has answered an item of the call in the workspace since."""
    card = rt.scorecard()
    if week:
        _week_bounds(week)
    reviewed = exists().where(
        QAEvaluationRow.call_id == ReviewPickRow.call_id,
        QAEvaluationRow.source == "workspace",
        QAEvaluationRow.scorecard == card.id,
    )
    q = (
        select(ReviewPickRow, QAScoreRow.percent, QAScoreRow.passed, reviewed.label("reviewed"))
        .outerjoin(
            QAScoreRow, and_(QAScoreRow.call_id == ReviewPickRow.call_id, QAScoreRow.scorecard == card.id)
        )
        .order_by(ReviewPickRow.week.desc(), ReviewPickRow.agent, ReviewPickRow.id)
        .limit(limit)
        .offset(offset)
    )
    if week:
        q = q.where(ReviewPickRow.week == week)
    if agent is not None:
        q = q.where(ReviewPickRow.agent == agent)
    with Session(rt.db.engine) as s:
        return [
            ReviewPick(p.call_id, p.agent, p.week, p.reason, p.picked_at, percent, passed, bool(done))
            for p, percent, passed, done in s.execute(q).tuples()
        ]
