"""The agent sidebar page: served files, the WebSocket's handling of bad frames, and a real browser
following a demo call played as a live call (real database, embedding model, Whisper and Chromium)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api import kb_service
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from tests.api.auth_helpers import api_client, browser_login, make_user
from tests.api.live_server import serve

DEMO = Path(__file__).resolve().parents[2] / "demo"
LIVE = DEMO / "live"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AS_OF = date(2026, 11, 25)  # inside the Holiday Unlimited window (20 Nov to 31 Dec 2026)
SCREENSHOT = Path("/tmp/sidebar.png")


def test_page_and_static_files_are_served(settings: Settings) -> None:
    with api_client(settings) as client:
        page = client.get("/assist")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'src="/static/assist.js"' in page.text and 'href="/static/assist.css"' in page.text
        for path, kind in (("/static/assist.js", "javascript"), ("/static/assist.css", "text/css")):
            r = client.get(path)
            assert r.status_code == 200 and kind in r.headers["content-type"], (path, r.headers)
        assert client.get("/", follow_redirects=False).headers["location"] == "/analytics"  # an admin's home


def test_socket_reports_malformed_frames_and_stays_open(settings: Settings) -> None:
    with (
        api_client(settings) as client,
        client.websocket_connect("/api/assist/ws") as ws,
    ):
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["session_id"] and ready["answers"] is False
        bad_frames: list[str | bytes] = [
            "not json",
            "[1, 2]",
            json.dumps({"type": "dance"}),
            json.dumps({"type": "play", "recording": "x", "speed": 100}),
            json.dumps({"type": "play", "recording": "x", "speed": "fast"}),
            json.dumps({"type": "search", "text": "roaming", "k": "many"}),
            json.dumps({"type": "start", "as_of": 20261201}),
            json.dumps({"type": "feedback", "doc_id": "plan-unlimited-max", "action": "loved"}),
            b"\x07\x00\x00",  # unknown speaker tag
            b"\x01\x00",  # no whole sample
        ]
        for frame in bad_frames:
            if isinstance(frame, bytes):
                ws.send_bytes(frame)
            else:
                ws.send_text(frame)
            reply = ws.receive_json()
            assert reply["type"] == "error" and reply["message"], (frame, reply)
        # Still open and serving: feedback by document id is stored and acknowledged.
        ws.send_json({"type": "feedback", "doc_id": "plan-unlimited-max", "action": "useful"})
        saved = ws.receive_json()
        assert saved["type"] == "feedback_saved" and saved["doc_id"] == "plan-unlimited-max"


# ---------------------------------------------------------------------------------- browser


@dataclass(slots=True)
class _Call:
    recording: str  # the name the sidebar plays it by
    greeting: str  # the agent's first turn
    question: str  # the customer's first question with an expected document
    expected: str  # that document's id


def _first_call() -> _Call:
    """The first live demo call, read from its manifest."""
    manifest = json.loads((LIVE / "manifest.json").read_text(encoding="utf-8"))
    call = manifest["calls"][0]
    greeting = next(t for t in call["turns"] if t["speaker"] == "agent")
    question = next(t for t in call["turns"] if t["speaker"] == "customer" and t.get("expected"))
    return _Call(Path(call["file"]).stem, greeting["text"], question["text"], question["expected"][0])


def _eventually(check: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


@pytest.fixture
def demo_runtime(settings: Settings) -> Iterator[Runtime]:
    """The demo knowledge base indexed, and settings pointing live assist at the demo calls."""
    settings.assist_as_of = AS_OF
    settings.live_recordings = [LIVE]
    rt = open_runtime(settings)
    try:
        report = rt.knowledge_index().add_folder(DEMO / "knowledge", "default")
        assert not report.errors, report.errors
        yield rt
    finally:
        rt.db.dispose()


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4}


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium")
def test_sidebar_follows_a_live_call(settings: Settings, demo_runtime: Runtime) -> None:
    from playwright.sync_api import expect, sync_playwright

    call = _first_call()
    with serve(settings) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 440, "height": 1000})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            page = context.new_page()
            errors: list[Any] = []
            page.on("pageerror", lambda exc: errors.append(exc))

            def heard(speaker: str) -> set[str]:
                lines = page.locator(f'[data-testid="transcript-line"][data-speaker="{speaker}"]')
                return _words(" ".join(lines.all_inner_texts()))

            make_user(settings, "sam", "agent", agent_id="a-1")
            browser_login(page, base, "sam", next=f"/assist?recording={call.recording}&autoplay=1")
            expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "open")
            expect(page.get_by_test_id("as-of")).to_have_attribute("datetime", AS_OF.isoformat())

            # The card for the first question arrives while the call plays.
            card = page.locator(f'[data-testid="suggestion"][data-doc-id="{call.expected}"]')
            card.wait_for(timeout=60_000)
            assert heard("customer") & _words(call.question), (heard("customer"), call.question)
            mark = card.get_by_test_id("snippet").locator("mark")
            expect(mark).not_to_be_empty()

            useful = card.get_by_test_id("feedback-useful")
            useful.click()
            expect(useful).to_have_attribute("aria-pressed", "true", timeout=10_000)
            session_id = page.locator("body").get_attribute("data-session-id")
            assert session_id

            def feedback(action: str) -> bool:
                rows = kb_service.list_feedback(demo_runtime, session_id=session_id)
                return any(r.doc_id == call.expected and r.action == action for r in rows)

            assert feedback("useful")

            # Copy puts the highlighted sentence on the clipboard and is counted.
            card.get_by_test_id("copy").click()
            expect(card.get_by_test_id("copy")).to_have_text("Copied")
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied.split() == mark.inner_text().split()
            _eventually(lambda: feedback("copied"), 10, "the copy is stored as feedback")

            card.get_by_test_id("open-article").click()
            expect(card.get_by_test_id("article")).to_be_visible(timeout=10_000)

            page.get_by_test_id("search-input").fill("how much does it cost to use my phone abroad")
            page.get_by_test_id("search-input").press("Enter")
            results = page.get_by_test_id("search-result")
            results.first.wait_for(timeout=30_000)
            doc_ids = results.evaluate_all("nodes => nodes.map(n => n.dataset.docId)")
            assert any("roaming" in d for d in doc_ids), doc_ids

            page.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar lands mid-screenshot
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # Stop the call rather than wait for all of it; played again, it is heard again.
            play, status = page.get_by_test_id("play"), page.get_by_test_id("playback-status")
            expect(play).to_have_attribute("data-state", "playing")
            play.click()
            expect(status).to_have_text("stopped")
            play.click()
            expect(status).to_contain_text("playing", timeout=10_000)
            _eventually(
                lambda: len(heard("agent") & _words(call.greeting)) >= 2, 30, "the greeting heard again"
            )
            play.click()
            expect(status).to_have_text("stopped")
            assert not errors, errors
        finally:
            browser.close()
