"""Automatic QA throughput on this machine: every item of the default scorecard, with evidence.

    python benchmarks/qa_throughput.py [--calls 40] [--minutes 5]

Transcripts are real text (STAR dialogues run together until each call holds about ``--minutes`` of
speech, as in ``tagging_throughput.py``). Printed: calls/s of (1) the QA scorer with the demo
knowledge base as its fact checker (``accurate_information`` looks every factual agent sentence up,
one embedding each), (2) the QA scorer without a knowledge base, and (3) the baseline measured in the
same run: tagging the same calls (contact type, sentiment, repeat risk; batched), and the ratios
against it. No LLM. Target (issue 6): ≥ 2 calls/s for 5-minute calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tagging_throughput import transcripts

    from evals.capabilities import document_facts
    from evals.datasets import read_knowledge_dir
    from knowledge import get_embedder
    from qa_models import CallTagger, QAScorer, TagInput, load_default_scorecard

    print(
        f"QA throughput: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    calls = transcripts(args.calls, args.minutes)
    when = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    inputs = [TagInput(f"bench-{i}", turns, started_at=when) for i, turns in enumerate(calls)]
    n_turns = sum(len(c) for c in calls)
    print(f"{len(calls)} calls, {n_turns / len(calls):.0f} turns a call (≈{args.minutes:g} min of speech)")
    encoder = get_embedder()
    card = load_default_scorecard()
    docs, _ = read_knowledge_dir(ROOT / "demo" / "knowledge")

    t0 = time.perf_counter()
    facts = document_facts(docs, encoder)
    print(f"fact checker over {len(docs)} demo documents built in {time.perf_counter() - t0:.1f} s (once)")
    with_kb = QAScorer(knowledge=facts, encoder=encoder)
    without_kb = QAScorer(encoder=encoder)
    tagger = CallTagger.with_defaults(encoder)
    with_kb.score_many(inputs[:2], card)  # warm-up
    tagger.tag_many(inputs[:2])

    def rate(label: str, seconds: float) -> float:
        cps = len(calls) / seconds
        print(f"  {label:<46} {cps:7.2f} calls/s   ({seconds:.2f} s)")
        return cps

    t0 = time.perf_counter()
    results = [with_kb.score(c, card) for c in inputs]
    full = rate("QA, knowledge-base check on (one call at a time)", time.perf_counter() - t0)
    t0 = time.perf_counter()
    for c in inputs:
        without_kb.score(c, card)
    bare = rate("QA, no knowledge base", time.perf_counter() - t0)
    t0 = time.perf_counter()
    tagger.tag_many(inputs)
    base = rate("baseline: tagging the same calls (batched)", time.perf_counter() - t0)
    checked = [r.item("accurate_information") for r in results]
    statements = sum(i.features.get("statements", 0) for i in checked if i is not None)
    print(
        f"\n{statements / len(calls):.1f} factual agent statements a call checked against the knowledge base"
    )
    print(f"QA (KB on) / tagging {full / base:.2f}x; QA (no KB) / tagging {bare / base:.2f}x")
    verdict = "met" if full >= 2 else f"missed by {2 - full:.2f}"
    print(f"QA {full:.2f} calls/s against the 2 calls/s target: {verdict}")


if __name__ == "__main__":
    main()
