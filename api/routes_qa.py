"""HTTP routes of the QA review workspace: the queue, a call's effective QA result with provenance,
changing answers, acknowledgements, disputes, evaluation import, review sampling and calibration
sessions; and the workspace pages. Each route validates, calls one service function, returns.

Actions are recorded under the signed-in user's name (an agent's under their agent id); only an admin
(an integration's token) may give another name in the request (``access.acting_as``)."""

from __future__ import annotations

import mimetypes
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api import access, qa_calibration, qa_import, qa_queue, qa_service, store, uploads
from api.routes import BIGINT_MAX, RowId, Text, check_text, storable_params
from api.routes_kb import STATIC_DIR
from api.runtime import Runtime
from common.errors import InputTooLarge, NotFound

__all__ = ["pages", "router"]

router = APIRouter(tags=["qa"], dependencies=[Depends(storable_params)])
pages = APIRouter()

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(check_text)
]
Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(check_text)
]
AnswerValue = Annotated[str, AfterValidator(check_text)] | int | float | bool


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ------------------------------------------------------------------------------------ responses


class EvidenceOut(_Out):
    turn: int
    speaker: str
    text: str
    start_char: int
    end_char: int
    start: float | None
    end: float | None


class ProvenanceOut(_Out):
    source: Literal["model", "edited"]
    evaluator: str | None = None
    at: datetime | None = None
    comment: str = ""
    replaced: str | None = None
    evaluation_id: int | None = None
    via: str | None = None


class ItemOut(_Out):
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
    evidence: list[EvidenceOut]
    provenance: ProvenanceOut


class ResultOut(_Out):
    call_id: str
    scorecard: str
    scorecard_version: str
    model: str
    percent: float | None
    passed: bool | None
    auto_failed: list[str]
    model_percent: float | None
    model_passed: bool | None
    min_confidence: float | None
    low_confidence: list[str]
    edited_items: int
    disagreement: bool
    scored_at: datetime | None
    items: list[ItemOut]


class EvaluationOut(_Out):
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


class TurnOut(_Out):
    speaker: str
    text: str
    start: float
    end: float


class CallInfoOut(_Out):
    id: str
    channel: str
    duration_s: float | None
    started_at: datetime | None
    agent_id: str | None
    customer_id: str | None
    queue: str | None
    contact_type: str | None = None
    sentiment: str | None = None


class AckOut(_Out):
    id: int
    call_id: str
    scorecard: str
    agent: str
    percent: float | None
    comment: str
    created_at: datetime


class DisputeOut(_Out):
    id: int
    call_id: str
    scorecard: str
    item_id: str
    question: str
    agent: str
    call_agent: str | None
    comment: str
    disputed_answer: str | None
    status: str
    reviewer: str | None
    resolution: str
    new_answer: str | None
    evaluation_id: int | None
    created_at: datetime
    resolved_at: datetime | None


class CallQAOut(BaseModel):
    call: CallInfoOut
    turns: list[TurnOut]
    audio_url: str | None
    result: ResultOut
    history: list[EvaluationOut]
    acknowledgements: list[AckOut]
    disputes: list[DisputeOut]


class ChangeOut(BaseModel):
    evaluation: EvaluationOut
    result: ResultOut | None


class QueueRowOut(_Out):
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


class QueueOut(_Out):
    rows: list[QueueRowOut]
    total: int
    limit: int
    offset: int
    scorecard: str
    low_confidence: float


class PickOut(_Out):
    call_id: str
    agent: str
    week: str
    reason: str
    picked_at: datetime
    percent: float | None = None
    passed: bool | None = None
    reviewed: bool = False


class SampleOut(_Out):
    picked: list[PickOut]
    per_agent_week: int
    weeks: list[str]
    totals: dict[str, int]


class ImportOut(_Out):
    file: str
    stored: int
    skipped: int
    calls: int
    evaluators: list[str]


class ScorecardItemOut(BaseModel):
    id: str
    section: str
    question: str
    guidance: str
    choices: list[str]
    points: float
    auto_fail: bool


class ScorecardOut(BaseModel):
    id: str
    title: str
    version: str
    key: str
    pass_score: float
    items: list[ScorecardItemOut]


class SessionOut(_Out):
    id: int
    name: str
    scorecard: str
    scorecard_version: str
    call_ids: list[str]
    evaluators: list[str]
    status: str
    created_at: datetime
    closed_at: datetime | None


