"""The HTTP API on a real database, with fake models behind the in-process worker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import jobs
from api.settings import Settings
from tests.api.auth_helpers import api_client
from tests.audio_utils import write_tone
from tests.fakes import FakeRedactor, FakeTranscriber


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.max_upload_mb = 0.5
    settings.max_duration_s = 5
    with api_client(settings, run_worker=True) as c:
        rt = c.app.state.runtime  # type: ignore[attr-defined]
        rt.transcriber_impl = FakeTranscriber()
        rt.redactor_impl = FakeRedactor()
        jobs.bind_runtime(rt)
        yield c


def _wait(client: TestClient, job_id: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in jobs.TERMINAL:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_upload_recording_then_read_it(client: TestClient, tmp_path: Path) -> None:
    wav = write_tone(tmp_path / "upload-1.wav", seconds=1.0)
    r = client.post("/api/calls", files={"file": ("upload-1.wav", wav.read_bytes(), "audio/wav")})
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["jobs"][0]["id"])
    assert job["status"] == "succeeded" and job["call_id"] == "upload-1"
    calls = client.get("/api/calls").json()["calls"]
    assert [c["id"] for c in calls] == ["upload-1"]
    assert calls[0]["speakers"] == ["agent", "customer"]
    call = client.get("/api/calls/upload-1").json()
    assert call["turns"][0]["speaker"] == "agent" and call["turns"][0]["words"]
    transcript = client.get("/api/calls/upload-1/transcript").json()
    assert transcript["duration"] == pytest.approx(1.0, abs=0.05)
    # The same content again is skipped, not queued.
    again = client.post("/api/calls", files={"file": ("other-name.wav", wav.read_bytes(), "audio/wav")})
    assert again.json()["jobs"] == [] and again.json()["skipped"] == ["other-name.wav"]


def test_upload_jsonl_text_calls(client: TestClient) -> None:
    body = "\n".join(
        [
            json.dumps(
                {"call_id": "chat-9", "channel": "chat", "turns": [{"speaker": "customer", "text": "hello"}]}
            ),
            "{broken",
        ]
    )
    r = client.post("/api/calls", files={"file": ("calls.jsonl", body.encode(), "application/x-ndjson")})
    assert r.status_code == 202
    out = r.json()
    assert out["errors"][0]["source"] == "calls.jsonl:2"
    assert _wait(client, out["jobs"][0]["id"])["call_id"] == "chat-9"


def test_bad_uploads_get_clear_4xx_and_store_nothing(client: TestClient, tmp_path: Path) -> None:
    cases = {
        "notes.txt": (b"just some text, not audio", 422, "notes.txt"),
        "empty.wav": (b"", 422, "empty"),
        "big.wav": (b"\0" * (600 * 1024), 413, "limit"),
        "long.wav": (
            write_tone(tmp_path / "long.wav", seconds=6.0, channels=1).read_bytes(),
            413,
            "longer than",
        ),
    }
    for name, (content, status, words) in cases.items():
        r = client.post("/api/calls", files={"file": (name, content, "application/octet-stream")})
        assert r.status_code == status, (name, r.text)
        assert words in r.json()["detail"], (name, r.text)
    assert client.get("/api/calls").json()["calls"] == []


def test_not_found_and_openapi(client: TestClient) -> None:
    r = client.get("/api/calls/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    assert client.get("/api/jobs/999999").status_code == 404
    spec = client.get("/openapi.json").json()
    assert {"/api/calls", "/api/calls/{call_id}", "/api/jobs/{job_id}"} <= set(spec["paths"])
    assert client.get("/api/health").json() == {"status": "ok"}
