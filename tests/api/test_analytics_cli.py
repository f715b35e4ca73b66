"""The manager's commands on the real database: generated history written and stored, ACD import and
report, the figures in the terminal, the weekly report, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from common.formats import load_labeled_calls

runner = CliRunner()
pytestmark = pytest.mark.slow
SAMPLE_ACD = Path(__file__).parents[2] / "demo" / "acd" / "sample-acd.csv"


def test_generate_seed_show_and_report(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "gen"
    result = runner.invoke(app, ["analytics", "generate", "--out", str(out), "--calls", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    calls = load_labeled_calls(out / "calls.jsonl")
    assert 300 <= len(calls) <= 500 and all(c.extra["generated"] for c in calls)
    assert (out / "acd.csv").read_text().startswith("queue,offered_at")

    result = runner.invoke(app, ["analytics", "seed", "--calls", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"stored {len(calls)} generated calls" in result.output
    again = runner.invoke(app, ["analytics", "seed", "--calls", "400", "--seed", "3"])
    assert f"stored 0 generated calls ({len(calls)} already there)" in again.output

    shown = runner.invoke(app, ["analytics", "show", "--granularity", "week", "--json"])
    assert shown.exit_code == 0, shown.output
    names = [f["name"] for f in json.loads(shown.stdout)]
    assert names[:3] == ["overview", "contact_types", "topics"] and "qa_by_agent" in names
    assert json.loads(shown.stdout)[0]["rows"][0]["calls"] == len(calls)
    table = runner.invoke(app, ["analytics", "show", "--agent", "agent-07"])
    assert table.exit_code == 0 and "Repeat calls and FCR by agent" in table.output

    report = tmp_path / "week.html"
    result = runner.invoke(app, ["report", "--week", "2026-W11", "--out", str(report)])
    assert result.exit_code == 0, result.output
    assert "callscope weekly report 2026-W11" in report.read_text()

    bad = runner.invoke(app, ["report", "--week", "2026-W60", "--out", str(report)])
    assert bad.exit_code == 2 and "2026 has no week 60" in bad.stderr
    bad = runner.invoke(app, ["analytics", "show", "--since", "2026-02-30"])
    assert bad.exit_code == 2 and "since='2026-02-30'" in bad.stderr


def test_acd_import_and_report(env: dict[str, str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["acd", "import", str(SAMPLE_ACD)])
    assert result.exit_code == 0, result.output
    assert "43 records from sample-acd.csv: 43 new, 0 replaced" in result.output
    again = runner.invoke(app, ["acd", "import", str(SAMPLE_ACD)])
    assert "0 new, 43 replaced" in again.output  # contact ids replace, not duplicate

    broken = tmp_path / "broken.csv"
    broken.write_text(
        SAMPLE_ACD.read_text() + "C-9999,billing,2026-03-02T11:00:00Z,2026-03-02T10:00:00Z,,60,a-1,,,\n"
    )
    result = runner.invoke(app, ["acd", "import", str(broken)])
    assert result.exit_code == 2 and "broken.csv line 45" in result.stderr and "answered_at" in result.stderr

    result = runner.invoke(
        app,
        ["acd", "report", "--since", "2026-03-02", "--until", "2026-03-03", "--granularity", "day", "--json"],
    )
    assert result.exit_code == 0, result.output
    [figure] = json.loads(result.stdout)
    [day] = figure["rows"]
    assert day["offered"] + day["blocked"] == 43  # the failed import stored nothing
