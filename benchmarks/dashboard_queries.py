"""Manager dashboard query latency on a large stored history, on this machine.

    python benchmarks/dashboard_queries.py [--calls 100000] [--runs 20]

Stores a generated history of ``--calls`` calls with their ACD records (``analytics.synthetic``,
seeded; written with COPY) in a fresh embedded PostgreSQL, then times every dashboard figure the
way the page asks for it (four weeks, by day and by week, with and without a queue/team/agent filter),
``--runs`` times each after one warm-up. Printed: p50 and p95 per figure and over all of them, and
the ratio to a baseline measured in the same run: one scan of the period's fact rows
(``count(*)`` over the four weeks), the least any figure can cost. Target (issue 7): p95 ≤ 300 ms
on 100k calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from sqlalchemy import text

    from analytics.synthetic import GeneratorOptions, generate_history
    from api import analytics_service as svc
    from api.analytics_history import store_history
    from api.runtime import open_runtime
    from api.settings import Settings
    from common.db import embedded_server_url

    print(
        f"dashboard queries: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    work = Path(tempfile.mkdtemp(prefix="callscope-bench-dash-"))
    url = embedded_server_url(work / "pgdata", ephemeral=True)
    rt = open_runtime(Settings(home=work / "home", database_url=url))
    t0 = time.perf_counter()
    history = generate_history(GeneratorOptions(seed=7), scale_calls=args.calls)
    t1 = time.perf_counter()
    report = store_history(rt, history)
    t2 = time.perf_counter()
    with rt.db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(
        f"{report.calls} calls, {report.acd} ACD records, {report.topics} topics: "
        f"generated in {t1 - t0:.1f} s, "
        f"stored in {t2 - t1:.1f} s"
    )

    views = [
        ("all, by day", {"granularity": "day"}),
        ("all, by week", {"granularity": "week"}),
        ("queue billing, by day", {"granularity": "day", "queue": "billing"}),
        ("team-b, by week", {"granularity": "week", "team": "team-b"}),
        ("agent-07, by day", {"granularity": "day", "agent": "agent-07"}),
    ]
    figures: list[tuple[str, Callable[[Any], Any]]] = [
        ("overview", lambda v: svc.overview(rt, v)),
        ("contact types", lambda v: svc.contact_types(rt, v)),
        ("emerging topics", lambda v: svc.topics(rt, v)),
        ("repeats by agent", lambda v: svc.repeats(rt, v, by="agent")),
        ("repeats by contact group", lambda v: svc.repeats(rt, v, by="contact_group")),
        ("sentiment", lambda v: svc.sentiment(rt, v)),
        ("QA by agent", lambda v: svc.qa_by(rt, v, by="agent")),
        ("QA by team", lambda v: svc.qa_by(rt, v, by="team")),
        ("conversation by agent", lambda v: svc.conversation(rt, v, by="agent")),
        ("service level", lambda v: svc.service_level(rt, v)),
        ("calls behind a cell", lambda v: svc.drill(rt, v, {"repeated": True}, limit=100)),
    ]

    def baseline(v: Any) -> None:
        with rt.db.engine.connect() as conn:
            conn.execute(
                text("SELECT count(*) FROM call_facts WHERE started_at >= :a AND started_at < :b"),
                {"a": v.scope.since, "b": v.scope.until},
            ).scalar()

    made = [(label, svc.make_view(rt, **kw)) for label, kw in views]
    base: list[float] = []
    for _, v in made:
        baseline(v)
        for _ in range(args.runs):
            s = time.perf_counter()
            baseline(v)
            base.append((time.perf_counter() - s) * 1000)
    base_p95 = _p(base, 0.95)
    print(
        f"\nbaseline (scan of the period's facts): p50 {statistics.median(base):.1f} ms, "
        f"p95 {base_p95:.1f} ms"
    )
    print(f"\n{'figure':28} {'p50 ms':>8} {'p95 ms':>8} {'p95 / baseline':>15}")
    everything: list[float] = []
    for name, fn in figures:
        times: list[float] = []
        for _, v in made:
            fn(v)  # warm-up
            for _ in range(args.runs):
                s = time.perf_counter()
                fn(v)
                times.append((time.perf_counter() - s) * 1000)
        everything += times
        p95 = _p(times, 0.95)
        print(f"{name:28} {statistics.median(times):8.1f} {p95:8.1f} {p95 / base_p95:15.1f}")
    p95_all = _p(everything, 0.95)
    print(
        f"\nall {len(everything)} queries: p50 {statistics.median(everything):.1f} ms, p95 {p95_all:.1f} ms "
        f"({p95_all / base_p95:.1f}× baseline); target p95 ≤ 300 ms: {'met' if p95_all <= 300 else 'MISSED'}"
    )
    rt.db.dispose()


if __name__ == "__main__":
    main()
