"""Accepting an uploaded recording or labeled-call file: streamed to disk under size and duration limits."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from procrastinate import App

from api import store
from api.ingest import LABELED_SUFFIXES, IngestItem, collect, enqueue
from api.runtime import Runtime
from asr import probe_duration
from common.errors import InputTooLarge, InvalidInput

__all__ = ["NAME_MAX", "UploadResult", "accept_upload", "check_name_length", "refuse_nul_bytes"]

#: The longest file name (in UTF-8 bytes) common file systems hold; an upload is saved under its name.
NAME_MAX = 255


@dataclass(slots=True)
class UploadResult:
    job_ids: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def check_name_length(name: str) -> str:
    """``name`` when a file can be saved under it; a clear error instead of the file system's."""
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > NAME_MAX:
        raise InvalidInput(
            f"upload file name '{name[:40]}…' is {size} bytes long; the limit is {NAME_MAX}: rename the file"
        )
    return name


def refuse_nul_bytes(name: str, data: bytes) -> None:
    """A text upload (CSV, JSON Lines) with NUL bytes is binary data, and no database text holds them."""
    at = data.find(b"\x00")
    if at >= 0:
        line = data.count(b"\n", 0, at) + 1
        raise InvalidInput(
            f"{name}:{line}: holds a NUL (0x00) byte, so it is not UTF-8 text; save it as text"
        )


async def _save_stream(chunks: AsyncIterator[bytes], dst: Path, max_bytes: int, name: str) -> str:
    h = hashlib.sha256()
    size = 0
    with dst.open("wb") as f:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise InputTooLarge(
                    f"{name}: upload is over the {max_bytes // (1 << 20)} MiB limit (CALLSCOPE_MAX_UPLOAD_MB)"
                )
            h.update(chunk)
            f.write(chunk)
    if size == 0:
        raise InvalidInput(f"{name}: the upload is empty")
    return h.hexdigest()


async def accept_upload(rt: Runtime, app: App, name: str, chunks: AsyncIterator[bytes]) -> UploadResult:
    """Store an upload and queue its jobs; nothing is queued when the upload breaks a limit."""
    # Only the base name is used (never a folder of ours); '.' and '..' name no file.
    safe = Path(name.replace("\x00", "")).name
    safe = check_name_length(safe if safe not in ("", ".", "..") else "upload")
    suffix = Path(safe).suffix.lower()
    upload_dir = rt.settings.home_dir / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=upload_dir) as tmp:
        path = Path(tmp) / safe
        digest = await _save_stream(chunks, path, int(rt.settings.max_upload_mb * (1 << 20)), safe)
        result = UploadResult()
        if suffix in LABELED_SUFFIXES:
            items, errors = collect([path], rt.settings.audio_dir)
            # Name the upload as the user called it, not by its temporary path.
            result.errors = [
                (src.replace(str(path), safe), why.replace(str(path), safe)) for src, why in errors
            ]
            for item in items:
                item.source = item.source.replace(str(path), safe)
                if item.kwargs.get("audio_path"):
                    result.errors.append(
                        (item.source, "field 'audio': upload the recording itself, not a path")
                    )
            items = [i for i in items if not i.kwargs.get("audio_path")]
        else:
            duration = probe_duration(path, name=safe)
            if duration is not None and duration > rt.settings.max_duration_s:
                raise InputTooLarge(
                    f"{safe}: {duration:.0f} s is longer than the {rt.settings.max_duration_s:.0f} s limit "
                    "(CALLSCOPE_MAX_DURATION_S)"
                )
            items = [IngestItem("ingest_recording", safe, digest, {"audio_path": str(path)})]
        stored = store.existing_hashes(rt.db, [i.content_hash for i in items])
        result.skipped = [i.source for i in items if i.content_hash in stored]
        todo = [i for i in items if i.content_hash not in stored]
        # enqueue copies recordings into the audio folder before the temporary folder goes.
        result.job_ids = await enqueue(app, todo, rt.settings.audio_dir)
        result.sources = [i.source for i in todo]
    return result
