"""The seam between eval tasks and the models they measure.

Each task asks ``load_capability(task, request)`` for its model. ``CAPABILITIES`` maps a task
name to a loader; a loader returns a model that satisfies the task's ``Protocol`` below, or raises
``NotAvailable`` saying why (the capability has not been built yet, or the run lacks something it
needs). Later issues replace the loaders here with the real models; tests put fakes in the
dict (``monkeypatch.setitem(CAPABILITIES, "sentiment", lambda request: FakeSentiment())``).

The retrieval loader is the one that returns several systems: ``{"hybrid": ..., "bm25": ...,
"vector": ...}``; the first is the model under test, the others are reported as its baselines.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from common.errors import CallscopeError

if TYPE_CHECKING:
    from asr import TranscribeOptions
    from common.formats import LabeledCall
    from evals.types import KnowledgeDoc, RetrievalQuery
    from qa_models.scorecard import Scorecard, Taxonomy

__all__ = [
    "CAPABILITIES",
    "CapabilityRequest",
    "ContactTypeModel",
    "Hit",
    "ItemAnswer",
    "Label",
    "NotAvailable",
    "QAScorer",
    "RepeatCallModel",
    "Retriever",
    "SentimentModel",
    "SentimentScore",
    "document_facts",
    "load_capability",
]


class NotAvailable(CallscopeError):
    """A capability cannot be measured in this run; the message says why."""


# ------------------------------------------------------------------------------ value types


@dataclass(slots=True)
class Label:
    """A classifier's answer: the label, its confidence (0..1) when known, and the evidence."""

    label: str
    confidence: float | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SentimentScore:
    """``label`` is negative | neutral | positive; ``polarity`` runs from −1 (negative) to +1."""

    label: str
    polarity: float


@dataclass(slots=True)
class Hit:
    """One retrieved document with its score (higher is better)."""

    doc_id: str
    score: float
    text: str = ""


@dataclass(slots=True)
class ItemAnswer:
    """A QA scorer's answer to one scorecard item, with the evidence (turn texts or spans)."""

    answer: str
    evidence: list[str] = field(default_factory=list)
    confidence: float | None = None


# ------------------------------------------------------------------------------- protocols


@runtime_checkable
class ContactTypeModel(Protocol):
    name: str

    def classify(self, texts: Sequence[str]) -> list[Label]: ...


@runtime_checkable
class SentimentModel(Protocol):
    name: str

    def score(self, texts: Sequence[str]) -> list[SentimentScore]: ...


@runtime_checkable
class Retriever(Protocol):
    """``confidence_threshold``: a best score below it means "nothing confident to suggest"."""

    name: str
    confidence_threshold: float

    def search(self, query: RetrievalQuery, k: int) -> list[Hit]: ...


@runtime_checkable
class QAScorer(Protocol):
    name: str

    def score(self, call: LabeledCall, scorecard: Scorecard) -> dict[str, ItemAnswer]: ...


@runtime_checkable
class RepeatCallModel(Protocol):
    """``predict`` sees every call of the dataset (a repeat needs the customer's history) and returns
    one probability per call, in order, that the customer calls again about the same matter."""

    name: str

    def predict(self, calls: Sequence[LabeledCall]) -> list[float]: ...


# ---------------------------------------------------------------------------------- request


@dataclass(slots=True)
class CapabilityRequest:
    """What a loader may use. ``database_url()`` starts a temporary embedded PostgreSQL the first
    time it is asked for (deleted when the process exits) unless the run was given a URL."""

    task: str
    model_dir: Path | None = None
    transcribe: TranscribeOptions | None = None
    scorecard: Scorecard | None = None
    taxonomy: Taxonomy | None = None
    documents: list[KnowledgeDoc] | None = None
    #: Training texts the task found in the data (its training split, or the non-test calls'
    #: reason sentences): a contact-type model with no ``model_dir`` is trained on them in the run.
    train_texts: list[str] = field(default_factory=list)
    train_labels: list[str] = field(default_factory=list)
    #: The non-test labeled calls (repeat_call): a repeat-call model with no ``model_dir`` is trained
    #: on their ``labels.repeat_call`` in the run.
    train_calls: list[LabeledCall] = field(default_factory=list)
    given_database_url: str | None = None
    _database_url: str | None = None

    def database_url(self) -> str:
        if self._database_url is None:
            if self.given_database_url:
                self._database_url = self.given_database_url
            else:
                from common.db import embedded_server_url

                folder = Path(tempfile.mkdtemp(prefix="callscope-eval-pg-"))
                self._database_url = embedded_server_url(folder, ephemeral=True)
        return self._database_url


