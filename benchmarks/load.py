"""Load on this machine: concurrent live-assist calls while recordings are ingested, then the API under
many clients; everything on loopback against one real server.

    python benchmarks/load.py [--quick] [--history 20000] [--max-sessions 8] [--call-seconds S]
                              [--ingest-worker server|process] [--api-clients 50] [--api-seconds 30]

Setup: a fresh embedded PostgreSQL in a temporary folder, the demo knowledge base indexed, a generated
history of ``--history`` calls stored (``analytics.synthetic``: calls, transcripts, tags, QA scores,
ACD records) so the QA queue and the dashboard have data, and an admin with an API token. The server
is ``create_app`` under uvicorn in a process of its own (what ``callscope serve`` runs), so the
clients here do not share its interpreter; its CPU time is read from ``/proc``.

(1) Live sessions. Each of N clients streams a ``demo/live`` call over ``/api/assist/ws`` in real
    time: both parties in 100 ms frames of 16 kHz PCM, paced on the client like a phone line; session
    i plays call i mod 4 and starts ``--stagger`` × i seconds after the first. For every customer
    utterance that earns a card, latency = arrival of its first suggestion − the moment its audio
    ended (the call's manifest). After its audio a client waits until the server has been quiet for
    a few seconds, so a backlog of decoding is waited for rather than cut off.
    The baseline comes first: 1 session, nothing else running. Then N = 1, 2, 3, 4, 6, 8 … (up to
    ``--max-sessions``) while ingestion runs: copies of the ``demo/recordings`` calls (one sample
    changed, so none is de-duplicated) are uploaded to ``POST /api/calls`` whenever fewer than two
    jobs wait, and processed by the server's in-process worker (``--ingest-worker process``: by a
    separate ``callscope worker`` process, the server then running none). A step's ingestion
    throughput counts every call by the share of its processing time inside the step's streaming
    window. The ramp stops after the first N whose p95 is over 1.5 s.
(2) API. ``--api-clients`` clients (asyncio + httpx) loop over ``GET /api/qa/queue`` and the
    dashboard figures for ``--api-seconds`` s, nothing else running: requests/s and p50/p95 per
    endpoint. ``503`` answers (load shedding) are counted apart, and their ``Retry-After`` is honoured
    as a well-behaved client would.

Target (issue 8): the largest N with suggestion latency p95 ≤ 1.5 s while ingesting.
``--quick`` is a smoke run of a few minutes: 1,500 calls of history, N = 1 and 2, the first 25 s of
each call, 8 s of API load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "demo"

__all__ = ["LoadOptions", "main"]

_SAMPLE_RATE = 16_000
_FRAME = 1600  # 100 ms of 16 kHz audio, as api.live plays a recording
_RAMP = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
# GET endpoints of the API phase: the QA review queue and the manager dashboard's figures.
ENDPOINTS = (
    ("qa queue", "/api/qa/queue"),
    ("qa queue, lowest score", "/api/qa/queue?sort=score&order=asc"),
    ("analytics overview", "/api/analytics/overview"),
    ("contact types", "/api/analytics/contact-types"),
    ("topics", "/api/analytics/topics"),
    ("repeats by agent", "/api/analytics/repeats?by=agent"),
    ("sentiment", "/api/analytics/sentiment"),
    ("qa by agent", "/api/analytics/qa?by=agent"),
    ("conversation by agent", "/api/analytics/conversation?by=agent"),
    ("service level", "/api/analytics/service-level"),
)
# The server as ``callscope serve`` runs it (settings from the CALLSCOPE_ environment), on a given port,
# with or without its in-process worker.
_SERVE = """\
import sys
import uvicorn
from api.app import create_app
from api.settings import Settings
app = create_app(Settings(), run_worker=sys.argv[2] == "worker")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass(slots=True)
class LoadOptions:
    """``call_seconds``: stream only the start of each call (None: whole calls); ``quiet_s``: after its
    audio a session is over once nothing arrived for this long (``drain_max_s`` at most);
    ``ingest_backlog``: jobs kept waiting so the worker never idles; ``finish_wait_s``: how long the
    ingestion still running after the ramp is waited for (the rest is estimated)."""

    history_calls: int = 20_000
    max_sessions: int = 8
    target_p95_s: float = 1.5
    call_seconds: float | None = None
    stagger_s: float = 1.0
    quiet_s: float = 4.0
    drain_max_s: float = 45.0
    ingest_worker: str = "server"
    ingest_backlog: int = 2
    finish_wait_s: float = 180.0
    api_clients: int = 50
    api_seconds: float = 30.0

    @property
    def ramp(self) -> list[int]:
        return [n for n in _RAMP if n < self.max_sessions] + [self.max_sessions]


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) if values else math.nan


