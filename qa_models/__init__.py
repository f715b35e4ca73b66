"""Scorecards and taxonomies, call tagging (contact type, sentiment, repeat calls) and training.

Heavy pieces load lazily: ``import qa_models`` reads no model; the classifiers take an ``Encoder``
(the shared sentence embedder, ``knowledge.get_embedder()`` in the app) when they are built.
"""

from qa_models.contact_type import (
    DEFAULT_CONTACT_TYPE_MODEL,
    DEFAULT_TAXONOMY,
    OTHER,
    CallContactType,
    ContactTypeClassifier,
    ContactTypeOptions,
    TypePrediction,
    build_contact_type,
    load_default_contact_type,
    reason_sentences,
)
from qa_models.heads import Encoder, LinearHead, ModelInfo, read_model, write_model
from qa_models.repeat import (
    CallRecord,
    RepeatCallPredictor,
    RepeatMark,
    RepeatOptions,
    RepeatPrediction,
    RepeatRate,
    Signal,
    measure_repeats,
    overall_rate,
    repeat_rates,
    repeat_signals,
    train_repeat_predictor,
)
from qa_models.scorecard import Scorecard, Taxonomy, load_scorecard, load_taxonomy, score_call
from qa_models.sentiment import (
    CallSentiment,
    SentimentClassifier,
    TurnSentiment,
    load_default_sentiment,
    train_sentiment,
)
from qa_models.tagger import CallTagger, CallTags, TagInput

__all__ = [
    "DEFAULT_CONTACT_TYPE_MODEL",
    "DEFAULT_TAXONOMY",
    "OTHER",
    "CallContactType",
    "CallRecord",
    "CallSentiment",
    "CallTagger",
    "CallTags",
    "ContactTypeClassifier",
    "ContactTypeOptions",
    "Encoder",
    "LinearHead",
    "ModelInfo",
    "RepeatCallPredictor",
    "RepeatMark",
    "RepeatOptions",
    "RepeatPrediction",
    "RepeatRate",
    "Scorecard",
    "SentimentClassifier",
    "Signal",
    "TagInput",
    "Taxonomy",
    "TurnSentiment",
    "TypePrediction",
    "build_contact_type",
    "load_default_contact_type",
    "load_default_sentiment",
    "load_scorecard",
    "load_taxonomy",
    "measure_repeats",
    "overall_rate",
    "read_model",
    "reason_sentences",
    "repeat_rates",
    "repeat_signals",
    "score_call",
    "train_repeat_predictor",
    "train_sentiment",
    "write_model",
]
