"""Call-tagging throughput on this machine: contact type + sentiment + repeat-call probability.

    python benchmarks/tagging_throughput.py [--calls 60] [--minutes 5] [--batch 16]

Transcripts are real text: STAR test dialogues (human–human, typed), run together until each call
holds about ``--minutes`` of speech at 150 words a minute (80–90 turns). ASR is not included.
Printed: calls/s and utterances/s with the shipped default models, (1) in batches of ``--batch``
calls (`callscope tag FILE`, re-tagging), (2) one call at a time (each ingest job), and (3) the baseline in
the same run: each customer turn and reason sentence embedded in its own encoder call (contact
type and sentiment only, so it does less work than the tagger);
the ratios against it. Target (issue 5): ≥ 2 calls/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def transcripts(n_calls: int, minutes: float) -> list[list]:
    from asr import Turn
    from evals.datasets import load_dataset
    from evals.datasets.star import is_test_dialogue

    calls = [c for c in load_dataset("star").calls if is_test_dialogue(c.call_id.removeprefix("star-"))]
    words_per_call = int(150 * minutes)
    out: list[list] = []
    turns: list = []
    words = 0
    clock = 0.0
    for call in calls:
        for t in call.turns:
            n = len(t.text.split())
            turns.append(Turn(t.speaker, clock, clock + n / 2.5, t.text))
            clock += n / 2.5 + 0.5
            words += n
        if words >= words_per_call:
            out.append(turns)
            turns, words, clock = [], 0, 0.0
            if len(out) == n_calls:
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge import get_embedder
    from qa_models import (
        CallTagger,
        RepeatCallPredictor,
        TagInput,
        load_default_contact_type,
        load_default_sentiment,
        reason_sentences,
    )

    print(
        f"tagging throughput: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    calls = transcripts(args.calls, args.minutes)
    inputs = [TagInput(f"bench-{i}", turns) for i, turns in enumerate(calls)]
    n_turns = sum(len(c) for c in calls)
    n_words = sum(len(t.text.split()) for c in calls for t in c)
    print(
        f"{len(calls)} calls, {n_turns} turns ({n_turns / len(calls):.0f} a call), "
        f"{n_words / len(calls):.0f} words a call (≈{args.minutes:g} min of speech)"
    )
    encoder = get_embedder()
    tagger = CallTagger(
        encoder,
        load_default_contact_type(encoder),
        load_default_sentiment(encoder),
        RepeatCallPredictor.default(),
    )
    tagger.tag_many(inputs[:2])  # warm-up: sessions, caches

    def rate(label: str, seconds: float) -> float:
        cps = len(calls) / seconds
        print(f"  {label:<42} {cps:6.2f} calls/s   {n_turns / seconds:8.1f} utterances/s   ({seconds:.1f} s)")
        return cps

    t0 = time.perf_counter()
    for start in range(0, len(inputs), args.batch):
        tagger.tag_many(inputs[start : start + args.batch])
    batched = rate(f"batched ({args.batch} calls a batch)", time.perf_counter() - t0)

    t0 = time.perf_counter()
    for item in inputs:
        tagger.tag(item)
    single = rate("one call at a time", time.perf_counter() - t0)

    # Baseline: the same models used one text at a time (each customer turn and each reason
    # sentence embedded in its own encoder call), as a naive per-utterance tagger would.
    t0 = time.perf_counter()
    for item in inputs:
        for turn in item.turns:
            if turn.speaker == "customer" and turn.text.strip():
                tagger.sentiment.score([turn.text])
        for _, sentence in reason_sentences(item.turns):
            tagger.contact_type.predict([sentence])
    baseline = rate("baseline: one encoder call per text (no repeat)", time.perf_counter() - t0)

    print(
        f"\nbatched / baseline {batched / baseline:.2f}x; one-at-a-time / baseline {single / baseline:.2f}x"
    )
    print(
        f"batched {batched:.2f} calls/s against the 2 calls/s target: "
        f"{'met' if batched >= 2 else f'missed by {2 - batched:.2f} calls/s'}"
    )


if __name__ == "__main__":
    main()
