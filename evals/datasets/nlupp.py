"""NLU++ (Casanueva et al. 2022): multi-label banking and hotels queries → ``Utterances``.

Each of ``nlupp/data/{banking,hotels}/fold{0..19}.json`` is a list of ``{"text", "intents", "slots"}``.
The label is the sorted set of intents joined with ``|`` (``booking|change|room``); an example with
no intents (a bare slot answer such as "today") keeps an empty label, meaning "no intent applies".

Split: the dataset's README documents three regimes over its 20 folds; we use its "large" regime with
the domains joined ("ALL": banking foldN + hotels foldN), taking the last pair of test folds:
folds 0–17 are ``train`` (2,778 examples) and folds 18–19 are ``test`` (302), measured only. The
"low"/"mid" regimes (1 or 2 training folds) are a matter of passing other ``test_folds``.
Ids are ``<domain>/fold<k>:<index>`` so results can still be split by domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from common.formats import LineError
from evals.datasets._common import json_line, line_error, load_json
from evals.types import Utterance, Utterances

__all__ = ["DOMAINS", "TEST_FOLDS", "load_nlupp"]

DOMAINS = ("banking", "hotels")
N_FOLDS = 20
TEST_FOLDS = (18, 19)


def _read_fold(path: Path, prefix: str, skipped: list[LineError]) -> list[Utterance]:
    data, text = load_json(path)
    if not isinstance(data, list):
        skipped.append(line_error(path, 1, "expected a list of examples"))
        return []
    rows: list[Utterance] = []
    for i, example in enumerate(data):
        sentence = example.get("text") if isinstance(example, dict) else None
        intents = example.get("intents", []) if isinstance(example, dict) else None
        if not isinstance(sentence, str) or not sentence.strip():
            skipped.append(
                line_error(path, json_line(text, [i]), "missing or empty text", field=f"[{i}].text")
            )
            continue
        if not isinstance(intents, list) or not all(isinstance(x, str) and x for x in intents):
            reason = "intents must be a list of names"
            skipped.append(line_error(path, json_line(text, [i, "intents"]), reason, field=f"[{i}].intents"))
            continue
        rows.append(
            Utterance(text=sentence.strip(), label="|".join(sorted(set(intents))), id=f"{prefix}:{i}")
        )
    return rows


def load_nlupp(data_root: Path, *, test_folds: Iterable[int] = TEST_FOLDS) -> Utterances:
    folder = Path(data_root) / "nlupp" / "data"
    test = set(test_folds)
    splits: dict[str, list[Utterance]] = {"train": [], "test": []}
    skipped: list[LineError] = []
    for fold in range(N_FOLDS):
        for domain in DOMAINS:
            rows = _read_fold(folder / domain / f"fold{fold}.json", f"{domain}/fold{fold}", skipped)
            splits["test" if fold in test else "train"].extend(rows)
    return Utterances(name="nlupp", splits=splits, multi_label=True, skipped=skipped)
