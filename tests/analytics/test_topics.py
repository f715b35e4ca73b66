from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from analytics.topics import (
    EmergenceOptions,
    TopicOptions,
    assign,
    cluster_reasons,
    emergence,
    key_phrases,
)
from common.errors import InvalidInput

BLOB_TEXTS = (
    "the router light keeps blinking red",
    "my parcel locker code fails",
    "donate my old phone to charity",
)


def blobs(
    seed: int = 7, per_blob: int = 20, noise: int = 10, dim: int = 32
) -> tuple[np.ndarray, list[str], list[int]]:
    """Three tight blobs on the unit sphere (cosine ≈ 0.9 inside) plus scattered points, shuffled."""
    rng = np.random.default_rng(seed)
    centers = np.linalg.qr(rng.normal(size=(dim, 3)))[0].T  # orthonormal: blobs are far apart
    rows = [centers[b] + rng.normal(scale=0.05, size=dim) for b in range(3) for _ in range(per_blob)]
    rows += list(rng.normal(size=(noise, dim)))  # random directions: cosine ≈ 0 ± 0.18 to everything
    truth = [b for b in range(3) for _ in range(per_blob)] + [-1] * noise
    # distinct texts through fillers and stop words, which no key phrase may contain
    pre, post = ("", "um ", "hi, ", "yeah "), ("", " again", " please", " now")
    texts = [
        f"{pre[i % 4]}{BLOB_TEXTS[b]}{post[i // 4 % 4]}" if b >= 0 else f"something else entirely {i}"
        for i, b in enumerate(truth)
    ]
    order = rng.permutation(len(rows))
    x = np.asarray(rows)[order]
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return x, [texts[i] for i in order], [truth[i] for i in order]


def test_three_blobs_make_three_topics_and_noise_stays_out() -> None:
    x, texts, truth = blobs()
    result = cluster_reasons(x, texts)
    assert len(result.topics) == 3 and [t.size for t in result.topics] == [20, 20, 20]
    labels = result.labels.tolist()
    assert [label for label, t in zip(labels, truth, strict=True) if t == -1] == [-1] * 10
    for blob in range(3):
        got = {label for label, t in zip(labels, truth, strict=True) if t == blob}
        assert len(got) == 1 and got != {-1}  # a whole blob, and only it, in one topic
    # equal sizes: topics are numbered by their first member in the input
    firsts = [labels.index(i) for i in range(3)]
    assert firsts == sorted(firsts)
    for topic in result.topics:
        members = x[result.labels == topic.index]
        mean = members.mean(axis=0)
        assert np.allclose(topic.centroid, mean / np.linalg.norm(mean), atol=1e-6)
        assert float(np.linalg.norm(topic.centroid)) == pytest.approx(1.0, abs=1e-6)
        matter = next(m for m in BLOB_TEXTS if all(m in t for t in topic.examples))
        assert len(topic.examples) == 3
        assert topic.name == " · ".join(topic.key_phrases) and 1 <= len(topic.key_phrases) <= 3
        assert all(p in matter for p in topic.key_phrases), (topic.key_phrases, matter)
        # all of the matter's words are in every member and nowhere else: its words each appear once
        words = [w for p in topic.key_phrases for w in p.split()]
        assert len(words) == len(set(words)) and len(" ".join(topic.key_phrases)) >= 10
    assert result.centroids.shape == (3, 32)


def test_sampling_with_a_small_max_batch_labels_everything_the_same_way() -> None:
    x, texts, _ = blobs()
    full = cluster_reasons(x, texts)
    # 70 vectors, 20 clustered (about 6 per blob), the other 50 joined to the nearest centroid
    sampled = cluster_reasons(x, texts, TopicOptions(max_batch=20))
    assert sampled.labels.tolist() == full.labels.tolist()
    assert [t.name for t in sampled.topics] == [t.name for t in full.topics]
    for topic in sampled.topics:  # every member would be assigned back to its own topic
        for row in np.flatnonzero(sampled.labels == topic.index):
            assert assign(x[row], sampled.centroids, 0.55) == topic.index


def test_clustering_is_deterministic_and_respects_min_size() -> None:
    x, texts, _ = blobs(seed=3)
    a = cluster_reasons(x, texts, TopicOptions(max_batch=25))
    b = cluster_reasons(x.copy(), list(texts), TopicOptions(max_batch=25))
    assert a.labels.tolist() == b.labels.tolist()
    assert [(t.name, t.examples, t.size) for t in a.topics] == [
        (t.name, t.examples, t.size) for t in b.topics
    ]
    assert all(np.array_equal(s.centroid, t.centroid) for s, t in zip(a.topics, b.topics, strict=True))
    # min_size above the blob size: nothing is a topic
    none = cluster_reasons(x, texts, TopicOptions(min_size=21))
    assert none.topics == [] and set(none.labels.tolist()) == {-1} and none.centroids.shape == (0, 0)


