"""HTTP routes for calls, uploads and jobs; each validates, calls one service function, returns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel

from api import access, export, store, uploads
from api.runtime import Runtime
from common.errors import NotFound

__all__ = ["BIGINT_MAX", "RowId", "Text", "check_text", "router", "storable_params"]

#: The largest id PostgreSQL's bigint holds: a larger path or query id can match nothing.
BIGINT_MAX = 2**63 - 1
#: A stored row's id in a path (a job, dispute, calibration session).
RowId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]


def check_text(value: str) -> str:
    """Refuse text PostgreSQL cannot store: NUL characters and lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL (0x00) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    return value


#: A request string that can be stored and searched for (422 naming the field otherwise).
Text = Annotated[str, AfterValidator(check_text)]


def storable_params(request: Request) -> None:
    """Router dependency: every query and path parameter is text PostgreSQL can store and compare;
    without it a NUL character in a filter fails deep in a query as a server error."""
    errors = []
    for where, params in (
        ("path", request.path_params.items()),
        ("query", request.query_params.multi_items()),
    ):
        for name, value in params:
            try:
                check_text(str(value))
            except ValueError as e:
                errors.append({"type": "value_error", "loc": (where, name), "msg": str(e), "input": value})
    if errors:
        raise RequestValidationError(errors)


router = APIRouter(dependencies=[Depends(storable_params)])


class CallOut(BaseModel):
    id: str
    source: str
    channel: str
    duration_s: float | None
    speakers: list[str]
    preview: str
    redaction_count: int
    started_at: datetime | None
    agent_id: str | None
    customer_id: str | None
    queue: str | None
    created_at: datetime
    contact_type: str | None = None
    sentiment: str | None = None
    repeat_probability: float | None = None


class CallList(BaseModel):
    calls: list[CallOut]
    limit: int
    offset: int


class UploadOut(BaseModel):
    jobs: list[dict[str, Any]]
    skipped: list[str]
    errors: list[dict[str, str]]


class JobOut(BaseModel):
    id: int
    status: str
    task: str
    attempts: int
    call_id: str | None = None
    error: str | None = None


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@router.get("/health", tags=["meta"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/calls", response_model=CallList, tags=["calls"])
async def list_calls(
    request: Request,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=BIGINT_MAX),
    contact_type: str | None = Query(None, description="A type, or a group (billing = billing.*)."),
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    min_repeat: float | None = Query(None, ge=0.0, le=1.0, description="Least repeat-call probability."),
    agent: str | None = None,
    queue: str | None = None,
) -> CallList:
    who = access.current(request)
    where = store.CallFilter(
        contact_type, sentiment, min_repeat, access.scope_agent(who, agent), queue, access.scope_teams(who)
    )
    calls = await run_in_threadpool(
        store.list_calls, _rt(request).db, limit=limit, offset=offset, where=where
    )
    return CallList(
        calls=[CallOut.model_validate(c, from_attributes=True) for c in calls], limit=limit, offset=offset
    )


@router.get("/calls/{call_id}", tags=["calls"])
async def get_call(request: Request, call_id: str) -> dict[str, Any]:
    """A call as a labeled-call record (FORMATS §1) with its redacted transcript and word timings."""
    call = await run_in_threadpool(store.get_call, _rt(request).db, call_id)
    return export.call_to_record(call, words=True)


@router.get("/calls/{call_id}/transcript", tags=["calls"])
async def get_transcript(request: Request, call_id: str) -> dict[str, Any]:
    call = await run_in_threadpool(store.get_call, _rt(request).db, call_id)
    if call.transcript is None:
        raise NotFound(f"call '{call_id}' has no transcript")
    out = call.transcript.to_dict()
    out["redactions"] = call.redaction_spans
    return out


async def _chunks(file: UploadFile, size: int = 1 << 20) -> AsyncIterator[bytes]:
    while chunk := await file.read(size):
        yield chunk


@router.post("/calls", status_code=202, response_model=UploadOut, tags=["calls"])
async def upload_call(request: Request, file: UploadFile) -> UploadOut:
    """Upload a recording (any format FFmpeg reads) or a labeled-call JSONL file; 202 with queued jobs."""
    result = await uploads.accept_upload(
        _rt(request), request.app.state.jobs, file.filename or "upload", _chunks(file)
    )
    return UploadOut(
        jobs=[
            {"id": j, "source": s, "status_url": f"/api/jobs/{j}"}
            for j, s in zip(result.job_ids, result.sources, strict=True)
        ],
        skipped=result.skipped,
        errors=[{"source": s, "reason": r} for s, r in result.errors],
    )


@router.get("/jobs/{job_id}", response_model=JobOut, tags=["jobs"])
async def get_job(request: Request, job_id: RowId) -> JobOut:
    rows = await request.app.state.jobs.connector.execute_query_all_async(
        "SELECT id, status::text AS status, task_name, attempts, args "
        "FROM procrastinate_jobs WHERE id = %(id)s",
        id=job_id,
    )
    if not rows:
        raise NotFound(f"no job with id {job_id}")
    row = rows[0]
    job = JobOut(id=row["id"], status=row["status"], task=row["task_name"], attempts=row["attempts"])
    rt = _rt(request)
    content_hash = (row["args"] or {}).get("content_hash")
    if job.status == "succeeded" and content_hash:
        job.call_id = await run_in_threadpool(store.find_call_by_hash, rt.db, content_hash)
    elif job.status == "failed":
        failures = await run_in_threadpool(store.list_failures, rt.db, limit=1, job_ids=[job_id])
        job.error = failures[0].reason if failures else "failed"
    return job
