"""Emerging topics: customer reasons that fit no contact type, clustered, named and watched for growth.

    clusters = cluster_reasons(embedder.embed(reasons), reasons)   # topics with names and examples
    assign(embedder.embed([new_reason])[0], clusters.centroids, 0.55)  # a new call between re-clusterings
    emergence(weekly_counts, previous_period_count)                # is the topic growing fast?

Vectors are sentence embeddings (L2-normalised, any dimension; 384 for all-MiniLM-L6-v2), so cosine
similarity is a dot product. Everything here is pure: no database, no model.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from common.errors import InvalidInput

__all__ = [
    "FILLER_WORDS",
    "Emergence",
    "EmergenceOptions",
    "Topic",
    "TopicClusters",
    "TopicOptions",
    "assign",
    "cluster_reasons",
    "emergence",
    "key_phrases",
]

Vectors = npt.NDArray[np.float32]

#: Words of talk, not of matter: with the English stop words they neither start, end nor fill a key phrase.
FILLER_WORDS = frozenset(
    """um umm uh uhh erm er hmm mm ah oh yeah yep yes ok okay hi hello hey just like calling called
    want wanted wanting need needed trying tried try please thanks thank really actually basically
    literally wondering wonder question today guess think know mean sorry help dont doesnt didnt im ive
    id ill cant wont isnt arent wasnt couldnt got gonna wanna kind sort thing stuff able way lot""".split()
)

_PREFER_LONGER = 0.8  # a longer phrase replaces its part when it scores at least this share of the part
_POOL = 300  # candidate phrases considered per cluster: the best-scoring ones, enough for k ≤ 10


@dataclass(slots=True, frozen=True)
class TopicOptions:
    """``min_similarity`` (0.55): cosine similarity for a reason to join a cluster. Average linkage stops
    merging when the mean similarity between two clusters falls below it; with all-MiniLM-L6-v2,
    rewordings of one matter score about 0.6–0.8 and different matters in one domain 0.2–0.45.
    ``min_size`` (3): smaller clusters are anecdotes, not topics. ``max_batch`` (3000): at most this
    many vectors are clustered at once (memory and time grow with its square): an even sample of the
    input is clustered and the rest join the nearest centroid when it is similar enough, which keeps
    50k reasons to seconds. ``phrases`` (3): key phrases that name a topic."""

    min_similarity: float = 0.55
    min_size: int = 3
    max_batch: int = 3000
    phrases: int = 3


@dataclass(slots=True)
class Topic:
    """One cluster of reasons. ``centroid`` is the L2-normalised mean of its members' vectors; ``examples``
    are up to three distinct member texts nearest to it; ``name`` joins the key phrases with " · "."""

    index: int
    size: int
    centroid: Vectors
    key_phrases: list[str]
    name: str
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "centroid": [float(x) for x in self.centroid],
            "key_phrases": list(self.key_phrases),
            "name": self.name,
            "examples": list(self.examples),
        }


@dataclass(slots=True)
class TopicClusters:
    """``labels[i]`` is the topic index of input ``i`` (−1: in no topic); ``topics`` are largest first."""

    labels: npt.NDArray[np.int64]
    topics: list[Topic]

    @property
    def centroids(self) -> Vectors:
        """The topics' centroids as rows (``assign`` takes them)."""
        dim = self.topics[0].centroid.shape[0] if self.topics else 0
        rows = [t.centroid for t in self.topics]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)