class CalibrationCallOut(_Out):
    call_id: str
    turns: list[TurnOut]
    complete: bool
    revealed: bool
    progress: dict[str, int]
    mine: dict[str, str]
    my_comments: dict[str, str]
    answers: dict[str, dict[str, str]] | None = None
    comments: dict[str, dict[str, str]] | None = None
    model_answers: dict[str, str] | None = None


class CalibrationViewOut(_Out):
    session: SessionOut
    evaluator: str | None
    items: list[str]
    calls: list[CalibrationCallOut]


# ------------------------------------------------------------------------------------- requests


class AnswerIn(BaseModel):
    evaluator: Name
    answer: AnswerValue
    comment: Comment = ""


class AckIn(BaseModel):
    agent: Name
    comment: Comment = ""


class DisputeIn(BaseModel):
    item_id: Name
    agent: Name
    comment: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
        AfterValidator(check_text),
    ]


class ResolveIn(BaseModel):
    reviewer: Name
    decision: Literal["uphold", "reject"]
    answer: AnswerValue | None = None
    comment: Comment = ""


class SampleIn(BaseModel):
    weeks: list[Annotated[str, Field(pattern=r"^\d{4}-W\d{2}$")]] | None = Field(
        default=None, max_length=520, description="ISO weeks (2026-W10); empty = every week."
    )
    per_agent: int | None = Field(default=None, ge=0, le=1000, description="Empty = the setting.")
    seed: int = 0


class SessionIn(BaseModel):
    name: Name
    call_ids: list[Name] = Field(min_length=1, max_length=500)
    evaluators: list[Name] = Field(min_length=1, max_length=50)


class SessionPatch(BaseModel):
    name: Name | None = None
    status: Literal["open", "closed"] | None = None
    evaluators: list[Name] | None = Field(default=None, max_length=50)


class SubmitIn(BaseModel):
    evaluator: Name
    answers: dict[Name, AnswerValue] = Field(min_length=1, max_length=500)
    comments: dict[Name, Comment] = Field(default_factory=dict, max_length=500)


# ------------------------------------------------------------------------------------ routes


def _call_qa_out(qa: qa_service.CallQA) -> CallQAOut:
    return CallQAOut(
        call=CallInfoOut.model_validate(qa.call, from_attributes=True),
        turns=[TurnOut.model_validate(t, from_attributes=True) for t in qa.turns],
        audio_url=f"/api/calls/{qa.call.id}/audio" if qa.has_audio else None,
        result=ResultOut.model_validate(qa.result),
        history=[EvaluationOut.model_validate(e) for e in qa.history],
        acknowledgements=[AckOut.model_validate(a) for a in qa.acknowledgements],
        disputes=[DisputeOut.model_validate(d) for d in qa.disputes],
    )


@router.get("/qa/scorecard", response_model=ScorecardOut)
async def scorecard(request: Request) -> ScorecardOut:
    """The configured scorecard: its items, their questions and allowed answers."""
    card = _rt(request).scorecard()
    return ScorecardOut(
        id=card.id,
        title=card.title,
        version=str(card.version),
        key=card.key,
        pass_score=card.pass_score,
        items=[
            ScorecardItemOut(
                id=i.id,
                section=section.title or section.id,
                question=i.question,
                guidance=i.guidance,
                choices=i.choices,
                points=i.points,
                auto_fail=i.auto_fail,
            )
            for section in card.sections
            for i in section.items
        ],
    )


