"""The job queue: procrastinate on the same PostgreSQL, with crash recovery.

A worker that dies mid-job leaves its job in ``doing``; its heartbeat stops, and the next worker or
``ingest`` run retries that job once the heartbeat is older than ``STALLED_AFTER_S``. Jobs are
idempotent on the content hash, so a retried job never stores a call twice.

The database may go away (a restart, a network cut): a query waits ``POOL_TIMEOUT_S`` for a
connection, a job that found it unreachable is retried with backoff (up to ``OUTAGE_ATTEMPTS``), a
worker that stops because of it is started again once the database answers, and ``drain`` keeps
polling through the outage. Jobs a stopped worker left running are retried as stalled.
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
from procrastinate.jobs import Job
from procrastinate.retry import RetryDecision

from api import pipeline, store
from api.load_shedding import database_unavailable, storage_error
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
OUTAGE_ATTEMPTS = 10  # an unreachable database is retried longer: a restart takes seconds
POOL_TIMEOUT_S = 5.0  # a query waits this long for a database connection, then fails
DRAIN_OUTAGE_S = 120.0  # how long ``drain`` (``callscope ingest``) waits for an unreachable database


class _Retry(RetryStrategy):
    """Only errors that may pass are retried; bad input fails at once with its reason recorded. An
    unreachable database is retried with a growing wait (1, 2, 4 ... 30 s) up to ``OUTAGE_ATTEMPTS``
    rather than ``MAX_ATTEMPTS``, so a database restart does not fail the jobs it interrupted."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if database_unavailable(exception) and job.attempts < OUTAGE_ATTEMPTS:
            return RetryDecision(retry_in={"seconds": min(2**job.attempts, 30)})
        return super().get_retry_decision(exception=exception, job=job)


_RETRY = _Retry(
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
        if _RETRY.get_retry_decision(exception=exc, job=job) is None:  # no retry follows: record why
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
    app = App(connector=PsycopgConnector(conninfo=to_libpq(rt.db.url), timeout=POOL_TIMEOUT_S))
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


class _Outage:
    """Tracks how long the database has been unreachable; gives up after ``limit_s`` (None: never)."""

    def __init__(self, what: str, limit_s: float | None) -> None:
        self.what = what
        self.limit_s = limit_s
        self.since: float | None = None

    def failed(self, exc: BaseException) -> None:
        """Note a failure: re-raise what is not an outage, or an outage past the limit."""
        if not database_unavailable(exc):
            raise exc
        now = asyncio.get_running_loop().time()
        if self.since is None:
            self.since = now
            _log.warning("%s: the database cannot be reached (%s); waiting for it", self.what, exc)
        elif self.limit_s is not None and now - self.since > self.limit_s:
            raise storage_error(exc, waited_s=self.limit_s) from exc

    def ok(self) -> None:
        if self.since is not None:
            _log.warning("%s: the database answers again", self.what)
            self.since = None


async def _wait_for_database(app: App, outage: _Outage) -> None:
    delay = 0.5
    while True:
        try:
            await app.check_connection_async()
        except Exception as exc:
            outage.failed(exc)
        else:
            outage.ok()
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)


async def _supervise(app: App, *, concurrency: int, signal_handlers: bool, outage_s: float | None) -> None:
    """Run a worker until stopped (a signal, a cancellation). A worker that ends because the database
    went away (its heartbeat or job fetch failed) is replaced once the database answers; the jobs it
    left in ``doing`` go back to the queue as stalled."""
    from procrastinate import signals
    from procrastinate.worker import Worker

    options = dict(_WORKER_OPTIONS, concurrency=concurrency)
    stopping = False
    current: Worker | None = None

    def stop() -> None:
        nonlocal stopping
        stopping = True
        if current is not None:
            current.stop()

    loop = asyncio.get_running_loop()
    outage = _Outage("job worker", outage_s)
    with signals.on_stop(stop) if signal_handlers else contextlib.nullcontext():
        while not stopping:
            current = Worker(app=app, **options)
            started = loop.time()
            try:
                await current.run()
            except Exception as exc:
                outage.failed(exc)  # raises unless the database went away
            if stopping:
                return
            # It stopped on its own: a side task (heartbeat, listener) failed, which procrastinate
            # logged; when the database is the cause, waiting for it is all there is to do.
            _log.warning("the job worker stopped; starting a new one once the database answers")
            if loop.time() - started < 1.0:
                await asyncio.sleep(1.0)  # no tight loop when a worker cannot start
            await _wait_for_database(app, outage)


async def drain(
    app: App,
    job_ids: list[int],
    *,
    process: bool = True,
    concurrency: int = 1,
    on_progress: Callable[[dict[int, str]], None] | None = None,
    poll_s: float = 0.3,
    outage_s: float | None = DRAIN_OUTAGE_S,
) -> dict[int, str]:
    """Wait until every job in ``job_ids`` has ended; run an in-process worker unless ``process`` is
    off. An unreachable database is waited for up to ``outage_s`` seconds, then ``StorageError``."""
    worker: asyncio.Task[None] | None = None
    if process:
        worker = asyncio.create_task(
            _supervise(app, concurrency=concurrency, signal_handlers=False, outage_s=outage_s)
        )
    last_recovery = 0.0
    loop = asyncio.get_running_loop()
    outage = _Outage("ingest", outage_s)
    try:
        while True:
            if worker is not None and worker.done():
                worker.result()  # a crashed worker raises here rather than hanging the loop
            try:
                if loop.time() - last_recovery >= HEARTBEAT_S:
                    await recover_stalled(app)
                    last_recovery = loop.time()
                statuses = await _statuses(app, job_ids)
            except Exception as exc:
                outage.failed(exc)
                await asyncio.sleep(poll_s)
                continue
            outage.ok()
            if on_progress is not None:
                on_progress(statuses)
            if all(s in TERMINAL for s in statuses.values()):
                return statuses
            await asyncio.sleep(poll_s)
    finally:
        if worker is not None and not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


async def run_worker(app: App, *, concurrency: int = 1, signal_handlers: bool = True) -> None:
    """A long-running worker (``callscope worker``, the server's) that also recovers jobs of dead
    workers, and outlives database restarts."""

    async def recovery_loop() -> None:
        outage = _Outage("stalled-job recovery", None)
        while True:
            try:
                await recover_stalled(app)
            except Exception as exc:
                outage.failed(exc)  # an outage is waited out; anything else ends the loop, logged below
            else:
                outage.ok()
            await asyncio.sleep(HEARTBEAT_S)

    def report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("stalled-job recovery stopped", exc_info=task.exception())

    recovery = asyncio.create_task(recovery_loop())
    recovery.add_done_callback(report)
    try:
        await _supervise(app, concurrency=concurrency, signal_handlers=signal_handlers, outage_s=None)
    finally:
        recovery.cancel()
