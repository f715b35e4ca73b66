"""The FastAPI application: JSON API under ``/api``, OpenAPI docs at ``/docs``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from api.auth import AuthError
from api.settings import Settings
from common.errors import CallscopeError, InputTooLarge, InvalidInput, NotFound, StorageError

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, run_worker: bool = True) -> FastAPI:
    """Build the app; with ``run_worker`` an in-process worker runs the queued jobs."""
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from api import (
        access,
        jobs,
        live,
        load_shedding,
        routes,
        routes_analytics,
        routes_auth,
        routes_kb,
        routes_privacy,
        routes_qa,
        routes_tags,
    )
    from api.runtime import open_runtime

    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = await asyncio.to_thread(open_runtime, settings)
        job_app = jobs.make_app(rt)
        async with job_app.open_async():
            app.state.runtime = rt
            app.state.jobs = job_app
            worker = (
                asyncio.create_task(jobs.run_worker(job_app, signal_handlers=False)) if run_worker else None
            )
            try:
                yield
            finally:
                if worker is not None:
                    worker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker

    app = FastAPI(
        title="callscope",
        summary="Contact-center transcription, redaction, agent assist and auto-QA.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # Past max_in_flight requests wait briefly, then get 503 + Retry-After (health checks never do).
    load_shedding.install(
        app,
        max_in_flight=settings.max_in_flight,
        max_wait_s=settings.queue_wait_s,
        max_queued=settings.max_queued,
        retry_after_s=settings.retry_after_s,
    )
    # Every /api route and WebSocket checks the caller (access.POLICY); every page too (access.PAGES).
    api = [Depends(access.authorize)]
    for router in (
        routes.router,
        routes_kb.router,
        routes_tags.router,
        routes_qa.router,
        routes_analytics.router,
        routes_auth.router,
        routes_privacy.router,
        live.router,
    ):
        app.include_router(router, prefix=access.API_PREFIX, dependencies=api)
    for pages in (routes_kb.pages, routes_qa.pages, routes_analytics.pages):
        app.include_router(pages, dependencies=[Depends(access.guard_page)])
    app.include_router(routes_auth.pages)
    app.mount("/static", StaticFiles(directory=routes_kb.STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def _home(request: Request) -> RedirectResponse:
        from fastapi.concurrency import run_in_threadpool

        principal = await run_in_threadpool(access.credentials, request, app.state.runtime)
        return RedirectResponse(access.home_for(principal.role) if principal else "/login")

    status_of = (
        (AuthError, 401),
        (NotFound, 404),
        (InputTooLarge, 413),
        (InvalidInput, 422),
        (StorageError, 503),
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own handler echoes the input; ASCII-escaped, a lone surrogate in it cannot
        # turn the 422 into a 500.
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True, default=str)
        return Response(body, status_code=422, media_type="application/json")

    @app.exception_handler(CallscopeError)
    async def _callscope_error(request: Request, exc: CallscopeError) -> JSONResponse:
        code = next((c for kind, c in status_of if isinstance(exc, kind)), 500)
        return JSONResponse(status_code=code, content={"detail": str(exc)})

    return app
