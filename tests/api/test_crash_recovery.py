"""A worker killed mid-ingest loses nothing: the next run finishes every file exactly once (real models)."""

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