def cluster_reasons(
    vectors: npt.ArrayLike, texts: Sequence[str], options: TopicOptions | None = None
) -> TopicClusters:
    """Cluster reason vectors (agglomerative, average linkage on cosine distance) into named topics.

    The same input always gives the same result: the sample is evenly spaced, the clustering has no
    randomness, and topics are numbered by size, then by their first member.
    """
    opts = options or TopicOptions()
    _check_topic_options(opts)
    x = _as_matrix(vectors, "vectors")
    if len(texts) != x.shape[0]:
        raise InvalidInput(
            f"cluster_reasons got {x.shape[0]} vectors but {len(texts)} texts: give one text per vector"
        )
    n = x.shape[0]
    x = _normalise_rows(x)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return TopicClusters(labels, [])

    if n <= opts.max_batch:
        sample = np.arange(n)
    else:
        # Evenly over the input (which is in time order), so a late-period topic is sampled too.
        sample = np.unique(np.linspace(0, n - 1, opts.max_batch).round().astype(np.int64))
    labels[sample] = _agglomerate(x[sample], opts.min_similarity)

    if len(sample) < n:
        sums = np.zeros((int(labels[sample].max()) + 1, x.shape[1]), dtype=np.float64)
        np.add.at(sums, labels[sample], x[sample])
        centroids = _normalise_rows(sums)  # the direction of the mean is that of the sum
        rest = np.setdiff1d(np.arange(n), sample)
        for start in range(0, len(rest), 4096):
            idx = rest[start : start + 4096]
            sims = x[idx] @ centroids.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(len(idx)), best] >= opts.min_similarity
            labels[idx[ok]] = best[ok]

    # Keep clusters of min_size, number them by size (largest first), then by first member.
    ids, first, sizes = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = sorted(
        (j for j in range(len(ids)) if sizes[j] >= opts.min_size), key=lambda j: (-sizes[j], first[j])
    )
    renumber = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    for new, j in enumerate(order):
        renumber[ids[j]] = new
    labels = np.where(labels >= 0, renumber[np.maximum(labels, 0)], -1)

    corpus = [_doc_phrases(t) for t in texts]
    corpus_df = Counter(p for doc in corpus for p in doc)
    topics: list[Topic] = []
    for index in range(len(order)):
        rows = np.flatnonzero(labels == index)
        centroid = _normalise_rows(x[rows].mean(axis=0, keepdims=True))[0]
        nearest = rows[np.argsort(-(x[rows] @ centroid), kind="stable")]
        examples: list[str] = []
        seen: set[str] = set()
        for i in nearest:
            key = " ".join(texts[i].lower().split())
            if key not in seen:
                seen.add(key)
                examples.append(texts[i])
            if len(examples) == 3:
                break
        phrases = _rank_phrases([corpus[i] for i in rows], corpus_df, n, opts.phrases)
        name = " · ".join(phrases) if phrases else _shorten(examples[0] if examples else "")
        topics.append(Topic(index, len(rows), centroid.astype(np.float32), phrases, name, examples))
    return TopicClusters(labels.astype(np.int64), topics)


def key_phrases(cluster_texts: Sequence[str], all_texts: Sequence[str], k: int = 3) -> list[str]:
    """The ``k`` phrases that best tell ``cluster_texts`` apart from the rest of ``all_texts``.

    ``all_texts`` is the whole collection, the cluster's texts included. Class-based TF-IDF: a phrase
    scores the share of cluster texts that contain it times log(1 + A / f), where f is the number of
    texts in the collection that contain it and A the mean number of texts per class (cluster and
    rest). Phrases are word 1–3-grams that neither cross nor contain stop words and fillers, so
    "my parcel locker code doesn't work" offers "parcel locker code", "parcel", "work" and the like.
    A longer phrase replaces its part when it scores at least 80 % as well (it names the matter more
    precisely), and chosen phrases share no word, so none is part of another and the name does not
    repeat itself ("parcel locker code" is not followed by "locker code fails"). Fewer than ``k``
    phrases come back when the cluster's texts offer no more.
    """
    if k < 0:
        raise InvalidInput(f"key_phrases: k must be ≥ 0, got {k}")
    docs = [_doc_phrases(t) for t in cluster_texts]
    corpus_df = Counter(p for t in all_texts for p in _doc_phrases(t))
    return _rank_phrases(docs, corpus_df, max(len(all_texts), len(cluster_texts)), k)


