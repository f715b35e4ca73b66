"""HTTP routes for call tags (contact type, sentiment, repeat-call probability) and measured repeats."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api import store, tagging
from api.routes import Text, storable_params
from api.runtime import Runtime
from common.errors import NotFound

__all__ = ["router"]

router = APIRouter(tags=["tags"], dependencies=[Depends(storable_params)])


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


class TurnIn(BaseModel):
    speaker: Literal["agent", "customer", "unknown"]
    text: Text = Field(max_length=20_000)
    start: float | None = Field(default=None, allow_inf_nan=False)
    end: float | None = Field(default=None, allow_inf_nan=False)


class TagRequest(BaseModel):
    """A transcript to tag without storing it."""

    call_id: Text = Field(default="adhoc", max_length=200)
    turns: list[TurnIn] = Field(min_length=1, max_length=5000)


@router.get("/calls/{call_id}/tags")
async def get_tags(request: Request, call_id: str) -> dict[str, Any]:
    """The call's stored tags, with the model name and version behind each."""
    rt = _rt(request)
    await run_in_threadpool(store.get_call, rt.db, call_id)  # 404 for an unknown call
    tags = await run_in_threadpool(store.get_tags, rt.db, call_id)
    if tags is None:
        raise NotFound(f"call '{call_id}' has no tags yet; POST /api/calls/{call_id}/tags computes them")
    return {"call_id": call_id, **tags}


@router.post("/calls/{call_id}/tags")
async def retag(request: Request, call_id: str) -> dict[str, Any]:
    """Compute the call's tags with the current models and store them."""
    tags = await run_in_threadpool(tagging.tag_calls, _rt(request), [call_id])
    return tags[0]


@router.post("/tag")
async def tag_transcript(request: Request, body: TagRequest) -> dict[str, Any]:
    """Tag a transcript given in the request (nothing is stored)."""
    from asr import Turn
    from qa_models import TagInput

    turns = [Turn(t.speaker, t.start or 0.0, t.end or t.start or 0.0, t.text) for t in body.turns]
    tagger = _rt(request).tagger()
    tags = await run_in_threadpool(tagger.tag, TagInput(body.call_id, turns))
    return {"call_id": body.call_id, **tags.to_dict()}


@router.get("/repeats")
async def repeat_rates(
    request: Request,
    by: Literal["contact_type", "queue", "agent_id"] = "contact_type",
    window_days: Annotated[
        float | None, Query(gt=0, le=3650, description="How long after a call a contact is a repeat")
    ] = None,
) -> dict[str, Any]:
    """Measured repeat rate and first-contact resolution over the stored calls."""
    report = await run_in_threadpool(
        tagging.measure_stored_repeats, _rt(request), by=by, window_days=window_days
    )
    return {
        "by": by,
        "overall": asdict(report.overall),
        "rates": [asdict(r) for r in report.rates],
        "repeated_calls": [asdict(m) for m in report.marks if m.repeated],
    }