# ---------------------------------------------------------------------------------------- processes


class Child:
    """A child process (the server, a worker) with its log and CPU time."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    def cpu_s(self) -> float:
        """User + system CPU seconds so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)  # uvicorn and the worker stop cleanly on Ctrl-C
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_healthy(base: str, child: Child, timeout: float = 300.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while True:
            if child.popen.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{child.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/api/health")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not answer within {timeout:.0f} s:\n{child.tail()}")
            await asyncio.sleep(0.5)


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"


# ------------------------------------------------------------------------------------- recordings


@dataclass(slots=True)
class LiveCall:
    name: str
    as_of: str | None
    channels: list[tuple[int, np.ndarray]]  # (speaker tag, int16 PCM) per party
    turns: list[dict[str, Any]]
    duration: float


def live_calls(call_seconds: float | None) -> list[LiveCall]:
    """The ``demo/live`` calls as int16 PCM per party, cut to ``call_seconds`` with the turns that end
    inside the cut."""
    from asr import decode_audio

    manifest = json.loads((DEMO / "live" / "manifest.json").read_text())
    out = []
    for call in manifest["calls"]:
        decoded = decode_audio(DEMO / "live" / call["audio"])
        samples = decoded.samples if decoded.samples.ndim == 2 else decoded.samples[None, :]
        n = (
            samples.shape[1]
            if call_seconds is None
            else min(samples.shape[1], int(call_seconds * _SAMPLE_RATE))
        )
        tags = {call["channels"]["agent"]: 0, call["channels"]["customer"]: 1}
        channels = [(tags[i], (np.clip(ch[:n], -1, 1) * 32767).astype("<i2")) for i, ch in enumerate(samples)]
        duration = n / _SAMPLE_RATE
        turns = [t for t in call["turns"] if t["end"] <= duration]
        out.append(LiveCall(call["call_id"], call.get("as_of"), channels, turns, duration))
    return out


def ingest_sources() -> list[tuple[str, np.ndarray]]:
    """The ``demo/recordings`` calls as interleaved int16 frames (samples × channels)."""
    from asr import decode_audio

    out = []
    for path in sorted((DEMO / "recordings").glob("*.flac")):
        decoded = decode_audio(path)
        samples = decoded.samples if decoded.samples.ndim == 2 else decoded.samples[None, :]
        out.append((path.stem, (np.clip(samples.T, -1, 1) * 32767).astype("<i2")))
    return out


def unique_copy(sources: list[tuple[str, np.ndarray]], i: int) -> tuple[str, bytes]:
    """Copy ``i`` of a source as a WAV file whose last sample is changed (inaudibly), so its content
    hash is new and the server ingests it rather than skipping a recording it already holds."""
    stem, frames = sources[i % len(sources)]
    frames = frames.copy()
    frames[-1, 0] = np.int16(1 + i % 32000)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(_SAMPLE_RATE)
        w.writeframes(frames.tobytes())
    return f"load-{i:05d}-{stem}.wav", buf.getvalue()


# ------------------------------------------------------------------------------------ live sessions


@dataclass(slots=True)
class StepResult:
    label: str
    sessions: int
    ingesting: bool
    target_p95_s: float
    latencies: list[float] = field(default_factory=list)
    utterances: int = 0  # customer utterances streamed
    finals: int = 0  # customer utterances the server closed (final transcripts received)
    cards: int = 0  # suggestions received
    asked: int = 0  # questions with a known answer
    answered: int = 0  # ... that got a card
    expected_doc: int = 0  # ... whose card was the expected document
    window: tuple[float, float] = (0.0, 0.0)  # wall time of the streamed audio
    wall_s: float = 0.0
    server_cores: float = math.nan
    worker_cores: float = math.nan
    ingest_per_min: float = math.nan
    ingest_s_per_call: float = math.nan
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return pct(self.latencies, 50)

    @property
    def p95(self) -> float:
        return pct(self.latencies, 95)

    @property
    def holds(self) -> bool:
        return bool(self.latencies) and self.p95 <= self.target_p95_s


async def stream_call(
    ws_url: str, headers: dict[str, str], call: LiveCall, delay: float, opts: LoadOptions
) -> tuple[list[dict[str, Any]], float]:
    """Stream one call in real time; returns every message received (with its arrival ``_at``) and the
    wall time the call's audio started."""
    import websockets

    await asyncio.sleep(delay)
    messages: list[dict[str, Any]] = []
    last = [time.time()]
    async with websockets.connect(
        ws_url, additional_headers=headers, max_size=None, open_timeout=60, ping_interval=None
    ) as ws:
        await ws.send(json.dumps({"type": "start", "as_of": call.as_of}))

        async def receive() -> None:
            async for raw in ws:
                if isinstance(raw, str):
                    message = json.loads(raw)
                    message["_at"] = last[0] = time.time()
                    messages.append(message)

        receiver = asyncio.create_task(receive())
        length = call.channels[0][1].shape[0]
        t0 = time.time()
        for i, start in enumerate(range(0, length, _FRAME)):
            # Frame i leaves when its audio would have finished arriving on a phone line.
            pause = t0 + (i + 1) * _FRAME / _SAMPLE_RATE - time.time()
            if pause > 0:
                await asyncio.sleep(pause)
            for tag, pcm in call.channels:
                await ws.send(bytes([tag]) + pcm[start : start + _FRAME].tobytes())
        await ws.send(json.dumps({"type": "end_audio"}))
        ended = time.time()
        while True:  # wait for the server to finish what it still has to decode
            await asyncio.sleep(0.25)
            now = time.time()
            if now - ended > opts.drain_max_s or now - max(last[0], ended) >= opts.quiet_s:
                break
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver
    return messages, t0


def score_call(call: LiveCall, messages: list[dict[str, Any]], t0: float, result: StepResult) -> None:
    """Add one streamed call's latencies and counts to ``result``."""
    finals = [
        m for m in messages if m.get("type") == "transcript" and m["final"] and m["speaker"] == "customer"
    ]
    cards = [m for m in messages if m.get("type") == "suggestion"]
    result.finals += len(finals)
    result.cards += len(cards)
    result.errors += [str(m.get("message")) for m in messages if m.get("type") == "error"]
    for turn in (t for t in call.turns if t["speaker"] == "customer"):
        result.utterances += 1
        overlapping = [f for f in finals if f["end"] > turn["start"] and f["start"] < turn["end"]]
        ids = {f["turn"] for f in overlapping}
        mine = [c for c in cards if c["suggestion"]["turn"] in ids]
        if mine:
            result.latencies.append(mine[0]["_at"] - (t0 + turn["end"]))
        if turn.get("expected"):
            result.asked += 1
            result.answered += bool(mine)
            result.expected_doc += any(c["suggestion"]["doc_id"] in turn["expected"] for c in mine)


async def run_step(
    label: str,
    n: int,
    ingesting: bool,
    calls: list[LiveCall],
    ws_url: str,
    headers: dict[str, str],
    opts: LoadOptions,
    server: Child,
    worker: Child | None,
) -> StepResult:
    result = StepResult(label, n, ingesting, opts.target_p95_s)
    cpu = server.cpu_s(), worker.cpu_s() if worker else math.nan
    began = time.time()
    chosen = [calls[i % len(calls)] for i in range(n)]
    outcomes = await asyncio.gather(
        *(stream_call(ws_url, headers, c, i * opts.stagger_s, opts) for i, c in enumerate(chosen)),
        return_exceptions=True,
    )
    result.wall_s = time.time() - began
    result.server_cores = (server.cpu_s() - cpu[0]) / result.wall_s
    if worker is not None:
        result.worker_cores = (worker.cpu_s() - cpu[1]) / result.wall_s
    starts, ends = [], []
    for call, outcome in zip(chosen, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            result.errors.append(f"{call.name}: {type(outcome).__name__}: {outcome}")
            continue
        messages, t0 = outcome
        starts.append(t0)
        ends.append(t0 + call.duration)
        score_call(call, messages, t0, result)
    if starts:
        result.window = (min(starts), max(ends))
    return result


# ---------------------------------------------------------------------------------------- ingestion


_QUEUED = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ingest_recording' AND status = 'todo'"
_RUNS = """
SELECT j.id, j.status::text AS status,
       extract(epoch FROM max(e.at) FILTER (WHERE e.type = 'started'))::float8 AS started,
       extract(epoch FROM max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')))::float8 AS finished
FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id
WHERE j.task_name = 'ingest_recording'
GROUP BY j.id, j.status
"""


class IngestFeed:
    """Keeps ``backlog`` ingestion jobs waiting by uploading unique copies of the demo recordings."""

    def __init__(self, client: Any, engine: Any, sources: list[tuple[str, np.ndarray]], backlog: int) -> None:
        self.client = client
        self.engine = engine
        self.sources = sources
        self.backlog = backlog
        self.uploaded = 0
        self.errors: list[str] = []

    def _scalar(self, sql: str) -> int:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)

    async def upload(self) -> int | None:
        """Upload the next copy; returns its job id."""
        name, body = await asyncio.to_thread(unique_copy, self.sources, self.uploaded)
        self.uploaded += 1
        r = await self.client.post("/api/calls", files={"file": (name, body, "audio/wav")}, timeout=120)
        out = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code != 202 or out.get("errors") or out.get("skipped") or not out.get("jobs"):
            self.errors.append(f"{name}: HTTP {r.status_code} {str(out or r.text)[:200]}")
            return None
        return int(out["jobs"][0]["id"])

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            waiting = await asyncio.to_thread(self._scalar, _QUEUED)
            for _ in range(max(0, self.backlog - waiting)):
                await self.upload()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    def cancel_waiting(self) -> int:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            return conn.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = 'cancelled' "
                    "WHERE task_name = 'ingest_recording' AND status = 'todo'"
                )
            ).rowcount

    def runs(self) -> list[Any]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return list(conn.execute(text(_RUNS)))

    async def wait_job(self, job_id: int, timeout: float) -> str:
        from sqlalchemy import text

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.engine.connect() as conn:
                status = conn.execute(
                    text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
                ).scalar()
            if status in ("succeeded", "failed", "cancelled", "aborted"):
                return str(status)
            await asyncio.sleep(1.0)
        return "unfinished"

    async def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while any(r.status == "doing" for r in await asyncio.to_thread(self.runs)):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(1.0)
        return True


