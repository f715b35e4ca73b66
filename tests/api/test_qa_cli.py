"""`callscope qa score | calibrate | import | report` on the real database and the real embedder."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime

runner = CliRunner()
pytestmark = pytest.mark.slow

NAMES = ["Sam", "Priya", "Marcus", "Elena", "Tom", "Aisha", "Jonas", "Lucia", "Omar", "Grace"]
COMPANIES = ["Northwind Energy", "Bluebird Bank", "Cedar Insurance", "Harbor Air"]


def _call(n: int, rng: random.Random, *, name_only: bool) -> dict[str, Any]:
    name, company = rng.choice(NAMES), rng.choice(COMPANIES)
    opening = (
        f"Hi, this is {name}, how can I help you today?"
        if name_only
        else f"Thank you for calling {company}, my name is {name}, how can I help you today?"
    )
    texts = [
        ("agent", opening),
        ("customer", rng.choice(["I'd like to update my mailing address.", "Can you tell me my balance?"])),
        ("agent", "Sure. Can I get your account number and date of birth to verify your identity?"),
        ("customer", "It's 44120 and the fourth of May 1980."),
        ("agent", "Thank you, you're verified. I've updated that for you now."),
        ("customer", "Great, thanks."),
        ("agent", "Is there anything else I can help you with today?"),
        ("customer", "No, that's all."),
        ("agent", f"Thank you for calling {company}, have a great day."),
    ]
    turns = [
        {"speaker": s, "text": t, "start": 4.0 * i, "end": 4.0 * i + 3.0} for i, (s, t) in enumerate(texts)
    ]
    # This team's reviewers accept a greeting with the agent's own name alone: a systematic
    # difference from the scorecard's default reading ("both names").
    evaluations = [
        {"evaluator": ev, "scorecard": "standard-voice", "answers": {"greeting": "yes", "closing": "yes"}}
        for ev in ("rev-1", "rev-2")
    ]
    return {
        "call_id": f"c-{n:03d}",
        "channel": "voice",
        "started_at": f"2026-03-{1 + n % 28:02d}T10:00:00Z",
        "agent_id": f"a-{n % 5}",
        "turns": turns,
        "evaluations": evaluations,
    }


@pytest.fixture
def team_calls(tmp_path: Path) -> Path:
    rng = random.Random(7)
    path = tmp_path / "team.jsonl"
    path.write_text("\n".join(json.dumps(_call(n, rng, name_only=n % 2 == 0)) for n in range(60)) + "\n")
    return path


def test_qa_score_file_prints_answers_with_evidence(
    env: dict[str, str], team_calls: Path, tmp_path: Path
) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(team_calls.read_text().splitlines()[1] + "\n")
    result = runner.invoke(app, ["qa", "score", str(one), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    items = {i["item_id"]: i for i in out["items"]}
    assert items["greeting"]["answer"] == "yes" and items["greeting"]["evidence"][0]["turn"] == 0
    assert items["verify_identity"]["answer"] == "yes"
    assert items["offer_further_help"]["evidence"][0]["turn"] == 6
    assert len(items) == 12 and all(i["rationale"] for i in items.values())
    # The agent never restates the need: 10 of the points that apply are lost.
    assert items["understand_need"]["answer"] == "no" and out["percent"] < 100

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"call_id": "x", "turns": [{"speaker": "agent"}]}\n')
    failed = runner.invoke(app, ["qa", "score", str(bad)])
    assert failed.exit_code == 2 and "bad.jsonl:1" in failed.stderr and "turns" in failed.stderr


def test_calibrate_train_learns_a_teams_systematic_difference(
    env: dict[str, str], team_calls: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "refits"
    result = runner.invoke(
        app, ["qa", "calibrate", "--data", str(team_calls), "--train", "--out", str(out_dir), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    cal = report["calibration"]
    greeting = next(i for i in cal["items"] if i["item_id"] == "greeting")
    closing = next(i for i in cal["items"] if i["item_id"] == "closing")
    # Held out from the fit: the defaults miss the team's reading on about half the calls.
    assert greeting["held_out"] == cal["held_out_calls"] >= 15
    assert greeting["agreement_before"] < 0.7 and greeting["agreement_after"] == pytest.approx(1.0)
    assert greeting["refit_kept"] is True
    assert closing["refit_kept"] is False and closing["agreement_after"] == closing["agreement_before"] == 1.0
    assert cal["agreement_after"] > cal["agreement_before"]
    # The model↔human report comes with it; the two reviewers agree with each other.
    row = next(i for i in report["items"] if i["item_id"] == "greeting")
    assert row["human_agreement"] == pytest.approx(1.0) and row["model_agreement"] < 0.7

    # The saved refits change how new calls are scored, and the score names them.
    monkeypatch.setenv("CALLSCOPE_QA_MODEL", str(out_dir))
    one = tmp_path / "one.jsonl"
    one.write_text(team_calls.read_text().splitlines()[0] + "\n")  # a name-only greeting
    scored = runner.invoke(app, ["qa", "score", str(one), "--json"])
    assert scored.exit_code == 0, scored.output
    out = json.loads(scored.stdout)
    assert "+calibrated-" in out["model"]
    greeting_answer = next(i for i in out["items"] if i["item_id"] == "greeting")
    assert greeting_answer["answer"] == "yes" and greeting_answer["scorer"] == "learned"


def test_import_then_report_on_stored_calls(
    runtime: Runtime, env: dict[str, str], team_calls: Path, tmp_path: Path
) -> None:
    from tests.api.qa_helpers import store_calls

    records = [json.loads(line) for line in team_calls.read_text().splitlines()[:12]]
    store_calls(runtime, [{**r, "evaluations": []} for r in records])  # scored at ingest
    csv = tmp_path / "answers.csv"
    rows = ["call_id,evaluator,scorecard,item_id,answer"]
    for r in records:
        rows += [f"{r['call_id']},{ev},standard-voice,greeting,yes" for ev in ("rev-1", "rev-2")]
    rows.append(f"{records[0]['call_id']},rev-3,standard-voice,greeting,no")
    csv.write_text("\n".join(rows) + "\n")
    imported = runner.invoke(app, ["qa", "import", str(csv)])
    assert imported.exit_code == 0, imported.output
    assert "25 answers stored" in imported.stdout

    result = runner.invoke(app, ["qa", "report", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["calls"] == 12 and report["human_answers"] == 25
    greeting = next(i for i in report["items"] if i["item_id"] == "greeting")
    # Half the calls greet with the agent's name only: the model says "no" there, the people "yes".
    assert greeting["model_agreement"] == pytest.approx(0.5)
    assert greeting["human_agreement"] is not None and greeting["human_agreement"] < 1
    model = next(e for e in report["evaluators"] if e["is_model"])
    assert model["label"] == "stricter"
    dated = runner.invoke(app, ["qa", "report", "--since", "2030-01-01", "--json"])
    assert json.loads(dated.stdout)["calls"] == 0
    wrong = runner.invoke(app, ["qa", "report", "--since", "March"])
    assert wrong.exit_code == 2 and "--since" in wrong.stderr
