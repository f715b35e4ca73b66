"""The live-assist WebSocket keeps a session through a dropped connection: a client that reconnects
with ``resume`` gets its turns and cards back, de-duplication goes on, and new turns continue the same
session; a wrong token, an expired or ended session gets a clear error and a fresh session.

The searches are scripted (a fake search backend): what is tested is the socket, not the ranking.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from api import live
from api.runtime import Runtime
from knowledge import SearchHit, SearchOptions, SearchResult

ROAMING = "How much is the roaming pass for my trip to Canada?"
REFUND = "Can I get a refund on the roaming pass I bought last week?"
# Confident documents per keyword of the customer's question, best first.
SCRIPT = {
    "refund": ["policy-refunds", "addon-roaming-pass"],
    "roaming": ["addon-roaming-pass", "plan-travel-pack"],
}


class ScriptedSearch:
    """``assist.SearchBackend``: the first keyword of ``SCRIPT`` found in the query picks the hits."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, kb: str, query: str, options: SearchOptions | None = None) -> SearchResult:
        self.queries.append(query)
        docs = next((ids for word, ids in SCRIPT.items() if word in query.lower()), [])
        return SearchResult(query, [_hit(d, 0.9 - 0.1 * i) for i, d in enumerate(docs)], 0.5, 1.0, 1.0)


def _hit(doc_id: str, confidence: float) -> SearchHit:
    text = f"{doc_id} explained. It costs what it costs."
    return SearchHit(
        doc_id=doc_id,
        title=doc_id.replace("-", " ").title(),
        kind="product",
        score=confidence,
        confidence=confidence,
        similarity=confidence,
        coverage=0.5,
        chunk_text=text,
        heading="",
        section=[],
        sentence=text[: text.index(".") + 1],
        sentence_span=(0, text.index(".") + 1),
        matched_terms=["roaming"],
        valid_from=None,
        valid_to=None,
        tags=[],
        source=f"{doc_id}.md",
    )


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    """Only the live router on a real database (feedback is stored): sign-in is not this test's topic."""
    runtime._searcher = ScriptedSearch()  # type: ignore[assignment]
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(live.router, prefix="/api")
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:  # one event loop for every socket: a takeover closes another socket
        yield c


def _turn(ws: WebSocketTestSession, text: str) -> list[dict[str, Any]]:
    """A customer turn, then a search as a marker: the cards the turn earned come before its results."""
    ws.send_json({"type": "turn", "speaker": "customer", "text": text})
    ws.send_json({"type": "search", "text": "marker"})
    cards = []
    while (message := ws.receive_json())["type"] != "results":
        assert message["type"] == "suggestion", message
        cards.append(message["suggestion"])
    return cards


