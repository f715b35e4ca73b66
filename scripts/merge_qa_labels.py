"""Join the QA measuring calls with their blind human labels into an eval dataset folder.

    python scripts/merge_qa_labels.py [evals/data/qa-calls]

Reads ``dialogues-dev*.jsonl`` and ``dialogues-test.jsonl`` (calls without evaluations) and every
``labels/*.jsonl`` (one evaluation per call and evaluator, written blind), and writes ``calls.jsonl``
(FORMATS §1, each call with all its evaluations) and ``splits.json`` (the test calls' ids: the dev
calls may be used to develop the scorer, the test calls only to measure it). Fails on a label for an
unknown call, a call an evaluator did not label, or an answer the scorecard does not allow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from qa_models import load_default_scorecard

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "evals" / "data" / "qa-calls"
    card = load_default_scorecard()
    calls: dict[str, dict] = {}
    test_ids: list[str] = []
    for path in sorted(folder.glob("dialogues-*.jsonl")):
        test = path.stem == "dialogues-test"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                call = json.loads(line)
                call["evaluations"] = []
                calls[call["call_id"]] = call
                if test:
                    test_ids.append(call["call_id"])
    seen: dict[str, set[str]] = {}
    for path in sorted((folder / "labels").glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            call = calls.get(row["call_id"])
            if call is None:
                raise SystemExit(f"{path}:{n}: unknown call {row['call_id']}")
            for item in card.items:
                answer = row["answers"].get(item.id)
                if answer not in item.choices:
                    raise SystemExit(f"{path}:{n}: {item.id}={answer!r} is not one of {item.choices}")
            call["evaluations"].append(
                {
                    "evaluator": row["evaluator"],
                    "scorecard": row.get("scorecard", card.id),
                    "answers": row["answers"],
                }
            )
            seen.setdefault(row["evaluator"], set()).add(row["call_id"])
    for evaluator, ids in seen.items():
        missing = sorted(set(calls) - ids)
        if missing:
            raise SystemExit(f"{evaluator}: no evaluation for {len(missing)} calls, e.g. {missing[:3]}")
    with (folder / "calls.jsonl").open("w", encoding="utf-8") as out:
        for call in calls.values():
            out.write(json.dumps(call, ensure_ascii=False) + "\n")
    meta = {"name": "qa-calls", "kind": "labeled_calls", "test_ids": test_ids}
    (folder / "splits.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    n_eval = sum(len(c["evaluations"]) for c in calls.values())
    print(f"{len(calls)} calls ({len(test_ids)} test), {n_eval} evaluations -> {folder / 'calls.jsonl'}")


if __name__ == "__main__":
    main()
