"""Privacy on a real database and the real ingest queue (scripted models): a deleted call leaves no
row in any table and no file; retention purges old calls down to de-identified facts while every
dashboard figure stays the same; ingest can keep the redacted recording only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from analytics.acd import AcdRecord
from api import analytics_facts, data_rights, qa_calibration, qa_queue, qa_service, store, store_analytics
from api import analytics_service as svc
from api.cli_privacy import register
from api.ingest import ingest_paths
from api.routes_privacy import router
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from asr import DecodedAudio, Transcript, Turn, Word
from asr.audio import decode_audio
from common.errors import CallscopeError, InvalidInput, NotFound
from privacy import RedactionResult
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, set_tags, store_calls
from tests.audio_utils import write_tone
from tests.conftest import DATA
from tests.fakes import FakeRedactor, FakeTranscriber, HashingEncoder

pytestmark = pytest.mark.slow


def _words(text_: str, start: float) -> list[Word]:
    return [
        Word(start=start + i * 0.3, end=start + i * 0.3 + 0.25, word=w) for i, w in enumerate(text_.split())
    ]


@dataclass
class ByLengthTranscriber:
    """The agent and customer lines for a recording of each length (FakeTranscriber's timing), so
    calls with audio of different lengths say different things."""

    lines: dict[float, tuple[str, str]] = field(default_factory=dict)

    def transcribe(self, audio: DecodedAudio) -> Transcript:
        agent, customer = self.lines[round(audio.duration, 1)]
        turns = [
            Turn("agent", 0.0, 2.0, agent, _words(agent, 0.0), 0),
            Turn("customer", 2.5, 5.0, customer, _words(customer, 2.5), 1),
        ]
        return Transcript(turns=turns, duration=audio.duration, model="scripted")


class TimedRedactor(FakeRedactor):
    """FakeRedactor with each span's time taken from the word it covers (as the real redactor does)."""

    def redact_transcript(self, transcript: Transcript) -> RedactionResult:
        result = super().redact_transcript(transcript)
        for span in result.spans:
            turn = transcript.turns[span.turn or 0]
            word = next(w for w in turn.words if re.search(r"\d{4,}", w.word))
            span.start, span.end = word.start, word.end
        return result


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(fast_settings(settings))
    runtime.qa_scorer_impl = ScriptedScorer()  # type: ignore[assignment]
    runtime.embedder_impl = HashingEncoder()  # type: ignore[assignment]
    runtime.redactor_impl = FakeRedactor()
    try:
        yield runtime
    finally:
        runtime.db.dispose()


# ------------------------------------------------------------------------------------- helpers


def _tables(rt: Runtime) -> list[str]:
    """Every table in the database (callscope's, procrastinate's, alembic's), quoted."""
    with rt.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' "
                "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            )
        ).all()
    return ['"{}"."{}"'.format(*(part.replace('"', '""') for part in r)) for r in rows]


def _mentions(rt: Runtime, needle: str) -> dict[str, int]:
    """Rows of every table whose text (every column: text, JSON, arrays) contains ``needle``."""
    out = {}
    with rt.db.engine.connect() as conn:
        for table in _tables(rt):
            n = conn.execute(
                text(f"SELECT count(*) FROM {table} t WHERE strpos(lower(t::text), lower(:n)) > 0"),
                {"n": needle},
            ).scalar()
            if n:
                out[table] = int(n)
    return out


