"""``callscope eval``: the acceptance run on real speech, the dataset commands, compare and the suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from evals.runner import README_END, README_START

runner = CliRunner()


@pytest.mark.slow
def test_eval_run_asr_on_speech_samples(tmp_path: Path) -> None:
    out = tmp_path / "asr-run"
    result = runner.invoke(
        app, ["eval", "run", "asr", "--data", "speech-samples", "--limit", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "WER per file" in result.stdout
    data = json.loads((out / "results.json").read_text())
    assert data["task"] == "asr" and data["dataset"] == "speech-samples" and data["n"] == 2
    assert data["model"]["status"] == "ok" and data["metrics"]["wer"] < 0.5 and data["metrics"]["rtf"] > 0
    for call_id in data["per_item"]:
        assert call_id in result.stdout  # every file's WER is printed
    samples = (out / "samples.jsonl").read_text().splitlines()
    assert len(samples) == 2 and {"id", "expected", "predicted", "correct", "evidence"} <= set(
        json.loads(samples[0])
    )
    report = (out / "report.html").read_text()
    assert "<svg" in report and "WER per file" in report


def test_datasets_and_tasks_are_listed() -> None:
    result = runner.invoke(app, ["eval", "datasets"])
    assert result.exit_code == 0, result.output
    for name in ("speech-samples", "banking77", "clinc150", "dstc10-track2", "tweeteval", "vader", "star"):
        assert name in result.stdout
    tasks = runner.invoke(app, ["eval", "tasks"])
    assert tasks.exit_code == 0 and "repeat_call" in tasks.stdout


def test_export_then_run_on_the_export(tmp_path: Path) -> None:
    out = tmp_path / "hv"
    result = runner.invoke(app, ["eval", "export", "harper-valley", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "calls.jsonl").is_file()
    run = runner.invoke(app, ["eval", "run", "sentiment", "--data", str(out), "--out", str(tmp_path / "run")])
    assert run.exit_code == 0, run.output  # no sentiment labels there: reported, not a crash


def test_compare_prints_deltas(tmp_path: Path) -> None:
    for name, accuracy in (("a", 0.5), ("b", 0.75)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(
            json.dumps(
                {
                    "task": "contact_type",
                    "dataset": "x",
                    "started_at": name,
                    "metrics": {},
                    "model": {"name": "contact_type", "status": "not available"},
                    "baselines": {"tfidf_logreg": {"status": "ok", "metrics": {"accuracy": accuracy}}},
                }
            )
        )
    result = runner.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "tfidf_logreg" in result.stdout and "+0.2500" in result.stdout
    missing = runner.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "nothing")])
    assert missing.exit_code == 3 and "results.json" in missing.stderr


def test_eval_all_writes_the_readme_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# evals\n\n{README_START}\nold\n{README_END}\n\nafter\n")
    result = runner.invoke(
        app,
        [
            "eval",
            "all",
            "--task",
            "retrieval",
            "--task",
            "repeat_call",
            "--out",
            str(tmp_path / "runs"),
            "--update-readme",
            "--readme",
            str(readme),
        ],
    )
    assert result.exit_code == 0, result.output
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{README_END}\n\nafter\n")
    row = next(line for line in text.splitlines() if line.startswith("| retrieval | dstc10-track2 | 263 |"))
    assert "hybrid (model)" in row and "recall@5" in row
    assert "| repeat_call |" in text and "Produced by `callscope eval all`" in text
