"""The job queue: procrastinate on the same PostgreSQL, with crash recovery.

A worker that dies mid-job leaves its job in ``doing``; its heartbeat stops, and the next worker or
``ingest`` run retries that job once the heartbeat is older than ``STALLED_AFTER_S``. Jobs are
idempotent on the content hash, so a retried job never stores a call twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy.exc
from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy

from api import pipeline, store
from api.runtime import Runtime
from common.db import to_libpq
from common.errors import CallscopeError, StorageError

__all__ = [
    "QUEUE",
    "TERMINAL",
    "bind_runtime",
    "drain",
    "make_app",
    "recover_stalled",
    "run_worker",
]

_log = logging.getLogger(__name__)

QUEUE = "ingest"
HEARTBEAT_S = 2.0
STALLED_AFTER_S = 8.0
TERMINAL = frozenset({"succeeded", "failed", "cancelled", "aborted"})
MAX_ATTEMPTS = 3
# Only errors that may pass are retried; bad input fails at once with its reason recorded.
_RETRY = RetryStrategy(
    max_attempts=MAX_ATTEMPTS,
    wait=2,
    retry_exceptions={StorageError, psycopg.OperationalError, sqlalchemy.exc.OperationalError, OSError},
)

_runtime: Runtime | None = None


def bind_runtime(rt: Runtime) -> None:
    """Tell the tasks of this process which database and models to use."""
    global _runtime
    _runtime = rt


def _rt() -> Runtime:
    if _runtime is None:
        raise RuntimeError("bind_runtime() must be called before a worker runs jobs")
    return _runtime


def _run(context: JobContext, source: str, content_hash: str, work: Callable[[], pipeline.Outcome]) -> str:
    job = context.job
    try:
        return work().call_id
    except Exception as exc:
        transient = isinstance(exc, tuple(_RETRY.retry_exceptions or ()))
        last_try = (job.attempts or 0) + 1 >= MAX_ATTEMPTS
        if not transient or last_try:
            reason = str(exc) if isinstance(exc, CallscopeError) else f"{type(exc).__name__}: {exc}"
            store.record_failure(
                _rt().db, source=source, reason=reason, content_hash=content_hash, job_id=job.id
            )
        raise


def ingest_recording(context: JobContext, *, audio_path: str, content_hash: str, source: str) -> str:
    return _run(
        context,
        source,
        content_hash,
        lambda: pipeline.ingest_recording(
            _rt(), audio_path=Path(audio_path), content_hash=content_hash, source=source
        ),
    )


def ingest_labeled_call(
    context: JobContext, *, record: dict[str, Any], audio_path: str | None, content_hash: str, source: str
) -> str:
    return _run(
        context,
        source,
        content_hash,
        lambda: pipeline.ingest_labeled_call(
            _rt(),
            record=record,
            audio_path=Path(audio_path) if audio_path else None,
            content_hash=content_hash,
            source=source,
        ),
    )


def make_app(rt: Runtime) -> App:
    """A procrastinate app on this runtime's database, with callscope's tasks registered."""
    bind_runtime(rt)
    app = App(connector=PsycopgConnector(conninfo=to_libpq(rt.db.url)))
    for fn in (ingest_recording, ingest_labeled_call):
        app.task(name=fn.__name__, queue=QUEUE, pass_context=True, retry=_RETRY)(fn)
    return app


_WORKER_OPTIONS: dict[str, Any] = {
    "queues": [QUEUE],
    "install_signal_handlers": False,
    "update_heartbeat_interval": HEARTBEAT_S,
    "stalled_worker_timeout": STALLED_AFTER_S,
    "fetch_job_polling_interval": 0.5,
}


async def recover_stalled(app: App) -> int:
    """Put the jobs of dead workers back in the queue; return how many."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER_S)
    )
    for job in stalled:
        _log.warning("retrying job %s left unfinished by a worker that stopped", job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


async def _statuses(app: App, job_ids: list[int]) -> dict[int, str]:
    rows = await app.connector.execute_query_all_async(
        "SELECT id, status::text AS status FROM procrastinate_jobs WHERE id = ANY(%(ids)s)", ids=job_ids
    )
    return {int(r["id"]): str(r["status"]) for r in rows}


async def drain(
    app: App,
    job_ids: list[int],
    *,
    process: bool = True,
    concurrency: int = 1,
    on_progress: Callable[[dict[int, str]], None] | None = None,
    poll_s: float = 0.3,
) -> dict[int, str]:
    """Wait until every job in ``job_ids`` has ended; run an in-process worker unless ``process`` is off."""
    worker: asyncio.Task[None] | None = None
    if process:
        worker = asyncio.create_task(app.run_worker_async(concurrency=concurrency, **_WORKER_OPTIONS))
    last_recovery = 0.0
    loop = asyncio.get_running_loop()
    try:
        while True:
            if loop.time() - last_recovery >= HEARTBEAT_S:
                await recover_stalled(app)
                last_recovery = loop.time()
            statuses = await _statuses(app, job_ids)
            if on_progress is not None:
                on_progress(statuses)
            if all(s in TERMINAL for s in statuses.values()):
                return statuses
            if worker is not None and worker.done():
                worker.result()  # a crashed worker raises here rather than hanging the loop
            await asyncio.sleep(poll_s)
    finally:
        if worker is not None and not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


async def run_worker(app: App, *, concurrency: int = 1, signal_handlers: bool = True) -> None:
    """A long-running worker (``callscope worker``) that also recovers jobs of dead workers."""

    async def recovery_loop() -> None:
        while True:
            await recover_stalled(app)
            await asyncio.sleep(HEARTBEAT_S)

    recovery = asyncio.create_task(recovery_loop())
    try:
        options = dict(_WORKER_OPTIONS, install_signal_handlers=signal_handlers)
        await app.run_worker_async(concurrency=concurrency, **options)
    finally:
        recovery.cancel()
