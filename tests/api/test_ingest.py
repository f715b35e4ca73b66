"""Ingest through the real queue and database, with fake models (the logic, not the models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from api import store
from api.ingest import ingest_paths
from api.runtime import Runtime
from tests.audio_utils import write_tone
from tests.fakes import FakeRedactor, FakeTranscriber


@pytest.fixture
def fake_rt(runtime: Runtime) -> Runtime:
    runtime.transcriber_impl = FakeTranscriber(
        customer_text="My account is 12345678 and I was charged twice."
    )
    runtime.redactor_impl = FakeRedactor()
    return runtime


def _folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "calls"
    folder.mkdir()
    for i in range(n):
        write_tone(folder / f"call-{i}.wav", freq=300 + 50 * i)
    return folder


def test_folder_with_one_corrupt_file_ingests_the_others_and_reports_it(
    fake_rt: Runtime, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, 3)
    (folder / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage that is not audio")
    report = ingest_paths(fake_rt, [folder])
    assert sorted(report.stored) == ["call-0", "call-1", "call-2"]
    assert len(report.failed) == 1
    source, reason = report.failed[0]
    assert source.endswith("broken.wav")
    assert "broken.wav" in reason
    assert store.call_count(fake_rt.db) == 3
    # The failure is recorded with its reason for `calls failures`.
    failures = store.list_failures(fake_rt.db)
    assert [f.source for f in failures] == [str(folder / "broken.wav")]


def test_stored_transcript_is_redacted_and_summarised(fake_rt: Runtime, tmp_path: Path) -> None:
    ingest_paths(fake_rt, [_folder(tmp_path, 1)])
    call = store.get_call(fake_rt.db, "call-0")
    assert call.transcript is not None
    stored_text = json.dumps([t.to_dict() for t in call.transcript.turns])
    assert "12345678" not in stored_text
    assert "[ACCOUNT_NUMBER]" in stored_text
    assert call.summary.redaction_count == 1
    assert call.summary.speakers == ["agent", "customer"]
    assert call.summary.preview == "My account is [ACCOUNT_NUMBER] and I was charged twice."
    assert call.audio_path and Path(call.audio_path).exists()


def test_reingest_skips_what_is_stored(fake_rt: Runtime, tmp_path: Path) -> None:
    folder = _folder(tmp_path, 2)
    first = ingest_paths(fake_rt, [folder])
    assert len(first.stored) == 2
    fake = fake_rt.transcriber_impl
    assert isinstance(fake, FakeTranscriber)
    fake.calls.clear()
    second = ingest_paths(fake_rt, [folder, folder / "call-0.wav"])
    assert second.stored == [] and len(second.skipped) == 3
    assert fake.calls == []  # nothing transcribed again
    assert store.call_count(fake_rt.db) == 2


def test_same_name_different_content_gets_a_distinct_id(fake_rt: Runtime, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write_tone(a / "call.wav", freq=500)
    write_tone(b / "call.wav", freq=600)
    report = ingest_paths(fake_rt, [a, b])
    assert len(set(report.stored)) == 2
    assert "call" in report.stored


def test_labeled_jsonl_with_bad_lines(fake_rt: Runtime, tmp_path: Path) -> None:
    write_tone(tmp_path / "voice.wav", freq=700)
    lines = [
        json.dumps(
            {
                "call_id": "chat-1",
                "channel": "chat",
                "started_at": "2026-03-02T09:15:00Z",
                "customer_id": "cust-1",
                "turns": [
                    {"speaker": "agent", "text": "Hello, Brightline chat, how can I help?"},
                    {"speaker": "customer", "text": "Card 4111111111111111 was charged twice."},
                ],
                "labels": {"contact_type": "billing.double_charge", "sentiment": "negative"},
                "evaluations": [{"evaluator": "rev-1", "answers": {"greeting": "yes"}}],
                "custom_field": {"kept": True},
            }
        ),
        "{not json",
        json.dumps({"call_id": "", "channel": "chat"}),
        json.dumps({"call_id": "bad-channel", "channel": "fax"}),
        "",
        json.dumps(
            {"call_id": "voice-1", "audio": "voice.wav", "turns": [{"speaker": "customer", "text": "hi"}]}
        ),
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ingest_paths(fake_rt, [path])
    assert sorted(report.stored) == ["chat-1", "voice-1"]
    failed = dict(report.failed)
    assert set(failed) == {f"{path}:2", f"{path}:3", f"{path}:4"}
    assert "not valid JSON" in failed[f"{path}:2"]
    assert "field 'call_id'" in failed[f"{path}:3"]
    assert "field 'channel'" in failed[f"{path}:4"]

    chat = store.get_call(fake_rt.db, "chat-1")
    assert chat.summary.channel == "chat" and chat.audio_path is None
    assert chat.transcript is not None and "4111111111111111" not in chat.transcript.turns[1].text
    assert chat.labels["contact_type"] == "billing.double_charge"
    assert chat.extra == {"custom_field": {"kept": True}}
    voice = store.get_call(fake_rt.db, "voice-1")
    assert voice.reference is not None and voice.reference.turns[0].text == "hi"
    assert voice.transcript is not None and voice.transcript.model == "fake"


def test_labeled_call_id_conflict_is_reported_not_overwritten(fake_rt: Runtime, tmp_path: Path) -> None:
    p1, p2 = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    p1.write_text(
        json.dumps({"call_id": "c-1", "channel": "chat", "turns": [{"speaker": "customer", "text": "a"}]})
    )
    p2.write_text(
        json.dumps({"call_id": "c-1", "channel": "chat", "turns": [{"speaker": "customer", "text": "b"}]})
    )
    ingest_paths(fake_rt, [p1])
    report = ingest_paths(fake_rt, [p2])
    assert report.stored == []
    assert "already stored with different content" in report.failed[0][1]
    call = store.get_call(fake_rt.db, "c-1")
    assert call.transcript is not None and call.transcript.turns[0].text == "a"


def test_missing_path_is_reported(fake_rt: Runtime, tmp_path: Path) -> None:
    report = ingest_paths(fake_rt, [tmp_path / "nope.wav"])
    assert report.failed == [(str(tmp_path / "nope.wav"), "no such file or folder")]


def test_enqueue_only_then_drain_later(fake_rt: Runtime, tmp_path: Path) -> None:
    folder = _folder(tmp_path, 2)
    report = ingest_paths(fake_rt, [folder], process=False)
    assert report.queued == 2 and store.call_count(fake_rt.db) == 0
    # A second enqueue adopts the queued jobs instead of queuing twins.
    again = ingest_paths(fake_rt, [folder], process=False)
    assert again.queued == 2
    with fake_rt.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 2
    done = ingest_paths(fake_rt, [folder])
    assert sorted(done.stored) == ["call-0", "call-1"]
