"""Storing a generated history (``analytics.synthetic``) in bulk: the calls, their transcripts, tags, QA
scores, analytics facts and ACD records, written with COPY so 100k calls take a minute, not hours.

Generated calls are marked (``extra.generated``, source ``generated …``) and their tags and QA answers
are the generator's truth, not model output (models ``generated``): they exist to give the manager's
view a history to show and the benchmarks a realistic volume. Calls already stored are skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from api import analytics_facts, store_analytics
from api.runtime import Runtime

if TYPE_CHECKING:
    from analytics.synthetic import SyntheticHistory

__all__ = ["HistoryReport", "store_history"]

GENERATED = "generated"


@dataclass(slots=True)
class HistoryReport:
    calls: int
    skipped: int
    acd: int
    topics: int


def _copy(conn: Any, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """COPY rows (dicts with the same keys: the columns) into ``table``, inside ``conn``'s transaction."""
    if not rows:
        return
    columns = list(rows[0])
    raw = conn.connection.driver_connection  # psycopg's
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def store_history(
    rt: Runtime,
    history: SyntheticHistory,
    *,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> HistoryReport:
    """Store the history's calls (skipping ids already stored) and ACD records, then measure repeats
    and cluster the topics over everything stored."""
    from analytics.conversation import conversation_metrics
    from qa_models import OTHER, score_call

    card = rt.scorecard()
    calls = history.calls
    with rt.db.engine.connect() as conn:
        existing = {
            r[0]
            for r in conn.execute(
                text("SELECT id FROM calls WHERE id = ANY(:ids)"), {"ids": [c.call_id for c in calls]}
            )
        }
    fresh = [c for c in calls if c.call_id not in existing]
    # One embedding per distinct reason outside the taxonomy (the generator repeats its templates).
    reasons = sorted({c.reason for c in fresh if c.contact_type == OTHER})
    vectors = dict(zip(reasons, rt.embedder().embed(reasons), strict=True)) if reasons else {}
    source = f"generated (callscope analytics seed, seed {history.options.seed})"
    models = json.dumps({"contact_type": GENERATED, "sentiment": GENERATED})
    done = 0
    for start in range(0, len(fresh), batch):
        chunk = fresh[start : start + batch]
        rows: dict[str, list[dict[str, Any]]] = {
            t: [] for t in ("calls", "transcripts", "call_tags", "qa_scores")
        }
        facts = []
        for c in chunk:
            score = score_call(card, c.qa_answers)
            failed = [k for k, v in c.qa_answers.items() if v == "no"]
            rows["calls"].append(
                {
                    "id": c.call_id,
                    "content_hash": hashlib.sha256(f"generated:{c.call_id}".encode()).hexdigest(),
                    "source": source,
                    "channel": c.channel,
                    "started_at": c.started_at,
                    "agent_id": c.agent_id,
                    "customer_id": c.customer_id,
                    "queue": c.queue,
                    "duration_s": c.duration_s,
                    "speakers": '["agent", "customer"]',
                    "preview": c.reason[:200],
                    "labels": json.dumps(
                        {
                            "contact_type": c.contact_type,
                            "sentiment": c.sentiment,
                            "resolved": c.resolved,
                            "repeat_call": c.repeat_call,
                        }
                    ),
                    "extra": json.dumps({"team": c.team, "generated": True}),
                }
            )
            rows["transcripts"].append(
                {
                    "call_id": c.call_id,
                    "turns": json.dumps([t.to_dict() for t in c.turns]),
                    "model": GENERATED,
                }
            )
            rows["call_tags"].append(
                {
                    "call_id": c.call_id,
                    "contact_type": c.contact_type,
                    "contact_type_confidence": c.contact_type_confidence,
                    "sentiment": c.sentiment,
                    "sentiment_polarity": c.sentiment_polarity,
                    "sentiment_start": c.sentiment_start,
                    "sentiment_end": c.sentiment_end,
                    "models": models,
                }
            )
            result = {
                "call_id": c.call_id,
                "scorecard": card.id,
                "scorecard_version": str(card.version),
                "items": [
                    {
                        "item_id": k,
                        "answer": v,
                        "confidence": 1.0,
                        "rationale": GENERATED,
                        "scorer": GENERATED,
                    }
                    for k, v in c.qa_answers.items()
                ],
                "percent": score.percent,
                "passed": score.passed,
                "auto_failed": list(score.auto_failed),
                "model": GENERATED,
            }
            rows["qa_scores"].append(
                {
                    "call_id": c.call_id,
                    "scorecard": card.id,
                    "scorecard_version": str(card.version),
                    "result": json.dumps(result),
                    "model": GENERATED,
                    "model_percent": score.percent,
                    "model_passed": score.passed,
                    "min_confidence": 1.0,
                    "percent": score.percent,
                    "passed": score.passed,
                    "auto_failed": json.dumps(list(score.auto_failed)),
                    "failed_items": failed,
                }
            )
            m = conversation_metrics(c.turns, duration_s=c.duration_s, channel=c.channel)
            vector = vectors.get(c.reason) if c.contact_type == OTHER else None
            facts.append(
                {
                    "call_id": c.call_id,
                    "started_at": c.started_at,
                    "channel": c.channel,
                    "queue": c.queue,
                    "team": c.team,
                    "agent_id": c.agent_id,
                    "customer_id": c.customer_id,
                    "generated": True,
                    "contact_type": c.contact_type,
                    "sentiment": c.sentiment,
                    "sentiment_polarity": c.sentiment_polarity,
                    "qa_scorecard": card.id,
                    "qa_percent": score.percent,
                    "qa_passed": score.passed,
                    "failed_items": failed,
                    "duration_s": c.duration_s,
                    "handle_s": c.duration_s,  # the ACD's, when a record names the call (below)
                    **store_analytics.conversation_columns(m),
                    "reason": c.reason if vector is not None else None,
                    "reason_vector": store_analytics.vector_text(vector),
                }
            )
        rows["call_facts"] = facts
        with rt.db.engine.begin() as conn:
            for table, table_rows in rows.items():
                _copy(conn, table, table_rows)
        done += len(chunk)
        if progress:
            progress(done + len(existing))
    with rt.db.engine.begin() as conn:
        stored = {
            r[0]
            for r in conn.execute(
                text("SELECT contact_id FROM acd_records WHERE contact_id = ANY(:ids)"),
                {"ids": [r.contact_id for r in history.acd if r.contact_id]},
            )
        }
        acd = [r for r in history.acd if r.contact_id not in stored]
        _copy(conn, "acd_records", [{**asdict(r), "source": source} for r in acd])
        store_analytics.link_acd_handle_times(conn, [r.call_id for r in acd if r.call_id])
    analytics_facts.remeasure_all_repeats(rt)
    topics = analytics_facts.recluster_topics(rt)
    return HistoryReport(len(fresh), len(existing), len(acd), topics)
