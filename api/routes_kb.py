"""HTTP routes for knowledge bases, search, assist feedback and the agent sidebar page."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api import kb_service, live
from api.routes import Text, storable_params
from api.runtime import Runtime
from common.errors import InputTooLarge

__all__ = ["STATIC_DIR", "pages", "router"]

router = APIRouter(dependencies=[Depends(storable_params)])
pages = APIRouter()
STATIC_DIR = Path(__file__).with_name("static")


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _report(report: Any) -> dict[str, Any]:
    return {
        "kb": report.kb,
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "chunks_embedded": report.chunks_embedded,
        "errors": [e.message for e in report.errors],
        "skipped_files": report.skipped_files,
    }


@router.get("/kb", tags=["knowledge"])
async def list_kbs(request: Request) -> dict[str, Any]:
    bases = await run_in_threadpool(lambda: _rt(request).knowledge_index().bases())
    return {"knowledge_bases": [asdict(b) for b in bases]}


@router.post("/kb/{kb}/documents", tags=["knowledge"])
async def add_documents(request: Request, kb: str, files: list[UploadFile]) -> dict[str, Any]:
    """Upload knowledge files (FORMATS §3); each is added or replaces its documents."""
    rt = _rt(request)
    limit = int(rt.settings.max_upload_mb * 1024 * 1024)
    read: list[tuple[str, bytes]] = []
    for f in files:
        data = await f.read(limit + 1)
        if len(data) > limit:
            raise InputTooLarge(f"{f.filename} is larger than the {rt.settings.max_upload_mb} MB limit")
        read.append((f.filename or "", data))
    report = await run_in_threadpool(kb_service.index_uploaded_files, rt, kb, read)
    return _report(report)


@router.delete("/kb/{kb}", status_code=204, tags=["knowledge"])
async def remove_kb(request: Request, kb: str) -> None:
    await run_in_threadpool(lambda: _rt(request).knowledge_index().remove(kb))


@router.get("/kb/{kb}/search", tags=["knowledge"])
async def search(
    request: Request,
    kb: str,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    as_of: str | None = None,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    context: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
    tag: Annotated[list[str] | None, Query()] = None,
    mode: Literal["hybrid", "vector", "bm25"] = "hybrid",
) -> dict[str, Any]:
    rt = _rt(request)
    day = kb_service.parse_as_of(as_of)
    result, used = await run_in_threadpool(
        lambda: kb_service.search_kb(
            rt, kb, q, context=context or [], as_of=day, k=k, mode=mode, kinds=kind or [], tags=tag or []
        )
    )
    return {
        "query": result.query,
        "context_used": used,
        "threshold": result.threshold,
        "embed_ms": round(result.embed_ms, 2),
        "search_ms": round(result.search_ms, 2),
        "hits": [kb_service.hit_dict(h, result.threshold) for h in result.hits],
    }


@router.get("/kb/{kb}/documents/{doc_id:path}", tags=["knowledge"])
async def get_document(request: Request, kb: str, doc_id: str) -> dict[str, Any]:
    doc = await run_in_threadpool(lambda: _rt(request).knowledge_index().document(kb, doc_id))
    out = asdict(doc)
    for key in ("valid_from", "valid_to"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


class FeedbackIn(BaseModel):
    session_id: Text = Field(min_length=1, max_length=64)
    kb: Text = Field(min_length=1, max_length=100)
    doc_id: Text = Field(min_length=1, max_length=500)
    action: Literal["useful", "not_useful", "copied", "opened"]
    query: Text = Field(default="", max_length=2000)
    rank: int | None = Field(default=None, ge=0, le=10_000, description="The card's place in the list.")
    score: float | None = Field(default=None, allow_inf_nan=False)


@router.post("/assist/feedback", status_code=201, tags=["assist"])
async def post_feedback(request: Request, body: FeedbackIn) -> dict[str, int]:
    new_id = await run_in_threadpool(lambda: kb_service.record_feedback(_rt(request), **body.model_dump()))
    return {"id": new_id}


@router.get("/assist/feedback", tags=["assist"])
async def get_feedback(
    request: Request,
    kb: str | None = None,
    session_id: str | None = None,
    limit: int = Query(200, ge=1, le=5000),
) -> dict[str, Any]:
    rows = await run_in_threadpool(
        lambda: kb_service.list_feedback(_rt(request), kb=kb, session_id=session_id, limit=limit)
    )
    return {"feedback": [asdict(r) for r in rows]}


@router.get("/assist/recordings", tags=["assist"])
async def recordings(request: Request) -> dict[str, Any]:
    return {"recordings": live.list_recordings(_rt(request))}


@pages.get("/assist", include_in_schema=False)
async def assist_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "assist.html", media_type="text/html")