def ingest_throughput(runs: list[Any], window: tuple[float, float]) -> tuple[float, float, int]:
    """Calls per minute finished in ``window``, each counted by the share of its processing time inside
    it; the mean processing time of those calls; how many of them were still running (their end is
    estimated from the median of the finished ones)."""
    done = [r for r in runs if r.status == "succeeded" and r.started and r.finished]
    typical = statistics.median([r.finished - r.started for r in done]) if done else math.nan
    a, b = window
    share, spans, estimated = 0.0, [], 0
    for r in runs:
        if r.started is None or r.status not in ("succeeded", "doing"):
            continue
        start = float(r.started)
        if r.finished is None and math.isnan(typical):
            continue
        # A call still running is taken to end after the typical time (and not before now).
        end = float(r.finished) if r.finished is not None else max(start + typical, time.time())
        overlap = min(end, b) - max(start, a)
        if overlap > 0 and end > start:
            share += overlap / (end - start)
            spans.append(end - start)
            estimated += r.finished is None
    minutes = (b - a) / 60
    return (
        share / minutes if minutes > 0 else math.nan,
        statistics.mean(spans) if spans else math.nan,
        estimated,
    )


# ------------------------------------------------------------------------------------------ the API


@dataclass(slots=True)
class EndpointStats:
    label: str
    path: str
    times: list[float] = field(default_factory=list)  # seconds, successful answers
    shed: int = 0  # 503
    other: dict[str, int] = field(default_factory=dict)  # any other status or a client error


