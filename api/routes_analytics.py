"""HTTP routes of the manager's view: one endpoint per figure, all with the same filters, each as JSON
or CSV (``format=csv``); the calls behind any figure's cell; ACD import; Erlang C staffing; and the
dashboard pages, with Plotly served from the installed ``plotly`` package."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from api import access, acd_import, analytics_service, uploads
from api.analytics_service import Figure, View
from api.routes import BIGINT_MAX, storable_params
from api.routes_kb import STATIC_DIR
from api.runtime import Runtime
from common.errors import InputTooLarge, NotFound

__all__ = ["pages", "router"]

router = APIRouter(prefix="/analytics", tags=["analytics"], dependencies=[Depends(storable_params)])
pages = APIRouter()

By = Literal["contact_type", "contact_group", "queue", "team", "agent", "channel"]


def _rt(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def _view(
    request: Request,
    since: Annotated[
        str | None, Query(description="Start (YYYY-MM-DD or ISO time, UTC); default: 28 days back")
    ] = None,
    until: Annotated[
        str | None, Query(description="End, exclusive; default: the day after the newest call")
    ] = None,
    granularity: Literal["interval", "day", "week"] = "day",
    interval_minutes: Annotated[int, Query(ge=5, le=1440)] = 30,
    queue: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    channel: str | None = None,
    contact_type: Annotated[str | None, Query(description="A type, or a group such as 'billing'")] = None,
    generated: Annotated[
        bool | None, Query(description="Only generated (true) or only real (false) calls")
    ] = None,
) -> View:
    return await run_in_threadpool(
        analytics_service.make_view,
        _rt(request),
        since=since,
        until=until,
        granularity=granularity,
        interval_minutes=interval_minutes,
        queue=queue,
        team=team,
        agent=agent,
        channel=channel,
        contact_type=contact_type,
        generated=generated,
        teams=access.scope_teams(access.current(request)),
    )


ViewDep = Annotated[View, Depends(_view)]
Format = Annotated[Literal["json", "csv"], Query(description="csv: the table as a CSV download")]


def _out(figure: Figure, fmt: str) -> Any:
    if fmt == "csv":
        return Response(
            figure.to_csv(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{figure.name}.csv"'},
        )
    return figure.to_dict()


@router.get("/overview")
async def overview(request: Request, view: ViewDep, format: Format = "json") -> Any:
    """Calls, AHT, repeat rate, FCR, negative share and QA for the period and the one before."""
    return _out(await run_in_threadpool(analytics_service.overview, _rt(request), view), format)


@router.get("/contact-types")
async def contact_types(
    request: Request, view: ViewDep, level: Literal["type", "group"] = "type", format: Format = "json"
) -> Any:
    """The contact-type mix per bucket, change against the previous period, and surges."""
    return _out(
        await run_in_threadpool(analytics_service.contact_types, _rt(request), view, level=level), format
    )


@router.get("/topics")
async def topics(request: Request, view: ViewDep, format: Format = "json") -> Any:
    """Topics of the reasons outside the taxonomy, with growth and the emerging flag."""
    return _out(await run_in_threadpool(analytics_service.topics, _rt(request), view), format)


@router.get("/repeats")
async def repeats(request: Request, view: ViewDep, by: By = "agent", format: Format = "json") -> Any:
    """Repeat-call rate and first-contact resolution by contact type, queue, team or agent."""
    return _out(await run_in_threadpool(analytics_service.repeats, _rt(request), view, by=by), format)


@router.get("/sentiment")
async def sentiment(request: Request, view: ViewDep, by: By | None = None, format: Format = "json") -> Any:
    """Customer sentiment per bucket, or by ``by``."""
    return _out(await run_in_threadpool(analytics_service.sentiment, _rt(request), view, by=by), format)


@router.get("/qa")
async def qa(request: Request, view: ViewDep, by: By = "agent", format: Format = "json") -> Any:
    """QA score, pass rate, items failed most and training needs by agent, team or queue."""
    return _out(await run_in_threadpool(analytics_service.qa_by, _rt(request), view, by=by), format)


@router.get("/conversation")
async def conversation(request: Request, view: ViewDep, by: By = "agent", format: Format = "json") -> Any:
    """Talk ratio, dead air, overtalk, hold and handle time."""
    return _out(await run_in_threadpool(analytics_service.conversation, _rt(request), view, by=by), format)


@router.get("/service-level")
async def service_level(
    request: Request,
    view: ViewDep,
    target: Annotated[str | None, Query(description="e.g. 80/20; default: the setting")] = None,
    format: Format = "json",
) -> Any:
    """Service-level KPIs from the ACD records, with Erlang C staffing next to the actual figures."""
    return _out(
        await run_in_threadpool(analytics_service.service_level, _rt(request), view, target=target), format
    )


@router.get("/calls")
async def calls(
    request: Request,
    view: ViewDep,
    sentiment: str | None = None,
    topic: Annotated[int | None, Query(ge=0, le=BIGINT_MAX)] = None,
    repeated: bool | None = None,
    failed_item: str | None = None,
    qa_passed: bool | None = None,
    min_silence: Annotated[float | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
    format: Format = "json",
) -> Any:
    """The calls behind a figure: the same filters as the figure plus the cell's condition."""
    conditions = {
        k: v
        for k, v in {
            "sentiment": sentiment,
            "topic": topic,
            "repeated": repeated,
            "failed_item": failed_item,
            "qa_passed": qa_passed,
            "min_silence": min_silence,
        }.items()
        if v is not None
    }
    total, figure = await run_in_threadpool(
        analytics_service.drill, _rt(request), view, conditions, limit=limit, offset=offset
    )
    if format == "csv":
        return _out(figure, format)
    return {**figure.to_dict(), "total": total, "limit": limit, "offset": offset}


