"""PostgreSQL restarted in the middle of ingest jobs: every job still ends, each call is stored exactly
once, and a request made during the outage gets 503 with a reason instead of 500.

The server here is a separate embedded PostgreSQL in its own folder (the session's server is shared by
every test and must not be stopped); "restart" is ``pg_ctl stop -m fast`` and a start on the same data
folder and socket.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import jobs, load_shedding, store
from api.ingest import IngestReport, ingest_paths
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from asr import Transcript
from common.db import embedded_server_url
from privacy import RedactionResult
from tests.fakes import FakeRedactor

pytestmark = pytest.mark.slow

CALLS = 30
POOL_TIMEOUT_S = 1.0  # shorter than the outage: the worker loses the database, not only waits for it
OUTAGE_S = 3.0


@dataclass(slots=True)
class RestartableServer:
    pgdata: Path
    url: str
    socket_dir: Path
    user: str | None  # the system user the server runs as (pgserver uses one when tests run as root)

    def pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def stop(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        log = str(self.pgdata / "log")
        self.pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")


@pytest.fixture
def server() -> Iterator[RestartableServer]:
    """A server of this test's own, stopped and deleted at the end (outside pytest's tree: the server
    runs as another user when tests run as root)."""
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="callscope-restart-pg-")).resolve()
    url = embedded_server_url(pgdata)  # left running (not ephemeral): this fixture stops it
    handle = pgserver.get_server(pgdata)
    socket_dir = handle.get_postmaster_info().socket_dir
    assert socket_dir is not None
    srv = RestartableServer(pgdata, url, socket_dir, handle.system_user)

    def remove() -> None:
        with contextlib.suppress(Exception):
            srv.stop()
        shutil.rmtree(pgdata, ignore_errors=True)

    atexit.register(remove)  # also if pytest itself crashes before the teardown
    try:
        yield srv
    finally:
        remove()
        atexit.unregister(remove)


class SlowRedactor(FakeRedactor):
    """Makes each job take a while, so the restart lands while jobs run."""

    def redact_transcript(self, transcript: Transcript) -> RedactionResult:
        time.sleep(0.1)
        return FakeRedactor.redact_transcript(self, transcript)


@pytest.fixture
def rt(server: RestartableServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setattr(jobs, "POOL_TIMEOUT_S", POOL_TIMEOUT_S)
    settings = Settings(
        home=tmp_path / "home", database_url=server.url, tag_on_ingest=False, qa_on_ingest=False
    )
    runtime = open_runtime(settings)
    runtime.redactor_impl = SlowRedactor()
    yield runtime
    runtime.db.dispose()


def _calls_file(folder: Path) -> Path:
    path = folder / "calls.jsonl"
    lines = [
        json.dumps(
            {
                "call_id": f"chat-{i}",
                "channel": "chat",
                "turns": [
                    {"speaker": "agent", "text": "Brightline chat, how can I help?"},
                    {"speaker": "customer", "text": f"My order {1000 + i} has not arrived."},
                ],
            }
        )
        for i in range(CALLS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _stored(rt: Runtime) -> int:
    with rt.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM calls")).scalar() or 0)


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


def _assert_each_call_stored_once(rt: Runtime) -> None:
    with rt.db.engine.connect() as conn:
        calls, hashes = conn.execute(text("SELECT count(*), count(DISTINCT content_hash) FROM calls")).one()
        ids = {r[0] for r in conn.execute(text("SELECT id FROM calls"))}
        statuses = dict(
            conn.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")).all()
        )
    assert (calls, hashes) == (CALLS, CALLS)
    assert ids == {f"chat-{i}" for i in range(CALLS)}
    assert statuses == {"succeeded": CALLS}  # no job lost, none queued twice, none failed for good


def _api(rt: Runtime, lifespan: Any = None) -> FastAPI:
    """Routes that read the database the ways the app's routes do (SQLAlchemy in a thread, the job
    queue's connector), with what ``load_shedding.install`` adds. Not ``create_app``: its routes also
    need a signed-in caller, which is not what this test is about."""
    app = FastAPI(lifespan=lifespan)
    app.state.runtime = rt

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/calls/count")
    async def calls() -> dict[str, int]:
        return {"calls": await run_in_threadpool(store.call_count, rt.db)}

    @app.get("/api/jobs/count")
    async def queued(request: Request) -> dict[str, int]:
        rows = await request.app.state.jobs.connector.execute_query_all_async(
            "SELECT count(*) AS n FROM procrastinate_jobs"
        )
        return {"jobs": int(rows[0]["n"])}

    load_shedding.install(app)
    return app


def _outage_answer(client: TestClient, path: str = "/api/calls/count") -> None:
    """A request while the database is down: 503, Retry-After, a reason; health still answers."""
    r = client.get(path)
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1
    detail = r.json()["detail"]
    assert "database cannot be reached" in detail and "try again" in detail, detail
    assert client.get("/api/health").status_code == 200


def test_ingest_rides_out_a_database_restart(
    rt: Runtime, server: RestartableServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="api.jobs")
    calls = _calls_file(tmp_path)
    result: dict[str, IngestReport | BaseException] = {}

    def run() -> None:
        try:
            result["report"] = ingest_paths(rt, [calls])
        except BaseException as exc:  # handed to the test thread
            result["error"] = exc

    ingest = threading.Thread(target=run, name="ingest")
    ingest.start()
    with TestClient(_api(rt)) as client:
        try:
            _wait_for(lambda: _stored(rt) >= 5, 60, "the first calls stored")
            server.stop()
            assert _stored_during_outage_fails(rt)
            _outage_answer(client)
            time.sleep(OUTAGE_S)
        finally:
            server.start()
        ingest.join(180)
        assert not ingest.is_alive(), "ingest did not finish after the database came back"
        assert "error" not in result, repr(result.get("error"))
        report = result["report"]
        assert isinstance(report, IngestReport)
        assert report.failed == [] and sorted(report.stored) == sorted(f"chat-{i}" for i in range(CALLS))
        _assert_each_call_stored_once(rt)
        assert client.get("/api/calls/count").json() == {"calls": CALLS}  # the engine reconnected
    # The outage was seen (not slept through): the worker or the polling lost the database.
    assert any("cannot be reached" in r.getMessage() for r in caplog.records), caplog.text


def _stored_during_outage_fails(rt: Runtime) -> bool:
    try:
        _stored(rt)
    except Exception as exc:
        return load_shedding.database_unavailable(exc)
    return False


def test_server_worker_rides_out_a_database_restart(
    rt: Runtime, server: RestartableServer, tmp_path: Path
) -> None:
    """The server's own worker (``jobs.run_worker``, as ``create_app`` runs it) keeps going."""
    queued = ingest_paths(rt, [_calls_file(tmp_path)], process=False)
    assert queued.queued == CALLS and _stored(rt) == 0

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        job_app = jobs.make_app(rt)
        async with job_app.open_async():
            app.state.jobs = job_app
            worker = asyncio.create_task(jobs.run_worker(job_app, signal_handlers=False))
            try:
                yield
            finally:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
                app.state.worker_error = None if worker.cancelled() else worker.exception()

    app = _api(rt, lifespan)
    with TestClient(app) as client:
        try:
            _wait_for(lambda: _stored(rt) >= 5, 60, "the first calls stored")
            server.stop()
            _outage_answer(client)
            _outage_answer(client, "/api/jobs/count")  # the queue's pool gives up after POOL_TIMEOUT_S
            time.sleep(OUTAGE_S)
        finally:
            server.start()
        assert client.get("/api/calls/count").status_code == 200  # the engine reconnects at once
        # The queue's pool reconnects in the background, with backoff: 503 until then.
        _wait_for(lambda: client.get("/api/jobs/count").status_code == 200, 30, "the queue reconnected")
        assert client.get("/api/jobs/count").json() == {"jobs": CALLS}
        _wait_for(lambda: _stored(rt) == CALLS and _all_ended(rt), 180, "every job ended")
    assert getattr(app.state, "worker_error", None) is None
    _assert_each_call_stored_once(rt)


def _all_ended(rt: Runtime) -> bool:
    with rt.db.engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE status NOT IN ('succeeded', 'failed')")
        ).scalar()
    return left == 0


def test_a_long_outage_ends_ingest_with_a_storage_error(
    rt: Runtime, server: RestartableServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``DRAIN_OUTAGE_S`` the command stops and says what to do; what was queued stays queued."""
    from common.errors import StorageError

    monkeypatch.setattr(jobs, "DRAIN_OUTAGE_S", 2.0)
    calls = _calls_file(tmp_path)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ingest_paths(rt, [calls])
        except BaseException as exc:
            errors.append(exc)

    ingest = threading.Thread(target=run, name="ingest")
    ingest.start()
    try:
        _wait_for(lambda: _stored(rt) >= 2, 60, "the first calls stored")
        server.stop()
        ingest.join(60)
    finally:
        server.start()
    assert not ingest.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], StorageError), errors
    assert "cannot be reached" in str(errors[0]) and "CALLSCOPE_DATABASE_URL" in str(errors[0])
    # The next run finishes the rest, each call once.
    report = ingest_paths(rt, [calls])
    assert report.failed == []
    _assert_each_call_stored_once(rt)
