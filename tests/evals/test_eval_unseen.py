"""The harness on a dataset it has never seen: every task, on files written in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_helpers import Unseen
from typer.testing import CliRunner

from api.cli import app
from evals import RunOptions, load_tasks, run_task

pytestmark = pytest.mark.slow
runner = CliRunner()


def _options(task: str, unseen: Unseen, out: Path) -> RunOptions:
    if task == "retrieval":
        return RunOptions(data=str(unseen.queries), kb=unseen.kb, out_dir=out)
    return RunOptions(data=str(unseen.calls), scorecard=unseen.scorecard, out_dir=out)


def test_every_task_runs_on_unseen_data(unseen: Unseen, tmp_path: Path) -> None:
    results = {}
    for task in load_tasks():
        out = tmp_path / "runs" / task
        _, folder = run_task(task, _options(task, unseen, out))
        assert folder == out
        for name in ("results.json", "samples.jsonl", "report.html"):
            assert (out / name).is_file(), (task, name)
        results[task] = json.loads((out / "results.json").read_text())

    # malformed lines are reported with file and line, skipped, and counted
    for task in ("asr", "contact_type", "sentiment", "qa", "repeat_call"):
        r = results[task]
        assert r["skipped"] == 2
        where = {(Path(s["path"]).name, s["line"]) for s in r["skipped_lines"]}
        assert where == {("calls.jsonl", 4), ("calls.jsonl", 6)}
        assert "channel" in " ".join(s["message"] for s in r["skipped_lines"])

    asr = results["asr"]
    assert asr["n"] == 1 and asr["model"]["status"] == "ok"
    assert asr["metrics"]["wer"] < 0.3
    assert asr["metrics"]["wer_agent"] is not None and asr["metrics"]["wer_customer"] is not None
    assert asr["metrics"]["speaker_accuracy"] >= 0.9
    assert 0 < asr["metrics"]["rtf"] < 5
    assert "c-01" in asr["per_item"]

    retrieval = results["retrieval"]
    assert retrieval["model"]["status"] == "ok"
    assert set(retrieval["baselines"]) == {"bm25", "vector"}
    assert retrieval["n"] == 3
    for system in (retrieval["metrics"], *(b["metrics"] for b in retrieval["baselines"].values())):
        assert 0 <= system["recall@5"] <= 1 and system["latency_p50_ms"] > 0

    contact = results["contact_type"]
    assert contact["model"]["status"] == "ok"  # the shipped default classifier (no taxonomy given)
    baseline = contact["baselines"]["tfidf_logreg"]
    assert baseline["status"] == "ok" and 0 <= baseline["metrics"]["accuracy"] <= 1
    assert "oos_recall" in baseline["metrics"]  # labeled calls use "other" as out of scope
    assert "cross-validated" in baseline["description"]

    sentiment = results["sentiment"]
    assert sentiment["baselines"]["vader"]["status"] == "ok" and sentiment["n"] == 6
    assert sentiment["model"]["status"] == "ok"

    qa = results["qa"]
    assert qa["model"]["status"] == "ok" and 0 <= qa["metrics"]["agreement"] <= 1
    assert qa["per_item"]["verify_identity"]["n"] == qa["n"]  # the model's breakdown beside the people's
    assert qa["baselines"]["majority"]["status"] == "ok"
    assert qa["baselines"]["majority"]["metrics"]["agreement"] is not None
    assert qa["metrics"]["human_alpha"] is not None  # two evaluators on every call
    assert -1 <= qa["metrics"]["human_alpha"] <= 1
    assert qa["per_item"]["verify_identity"]["human_agreement"] == pytest.approx(5 / 6)

    repeat = results["repeat_call"]
    assert repeat["model"]["status"] == "ok" and 0 <= repeat["metrics"]["auc"] <= 1
    rule = repeat["baselines"]["same_customer_7d"]
    assert rule["metrics"]["precision"] == 1.0 and rule["metrics"]["recall"] == 1.0  # cust-2 called back


def test_taxonomy_trains_the_baseline_and_cli_reports_skips(unseen: Unseen, tmp_path: Path) -> None:
    out = tmp_path / "ct"
    result = runner.invoke(
        app,
        [
            "eval",
            "run",
            "contact_type",
            "--data",
            str(unseen.calls),
            "--taxonomy",
            str(unseen.taxonomy),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped 2 malformed input lines" in result.stderr
    assert "calls.jsonl:4" in result.stderr and "calls.jsonl:6" in result.stderr
    data = json.loads((out / "results.json").read_text())
    assert "taxonomy" in data["baselines"]["tfidf_logreg"]["description"]
    assert "taxonomy" in data["model"]["name"]  # the classifier is built from the team's taxonomy
    assert data["config"]["taxonomy"] == str(unseen.taxonomy)
