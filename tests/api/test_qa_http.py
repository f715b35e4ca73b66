"""The QA workspace's HTTP API and pages through the app, on a real database with a scripted scorer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import store
from api.runtime import Runtime
from api.settings import Settings
from asr import Transcript, Turn
from tests.api.auth_helpers import api_client
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, set_tags, store_calls
from tests.audio_utils import write_tone


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings.max_upload_mb = 0.01
    with api_client(fast_settings(settings)) as c:
        rt: Runtime = c.app.state.runtime  # type: ignore[attr-defined]
        rt.qa_scorer_impl = ScriptedScorer({"c-2": {"empathy": ("no", 0.3)}})  # type: ignore[assignment]
        store_calls(rt, [labeled_call("c-1", agent="a-1", team="blue"), labeled_call("c-2", agent="a-2")])
        set_tags(rt, "c-2", sentiment="negative")
        yield c


def test_queue_call_page_data_and_changing_an_answer(client: TestClient) -> None:
    q = client.get("/api/qa/queue").json()
    assert q["total"] == 2 and q["scorecard"] == "standard-voice@1" and q["low_confidence"] == 0.6
    assert {r["call_id"] for r in q["rows"]} == {"c-1", "c-2"}
    assert [r["call_id"] for r in client.get("/api/qa/queue", params={"team": "blue"}).json()["rows"]] == [
        "c-1"
    ]
    low = client.get("/api/qa/queue", params={"low_confidence": "true"}).json()["rows"]
    assert [r["call_id"] for r in low] == ["c-2"] and low[0]["sentiment"] == "negative"
    assert client.get("/api/qa/queue", params={"week": "W10"}).status_code == 422
    assert client.get("/api/qa/queue", params={"sort": "bogus"}).status_code == 422

    qa = client.get("/api/calls/c-1/qa").json()
    assert qa["call"]["agent_id"] == "a-1" and qa["audio_url"] is None
    assert qa["turns"][0]["speaker"] == "agent" and qa["turns"][1]["start"] == 3.0
    items = {i["item_id"]: i for i in qa["result"]["items"]}
    assert items["greeting"]["provenance"]["source"] == "model" and items["greeting"]["choices"] == [
        "yes",
        "no",
    ]
    ev = items["greeting"]["evidence"][0]
    assert qa["turns"][ev["turn"]]["text"][ev["start_char"] : ev["end_char"]] == ev["text"]
    before = qa["result"]["percent"]

    r = client.put(
        "/api/calls/c-1/qa/items/greeting",
        json={"evaluator": "rev-1", "answer": "no", "comment": "no company name"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["evaluation"]["model_answer"] == "yes" and body["evaluation"]["source"] == "workspace"
    assert body["result"]["percent"] < before
    greeting = next(i for i in body["result"]["items"] if i["item_id"] == "greeting")
    assert greeting["provenance"]["source"] == "edited" and greeting["provenance"]["replaced"] == "yes"
    assert greeting["provenance"]["evaluator"] == "rev-1"
    history = client.get("/api/calls/c-1/qa").json()["history"]
    assert [(h["evaluator"], h["answer"], h["comment"]) for h in history] == [
        ("rev-1", "no", "no company name")
    ]

    bad = client.put("/api/calls/c-1/qa/items/greeting", json={"evaluator": "rev-1", "answer": "maybe"})
    assert bad.status_code == 422 and "greeting" in bad.json()["detail"] and "yes, no" in bad.json()["detail"]
    blank = client.put("/api/calls/c-1/qa/items/greeting", json={"evaluator": "  ", "answer": "yes"})
    assert blank.status_code == 422
    assert (
        client.put("/api/calls/nope/qa/items/greeting", json={"evaluator": "r", "answer": "yes"}).status_code
        == 404
    )
    assert client.get("/api/calls/nope/qa").status_code == 404
    disagree = client.get("/api/qa/queue", params={"disagreement": "true"}).json()["rows"]
    assert [r["call_id"] for r in disagree] == ["c-1"] and disagree[0]["edited_items"] == 1

    rescored = client.post("/api/calls/c-1/qa/score").json()
    assert rescored["model"] == "scripted@1" and rescored["percent"] == body["result"]["percent"]
    evaluations = client.get("/api/qa/evaluations", params={"evaluator": "rev-1"}).json()
    assert [(e["call_id"], e["item_id"], e["model_answer"]) for e in evaluations] == [
        ("c-1", "greeting", "yes")
    ]
    card = client.get("/api/qa/scorecard").json()
    assert card["key"] == "standard-voice@1" and len(card["items"]) == 12


def test_acknowledge_dispute_and_resolve(client: TestClient) -> None:
    ack = client.post("/api/calls/c-2/qa/acknowledge", json={"agent": "a-2"})
    assert ack.status_code == 201 and ack.json()["agent"] == "a-2"
    assert client.post("/api/calls/c-2/qa/acknowledge", json={}).status_code == 422
    d = client.post(
        "/api/calls/c-2/qa/disputes", json={"item_id": "empathy", "agent": "a-2", "comment": "I apologised"}
    )
    assert d.status_code == 201, d.text
    assert d.json()["disputed_answer"] == "no"
    missing_comment = client.post(
        "/api/calls/c-2/qa/disputes", json={"item_id": "empathy", "agent": "a-2", "comment": ""}
    )
    assert missing_comment.status_code == 422
    queue = client.get("/api/qa/disputes").json()
    assert [x["id"] for x in queue] == [d.json()["id"]] and queue[0]["question"]
    resolved = client.post(
        f"/api/qa/disputes/{d.json()['id']}/resolve",
        json={"reviewer": "lead", "decision": "uphold", "answer": "yes", "comment": "she did"},
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "upheld"
    assert client.get("/api/qa/disputes").json() == []
    assert len(client.get("/api/qa/disputes", params={"status": "all"}).json()) == 1
    again = client.post(
        f"/api/qa/disputes/{d.json()['id']}/resolve", json={"reviewer": "lead", "decision": "reject"}
    )
    assert again.status_code == 422
    assert (
        client.post("/api/qa/disputes/999/resolve", json={"reviewer": "x", "decision": "reject"}).status_code
        == 404
    )
    empathy = next(
        i for i in client.get("/api/calls/c-2/qa").json()["result"]["items"] if i["item_id"] == "empathy"
    )
    assert empathy["answer"] == "yes" and empathy["provenance"]["evaluator"] == "lead"


def test_import_upload_sampling_and_calibration(client: TestClient) -> None:
    csv = b"call_id,evaluator,scorecard,item_id,answer\nc-1,rev-9,standard-voice,closing,no\n"
    r = client.post("/api/qa/evaluations/import", files={"file": ("answers.csv", csv, "text/csv")})
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    bad = client.post(
        "/api/qa/evaluations/import",
        files={"file": ("answers.csv", csv.replace(b",no\n", b",nope\n"), "text/csv")},
    )
    assert bad.status_code == 422 and "answers.csv:2" in bad.json()["detail"]
    big = client.post("/api/qa/evaluations/import", files={"file": ("big.csv", b"x" * 20_000, "text/csv")})
    assert big.status_code == 413
    odd = client.post("/api/qa/evaluations/import", files={"file": ("a.txt", csv, "text/plain")})
    assert odd.status_code == 422 and ".csv" in odd.json()["detail"]

    sample = client.post("/api/qa/sample", json={"per_agent": 1}).json()
    assert {(p["call_id"], p["reason"]) for p in sample["picked"]} == {
        ("c-1", "random"),
        ("c-2", "low_confidence"),
    }
    assert client.post("/api/qa/sample", json={"per_agent": 1}).json()["picked"] == []
    assert client.post("/api/qa/sample").status_code == 200
    assert client.post("/api/qa/sample", json={"weeks": ["March"]}).status_code == 422
    picks = client.get("/api/qa/picks", params={"week": "2026-W10"}).json()
    assert len(picks) == 2 and picks[0]["week"] == "2026-W10"
    assert client.get("/api/qa/queue", params={"picked": "true"}).json()["total"] == 2

    s = client.post(
        "/api/qa/calibration", json={"name": "panel", "call_ids": ["c-1"], "evaluators": ["ann", "bob"]}
    )
    assert s.status_code == 201, s.text
    sid = s.json()["id"]
    assert (
        client.post(
            "/api/qa/calibration", json={"name": "x", "call_ids": [], "evaluators": ["a"]}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/qa/calibration", json={"name": "x", "call_ids": ["zz"], "evaluators": ["a"]}
        ).status_code
        == 404
    )
    answers = {i["id"]: "yes" for i in client.get("/api/qa/scorecard").json()["items"]}
    sub = client.post(
        f"/api/qa/calibration/{sid}/calls/c-1/answers", json={"evaluator": "ann", "answers": answers}
    )
    assert sub.status_code == 200 and sub.json()["revealed"] and sub.json()["answers"] == {"ann": answers}
    bob = client.get(f"/api/qa/calibration/{sid}", params={"evaluator": "bob"}).json()
    assert bob["calls"][0]["answers"] is None and bob["calls"][0]["progress"] == {"ann": 12, "bob": 0}
    assert bob["calls"][0]["turns"][0]["speaker"] == "agent"
    assert client.get(f"/api/qa/calibration/{sid}", params={"evaluator": "eve"}).status_code == 422
    assert client.patch(f"/api/qa/calibration/{sid}", json={"status": "closed"}).json()["status"] == "closed"
    assert client.get(f"/api/qa/calibration/{sid}").json()["calls"][0]["answers"] == {"ann": answers}
    assert [x["id"] for x in client.get("/api/qa/calibration").json()] == [sid]
    session_answers = client.get("/api/qa/evaluations", params={"session_id": sid}).json()
    assert len(session_answers) == 12 and {e["source"] for e in session_answers} == {"calibration"}
    assert client.delete(f"/api/qa/calibration/{sid}").status_code == 204
    assert client.get(f"/api/qa/calibration/{sid}").status_code == 404


def test_pages_and_audio(client: TestClient, tmp_path: Path) -> None:
    for path, script in (
        ("/qa", "qa-queue.js"),
        ("/qa/calls/c-1", "qa-call.js"),
        ("/qa/disputes", "qa-disputes.js"),
        ("/qa/calibration", "qa-calibration.js"),
        ("/qa/calibration/3", "qa-calibration.js"),
    ):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert f'src="/static/{script}"' in page.text and 'src="/static/qa-common.js"' in page.text
    for name in (
        "qa.css",
        "qa-common.js",
        "qa-queue.js",
        "qa-call.js",
        "qa-disputes.js",
        "qa-calibration.js",
    ):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert 'href="/qa"' in client.get("/assist").text

    assert client.get("/api/calls/c-1/audio").status_code == 404  # a text call has no recording
    rt: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    wav = write_tone(tmp_path / "voice.wav", seconds=1.0)
    turns = [Turn("agent", 0.0, 1.0, "Thank you for calling.")]
    store.save_call(
        rt.db,
        store.NewCall(
            id="v-1",
            content_hash="f" * 64,
            source="voice.wav",
            audio_path=str(wav),
            transcript=Transcript(turns, 1.0),
        ),
    )
    full = client.get("/api/calls/v-1/audio")
    assert (
        full.status_code == 200
        and full.headers["content-type"].startswith("audio/")
        and full.content == wav.read_bytes()
    )
    part = client.get("/api/calls/v-1/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.content) == 100 and part.headers["accept-ranges"] == "bytes"
    assert client.post("/api/calls/v-1/qa/score").status_code == 200
    assert client.get("/api/calls/v-1/qa").json()["audio_url"] == "/api/calls/v-1/audio"