async def api_load(
    base: str, headers: dict[str, str], clients: int, seconds: float
) -> tuple[list[EndpointStats], float]:
    """``clients`` loops over ``ENDPOINTS`` for ``seconds``; returns the stats and the elapsed time."""
    import httpx

    stats = [EndpointStats(label, path) for label, path in ENDPOINTS]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:
        started = time.perf_counter()
        stop_at = started + seconds

        async def one(k: int) -> None:
            while (now := time.perf_counter()) < stop_at:
                s = stats[k % len(stats)]
                k += 1
                try:
                    r = await client.get(s.path)
                except httpx.HTTPError as exc:
                    s.other[type(exc).__name__] = s.other.get(type(exc).__name__, 0) + 1
                    continue
                if r.status_code == 503:
                    s.shed += 1
                    with contextlib.suppress(ValueError):
                        wait = float(r.headers.get("retry-after", "1"))
                        await asyncio.sleep(max(0.0, min(wait, stop_at - time.perf_counter())))
                elif r.is_success:
                    s.times.append(time.perf_counter() - now)
                else:
                    s.other[str(r.status_code)] = s.other.get(str(r.status_code), 0) + 1

        await asyncio.gather(*(one(i) for i in range(clients)))
        return stats, time.perf_counter() - started


# ------------------------------------------------------------------------------------------ the run