def assign(vector: npt.ArrayLike, centroids: npt.ArrayLike, min_similarity: float) -> int | None:
    """Index of the centroid nearest to ``vector`` when their cosine similarity is at least
    ``min_similarity``, else None: how a new call joins a topic between re-clusterings."""
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    c = _as_matrix(centroids, "centroids")
    if c.shape[0] == 0:
        return None
    if c.shape[1] != v.shape[0]:
        raise InvalidInput(
            f"assign: the vector has {v.shape[0]} dimensions but the centroids {c.shape[1]}: "
            "embed with the model the topics were built with"
        )
    norm = float(np.linalg.norm(v))
    if norm == 0 or not math.isfinite(norm):
        return None
    sims = _normalise_rows(c) @ (v / norm)
    best = int(sims.argmax())
    return best if float(sims[best]) >= min_similarity else None


@dataclass(slots=True, frozen=True)
class EmergenceOptions:
    """``min_count`` (5): fewer calls in the period are too few to call a trend. ``growth`` (2.0): the
    growth factor that flags a topic, against the previous period or within this one. ``recent_share``
    (0.5): the last part of the period (by buckets) compared with the part before it: the second half."""

    min_count: int = 5
    growth: float = 2.0
    recent_share: float = 0.5


@dataclass(slots=True)
class Emergence:
    """How one topic grew. ``growth`` = count / previous (inf for a topic new this period, 0 when it had
    no calls in either); ``recent_growth`` = calls per bucket in the recent part over those in the part
    before (inf when only the recent part had calls, 0 when neither did or the period has one bucket);
    ``first_bucket``: the first bucket with a call (None without calls)."""

    count: int
    previous: int
    growth: float
    recent_growth: float
    first_bucket: int | None
    emerging: bool
    reason: str


def emergence(
    counts: Sequence[int], previous: int | None, options: EmergenceOptions | None = None
) -> Emergence:
    """Whether a topic is emerging, from its calls per bucket (time order) in the current period and its
    count in the previous period of the same length.

    A topic emerges when it has at least ``min_count`` calls and either grew ``growth``-fold against
    the previous period (a new topic, with none before, always has) or grew ``growth``-fold within the
    period, recent part against the part before. The second test catches a topic that started
    mid-period: a problem that began in week 3 of 4 has nothing in the first half, while a
    period-on-period comparison would dilute it with the quiet weeks. The minimum keeps a jump from
    one call to three from being news.
    """
    opts = options or EmergenceOptions()
    if opts.min_count < 0 or not opts.growth > 0 or not 0 < opts.recent_share < 1:
        raise InvalidInput(
            "EmergenceOptions: min_count must be ≥ 0, growth > 0 and recent_share between 0 and 1 "
            f"(exclusive); got {opts.min_count}, {opts.growth}, {opts.recent_share}"
        )
    values = [int(c) for c in counts]
    observed = previous is not None
    previous = previous or 0
    if any(c < 0 for c in values) or previous < 0:
        raise InvalidInput(f"emergence: counts must be ≥ 0; got {values} and previous {previous}")
    count = sum(values)
    growth = _ratio(count, previous)
    n = len(values)
    recent_n = max(1, min(n - 1, math.floor(n * opts.recent_share + 0.5)))
    if n >= 2:
        earlier, recent = values[: n - recent_n], values[n - recent_n :]
        recent_growth = _ratio(sum(recent) / len(recent), sum(earlier) / len(earlier))
    else:
        recent_growth = 0.0
    first = next((i for i, c in enumerate(values) if c > 0), None)

    reasons = []
    if observed and growth >= opts.growth:
        reasons.append(
            "new this period" if previous == 0 else f"{growth:.1f}× the previous period's {previous}"
        )
    if recent_growth >= opts.growth:
        inf = math.isinf(recent_growth)
        reasons.append(f"none before bucket {first}" if inf else f"{recent_growth:.1f}× within the period")
    if count < opts.min_count:
        reason = f"only {count} calls (< {opts.min_count})"
    elif reasons:
        reason = f"{count} calls: " + "; ".join(reasons)
    else:
        reason = (
            f"steady: {count} calls, {growth:.1f}× the previous period, {recent_growth:.1f}× within it"
            if observed
            else f"steady: {count} calls, {recent_growth:.1f}× within the period (no earlier history)"
        )
    emerging = count >= opts.min_count and bool(reasons)
    return Emergence(count, previous, growth, recent_growth, first, emerging, reason)


