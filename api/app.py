"""The FastAPI application: JSON API under ``/api``, OpenAPI docs at ``/docs``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.settings import Settings
from common.errors import CallscopeError, InputTooLarge, InvalidInput, NotFound, StorageError

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, run_worker: bool = True) -> FastAPI:
    """Build the app; with ``run_worker`` an in-process worker runs the queued jobs."""
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from api import jobs, live, routes, routes_analytics, routes_kb, routes_qa, routes_tags
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
    app.include_router(routes.router, prefix="/api")
    app.include_router(routes_kb.router, prefix="/api")
    app.include_router(routes_tags.router, prefix="/api")
    app.include_router(routes_qa.router, prefix="/api")
    app.include_router(routes_analytics.router, prefix="/api")
    app.include_router(live.router, prefix="/api")
    app.include_router(routes_kb.pages)
    app.include_router(routes_qa.pages)
    app.include_router(routes_analytics.pages)
    app.mount("/static", StaticFiles(directory=routes_kb.STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def _home() -> RedirectResponse:
        return RedirectResponse("/assist")

    status_of = ((NotFound, 404), (InputTooLarge, 413), (InvalidInput, 422), (StorageError, 503))

    @app.exception_handler(CallscopeError)
    async def _callscope_error(request: Request, exc: CallscopeError) -> JSONResponse:
        code = next((c for kind, c in status_of if isinstance(exc, kind)), 500)
        return JSONResponse(status_code=code, content={"detail": str(exc)})

    return app