def _f(value: float, digits: int = 2) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def print_steps(steps: list[StepResult]) -> None:
    print(
        f"\n  {'step':<20}{'sessions':>8}{'p50 s':>8}{'p95 s':>8}{'cards':>7}{'utt. w/ card':>14}"
        f"{'questions answered':>20}{'expected doc':>14}{'ingest calls/min':>18}{'s/call':>8}"
        f"{'server cores':>14}"
    )
    for s in steps:
        print(
            f"  {s.label:<20}{s.sessions:>8}{_f(s.p50):>8}{_f(s.p95):>8}{s.cards:>7}"
            f"{f'{len(s.latencies)}/{s.utterances}':>14}{f'{s.answered}/{s.asked}':>20}"
            f"{f'{s.expected_doc}/{s.asked}':>14}{_f(s.ingest_per_min):>18}{_f(s.ingest_s_per_call, 1):>8}"
            f"{_f(s.server_cores):>14}"
            + (f"   worker {_f(s.worker_cores)} cores" if not math.isnan(s.worker_cores) else "")
        )
        for e in sorted(set(s.errors))[:3]:
            print(f"      error: {e[:160]}")


def print_settings(settings: Any, opts: LoadOptions) -> None:
    from asr import StreamingOptions, TranscribeOptions

    def on(flag: bool) -> str:
        return "on" if flag else "off"

    env = ", ".join(
        f"{k}={v}"
        for k, v in sorted(os.environ.items())
        if k.startswith(("CALLSCOPE_", "OMP_", "GOMP_", "KMP_", "MKL_", "CT2_"))
    )
    stream = StreamingOptions()
    live_tx = TranscribeOptions()
    threads = settings.asr_threads or os.cpu_count()
    worker = (
        "the server's in-process worker"
        if opts.ingest_worker == "server"
        else "a separate `callscope worker` process (the server runs none)"
    )
    print(
        "settings:\n"
        f"  ingestion Whisper: {settings.asr_model} {settings.asr_compute_type}, "
        f"{settings.asr_threads} threads ({threads} here), beam {settings.asr_beam_size or 'default'}; "
        f"redaction {on(settings.redact_pii)}, tagging {on(settings.tag_on_ingest)}, "
        f"QA scoring {on(settings.qa_on_ingest)}; {worker}, one job at a time\n"
        f"  live assist Whisper: {live_tx.model} {live_tx.compute_type}, {live_tx.cpu_threads} threads "
        f"(0 = all cores), partial every {stream.step_s} s, endpoint after {stream.endpoint_silence_s} s "
        f"of silence, beam {stream.final_beam_size}; one recognition thread per party\n"
        f"  embeddings: {settings.embedding_model} on {settings.embedding_backend}; "
        f"knowledge base '{settings.kb}'\n"
        f"  sessions: ramp {opts.ramp}, stagger {opts.stagger_s} s, "
        f"{'whole calls' if opts.call_seconds is None else f'first {opts.call_seconds:g} s of each call'}, "
        f"target p95 ≤ {opts.target_p95_s} s; API: {opts.api_clients} clients for {opts.api_seconds:g} s\n"
        f"  environment the server inherits: {env or 'no CALLSCOPE_/OpenMP overrides'}"
    )


