"""What a running callscope process holds: settings, the database, and the cached models."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.settings import Settings
from common.db import Database, embedded_server_url
from common.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from asr import Transcriber
    from knowledge import Embedder, KnowledgeIndex, Searcher
    from privacy import RedactorProtocol as Redactor
    from qa_models import CallTagger, QAScorer, Scorecard

__all__ = ["Runtime", "embedder_for", "open_runtime", "transcriber_for"]


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    #: Replacements for the real models (tests use fakes that satisfy the same Protocols).
    transcriber_impl: Transcriber | None = None
    redactor_impl: Redactor | None = None
    embedder_impl: Embedder | None = None
    chat_model_impl: BaseChatModel | None = None
    tagger_impl: CallTagger | None = None
    qa_scorer_impl: QAScorer | None = None
    scorecard_impl: Scorecard | None = None
    _searcher: Searcher | None = None

    def transcriber(self, agent_channel: int | None = None) -> Transcriber:
        if self.transcriber_impl is not None:
            return self.transcriber_impl
        return transcriber_for(self.settings, agent_channel)

    def redactor(self) -> Redactor:
        if self.redactor_impl is not None:
            return self.redactor_impl
        from privacy import get_redactor

        return get_redactor()

    def embedder(self) -> Embedder:
        if self.embedder_impl is not None:
            return self.embedder_impl
        return embedder_for(self.settings)

    def knowledge_index(self) -> KnowledgeIndex:
        from knowledge import KnowledgeIndex

        return KnowledgeIndex(self.db.engine, self.embedder())

    def chat_model(self) -> BaseChatModel | None:
        """The configured chat model for generated answers, or None (the default: off)."""
        if self.chat_model_impl is not None or not self.settings.assist_chat_model:
            return self.chat_model_impl
        from assist import load_chat_model

        self.chat_model_impl = load_chat_model(self.settings.assist_chat_model)
        return self.chat_model_impl

    def searcher(self) -> Searcher:
        """One per runtime: it holds the calibration and is safe to share between requests."""
        if self._searcher is None:
            from knowledge import Searcher

            self._searcher = Searcher(self.db.engine, self.embedder())
        return self._searcher

    def tagger(self) -> CallTagger:
        """Contact type, sentiment and repeat-call models from the settings (defaults: the shipped ones)."""
        if self.tagger_impl is None:
            self.tagger_impl = _tagger(self.settings, self.embedder())
        return self.tagger_impl

    def scorecard(self) -> Scorecard:
        """The configured QA scorecard (default: the shipped ``standard-voice``), read once."""
        if self.scorecard_impl is None:
            from qa_models import load_default_scorecard, load_scorecard

            path = self.settings.scorecard
            self.scorecard_impl = load_scorecard(path) if path else load_default_scorecard()
        return self.scorecard_impl

    def qa_scorer(self) -> QAScorer:
        """The automatic QA scorer on the shared sentence encoder, checking agents' statements against
        the configured knowledge base (``kb``), with the calibration in ``qa_model`` when one is
        configured."""
        if self.qa_scorer_impl is None:
            from api.qa_facts import SearcherFacts
            from qa_models import ItemModels, QAScorer

            s = self.settings
            # ``qa_model``: a `qa calibrate --train` folder, the refits applied on top of the rules.
            calibration = ItemModels.load(s.qa_model) if s.qa_model else None
            knowledge = SearcherFacts(self.searcher(), s.kb)
            chat = None
            if s.qa_chat_model:
                from assist import load_chat_model

                chat = load_chat_model(s.qa_chat_model)
            self.qa_scorer_impl = QAScorer(
                knowledge=knowledge, encoder=self.embedder(), chat_model=chat, calibration=calibration
            )
        return self.qa_scorer_impl


def _tagger(settings: Settings, encoder: Embedder) -> CallTagger:
    from qa_models import (
        CallTagger,
        ContactTypeClassifier,
        RepeatCallPredictor,
        SentimentClassifier,
        build_contact_type,
        load_default_contact_type,
        load_default_sentiment,
        load_taxonomy,
    )

    s = settings
    if s.contact_type_model:
        contact_type = ContactTypeClassifier.load(s.contact_type_model, encoder)
    elif s.taxonomy:
        taxonomy = load_taxonomy(s.taxonomy)
        contact_type = build_contact_type(encoder, taxonomy=taxonomy, name=f"{taxonomy.id}-few-shot")
    else:
        contact_type = load_default_contact_type(encoder)
    sentiment = (
        SentimentClassifier.load(s.sentiment_model, encoder)
        if s.sentiment_model
        else load_default_sentiment(encoder)
    )
    repeat = (
        RepeatCallPredictor.load(s.repeat_call_model)
        if s.repeat_call_model
        else RepeatCallPredictor.default()
    )
    return CallTagger(encoder, contact_type, sentiment, repeat)


def embedder_for(settings: Settings) -> Embedder:
    """The sentence embedder for these settings (loaded once per process; needs no database)."""
    from knowledge import EmbedderOptions, get_embedder

    backend = settings.embedding_backend
    if backend not in ("onnx-int8", "onnx", "torch"):
        raise ConfigError(f"CALLSCOPE_EMBEDDING_BACKEND={backend!r}: use onnx-int8, onnx or torch")
    options = EmbedderOptions(model=settings.embedding_model, backend=backend, cache_dir=settings.models_dir)  # type: ignore[arg-type]
    return get_embedder(options)


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
    from common import migrate as migrations

    settings = settings or Settings()
    url = settings.database_url or embedded_server_url(settings.home_dir / "pgdata")
    rt = Runtime(settings=settings, db=Database(url))
    if migrate:
        migrations.upgrade(rt.db)
    return rt
