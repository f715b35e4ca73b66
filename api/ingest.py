"""``callscope ingest``: find recordings and labeled calls, queue one job each, run them, report.

Files are hashed first; a file whose content is already stored is skipped, and one whose job is
already queued (say, by a run that was killed) is adopted rather than queued twice. A database that
goes away mid-run is waited for (``jobs.DRAIN_OUTAGE_S``); past that the run ends with a
``StorageError`` and what was queued stays queued for the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued

from api import jobs, store
from api.load_shedding import database_unavailable, storage_error
from api.runtime import Runtime
from common.errors import FormatError, StorageError
from common.formats import iter_labeled_calls

__all__ = [
    "AUDIO_SUFFIXES",
    "IngestItem",
    "IngestReport",
    "collect",
    "enqueue",
    "ingest_paths",
    "sha256_file",
    "store_audio",
]

AUDIO_SUFFIXES = frozenset(
    {
        ".wav",
        ".flac",
        ".mp3",
        ".ogg",
        ".opus",
        ".oga",
        ".m4a",
        ".mp4",
        ".aac",
        ".wma",
        ".webm",
        ".amr",
        ".aiff",
        ".aif",
        ".au",
        ".caf",
        ".mka",
    }
)
LABELED_SUFFIXES = frozenset({".jsonl", ".ndjson"})


@dataclass(slots=True)
class IngestItem:
    """One unit of work: a recording or one line of a labeled-call file."""

    task: str  # "ingest_recording" | "ingest_labeled_call"
    source: str
    content_hash: str
    kwargs: dict[str, Any]


@dataclass(slots=True)
class IngestReport:
    stored: list[str] = field(default_factory=list)  # call ids created by this run
    skipped: list[str] = field(default_factory=list)  # sources already stored
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    queued: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def store_audio(audio_dir: Path, src: Path, content_hash: str) -> Path:
    """Copy a recording into callscope's audio folder under its hash (kept if the source moves)."""
    audio_dir.mkdir(parents=True, exist_ok=True)
    dst = audio_dir / f"{content_hash}{src.suffix.lower()}"
    if not dst.exists():
        tmp = dst.with_suffix(dst.suffix + ".part")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)
    return dst


def _expand(paths: Iterable[Path], errors: list[tuple[str, str]]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                f
                for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES | LABELED_SUFFIXES
            )
        elif p.is_file():
            files.append(p)  # named explicitly: the decoder says if it is not audio
        else:
            errors.append((str(p), "no such file or folder"))
    return files


def collect(paths: Iterable[Path], audio_dir: Path) -> tuple[list[IngestItem], list[tuple[str, str]]]:
    """Turn paths into work items; unreadable files and malformed JSONL lines become errors."""
    errors: list[tuple[str, str]] = []
    items: list[IngestItem] = []
    for f in _expand(paths, errors):
        if f.suffix.lower() in LABELED_SUFFIXES:
            items.extend(_labeled_items(f, audio_dir, errors))
            continue
        try:
            digest = sha256_file(f)
        except OSError as exc:
            errors.append((str(f), f"cannot read file: {exc.strerror}"))
            continue
        items.append(IngestItem("ingest_recording", str(f), digest, {"audio_path": str(f)}))
    return items, errors


def _labeled_items(path: Path, audio_dir: Path, errors: list[tuple[str, str]]) -> list[IngestItem]:
    items: list[IngestItem] = []
    try:
        lines = list(iter_labeled_calls(path))
    except FormatError as exc:
        errors.append((str(path), str(exc)))
        return items
    for number, call in lines:
        source = f"{path}:{number}"
        if isinstance(call, FormatError):
            errors.append((source, str(call)))
            continue
        record = call.model_dump(mode="json", exclude_none=True)
        h = hashlib.sha256(json.dumps(record, sort_keys=True).encode())
        audio = call.audio_path(path.parent)
        if audio is not None:
            try:
                h.update(sha256_file(audio).encode())
            except OSError as exc:
                errors.append((source, f"field 'audio': cannot read {audio}: {exc.strerror}"))
                continue
        items.append(
            IngestItem(
                "ingest_labeled_call",
                source,
                h.hexdigest(),
                {"record": record, "audio_path": audio and str(audio)},
            )
        )
    return items


async def _queued_job(app: App, content_hash: str) -> int | None:
    rows = await app.connector.execute_query_all_async(
        "SELECT id FROM procrastinate_jobs WHERE queueing_lock = %(h)s AND status IN ('todo', 'doing') "
        "ORDER BY id DESC LIMIT 1",
        h=content_hash,
    )
    return int(rows[0]["id"]) if rows else None


