"""VADER ground truth (Hutto & Gilbert 2014): 23,703 short texts rated −4…+4 → ``GradedTexts``.

Each ``vader_groundtruth/<source>_GroundTruth.txt`` line is ``id<TAB>mean rating<TAB>text``; the score
is that mean of the human raters (20 per text in the paper; the raw ratings are in the
``*_anonDataRatings.txt`` files, not read). Sources: amazonReviewSnippets, movieReviewSnippets,
nytEditorialSnippets, tweets. Ids are ``<source>:<id>``. All of it is for measuring.
"""

from __future__ import annotations

import math
from pathlib import Path

from common.formats import LineError
from evals.datasets._common import GradedTexts, line_error, read_text
from evals.types import GradedText

__all__ = ["SOURCES", "load_vader"]

SOURCES = ("amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets", "tweets")


def load_vader(data_root: Path) -> GradedTexts:
    folder = Path(data_root) / "vader_groundtruth"
    items: list[GradedText] = []
    skipped: list[LineError] = []
    for source in SOURCES:
        path = folder / f"{source}_GroundTruth.txt"
        for n, line in enumerate(read_text(path).split("\n"), start=1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            fields = line.split("\t", 2)
            if len(fields) < 3 or not fields[2].strip():
                skipped.append(line_error(path, n, "expected id<TAB>mean rating<TAB>text"))
                continue
            try:
                score = float(fields[1])
            except ValueError:
                score = math.nan
            if not math.isfinite(score):
                skipped.append(line_error(path, n, f"rating {fields[1]!r} is not a number", field="score"))
                continue
            items.append(
                GradedText(
                    id=f"{source}:{fields[0].strip()}", text=fields[2].strip(), score=score, source=source
                )
            )
    return GradedTexts(items, skipped)
