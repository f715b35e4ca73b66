"""Keeping the analytics facts of stored calls current: dimensions and tags, conversation metrics,
the measured repeat, and the topic of a reason that fits no contact type.

At ingest a call gets its fact row, its metrics, and its reason's topic by the nearest known topic;
its customer's calls get their repeats re-measured (a new call can make an older one a repeat).
Reasons that match no topic wait for the next clustering, which runs once enough of them pile up
and on ``callscope analytics refresh`` (topics that survive a re-clustering keep their ids).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api import store, store_analytics
from api.runtime import Runtime

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from analytics.topics import TopicOptions
    from qa_models import CallRecord

__all__ = [
    "ensure_analytics",
    "recluster_topics",
    "refresh_analytics",
    "refresh_calls",
    "remeasure_all_repeats",
    "remeasure_repeats",
]

log = logging.getLogger(__name__)

#: A new topic reuses an old one's id when their centroids are at least this similar.
SAME_TOPIC = 0.85
#: Re-cluster when this many reasons outside the taxonomy have no topic yet.
RECLUSTER_AFTER = 25
#: Topics are found among the reasons of this many recent days.
TOPIC_HISTORY_DAYS = 120


def _is_outside_taxonomy(contact_type: str | None, has_tags: bool) -> bool:
    from qa_models import OTHER

    return has_tags and (contact_type or OTHER) == OTHER


def _reason_text(turns: Sequence[object]) -> str | None:
    from qa_models import reason_sentences

    sentences = reason_sentences(list(turns))  # type: ignore[arg-type]
    return " ".join(s for _, s in sentences[:2]) or None


def refresh_calls(
    rt: Runtime, call_ids: Sequence[str], *, assign_topics: bool = True, repeats: bool = True
) -> None:
    """Build (or rebuild) these calls' facts; with ``repeats`` their customers' repeats are re-measured."""
    from analytics.conversation import conversation_metrics
    from analytics.topics import assign

    if not call_ids:
        return
    calls = [store.get_call(rt.db, cid) for cid in call_ids]
    with rt.db.engine.begin() as conn:
        store_analytics.upsert_facts(conn, call_ids, rt.scorecard().id)
        handles = _acd_handle_times(conn, call_ids)
        tags = {
            r.call_id: r.contact_type
            for r in conn.execute(
                text("SELECT call_id, contact_type FROM call_tags WHERE call_id = ANY(:ids)"),
                {"ids": list(call_ids)},
            )
        }
        reasons: dict[str, str] = {}
        for call in calls:
            cid = call.summary.id
            transcript = call.transcript if call.transcript and call.transcript.turns else call.reference
            turns = list(transcript.turns) if transcript else []
            metrics = conversation_metrics(
                turns, duration_s=call.summary.duration_s, channel=call.summary.channel
            )
            handle = handles.get(cid, metrics.duration_s if metrics else call.summary.duration_s)
            store_analytics.save_conversation(conn, cid, metrics, handle)
            if _is_outside_taxonomy(tags.get(cid), cid in tags):
                reason = _reason_text(turns)
                if reason:
                    reasons[cid] = reason
            else:
                store_analytics.save_reason(conn, cid, None, None, None)
        if reasons:
            vectors = rt.embedder().embed(list(reasons.values()))
            topics = store_analytics.load_topics(conn) if assign_topics else []
            centroids = np.stack([t.centroid for t in topics]) if topics else None
            for (cid, reason), vector in zip(reasons.items(), vectors, strict=True):
                topic = None
                if centroids is not None:
                    k = assign(vector, centroids, _topic_options().min_similarity)
                    topic = topics[k].id if k is not None else None
                store_analytics.save_reason(conn, cid, reason, vector, topic)
        customers = {c.summary.customer_id for c in calls if c.summary.customer_id} if repeats else set()
        for customer in sorted(customers):
            remeasure_repeats(rt, conn, store_analytics.customer_records(conn, customer))


def _acd_handle_times(conn: Connection, call_ids: Sequence[str]) -> dict[str, float]:
    """Handle time from the ACD (talk + hold + wrap-up) where a contact record names the call."""
    rows = conn.execute(
        text("SELECT call_id, handle_s FROM acd_records WHERE call_id = ANY(:ids) AND handle_s IS NOT NULL"),
        {"ids": list(call_ids)},
    )
    return {r.call_id: float(r.handle_s) for r in rows}


def remeasure_repeats(rt: Runtime, conn: Connection, records: Sequence[CallRecord]) -> None:
    """Measure repeats over these calls (whole customer histories) with the configured window. The
    history is taken as complete here; figures leave out calls whose window was not over yet."""
    from qa_models import RepeatOptions, measure_repeats

    marks = measure_repeats(records, RepeatOptions(window_days=rt.settings.repeat_window_days))
    store_analytics.save_repeats(conn, marks)


def _topic_options() -> TopicOptions:
    from analytics.topics import TopicOptions

    return TopicOptions()


def recluster_topics(rt: Runtime, *, now: datetime | None = None) -> int:
    """Cluster the recent reasons outside the taxonomy anew; returns the number of topics."""
    from analytics.topics import cluster_reasons

    latest = now or store_analytics.latest_call_time(rt.db)
    since = latest - timedelta(days=TOPIC_HISTORY_DAYS) if latest else None
    call_ids, texts, vectors = store_analytics.reasons_for_clustering(rt.db, since)
    with rt.db.engine.begin() as conn:
        old = store_analytics.load_topics(conn)
        if not call_ids:
            store_analytics.replace_topics(conn, [], {})
            return 0
        clusters = cluster_reasons(vectors, texts, _topic_options())
        old_centroids = np.stack([t.centroid for t in old]) if old else None
        taken: set[int] = set()
        topics = []
        for topic in clusters.topics:
            keep: int | None = None
            if old_centroids is not None:
                sims = old_centroids @ topic.centroid
                for j in np.argsort(-sims):
                    if sims[j] < SAME_TOPIC:
                        break
                    if old[j].id not in taken:
                        keep = old[j].id
                        taken.add(keep)
                        break
            topics.append(
                (keep, topic.name, list(topic.key_phrases), list(topic.examples), topic.centroid, topic.size)
            )
        assignments = {
            cid: (int(label) if label >= 0 else None)
            for cid, label in zip(call_ids, clusters.labels, strict=True)
        }
        store_analytics.replace_topics(conn, topics, assignments)
        return len(topics)


def _unassigned_reasons(rt: Runtime) -> int:
    with rt.db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM call_facts WHERE reason_vector IS NOT NULL AND topic_id IS NULL")
            ).scalar()
            or 0
        )


def ensure_analytics(rt: Runtime, call_id: str) -> None:
    """A just-ingested call's facts. A failure is logged, not raised: the call is stored either way
    and ``callscope analytics refresh`` builds what is missing."""
    try:
        refresh_calls(rt, [call_id])
        if _unassigned_reasons(rt) >= RECLUSTER_AFTER:
            recluster_topics(rt)
    except Exception:
        log.exception("analytics for call %s failed; `callscope analytics refresh` rebuilds them", call_id)


def refresh_analytics(rt: Runtime, *, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Rebuild every call's facts, fold people's QA edits into the failed items, re-measure all
    repeats and re-cluster the topics."""
    from api import store_qa
    from api.qa_service import low_confidence_threshold

    with rt.db.engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM calls")).scalar() or 0)
    done = 0
    for ids in store_analytics.iter_fact_ids(rt.db):
        refresh_calls(rt, ids, assign_topics=False, repeats=False)
        done += len(ids)
        if progress:
            progress(done, total)
    with Session(rt.db.engine) as s:
        edited = s.execute(text("SELECT DISTINCT call_id, scorecard FROM qa_evaluations")).all()
        card = rt.scorecard()
        for call_id, scorecard in edited:
            if scorecard == card.id:
                store_qa.refresh(s, card, call_id, low_confidence=low_confidence_threshold(rt))
        s.commit()
    repeated = remeasure_all_repeats(rt)
    topics = recluster_topics(rt)
    return {"calls": done, "repeats": repeated, "topics": topics}


def remeasure_all_repeats(rt: Runtime) -> int:
    """Measure repeats over the whole stored history; returns how many calls were repeated."""
    from qa_models import RepeatOptions, measure_repeats

    records = store_analytics.history_records(rt.db)
    marks = measure_repeats(records, RepeatOptions(window_days=rt.settings.repeat_window_days))
    with rt.db.engine.begin() as conn:
        store_analytics.save_repeats(conn, marks)
    return sum(1 for m in marks if m.repeated)
