"""Sentiment per turn and for the customer over a call, from a linear head on sentence embeddings.

A turn's features are its shared sentence embedding, optionally followed by cheap lexical features:
VADER's lexicon scores (``vader``: compound, pos, neg, neu) and a few surface cues (``cues``:
negations, exclamation and question marks, shouting, intensifiers, length). The head gives
P(negative | neutral | positive); ``polarity = P(positive) − P(negative)`` runs from −1 to +1 and the
label is the most probable class.

Over a call only the customer's turns count (the agent is paid to sound cheerful). The overall figure
is a weighted mean: short fillers ("ok", "yeah") weigh little, longer turns more, and strongly felt
turns more than flat ones, so one angry outburst among polite routine still shows. ``start`` and
``end`` are the same mean over the first and last third of the customer's turns.

A model may instead carry its own encoder: the bundled one fine-tuned for sentiment with low-rank
adapters (``qa_models.finetune``), with the head trained alongside it on the embedding alone. The
shipped default (``models/sentiment``) is such a model, trained by
``scripts/train_default_sentiment.py`` on TweetEval; ``train_sentiment`` trains either kind on a team's
own labels (the head alone takes seconds, fine-tuning minutes per thousand texts on a laptop CPU).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from asr import customer_turn_indices
from common.errors import ConfigError, InvalidInput
from qa_models.finetune import Adapter, FineTuneOptions, fine_tune_encoder, tuned_encoder
from qa_models.heads import (
    Encoder,
    LinearHead,
    ModelInfo,
    fit_linear_head,
    known_settings,
    read_model,
    write_model,
)

if TYPE_CHECKING:
    from asr import Turn

__all__ = [
    "DEFAULT_SENTIMENT_MODEL",
    "FEATURE_GROUPS",
    "SENTIMENT_LABELS",
    "CallSentiment",
    "SentimentClassifier",
    "SentimentOptions",
    "TurnSentiment",
    "aggregate_call_sentiment",
    "cross_validate_sentiment",
    "load_default_sentiment",
    "sentiment_features",
    "train_sentiment",
]

KIND = "sentiment"
SENTIMENT_LABELS = ("negative", "neutral", "positive")
#: Feature groups a model may use; ``embedding`` is always first.
FEATURE_GROUPS = ("embedding", "vader", "cues")
DEFAULT_SENTIMENT_MODEL = Path(__file__).resolve().parent / "models" / "sentiment"


@dataclass(slots=True)
class SentimentOptions:
    """Settings of a sentiment model. The defaults of ``c``, ``features`` and ``balanced`` are the ones
    5-fold cross-validation chose on TweetEval's training part for a head-only model (macro-F1 0.679;
    the grid is in ``scripts/train_default_sentiment.py --head-only``). A fine-tuned model, as the
    shipped one is, uses only the aggregation settings below.

    Attributes:
      c: Inverse L2 regularisation strength of the logistic-regression head.
      features: Feature groups after the embedding: any of ``"vader"`` and ``"cues"``.
      balanced: Weigh classes inversely to their frequency while fitting.
      folds: Cross-validation folds for the figures stored with a trained model (0 or 1: none).
      seed: Seed of the fold split.
      filler_words: A customer turn of at most this many words made only of filler ("ok", "yeah")
        weighs ``filler_weight`` in the call figures.
      filler_weight: Weight of such a filler turn (other turns weigh up to 1).
      full_weight_words: A turn of this many words or more gets the full length weight; shorter ones
        less, by the log of their length.
      intensity_floor: Turn weight factor is ``intensity_floor + |polarity|``: flat turns still count,
        strongly felt ones count more.
      edge_share: Share of the customer's turns that make up ``start`` and ``end`` (at least one turn).
      trajectory_delta: ``end − start`` at or above this is "improved", at or below minus this
        "worsened", else "steady".
    """

    c: float = 3.0
    features: tuple[str, ...] = ("vader", "cues")
    balanced: bool = False
    folds: int = 5
    seed: int = 0
    filler_words: int = 3
    filler_weight: float = 0.1
    full_weight_words: int = 12
    intensity_floor: float = 0.5
    edge_share: float = 1 / 3
    trajectory_delta: float = 0.3

    def __post_init__(self) -> None:
        self.features = tuple(self.features)
        unknown = [f for f in self.features if f not in FEATURE_GROUPS[1:]]
        if unknown:
            raise InvalidInput(
                f"unknown sentiment feature group(s) {unknown}; choose from {list(FEATURE_GROUPS[1:])}"
            )
        if self.c <= 0:
            raise InvalidInput(f"sentiment option c must be positive, got {self.c}")
        if not 0 < self.edge_share <= 1:
            raise InvalidInput(f"sentiment option edge_share must be in (0, 1], got {self.edge_share}")

    def to_settings(self) -> dict[str, Any]:
        out = asdict(self)
        out["features"] = list(self.features)
        return out

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> SentimentOptions:
        return cls(**known_settings(cls, settings))  # __post_init__ makes ``features`` a tuple


@dataclass(slots=True)
class TurnSentiment:
    """``label`` negative | neutral | positive; ``polarity`` = P(positive) − P(negative), −1..1."""

    label: str
    polarity: float
    probabilities: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class CallSentiment:
    """The customer's sentiment over a call.

    ``start``/``end``: polarity over the first / last third of the customer's turns (``end`` is the
    closing sentiment). ``most_negative``: ``{"turn": index into the input turns, "text", "polarity",
    "label"}`` of the customer's lowest-polarity turn that is not a filler, or None when no customer
    turn is below zero. ``turns``: one entry per input turn, None for turns not scored.
    """

    label: str
    polarity: float
    start: float
    end: float
    trajectory: str
    most_negative: dict[str, Any] | None
    turns: list[TurnSentiment | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "polarity": self.polarity,
            "start": self.start,
            "end": self.end,
            "trajectory": self.trajectory,
            "most_negative": dict(self.most_negative) if self.most_negative is not None else None,
            "turns": [asdict(t) if t is not None else None for t in self.turns],
        }


# ----------------------------------------------------------------------------------- features

_WORD = re.compile(r"[A-Za-z']+")
_NEGATIONS = frozenset(
    "not no never nothing nobody none nowhere neither nor cannot cant can't won't wont don't dont "
    "doesn't doesnt didn't didnt isn't isnt wasn't wasnt aren't arent haven't havent hasn't hasnt "
    "shouldn't wouldn't couldn't".split()
)
_INTENSIFIERS = frozenset(
    "very really so too extremely totally absolutely completely seriously super incredibly "
    "utterly highly ridiculously".split()
)
_FILLERS = frozenset(
    "ok okay k yeah yes yep yup ya uh um uhm huh hm hmm mm mhm right sure alright all fine got it "
    "i see oh ah well so and".split()
)


@functools.cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _vader_features(texts: Sequence[str]) -> np.ndarray:
    analyzer = _vader()
    rows = []
    for text in texts:
        s = analyzer.polarity_scores(text)
        rows.append((s["compound"], s["pos"], s["neg"], s["neu"]))
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), 4)


def _cue_features(texts: Sequence[str]) -> np.ndarray:
    # Each cue is capped and scaled to 0..1 so it sits on the same footing as the other features.
    rows = []
    for text in texts:
        words = _WORD.findall(text)
        lowered = [w.lower() for w in words]
        n = max(len(words), 1)
        rows.append(
            (
                min(sum(w in _NEGATIONS or w.endswith("n't") for w in lowered), 3) / 3,
                min(text.count("!"), 3) / 3,
                min(text.count("?"), 3) / 3,
                sum(len(w) > 1 and w.isupper() for w in words) / n,  # shouting
                min(sum(w in _INTENSIFIERS for w in lowered), 2) / 2,
                min(math.log1p(len(words)) / math.log1p(50), 1.0),
            )
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), 6)


def sentiment_features(texts: Sequence[str], vectors: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The head's input: the embeddings followed by the named lexical feature groups."""
    parts = [np.asarray(vectors, dtype=np.float32)]
    if "vader" in features:
        parts.append(_vader_features(texts))
    if "cues" in features:
        parts.append(_cue_features(texts))
    return np.hstack(parts) if len(parts) > 1 else parts[0]