def _ratio(now: float, before: float) -> float:
    if before > 0:
        return now / before
    return math.inf if now > 0 else 0.0


def _check_topic_options(opts: TopicOptions) -> None:
    if not -1 <= opts.min_similarity <= 1:
        raise InvalidInput(
            f"TopicOptions.min_similarity must be a cosine in [-1, 1], got {opts.min_similarity}"
        )
    if opts.min_size < 1 or opts.max_batch < 2 or opts.phrases < 0:
        raise InvalidInput(
            "TopicOptions: min_size must be ≥ 1, max_batch ≥ 2 and phrases ≥ 0; "
            f"got {opts.min_size}, {opts.max_batch}, {opts.phrases}"
        )


def _as_matrix(values: npt.ArrayLike, what: str) -> Vectors:
    x = np.asarray(values, dtype=np.float32)
    if x.ndim == 1 and x.size == 0:
        x = x.reshape(0, 0)
    if x.ndim != 2:
        raise InvalidInput(f"{what} must be a 2-D array (one row per text), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InvalidInput(f"{what} hold NaN or infinite values: re-embed the texts")
    return x


def _normalise_rows(x: npt.NDArray[Any]) -> Vectors:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _agglomerate(x: Vectors, min_similarity: float) -> npt.NDArray[np.int64]:
    """Cluster labels of the rows of ``x`` (every row gets one; singletons included)."""
    if x.shape[0] < 2:
        return np.zeros(x.shape[0], dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        # Cosine distance is 1 − similarity; the threshold must be > 0 for sklearn.
        distance_threshold=max(1.0 - min_similarity, 1e-9),
    )
    # float64: the linkage then does not depend on float32 rounding in the distance matrix.
    return np.asarray(model.fit_predict(x.astype(np.float64)), dtype=np.int64)


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | FILLER_WORDS


def _doc_phrases(text: str) -> set[tuple[str, ...]]:
    """The word 1–3-grams of one text inside runs of words that are not stop words or fillers."""
    stop = _stop_words()
    tokens = [
        t.replace("'", "") for t in re.findall(r"[a-z0-9]+(?:'[a-z]+)*", text.lower().replace("’", "'"))
    ]
    out: set[tuple[str, ...]] = set()
    run: list[str] = []
    for token in [*tokens, ""]:
        if token and len(token) > 1 and token not in stop:
            run.append(token)
            continue
        for size in (1, 2, 3):
            out.update(tuple(run[i : i + size]) for i in range(len(run) - size + 1))
        run = []
    return out


def _contains(longer: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(longer[i : i + n] == part for i in range(len(longer) - n + 1))


def _rank_phrases(
    docs: Sequence[Iterable[tuple[str, ...]]], corpus_df: Counter[tuple[str, ...]], corpus_size: int, k: int
) -> list[str]:
    if k == 0 or not docs:
        return []
    df = Counter(p for doc in docs for p in doc)
    mean_class = max(corpus_size, len(docs)) / 2  # two classes: this cluster and the rest
    score = {p: c / len(docs) * math.log(1 + mean_class / max(corpus_df.get(p, 0), c)) for p, c in df.items()}
    ranked = sorted(score, key=lambda p: (-score[p], -len(p), p))[:_POOL]
    chosen: list[tuple[str, ...]] = []
    used: set[str] = set()  # words of chosen phrases: a name shows different sides of the matter
    for phrase in ranked:
        if used.intersection(phrase):
            continue
        longer = [
            p
            for p in ranked
            if len(p) > len(phrase)
            and score[p] >= _PREFER_LONGER * score[phrase]
            and _contains(p, phrase)
            and not used.intersection(p)
        ]
        best = max(longer, key=lambda p: (len(p), score[p]), default=phrase)
        chosen.append(best)
        used.update(best)
        if len(chosen) == k:
            break
    return [" ".join(p) for p in chosen]


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