async def run(opts: LoadOptions, work: Path, url: str) -> None:
    import httpx
    from sqlalchemy import text

    from analytics.synthetic import GeneratorOptions, generate_history
    from api import auth
    from api.analytics_history import store_history
    from api.runtime import open_runtime
    from api.settings import Settings

    model_cache = os.environ.get("CALLSCOPE_MODEL_CACHE") or str(Path("~/.callscope/models").expanduser())
    settings = Settings(home=work / "home", database_url=url, model_cache=Path(model_cache))
    rt = open_runtime(settings)
    print_settings(settings, opts)

    t = time.perf_counter()
    report = rt.knowledge_index().add_folder(DEMO / "knowledge", settings.kb)
    print(
        f"\nsetup: demo knowledge base indexed ({report.documents_embedded} documents, "
        f"{report.chunks_embedded} chunks) in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    t = time.perf_counter()
    history = generate_history(GeneratorOptions(seed=7), scale_calls=opts.history_calls)
    stored = store_history(rt, history)
    with rt.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(
        f"  generated history: {stored.calls} calls, {stored.acd} ACD records stored in "
        f"{time.perf_counter() - t:.1f} s",
        flush=True,
    )
    auth.create_user(rt, "load-admin", "admin", password="load-benchmark-password")
    headers = {"Authorization": f"Bearer {auth.create_token(rt, 'load-admin', 'load benchmark')}"}
    calls = live_calls(opts.call_seconds)
    sources = ingest_sources()

    env = dict(
        os.environ,
        CALLSCOPE_HOME=str(settings.home),
        CALLSCOPE_DATABASE_URL=url,
        CALLSCOPE_MODEL_CACHE=model_cache,
        HF_HUB_OFFLINE="1",
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    port = free_port()
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/api/assist/ws"
    t = time.perf_counter()
    mode = "worker" if opts.ingest_worker == "server" else "no-worker"
    server = Child([sys.executable, "-c", _SERVE, str(port), mode], env, work / "server.log")
    worker = (
        Child([sys.executable, "-c", "from api.cli import main; main()", "worker"], env, work / "worker.log")
        if opts.ingest_worker == "process"
        else None
    )
    try:
        await wait_healthy(base, server)
        print(f"  server up on {base} in {time.perf_counter() - t:.1f} s (log: {server.log})", flush=True)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
            feed = IngestFeed(client, rt.db.engine, sources, opts.ingest_backlog)
            await _warm_up(client, feed, calls, ws_url, headers, opts)
            steps = await _sessions(feed, calls, ws_url, headers, opts, server, worker)
            api_stats, elapsed, cores = await _api(base, headers, opts, server)
        _summary(steps, api_stats, elapsed, cores, feed, opts)
    finally:
        server.stop()
        if worker is not None:
            worker.stop()
        rt.db.dispose()
        shutil.rmtree(settings.home, ignore_errors=True)  # the ingested copies; the logs stay


async def _warm_up(
    client: Any,
    feed: IngestFeed,
    calls: list[LiveCall],
    ws_url: str,
    headers: dict[str, str],
    opts: LoadOptions,
) -> None:
    """Load every model the server uses (Whisper, VAD, embeddings, redaction, taggers) before timing:
    one ingested recording, 10 s of a live call and one request per endpoint."""
    t = time.perf_counter()
    for label, path in ENDPOINTS:
        r = await client.get(path)
        if r.status_code != 200:
            raise RuntimeError(f"{label}: GET {path} answered {r.status_code}: {r.text[:300]}")
    first = calls[0]
    short = LiveCall(
        first.name,
        first.as_of,
        [(tag, pcm[: 10 * _SAMPLE_RATE]) for tag, pcm in first.channels],
        [],
        min(first.duration, 10.0),
    )
    job, _ = await asyncio.gather(feed.upload(), stream_call(ws_url, headers, short, 0.0, opts))
    if job is None:
        raise RuntimeError(f"the warm-up upload failed: {feed.errors[-1]}")
    status = await feed.wait_job(job, 600)
    if status != "succeeded":
        raise RuntimeError(f"the warm-up ingestion job {job} ended {status}")
    print(
        f"  warm-up (one ingested call, 10 s of live audio, each endpoint): {time.perf_counter() - t:.1f} s"
    )


async def _sessions(
    feed: IngestFeed,
    calls: list[LiveCall],
    ws_url: str,
    headers: dict[str, str],
    opts: LoadOptions,
    server: Child,
    worker: Child | None,
) -> list[StepResult]:
    print(f"\n(1) live sessions ({len(calls)} calls, each streamed in real time)", flush=True)

    def progress(s: StepResult) -> None:
        print(
            f"  {s.label}: {s.sessions} session(s), p50 {_f(s.p50)} s, p95 {_f(s.p95)} s, "
            f"{s.answered}/{s.asked} questions answered, {s.finals} customer finals, {s.wall_s:.0f} s",
            flush=True,
        )

    base = await run_step("baseline, no ingest", 1, False, calls, ws_url, headers, opts, server, worker)
    progress(base)
    steps = [base]
    stop = asyncio.Event()
    feeder = asyncio.create_task(feed.run(stop))
    try:
        # Start timing once the worker is busy with a call.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            r.status == "doing" for r in await asyncio.to_thread(feed.runs)
        ):
            await asyncio.sleep(0.5)
        for n in opts.ramp:
            step = await run_step("with ingest", n, True, calls, ws_url, headers, opts, server, worker)
            steps.append(step)
            progress(step)
            if not step.holds:
                break
    finally:
        stop.set()
        await feeder
    cancelled = await asyncio.to_thread(feed.cancel_waiting)
    t = time.perf_counter()
    idle = await feed.wait_idle(opts.finish_wait_s)
    waited = time.perf_counter() - t
    if idle:
        running = f"the running one finished after {waited:.0f} s"
    else:
        running = f"the running one, not finished after {waited:.0f} s, is estimated from the others"
    print(f"  ramp over: {cancelled} waiting ingestion jobs cancelled; {running}", flush=True)
    runs = await asyncio.to_thread(feed.runs)
    for s in steps:
        if s.ingesting and s.window[1] > s.window[0]:
            s.ingest_per_min, s.ingest_s_per_call, _ = ingest_throughput(runs, s.window)
    return steps


async def _api(
    base: str, headers: dict[str, str], opts: LoadOptions, server: Child
) -> tuple[list[EndpointStats], float, tuple[float, float]]:
    print(f"\n(2) API: {opts.api_clients} concurrent clients for {opts.api_seconds:g} s", flush=True)
    cpu, own = server.cpu_s(), time.process_time()
    stats, elapsed = await api_load(base, headers, opts.api_clients, opts.api_seconds)
    cores = ((server.cpu_s() - cpu) / elapsed, (time.process_time() - own) / elapsed)
    return stats, elapsed, cores


def _summary(
    steps: list[StepResult],
    api_stats: list[EndpointStats],
    elapsed: float,
    cores: tuple[float, float],
    feed: IngestFeed,
    opts: LoadOptions,
) -> None:
    print("\n(1) live sessions: end of a customer utterance → its first suggestion")
    print_steps(steps)
    ramp = [s for s in steps if s.ingesting]
    held = [s.sessions for s in ramp if s.holds]
    last_ok = max(held) if held else 0
    print(
        f"  ingestion: {feed.uploaded} recordings uploaded, "
        f"{sum(1 for r in feed.runs() if r.status == 'succeeded')} ingested"
        + (f", upload errors: {feed.errors[:2]}" if feed.errors else "")
    )
    failed = [r.id for r in feed.runs() if r.status == "failed"]
    if failed:
        print(f"  failed ingestion jobs: {failed[:10]}")
    if ramp and ramp[-1].holds and ramp[-1].sessions == opts.max_sessions:
        verdict = f"at least {last_ok} (the cap, --max-sessions; raise it to find the limit)"
    else:
        verdict = str(last_ok) if last_ok else "none: 1 session already misses"
    meanwhile = next((s.ingest_per_min for s in ramp if s.sessions == last_ok), math.nan)
    print(
        f"  concurrent sessions with p95 ≤ {opts.target_p95_s} s while ingesting: {verdict}"
        + (f"; ingestion meanwhile {_f(meanwhile)} calls/min" if last_ok else "")
    )

    print(
        f"\n(2) API, {opts.api_clients} concurrent clients, {elapsed:.1f} s "
        f"(server {_f(cores[0])} cores, this client {_f(cores[1])} cores)"
    )
    print(f"  {'endpoint':<26}{'ok':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'503':>6}  other")
    everything: list[float] = []
    for s in api_stats:
        everything += s.times
        other = ", ".join(f"{k}×{v}" for k, v in sorted(s.other.items())) or "-"
        p50, p95 = pct(s.times, 50) * 1000, pct(s.times, 95) * 1000
        print(
            f"  {s.label:<26}{len(s.times):>7}{len(s.times) / elapsed:>8.1f}{_f(p50, 0):>9}{_f(p95, 0):>9}"
            f"{s.shed:>6}  {other}"
        )
    shed = sum(s.shed for s in api_stats)
    print(
        f"  {'all':<26}{len(everything):>7}{len(everything) / elapsed:>8.1f}"
        f"{_f(pct(everything, 50) * 1000, 0):>9}{_f(pct(everything, 95) * 1000, 0):>9}{shed:>6}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few minutes")
    parser.add_argument("--history", type=int, help="generated calls stored (default 20000)")
    parser.add_argument("--max-sessions", type=int, help="the ramp's cap (default 8)")
    parser.add_argument("--call-seconds", type=float, help="stream only the start of each call")
    parser.add_argument("--stagger", type=float, help="seconds between the sessions' starts (default 1)")
    parser.add_argument("--ingest-worker", choices=("server", "process"), default="server")
    parser.add_argument("--api-clients", type=int, help="default 50")
    parser.add_argument("--api-seconds", type=float, help="default 30")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    opts = LoadOptions(ingest_worker=args.ingest_worker)
    if args.quick:
        opts.history_calls, opts.max_sessions, opts.call_seconds = 1500, 2, 25.0
        opts.quiet_s, opts.finish_wait_s, opts.api_seconds = 3.0, 0.0, 8.0
    for name, value in (
        ("history_calls", args.history),
        ("max_sessions", args.max_sessions),
        ("call_seconds", args.call_seconds),
        ("stagger_s", args.stagger),
        ("api_clients", args.api_clients),
        ("api_seconds", args.api_seconds),
    ):
        if value is not None:
            setattr(opts, name, value)
    if opts.max_sessions < 1 or opts.api_clients < 1 or opts.history_calls < 1:
        parser.error("--max-sessions, --api-clients and --history must be at least 1")

    from common.db import embedded_server_url

    print(f"load benchmark: {machine()}" + (" (--quick)" if args.quick else ""))
    work = Path(tempfile.mkdtemp(prefix="callscope-bench-load-"))
    url = embedded_server_url(work / "pgdata", ephemeral=True)
    t = time.perf_counter()
    asyncio.run(run(opts, work, url))
    print(f"\ntotal {time.perf_counter() - t:.0f} s; logs in {work}")


if __name__ == "__main__":
    main()