@router.get("/calls/{call_id}/conversation")
async def call_conversation(request: Request, call_id: str) -> dict[str, Any]:
    """One call's conversation metrics with its silence, hold and overtalk segments (null for text)."""
    return await run_in_threadpool(analytics_service.call_conversation, _rt(request), call_id)


@router.post("/acd")
async def import_acd(request: Request, file: UploadFile) -> dict[str, Any]:
    """Upload ACD contact records as CSV (docs/acd-records.md). A bad row stores nothing of the file."""
    rt = _rt(request)
    limit = int(rt.settings.max_upload_mb * 1024 * 1024)
    name = Path(file.filename or "upload.csv").name
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(
            f"{name} is larger than the {rt.settings.max_upload_mb} MB limit (CALLSCOPE_MAX_UPLOAD_MB)"
        )
    uploads.refuse_nul_bytes(name, data)
    return asdict(await run_in_threadpool(acd_import.import_acd_data, rt, name, data))


@router.get("/staffing")
async def staffing(
    volume: Annotated[float, Query(ge=0, le=10_000_000, description="Contacts offered per interval")],
    aht: Annotated[float, Query(gt=0, le=86_400, description="Average handle time, seconds")],
    interval: Annotated[float, Query(gt=0, le=1440, description="Interval, minutes")] = 30,
    target: str = "80/20",
    # Erlang C walks agent counts one by one: bounded like the traffic (analytics.erlang.MAX_ERLANGS).
    agents: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    """Erlang C: the agents needed to reach the target, and what ``agents`` would reach."""
    from analytics.erlang import ServiceTarget, agents_needed, evaluate_staffing

    goal = ServiceTarget.parse(target)

    def compute() -> dict[str, Any]:
        needed = agents_needed(volume, aht, interval * 60, goal)
        given = evaluate_staffing(volume, aht, interval * 60, agents, goal) if agents else None
        return {"needed": _staffing(needed), "given": _staffing(given) if given else None}

    # CPU work off the event loop: a big queue must not stall every other request.
    return await run_in_threadpool(compute)


def _staffing(result: Any) -> dict[str, Any]:
    d = asdict(result)
    d["target"] = str(result.target)
    return {k: (None if isinstance(v, float) and v == float("inf") else v) for k, v in d.items()}


@router.post("/refresh")
async def refresh(request: Request) -> dict[str, int]:
    """Rebuild every call's facts, re-measure repeats and re-cluster topics (long on big histories)."""
    from api.analytics_facts import refresh_analytics

    return await run_in_threadpool(refresh_analytics, _rt(request))


# ------------------------------------------------------------------------------------- pages


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@pages.get("/analytics", include_in_schema=False)
async def dashboard_page() -> FileResponse:
    return _page("analytics.html")


@pages.get("/analytics/calls", include_in_schema=False)
async def calls_page() -> FileResponse:
    return _page("analytics-calls.html")


@pages.get("/vendor/plotly.min.js", include_in_schema=False)
async def plotly_js() -> FileResponse:
    """plotly.js from the installed Python package: the dashboard works offline, with no CDN."""
    return FileResponse(
        plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


def plotly_js_path() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise NotFound(
            f"plotly.min.js is missing from the installed plotly package ({path}); reinstall plotly"
        )
    return path