def _check_vectors(texts: Sequence[str], vectors: np.ndarray, dim: int | None) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise InvalidInput(f"expected one embedding per text ({len(texts)}), got an array of {vectors.shape}")
    if dim is not None and vectors.shape[1] != dim:
        raise InvalidInput(f"embeddings have {vectors.shape[1]} dimensions; this model expects {dim}")
    return vectors


# ------------------------------------------------------------------------------- aggregation


def _is_filler(text: str, options: SentimentOptions) -> bool:
    words = [w.lower() for w in _WORD.findall(text)]
    return len(words) <= options.filler_words and all(w in _FILLERS for w in words)


def _turn_weight(text: str, polarity: float, options: SentimentOptions) -> float:
    if _is_filler(text, options):
        return options.filler_weight
    n = len(_WORD.findall(text))
    length = min(math.log1p(n) / math.log1p(options.full_weight_words), 1.0)
    return max(length, options.filler_weight) * (options.intensity_floor + abs(polarity))


def _weighted(scores: Sequence[TurnSentiment], weights: Sequence[float]) -> tuple[float, dict[str, float]]:
    total = sum(weights) or 1.0
    polarity = sum(w * s.polarity for s, w in zip(scores, weights, strict=True)) / total
    probabilities: dict[str, float] = {}
    for s, w in zip(scores, weights, strict=True):
        for label, p in s.probabilities.items():
            probabilities[label] = probabilities.get(label, 0.0) + w * p / total
    return polarity, probabilities


