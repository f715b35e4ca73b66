"""Train the shipped sentiment model (``qa_models/models/sentiment``), then measure it next to VADER.

Training reads only TweetEval's ``test_*`` files (the ``train`` split of ``evals``' loader). By default
the encoder is fine-tuned with low-rank adapters (``qa_models.finetune``, fixed ``FineTuneOptions``
with balanced class weights) on 90 % of them; the other 10 % (``--dev-share``) give a development
figure. ``--head-only`` trains a head on the frozen embeddings instead, its feature groups, C and
class balancing chosen by 5-fold cross-validated macro-F1 inside that part. Nothing held out is
looked at until the model is written. Then, for measuring only:

- TweetEval ``val_*``: macro-F1 and accuracy, model and VADER;
- VADER's ground truth (all test): Spearman correlation with the mean human rating;
- STAR: AUC of "the wizard said the user became annoyed" from the customer's call sentiment, on test
  dialogues (ids ending in 0 or 1). The call aggregation (overall polarity or most negative turn) is
  chosen by the model's AUC on the other dialogues.

    .venv/bin/python scripts/train_default_sentiment.py [--out DIR] [--head-only [--no-search]]
                                                        [--dev-share 0.1] [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr import Turn
from evals.baselines import VaderSentiment
from evals.datasets import load_dataset
from evals.types import LabeledCalls, Utterances
from knowledge import EmbedderOptions, get_embedder
from qa_models.finetune import FineTuneOptions
from qa_models.heads import Encoder
from qa_models.sentiment import (
    DEFAULT_SENTIMENT_MODEL,
    CallSentiment,
    SentimentClassifier,
    SentimentOptions,
    TurnSentiment,
    aggregate_call_sentiment,
    cross_validate_sentiment,
    train_sentiment,
)

FEATURE_SETS: list[tuple[str, ...]] = [(), ("vader",), ("cues",), ("vader", "cues")]
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
AGGREGATIONS = ("overall", "most_negative")


def _embed(encoder: Encoder, texts: Sequence[str], cache: Path | None, what: str) -> np.ndarray:
    """Embeddings, kept under ``cache`` (keyed by the texts) so reruns skip the slow part."""
    key = hashlib.sha256("\n".join([encoder.name, *texts]).encode()).hexdigest()[:16]
    path = cache / f"{what}-{key}.npy" if cache is not None else None
    if path is not None and path.is_file():
        return np.load(path)
    t0 = time.perf_counter()
    vectors = encoder.embed(list(texts))
    print(f"  embedded {len(texts):,} {what} texts in {time.perf_counter() - t0:.0f} s", flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def choose_options(texts: list[str], labels: list[str], vectors: np.ndarray) -> SentimentOptions:
    print("5-fold CV on tweeteval test_* (the training part) — macro-F1 / accuracy:")
    best: tuple[float, SentimentOptions] | None = None
    for features in FEATURE_SETS:
        for balanced in (False, True):
            row = []
            for c in C_GRID:
                options = SentimentOptions(c=c, features=features, balanced=balanced)
                cv = cross_validate_sentiment(texts, labels, vectors, options)
                row.append(f"C={c:g} {cv['cv_macro_f1']:.4f}/{cv['cv_accuracy']:.4f}")
                if best is None or cv["cv_macro_f1"] > best[0]:
                    best = (cv["cv_macro_f1"], options)
            name = "+".join(("embedding", *features))
            print(f"  {name:<24} balanced={balanced!s:<5} " + "  ".join(row), flush=True)
    assert best is not None
    chosen = best[1]
    print(
        f"chosen: features={list(chosen.features)} C={chosen.c:g} balanced={chosen.balanced} CV {best[0]:.4f}"
    )
    return chosen


def _macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return float(f1_score(gold, predicted, average="macro")), float(accuracy_score(gold, predicted))


def _call_score(call: CallSentiment, aggregation: str) -> float:
    """Higher = more negative customer."""
    if aggregation == "overall":
        return 1 - (call.polarity + 1) / 2
    scored = [t.polarity for t in call.turns if t is not None]
    worst = call.most_negative["polarity"] if call.most_negative else min(scored, default=0.0)
    return -float(worst)


def _star_scores(
    calls: LabeledCalls,
    ids: list[int],
    turn_scores: dict[tuple[int, int], TurnSentiment],
    options: SentimentOptions,
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {a: [] for a in AGGREGATIONS}
    for n in ids:
        call = calls.calls[n]
        turns = [Turn(t.speaker, t.start or 0.0, t.end or 0.0, t.text) for t in call.turns]
        scores = [turn_scores.get((n, i)) for i in range(len(turns))]
        result = aggregate_call_sentiment(turns, scores, options)
        for a in AGGREGATIONS:
            out[a].append(_call_score(result, a))
    return out


def _score(
    model: SentimentClassifier, texts: list[str], cache: Path | None, what: str
) -> list[TurnSentiment]:
    if model.adapter is not None:
        t0 = time.perf_counter()
        scores = model.score(texts)
        print(f"  scored {len(texts):,} {what} texts in {time.perf_counter() - t0:.0f} s", flush=True)
        return scores
    return model.score_embedded(texts, _embed(model.encoder, texts, cache, what))


def measure(model: SentimentClassifier, cache: Path | None) -> None:
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    vader = VaderSentiment()
    print("\n== measuring (held-out data; nothing below changes the model) ==")
    tweets = load_dataset("tweeteval")
    assert isinstance(tweets, Utterances)
    val = tweets.splits["val"]
    texts, gold = [u.text for u in val], [u.label for u in val]
    ours = _score(model, texts, cache, "tweeteval-val")
    f1, acc = _macro_f1(gold, [s.label for s in ours])
    vf1, vacc = _macro_f1(gold, [s.label for s in vader.score(texts)])
    print(
        f"tweeteval val (n={len(val):,}): model macro-F1 {f1:.4f} accuracy {acc:.4f} | "
        f"VADER macro-F1 {vf1:.4f} accuracy {vacc:.4f} | model − VADER macro-F1 {f1 - vf1:+.4f}"
    )

    graded = load_dataset("vader")
    assert isinstance(graded, list)
    texts = [g.text for g in graded]
    human = [g.score for g in graded]
    ours = _score(model, texts, cache, "vader-groundtruth")
    rho = spearmanr(human, [s.polarity for s in ours]).statistic
    vrho = spearmanr(human, [s.polarity for s in vader.score(texts)]).statistic
    print(
        f"vader_groundtruth (all {len(graded):,} texts): Spearman with the mean human rating: "
        f"model {rho:.4f} | VADER {vrho:.4f}"
    )

    star = load_dataset("star")
    assert isinstance(star, LabeledCalls)
    labelled = [n for n, c in enumerate(star.calls) if isinstance(c.labels.get("user_annoyed"), bool)]
    where = [(n, i) for n in labelled for i, t in enumerate(star.calls[n].turns) if t.speaker == "customer"]
    where = [(n, i) for n, i in where if star.calls[n].turns[i].text.strip()]
    texts = [star.calls[n].turns[i].text for n, i in where]
    ours = _score(model, texts, cache, "star-customer")
    theirs = [TurnSentiment(s.label, s.polarity) for s in vader.score(texts)]
    by_model, by_vader = dict(zip(where, ours, strict=True)), dict(zip(where, theirs, strict=True))
    dev = [n for n in labelled if star.calls[n].call_id not in star.test_ids]
    test = [n for n in labelled if star.calls[n].call_id in star.test_ids]

    def auc(ids: list[int], scores: dict[str, list[float]], aggregation: str) -> float:
        gold = [bool(star.calls[n].labels["user_annoyed"]) for n in ids]
        return float(roc_auc_score(gold, scores[aggregation]))

    dev_model = _star_scores(star, dev, by_model, model.options)
    dev_vader = _star_scores(star, dev, by_vader, model.options)
    n_pos = sum(bool(star.calls[n].labels["user_annoyed"]) for n in dev)
    print(
        f"STAR non-test dialogues (n={len(dev):,}, {n_pos} annoyed), choosing the aggregation: "
        + "; ".join(
            f"{a}: model AUC {auc(dev, dev_model, a):.4f} VADER {auc(dev, dev_vader, a):.4f}"
            for a in AGGREGATIONS
        )
    )
    chosen = max(AGGREGATIONS, key=lambda a: auc(dev, dev_model, a))
    test_model = _star_scores(star, test, by_model, model.options)
    test_vader = _star_scores(star, test, by_vader, model.options)
    n_pos = sum(bool(star.calls[n].labels["user_annoyed"]) for n in test)
    print(
        f"STAR test dialogues (ids ending 0/1, n={len(test):,}, {n_pos} annoyed), aggregation {chosen!r}: "
        f"annoyed AUC model {auc(test, test_model, chosen):.4f} | VADER {auc(test, test_vader, chosen):.4f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_SENTIMENT_MODEL, help="model folder to write")
    parser.add_argument(
        "--head-only", action="store_true", help="a head on frozen embeddings, no fine-tuning"
    )
    parser.add_argument("--no-search", action="store_true", help="--head-only: skip the CV search")
    parser.add_argument(
        "--dev-share", type=float, default=0.1, help="fine-tuning: share held out for a dev figure"
    )
    parser.add_argument("--no-measure", action="store_true", help="train and write only")
    parser.add_argument("--cache", type=Path, default=None, help="keep embeddings here between runs")
    parser.add_argument("--model-cache", type=Path, default=None, help="EmbedderOptions.cache_dir")
    args = parser.parse_args(argv)

    tweets = load_dataset("tweeteval")
    assert isinstance(tweets, Utterances) and tweets.train_splits == ("train",)
    train = tweets.splits["train"]  # the 12,284 tweets of test_*; val_* is held out
    texts, labels = [u.text for u in train], [u.label for u in train]
    if args.head_only:
        encoder = get_embedder(EmbedderOptions(cache_dir=args.model_cache))
        vectors = _embed(encoder, texts, args.cache, "tweeteval-train")
        options = SentimentOptions() if args.no_search else choose_options(texts, labels, vectors)
        model = train_sentiment(
            encoder,
            texts,
            labels,
            options,
            name="sentiment-tweeteval",
            trained_on=f"tweeteval_sentiment test_* ({len(texts):,} tweets; val_* held out)",
            vectors=vectors,
        )
    else:
        model = fine_tune(texts, labels, args.dev_share)
    folder = model.save(args.out)
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"wrote {folder} ({size / 1024:.0f} KB); training figures: {model.info.metrics}")
    if not args.no_measure:
        measure(model, args.cache)


def fine_tune(texts: list[str], labels: list[str], dev_share: float) -> SentimentClassifier:
    order = np.random.default_rng(0).permutation(len(texts))
    n_dev = int(len(texts) * dev_share)
    dev, fit = order[:n_dev], order[n_dev:]
    options = FineTuneOptions()
    started = time.perf_counter()

    def progress(step: int, steps: int, loss: float) -> None:
        if step % 100 == 0 or step == steps:
            print(
                f"  step {step}/{steps} loss {loss:.3f} ({time.perf_counter() - started:.0f} s)", flush=True
            )

    print(f"fine-tuning on {len(fit):,} tweets of test_* ({n_dev:,} kept for a dev figure): {options}")
    model = train_sentiment(
        None,  # the model brings its own (tuned) encoder
        [texts[i] for i in fit],
        [labels[i] for i in fit],
        name="sentiment-tweeteval",
        trained_on=f"tweeteval_sentiment test_* ({len(fit):,} of 12,284 tweets; val_* held out)",
        fine_tune=options,
        progress=progress,
    )
    if n_dev:
        f1, acc = _macro_f1([labels[i] for i in dev], [s.label for s in model.score([texts[i] for i in dev])])
        model.info.metrics.update(
            {"n_dev": n_dev, "dev_macro_f1": round(f1, 4), "dev_accuracy": round(acc, 4)}
        )
    return model


if __name__ == "__main__":
    main()
