"""The command line on the real database and the real models, on small recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from common import migrate
from tests.conftest import DATA

runner = CliRunner()
pytestmark = pytest.mark.slow


def test_transcribe_json_needs_no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLSCOPE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["transcribe", str(DATA / "stereo_diarization.wav"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["duration"] == pytest.approx(5.0, abs=0.1)
    assert {t["speaker"] for t in out["turns"]} == {"agent", "customer"}
    for turn in out["turns"]:
        assert {"speaker", "start", "end", "text", "words"} <= set(turn)
        assert all({"word", "start", "end", "probability"} <= set(w) for w in turn["words"])


def test_transcribe_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp3"
    bad.write_text("this is not audio")
    result = runner.invoke(app, ["transcribe", str(bad)])
    assert result.exit_code == 2
    assert "notes.mp3" in result.stderr and "invalid input" in result.stderr


def test_ingest_list_show_export_redact(runtime: Runtime, env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "card_call.flac").write_bytes((DATA / "card_call.flac").read_bytes())
    (folder / "empty.wav").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 1  # one file failed ...
    assert "stored 1" in result.stderr and "failed 1" in result.stderr
    assert "empty.wav" in result.stderr  # ... and it is named with its reason

    listed = runner.invoke(app, ["calls", "list", "--json"])
    calls = json.loads(listed.stdout)
    assert [c["id"] for c in calls] == ["card_call"]
    assert calls[0]["redaction_count"] >= 1

    shown = json.loads(runner.invoke(app, ["calls", "show", "card_call", "--json"]).stdout)
    customer = " ".join(t["text"] for t in shown["turns"] if t["speaker"] == "customer")
    assert "[CARD_NUMBER]" in customer
    assert not any(ch.isdigit() for ch in customer), customer
    words = [w["word"] for t in shown["turns"] for w in t["words"]]
    assert not any(ch.isdigit() for w in words for ch in w)

    out = tmp_path / "export.jsonl"
    assert runner.invoke(app, ["calls", "export", "--format", "jsonl", "--out", str(out)]).exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records[0]["call_id"] == "card_call" and records[0]["turns"]
    assert (out.parent / records[0]["audio"]).resolve().exists()
    assert runner.invoke(app, ["calls", "export", "--format", "csv"]).exit_code == 2

    redacted = tmp_path / "redacted.wav"
    r = runner.invoke(app, ["redact-audio", "card_call", "--out", str(redacted)])
    assert r.exit_code == 0, r.output
    assert redacted.stat().st_size > 0

    missing = runner.invoke(app, ["calls", "show", "nope"])
    assert missing.exit_code == 3 and "nope" in missing.stderr


def test_migrations_head_matches_alembic(runtime: Runtime) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD
    assert migrate.current_revision(runtime.db) == migrate.HEAD
    assert migrate.upgrade(runtime.db) is False  # idempotent
