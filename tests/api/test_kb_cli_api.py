"""The knowledge-base CLI, HTTP API and live-assist socket on the real database and embedding model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from tests.api.auth_helpers import api_client

DEMO_KB = Path(__file__).resolve().parents[2] / "demo" / "knowledge"
runner = CliRunner()
pytestmark = pytest.mark.slow


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """Products and promotions of the demo company (two validity windows among them)."""
    folder = tmp_path / "kb"
    for part in ("products", "promotions"):
        shutil.copytree(DEMO_KB / part, folder / part)
    return folder


def _json(result: object) -> dict:
    output = result.stdout  # type: ignore[attr-defined]
    return json.loads(output)


def test_kb_commands(env: dict[str, str], small_kb: Path) -> None:
    added = runner.invoke(app, ["kb", "add", str(small_kb), "--kb", "acme"])
    assert added.exit_code == 0, added.output
    listed = _json(runner.invoke(app, ["kb", "list", "--json"]))
    acme = next(b for b in listed["knowledge_bases"] if b["name"] == "acme")
    n_docs = len(list(small_kb.rglob("*.md"))) + len(list(small_kb.rglob("*.html")))
    assert acme["documents"] >= n_docs and acme["chunks"] >= acme["documents"]

    query = ["kb", "search", "are you doing any promotion on unlimited max", "--kb", "acme", "--json"]
    before = _json(runner.invoke(app, [*query, "--as-of", "2026-12-01"]))
    during = _json(runner.invoke(app, [*query, "--as-of", "2027-01-20"]))
    assert "promo-new-year-max" not in [h["doc_id"] for h in before["hits"]]  # starts 2027-01-05
    assert "promo-new-year-max" in [h["doc_id"] for h in during["hits"]]
    hit = during["hits"][0]
    assert {"doc_id", "title", "kind", "confidence", "confident", "sentence", "valid_to"} <= set(hit)

    # "that" is resolved from the context the agent passes.
    ctx = _json(
        runner.invoke(
            app,
            [
                "kb",
                "search",
                "how much is that per day",
                "--kb",
                "acme",
                "--json",
                "-k",
                "3",
                "--context",
                "agent: the roaming pass covers Canada and Mexico",
            ],
        )
    )
    assert ctx["context_used"] and "roaming" in ctx["query"]
    assert "addon-roaming-pass" in [h["doc_id"] for h in ctx["hits"]]

    bad_date = runner.invoke(app, [*query, "--as-of", "2027-13-45"])
    assert bad_date.exit_code == 2 and "2027-13-45" in bad_date.stderr and "YYYY-MM-DD" in bad_date.stderr
    unknown = runner.invoke(app, ["kb", "search", "roaming charges abroad", "--kb", "nope"])
    assert unknown.exit_code != 0 and "nope" in unknown.stderr

    # Re-adding an unchanged folder embeds nothing; removing the base removes it from the list.
    again = runner.invoke(app, ["kb", "add", str(small_kb), "--kb", "acme"])
    assert again.exit_code == 0 and "(0 chunks embedded" in " ".join(again.stderr.split()), again.stderr
    assert runner.invoke(app, ["kb", "remove", "acme"]).exit_code == 0
    names = [b["name"] for b in _json(runner.invoke(app, ["kb", "list", "--json"]))["knowledge_bases"]]
    assert "acme" not in names


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with api_client(settings) as c:
        yield c


def test_kb_http_api(client: TestClient, small_kb: Path) -> None:
    files = [("files", (p.name, p.read_bytes(), "text/markdown")) for p in sorted(small_kb.rglob("*.md"))]
    r = client.post("/api/kb/acme/documents", files=files)
    assert r.status_code == 200, r.text
    assert len(r.json()["added"]) == len(files) and not r.json()["errors"]

    r = client.get(
        "/api/kb/acme/search", params={"q": "roaming pass price for canada", "as_of": "2026-12-01"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hits"][0]["doc_id"] == "addon-roaming-pass" and body["hits"][0]["confident"]
    assert body["embed_ms"] >= 0 and body["search_ms"] > 0

    doc = client.get("/api/kb/acme/documents/addon-roaming-pass").json()
    assert doc["title"] and "Canada" in doc["text"]
    assert client.get("/api/kb/acme/documents/no-such-doc").status_code == 404
    bad = client.get("/api/kb/acme/search", params={"q": "roaming", "as_of": "yesterday"})
    assert bad.status_code == 422 and "yesterday" in bad.text
    broken = client.post(
        "/api/kb/acme/documents", files=[("files", ("bad.md", b"---\nid: [\n---\nx", "text/markdown"))]
    )
    assert broken.status_code == 200 and "bad.md" in broken.json()["errors"][0]
    # The broken upload lost nothing already stored.
    kbs = {b["name"]: b for b in client.get("/api/kb").json()["knowledge_bases"]}
    assert kbs["acme"]["documents"] == len(files)

    assert client.delete("/api/kb/acme").status_code == 204
    assert client.get("/api/kb/acme/search", params={"q": "roaming"}).status_code == 404


def test_socket_text_turns_get_suggestions_once(
    client: TestClient, settings: Settings, small_kb: Path
) -> None:
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    assert not rt.knowledge_index().add_folder(small_kb, "acme").errors
    with client.websocket_connect("/api/assist/ws") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "start", "kb": "nope"})
        refused = ws.receive_json()
        assert refused["type"] == "error" and "nope" in refused["message"]
        ws.send_json({"type": "start", "kb": "acme", "as_of": "2026-12-01"})
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["kb"] == "acme" and ready["as_of"] == "2026-12-01"

        def ask(text: str) -> tuple[list[dict], dict]:
            """A customer turn, then a search: messages come back in order, so the cards the turn
            earned are those before the search's results."""
            ws.send_json({"type": "turn", "speaker": "customer", "text": text})
            ws.send_json({"type": "search", "text": "roaming pass canada"})
            cards = []
            while (message := ws.receive_json())["type"] != "results":
                assert message["type"] == "suggestion", message
                cards.append(message["suggestion"])
            return cards, message

        question = "how much does the roaming pass cost for my trip to Canada"
        cards, _ = ask(question)
        suggestion = next(c for c in cards if c["doc_id"] == "addon-roaming-pass")
        start, end = suggestion["highlight"]
        assert suggestion["snippet"][start:end] == suggestion["sentence"]
        assert suggestion["why"]["matched_terms"]

        # Asked again, no card is shown twice (confident documents not yet shown may follow); the
        # agent's own search still lists it.
        again, results = ask(question)
        assert not {c["doc_id"] for c in again} & {c["doc_id"] for c in cards}
        assert "addon-roaming-pass" in [h["doc_id"] for h in results["hits"][:3]]

        ws.send_json({"type": "feedback", "suggestion_id": suggestion["id"], "action": "not_useful"})
        saved = ws.receive_json()
        assert saved["type"] == "feedback_saved" and saved["doc_id"] == "addon-roaming-pass"
    stored = client.get("/api/assist/feedback", params={"kb": "acme"}).json()["feedback"]
    assert [(f["doc_id"], f["action"]) for f in stored] == [("addon-roaming-pass", "not_useful")]
