"""What a running callscope process holds: settings, the database, and the cached models."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.settings import Settings
from common.db import Database, embedded_server_url

if TYPE_CHECKING:
    from asr import Transcriber
    from privacy import RedactorProtocol as Redactor

__all__ = ["Runtime", "open_runtime", "transcriber_for"]


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    #: Replacements for the real models (tests use fakes that satisfy the same Protocols).
    transcriber_impl: Transcriber | None = None
    redactor_impl: Redactor | None = None

    def transcriber(self, agent_channel: int | None = None) -> Transcriber:
        if self.transcriber_impl is not None:
            return self.transcriber_impl
        return transcriber_for(self.settings, agent_channel)

    def redactor(self) -> Redactor:
        if self.redactor_impl is not None:
            return self.redactor_impl
        from privacy import get_redactor

        return get_redactor()


def transcriber_for(settings: Settings, agent_channel: int | None = None) -> Transcriber:
    """The Whisper transcriber for these settings (the model is loaded once per process)."""
    channel = settings.agent_channel if agent_channel is None else agent_channel
    return _transcriber(
        settings.asr_model, settings.asr_compute_type, settings.asr_threads, settings.asr_beam_size, channel
    )


@functools.cache
def _transcriber(
    model: str, compute_type: str, threads: int, beam: int | None, agent_channel: int
) -> Transcriber:
    from asr import TranscribeOptions, WhisperTranscriber

    opts = TranscribeOptions(
        model=model, compute_type=compute_type, cpu_threads=threads, agent_channel=agent_channel
    )
    if beam is not None:
        opts.beam_size = beam
    return WhisperTranscriber(opts)


def open_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    """Connect to the configured database (starting the embedded one if needed) and migrate it."""
    from api import migrate as migrations

    settings = settings or Settings()
    url = settings.database_url or embedded_server_url(settings.home_dir / "pgdata")
    rt = Runtime(settings=settings, db=Database(url))
    if migrate:
        migrations.upgrade(rt.db)
    return rt