def _dropped_session(client: TestClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A session with one question answered, whose connection then drops (close code 1006)."""
    with client.websocket_connect("/api/assist/ws") as ws:
        ready = ws.receive_json()
        cards = _turn(ws, ROAMING)
        ws.close(code=1006)
    return ready, cards


def test_reconnect_resumes_the_session(client: TestClient, app: FastAPI) -> None:
    ready, cards = _dropped_session(client)
    assert [c["doc_id"] for c in cards] == ["addon-roaming-pass", "plan-travel-pack"]
    assert live.registry(app).parked == 1

    with client.websocket_connect("/api/assist/ws") as ws:
        fresh = ws.receive_json()
        assert fresh["type"] == "ready" and fresh["session_id"] != ready["session_id"]
        ws.send_json({"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]})
        resumed = ws.receive_json()
        assert resumed["type"] == "resumed", resumed
        assert resumed["session_id"] == ready["session_id"]
        assert resumed["resume_token"] == ready["resume_token"]
        assert resumed["kb"] == ready["kb"] and resumed["as_of"] == ready["as_of"]
        assert [(t["index"], t["speaker"], t["text"]) for t in resumed["turns"]] == [(0, "customer", ROAMING)]
        assert resumed["suggestions"] == cards  # the cards already shown, as they were
        assert live.registry(app).parked == 0 and len(live.registry(app)) == 1  # the fresh one is gone

        # New turns go on in the same session: the roaming pass is not suggested again.
        again = _turn(ws, REFUND)
        assert [c["doc_id"] for c in again] == ["policy-refunds"]
        assert again[0]["turn"] == 1 and again[0]["id"].startswith(ready["session_id"])
        # Feedback on a card shown before the drop still finds it.
        ws.send_json({"type": "feedback", "suggestion_id": cards[0]["id"], "action": "useful"})
        saved = ws.receive_json()
        assert saved["type"] == "feedback_saved", saved
        assert (saved["suggestion_id"], saved["doc_id"]) == (cards[0]["id"], "addon-roaming-pass")
    # A normal close ends the call: nothing is kept.
    assert len(live.registry(app)) == 0


def test_a_session_can_be_resumed_again_after_a_second_drop(client: TestClient) -> None:
    ready, _ = _dropped_session(client)
    resume = {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
    with client.websocket_connect("/api/assist/ws") as ws:
        ws.receive_json()
        ws.send_json(resume)
        assert ws.receive_json()["type"] == "resumed"
        assert _turn(ws, REFUND)[0]["doc_id"] == "policy-refunds"
        ws.close(code=1001)  # going away (a page reload)
    with client.websocket_connect("/api/assist/ws") as ws:
        ws.receive_json()
        ws.send_json(resume)
        resumed = ws.receive_json()
        assert [t["text"] for t in resumed["turns"]] == [ROAMING, REFUND]
        assert [c["doc_id"] for c in resumed["suggestions"]] == [
            "addon-roaming-pass",
            "plan-travel-pack",
            "policy-refunds",
        ]


def _refused(ws: WebSocketTestSession, fresh: dict[str, Any], message: dict[str, Any]) -> str:
    """Send a resume that must fail; return the error message."""
    ws.send_json(message)
    error = ws.receive_json()
    assert error["type"] == "error" and error["code"] == "resume_failed", error
    assert "cannot be resumed" in error["message"] and fresh["session_id"] in error["message"]
    again = ws.receive_json()  # the connection goes on with its fresh session
    assert again["type"] == "ready" and again["session_id"] == fresh["session_id"]
    assert again["resume_token"] == fresh["resume_token"]
    return str(error["message"])


def test_wrong_token_unknown_or_ended_session_gets_an_error_and_a_fresh_session(
    client: TestClient, app: FastAPI
) -> None:
    ready, _ = _dropped_session(client)
    with client.websocket_connect("/api/assist/ws") as ws:
        fresh = ws.receive_json()
        _refused(ws, fresh, {"type": "resume", "session_id": ready["session_id"], "token": "guess"})
        # The fresh session works; it knows nothing of the other one.
        assert [c["doc_id"] for c in _turn(ws, ROAMING)] == ["addon-roaming-pass", "plan-travel-pack"]
        # resume is only for a connection's first message.
        ws.send_json({"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]})
        late = ws.receive_json()
        assert late["type"] == "error" and "first message" in late["message"]
    for bad in (
        {"type": "resume", "session_id": "no-such-session", "token": ready["resume_token"]},
        {"type": "resume", "session_id": ready["session_id"]},  # no token
        {"type": "resume"},
    ):
        with client.websocket_connect("/api/assist/ws") as ws:
            _refused(ws, ws.receive_json(), bad)

    # A session whose connection closed normally is over.
    with client.websocket_connect("/api/assist/ws") as ws:
        ended = ws.receive_json()
    with client.websocket_connect("/api/assist/ws") as ws:
        fresh = ws.receive_json()
        _refused(
            ws, fresh, {"type": "resume", "session_id": ended["session_id"], "token": ended["resume_token"]}
        )
    # The dropped session was not resumed by any of this, so it is still there.
    assert live.registry(app).parked == 1


def test_a_parked_session_expires(runtime: Runtime, app: FastAPI) -> None:
    app.state.assist_sessions = live.SessionRegistry(live.LiveOptions(resume_grace_s=0.3))
    with TestClient(app) as client:
        ready, _ = _dropped_session(client)
        time.sleep(0.5)
        with client.websocket_connect("/api/assist/ws") as ws:
            fresh = ws.receive_json()
            resume = {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
            assert "kept 0 s after its connection drops" in _refused(ws, fresh, resume)
        assert live.registry(app).parked == 0


def test_resume_takes_over_a_connection_the_server_still_holds(client: TestClient) -> None:
    """A client whose network dropped may come back before the server noticed: the new connection
    gets the session, the old one is closed with 4001."""
    with client.websocket_connect("/api/assist/ws") as old:
        ready = old.receive_json()
        cards = _turn(old, ROAMING)
        with client.websocket_connect("/api/assist/ws") as new:
            new.receive_json()
            new.send_json(
                {"type": "resume", "session_id": ready["session_id"], "token": ready["resume_token"]}
            )
            resumed = new.receive_json()
            assert resumed["type"] == "resumed" and resumed["suggestions"] == cards
            with pytest.raises(WebSocketDisconnect) as closed:
                old.receive_json()
            assert closed.value.code == live.SUPERSEDED
            assert [c["doc_id"] for c in _turn(new, REFUND)] == ["policy-refunds"]
