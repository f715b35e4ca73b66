"""The QA review service on a real database with a scripted scorer: scores stored at ingest, the
effective result and its provenance, answers validated, imports all-or-nothing, queue filters,
review sampling, blind calibration, disputes and deleting a call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api import qa_calibration, qa_import, qa_queue, qa_service
from api.models import (
    CalibrationSessionRow,
    CallRow,
    QAAcknowledgementRow,
    QADisputeRow,
    QAEvaluationRow,
    QAScoreRow,
    ReviewPickRow,
)
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from common.errors import FormatError, InvalidInput, NotFound
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, set_tags, store_calls

ITEMS = 12  # items of the default scorecard


@pytest.fixture
def rt(settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(fast_settings(settings))
    runtime.qa_scorer_impl = ScriptedScorer()  # type: ignore[assignment]
    yield runtime
    runtime.db.dispose()


def _scorer(rt: Runtime) -> ScriptedScorer:
    scorer = rt.qa_scorer_impl
    assert isinstance(scorer, ScriptedScorer)
    return scorer


def _count(rt: Runtime, model: type) -> int:
    with Session(rt.db.engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_scored_at_ingest_and_effective_result_with_provenance(rt: Runtime) -> None:
    _scorer(rt).script["c-1"] = {"empathy": ("no", 0.4)}
    store_calls(rt, [labeled_call("c-1")])
    assert _scorer(rt).scored == ["c-1"]  # scored once, at ingest

    first = qa_service.get_result(rt, "c-1")
    assert len(first.items) == ITEMS and first.edited_items == 0 and not first.disagreement
    assert all(i.provenance.source == "model" for i in first.items)
    assert first.low_confidence == ["empathy"] and first.min_confidence == pytest.approx(0.4)
    assert first.percent == first.model_percent and first.percent is not None and first.percent < 100

    # A reviewer says the greeting was not met: stored with the model answer it replaced.
    changed = qa_service.record_evaluation(
        rt, "c-1", "greeting", evaluator="  rev-1 ", answer="No", comment="no company name"
    )
    e = changed.evaluation
    assert (e.evaluator, e.answer, e.model_answer, e.source, e.comment) == (
        "rev-1",
        "no",
        "yes",
        "workspace",
        "no company name",
    )
    eff = changed.result
    assert eff is not None
    greeting = eff.item("greeting")
    assert greeting is not None and greeting.answer == "no" and greeting.model_answer == "yes"
    p = greeting.provenance
    assert (p.source, p.evaluator, p.replaced, p.comment, p.via) == (
        "edited",
        "rev-1",
        "yes",
        "no company name",
        "workspace",
    )
    assert p.at is not None and p.evaluation_id == e.id
    assert eff.percent is not None and eff.percent < first.percent
    assert eff.model_percent == first.model_percent and eff.edited_items == 1 and eff.disagreement

    # The empathy answer is corrected to yes: the latest answer per item wins, whoever gave it.
    qa_service.record_evaluation(rt, "c-1", "empathy", evaluator="rev-2", answer="yes")
    qa_service.record_evaluation(rt, "c-1", "greeting", evaluator="rev-2", answer="yes", comment="heard it")
    now = qa_service.get_result(rt, "c-1")
    g = now.item("greeting")
    assert g is not None and g.answer == "yes" and g.provenance.evaluator == "rev-2"
    assert now.edited_items == 2
    with Session(rt.db.engine) as s:
        row = s.get(QAScoreRow, ("c-1", "standard-voice"))
        assert row is not None and row.percent == now.percent and row.edited_items == 2
        assert row.model_percent == first.model_percent

    # Rescoring replaces the model's answers and keeps the people's.
    rescored = qa_service.score_calls(rt, ["c-1"])[0]
    assert rescored.item("greeting").provenance.source == "edited"  # type: ignore[union-attr]
    qa = qa_service.call_qa(rt, "c-1")
    assert [h.evaluator for h in qa.history] == ["rev-2", "rev-2", "rev-1"]  # newest first
    assert qa.turns[0].speaker == "agent" and not qa.has_audio
    assert qa.result.item("greeting").evidence[0].turn == 0  # type: ignore[union-attr]


def test_answers_are_validated(rt: Runtime) -> None:
    store_calls(rt, [labeled_call("c-1")])
    with pytest.raises(InvalidInput) as bad:
        qa_service.record_evaluation(rt, "c-1", "greeting", evaluator="rev-1", answer="maybe")
    assert "greeting" in str(bad.value) and "yes, no" in str(bad.value)
    with pytest.raises(InvalidInput, match="yes, no, na"):
        qa_service.record_evaluation(rt, "c-1", "verify_identity", evaluator="rev-1", answer="sometimes")
    with pytest.raises(InvalidInput, match="no item 'greet'"):
        qa_service.record_evaluation(rt, "c-1", "greet", evaluator="rev-1", answer="yes")
    with pytest.raises(InvalidInput, match="evaluator is required"):
        qa_service.record_evaluation(rt, "c-1", "greeting", evaluator=" ", answer="yes")
    with pytest.raises(NotFound):
        qa_service.record_evaluation(rt, "nope", "greeting", evaluator="rev-1", answer="yes")
    assert _count(rt, QAEvaluationRow) == 0
    # Booleans and N/A are understood.
    assert (
        qa_service.record_evaluation(rt, "c-1", "greeting", evaluator="r", answer=False).evaluation.answer
        == "no"
    )
    na = qa_service.record_evaluation(rt, "c-1", "verify_identity", evaluator="r", answer="N/A")
    assert na.evaluation.answer == "na"


def test_csv_import_all_or_nothing(rt: Runtime, tmp_path: Path) -> None:
    store_calls(rt, [labeled_call("c-1"), labeled_call("c-2")])
    good = tmp_path / "answers.csv"
    good.write_text(
        "call_id,evaluator,scorecard,item_id,answer,comment\n"
        "c-1,rev-1,standard-voice,greeting,no,only the agent's name\n"
        "c-1,rev-1,standard-voice@1,verify_identity,na,\n"
        "c-2,rev-2,standard-voice,empathy,yes,\n"
    )
    report = qa_import.import_evaluations(rt, good)
    assert (report.stored, report.skipped, report.calls) == (3, 0, 2)
    assert report.evaluators == ["rev-1", "rev-2"]
    stored = qa_service.list_evaluations(rt, source="import")
    assert {(e.call_id, e.item_id, e.answer, e.model_answer) for e in stored} == {
        ("c-1", "greeting", "no", "yes"),
        ("c-1", "verify_identity", "na", "yes"),
        ("c-2", "empathy", "yes", "yes"),
    }
    g = qa_service.get_result(rt, "c-1").item("greeting")
    assert g is not None and g.answer == "no" and g.provenance.via == "import"
    assert g.provenance.comment == "only the agent's name"
    again = qa_import.import_evaluations(rt, good)  # importing the same file twice stores it once
    assert (again.stored, again.skipped) == (0, 3)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "call_id,evaluator,scorecard,item_id,answer\n"
        "c-1,rev-3,standard-voice,closing,yes\n"
        "c-2,rev-3,standard-voice,greeting,perhaps\n"
    )
    with pytest.raises(FormatError) as err:
        qa_import.import_evaluations(rt, bad)
    assert err.value.line == 3 and err.value.field == "answer" and "bad.csv:3" in str(err.value)
    assert "yes, no" in str(err.value)
    for text, line, field in (
        ("call_id,evaluator,item_id,answer\nc-1,r,greeting,yes\n", 1, "scorecard"),
        ("call_id,evaluator,scorecard,item_id,answer\nc-1,r,other-card,greeting,yes\n", 2, "scorecard"),
        ("call_id,evaluator,scorecard,item_id,answer\nc-1,,standard-voice,greeting,yes\n", 2, "evaluator"),
        ("call_id,evaluator,scorecard,item_id,answer\nc-1,r,standard-voice,greet,yes\n", 2, "item_id"),
        (
            "call_id,evaluator,scorecard,item_id,answer\nc-1,r,standard-voice,closing,yes\nc-9,r,standard-voice,closing,yes\n",
            3,
            "call_id",
        ),
    ):
        bad.write_text(text)
        with pytest.raises(FormatError) as e:
            qa_import.import_evaluations(rt, bad)
        assert (e.value.line, e.value.field) == (line, field), str(e.value)
    assert len(qa_service.list_evaluations(rt, latest_only=False)) == 3  # nothing of the bad files


def test_jsonl_import_of_labeled_call_evaluations(rt: Runtime, tmp_path: Path) -> None:
    store_calls(rt, [labeled_call("c-1")])
    path = tmp_path / "labeled.jsonl"
    line = {
        "call_id": "c-1",
        "evaluations": [
            {
                "evaluator": "rev-1",
                "scorecard": "standard-voice",
                "answers": {"greeting": "yes", "empathy": "no"},
            },
            {"evaluator": "rev-2", "answers": {"greeting": "no"}, "comments": {"greeting": "no name"}},
        ],
    }
    path.write_text(json.dumps(line) + "\n\n" + json.dumps({"call_id": "c-1"}) + "\n")
    report = qa_import.import_evaluations(rt, path)
    assert report.stored == 3 and report.evaluators == ["rev-1", "rev-2"]
    rev2 = qa_service.list_evaluations(rt, evaluator="rev-2")
    assert [(e.item_id, e.answer, e.comment) for e in rev2] == [("greeting", "no", "no name")]

    line["evaluations"][0]["answers"]["empathy"] = "often"  # type: ignore[index]
    path.write_text(json.dumps({"call_id": "c-1", "evaluations": []}) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(FormatError) as err:
        qa_import.import_evaluations(rt, path)
    assert err.value.line == 2 and err.value.field == "evaluations.0.answers.empathy"
    path.write_text(json.dumps({**line, "call_id": "c-404"}).replace("often", "no") + "\n")
    with pytest.raises(FormatError, match="no stored call 'c-404'"):
        qa_import.import_evaluations(rt, path)
    assert len(qa_service.list_evaluations(rt, latest_only=False)) == 3


def test_queue_filters_sorting_and_paging(rt: Runtime) -> None:
    script = _scorer(rt).script
    script["low"] = {"empathy": ("no", 0.3)}
    script["fail"] = {"verify_identity": ("no", 0.95)}
    store_calls(
        rt,
        [
            labeled_call("ok", agent="a-1", team="blue", when="2026-03-02T09:00:00Z"),
            labeled_call("low", agent="a-1", team="blue", when="2026-03-03T09:00:00Z"),
            labeled_call("fail", agent="a-2", team="red", when="2026-03-10T09:00:00Z"),
            labeled_call("other", agent="a-2", when="2026-03-11T09:00:00Z", labels={"team": "red"}),
        ],
    )
    set_tags(rt, "ok", contact_type="billing.double_charge")
    set_tags(rt, "low", contact_type="technical.internet_down", sentiment="negative")
    set_tags(rt, "fail", contact_type="billing.refund")

    def ids(**kw: object) -> list[str]:
        sort = kw.pop("sort", "date")
        desc = kw.pop("descending", True)
        page = qa_queue.qa_queue(rt, qa_queue.QueueFilter(**kw), sort=sort, descending=desc)  # type: ignore[arg-type]
        return [r.call_id for r in page.rows]

    assert ids() == ["other", "fail", "low", "ok"]  # newest first
    assert ids(agent="a-1") == ["low", "ok"]
    assert ids(team="red") == ["other", "fail"]  # the labeled call's team, or labels.team
    assert ids(date_from=date(2026, 3, 3), date_to=date(2026, 3, 10)) == ["fail", "low"]
    assert ids(contact_type="billing") == ["fail", "ok"]
    assert ids(contact_type="billing.refund") == ["fail"]
    assert ids(failed=True) == ["fail"]
    assert "fail" not in ids(failed=False)
    assert ids(low_confidence=True) == ["low"]
    assert ids(max_score=95) == ["fail", "low"]
    assert ids(min_score=95) == ["other", "ok"]
    assert ids(disagreement=True) == []
    qa_service.record_evaluation(rt, "ok", "closing", evaluator="rev-1", answer="yes")  # agrees
    assert ids(disagreement=True) == [] and ids(edited=True) == ["ok"]
    qa_service.record_evaluation(rt, "other", "closing", evaluator="rev-1", answer="no")
    assert ids(disagreement=True) == ["other"]
    assert ids(sort="score", descending=False)[0] == "fail"
    assert ids(sort="confidence", descending=False)[0] == "low"
    page = qa_queue.qa_queue(rt, sort="date", descending=False, limit=2, offset=2)
    assert [r.call_id for r in page.rows] == ["fail", "other"] and page.total == 4
    row = qa_queue.qa_queue(rt, qa_queue.QueueFilter(agent="a-1")).rows[0]
    assert (row.call_id, row.team, row.contact_type, row.sentiment, row.low_confidence) == (
        "low",
        "blue",
        "technical.internet_down",
        "negative",
        True,
    )


def test_sampling_is_risk_first_and_idempotent_per_week(rt: Runtime) -> None:
    script = _scorer(rt).script
    script["w1-fail"] = {"no_sensitive_data_spoken": ("no", 0.9)}
    script["w1-low"] = {"courtesy": ("yes", 0.2)}
    week1 = ["w1-fail", "w1-low", "w1-neg", "w1-a", "w1-b", "w1-c"]
    records = [
        labeled_call(c, agent="a-1", when=f"2026-03-0{2 + i % 5}T10:00:00Z") for i, c in enumerate(week1)
    ]
    records += [labeled_call(f"w2-{i}", agent="a-1", when="2026-03-10T10:00:00Z") for i in range(3)]
    records += [labeled_call(f"b-{i}", agent="a-2", when="2026-03-03T10:00:00Z") for i in range(3)]
    store_calls(rt, records)
    set_tags(rt, "w1-neg", sentiment="negative")
    assert qa_queue.iso_week(date(2026, 3, 2)) == qa_queue.iso_week(date(2026, 3, 8)) == "2026-W10"

    first = qa_queue.sample_reviews(rt, weeks=["2026-W10"], seed=7)
    got = {(p.call_id, p.reason) for p in first.picked}
    assert {("w1-fail", "auto_fail"), ("w1-low", "low_confidence")} <= got
    assert len([p for p in first.picked if p.agent == "a-1"]) == 2  # the setting: 2 per agent-week
    assert len([p for p in first.picked if p.agent == "a-2"]) == 2
    assert {p.reason for p in first.picked if p.agent == "a-2"} == {"random"}
    assert all(p.week == "2026-W10" for p in first.picked)

    assert qa_queue.sample_reviews(rt, weeks=["2026-W10"], seed=7).picked == []  # nothing more
    more = qa_queue.sample_reviews(rt, weeks=["2026-W10"], per_agent=4, seed=7)
    a1 = [(p.call_id, p.reason) for p in more.picked if p.agent == "a-1"]
    assert a1[0] == ("w1-neg", "negative_sentiment") and a1[1][1] == "random" and len(a1) == 2
    everything = qa_queue.sample_reviews(rt, seed=7)  # every week: only W11 still has room
    assert {p.week for p in everything.picked} == {"2026-W11"} and len(everything.picked) == 2
    picks = qa_queue.list_picks(rt, week="2026-W10", agent="a-1")
    assert len(picks) == 4 and all(not p.reviewed for p in picks)
    qa_service.record_evaluation(rt, "w1-fail", "greeting", evaluator="rev", answer="yes")
    reviewed = {p.call_id: p.reviewed for p in qa_queue.list_picks(rt)}
    assert reviewed["w1-fail"] and not reviewed["w1-low"]
    queue = qa_queue.qa_queue(rt, qa_queue.QueueFilter(picked=True, week="2026-W11"))
    assert queue.total == 2 and all(r.pick_reason == "random" for r in queue.rows)
    with pytest.raises(InvalidInput, match="YYYY-Www"):
        qa_queue.sample_reviews(rt, weeks=["2026-10"])


def test_random_picks_are_reproducible_with_the_seed(settings: Settings, rt: Runtime) -> None:
    store_calls(rt, [labeled_call(f"r-{i}", when="2026-03-04T10:00:00Z") for i in range(8)])
    chosen = [p.call_id for p in qa_queue.sample_reviews(rt, seed=3).picked]
    with Session(rt.db.engine) as s:
        s.execute(delete(ReviewPickRow))
        s.commit()
    assert [p.call_id for p in qa_queue.sample_reviews(rt, seed=3).picked] == chosen


def test_blind_calibration_session(rt: Runtime) -> None:
    store_calls(rt, [labeled_call("k-1"), labeled_call("k-2")])
    session = qa_calibration.create_session(
        rt, name="March panel", call_ids=["k-1", "k-2"], evaluators=["ann", "bob"]
    )
    assert session.status == "open" and session.scorecard == "standard-voice"
    with pytest.raises(NotFound):
        qa_calibration.create_session(rt, name="x", call_ids=["nope"], evaluators=["ann"])

    all_items = {i.id: "yes" for i in rt.scorecard().items}
    qa_calibration.submit_answers(rt, session.id, "k-1", evaluator="ann", answers={"greeting": "no"})
    bob = qa_calibration.submit_answers(rt, session.id, "k-1", evaluator="bob", answers=all_items)
    assert bob.complete and bob.revealed
    assert bob.answers == {"ann": {"greeting": "no"}, "bob": all_items}  # ann's partial answer shown to bob
    assert bob.model_answers and bob.model_answers["greeting"] == "yes"

    ann = qa_calibration.session_view(rt, session.id, evaluator="ann")
    k1 = ann.calls[0]
    assert k1.call_id == "k-1" and not k1.revealed and k1.answers is None and k1.model_answers is None
    assert k1.mine == {"greeting": "no"} and k1.progress == {"ann": 1, "bob": ITEMS}
    assert k1.turns and k1.turns[0].speaker == "agent"
    observer = qa_calibration.session_view(rt, session.id)
    assert all(c.answers is None for c in observer.calls)
    # ann's answers given in the session change no call's score and do not show on the call page.
    assert qa_service.get_result(rt, "k-1").edited_items == 0
    assert qa_service.call_qa(rt, "k-1").history == []

    rest = {k: v for k, v in all_items.items() if k != "greeting"}
    ann_done = qa_calibration.submit_answers(rt, session.id, "k-1", evaluator="ann", answers=rest)
    assert ann_done.revealed and ann_done.answers and ann_done.answers["bob"] == all_items
    with pytest.raises(InvalidInput, match="final"):
        qa_calibration.submit_answers(rt, session.id, "k-1", evaluator="ann", answers={"greeting": "yes"})
    with pytest.raises(InvalidInput, match="not an evaluator"):
        qa_calibration.submit_answers(rt, session.id, "k-2", evaluator="cat", answers={"greeting": "yes"})
    with pytest.raises(InvalidInput, match="greeting"):
        qa_calibration.submit_answers(rt, session.id, "k-2", evaluator="ann", answers={"greeting": "?"})

    in_session = qa_service.list_evaluations(rt, session_id=session.id)
    assert len(in_session) == 2 * ITEMS
    assert all(e.source == "calibration" and e.model_answer is not None for e in in_session)
    assert qa_service.get_result(rt, "k-1").disagreement  # ann's greeting "no" vs the model's "yes"

    closed = qa_calibration.update_session(rt, session.id, status="closed", evaluators=["cat"])
    assert closed.status == "closed" and closed.evaluators == ["ann", "bob", "cat"]
    observer = qa_calibration.session_view(rt, session.id)
    assert observer.calls[0].answers is not None and observer.calls[1].answers == {}
    with pytest.raises(InvalidInput, match="closed"):
        qa_calibration.submit_answers(rt, session.id, "k-2", evaluator="ann", answers={"greeting": "yes"})
    assert [s.id for s in qa_calibration.list_sessions(rt, status="closed")] == [session.id]
    qa_calibration.delete_session(rt, session.id)
    assert _count(rt, CalibrationSessionRow) == 0 and _count(rt, QAEvaluationRow) == 2 * ITEMS


def test_dispute_goes_to_the_reviewer_queue_and_is_resolved(rt: Runtime) -> None:
    store_calls(rt, [labeled_call("d-1", agent="a-7")])
    ack = qa_service.acknowledge(rt, "d-1", agent="a-7")
    assert qa_service.acknowledge(rt, "d-1", agent="a-7").id == ack.id  # once per agent
    d = qa_service.file_dispute(rt, "d-1", "empathy", agent="a-7", comment="I did apologise at 0:09")
    assert d.status == "open" and d.disputed_answer == "yes" and d.call_agent == "a-7" and d.question
    with pytest.raises(InvalidInput, match="already has dispute"):
        qa_service.file_dispute(rt, "d-1", "empathy", agent="a-7", comment="again")
    with pytest.raises(InvalidInput, match="comment"):
        qa_service.file_dispute(rt, "d-1", "greeting", agent="a-7", comment=" ")
    other = qa_service.file_dispute(rt, "d-1", "greeting", agent="a-7", comment="I said my name")
    assert [x.id for x in qa_service.list_disputes(rt)] == [d.id, other.id]

    with pytest.raises(InvalidInput, match="answer"):
        qa_service.resolve_dispute(rt, d.id, reviewer="lead", decision="uphold")
    upheld = qa_service.resolve_dispute(
        rt, d.id, reviewer="lead", decision="uphold", answer="na", comment="no frustration voiced"
    )
    assert (upheld.status, upheld.new_answer, upheld.reviewer) == ("upheld", "na", "lead")
    assert upheld.resolved_at is not None and upheld.evaluation_id is not None
    item = qa_service.get_result(rt, "d-1").item("empathy")
    assert item is not None and item.answer == "na" and item.provenance.evaluator == "lead"
    assert item.provenance.comment == "no frustration voiced"
    with pytest.raises(InvalidInput, match="already upheld"):
        qa_service.resolve_dispute(rt, d.id, reviewer="lead", decision="reject")
    rejected = qa_service.resolve_dispute(rt, other.id, reviewer="lead", decision="reject", comment="no")
    assert rejected.status == "rejected" and rejected.evaluation_id is None
    assert qa_service.list_disputes(rt) == []
    assert [x.status for x in qa_service.list_disputes(rt, status=None)] == ["upheld", "rejected"]
    qa = qa_service.call_qa(rt, "d-1")
    assert [a.agent for a in qa.acknowledgements] == ["a-7"] and len(qa.disputes) == 2


def test_unscored_calls_and_deleting_a_call(rt: Runtime) -> None:
    rt.settings.qa_on_ingest = False
    store_calls(rt, [labeled_call("u-1")])
    with pytest.raises(NotFound, match="not scored"):
        qa_service.get_result(rt, "u-1")
    # An answer for a call not scored yet is kept and applies once it is scored.
    early = qa_service.record_evaluation(rt, "u-1", "greeting", evaluator="rev", answer="no")
    assert early.result is None and early.evaluation.model_answer is None
    scored = qa_service.score_calls(rt, ["u-1"])[0]
    assert scored.item("greeting").answer == "no"  # type: ignore[union-attr]
    qa_service.acknowledge(rt, "u-1", agent="a-1")
    qa_service.file_dispute(rt, "u-1", "closing", agent="a-1", comment="?")
    qa_queue.sample_reviews(rt)
    session = qa_calibration.create_session(rt, name="s", call_ids=["u-1"], evaluators=["x"])
    qa_calibration.submit_answers(rt, session.id, "u-1", evaluator="x", answers={"closing": "yes"})
    assert len(qa_service.list_results(rt)) == 1
    with Session(rt.db.engine) as s:
        s.execute(delete(CallRow).where(CallRow.id == "u-1"))
        s.commit()
    for model in (QAScoreRow, QAEvaluationRow, QAAcknowledgementRow, QADisputeRow, ReviewPickRow):
        assert _count(rt, model) == 0, model
    assert qa_calibration.get_session(rt, session.id).call_ids == ["u-1"]  # the session itself stays


def test_scoring_failure_at_ingest_keeps_the_call(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        options = None

        def score_many(self, *_: object) -> list[object]:
            raise RuntimeError("model exploded")

    rt.qa_scorer_impl = Broken()  # type: ignore[assignment]
    assert store_calls(rt, [labeled_call("b-1")]) == ["b-1"]
    assert "QA scoring of call b-1 failed" in caplog.text
    assert _count(rt, CallRow) == 1 and _count(rt, QAScoreRow) == 0


@pytest.mark.slow
def test_real_scorer_at_ingest_with_evidence_in_the_stored_turns(settings: Settings) -> None:
    runtime = open_runtime(fast_settings(settings))
    try:
        record = labeled_call(
            "real-1",
            said=[
                "Hi, I was charged twice for my bill this month and I'm really frustrated.",
                "Sure, my account number is on the letter, date of birth 4 May 1980.",
            ],
        )
        store_calls(runtime, [record])
        result = qa_service.get_result(runtime, "real-1")
        assert result.model.startswith("callscope-qa@") and len(result.items) == ITEMS
        assert all(i.answer in i.choices for i in result.items)
        turns = qa_service.call_qa(runtime, "real-1").turns
        evidence = [e for i in result.items for e in i.evidence]
        assert evidence, "the built-in scorers cite turns"
        for e in evidence:
            assert 0 <= e.turn < len(turns)
            assert turns[e.turn].text[e.start_char : e.end_char] == e.text, e
    finally:
        runtime.db.dispose()
