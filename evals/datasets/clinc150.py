"""CLINC150 (Larson et al. 2019): 150 intents in 10 domains plus out-of-scope queries → ``Utterances``.

``clinc150/data_full.json`` holds ``[text, intent]`` pairs under ``train``/``val``/``test`` and the
out-of-scope pairs under ``oos_train``/``oos_val``/``oos_test`` (intent ``oos``). Each in-scope split
is merged with its out-of-scope part, so a model sees rejection cases where it sees intents:
``train`` = train + oos_train (15,100), ``val`` = val + oos_val (3,100), ``test`` = test + oos_test
(5,500). ``test`` is for measuring only; ``val`` is for tuning (e.g. the rejection threshold).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.formats import LineError
from evals.datasets._common import json_line, line_error, load_json
from evals.types import Utterance, Utterances

__all__ = ["OOS_LABEL", "load_clinc150"]

OOS_LABEL = "oos"
_PARTS = {"train": ("train", "oos_train"), "val": ("val", "oos_val"), "test": ("test", "oos_test")}


def load_clinc150(data_root: Path) -> Utterances:
    path = Path(data_root) / "clinc150" / "data_full.json"
    data, text = load_json(path)
    skipped: list[LineError] = []
    splits: dict[str, list[Utterance]] = {}
    for split, keys in _PARTS.items():
        rows: list[Utterance] = []
        for key in keys:
            records: Any = data.get(key, []) if isinstance(data, dict) else None
            if not isinstance(records, list):
                skipped.append(
                    line_error(path, json_line(text, [key]), "expected a list of [text, intent]", field=key)
                )
                continue
            for i, record in enumerate(records):
                ok = (
                    isinstance(record, list)
                    and len(record) == 2
                    and all(isinstance(v, str) and v.strip() for v in record)
                )
                if not ok:
                    reason = "expected [text, intent], both non-empty strings"
                    skipped.append(line_error(path, json_line(text, [key, i]), reason, field=f"{key}[{i}]"))
                    continue
                rows.append(Utterance(text=record[0].strip(), label=record[1].strip(), id=f"{key}:{i}"))
        splits[split] = rows
    return Utterances(
        name="clinc150",
        splits=splits,
        train_splits=("train",),
        test_splits=("test",),
        oos_label=OOS_LABEL,
        skipped=skipped,
    )
