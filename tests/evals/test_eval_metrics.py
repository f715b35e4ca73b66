"""The metric functions on small inputs whose values were worked out by hand."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    WordErrors,
    agreement,
    classification_report,
    cohen_kappa,
    krippendorff_alpha,
    mean_absolute_error,
    ndcg_at_k,
    no_answer_accuracy,
    percentile,
    precision_recall,
    rank_average,
    recall_at_k,
    reciprocal_rank,
    retrieval_scores,
    roc_auc,
    speaker_attribution,
    spearman,
    wer,
    word_errors,
)


def test_word_errors_counts_each_kind() -> None:
    # ref: a b c d ; hyp: a x c d e → 1 substitution (b→x), 1 insertion (e)
    e = word_errors(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])
    assert (e.substitutions, e.deletions, e.insertions, e.hits) == (1, 0, 1, 3)
    assert e.wer == pytest.approx(2 / 4)
    assert wer(["a", "b", "c"], ["a", "c"]) == pytest.approx(1 / 3)  # one deletion


def test_word_errors_empty_sides_and_corpus_sum() -> None:
    assert word_errors([], ["x", "y"]) == WordErrors(insertions=2)
    assert word_errors(["x"], []).wer == 1.0
    assert word_errors([], []).wer is None
    total = word_errors(["a", "b"], ["a", "b"]) + word_errors(["c", "d"], ["c"])
    assert total.wer == pytest.approx(1 / 4)  # corpus WER: 1 error over 4 reference words


def test_speaker_attribution_counts_aligned_words_only() -> None:
    ref = [("hello", "agent"), ("there", "agent"), ("hi", "customer"), ("bye", "customer")]
    # "there" is deleted; "hi" is attributed to the agent; "bye" substituted by "by" (customer)
    hyp = [("hello", "agent"), ("hi", "agent"), ("by", "customer")]
    same, aligned = speaker_attribution(ref, hyp)
    assert (same, aligned) == (2, 3)


def test_classification_report_by_hand() -> None:
    expected = ["a", "a", "b", "b", "c"]
    predicted = ["a", "b", "b", "b", "a"]
    r = classification_report(expected, predicted)
    assert r.accuracy == pytest.approx(3 / 5)
    # a: P 1/2 R 1/2 F1 1/2 ; b: P 2/3 R 1 F1 0.8 ; c: P undefined R 0 F1 0
    assert r.per_class["a"].f1 == pytest.approx(0.5)
    assert r.per_class["b"].precision == pytest.approx(2 / 3)
    assert r.per_class["b"].f1 == pytest.approx(0.8)
    assert r.per_class["c"].precision is None and r.per_class["c"].f1 == 0.0
    assert r.macro_f1 == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert r.labels == ["a", "b", "c"]
    assert r.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]


def test_cohen_kappa_by_hand() -> None:
    a = ["y", "y", "n", "n", "y", "n"]
    b = ["y", "n", "n", "n", "y", "y"]
    # p_o = 4/6; both say y 3/6 → p_e = 0.5*0.5 + 0.5*0.5 = 0.5; κ = (2/3 − 1/2) / (1/2) = 1/3
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None  # p_e = 1: undefined
    assert agreement(a, b) == pytest.approx(4 / 6)


def test_krippendorff_alpha_nominal_by_hand() -> None:
    # 3 units, 2 coders: (y, y), (n, n), (y, n).
    # Coincidences: o_yy = 2, o_nn = 2, o_yn = o_ny = 1; n = 6, n_y = n_n = 3.
    # D_o = 2/6; D_e = 2·3·3 / (6·5) = 0.6; α = 1 − (1/3)/0.6 = 4/9
    ratings = {"u1": {"r1": "y", "r2": "y"}, "u2": {"r1": "n", "r2": "n"}, "u3": {"r1": "y", "r2": "n"}}
    assert krippendorff_alpha(ratings) == pytest.approx(4 / 9)
    assert krippendorff_alpha({"u1": {"r1": "y"}}) is None  # nothing pairable
    assert krippendorff_alpha({"u1": {"r1": "y", "r2": "y"}}) is None  # one value only


def test_precision_recall_and_auc() -> None:
    expected = [True, True, False, False, True]
    predicted = [True, False, True, False, True]
    assert precision_recall(expected, predicted) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert precision_recall([False], [False]) == (None, None)
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 0.9>0.5, 0.9>0.1, 0.4>0.1; lost 0.4<0.5 → 3/4
    assert roc_auc([True, True, False, False], [0.9, 0.4, 0.5, 0.1]) == pytest.approx(0.75)
    assert roc_auc([True, False], [0.5, 0.5]) == pytest.approx(0.5)  # a tie counts half
    assert roc_auc([True, True], [0.1, 0.2]) is None


def test_spearman_with_ties() -> None:
    assert rank_average([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ranks x: 1 2 3 ; y: 1.5 1.5 3 → Pearson of ranks = 1.5 / sqrt(2 · 1.5) = sqrt(3)/2
    assert spearman([1, 2, 3], [5, 5, 9]) == pytest.approx(math.sqrt(3) / 2)
    assert spearman([1, 1], [2, 3]) is None


def test_retrieval_metrics_by_hand() -> None:
    ranked = ["d3", "d1", "d7", "d2"]
    assert recall_at_k(ranked, {"d1", "d2"}, 1) == 0.0
    assert recall_at_k(ranked, {"d1", "d2"}, 5) == 1.0
    assert reciprocal_rank(ranked, {"d1"}) == pytest.approx(0.5)
    assert reciprocal_rank(ranked, {"d9"}) == 0.0
    # relevant at ranks 2 and 4: DCG = 1/log2 3 + 1/log2 5; IDCG = 1 + 1/log2 3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    assert ndcg_at_k(ranked, {"d1", "d2"}, 5) == pytest.approx(dcg / (1 + 1 / math.log2(3)))
    assert no_answer_accuracy([0.2, None, 0.9], threshold=0.5) == pytest.approx(2 / 3)
    scores = retrieval_scores(
        [(["a", "b"], [0.9, 0.3], ["b"]), (["c"], [0.4], []), (["a"], [0.8], ["a"])], threshold=0.5
    )
    assert (scores.answerable, scores.no_answer) == (2, 1)
    assert scores.recall_at_1 == pytest.approx(0.5)
    assert scores.mrr == pytest.approx((0.5 + 1.0) / 2)
    assert scores.no_answer_accuracy == 1.0


def test_percentile_and_mae() -> None:
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)  # 40 + 0.8 · 10
    assert percentile([], 50) is None
    assert mean_absolute_error([80, 100], [70, 100]) == pytest.approx(5.0)