def aggregate_call_sentiment(
    turns: Sequence[Turn], scores: Sequence[TurnSentiment | None], options: SentimentOptions | None = None
) -> CallSentiment:
    """The call figures from per-turn scores (None for turns not scored, e.g. the agent's)."""
    options = options or SentimentOptions()
    if len(scores) != len(turns):
        raise InvalidInput(f"expected one score per turn ({len(turns)}), got {len(scores)}")
    idx = [i for i, s in enumerate(scores) if s is not None and turns[i].text.strip()]
    if not idx:
        return CallSentiment("neutral", 0.0, 0.0, 0.0, "steady", None, list(scores))
    scored = [s for s in (scores[i] for i in idx) if s is not None]
    weights = [_turn_weight(turns[i].text, s.polarity, options) for i, s in zip(idx, scored, strict=True)]
    polarity, probabilities = _weighted(scored, weights)
    if probabilities:
        label = max(probabilities, key=lambda k: probabilities[k])
    else:  # scores without probabilities (e.g. a lexicon baseline): label from the polarity
        label = "positive" if polarity >= 0.05 else "negative" if polarity <= -0.05 else "neutral"
    edge = max(1, math.ceil(len(idx) * options.edge_share))
    start, _ = _weighted(scored[:edge], weights[:edge])
    end, _ = _weighted(scored[-edge:], weights[-edge:])
    if end - start >= options.trajectory_delta:
        trajectory = "improved"
    elif start - end >= options.trajectory_delta:
        trajectory = "worsened"
    else:
        trajectory = "steady"
    # The lowest turn that says something; a bare "no" is not a moment worth pointing at.
    candidates = [(i, s) for i, s in zip(idx, scored, strict=True) if not _is_filler(turns[i].text, options)]
    worst_i, worst = min(candidates or list(zip(idx, scored, strict=True)), key=lambda p: p[1].polarity)
    most_negative = (
        {"turn": worst_i, "text": turns[worst_i].text, "polarity": worst.polarity, "label": worst.label}
        if worst.polarity < 0
        else None
    )
    return CallSentiment(label, polarity, start, end, trajectory, most_negative, list(scores))


# -------------------------------------------------------------------------------- the model