def test_cluster_reasons_edge_cases_and_errors() -> None:
    empty = cluster_reasons(np.zeros((0, 8), dtype=np.float32), [])
    assert empty.topics == [] and empty.labels.shape == (0,)
    one = cluster_reasons(np.ones((1, 8), dtype=np.float32), ["a"], TopicOptions(min_size=1))
    assert one.labels.tolist() == [0] and one.topics[0].size == 1
    with pytest.raises(InvalidInput, match="3 vectors but 2 texts"):
        cluster_reasons(np.ones((3, 4)), ["a", "b"])
    with pytest.raises(InvalidInput, match="2-D array"):
        cluster_reasons(np.ones(4), ["a"])
    with pytest.raises(InvalidInput, match="NaN"):
        cluster_reasons(np.full((2, 4), np.nan), ["a", "b"])
    with pytest.raises(InvalidInput, match="min_similarity"):
        cluster_reasons(np.ones((2, 4)), ["a", "b"], TopicOptions(min_similarity=1.5))


def test_key_phrases_prefer_whole_phrases_and_skip_fillers() -> None:
    cluster = [
        "um hi, my parcel locker code fails",
        "yeah the parcel locker code is not accepted",
        "hello, I'm calling because the parcel locker code is wrong",
    ]
    rest = ["my invoice is wrong", "the discount code expired", "I'm calling about my invoice", "router down"]
    # 7 texts, A = 7 / 2 = 3.5. "parcel", "locker", "parcel locker code" … are in all 3 cluster texts and
    # nowhere else: 1 · log(1 + 3.5 / 3) = 0.77; "code" is also in the rest: log(1 + 3.5 / 4) = 0.63.
    # The trigram scores as well as its parts, so it is chosen and its parts are not.
    # Then "fails", "accepted": 1/3 · log(1 + 3.5 / 1) = 0.50; "wrong" is in the rest: 1/3 · log(1 + 3.5 / 2).
    phrases = key_phrases(cluster, cluster + rest, k=3)
    # "locker code fails" scores as well as "fails" but repeats chosen words
    assert phrases == ["parcel locker code", "accepted", "fails"]
    assert not {"um", "hi", "yeah", "hello", "calling", "im"} & {w for p in phrases for w in p.split()}
    assert key_phrases(cluster, cluster + rest, k=0) == []
    assert key_phrases([], rest) == []


def test_key_phrases_keep_the_part_when_the_longer_phrase_is_rare() -> None:
    cluster = ["app crashes", "app freezes", "app is slow", "mobile app crashes on start"]
    rest = [
        "bill too high",
        "bill is wrong",
        "bill doubled",
        "bill late",
        "bill paid",
        "refund",
        "fee",
        "tariff",
    ]
    # A = 12 / 2 = 6. "app" is in 4 of 4 cluster texts: log(1 + 6/4) = 0.92; "app crashes" in 2:
    # 2/4 · log(1 + 6/2) = 0.69 < 0.8 · 0.92, so "app" stays "app"
    phrases = key_phrases(cluster, cluster + rest, k=2)
    assert phrases[0] == "app"
    # then "crashes" (0.69) beats the one-text phrases (1/4 · log(1 + 6/1) = 0.49); "app crashes" scores
    # as well but repeats the chosen "app"
    assert phrases == ["app", "crashes"]
    # with "app" out of the way ("app" in every text of the rest too) the longer phrase wins
    assert key_phrases(cluster, cluster + rest + ["app"] * 12, k=1) == ["app crashes"]


def test_assign_nearest_centroid_over_the_threshold() -> None:
    centroids = np.eye(3, dtype=np.float32)
    assert assign([0.9, 0.1, 0.0], centroids, 0.55) == 0
    assert assign([0.0, 2.0, 1.0], centroids, 0.55) == 1  # not normalised: cosine 2/√5 = 0.89
    assert assign([1.0, 1.0, 1.0], centroids, 0.55) == 0  # 1/√3 = 0.577 to each: the first wins the tie
    assert assign([1.0, 1.0, 1.0], centroids, 0.6) is None
    assert assign([0.0, 0.0, 0.0], centroids, 0.0) is None
    assert assign([1.0, 0.0, 0.0], np.zeros((0, 3)), 0.5) is None
    with pytest.raises(InvalidInput, match="4 dimensions but the centroids 3"):
        assign([1.0, 0.0, 0.0, 0.0], centroids, 0.5)


def test_a_topic_appearing_in_week_3_of_4_is_emerging() -> None:
    # 10 calls against 8 last period: 1.25× is no period-on-period growth, but the first half had none
    e = emergence([0, 0, 4, 6], previous=8)
    assert e.count == 10 and e.growth == pytest.approx(1.25)
    assert math.isinf(e.recent_growth) and e.first_bucket == 2
    assert e.emerging and "none before bucket 2" in e.reason
    new = emergence([0, 0, 4, 6], previous=0)
    assert math.isinf(new.growth) and new.emerging and "new this period" in new.reason


