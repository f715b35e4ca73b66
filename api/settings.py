"""The one place callscope reads the environment (prefix ``CALLSCOPE_``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

_DEMO = Path(__file__).resolve().parents[1] / "demo"


class Settings(BaseSettings):
    """Runtime settings; every field can be set as ``CALLSCOPE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CALLSCOPE_", extra="ignore")

    home: Path = Field(default=Path("~/.callscope"), description="Data folder: database, stored audio.")
    database_url: str | None = Field(
        default=None, description="PostgreSQL with pgvector; empty = embedded server under home/pgdata."
    )
    asr_model: str = Field(default="tiny.en", description="'tiny.en' (bundled) or a CTranslate2 model path.")
    asr_compute_type: str = "int8"
    asr_threads: int = Field(default=0, description="CPU threads for Whisper; 0 = all cores.")
    asr_beam_size: int | None = Field(default=None, description="None = the transcriber's default.")
    agent_channel: int = Field(default=0, description="Stereo recordings: the agent's channel.")
    redact_pii: bool = True
    keep_original_audio: bool = Field(
        default=True,
        description="False: keep only the recording with the redacted words silenced (FLAC); the original "
        "copy is removed once the call is stored. No effect with redact_pii off (nothing to silence).",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="Calls that started more than this many days ago are purged down to their de-identified "
        "facts by `callscope calls purge` (no --older-than-days) and POST /api/admin/retention; unset = "
        "keep forever.",
    )
    max_upload_mb: float = 200.0
    max_duration_s: float = 4 * 3600.0
    kb: str = Field(default="default", description="The knowledge base live assist and `kb` commands use.")
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (bundled) or a sentence-transformers folder.",
    )
    embedding_backend: str = Field(default="onnx-int8", description="onnx-int8, onnx or torch.")
    model_cache: Path | None = Field(default=None, description="Converted models; empty = home/models.")
    assist_as_of: date | None = Field(
        default=None, description="The date promotions must be valid on in live assist; empty = today."
    )
    assist_chat_model: str | None = Field(
        default=None,
        description="'provider:model' for an optional generated answer (LangChain); empty = off.",
    )
    live_recordings: list[Path] = Field(
        default_factory=lambda: [_DEMO / "live", _DEMO / "recordings"],
        description="Folders of recordings the sidebar can play as a live call (JSON list).",
    )
    tag_on_ingest: bool = Field(default=True, description="Tag contact type, sentiment and repeat risk.")
    taxonomy: Path | None = Field(
        default=None, description="Contact-type taxonomy YAML to build the classifier from (few-shot)."
    )
    contact_type_model: Path | None = Field(
        default=None, description="A trained contact-type model folder; empty = the taxonomy or the default."
    )
    sentiment_model: Path | None = Field(default=None, description="A trained sentiment model folder.")
    repeat_call_model: Path | None = Field(default=None, description="A trained repeat-call model folder.")
    repeat_window_days: float = Field(default=7.0, description="Measured repeats: the repeat window.")
    scorecard: Path | None = Field(
        default=None, description="QA scorecard YAML (FORMATS §5); empty = the shipped standard-voice."
    )
    qa_on_ingest: bool = Field(default=True, description="Score every ingested call on the scorecard.")
    qa_model: Path | None = Field(
        default=None, description="A calibration folder (`qa calibrate --train`) the QA scorer applies."
    )
    qa_chat_model: str | None = Field(
        default=None,
        description="A LangChain `init_chat_model` id for scorecard items marked `scorer: llm` (optional).",
    )
    qa_reviews_per_agent_week: int = Field(
        default=2, ge=0, description="Calls picked for human review per agent and ISO week."
    )
    service_level_target: str = Field(
        default="80/20", description="Service-level target: percent answered within seconds (80/20, 90/10)."
    )
    short_abandon_s: float = Field(
        default=10.0, ge=0, description="Abandons within this many seconds are reported as short abandons."
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set when behind a TLS proxy)."
    )
    max_in_flight: int = Field(
        default=64, ge=0, description="Requests served at once; more wait, then get 503 (0 = no limit)."
    )
    max_queued: int = Field(default=64, ge=0, description="Requests that may wait for a slot before 503s.")
    queue_wait_s: float = Field(default=1.0, ge=0, description="How long a request waits for a slot.")
    retry_after_s: int = Field(default=2, ge=1, description="The Retry-After of a 503 from load shedding.")
    assist_resume_s: float = Field(
        default=60.0, ge=0, description="A dropped live-assist session can be resumed for this long."
    )
    serve_worker: bool = Field(
        default=True, description="`serve` also runs a job worker; false when workers run elsewhere."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For/-Proto `serve` trusts (comma-separated, or *).",
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def models_dir(self) -> Path:
        """Converted models (the ONNX export of the embedding model)."""
        return (self.model_cache or self.home_dir / "models").expanduser()

    @property
    def audio_dir(self) -> Path:
        return self.home_dir / "audio"
