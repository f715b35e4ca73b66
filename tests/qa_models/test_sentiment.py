"""Sentiment per turn and over a call: training, scoring, the model folder, call aggregation."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from asr import Turn
from common.errors import ConfigError, InvalidInput
from qa_models.finetune import FineTuneOptions, tuned_encoder
from qa_models.sentiment import (
    DEFAULT_SENTIMENT_MODEL,
    SentimentClassifier,
    SentimentOptions,
    TurnSentiment,
    aggregate_call_sentiment,
    load_default_sentiment,
    train_sentiment,
)


class HashedWords:
    """A deterministic stand-in for the sentence embedder: a hashed, L2-normalised bag of words."""

    name = "hashed-words/test"

    def __init__(self, dim: int = 128) -> None:
        self.dim = dim
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z']+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


NEGATIVE = ["terrible", "awful", "angry", "useless", "worst", "hate", "furious", "ridiculous"]
POSITIVE = ["great", "wonderful", "thanks", "perfect", "love", "excellent", "helpful", "brilliant"]
NEUTRAL = ["account", "address", "balance", "number", "statement", "branch", "card", "payment"]
FRAMES = ["this is {}", "the {} one", "{} really", "it was {} today", "you said {}"]


def _data() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for words, label in ((NEGATIVE, "negative"), (POSITIVE, "positive"), (NEUTRAL, "neutral")):
        for i, word in enumerate(words):
            for frame in FRAMES:
                texts.append(frame.format(word) + f" {words[(i + 1) % len(words)]}")
                labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def encoder() -> HashedWords:
    return HashedWords()


@pytest.fixture(scope="module")
def model(encoder: HashedWords) -> SentimentClassifier:
    texts, labels = _data()
    return train_sentiment(encoder, texts, labels, SentimentOptions(c=10.0), trained_on="unit test")


def test_trained_model_labels_and_polarity(model: SentimentClassifier) -> None:
    scores = model.score(["terrible and useless", "great, thanks", "my account balance"])
    assert [s.label for s in scores] == ["negative", "positive", "neutral"]
    assert scores[0].polarity < -0.3 < 0.3 < scores[1].polarity
    assert abs(scores[2].polarity) < 0.3
    for s in scores:
        assert set(s.probabilities) == {"negative", "neutral", "positive"}
        assert sum(s.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert s.polarity == pytest.approx(s.probabilities["positive"] - s.probabilities["negative"])
    assert model.score([]) == []


def test_metrics_hold_cross_validated_macro_f1(model: SentimentClassifier) -> None:
    metrics = model.info.metrics
    assert metrics["cv_folds"] == 5
    assert metrics["n_train"] == 120
    assert metrics["class_counts"] == {"negative": 40, "neutral": 40, "positive": 40}
    assert 0.8 < metrics["cv_macro_f1"] <= 1.0
    assert model.info.kind == "sentiment" and model.info.trained_on == "unit test"
    assert model.info.encoder == "hashed-words/test"


def test_score_embedded_reuses_vectors(model: SentimentClassifier, encoder: HashedWords) -> None:
    texts = ["awful service", "wonderful, thanks"]
    vectors = encoder.embed(texts)
    before = encoder.calls
    assert model.score_embedded(texts, vectors) == model.score(texts)
    with pytest.raises(InvalidInput, match="one embedding per text"):
        model.score_embedded(texts, vectors[:1])
    with pytest.raises(InvalidInput, match="dimensions"):
        model.score_embedded(texts, np.zeros((2, 7), dtype=np.float32))
    assert encoder.calls == before + 1  # only score() embedded


def test_save_load_round_trip(model: SentimentClassifier, encoder: HashedWords, tmp_path: Path) -> None:
    folder = model.save(tmp_path / "m")
    assert {p.name for p in folder.iterdir()} == {"model.json", "weights.npz"}
    meta = json.loads((folder / "model.json").read_text())
    assert meta["kind"] == "sentiment" and meta["settings"]["features"] == ["vader", "cues"]
    loaded = SentimentClassifier.load(folder, encoder)
    texts = ["the worst, I hate it", "brilliant and helpful", "my card number"]
    for a, b in zip(model.score(texts), loaded.score(texts), strict=True):
        assert a.label == b.label
        assert a.polarity == pytest.approx(b.polarity, abs=1e-6)
    assert loaded.options == model.options
    assert loaded.info.version == model.info.version


def test_load_rejects_wrong_folders_and_encoders(model: SentimentClassifier, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no model"):
        SentimentClassifier.load(tmp_path / "missing", HashedWords())
    folder = model.save(tmp_path / "m")
    with pytest.raises(ConfigError, match="features"):
        SentimentClassifier.load(folder, HashedWords(dim=64))
    other = HashedWords()
    other.name = "another-model/onnx"
    with pytest.raises(ConfigError, match="trained on embeddings"):
        SentimentClassifier.load(folder, other)


def test_fine_tuned_model_brings_its_own_encoder(tmp_path: Path, model_cache: Path) -> None:
    """The real bundled encoder, fine-tuned for two epochs on the toy set: it learns it, saves only
    the adapter (not the 90 MB encoder), loads back to the same scores (through the ONNX export,
    cached next to the shared encoder's), and ignores vectors of the shared encoder."""
    texts, labels = _data()
    steps: list[int] = []
    shared = HashedWords()
    shared.cache_dir = model_cache  # type: ignore[attr-defined]
    pattern = "all-MiniLM-L6-v2+sentiment-*-onnx.onnx"
    exports = set(model_cache.glob(pattern))  # the session's other tuned models
    model = train_sentiment(
        shared,
        texts,
        labels,
        name="tuned",
        fine_tune=FineTuneOptions(epochs=2, batch_size=16, learning_rate=2e-3),
        progress=lambda step, total, loss: steps.append(step),
    )
    assert steps == list(range(1, 2 * 8 + 1))  # 120 texts in batches of 16, twice
    assert model.adapter is not None and model.options.features == ()
    assert model.encoder.name == "all-MiniLM-L6-v2+sentiment/onnx"
    assert len(set(model_cache.glob(pattern)) - exports) == 1  # this model's export, next to the shared one's
    predicted = [s.label for s in model.score(texts)]
    assert sum(p == g for p, g in zip(predicted, labels, strict=True)) / len(texts) > 0.9

    folder = model.save(tmp_path / "tuned")
    assert (folder / "weights.npz").stat().st_size < 3_000_000
    meta = json.loads((folder / "model.json").read_text())
    assert meta["settings"]["fine_tune"]["rank"] == 8 and meta["encoder"] == model.encoder.name
    loaded = SentimentClassifier.load(folder, shared)  # the same export; the shared encoder is not used
    probe = ["the worst, I hate it", "brilliant and helpful", "my card number"]
    for a, b in zip(model.score(probe), loaded.score(probe), strict=True):
        assert a.label == b.label and a.polarity == pytest.approx(b.polarity, abs=1e-5)
    torch_form = tuned_encoder(loaded.adapter, tag="sentiment", backend="torch")  # type: ignore[arg-type]
    agree = np.einsum("ij,ij->i", torch_form.embed(probe), loaded.encoder.embed(probe))
    assert agree.min() > 0.9999  # the same model, exported
    turns = _call(("agent", "hello"), ("customer", "this is awful, I hate it"), ("customer", "my card"))
    vectors = shared.embed([t.text for t in turns])
    assert loaded.call_sentiment(turns, vectors=vectors).to_dict() == loaded.call_sentiment(turns).to_dict()
    # Several calls in one batch: the same figures (up to float noise from padding).
    for together, alone in zip(loaded.call_sentiments([turns, turns[:2]]), (turns, turns[:2]), strict=True):
        single = loaded.call_sentiment(alone)
        assert together.label == single.label and together.polarity == pytest.approx(
            single.polarity, abs=1e-6
        )
        assert (together.most_negative or {}).get("turn") == (single.most_negative or {}).get("turn")

    with np.load(folder / "weights.npz") as npz:
        head_only = {k: npz[k] for k in npz.files if not k.startswith("adapter/")}
    np.savez(folder / "weights.npz", **head_only)
    with pytest.raises(ConfigError, match="no encoder adapter"):
        SentimentClassifier.load(folder, None)
    with pytest.raises(ConfigError, match="needs an encoder"):
        train_sentiment(None, texts, labels)


def test_training_errors(encoder: HashedWords) -> None:
    with pytest.raises(InvalidInput, match="no training texts"):
        train_sentiment(encoder, [], [])
    with pytest.raises(InvalidInput, match="unknown sentiment label"):
        train_sentiment(encoder, ["a", "b"], ["negative", "happy"])
    with pytest.raises(InvalidInput, match="at least two classes"):
        train_sentiment(encoder, ["a", "b"], ["neutral", "neutral"])
    with pytest.raises(InvalidInput, match="one label per text"):
        train_sentiment(encoder, ["a", "b"], ["neutral"])
    with pytest.raises(InvalidInput, match="feature group"):
        SentimentOptions(features=("emoji",))


def test_two_classes_and_tiny_data(encoder: HashedWords) -> None:
    texts = ["awful", "terrible", "great", "wonderful"]
    model = train_sentiment(encoder, texts, ["negative", "negative", "positive", "positive"])
    assert model.head.classes == ["negative", "positive"]
    assert model.info.metrics["cv_folds"] == 2  # fewer texts per class than folds: fewer folds
    bad, good = model.score(["awful terrible", "great wonderful"])
    assert bad.polarity < 0 < good.polarity


def _call(*lines: tuple[str, str]) -> list[Turn]:
    return [Turn(speaker, float(i), float(i) + 1, text) for i, (speaker, text) in enumerate(lines)]


def test_call_improves_and_points_at_the_angry_turn(model: SentimentClassifier) -> None:
    turns = _call(
        ("agent", "hello, how can I help"),
        ("customer", "this is terrible, the worst, I am furious and angry"),
        ("agent", "I am sorry, that is awful and terrible"),  # the agent's words do not count
        ("customer", "ok"),
        ("customer", "my account number and balance"),
        ("customer", "great, thanks, wonderful and helpful"),
    )
    result = model.call_sentiment(turns)
    assert result.trajectory == "improved"
    assert result.start < 0 < result.end
    assert result.most_negative is not None and result.most_negative["turn"] == 1
    assert result.most_negative["text"] == turns[1].text
    assert [t is None for t in result.turns] == [True, False, True, False, False, False]
    data = result.to_dict()
    assert json.loads(json.dumps(data))["most_negative"]["turn"] == 1
    assert data["turns"][0] is None and data["turns"][1]["label"] == "negative"


def test_call_worsens_and_vectors_can_be_given(model: SentimentClassifier, encoder: HashedWords) -> None:
    turns = _call(
        ("customer", "great, thanks, that is helpful"),
        ("agent", "anything else"),
        ("customer", "the card payment"),
        ("customer", "useless, the worst, I hate this"),
    )
    result = model.call_sentiment(turns)
    assert result.trajectory == "worsened" and result.end < result.start
    assert result.most_negative is not None and result.most_negative["turn"] == 3
    again = model.call_sentiment(turns, vectors=encoder.embed([t.text for t in turns]))
    assert again.polarity == pytest.approx(result.polarity) and again.trajectory == result.trajectory
    with pytest.raises(InvalidInput):
        model.call_sentiment(turns, vectors=encoder.embed(["one"]))


def test_without_customer_labels_everyone_but_the_agent_counts(model: SentimentClassifier) -> None:
    turns = _call(("agent", "wonderful, great"), ("unknown", "terrible and useless"), ("unknown", "ok"))
    result = model.call_sentiment(turns)
    assert result.turns[0] is None and result.turns[1] is not None
    assert result.label == "negative" and result.polarity < 0
    empty = model.call_sentiment(_call(("agent", "hello there"), ("customer", "  ")))
    assert (empty.label, empty.polarity, empty.trajectory, empty.most_negative) == (
        "neutral",
        0.0,
        "steady",
        None,
    )
    assert empty.turns == [None, None]


def _ts(polarity: float) -> TurnSentiment:
    neg, pos = max(-polarity, 0.0), max(polarity, 0.0)
    probabilities = {"negative": neg, "neutral": 1 - neg - pos, "positive": pos}
    return TurnSentiment(max(probabilities, key=lambda k: probabilities[k]), polarity, probabilities)


def test_aggregation_weighs_fillers_little_and_strong_turns_more() -> None:
    turns = _call(
        ("customer", "yeah"),
        ("customer", "okay"),
        ("customer", "you charged me twice and nobody told me why"),
        ("customer", "fine, the new card should come on friday then"),
    )
    scores = [_ts(0.9), _ts(0.9), _ts(-0.9), _ts(0.2)]
    result = aggregate_call_sentiment(turns, scores)
    plain_mean = sum(s.polarity for s in scores) / len(scores)
    assert plain_mean > 0.25 and result.polarity < 0  # two cheerful fillers do not outweigh the complaint
    assert result.label == "negative"
    assert result.most_negative == {"turn": 2, "text": turns[2].text, "polarity": -0.9, "label": "negative"}
    # All turns mildly positive: no negative moment, a steady call.
    calm = aggregate_call_sentiment(turns, [_ts(0.3)] * 4)
    assert calm.most_negative is None and calm.trajectory == "steady"
    assert calm.polarity == pytest.approx(0.3)
    with pytest.raises(InvalidInput, match="one score per turn"):
        aggregate_call_sentiment(turns, scores[:2])


def test_aggregation_without_probabilities_labels_from_polarity() -> None:
    turns = _call(("customer", "that was really not good at all"), ("customer", "not good"))
    result = aggregate_call_sentiment(
        turns, [TurnSentiment("negative", -0.6), TurnSentiment("negative", -0.4)]
    )
    assert (
        result.label == "negative"
        and result.start == pytest.approx(-0.6)
        and result.end == pytest.approx(-0.4)
    )
    assert result.trajectory == "steady"


def test_default_model_on_call_centre_text(model_cache: Path) -> None:
    from knowledge import EmbedderOptions, get_embedder

    assert (DEFAULT_SENTIMENT_MODEL / "model.json").is_file()
    sentiment = load_default_sentiment(get_embedder(EmbedderOptions(cache_dir=model_cache)))
    assert sentiment.info.kind == "sentiment" and "tweeteval" in sentiment.info.trained_on
    scores = sentiment.score(
        [
            "This is ridiculous, I have been on hold for an hour and nobody can fix my card.",
            "Thank you so much, you've been really helpful, that's sorted everything out.",
            "My account number is 4417 and I'm calling about my statement from March.",
            "I'm absolutely furious, you charged me twice and I want a refund now.",
            "Great, that works perfectly, have a lovely day.",
        ]
    )
    assert [s.label for s in scores] == ["negative", "positive", "neutral", "negative", "positive"]
    turns = _call(
        ("agent", "Thank you for calling, how can I help you today?"),
        (
            "customer",
            "This is the third time I'm calling, I'm really angry, your bank keeps losing my money!",
        ),
        ("agent", "I'm sorry to hear that, let me look into it."),
        ("customer", "Okay."),
        ("customer", "It's the payment to my landlord from last Tuesday."),
        ("agent", "I've found it and reversed the fee, you'll see it tomorrow."),
        ("customer", "Oh that's great, thank you so much for your help, I really appreciate it."),
    )
    result = sentiment.call_sentiment(turns)
    assert result.trajectory == "improved", result.to_dict()
    assert result.most_negative is not None and result.most_negative["turn"] == 1
    assert result.start < 0 < result.end
