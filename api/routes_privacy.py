"""HTTP routes for data-subject rights and retention: delete a call everywhere, purge old calls."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api import data_rights
from api.runtime import Runtime

__all__ = ["router"]

router = APIRouter(tags=["privacy"])


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


class DeletedOut(BaseModel):
    call_id: str
    rows: dict[str, int] = Field(description="Rows deleted (or unlinked, where the key says so) by table.")
    files_removed: list[str]
    files_kept: list[str] = Field(description="Recordings outside callscope's home, left in place.")


class RetentionIn(BaseModel):
    older_than_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="Purge calls that started more than this many days ago; "
        "empty: the retention_days setting.",
    )
    dry_run: bool = Field(default=False, description="Change nothing; report what would be purged.")


class RetentionOut(BaseModel):
    older_than_days: int
    cutoff: datetime
    dry_run: bool
    calls: int
    call_ids: list[str] = Field(description="The first calls purged (or that would be).")
    files: int
    rows: dict[str, int]
    busy: list[str] = Field(description="Calls left for the next run: an ingest job is running on them.")


@router.delete("/calls/{call_id}", response_model=DeletedOut, tags=["calls"])
async def delete_call(request: Request, call_id: str) -> DeletedOut:
    """Delete a call everywhere: its rows in every table, its ingest jobs, its reason among topic
    examples, and its recording (original and redacted). Cannot be undone."""
    deleted = await run_in_threadpool(data_rights.delete_call, _rt(request), call_id)
    return DeletedOut.model_validate(asdict(deleted))


@router.post("/admin/retention", response_model=RetentionOut)
async def retention(request: Request, body: RetentionIn) -> RetentionOut:
    """Purge calls older than the retention period down to their de-identified facts (the dashboard's
    figures do not change); ``dry_run`` reports what would be purged."""
    report = await run_in_threadpool(
        lambda: data_rights.apply_retention(
            _rt(request), dry_run=body.dry_run, older_than_days=body.older_than_days
        )
    )
    return RetentionOut.model_validate(asdict(report))