async def _unfinished_jobs(app: App, hashes: list[str]) -> list[int]:
    rows = await app.connector.execute_query_all_async(
        "SELECT id FROM procrastinate_jobs WHERE queueing_lock = ANY(%(h)s) AND status IN ('todo', 'doing')",
        h=hashes,
    )
    return [int(r["id"]) for r in rows]


async def _defer(app: App, item: IngestItem, audio_dir: Path) -> int:
    # Queued or running already (say, by a run that was killed): follow that job instead of a twin.
    existing = await _queued_job(app, item.content_hash)
    if existing is not None:
        return existing
    kwargs = dict(item.kwargs, content_hash=item.content_hash, source=item.source)
    if kwargs.get("audio_path"):
        kwargs["audio_path"] = str(store_audio(audio_dir, Path(kwargs["audio_path"]), item.content_hash))
    task = app.configure_task(item.task, lock=item.content_hash, queueing_lock=item.content_hash)
    try:
        return await task.defer_async(**kwargs)
    except AlreadyEnqueued:  # another process queued it between our check and our insert
        raced = await _queued_job(app, item.content_hash)
        if raced is None:
            raise
        return raced


def ingest_paths(
    rt: Runtime,
    paths: Iterable[Path],
    *,
    process: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders; return what was stored, skipped and failed (with reasons)."""
    report = IngestReport()
    items, errors = collect(paths, rt.settings.audio_dir)
    report.failed.extend(errors)
    try:
        _ingest(rt, items, report, process=process, on_start=on_start, on_progress=on_progress)
    except Exception as exc:  # an outage longer than ``drain`` waits: say so, not a driver traceback
        if database_unavailable(exc) and not isinstance(exc, StorageError):
            raise storage_error(exc, f"the database {rt.db.describe()}") from exc
        raise
    return report


def _ingest(
    rt: Runtime,
    items: list[IngestItem],
    report: IngestReport,
    *,
    process: bool,
    on_start: Callable[[int], None] | None,
    on_progress: Callable[[int], None] | None,
) -> None:
    done = store.existing_hashes(rt.db, [i.content_hash for i in items])
    todo: list[IngestItem] = []
    seen: set[str] = set()
    for item in items:
        if item.content_hash in done or item.content_hash in seen:
            report.skipped.append(item.source)
        else:
            seen.add(item.content_hash)
            todo.append(item)
    if on_start is not None:
        on_start(len(todo))
    stored = [i.content_hash for i in items if i.content_hash in done]
    if todo or (stored and process):
        asyncio.run(_run(rt, todo, report, stored=stored, process=process, on_progress=on_progress))


async def enqueue(app: App, items: list[IngestItem], audio_dir: Path) -> list[int]:
    """Queue one job per item (adopting jobs already queued for the same content)."""
    return [await _defer(app, item, audio_dir) for item in items]


async def _run(
    rt: Runtime,
    todo: list[IngestItem],
    report: IngestReport,
    *,
    stored: list[str],
    process: bool,
    on_progress: Callable[[int], None] | None,
) -> None:
    app = jobs.make_app(rt)
    async with app.open_async():
        ids = await enqueue(app, todo, rt.settings.audio_dir)
        report.queued = len(ids)
        if not process:
            return
        # A run killed after storing a call but before its job ended left that job "doing": wait for it
        # too, so it is recovered as stalled and ends, rather than stay running with nobody to finish it.
        left = [j for j in await _unfinished_jobs(app, stored) if j not in ids] if stored else []
        if not (ids or left):
            return

        def progress(statuses: dict[int, str]) -> None:
            if on_progress is not None:
                on_progress(sum(statuses.get(j) in jobs.TERMINAL for j in ids))

        statuses = await jobs.drain(app, ids + left, on_progress=progress, outage_s=jobs.DRAIN_OUTAGE_S)
    failures = store.list_failures(rt.db, limit=len(ids) * jobs.MAX_ATTEMPTS, job_ids=ids)
    reasons = {f.job_id: f.reason for f in failures}
    for item, job_id in zip(todo, ids, strict=True):
        if statuses.get(job_id) == "succeeded":
            call_id = store.find_call_by_hash(rt.db, item.content_hash)
            if call_id is not None:
                report.stored.append(call_id)
        else:
            report.failed.append(
                (item.source, reasons.get(job_id, f"job {job_id} ended {statuses.get(job_id)}"))
            )
