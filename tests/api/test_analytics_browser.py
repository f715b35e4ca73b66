"""The manager dashboard in a real browser (Chromium via Playwright) over a generated month stored in
the real database: clicking a chart bar lands on the list of exactly the calls behind it, a table
cell does the same, and every table exports as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analytics.synthetic import GeneratorOptions, SyntheticHistory, generate_history
from api.analytics_history import store_history
from api.runtime import open_runtime
from api.settings import Settings
from tests.api.auth_helpers import browser_login, make_user
from tests.api.live_server import serve
from tests.api.test_sidebar_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]
SCREENSHOT = Path("/tmp/analytics-dashboard.png")


@pytest.fixture
def month(settings: Settings) -> Iterator[SyntheticHistory]:
    history = generate_history(GeneratorOptions(seed=5, calls_per_day=30))
    rt = open_runtime(settings)
    try:
        store_history(rt, history)
    finally:
        rt.db.dispose()
    yield history


def test_clicking_a_bar_lists_exactly_the_calls_behind_it(
    settings: Settings, month: SyntheticHistory
) -> None:
    from playwright.sync_api import sync_playwright

    doubled = month.options.injections.doubling_type
    assert doubled is not None
    week3 = datetime.combine(month.options.start, datetime.min.time(), UTC) + timedelta(days=14)
    expected = {
        c.call_id
        for c in month.calls
        if c.contact_type == doubled and week3 <= c.started_at < week3 + timedelta(days=7)
    }
    assert expected
    with serve(settings) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1400}, accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            make_user(settings, "maria", "manager")
            browser_login(page, base, "maria", next="/analytics?granularity=week&contact_type=billing")
            page.wait_for_selector("body[data-loaded=true]", timeout=60_000)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            # The trace of the doubled type, its third (week 3) bar: click where it is drawn.
            trace = page.evaluate(
                "(name) => document.getElementById('chart-types').data.findIndex((t) => t.name === name)",
                doubled,
            )
            assert trace >= 0
            bar = page.locator("#chart-types g.trace.bars").nth(trace).locator("g.point path").nth(2)
            box = bar.bounding_box()
            assert box is not None and box["height"] > 0
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_url("**/analytics/calls?**", timeout=20_000)
            page.wait_for_selector("body[data-loaded=true]")
            listed = set(page.locator("[data-testid=call-link]").all_inner_texts())
            assert listed == expected
            assert page.locator("#total").get_attribute("data-total") == str(len(expected))
            assert doubled in page.locator("[data-testid=active-filters]").inner_text()

            # A table cell: one agent's repeats.
            agent = month.options.injections.high_repeat_agent
            page.goto(f"{base}/analytics")
            page.wait_for_selector("body[data-loaded=true]")
            row = page.locator(f"[data-testid=repeats-row][data-key='{agent}']")
            repeats = int(row.locator("[data-col=repeats]").inner_text())
            row.locator("[data-testid=drill-repeats]").click()
            page.wait_for_url("**/analytics/calls?**")
            page.wait_for_selector("body[data-loaded=true]")
            assert page.locator("#total").get_attribute("data-total") == str(repeats)
            agents = set(page.locator("[data-col=agent_id]").all_inner_texts())
            assert agents == {agent}

            # CSV export of a table: the same rows the page shows.
            page.goto(f"{base}/analytics")
            page.wait_for_selector("body[data-loaded=true]")
            with page.expect_download() as download:
                page.locator("a.csv[data-csv=repeats]").click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
            assert {r["agent"] for r in rows} >= {agent} and next(r for r in rows if r["agent"] == agent)[
                "repeats"
            ] == str(repeats)
            assert not errors, errors
        finally:
            browser.close()