@router.get("/qa/queue", response_model=QueueOut)
async def queue(
    request: Request,
    agent: str | None = None,
    team: str | None = None,
    date_from: date | None = Query(None, description="First day (UTC) of the call's start."),
    date_to: date | None = Query(None, description="Last day (UTC), inclusive."),
    contact_type: str | None = Query(None, description="A type, or a group (billing = billing.*)."),
    min_score: float | None = Query(None, ge=0, le=100),
    max_score: float | None = Query(None, ge=0, le=100),
    failed: bool | None = Query(None, description="true: failed calls only; false: passed only."),
    low_confidence: bool = Query(False, description="Only calls with a model answer under the threshold."),
    disagreement: bool = Query(
        False, description="Only calls where a person's answer differs from the model's."
    ),
    edited: bool | None = None,
    picked: bool = Query(False, description="Only calls picked for review."),
    week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$", description="Picks of one ISO week."),
    sort: Literal["date", "score", "confidence", "scored", "agent"] = "date",
    order: Literal["asc", "desc"] = "desc",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
) -> QueueOut:
    """Scored calls with their effective score, filtered, sorted and paged."""
    if date_to == date.max:
        date_to = None  # up to the last day a date holds: no bound (its next day does not exist)
    who = access.current(request)
    where = qa_queue.QueueFilter(
        agent=access.scope_agent(who, agent or None),
        team=team or None,
        teams=access.scope_teams(who),
        date_from=date_from,
        date_to=date_to,
        contact_type=contact_type or None,
        min_score=min_score,
        max_score=max_score,
        failed=failed,
        low_confidence=low_confidence,
        disagreement=disagreement,
        edited=edited,
        picked=picked,
        week=week or None,
    )
    page = await run_in_threadpool(
        qa_queue.qa_queue,
        _rt(request),
        where,
        sort=sort,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    return QueueOut.model_validate(page)


@router.get("/calls/{call_id}/qa", response_model=CallQAOut)
async def call_qa(request: Request, call_id: str) -> CallQAOut:
    """The call's effective QA result (model answers overridden by people's, with provenance), the
    scored turns that evidence points into, the answers people gave, acknowledgements and disputes."""
    qa = await run_in_threadpool(qa_service.call_qa, _rt(request), call_id)
    return _call_qa_out(qa)


@router.post("/calls/{call_id}/qa/score", response_model=ResultOut)
async def rescore(request: Request, call_id: str) -> ResultOut:
    """Score the call with the current scorer (people's answers still override)."""
    results = await run_in_threadpool(qa_service.score_calls, _rt(request), [call_id])
    return ResultOut.model_validate(results[0])


@router.put("/calls/{call_id}/qa/items/{item_id}", response_model=ChangeOut)
async def change_answer(request: Request, call_id: str, item_id: str, body: AnswerIn) -> ChangeOut:
    """Record a person's answer to an item (stored as an evaluation with the model answer it
    replaces); returns it and the call's updated effective result."""
    outcome = await run_in_threadpool(
        lambda: qa_service.record_evaluation(
            _rt(request),
            call_id,
            item_id,
            evaluator=access.acting_as(request, body.evaluator),
            answer=body.answer,
            comment=body.comment,
        )
    )
    return ChangeOut(
        evaluation=EvaluationOut.model_validate(outcome.evaluation),
        result=ResultOut.model_validate(outcome.result) if outcome.result is not None else None,
    )


@router.post("/calls/{call_id}/qa/acknowledge", response_model=AckOut, status_code=201)
async def acknowledge(request: Request, call_id: str, body: AckIn) -> AckOut:
    """The agent acknowledges the call's score."""
    ack = await run_in_threadpool(
        lambda: qa_service.acknowledge(
            _rt(request), call_id, agent=access.acting_agent(request, body.agent), comment=body.comment
        )
    )
    return AckOut.model_validate(ack)


@router.post("/calls/{call_id}/qa/disputes", response_model=DisputeOut, status_code=201)
async def dispute(request: Request, call_id: str, body: DisputeIn) -> DisputeOut:
    """An agent disputes one item's answer; it goes to the reviewer queue."""
    d = await run_in_threadpool(
        lambda: qa_service.file_dispute(
            _rt(request),
            call_id,
            body.item_id,
            agent=access.acting_agent(request, body.agent),
            comment=body.comment,
        )
    )
    return DisputeOut.model_validate(d)


@router.get("/qa/disputes", response_model=list[DisputeOut])
async def disputes(
    request: Request,
    status: Literal["open", "upheld", "rejected", "all"] = "open",
    agent: str | None = None,
    call_id: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
) -> list[DisputeOut]:
    """The reviewer queue (open disputes, oldest first) or resolved ones."""
    rows = await run_in_threadpool(
        lambda: qa_service.list_disputes(
            _rt(request),
            status=None if status == "all" else status,
            agent=agent or None,
            call_id=call_id or None,
            limit=limit,
            offset=offset,
        )
    )
    return [DisputeOut.model_validate(d) for d in await run_in_threadpool(access.in_scope, request, rows)]


@router.post("/qa/disputes/{dispute_id}/resolve", response_model=DisputeOut)
async def resolve(request: Request, dispute_id: RowId, body: ResolveIn) -> DisputeOut:
    """Uphold (recording the reviewer's answer as their evaluation) or reject a dispute."""
    d = await run_in_threadpool(
        lambda: qa_service.resolve_dispute(
            _rt(request),
            dispute_id,
            reviewer=access.acting_as(request, body.reviewer),
            decision=body.decision,
            answer=body.answer,
            comment=body.comment,
        )
    )
    return DisputeOut.model_validate(d)


@router.post("/qa/evaluations/import", response_model=ImportOut)
async def import_evaluations(request: Request, file: UploadFile) -> ImportOut:
    """Upload human evaluations: a labeled-call .jsonl (FORMATS §1 ``evaluations``) or a .csv with
    ``call_id,evaluator,scorecard,item_id,answer[,comment]``. A bad row stores nothing of the file."""
    rt = _rt(request)
    limit = int(rt.settings.max_upload_mb * 1024 * 1024)
    name = Path(file.filename or "upload").name
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(
            f"{name} is larger than the {rt.settings.max_upload_mb} MB limit (CALLSCOPE_MAX_UPLOAD_MB)"
        )
    uploads.refuse_nul_bytes(name, data)
    report = await run_in_threadpool(qa_import.import_evaluations_data, rt, name, data)
    return ImportOut.model_validate(report)


@router.get("/qa/evaluations", response_model=list[EvaluationOut])
async def evaluations(
    request: Request,
    call_id: str | None = None,
    evaluator: str | None = None,
    item_id: str | None = None,
    source: Literal["workspace", "import", "calibration"] | None = None,
    session_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
    latest_only: bool = Query(True, description="Only the latest answer per call, item and evaluator."),
    limit: int = Query(1000, ge=1, le=100_000),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
) -> list[EvaluationOut]:
    """Human answers with the model answer each replaced, evaluator, time and session."""
    rows = await run_in_threadpool(
        lambda: qa_service.list_evaluations(
            _rt(request),
            call_id=call_id,
            evaluator=access.own_view(request, evaluator),
            item_id=item_id,
            source=source,
            session_id=session_id,
            latest_only=latest_only,
            limit=limit,
            offset=offset,
        )
    )
    return [EvaluationOut.model_validate(e) for e in await run_in_threadpool(access.in_scope, request, rows)]


@router.post("/qa/sample", response_model=SampleOut)
async def sample(request: Request, body: SampleIn | None = None) -> SampleOut:
    """Pick calls for human review per agent and ISO week (risk first, then random); idempotent."""
    body = body or SampleIn()
    report = await run_in_threadpool(
        lambda: qa_queue.sample_reviews(
            _rt(request), weeks=body.weeks, per_agent=body.per_agent, seed=body.seed
        )
    )
    return SampleOut.model_validate(report)


@router.get("/qa/picks", response_model=list[PickOut])
async def picks(
    request: Request,
    week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$"),
    agent: str | None = None,
    limit: int = Query(500, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
) -> list[PickOut]:
    """Calls picked for review, newest week first."""
    rows = await run_in_threadpool(
        lambda: qa_queue.list_picks(_rt(request), week=week, agent=agent, limit=limit, offset=offset)
    )
    return [PickOut.model_validate(p) for p in await run_in_threadpool(access.in_scope, request, rows)]


@router.get("/qa/calibration", response_model=list[SessionOut])
async def sessions(request: Request, status: Literal["open", "closed"] | None = None) -> list[SessionOut]:
    rows = await run_in_threadpool(lambda: qa_calibration.list_sessions(_rt(request), status=status))
    return [SessionOut.model_validate(r) for r in rows]


@router.post("/qa/calibration", response_model=SessionOut, status_code=201)
async def create_session(request: Request, body: SessionIn) -> SessionOut:
    """A calibration session: these evaluators score these calls blind."""
    row = await run_in_threadpool(
        lambda: qa_calibration.create_session(
            _rt(request), name=body.name, call_ids=body.call_ids, evaluators=body.evaluators
        )
    )
    return SessionOut.model_validate(row)


@router.get("/qa/calibration/{session_id}", response_model=CalibrationViewOut)
async def view_session(
    request: Request, session_id: RowId, evaluator: str | None = None
) -> CalibrationViewOut:
    """The session as ``evaluator`` may see it: others' answers (and the model's) stay hidden from them
    until they have answered every item of a call; without ``evaluator``, until the session closes."""
    view = await run_in_threadpool(
        lambda: qa_calibration.session_view(
            _rt(request), session_id, evaluator=access.own_view(request, evaluator)
        )
    )
    return CalibrationViewOut.model_validate(view)


@router.patch("/qa/calibration/{session_id}", response_model=SessionOut)
async def update_session(request: Request, session_id: RowId, body: SessionPatch) -> SessionOut:
    """Rename, add evaluators, or close (reveal everything) / reopen a session."""
    row = await run_in_threadpool(
        lambda: qa_calibration.update_session(
            _rt(request), session_id, name=body.name, status=body.status, evaluators=body.evaluators
        )
    )
    return SessionOut.model_validate(row)


@router.delete("/qa/calibration/{session_id}", status_code=204)
async def delete_session(request: Request, session_id: RowId) -> None:
    """Delete a session (the answers given in it stay stored)."""
    await run_in_threadpool(qa_calibration.delete_session, _rt(request), session_id)


@router.post("/qa/calibration/{session_id}/calls/{call_id}/answers", response_model=CalibrationCallOut)
async def submit(request: Request, session_id: RowId, call_id: str, body: SubmitIn) -> CalibrationCallOut:
    """An evaluator's answers to a call of the session; once every item is answered the call is
    revealed to them and their answers are final."""
    view = await run_in_threadpool(
        lambda: qa_calibration.submit_answers(
            _rt(request),
            session_id,
            call_id,
            evaluator=access.acting_as(request, body.evaluator),
            answers=body.answers,
            comments=body.comments,
        )
    )
    return CalibrationCallOut.model_validate(view)


@router.get("/calls/{call_id}/audio", tags=["calls"], response_class=FileResponse)
async def audio(request: Request, call_id: str) -> FileResponse:
    """The call's stored recording (HTTP range requests supported, so a player can seek)."""
    call = await run_in_threadpool(store.get_call, _rt(request).db, call_id)
    path = Path(call.audio_path) if call.audio_path else None
    if path is None or not path.is_file():
        raise NotFound(f"call '{call_id}' has no stored recording")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)


# ------------------------------------------------------------------------------------- pages


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@pages.get("/qa", include_in_schema=False)
async def queue_page() -> FileResponse:
    return _page("qa-queue.html")


@pages.get("/qa/calls/{call_id}", include_in_schema=False)
async def call_page(call_id: str) -> FileResponse:
    return _page("qa-call.html")


@pages.get("/qa/disputes", include_in_schema=False)
async def disputes_page() -> FileResponse:
    return _page("qa-disputes.html")


@pages.get("/qa/calibration", include_in_schema=False)
async def calibration_list_page() -> FileResponse:
    return _page("qa-calibration.html")


@pages.get("/qa/calibration/{session_id}", include_in_schema=False)
async def calibration_page(session_id: int) -> FileResponse:
    return _page("qa-calibration.html")


# ---------------------------------------------------------------- agreement reports, calibration


@router.get("/qa/report")
async def qa_report(request: Request, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """Per item model↔human and human↔human agreement (κ, Krippendorff's α), each evaluator's bias
    against the panel (the model's too) and the items whose disagreement is rising."""
    from api.qa_agreement import agreement_report, stored_ratings

    rt = _rt(request)

    def run() -> dict[str, Any]:
        ratings, _ = stored_ratings(rt, since=since, until=until)
        return agreement_report(rt, ratings, rt.scorecard()).to_dict()

    return await run_in_threadpool(run)


class CalibrateIn(BaseModel):
    train: bool = False
    holdout: float = Field(default=0.3, gt=0, lt=1)


@router.post("/qa/calibrate")
async def qa_calibrate(request: Request, body: CalibrateIn) -> dict[str, Any]:
    """The agreement report on the stored answers; with ``train`` the item scorers are refitted on the
    human answers of part of the calls and measured on the rest (saved under the home folder)."""
    from api.qa_agreement import calibrate, stored_ratings

    rt = _rt(request)

    def run() -> dict[str, Any]:
        ratings, results = stored_ratings(rt)
        card = rt.scorecard()
        return calibrate(rt, ratings, results, card, train=body.train, holdout=body.holdout).to_dict()

    return await run_in_threadpool(run)


class ScoreTurnIn(BaseModel):
    speaker: Literal["agent", "customer", "unknown"] = "unknown"
    text: Text = Field(max_length=20000)
    start: float | None = Field(default=None, allow_inf_nan=False)
    end: float | None = Field(default=None, allow_inf_nan=False)


class ScoreCallIn(BaseModel):
    call_id: Name = "call"
    channel: Literal["voice", "chat", "email", "sms"] = "voice"
    started_at: datetime | None = None
    turns: list[ScoreTurnIn] = Field(min_length=1, max_length=5000)


@router.post("/qa/score")
async def qa_score_turns(request: Request, body: ScoreCallIn) -> dict[str, Any]:
    """Score a call given as turns (FORMATS §1 fields) on the configured scorecard; nothing is stored."""
    from common.formats import LabeledCall
    from qa_models import TagInput

    rt = _rt(request)
    call = LabeledCall.model_validate(body.model_dump())
    result = await run_in_threadpool(rt.qa_scorer().score, TagInput.from_labeled_call(call), rt.scorecard())
    return result.to_dict()
