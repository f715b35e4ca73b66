"""TweetEval sentiment (SemEval-2017 task 4) → ``Utterances`` labelled negative/neutral/positive.

``tweeteval_sentiment/<part>_text.txt`` and ``<part>_labels.txt`` pair up line by line; labels are
the numbers of ``mapping.txt`` (``0<TAB>negative`` ...). The original training text is missing from
the copy, so the 12,284 tweets of ``test_*`` become the ``train`` split and the 2,000 of ``val_*``
the ``val`` split, which is the one held out for measuring (``test_splits = ("val",)``).
Ids are ``<part>:<line>``.
"""

from __future__ import annotations

from pathlib import Path

from common.formats import LineError
from evals.datasets._common import line_error, read_text
from evals.types import Utterance, Utterances

__all__ = ["load_tweeteval"]

_PARTS = {"train": "test", "val": "val"}  # our split → the files' prefix


def _lines(path: Path) -> list[str]:
    # Only "\n" ends a record: tweets may hold other Unicode line breaks that str.splitlines() would split.
    lines = read_text(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _mapping(path: Path) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in _lines(path):
        if line.strip():
            number, _, name = line.strip().partition("\t")
            mapping[number.strip()] = name.strip()
    return mapping


def load_tweeteval(data_root: Path) -> Utterances:
    folder = Path(data_root) / "tweeteval_sentiment"
    names = _mapping(folder / "mapping.txt")
    splits: dict[str, list[Utterance]] = {}
    skipped: list[LineError] = []
    for split, part in _PARTS.items():
        text_path, label_path = folder / f"{part}_text.txt", folder / f"{part}_labels.txt"
        texts, labels = _lines(text_path), _lines(label_path)
        if len(texts) != len(labels):
            longer = text_path if len(texts) > len(labels) else label_path
            for n in range(min(len(texts), len(labels)), max(len(texts), len(labels))):
                skipped.append(line_error(longer, n + 1, "no matching line in the paired file"))
        rows: list[Utterance] = []
        for n, (text, label) in enumerate(zip(texts, labels, strict=False), start=1):
            name = names.get(label.strip())
            if name is None:
                skipped.append(line_error(label_path, n, f"unknown label {label.strip()!r}; see mapping.txt"))
            elif not text.strip():
                skipped.append(line_error(text_path, n, "empty text", field="text"))
            else:
                rows.append(Utterance(text=text.strip(), label=name, id=f"{part}:{n}"))
        splits[split] = rows
    return Utterances(
        name="tweeteval", splits=splits, train_splits=("train",), test_splits=("val",), skipped=skipped
    )