def test_a_steady_topic_is_not_emerging() -> None:
    e = emergence([5, 6, 5, 6], previous=21)
    # 22 / 21 = 1.05 against the previous period; (5 + 6) / (5 + 6) = 1.0 within it
    assert e.growth == pytest.approx(22 / 21) and e.recent_growth == pytest.approx(1.0)
    assert not e.emerging and e.reason.startswith("steady") and e.first_bucket == 0


def test_a_tiny_topic_is_not_emerging() -> None:
    e = emergence([0, 0, 1, 3], previous=0)
    assert e.count == 4 and math.isinf(e.growth) and not e.emerging and "< 5" in e.reason


def test_doubling_against_the_previous_period_is_emerging() -> None:
    e = emergence([3, 3, 3, 3], previous=6)
    assert e.growth == pytest.approx(2.0) and e.recent_growth == pytest.approx(1.0)
    assert e.emerging and "2.0× the previous period's 6" in e.reason
    assert not emergence([3, 3, 3, 3], previous=7).emerging  # 12 / 7 = 1.7


def test_recent_share_and_edge_cases() -> None:
    # the last quarter of 4 buckets: 6 per bucket against (1 + 1 + 1) / 3 = 1 before: 6×
    e = emergence([1, 1, 1, 6], previous=9, options=EmergenceOptions(recent_share=0.25))
    assert e.recent_growth == pytest.approx(6.0) and e.growth == pytest.approx(1.0) and e.emerging
    # halves of 5 buckets: the last 3 (floor(2.5 + 0.5)) against the first 2: (2 + 4 + 4) / 3 / 2 = 1.67
    assert emergence([2, 2, 2, 4, 4], previous=14).recent_growth == pytest.approx(10 / 3 / 2)
    nothing = emergence([0, 0], previous=0)
    assert nothing.growth == 0 and nothing.recent_growth == 0 and nothing.first_bucket is None
    single = emergence([7], previous=7)
    assert single.recent_growth == 0 and not single.emerging
    with pytest.raises(InvalidInput, match="counts must be ≥ 0"):
        emergence([1, -1], previous=0)
    with pytest.raises(InvalidInput, match="recent_share"):
        emergence([1], previous=0, options=EmergenceOptions(recent_share=1.0))


REASONS = {
    "app": [
        "the app logs me out after the update",
        "can't log in to the mobile app since the new version",
        "since I updated the app it keeps signing me out",
        "your app won't let me log in anymore after the latest update",
        "the new app version kicks me out every few minutes",
        "hi yeah um the app logs me out all the time now",
        "after updating the app I have to log in again every time",
        "I keep getting logged out of the app since yesterday's update",
        "the mobile app signs me out whenever I open it",
        "app login stopped working after the update",
    ],
    "locker": [
        "my parcel locker code doesn't work",
        "the code for the parcel locker is not accepted",
        "I can't open the parcel locker with the code you sent",
        "the locker won't open when I type in my pickup code",
        "hello, the parcel locker says my code is invalid",
        "the pickup code for my locker isn't working",
        "I entered the locker code three times and the door stays shut",
        "parcel locker rejects the collection code",
        "um the locker code from the text message does not open the locker",
        "my package is stuck in the locker because the code fails",
    ],
    "donate": [
        "I want to donate my old phone",
        "can I give my old phone to charity through you",
        "do you have a program to donate used phones",
        "I'd like to donate my previous handset",
        "where can I donate an old mobile phone",
        "is there a phone donation scheme",
        "I want to give away my old phone to a good cause",
        "can I donate my used smartphone to charity",
        "how do I donate the phone I no longer use",
        "yeah I'm calling because I want to donate my old phone",
    ],
}


@pytest.mark.slow
def test_real_embeddings_separate_three_unseen_matters(model_cache: Path) -> None:
    from knowledge import EmbedderOptions, get_embedder

    embedder = get_embedder(EmbedderOptions(cache_dir=model_cache))
    matters = [m for m, texts in REASONS.items() for _ in texts]
    texts = [t for group in REASONS.values() for t in group]
    result = cluster_reasons(embedder.embed(texts), texts)
    assert len(result.topics) == 3
    telling = {"app": ("app", "log"), "locker": ("locker", "parcel"), "donate": ("donat", "charity")}
    for matter, words in telling.items():
        labels = {int(label) for label, m in zip(result.labels, matters, strict=True) if m == matter}
        assert len(labels) == 1 and labels != {-1}, (matter, result.labels)
        topic = result.topics[labels.pop()]
        assert topic.size == 10
        assert any(w in topic.name for w in words), topic.name
        assert all(e in REASONS[matter] for e in topic.examples)
    # a new call about the app joins the app topic; an unrelated one joins none
    new = embedder.embed(["the app signed me out again after updating", "what time do you open on sunday"])
    app_topic = int(result.labels[0])
    assert assign(new[0], result.centroids, 0.55) == app_topic
    assert assign(new[1], result.centroids, 0.55) is None