class SentimentClassifier:
    """A trained sentiment head with the encoder it was trained on; satisfies evals' ``SentimentModel``.
    ``adapter``: set when the model fine-tuned its own encoder (then ``encoder`` is that tuned encoder,
    and embeddings computed by the shared encoder cannot be reused)."""

    def __init__(
        self,
        encoder: Encoder,
        head: LinearHead,
        info: ModelInfo,
        options: SentimentOptions,
        adapter: Adapter | None = None,
    ) -> None:
        # The backend may differ (int8 ONNX, float ONNX, torch: near-identical vectors), the model not.
        if info.encoder and info.encoder.split("/")[0] != encoder.name.split("/")[0]:
            raise ConfigError(
                f"sentiment model {info.label} was trained on embeddings of {info.encoder!r}, "
                f"not {encoder.name!r}; use that encoder or retrain with `callscope train sentiment`"
            )
        self.encoder = encoder
        self.head = head
        self.info = info
        self.options = options
        self.adapter = adapter
        self.name = info.name

    def score(self, texts: Sequence[str]) -> list[TurnSentiment]:
        if not texts:
            return []
        return self.score_embedded(texts, self.encoder.embed(list(texts)))

    def score_embedded(self, texts: Sequence[str], vectors: np.ndarray) -> list[TurnSentiment]:
        """Score texts whose embeddings were computed elsewhere (by this model's encoder)."""
        vectors = _check_vectors(texts, vectors, self.encoder.dim)
        if not texts:
            return []
        proba = self.head.probabilities(sentiment_features(texts, vectors, self.options.features))
        classes = self.head.classes
        pos = classes.index("positive") if "positive" in classes else None
        neg = classes.index("negative") if "negative" in classes else None
        out = []
        for row in proba:
            polarity = (float(row[pos]) if pos is not None else 0.0) - (
                float(row[neg]) if neg is not None else 0.0
            )
            probabilities = {c: float(p) for c, p in zip(classes, row, strict=True)}
            out.append(TurnSentiment(classes[int(row.argmax())], polarity, probabilities))
        return out

    def call_sentiment(self, turns: Sequence[Turn], *, vectors: np.ndarray | None = None) -> CallSentiment:
        """The customer's sentiment over a call. ``vectors``: embeddings of all ``turns``, in order,
        when they were computed already by the shared encoder (a fine-tuned model embeds the customer's
        turns itself); otherwise only the customer's turns are embedded."""
        if vectors is None or self.adapter is not None:
            return self.call_sentiments([turns])[0]
        idx = customer_turn_indices(turns)
        vectors = _check_vectors([t.text for t in turns], vectors, self.encoder.dim)
        picked = self.score_embedded([turns[i].text for i in idx], vectors[idx])
        return aggregate_call_sentiment(turns, _spread(len(turns), idx, picked), self.options)

    def call_sentiments(self, calls: Sequence[Sequence[Turn]]) -> list[CallSentiment]:
        """``call_sentiment`` of several calls, their customer turns scored in one batch (a text said
        in several calls, "okay" say, is scored once)."""
        where = [customer_turn_indices(turns) for turns in calls]
        unique = list(
            dict.fromkeys(turns[i].text for turns, idx in zip(calls, where, strict=True) for i in idx)
        )
        scored = dict(zip(unique, self.score(unique), strict=True))
        return [
            aggregate_call_sentiment(
                turns, _spread(len(turns), idx, [scored[turns[i].text] for i in idx]), self.options
            )
            for turns, idx in zip(calls, where, strict=True)
        ]

    def save(self, folder: str | Path) -> Path:
        self.info.settings = self.options.to_settings()
        arrays = self.head.arrays()
        if self.adapter is not None:
            self.info.settings["fine_tune"] = self.adapter.options.to_settings()
            arrays.update(self.adapter.save_arrays())
        return write_model(folder, self.info, arrays)

    @classmethod
    def load(
        cls, folder: str | Path, encoder: Encoder | None, *, cache_dir: Path | None = None
    ) -> SentimentClassifier:
        """``encoder``: the shared encoder a head-only model was trained on. A fine-tuned model brings
        its own, exported under ``cache_dir`` (default: where ``encoder`` keeps its export)."""
        info, arrays = read_model(folder, KIND)
        try:
            head = LinearHead.from_arrays(arrays)
        except KeyError as exc:
            raise ConfigError(f"{folder}: weights.npz lacks {exc}; retrain the sentiment model") from exc
        options = SentimentOptions.from_settings(info.settings)
        if "fine_tune" in info.settings:
            adapter = Adapter.from_arrays(
                arrays, head, FineTuneOptions.from_settings(info.settings["fine_tune"])
            )
            return cls(_tuned(adapter, cache_dir or _cache_dir(encoder)), head, info, options, adapter)
        if encoder is None:
            raise ConfigError(f"{folder}: this sentiment model needs the encoder it was trained on")
        expected = encoder.dim + 4 * ("vader" in options.features) + 6 * ("cues" in options.features)
        if head.weights.shape[1] != expected:
            raise ConfigError(
                f"{folder}: the head takes {head.weights.shape[1]} features, but {encoder.name!r} with "
                f"{list(options.features)} gives {expected}; retrain the sentiment model"
            )
        return cls(encoder, head, info, options)


# ----------------------------------------------------------------------------------- training


def _spread(n: int, idx: Sequence[int], picked: Sequence[TurnSentiment]) -> list[TurnSentiment | None]:
    scores: list[TurnSentiment | None] = [None] * n
    for i, score in zip(idx, picked, strict=True):
        scores[i] = score
    return scores


def _cache_dir(encoder: Encoder | None) -> Path | None:
    return getattr(encoder, "cache_dir", None)  # the embedders' export folder, when they have one


def _tuned(adapter: Adapter, cache_dir: Path | None) -> Encoder:
    return tuned_encoder(adapter, tag=KIND, cache_dir=cache_dir)