def _snapshot(rt: Runtime) -> dict[str, str]:
    """A digest of every table's rows."""
    with rt.db.engine.connect() as conn:
        return {
            table: conn.execute(
                text(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
            ).scalar_one()
            for table in _tables(rt)
        }


def _files(rt: Runtime) -> list[Path]:
    return sorted(p for p in rt.settings.home_dir.rglob("*") if p.is_file())


def _facts(rt: Runtime, call_id: str) -> dict[str, Any]:
    with rt.db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM call_facts WHERE call_id = :id"), {"id": call_id}).one()
    return dict(row._mapping)


def _tag(rt: Runtime, call_id: str, contact_type: str, said: str, sentiment: str = "negative") -> None:
    """Tags shaped like the tagger's, with the evidence quoting the call."""
    details = {
        "contact_type": {"label": contact_type, "confidence": 0.9, "secondary": None, "evidence": [said]},
        "sentiment": {
            "label": sentiment,
            "polarity": -0.4,
            "trajectory": "steady",
            "most_negative": {"turn": 1, "text": said, "polarity": -0.4},
        },
        "repeat_call": {
            "probability": 0.3,
            "signals": [{"name": "unresolved_need", "evidence": said, "turn": 1, "contribution": 0.2}],
        },
    }
    set_tags(
        rt,
        call_id,
        contact_type=contact_type,
        sentiment=sentiment,
        polarity=-0.4,
        repeat_probability=0.3,
        details=details,
        models={"contact_type": "test@1"},
    )


def _jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


PLUMBER = "I need a plumber to fix the kitchen sink tap"


# -------------------------------------------------------------------------------------- delete

SECRET = "zebracorn faucet from Quimbyville"  # said only in the call that is deleted


def test_deleting_a_call_leaves_nothing_of_it(rt: Runtime, tmp_path: Path) -> None:
    rt.transcriber_impl = ByLengthTranscriber(
        {
            0.5: ("Thank you for calling, this is Sam.", f"{PLUMBER} today."),
            1.5: ("Thank you for calling, this is Sam.", f"{PLUMBER}, the {SECRET} leaks."),
        }
    )
    write_tone(tmp_path / "keep.wav", seconds=0.5)
    write_tone(tmp_path / "gone.wav", seconds=1.5, freq=520)
    base = {
        "channel": "voice",
        "agent_id": "a-1",
        "customer_id": "cust-shared",
        "queue": "q-1",
        "team": "t-a",
    }
    records = [
        {**base, "call_id": "keep-1", "audio": "keep.wav", "started_at": "2026-03-02T09:00:00Z",
         "turns": [{"speaker": "customer", "text": f"{PLUMBER} today.", "start": 2.5, "end": 5.0}]},
        {**base, "call_id": "gone-1", "audio": "gone.wav", "started_at": "2026-03-04T09:00:00Z",
         "turns": [{"speaker": "customer", "text": f"The {SECRET} leaks.", "start": 2.5, "end": 5.0}],
         "labels": {"note": SECRET}, "crm_note": SECRET},
        {**base, "call_id": "other-2", "customer_id": "cust-2", "channel": "chat",
         "started_at": "2026-03-03T09:00:00Z",
         "turns": [{"speaker": "agent", "text": "Hello, how can I help?"},
                   {"speaker": "customer", "text": f"{PLUMBER} this week."}]},
    ]  # fmt: skip
    calls = _jsonl(tmp_path / "calls.jsonl", records)
    assert sorted(ingest_paths(rt, [calls]).stored) == ["gone-1", "keep-1", "other-2"]
    gone = store.get_call(rt.db, "gone-1")
    assert gone.audio_path and Path(gone.audio_path).is_file()

    # Everything a call gathers: tags, a topic with its reason as an example, a measured repeat, QA
    # with a person's answer, an acknowledgement, a dispute, a review pick, a calibration session, an
    # ACD record naming it, an earlier failed ingest of the same content.
    ids = ["keep-1", "gone-1", "other-2"]
    for call_id in ids:
        _tag(rt, call_id, "other", f"quoted from {call_id}: {SECRET if call_id == 'gone-1' else PLUMBER}")
    analytics_facts.refresh_calls(rt, ids)
    assert analytics_facts.recluster_topics(rt) == 1
    assert _facts(rt, "keep-1")["repeat_call_id"] == "gone-1"
    assert _facts(rt, "gone-1")["reason_vector"] is not None
    for call_id in ("keep-1", "gone-1"):
        qa_service.record_evaluation(
            rt, call_id, "greeting", evaluator="qa-1", answer="no", comment=f"{call_id}: no company name"
        )
    qa_service.acknowledge(rt, "gone-1", agent="a-1", comment=f"seen, about the {SECRET}")
    qa_service.file_dispute(rt, "gone-1", "empathy", agent="a-1", comment=f"I was kind about the {SECRET}")
    qa_queue.sample_reviews(rt, per_agent=5)
    session = qa_calibration.create_session(
        rt, name="week 10", call_ids=["gone-1", "keep-1"], evaluators=["qa-1"]
    )
    with rt.db.engine.begin() as conn:
        offered = datetime(2026, 3, 4, 8, 59, tzinfo=UTC)
        answered = offered + timedelta(seconds=20)
        acd = AcdRecord("q-1", offered, answered, handle_s=300.0, agent_id="a-1", contact_id="acd-777")
        acd.call_id = "gone-1"
        store_analytics.save_acd_records(conn, [acd], "acd.csv")
    store.record_failure(rt.db, source=f"{calls}:2", reason="decoder crashed", content_hash=gone.content_hash)
    with rt.db.engine.connect() as conn:
        jobs = list(
            conn.execute(
                text("SELECT id FROM procrastinate_jobs WHERE args::text LIKE '%gone.wav%'")
            ).scalars()
        )
    assert jobs

    needles = ["gone-1", gone.content_hash, SECRET]
    before = {n: _mentions(rt, n) for n in needles}
    # The search sees every kind of trace (so it can fail): rows, JSON arguments, examples, comments.
    for table in (
        "calls",
        "transcripts",
        "call_tags",
        "qa_scores",
        "qa_evaluations",
        "qa_disputes",
        "qa_review_picks",
        "qa_calibration_sessions",
        "call_facts",
        "acd_records",
        "procrastinate_jobs",
    ):
        assert f'"public"."{table}"' in before["gone-1"], (table, before["gone-1"])
    assert '"public"."ingest_failures"' in before[gone.content_hash]
    assert {'"public"."topics"', '"public"."procrastinate_jobs"'} <= set(before[SECRET])
    keeper = _keeper_state(rt)

    deleted = data_rights.delete_call(rt, "gone-1")

    assert deleted.rows["calls"] == 1 and deleted.rows["transcripts"] == 1
    assert deleted.rows["qa_disputes"] == 1 and deleted.rows["acd_records (unlinked)"] == 1
    assert deleted.rows["topics.examples"] == 1 and deleted.rows["procrastinate_jobs"] == len(jobs)
    assert deleted.files_removed == [gone.audio_path] and deleted.files_kept == []
    for needle in needles:
        assert _mentions(rt, needle) == {}, needle
    assert not any(gone.content_hash in p.name for p in _files(rt))
    with rt.db.engine.connect() as conn:
        events = conn.execute(
            text("SELECT count(*) FROM procrastinate_events WHERE job_id = ANY(:j)"), {"j": jobs}
        )
        assert events.scalar() == 0
        assert (
            conn.execute(text("SELECT call_id FROM acd_records WHERE contact_id = 'acd-777'")).scalar()
            is None
        )

    # The other calls are as they were, but for keep-1 no longer being followed by a repeat.
    after = _keeper_state(rt)
    assert after.pop("facts_repeat") == (False, None) and keeper.pop("facts_repeat") == (True, "gone-1")
    assert after == keeper
    assert qa_calibration.get_session(rt, session.id).call_ids == ["keep-1"]
    assert {c.id for c in store.list_calls(rt.db)} == {"keep-1", "other-2"}

    with pytest.raises(NotFound, match="gone-1"):
        data_rights.delete_call(rt, "gone-1")
    with pytest.raises(NotFound):
        data_rights.delete_call(rt, "never-stored")


def _keeper_state(rt: Runtime) -> dict[str, Any]:
    keep = store.get_call(rt.db, "keep-1")
    facts = _facts(rt, "keep-1")
    repeat = (facts.pop("repeated"), facts.pop("repeat_call_id"))
    facts.pop("updated_at")
    return {
        "call": asdict(keep),
        "file": Path(keep.audio_path or "").read_bytes(),
        "tags": store.get_tags(rt.db, "keep-1"),
        "qa": qa_service.get_result(rt, "keep-1").percent,
        "evaluations": [asdict(e) for e in qa_service.list_evaluations(rt, call_id="keep-1")],
        "other": asdict(store.get_call(rt.db, "other-2")),
        "facts": facts,
        "facts_repeat": repeat,
    }


# ------------------------------------------------------------------------------------ retention

NOW = datetime(2026, 4, 1, tzinfo=UTC)  # 20 days back: 2026-03-12


def _voice(
    call_id: str, when: str, customer: str, agent: str, word: str, reason: str, **more: Any
) -> dict[str, Any]:
    """A voice call with a 12 s silence and 1 s of overtalk; ``word`` is said in the agent's greeting
    (QA quotes it as evidence) and written in labels, a custom field and comments."""
    greeting = f"Thank you for calling {word} Plumbing, this is Sam."
    turns = [
        ("agent", greeting, 0.0, 3.0),
        ("customer", reason, 3.5, 7.0),
        ("agent", "Let me look at that for you.", 19.0, 22.0),
        ("customer", "Okay thanks.", 21.0, 23.0),
    ]
    return {
        "call_id": call_id,
        "channel": "voice",
        "started_at": when,
        "agent_id": agent,
        "customer_id": customer,
        "queue": "q-main",
        "team": "t-a" if agent == "a-1" else "t-b",
        "turns": [{"speaker": sp, "text": t, "start": a, "end": b} for sp, t, a, b in turns],
        "labels": {"sentiment": "negative", "note": f"{word} was upset"},
        "crm_note": f"{word} lives on Elm Street",
        **more,
    }


OLD = {  # call id → (the word only it says, its reason, its customer)
    "o-1": ("Quimbyville", "I was charged twice for the boiler service in March.", "cust-old-1"),
    "o-2": ("Snorkelwick", "The boiler service charge appeared twice on my card again.", "cust-old-1"),
    "o-3": ("Fizzlebottom", f"{PLUMBER} before the weekend.", "cust-span"),
}
RECENT = {
    "r-1": ("Marigoldia", f"{PLUMBER} as soon as possible.", "cust-span"),
    "r-2": ("Tumbleweedo", f"{PLUMBER} on Monday morning.", "cust-new"),
    "r-3": ("Brindlecombe", "My direct debit payment failed this month.", "cust-new-2"),
}
WHEN = {
    "o-1": "2026-03-02T09:00:00Z",
    "o-2": "2026-03-04T10:00:00Z",
    "o-3": "2026-03-10T11:00:00Z",
    "r-1": "2026-03-14T09:00:00Z",
    "r-2": "2026-03-20T15:00:00Z",
    "r-3": "2026-03-25T16:00:00Z",
}
TYPES = {
    "o-1": "billing.double_charge",
    "o-2": "billing.double_charge",
    "o-3": "other",
    "r-1": "other",
    "r-2": "other",
    "r-3": "payments.payment_failed",
}


def _figures(rt: Runtime) -> list[dict[str, Any]]:
    view = svc.make_view(rt, since="2026-03-01", until="2026-03-29", granularity="week")
    figures = [
        svc.overview(rt, view),
        svc.contact_types(rt, view),
        svc.repeats(rt, view, by="agent"),
        svc.repeats(rt, view, by="contact_type"),
        svc.qa_by(rt, view, by="agent"),
        svc.qa_by(rt, view, by="team"),
        svc.sentiment(rt, view),
        svc.conversation(rt, view, by="agent"),
        svc.topics(rt, view),
    ]
    out = [f.to_dict() for f in figures]
    for row in out[-1]["rows"]:
        row.pop("examples")  # a purged call's reason leaves the examples; the counts stay
    return out


def _history(rt: Runtime, tmp_path: Path) -> None:
    rt.transcriber_impl = ByLengthTranscriber(
        {1.0: ("Thank you for calling Quimbyville Plumbing, this is Sam.", OLD["o-1"][1])}
    )
    write_tone(tmp_path / "o-1.wav", seconds=1.0)
    scorer = rt.qa_scorer_impl
    assert isinstance(scorer, ScriptedScorer)
    scorer.script = {
        "o-1": {"empathy": ("no", 0.4)},
        "o-3": {"greeting": ("no", 0.5)},
        "r-2": {"empathy": ("no", 0.6)},
    }
    records = [
        _voice(cid, WHEN[cid], customer, "a-1" if i % 2 == 0 else "a-2", word, reason)
        for i, (cid, (word, reason, customer)) in enumerate({**OLD, **RECENT}.items())
    ]
    records[0]["audio"] = "o-1.wav"
    assert len(ingest_paths(rt, [_jsonl(tmp_path / "history.jsonl", records)]).stored) == 6
    for cid, (word, _, _) in {**OLD, **RECENT}.items():
        _tag(rt, cid, TYPES[cid], f"{word} said so")
    analytics_facts.refresh_calls(rt, list(WHEN))
    assert analytics_facts.recluster_topics(rt) == 1
    qa_service.record_evaluation(
        rt, "o-1", "greeting", evaluator="qa-1", answer="no", comment="Quimbyville greeting"
    )
    qa_service.record_evaluation(
        rt, "r-1", "greeting", evaluator="qa-1", answer="no", comment="Marigoldia greeting"
    )
    dispute = qa_service.file_dispute(rt, "o-2", "empathy", agent="a-2", comment="Snorkelwick was calm")
    qa_service.resolve_dispute(
        rt, dispute.id, reviewer="qa-1", decision="reject", comment="Snorkelwick shouted"
    )
    qa_service.acknowledge(rt, "o-3", agent="a-1", comment="Fizzlebottom noted")
    o2 = store.get_call(rt.db, "o-2")
    store.record_failure(
        rt.db, source="history.jsonl:2", reason="Snorkelwick timeout", content_hash=o2.content_hash
    )
    # What makes the figures worth comparing: repeats, people's answers, a topic, conversation metrics.
    assert _facts(rt, "o-1")["repeat_call_id"] == "o-2" and _facts(rt, "o-3")["repeat_call_id"] == "r-1"
    assert _facts(rt, "o-1")["failed_items"] and _facts(rt, "o-2")["longest_silence_s"] == pytest.approx(12.0)


def test_retention_purges_old_calls_and_keeps_every_figure(rt: Runtime, tmp_path: Path) -> None:
    _history(rt, tmp_path)
    o1_audio = store.get_call(rt.db, "o-1").audio_path
    assert o1_audio and Path(o1_audio).is_file()
    figures = _figures(rt)
    assert figures[0]["rows"][0]["calls"] == 6  # the overview counts the old calls too
    snapshot = _snapshot(rt)
    recent = {cid: (asdict(store.get_call(rt.db, cid)), _facts(rt, cid)) for cid in RECENT}
    old_facts = {cid: _facts(rt, cid) for cid in OLD}
    for word, reason, _ in OLD.values():
        assert _mentions(rt, word) and _mentions(rt, reason)

    dry = data_rights.purge_older_than(rt, 20, dry_run=True, now=NOW)
    assert (dry.calls, dry.call_ids, dry.files, dry.busy) == (3, ["o-1", "o-2", "o-3"], 1, [])
    assert dry.rows["transcripts"] == 3 and dry.rows["ingest_failures"] == 1
    assert _snapshot(rt) == snapshot  # a dry run changes nothing

    report = data_rights.purge_older_than(rt, 20, now=NOW)
    assert (report.calls, report.call_ids, report.files) == (3, ["o-1", "o-2", "o-3"], 1)
    assert report.rows["calls"] == 3 and report.rows["transcripts"] == 3

    assert _figures(rt) == figures
    # Nothing that identifies a person is left of the old calls: text, customer ids, recordings.
    for word, reason, _ in OLD.values():
        assert _mentions(rt, word) == {}, word
        assert _mentions(rt, reason) == {}, reason
    assert _mentions(rt, "cust-old-1") == {}
    assert not Path(o1_audio).exists() and _files(rt) == []
    for cid in OLD:
        call = store.get_call(rt.db, cid)
        assert call.transcript is None and call.reference is None and call.audio_path is None
        assert call.summary.customer_id is None and call.summary.preview == data_rights.PURGED
        assert call.extra == {"team": old_facts[cid]["team"]}
        assert call.labels == {"sentiment": "negative", "note": ""}
        facts = _facts(rt, cid)
        assert facts["customer_id"] is None and facts["reason"] is None and facts["reason_vector"] is None
        for column in ("customer_id", "reason", "reason_vector", "updated_at"):
            facts.pop(column), old_facts[cid].pop(column)
        assert facts == old_facts[cid]  # the de-identified facts are kept as they were
    result = qa_service.get_result(rt, "o-1")
    assert all(not i.evidence and not i.rationale for i in result.items) and result.edited_items == 1
    with rt.db.engine.connect() as conn:
        purged = conn.execute(text("SELECT id FROM calls WHERE purged_at IS NOT NULL ORDER BY id")).scalars()
        assert list(purged) == ["o-1", "o-2", "o-3"]
    # Recent calls are untouched, every row of them.
    assert {cid: (asdict(store.get_call(rt.db, cid)), _facts(rt, cid)) for cid in RECENT} == recent
    assert _mentions(rt, "Marigoldia") and _mentions(rt, RECENT["r-2"][1])

    again = data_rights.purge_older_than(rt, 20, now=NOW)
    assert again.calls == 0 and again.rows == {}  # purged calls are skipped

    with pytest.raises(InvalidInput, match="at least 1"):
        data_rights.purge_older_than(rt, 0)
    with pytest.raises(InvalidInput, match="CALLSCOPE_RETENTION_DAYS"):
        data_rights.apply_retention(rt, dry_run=True)


# ------------------------------------------------------------------------- redacted recordings


@pytest.mark.parametrize("timed", [True, False], ids=["word-times", "no-word-times"])
def test_keeping_redacted_recordings_only(settings: Settings, tmp_path: Path, timed: bool) -> None:
    settings.keep_original_audio = False
    rt = open_runtime(settings)
    rt.transcriber_impl = FakeTranscriber(customer_text="My account is 12345678 and I was charged twice.")
    rt.redactor_impl = TimedRedactor() if timed else FakeRedactor()
    rt.settings.tag_on_ingest = rt.settings.qa_on_ingest = False
    try:
        source = write_tone(tmp_path / "call.wav", seconds=6.0, freq=330)
        assert ingest_paths(rt, [source]).stored == ["call"]
        call = store.get_call(rt.db, "call")
        assert call.audio_path and call.audio_path.endswith(".redacted.flac")
        assert [p.name for p in rt.settings.audio_dir.iterdir()] == [
            Path(call.audio_path).name
        ]  # original gone
        assert source.is_file()  # the caller's own file is not ours to remove

        original = decode_audio(source, sample_rate=None).samples
        kept = decode_audio(call.audio_path, sample_rate=None).samples
        assert kept.shape == original.shape
        rate = 16000

        def part(samples: np.ndarray, start: float, end: float) -> np.ndarray:
            return samples[:, int(start * rate) : int(end * rate)]

        # "12345678" is the customer's 4th word (3.4-3.65 s); without word times the whole turn (2.5-5 s).
        silent, before, after = (
            ((3.4, 3.65), (0.0, 3.2), (3.85, 6.0)) if timed else ((2.5, 5.0), (0.0, 2.3), (5.2, 6.0))
        )
        assert np.abs(part(original, *silent)).max() > 0.1
        assert np.abs(part(kept, *silent)).max() == 0.0
        for stretch in (before, after):
            assert np.abs(part(kept, *stretch) - part(original, *stretch)).max() < 2 / 32767

        # Deleting the call removes the redacted copy too.
        assert data_rights.delete_call(rt, "call").files_removed == [call.audio_path]
        assert list(rt.settings.audio_dir.iterdir()) == []
    finally:
        rt.db.dispose()


# --------------------------------------------------------------------------------- API and CLI


def _app(rt: Runtime) -> FastAPI:
    app = FastAPI()
    app.state.runtime = rt
    app.include_router(router, prefix="/api")

    @app.exception_handler(CallscopeError)
    async def _error(request: Request, exc: CallscopeError) -> JSONResponse:
        code = 404 if isinstance(exc, NotFound) else 422 if isinstance(exc, InvalidInput) else 500
        return JSONResponse(status_code=code, content={"detail": str(exc)})

    return app


def test_api_and_cli(rt: Runtime, env: dict[str, str]) -> None:
    old = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    store_calls(
        rt, [labeled_call(f"c-{i}", when=old, said=[f"Case {i}: my router is broken."]) for i in range(4)]
    )
    # Without a start time (a recording) a call's age counts from when it was stored.
    store_calls(rt, [labeled_call(c, when=None, said=[f"{c}: no signal."]) for c in ("rec-new", "rec-old")])
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE calls SET created_at = now() - interval '60 days' WHERE id = 'rec-old'"))
    client = TestClient(_app(rt))

    assert client.delete("/api/calls/nope").status_code == 404
    r = client.delete("/api/calls/c-0")
    assert r.status_code == 200 and r.json()["rows"]["calls"] == 1 and r.json()["call_id"] == "c-0"
    assert client.delete("/api/calls/c-0").status_code == 404
    dry = client.post("/api/admin/retention", json={"older_than_days": 30, "dry_run": True})
    assert dry.status_code == 200 and dry.json()["calls"] == 4 and dry.json()["dry_run"] is True
    assert client.post("/api/admin/retention", json={"older_than_days": 0}).status_code == 422
    missing = client.post("/api/admin/retention", json={"dry_run": True})  # no days, no setting
    assert missing.status_code == 422 and "CALLSCOPE_RETENTION_DAYS" in missing.json()["detail"]

    calls = typer.Typer()
    register(calls)
    cli = typer.Typer()
    cli.add_typer(calls, name="calls")
    runner = CliRunner()
    refused = runner.invoke(cli, ["calls", "delete", "c-1"], input="n\n")
    assert refused.exit_code == 1 and store.get_call(rt.db, "c-1")  # not confirmed: kept
    done = runner.invoke(cli, ["calls", "delete", "c-1", "--yes", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"]["calls"] == 1
    assert runner.invoke(cli, ["calls", "delete", "c-1", "--yes"]).exit_code == 3
    listed = runner.invoke(cli, ["calls", "purge", "--older-than-days", "30", "--dry-run", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["call_ids"] == ["c-2", "c-3", "rec-old"]
    assert runner.invoke(cli, ["calls", "purge", "--dry-run"]).exit_code == 2  # no days, no setting
    purged = runner.invoke(cli, ["calls", "purge", "--older-than-days", "30", "--yes"])
    assert purged.exit_code == 0 and "purged 3 calls" in purged.stdout
    previews = {c.id: c.preview for c in store.list_calls(rt.db)}
    assert previews == {
        "c-2": data_rights.PURGED,
        "c-3": data_rights.PURGED,
        "rec-old": data_rights.PURGED,
        "rec-new": "rec-new: no signal.",
    }


def test_redacted_recording_with_the_real_models(settings: Settings) -> None:
    """Whisper and the PII redactor on a recorded card number: the kept recording is silent where
    the digits were spoken and the same elsewhere."""
    settings.keep_original_audio = False
    settings.tag_on_ingest = settings.qa_on_ingest = False
    rt = open_runtime(settings)
    try:
        source = DATA / "card_call.flac"
        assert ingest_paths(rt, [source]).stored == ["card_call"]
        call = store.get_call(rt.db, "card_call")
        assert call.audio_path and call.audio_path.endswith(".redacted.flac")
        assert [p.name for p in rt.settings.audio_dir.iterdir()] == [Path(call.audio_path).name]
        spans = [s for s in call.redaction_spans if s["entity"] == "CARD_NUMBER"]
        assert spans and all(s["start"] is not None for s in spans)

        original = decode_audio(source, sample_rate=None)
        kept = decode_audio(call.audio_path, sample_rate=None).samples
        rate = original.sample_rate
        # Each span padded by 0.15 s; a sample's width of slack at either edge for rounding.
        silenced = np.zeros(original.samples.shape[1], dtype=bool)
        touched = silenced.copy()
        for s in (s for s in call.redaction_spans if s["start"] is not None):
            first, last = round((s["start"] - 0.15) * rate), round((s["end"] + 0.15) * rate)
            silenced[max(0, first + 2) : last - 2] = True
            touched[max(0, first - 2) : last + 2] = True
        assert np.abs(original.samples[1, silenced]).max() > 0.05  # the customer spoke the digits there
        assert np.abs(kept[:, silenced]).max() == 0.0
        assert np.abs(kept[:, ~touched] - original.samples[:, ~touched]).max() < 2 / 32767
    finally:
        rt.db.dispose()
