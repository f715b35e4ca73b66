"""A worker killed mid-ingest loses nothing: the next run, or another worker, finishes every file exactly
once (real models)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from api.runtime import Runtime
from tests.conftest import DATA

pytestmark = pytest.mark.slow

FILES = ["jfk.flac", "stereo_diarization.wav", "librivox-0870.wav", "librivox-0890.wav", "librivox-0920.wav"]


def _counts(rt: Runtime) -> tuple[int, int, int]:
    with rt.db.engine.connect() as conn:
        calls = conn.execute(text("SELECT count(*) FROM calls")).scalar() or 0
        doing = (
            conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")).scalar() or 0
        )
        hashes = conn.execute(text("SELECT count(DISTINCT content_hash) FROM calls")).scalar() or 0
    return int(calls), int(doing), int(hashes)


def _running_job(rt: Runtime) -> int | None:
    with rt.db.engine.connect() as conn:
        return conn.execute(text("SELECT min(id) FROM procrastinate_jobs WHERE status = 'doing'")).scalar()


def _ingest_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-c", "from api.cli import main; main()", "ingest", str(folder)]


def test_kill_during_ingest_then_rerun_finishes_all_exactly_once(
    runtime: Runtime, env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    for name in FILES:
        shutil.copy(DATA / name, folder / name)
    proc_env = dict(os.environ, **env)
    proc = subprocess.Popen(
        _ingest_cmd(folder), env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    killed_mid_job = False
    seen: tuple[int, float] | None = None  # (job id, first seen running)
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            job = _running_job(runtime)
            if job is None or _counts(runtime)[0] == 0:
                seen = None
            elif seen is None or seen[0] != job:
                seen = (job, time.monotonic())
            elif time.monotonic() - seen[1] > 0.3:  # well inside a job that takes seconds
                proc.send_signal(signal.SIGKILL)
                killed_mid_job = True
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
    assert killed_mid_job, "the ingest finished before it could be killed mid-job"
    calls_after_kill, doing_after_kill, _ = _counts(runtime)
    assert 1 <= calls_after_kill < len(FILES) and doing_after_kill == 1

    rerun = subprocess.run(_ingest_cmd(folder), env=proc_env, capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr
    calls, doing, distinct = _counts(runtime)
    assert (calls, doing, distinct) == (len(FILES), 0, len(FILES))
    with runtime.db.engine.connect() as conn:
        statuses = conn.execute(
            text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")
        ).all()
    assert dict(statuses) == {"succeeded": len(FILES)}
    assert "failed 0" in rerun.stderr


def _worker_cmd() -> list[str]:
    return [sys.executable, "-c", "from api.cli import main; main()", "worker"]


def _statuses(rt: Runtime) -> dict[str, int]:
    with rt.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")).all()
    return {str(s): int(n) for s, n in rows}


def test_worker_killed_mid_job_another_finishes_and_stops_on_ctrl_c(
    runtime: Runtime, env: dict[str, str], tmp_path: Path
) -> None:
    """`callscope worker` killed mid-job: a second worker retries the dead one's job once its heartbeat
    is stale, stores every call once, and Ctrl-C (SIGINT) stops it cleanly."""
    from api.ingest import ingest_paths

    names = FILES[:3]
    folder = tmp_path / "recordings"
    folder.mkdir()
    for name in names:
        shutil.copy(DATA / name, folder / name)
    assert ingest_paths(runtime, [folder], process=False).queued == len(names)
    proc_env = dict(os.environ, **env)
    first = subprocess.Popen(_worker_cmd(), env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    seen: tuple[int, float] | None = None
    try:
        while time.monotonic() < deadline and first.poll() is None:
            job = _running_job(runtime)
            if job is None or _counts(runtime)[0] == 0:
                seen = None
            elif seen is None or seen[0] != job:
                seen = (job, time.monotonic())
            elif time.monotonic() - seen[1] > 0.3:
                first.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(30)
    assert first.returncode == -signal.SIGKILL and seen is not None, "the worker was not killed mid-job"
    assert _statuses(runtime).get("doing") == 1

    second = subprocess.Popen(_worker_cmd(), env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while _statuses(runtime) != {"succeeded": len(names)} and time.monotonic() < deadline:
            assert second.poll() is None, second.stdout.read() if second.stdout else ""
            time.sleep(0.2)
        second.send_signal(signal.SIGINT)
        output, _ = second.communicate(timeout=60)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(30)
    assert second.returncode == 0, output.decode(errors="replace")[-3000:]
    assert _statuses(runtime) == {"succeeded": len(names)}
    calls, doing, distinct = _counts(runtime)
    assert (calls, doing, distinct) == (len(names), 0, len(names))
    with runtime.db.engine.connect() as conn:
        # A finished run counts one attempt, and so does the retry of a job a dead worker left.
        retried = conn.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE attempts > 1")).scalar()
    assert retried == 1  # the killed worker's job, and only it


def test_a_rerun_sees_the_job_of_a_call_stored_just_before_the_kill_end(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Killed after its call was stored but before its job ended, a run leaves that job "doing"; the
    next run skips the file as stored, and waits for the job to be recovered and end."""
    from api.ingest import ingest_paths

    audio = tmp_path / FILES[0]
    shutil.copy(DATA / FILES[0], audio)
    assert len(ingest_paths(runtime, [audio]).stored) == 1
    with runtime.db.engine.begin() as conn:  # as a worker killed at that moment leaves it
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = NULL"))
    assert _statuses(runtime) == {"doing": 1}
    report = ingest_paths(runtime, [audio])
    assert report.skipped == [str(audio)] and report.stored == []
    assert _statuses(runtime) == {"succeeded": 1}
    assert _counts(runtime) == (1, 0, 1)
