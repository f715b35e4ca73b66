"""BANKING77 (PolyAI): online-banking customer queries, 77 intents → ``Utterances`` train/test.

Files: ``banking77/train.csv`` and ``banking77/test.csv`` with the header ``text,category``; the
category is the label unchanged (e.g. ``card_arrival``). ``test`` is for measuring only.
"""

from __future__ import annotations

from pathlib import Path

from common.formats import LineError
from evals.datasets.utterance_csv import read_text_label_rows
from evals.types import Utterance, Utterances

__all__ = ["load_banking77"]


def load_banking77(data_root: Path) -> Utterances:
    folder = Path(data_root) / "banking77"
    splits: dict[str, list[Utterance]] = {}
    skipped: list[LineError] = []
    for split in ("train", "test"):
        rows, bad = read_text_label_rows(folder / f"{split}.csv", label_column="category")
        splits[split] = rows
        skipped.extend(bad)
    return Utterances(name="banking77", splits=splits, skipped=skipped)
