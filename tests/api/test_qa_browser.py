"""The QA workspace in a real browser (Chromium via Playwright) against the real app and database:
change an item's answer on a scored call's page and see it stored with provenance and the score
update; dispute an item as the agent and find it in the reviewer queue; the queue, sampling and the
recording player. Calls are stored from text with a scripted scorer, so no model runs."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api import qa_queue, qa_service, store
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from asr import Transcript, Turn
from tests.api.auth_helpers import browser_login, make_user
from tests.api.live_server import serve
from tests.api.qa_helpers import ScriptedScorer, fast_settings, labeled_call, store_calls
from tests.api.test_sidebar_browser import CHROMIUM, CHROMIUM_ARGS
from tests.audio_utils import write_tone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]
SCREENSHOT = Path("/tmp/qa-call.png")


def _eventually(check: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


@pytest.fixture
def rt(settings: Settings, tmp_path: Path) -> Iterator[Runtime]:
    runtime = open_runtime(fast_settings(settings))
    runtime.qa_scorer_impl = ScriptedScorer({"c-1": {"empathy": ("no", 0.35)}})  # type: ignore[assignment]
    store_calls(
        runtime,
        [
            labeled_call("c-1", agent="a-1", said=["I was charged twice and I'm really annoyed."]),
            labeled_call("c-2", agent="a-2", when="2026-03-03T09:00:00Z"),
        ],
    )
    wav = write_tone(tmp_path / "v-1.wav", seconds=8.0)
    turns = [
        Turn("agent", 0.0, 2.5, "Thank you for calling Brightline, this is Sam."),
        Turn("customer", 3.0, 5.5, "Hi, my internet is down."),
        Turn("agent", 6.0, 7.5, "Sorry to hear that, let me check."),
    ]
    store.save_call(
        runtime.db,
        store.NewCall(
            id="v-1",
            content_hash="a" * 64,
            source="v-1.wav",
            audio_path=str(wav),
            transcript=Transcript(turns, 8.0),
        ),
    )
    qa_service.score_calls(runtime, ["v-1"])
    try:
        yield runtime
    finally:
        runtime.db.dispose()


def test_change_an_answer_and_dispute_an_item(settings: Settings, rt: Runtime) -> None:
    from playwright.sync_api import expect, sync_playwright

    before = qa_service.get_result(rt, "c-1")
    with serve(settings) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            errors: list[Any] = []
            page.on("pageerror", lambda exc: errors.append(exc))

            for name, role, extra in (
                ("rev-1", "evaluator", {}),
                ("lead", "evaluator", {}),
                ("a-1", "agent", {"agent_id": "a-1"}),
            ):
                make_user(settings, name, role, **extra)
            # The queue lists the scored calls and links to their pages.
            browser_login(page, base, "rev-1", next="/qa")
            rows = page.get_by_test_id("queue-row")
            expect(rows).to_have_count(3)
            page.get_by_test_id("f-low-confidence").check()
            page.get_by_test_id("apply-filters").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_have_attribute("data-call-id", "c-1")
            rows.first.get_by_test_id("call-link").click()
            page.wait_for_url(f"{base}/qa/calls/c-1")

            expect(page.locator("body")).to_have_attribute("data-loaded", "true")
            score = page.get_by_test_id("score")
            expect(score).to_have_text(f"{round(before.percent or 0, 1)}%")
            greeting = page.locator('[data-testid="item"][data-item-id="greeting"]')
            expect(greeting.get_by_test_id("provenance")).to_have_attribute("data-source", "model")
            # Its evidence is highlighted in the transcript; the chip focuses that turn.
            expect(page.get_by_test_id("turn").first.locator("mark")).not_to_have_count(0)
            greeting.get_by_test_id("evidence-chip").first.click()
            expect(page.get_by_test_id("turn").first).to_have_class(re.compile(r"\bfocus\b"))
            expect(page.locator('mark.active[data-items~="greeting"]').first).to_be_visible()

            # Change the greeting to "no" with a comment.
            page.get_by_test_id("evaluator").fill("rev-1")
            greeting.get_by_test_id("answer-select").select_option("no")
            greeting.get_by_test_id("comment-input").fill("no company name")
            greeting.get_by_test_id("save-answer").click()
            provenance = greeting.get_by_test_id("provenance")
            expect(provenance).to_have_attribute("data-source", "edited", timeout=10_000)
            expect(provenance).to_contain_text("rev-1")
            expect(provenance).to_contain_text("“yes”")
            expect(greeting.get_by_test_id("item-answer")).to_have_text("no")

            after = qa_service.get_result(rt, "c-1")
            item = after.item("greeting")
            assert item is not None and item.answer == "no"
            p = item.provenance
            assert (p.source, p.evaluator, p.replaced, p.comment) == (
                "edited",
                "rev-1",
                "yes",
                "no company name",
            )
            assert after.percent is not None and before.percent is not None and after.percent < before.percent
            expect(score).to_have_text(f"{round(after.percent, 1)}%")
            stored = qa_service.list_evaluations(rt, call_id="c-1")
            assert [(e.evaluator, e.item_id, e.answer, e.model_answer) for e in stored] == [
                ("rev-1", "greeting", "no", "yes")
            ]
            expect(page.get_by_test_id("history-entry")).to_have_count(1)

            # The evaluator's name is remembered.
            page.reload()
            expect(page.locator("body")).to_have_attribute("data-loaded", "true")
            expect(page.get_by_test_id("evaluator")).to_have_value("rev-1")

            # The agent, signed in, disputes the empathy answer; it reaches the reviewer queue.
            browser_login(page, base, "a-1", next="/qa/calls/c-1")
            expect(page.locator("body")).to_have_attribute("data-loaded", "true")
            expect(page.get_by_test_id("agent-name")).to_have_value("a-1")
            empathy = page.locator('[data-testid="item"][data-item-id="empathy"]')
            empathy.get_by_test_id("dispute-toggle").click()
            empathy.get_by_test_id("dispute-comment").fill("I said I was sorry about the double charge")
            empathy.get_by_test_id("send-dispute").click()
            expect(empathy.get_by_test_id("item-dispute")).to_have_attribute(
                "data-status", "open", timeout=10_000
            )
            page.get_by_test_id("acknowledge").click()
            expect(page.get_by_test_id("ack-status")).to_contain_text("a-1")
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            browser_login(page, base, "lead", next="/qa/disputes")
            dispute = page.locator('[data-testid="dispute"][data-call-id="c-1"][data-item-id="empathy"]')
            expect(dispute).to_be_visible()
            expect(dispute.get_by_test_id("dispute-comment")).to_have_text(
                "I said I was sorry about the double charge"
            )
            page.get_by_test_id("reviewer").fill("lead")
            dispute.get_by_test_id("resolve-answer").select_option("yes")
            dispute.get_by_test_id("uphold").click()
            expect(page.get_by_test_id("dispute")).to_have_count(0)
            empathy_now = qa_service.get_result(rt, "c-1").item("empathy")
            assert empathy_now is not None and empathy_now.answer == "yes"
            assert empathy_now.provenance.evaluator == "lead"
            assert not errors, errors
        finally:
            browser.close()


def test_sampling_view_and_recording_player(settings: Settings, rt: Runtime) -> None:
    from playwright.sync_api import expect, sync_playwright

    with serve(settings) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[Any] = []
            page.on("pageerror", lambda exc: errors.append(exc))
            make_user(settings, "rev-1", "evaluator")
            browser_login(page, base, "rev-1", next="/qa")
            page.get_by_test_id("tab-picked").click()
            expect(page.get_by_test_id("queue-summary")).to_contain_text("0 calls")
            page.get_by_test_id("sample").click()
            expect(page.get_by_test_id("sample-status")).to_contain_text("picked now")
            expect(page.get_by_test_id("pick-reason")).to_have_count(3)
            assert len(qa_queue.list_picks(rt)) == 3

            page.goto(f"{base}/qa/calls/v-1")
            audio = page.get_by_test_id("audio")
            expect(audio).to_be_visible()
            page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=20_000)
            page.get_by_test_id("turn").nth(1).click()
            _eventually(
                lambda: abs(page.evaluate("document.getElementById('audio').currentTime") - 3.0) < 0.3,
                10,
                "the player seeks to the clicked turn",
            )
            assert not errors, errors
        finally:
            browser.close()
