"""Reciprocal rank fusion: one ranking from several, using ranks only (scores of different searches
are not comparable). Cormack et al. (2009) found k = 60 robust across collections."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

__all__ = ["RRF_K", "reciprocal_rank_fusion"]

RRF_K = 60
K = TypeVar("K", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[K]], *, k: int = RRF_K, weights: Mapping[str, float] | None = None
) -> list[tuple[K, float]]:
    """Fuse named rankings (best first) into ``[(key, score)]``, best first.

    Each list adds ``weight / (k + rank)`` (rank from 1) for every key it holds; a key missing from a
    list gets nothing from it. Ties keep the order in which keys were first seen, so the result is
    deterministic.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    scores: dict[K, float] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        seen: set[K] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:  # a list that repeats a key counts it once, at its best rank
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    order = {key: i for i, key in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
