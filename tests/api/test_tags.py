"""Tags at ingest, `callscope tag`, `calls list` filters, `repeats`, `train` and the HTTP endpoints,
on the real database, embedding model and shipped default models."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from tests.api.auth_helpers import api_client

runner = CliRunner()
pytestmark = pytest.mark.slow


def _call(call_id: str, customer: str, when: str, said: list[str], **extra: object) -> dict:
    turns = [{"speaker": "agent", "text": "Thank you for calling, how can I help you today?"}]
    for text in said:
        turns += [{"speaker": "customer", "text": text}, {"speaker": "agent", "text": "I understand."}]
    return {
        "call_id": call_id,
        "channel": "chat",
        "customer_id": customer,
        "started_at": when,
        "agent_id": "a-1",
        "queue": "care",
        "turns": turns,
        **extra,
    }


ANGRY = [
    "I've been charged twice for the same bill and nobody has fixed it.",
    "This is ridiculous, I'm furious, it's the third time I'm calling about this.",
    "It's still not resolved. I'll call back tomorrow if nothing changes.",
]
HAPPY = [
    "Hi, I'd like to upgrade my plan to the unlimited one.",
    "Great, that's perfect, thank you so much for your help!",
]


@pytest.fixture
def calls_file(tmp_path: Path) -> Path:
    path = tmp_path / "calls.jsonl"
    rows = [
        _call("c-1", "cust-1", "2026-03-02T09:00:00Z", ANGRY),
        _call("c-2", "cust-1", "2026-03-04T10:00:00Z", ANGRY[:2]),  # the same matter two days later
        _call("c-3", "cust-2", "2026-03-02T11:00:00Z", HAPPY),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _out(result: object) -> object:
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_tags_at_ingest_cli_and_filters(env: dict[str, str], calls_file: Path, tmp_path: Path) -> None:
    ingested = runner.invoke(app, ["ingest", str(calls_file)])
    assert ingested.exit_code == 0, ingested.output

    tags = _out(runner.invoke(app, ["tag", "c-1", "--json"]))
    ct = tags["contact_type"]
    # The reason (charged twice) and the complaint about calling again are both stated.
    assert "billing.double_charge" in (ct["label"], ct["secondary"]), ct
    assert ct["evidence"] and ct["evidence_turns"]
    assert tags["sentiment"]["label"] == "negative" and tags["sentiment"]["most_negative"]["turn"] > 0
    assert tags["repeat_call"]["probability"] > 0.5
    assert {s["name"] for s in tags["repeat_call"]["signals"]} & {"unresolved", "customer_will_call_back"}
    assert set(tags["models"]) == {"contact_type", "sentiment", "repeat_call"}
    assert all("@" in v for v in tags["models"].values())  # name@version
    happy = _out(runner.invoke(app, ["tag", "c-3", "--json"]))
    assert happy["sentiment"]["label"] == "positive"
    assert happy["repeat_call"]["probability"] < tags["repeat_call"]["probability"]

    def listed(*options: str) -> list[str]:
        result = runner.invoke(app, ["calls", "list", "--json", *options])
        assert result.exit_code == 0, result.output
        return sorted(c["id"] for c in _out(result))  # type: ignore[union-attr]

    group = ct["label"].split(".")[0]
    assert "c-1" in listed("--contact-type", group) and "c-3" not in listed("--contact-type", group)
    assert listed("--contact-type", ct["label"]) == listed("--contact-type", group)  # a type or its group
    assert listed("--sentiment", "positive") == ["c-3"]
    assert "c-3" not in listed("--min-repeat", "0.5")
    bad = runner.invoke(app, ["calls", "list", "--sentiment", "angry"])
    assert bad.exit_code != 0 and "negative, neutral or positive" in bad.output

    rates = _out(runner.invoke(app, ["repeats", "--json", "--by", "agent_id"]))
    assert rates["overall"]["calls"] == 3 and rates["overall"]["repeats"] == 1  # c-1 was repeated by c-2

    from_file = _out(runner.invoke(app, ["tag", str(calls_file), "--json"]))
    assert [t["call_id"] for t in from_file] == ["c-1", "c-2", "c-3"]  # type: ignore[index]
    missing = runner.invoke(app, ["tag", "no-such-call"])
    assert missing.exit_code != 0 and "no-such-call" in missing.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"call_id": "x", "turns": [{"speaker": "customer", "text": "hi"}]}\n{not json\n')
    result = runner.invoke(app, ["tag", str(broken)])
    assert result.exit_code != 0 and "broken.jsonl:2" in result.output


def test_train_commands_and_a_trained_model_in_use(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taxonomy = tmp_path / "tax.yaml"
    taxonomy.write_text(
        "id: acme\ntypes:\n"
        "  - id: refunds.status\n    description: Where is my refund\n"
        '    examples: ["where is my refund", "I still haven\'t got my money back"]\n'
        "  - id: delivery.late\n    description: The parcel is late\n"
        '    examples: ["my parcel hasn\'t arrived", "the delivery is a week late"]\n'
    )
    out = tmp_path / "ct"
    trained = runner.invoke(app, ["train", "contact-type", "--taxonomy", str(taxonomy), "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    assert (out / "model.json").is_file() and "threshold" in trained.output

    sentiment_csv = tmp_path / "s.csv"
    rows = ["text,label"] + [f"great service thanks {i},positive" for i in range(6)]
    rows += [f"awful terrible service {i},negative" for i in range(6)] + [
        f"my number is {i},neutral" for i in range(6)
    ]
    sentiment_csv.write_text("\n".join(rows) + "\n")
    s_out = tmp_path / "sent"
    result = runner.invoke(app, ["train", "sentiment", "--data", str(sentiment_csv), "--out", str(s_out)])
    assert result.exit_code == 0, result.output
    args = ["train", "sentiment", "--data", str(sentiment_csv), "--out", str(tmp_path / "tuned")]
    tuned = runner.invoke(app, [*args, "--fine-tune", "--epochs", "1"])
    assert tuned.exit_code == 0, tuned.output
    assert json.loads((tmp_path / "tuned" / "model.json").read_text())["settings"]["fine_tune"]["epochs"] == 1

    none = runner.invoke(app, ["train", "contact-type", "--out", str(tmp_path / "x")])
    assert none.exit_code != 0 and "--taxonomy" in none.output

    monkeypatch.setenv("CALLSCOPE_CONTACT_TYPE_MODEL", str(out))
    calls = tmp_path / "one.jsonl"
    calls.write_text(
        json.dumps(_call("r-1", "c", "2026-01-01T00:00:00Z", ["hello, where is my refund please"])) + "\n"
    )
    tags = _out(runner.invoke(app, ["tag", str(calls), "--json"]))
    assert tags[0]["contact_type"]["label"] == "refunds.status"  # type: ignore[index]
    assert tags[0]["models"]["contact_type"].startswith("contact-type@")  # type: ignore[index]


def test_repeat_call_training_on_a_generated_history(env: dict[str, str], tmp_path: Path) -> None:
    from qa_models.history import HistoryOptions, generate_history, to_labeled_calls

    path = tmp_path / "history.jsonl"
    records = to_labeled_calls(generate_history(HistoryOptions(customers=60, seed=3)))
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "rc"
    result = runner.invoke(app, ["train", "repeat-call", "--data", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model.json").is_file() and "repeated" in result.output


def test_http_tag_endpoints(settings: Settings, calls_file: Path) -> None:
    with api_client(settings, run_worker=True) as client:
        with calls_file.open("rb") as f:
            assert client.post("/api/calls", files={"file": ("calls.jsonl", f)}).status_code == 202
        for _ in range(200):
            if len(client.get("/api/calls").json()["calls"]) == 3:
                break
            time.sleep(0.1)
        got = client.get("/api/calls/c-1/tags")
        assert got.status_code == 200, got.text
        assert set(got.json()["models"]) == {"contact_type", "sentiment", "repeat_call"}
        listed = client.get("/api/calls", params={"sentiment": "negative"}).json()["calls"]
        assert {c["id"] for c in listed} == {"c-1", "c-2"}
        assert all(c["contact_type"] for c in listed)
        assert client.get("/api/calls", params={"sentiment": "angry"}).status_code == 422
        adhoc = client.post(
            "/api/tag", json={"turns": [{"speaker": "customer", "text": "my internet is down"}]}
        )
        assert adhoc.status_code == 200 and adhoc.json()["contact_type"]["label"].startswith("technical")
        assert client.post("/api/tag", json={"turns": []}).status_code == 422
        assert client.get("/api/calls/nope/tags").status_code == 404
        assert client.post("/api/calls/c-3/tags").json()["sentiment"]["label"] == "positive"
        rates = client.get("/api/repeats", params={"by": "queue"}).json()
        assert rates["overall"]["repeats"] == 1 and rates["repeated_calls"][0]["call_id"] == "c-1"