def _check_training(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise InvalidInput(f"got {len(texts)} texts but {len(labels)} labels; give one label per text")
    if not texts:
        raise InvalidInput("no training texts; give labelled texts (negative | neutral | positive)")
    bad = sorted({str(label) for label in labels} - set(SENTIMENT_LABELS))
    if bad:
        raise InvalidInput(
            f"unknown sentiment label(s) {bad[:5]}; every label must be one of {', '.join(SENTIMENT_LABELS)}"
        )
    if len(set(labels)) < 2:
        raise InvalidInput(
            f"all training texts are labelled {labels[0]!r}; a sentiment model needs at least two classes"
        )


def cross_validate_sentiment(
    texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray, options: SentimentOptions
) -> dict[str, Any]:
    """Stratified k-fold macro-F1 and accuracy of a head with ``options`` (each text predicted by a
    head that did not see it). Empty when a class has fewer texts than two folds need."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(labels)
    k = min(options.folds, min(counts.values()))
    if k < 2:
        return {}
    x = sentiment_features(texts, vectors, options.features)
    y = np.asarray(labels)
    predicted = np.empty(len(y), dtype=object)
    for train, test in StratifiedKFold(k, shuffle=True, random_state=options.seed).split(x, y):
        head = fit_linear_head(x[train], y[train].tolist(), c=options.c, balanced=options.balanced)
        predicted[test] = np.asarray(head.classes)[head.probabilities(x[test]).argmax(axis=1)]
    return {
        "cv_folds": k,
        "cv_macro_f1": round(float(f1_score(y, predicted.astype(str), average="macro")), 4),
        "cv_accuracy": round(float(accuracy_score(y, predicted.astype(str))), 4),
    }


def train_sentiment(
    encoder: Encoder | None,
    texts: Sequence[str],
    labels: Sequence[str],
    options: SentimentOptions | None = None,
    *,
    name: str = "sentiment",
    trained_on: str = "",
    vectors: np.ndarray | None = None,
    fine_tune: FineTuneOptions | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> SentimentClassifier:
    """Train a sentiment head on labelled texts (negative | neutral | positive). ``info.metrics`` holds
    the cross-validated macro-F1 on these texts. ``vectors``: their embeddings, if computed already.

    With ``fine_tune`` the encoder is fine-tuned along with a head on the embedding alone (lexical
    feature groups and cross-validation are skipped: k extra fine-tunings would cost k times the
    minutes); ``progress(step, steps, loss)`` follows it, and ``encoder`` (optional) only says where
    the tuned encoder's ONNX export is cached."""
    options = options or SentimentOptions()
    texts, labels = list(texts), [str(label) for label in labels]
    _check_training(texts, labels)
    metrics: dict[str, Any] = {"n_train": len(texts), "class_counts": dict(sorted(Counter(labels).items()))}
    adapter = None
    if fine_tune is not None:
        adapter = fine_tune_encoder(texts, labels, fine_tune, progress=progress)
        options.features = ()
        encoder, head = _tuned(adapter, _cache_dir(encoder)), adapter.head
    elif encoder is None:
        raise ConfigError("a sentiment head needs an encoder (or fine-tuning, which brings its own)")
    else:
        vectors = encoder.embed(texts) if vectors is None else vectors
        vectors = _check_vectors(texts, vectors, encoder.dim)
        if options.folds >= 2:
            metrics.update(cross_validate_sentiment(texts, labels, vectors, options))
        x = sentiment_features(texts, vectors, options.features)
        head = fit_linear_head(x, labels, c=options.c, balanced=options.balanced)
    info = ModelInfo(
        kind=KIND,
        name=name,
        encoder=encoder.name,
        trained_on=trained_on,
        settings=options.to_settings(),
        metrics=metrics,
    )
    return SentimentClassifier(encoder, head, info, options, adapter)


@functools.cache
def _default_tuned(cache_dir: Path | None) -> SentimentClassifier | None:
    info, _ = read_model(DEFAULT_SENTIMENT_MODEL, KIND)
    if "fine_tune" not in info.settings:
        return None
    return SentimentClassifier.load(DEFAULT_SENTIMENT_MODEL, None, cache_dir=cache_dir)


def load_default_sentiment(encoder: Encoder | None) -> SentimentClassifier:
    """The shipped sentiment model (trained on TweetEval by ``scripts/train_default_sentiment.py``).
    A fine-tuned default is loaded once per process and export folder (it carries its own 90 MB
    encoder, exported next to ``encoder``'s)."""
    tuned = _default_tuned(_cache_dir(encoder))
    return tuned or SentimentClassifier.load(DEFAULT_SENTIMENT_MODEL, encoder)