Loader = Callable[[CapabilityRequest], Any]


def _asr(request: CapabilityRequest) -> Any:
    from asr import TranscribeOptions, WhisperTranscriber

    options = request.transcribe or TranscribeOptions()
    if request.model_dir is not None:
        options.model = str(request.model_dir)
    return WhisperTranscriber(options)


class _KnowledgeRetriever:
    """One search mode over a knowledge base indexed for this run; queries are formed with their
    context exactly as live assist forms them. ``Hit.score`` is the calibrated confidence."""

    def __init__(self, searcher: Any, kb: str, mode: str) -> None:
        self.searcher = searcher
        self.kb = kb
        self.name = mode
        self.confidence_threshold = float(searcher.confidence.threshold)

    def search(self, query: RetrievalQuery, k: int) -> list[Hit]:
        from datetime import date

        from assist import form_query
        from knowledge import SearchOptions

        as_of = date.fromisoformat(query.as_of) if query.as_of else None
        text = form_query(query.query, query.context).text
        options = SearchOptions(k=k, mode=self.name, as_of=as_of)  # type: ignore[arg-type]  # one of the three
        result = self.searcher.search(self.kb, text, options)
        return [Hit(h.doc_id, h.confidence, h.chunk_text) for h in result.hits]


def _retrieval(request: CapabilityRequest) -> Any:
    """Index the run's documents into a knowledge base, then hybrid, BM25-only and vector-only search."""
    from datetime import date

    from common.db import Database
    from common.migrate import upgrade
    from knowledge import Document, EmbedderOptions, KnowledgeIndex, Searcher, get_embedder

    if not request.documents:
        raise NotAvailable("the retrieval task needs knowledge documents")
    db = Database(request.database_url())
    upgrade(db)
    embedder = get_embedder(EmbedderOptions(model=str(request.model_dir)) if request.model_dir else None)
    docs = [
        Document(
            id=d.id,
            title=d.title or d.id,
            text=d.text,
            kind=d.kind,
            valid_from=date.fromisoformat(d.valid_from) if d.valid_from else None,
            valid_to=date.fromisoformat(d.valid_to) if d.valid_to else None,
            tags=list(d.tags),
        )
        for d in request.documents
    ]
    KnowledgeIndex(db.engine, embedder).index_documents("eval", docs, remove_missing=True)
    searcher = Searcher(db.engine, embedder)
    return {mode: _KnowledgeRetriever(searcher, "eval", mode) for mode in ("hybrid", "bm25", "vector")}


def _encoder() -> Any:
    from knowledge import get_embedder

    return get_embedder()


def _contact_type(request: CapabilityRequest) -> Any:
    """A trained model folder (``--model``); else a classifier built in the run from the taxonomy
    and/or the data's training split; else the shipped default (the generic contact-center taxonomy)."""
    from qa_models import ContactTypeClassifier, build_contact_type, load_default_contact_type

    encoder = _encoder()
    if request.model_dir is not None:
        return ContactTypeClassifier.load(request.model_dir, encoder)
    if request.taxonomy is not None or request.train_texts:
        parts = [f"taxonomy {request.taxonomy.id}"] if request.taxonomy is not None else []
        if request.train_texts:
            parts.append(f"{len(request.train_texts)} training items")
        model = build_contact_type(
            encoder,
            taxonomy=request.taxonomy,
            texts=request.train_texts,
            labels=request.train_labels,
            name="minilm-logreg",
            trained_on=" + ".join(parts),
        )
        model.name = f"minilm-logreg ({model.info.trained_on}, trained in this run)"
        return model
    return load_default_contact_type(encoder)


