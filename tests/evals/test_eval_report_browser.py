"""The report opens in Chromium with its plots drawn and nothing fetched from anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import EvalRun, SystemResult, write_run
from evals.results import Confusion, Prediction, Sample

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/setup.sh --test)"
    ),
]


def _run() -> EvalRun:
    model = SystemResult(
        name="fake-classifier",
        metrics={"accuracy": 0.75, "macro_f1": 0.7},
        per_class={
            "billing": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
            "cancel": {"precision": 0.667, "recall": 1.0, "f1": 0.8, "support": 2},
        },
        confusion=Confusion(["billing", "cancel"], [[1, 1], [0, 2]]),
        latencies_ms=[1.5, 2.0, 2.5, 8.0],
    )
    samples = [
        Sample(f"u{i}", e, {"fake-classifier": Prediction(p, e == p)})
        for i, (e, p) in enumerate([("billing", "billing"), ("billing", "cancel"), ("cancel", "cancel")])
    ]
    return EvalRun(task="contact_type", task_version=1, dataset="tiny", n=4, model=model, samples=samples)


def test_report_draws_its_plots_offline(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    write_run(_run(), tmp_path)
    url = (tmp_path / "report.html").resolve().as_uri()
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url)
            assert "contact_type" in page.title()
            svgs = page.locator(".plot svg")
            assert svgs.count() >= 3  # confusion matrix, per-class F1 bars, latency histogram
            for i in range(svgs.count()):
                svg = svgs.nth(i)
                box = svg.bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100
                assert svg.locator("path, rect").count() > 5
            drawn = page.evaluate(
                "() => [...document.querySelectorAll('.plot svg path')].filter("
                "p => { const b = p.getBBox(); return b.width > 0 && b.height > 0 }).length"
            )
            assert drawn > 10
        finally:
            browser.close()
    assert requested == [url]  # the page is self-contained
