"""A word n-gram TF-IDF head: the lexical view that complements sentence embeddings.

Embeddings generalise across wording; exact words (product names, "chargeback", "pending top-up")
separate close intents that embeddings blur. Training uses scikit-learn; prediction needs only the
stored vocabulary, idf and weights (no pickle), computed as scikit-learn's TfidfVectorizer with
``sublinear_tf`` and l2 norm does.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa_models.heads import LinearHead, head_from_sklearn

__all__ = ["LexicalHead", "fit_lexical_head", "ngrams"]

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def ngrams(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(slots=True)
class LexicalHead:
    vocabulary: dict[str, int]
    idf: np.ndarray
    head: LinearHead

    def features(self, texts: Sequence[str]) -> Any:
        """Sparse (CSR) tf-idf rows, l2-normalised."""
        from scipy.sparse import csr_matrix

        rows, cols, values = [], [], []
        for i, text in enumerate(texts):
            counts = Counter(t for t in ngrams(text) if t in self.vocabulary)
            idx = np.array([self.vocabulary[t] for t in counts], dtype=np.int64)
            tfidf = (1.0 + np.log(np.array(list(counts.values()), dtype=np.float32))) * self.idf[idx]
            norm = float(np.linalg.norm(tfidf))
            rows += [i] * len(idx)
            cols += idx.tolist()
            values += (tfidf / norm if norm else tfidf).tolist()
        return csr_matrix((values, (rows, cols)), shape=(len(texts), len(self.vocabulary)), dtype=np.float32)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.head.probabilities(self.features(texts))

    def arrays(self, prefix: str = "lex_") -> dict[str, np.ndarray]:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {f"{prefix}terms": np.array(terms), f"{prefix}idf": self.idf, **self.head.arrays(prefix)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str = "lex_") -> LexicalHead:
        terms = [str(t) for t in arrays[f"{prefix}terms"]]
        return cls(
            {t: i for i, t in enumerate(terms)},
            np.asarray(arrays[f"{prefix}idf"], dtype=np.float32),
            LinearHead.from_arrays(arrays, prefix),
        )


def fit_lexical_head(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 10.0,
    sample_weight: np.ndarray | None = None,
    max_features: int = 20_000,
) -> LexicalHead:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, max_features=max_features)
    x = vectorizer.fit_transform(list(texts))
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(x, list(labels), sample_weight=sample_weight)
    vocabulary = {str(t): int(i) for t, i in vectorizer.vocabulary_.items()}
    return LexicalHead(vocabulary, vectorizer.idf_.astype(np.float32), head_from_sklearn(clf))