def _sentiment(request: CapabilityRequest) -> Any:
    from qa_models import SentimentClassifier, load_default_sentiment

    encoder = _encoder()
    if request.model_dir is not None:
        return SentimentClassifier.load(request.model_dir, encoder)
    return load_default_sentiment(encoder)


class _RepeatCalls:
    """The repeat-call predictor over labeled calls, tagged first (contact type and closing
    sentiment come from the models, as they do for stored calls)."""

    def __init__(self, predictor: Any) -> None:
        self.predictor = predictor
        self.name = predictor.name

    @staticmethod
    def records(calls: Sequence[LabeledCall]) -> list[Any]:
        from qa_models import CallTagger, TagInput

        tagged = CallTagger.with_defaults(_encoder()).tag_many([TagInput.from_labeled_call(c) for c in calls])
        return [t.record for t in tagged]

    def predict(self, calls: Sequence[LabeledCall]) -> list[float]:
        return [p.probability for p in self.predictor.predict_many(self.records(calls))]


def _repeat_call(request: CapabilityRequest) -> Any:
    """A trained model folder; else one trained in the run on the data's non-test calls; else the
    default (fixed weights, usable before any history exists)."""
    from qa_models import RepeatCallPredictor, train_repeat_predictor

    if request.model_dir is not None:
        return _RepeatCalls(RepeatCallPredictor.load(request.model_dir))
    labeled = [c for c in request.train_calls if isinstance(c.labels.get("repeat_call"), bool)]
    if labeled:
        labels = [bool(c.labels["repeat_call"]) for c in labeled]
        model = train_repeat_predictor(_RepeatCalls.records(labeled), labels, name="repeat-call")
        model.name = f"repeat-call (trained in this run on {len(labeled)} calls)"
        return _RepeatCalls(model)
    return _RepeatCalls(RepeatCallPredictor.default())


class _QA:
    """callscope's QA scorer on labeled calls: answers with their evidence as "turn N: text"."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.name = scorer.model

    def score(self, call: LabeledCall, scorecard: Scorecard) -> dict[str, ItemAnswer]:
        from qa_models import TagInput

        result = self.scorer.score(TagInput.from_labeled_call(call), scorecard)
        return {
            i.item_id: ItemAnswer(i.answer, [f"turn {e.turn}: {e.text}" for e in i.evidence], i.confidence)
            for i in result.items
        }


def document_facts(documents: Sequence[KnowledgeDoc], encoder: Any) -> Any:
    """Knowledge documents as QA's fact checker (``qa_models.DocumentFacts``), in memory."""
    from datetime import date

    from qa_models import DocumentFacts, KnowledgeFact

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value[:10]) if value else None

    facts = [
        KnowledgeFact(d.id, d.title or d.id, d.kind, d.text, 1.0, day(d.valid_from), day(d.valid_to), d.text)
        for d in documents
    ]
    return DocumentFacts(facts, encoder)


def _qa(request: CapabilityRequest) -> Any:
    """The QA scorer; ``--kb`` documents become its knowledge check, ``--model-dir`` a calibration
    folder written by ``callscope qa calibrate --train``."""
    from qa_models import ItemModels, QAScorer

    encoder = _encoder()
    knowledge = document_facts(request.documents, encoder) if request.documents else None
    calibration = ItemModels.load(request.model_dir) if request.model_dir is not None else None
    return _QA(QAScorer(knowledge=knowledge, encoder=encoder, calibration=calibration))


#: task name → loader of the model under test
CAPABILITIES: dict[str, Loader] = {
    "asr": _asr,
    "retrieval": _retrieval,
    "contact_type": _contact_type,
    "sentiment": _sentiment,
    "qa": _qa,
    "repeat_call": _repeat_call,
}


def load_capability(task: str, request: CapabilityRequest) -> Any:
    """The model for ``task``; raises ``NotAvailable`` with the reason when there is none."""
    loader = CAPABILITIES.get(task)
    if loader is None:
        raise NotAvailable(f"no capability is registered for task '{task}'")
    return loader(request)
