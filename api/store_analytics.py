"""Persistence of analytics: the per-call fact rows, topics and ACD records, and the aggregate queries
the dashboard runs over them (every value bound; the few identifiers come from fixed tables here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from common.db import Database
from common.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from analytics.acd import AcdRecord
    from analytics.conversation import ConversationMetrics
    from qa_models import CallRecord, RepeatMark

__all__ = [
    "DIMENSIONS",
    "Scope",
    "StoredTopic",
    "acd_interval_counts",
    "conversation_columns",
    "customer_records",
    "drill_calls",
    "fact_row",
    "failed_items",
    "grouped",
    "history_records",
    "iter_fact_ids",
    "latest_call_time",
    "link_acd_handle_times",
    "load_topics",
    "reasons_for_clustering",
    "replace_topics",
    "save_acd_records",
    "save_conversation",
    "save_qa",
    "save_reason",
    "save_repeats",
    "upsert_facts",
    "vector_text",
]

#: What figures can be grouped by: a name the API takes → its SQL over ``call_facts f``.
DIMENSIONS: dict[str, str] = {
    "contact_type": "coalesce(f.contact_type, 'untagged')",
    "contact_group": "split_part(coalesce(f.contact_type, 'untagged'), '.', 1)",
    "queue": "coalesce(f.queue, '(none)')",
    "team": "coalesce(f.team, '(none)')",
    "agent": "coalesce(f.agent_id, '(none)')",
    "channel": "f.channel",
    "sentiment": "coalesce(f.sentiment, 'untagged')",
    "topic": "f.topic_id::text",
}


@dataclass(slots=True)
class Scope:
    """Which calls a figure covers: ``[since, until)`` and equality filters (``contact_type`` also
    matches every type under a group: ``billing`` takes ``billing.double_charge``)."""

    since: datetime
    until: datetime
    queue: str | None = None
    team: str | None = None
    agent: str | None = None
    channel: str | None = None
    contact_type: str | None = None
    generated: bool | None = None  # None: real and generated history alike
    teams: tuple[str, ...] | None = None  # the caller's scope: only these teams' calls; None: all

    def shifted(self, delta: timedelta) -> Scope:
        from dataclasses import replace

        return replace(self, since=self.since + delta, until=self.until + delta)

    def where(self, params: dict[str, Any], prefix: str = "") -> str:
        """The SQL condition over ``call_facts f``; binds go into ``params`` (names get ``prefix``)."""
        p = prefix
        params[f"{p}since"], params[f"{p}until"] = self.since, self.until
        clauses = [f"f.started_at >= :{p}since", f"f.started_at < :{p}until"]
        for column, value in (
            ("queue", self.queue),
            ("team", self.team),
            ("agent_id", self.agent),
            ("channel", self.channel),
        ):
            if value:
                clauses.append(f"f.{column} = :{p}{column}")
                params[f"{p}{column}"] = value
        if self.contact_type:
            if self.contact_type == "untagged":
                clauses.append("f.contact_type IS NULL")
            else:
                clauses.append(f"(f.contact_type = :{p}ct OR left(f.contact_type, :{p}ct_n) = :{p}ct_dot)")
                params[f"{p}ct"] = self.contact_type
                params[f"{p}ct_dot"] = self.contact_type + "."
                params[f"{p}ct_n"] = len(self.contact_type) + 1
        if self.generated is not None:
            clauses.append(f"f.generated = :{p}generated")
            params[f"{p}generated"] = self.generated
        if self.teams is not None:
            clauses.append(f"f.team = ANY(:{p}teams)")
            params[f"{p}teams"] = list(self.teams)
        return " AND ".join(clauses)


def bucket_sql(granularity: str, column: str = "f.started_at") -> str:
    """The bucket start of ``column`` in UTC (``:step`` seconds for intervals)."""
    if granularity in ("day", "week"):
        return f"date_trunc('{granularity}', {column}, 'UTC')"
    return f"to_timestamp(floor(extract(epoch FROM {column}) / :step) * :step)"


# ----------------------------------------------------------------------------------------- facts

_UPSERT = """
INSERT INTO call_facts AS f (call_id, started_at, channel, queue, team, agent_id, customer_id, generated,
    contact_type, sentiment, sentiment_polarity, duration_s, qa_scorecard, qa_percent, qa_passed,
    failed_items,
    updated_at)
SELECT c.id, c.started_at, c.channel, c.queue, coalesce(c.extra->>'team', c.labels->>'team'), c.agent_id,
    c.customer_id, coalesce(c.extra->>'generated', 'false') = 'true',
    t.contact_type, t.sentiment, t.sentiment_polarity, c.duration_s, q.scorecard, q.percent, q.passed,
    coalesce(q.failed_items, '{}'), now()
FROM calls c LEFT JOIN call_tags t ON t.call_id = c.id
    LEFT JOIN qa_scores q ON q.call_id = c.id AND q.scorecard = :scorecard
WHERE c.id = ANY(:ids)
ON CONFLICT (call_id) DO UPDATE SET started_at = excluded.started_at, channel = excluded.channel,
    queue = excluded.queue, team = excluded.team, agent_id = excluded.agent_id,
    customer_id = excluded.customer_id, generated = excluded.generated, contact_type = excluded.contact_type,
    sentiment = excluded.sentiment, sentiment_polarity = excluded.sentiment_polarity,
    duration_s = excluded.duration_s, qa_scorecard = excluded.qa_scorecard, qa_percent = excluded.qa_percent,
    qa_passed = excluded.qa_passed, failed_items = excluded.failed_items, updated_at = now()
"""


def upsert_facts(conn: Connection, call_ids: Sequence[str], scorecard: str) -> None:
    """(Re)copy the calls' dimensions, tags and effective QA score on ``scorecard`` into their fact rows."""
    if call_ids:
        conn.execute(text(_UPSERT), {"ids": list(call_ids), "scorecard": scorecard})


def save_qa(
    conn: Connection,
    call_id: str,
    scorecard: str,
    percent: float | None,
    passed: bool | None,
    failed: list[str],
) -> None:
    """A call's effective QA score changed: its fact row follows, unless it holds another scorecard's."""
    conn.execute(
        text(
            "UPDATE call_facts SET qa_scorecard = :card, qa_percent = :p, qa_passed = :ok, "
            "failed_items = :failed, "
            "updated_at = now() WHERE call_id = :id AND (qa_scorecard IS NULL OR qa_scorecard = :card)"
        ),
        {"id": call_id, "card": scorecard, "p": percent, "ok": passed, "failed": failed},
    )


def fact_row(db: Database, call_id: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT call_id, handle_s, conversation FROM call_facts WHERE call_id = :id"),
            {"id": call_id},
        ).one_or_none()
    if row is None:
        raise NotFound(
            f"no analytics for call '{call_id}' (not stored, or `callscope analytics refresh` builds them)"
        )
    return dict(row._mapping)


_CONVERSATION = (
    "talk_agent_s",
    "talk_customer_s",
    "talk_ratio",
    "silence_s",
    "longest_silence_s",
    "overtalk_s",
    "hold_s",
)


def conversation_columns(metrics: ConversationMetrics | None) -> dict[str, Any]:
    """The fact-row columns of a call's conversation metrics (all None for a text contact)."""
    values = {c: getattr(metrics, c) if metrics else None for c in _CONVERSATION}
    values["conversation"] = _json(metrics.to_dict()) if metrics else None
    return values


def save_conversation(
    conn: Connection, call_id: str, metrics: ConversationMetrics | None, handle_s: float | None
) -> None:
    sets = ", ".join(f"{c} = :{c}" for c in _CONVERSATION)
    conn.execute(
        text(
            f"UPDATE call_facts SET handle_s = :handle, {sets}, conversation = CAST(:conversation AS jsonb), "
            "updated_at = now() WHERE call_id = :id"
        ),
        {"id": call_id, "handle": handle_s, **conversation_columns(metrics)},
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=float)


def vector_text(v: np.ndarray | None) -> str | None:
    """pgvector's text form, as the knowledge index writes it (None stays NULL)."""
    from knowledge import vector_literal

    return None if v is None else vector_literal(v)


def save_reason(
    conn: Connection, call_id: str, reason: str | None, vector: np.ndarray | None, topic_id: int | None
) -> None:
    conn.execute(
        text(
            "UPDATE call_facts SET reason = :reason, reason_vector = CAST(:vec AS vector), "
            "topic_id = :topic, "
            "updated_at = now() WHERE call_id = :id"
        ),
        {"id": call_id, "reason": reason, "vec": vector_text(vector), "topic": topic_id},
    )


# --------------------------------------------------------------------------------------- repeats


def _records(rows: Iterable[Any]) -> list[CallRecord]:
    from qa_models import CallRecord

    return [
        CallRecord(
            call_id=r.call_id,
            customer_id=r.customer_id,
            started_at=r.started_at,
            duration_s=r.duration_s,
            contact_type=r.contact_type,
            queue=r.queue,
            agent_id=r.agent_id,
        )
        for r in rows
    ]


_RECORD_COLUMNS = "call_id, customer_id, started_at, duration_s, contact_type, queue, agent_id"


def customer_records(conn: Connection, customer_id: str) -> list[CallRecord]:
    """One customer's calls, as the repeat rule reads them."""
    rows = conn.execute(
        text(f"SELECT {_RECORD_COLUMNS} FROM call_facts WHERE customer_id = :c ORDER BY started_at, call_id"),
        {"c": customer_id},
    )
    return _records(rows)


def history_records(db: Database) -> list[CallRecord]:
    """Every call with a customer and a time, for measuring repeats over the whole history."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {_RECORD_COLUMNS} FROM call_facts "
                "WHERE customer_id IS NOT NULL AND started_at IS NOT NULL ORDER BY started_at, call_id"
            )
        )
        return _records(rows)


def save_repeats(conn: Connection, marks: Sequence[RepeatMark]) -> None:
    if marks:
        conn.execute(
            text(
                "UPDATE call_facts AS f SET repeated = m.repeated, repeat_call_id = m.repeat_call_id "
                "FROM unnest(CAST(:ids AS text[]), CAST(:rep AS boolean[]), CAST(:by AS text[])) "
                "AS m(call_id, repeated, repeat_call_id) WHERE f.call_id = m.call_id"
            ),
            {
                "ids": [m.call_id for m in marks],
                "rep": [m.repeated for m in marks],
                "by": [m.repeat_call_id for m in marks],
            },
        )


def latest_call_time(db: Database, *, generated: bool | None = None) -> datetime | None:
    where = "" if generated is None else " WHERE generated = :g"
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT max(started_at) FROM call_facts{where}"), {"g": generated}).scalar()


# ---------------------------------------------------------------------------------------- topics


@dataclass(slots=True)
class StoredTopic:
    id: int
    name: str
    key_phrases: list[str]
    examples: list[str]
    centroid: np.ndarray
    size: int


def _parse_vector(value: Any) -> np.ndarray:
    if isinstance(value, str):
        return np.array([float(x) for x in value.strip("[]").split(",")], dtype=np.float32)
    return np.asarray(value, dtype=np.float32)


def load_topics(conn: Connection) -> list[StoredTopic]:
    rows = conn.execute(
        text(
            "SELECT id, name, key_phrases, examples, centroid::text AS centroid, size FROM topics ORDER BY id"
        )
    )
    return [
        StoredTopic(r.id, r.name, list(r.key_phrases), list(r.examples), _parse_vector(r.centroid), r.size)
        for r in rows
    ]


def reasons_for_clustering(db: Database, since: datetime | None) -> tuple[list[str], list[str], np.ndarray]:
    """The calls with a reason outside the taxonomy (and its vector) since ``since``: ids, texts, vectors."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT call_id, reason, reason_vector::text AS v FROM call_facts "
                "WHERE reason_vector IS NOT NULL "
                "AND (CAST(:since AS timestamptz) IS NULL OR started_at >= :since) "
                "ORDER BY started_at, call_id"
            ),
            {"since": since},
        ).all()
    if not rows:
        return [], [], np.zeros((0, 0), dtype=np.float32)
    return [r.call_id for r in rows], [r.reason for r in rows], np.stack([_parse_vector(r.v) for r in rows])


def replace_topics(
    conn: Connection,
    topics: Sequence[tuple[int | None, str, list[str], list[str], np.ndarray, int]],
    assignments: dict[str, int | None],
) -> list[int]:
    """Store a new clustering: each topic (keeping ``id`` when given, so links stay valid), then every
    listed call's topic (index into ``topics`` or None). Topics no longer present are deleted."""
    ids: list[int] = []
    for topic_id, name, phrases, examples, centroid, size in topics:
        params = {
            "name": name,
            "kp": _json(phrases),
            "ex": _json(examples),
            "c": vector_text(centroid),
            "size": size,
            "id": topic_id,
        }
        if topic_id is None:
            new_id = conn.execute(
                text(
                    "INSERT INTO topics (name, key_phrases, examples, centroid, size) "
                    "VALUES (:name, CAST(:kp AS jsonb), CAST(:ex AS jsonb), CAST(:c AS vector), :size) "
                    "RETURNING id"
                ),
                params,
            ).scalar_one()
        else:
            conn.execute(
                text(
                    "UPDATE topics SET name = :name, key_phrases = CAST(:kp AS jsonb), "
                    "examples = CAST(:ex AS jsonb), "
                    "centroid = CAST(:c AS vector), size = :size WHERE id = :id"
                ),
                params,
            )
            new_id = topic_id
        ids.append(int(new_id))
    conn.execute(
        text("UPDATE call_facts SET topic_id = NULL WHERE topic_id IS NOT NULL AND NOT topic_id = ANY(:ids)"),
        {"ids": ids},
    )
    conn.execute(text("DELETE FROM topics WHERE NOT id = ANY(:ids)"), {"ids": ids})
    if assignments:
        call_ids = list(assignments)
        conn.execute(
            text(
                "UPDATE call_facts AS f SET topic_id = m.topic "
                "FROM unnest(CAST(:ids AS text[]), CAST(:t AS bigint[])) "
                "AS m(call_id, topic) WHERE f.call_id = m.call_id"
            ),
            {
                "ids": call_ids,
                "t": [None if (k := assignments[c]) is None else ids[k] for c in call_ids],
            },
        )
    return ids


# ----------------------------------------------------------------------------------------- ACD


def link_acd_handle_times(conn: Connection, call_ids: Sequence[str]) -> int:
    """These calls' handle time becomes the ACD's (talk + hold + wrap-up) where a record names them;
    returns how many fact rows changed."""
    result = conn.execute(
        text(
            "UPDATE call_facts f SET handle_s = a.handle_s FROM acd_records a "
            "WHERE a.call_id = f.call_id AND a.handle_s IS NOT NULL AND a.call_id = ANY(:ids)"
        ),
        {"ids": list(call_ids)},
    )
    return int(result.rowcount or 0)


def save_acd_records(conn: Connection, records: Sequence[AcdRecord], source: str) -> tuple[int, int]:
    """Insert the records; one with a ``contact_id`` already stored replaces it. Returns (new, replaced)."""
    rows = [
        {
            "contact_id": r.contact_id,
            "queue": r.queue,
            "offered_at": r.offered_at,
            "answered_at": r.answered_at,
            "abandoned_at": r.abandoned_at,
            "handle_s": r.handle_s,
            "agent_id": r.agent_id,
            "blocked": r.blocked,
            "call_id": r.call_id,
            "source": source,
        }
        for r in records
    ]
    ids = [r.contact_id for r in records if r.contact_id]
    replaced = 0
    if ids:
        replaced = int(
            conn.execute(
                text("SELECT count(*) FROM acd_records WHERE contact_id = ANY(:ids)"), {"ids": ids}
            ).scalar()
            or 0
        )
    if rows:
        conn.execute(
            text(
                "INSERT INTO acd_records (contact_id, queue, offered_at, answered_at, abandoned_at, "
                "handle_s, "
                "agent_id, blocked, call_id, source) VALUES (:contact_id, :queue, :offered_at, :answered_at, "
                ":abandoned_at, :handle_s, :agent_id, :blocked, :call_id, :source) "
                "ON CONFLICT (contact_id) DO UPDATE SET queue = excluded.queue, "
                "offered_at = excluded.offered_at, "
                "answered_at = excluded.answered_at, abandoned_at = excluded.abandoned_at, "
                "handle_s = excluded.handle_s, agent_id = excluded.agent_id, blocked = excluded.blocked, "
                "call_id = excluded.call_id, source = excluded.source, imported_at = now()"
            ),
            rows,
        )
    return len(rows) - replaced, replaced


def acd_interval_counts(
    db: Database,
    since: datetime,
    until: datetime,
    *,
    step_s: int,
    target_s: float,
    short_abandon_s: float,
    abandon_edges: Sequence[float],
    queue: str | None = None,
    agent: str | None = None,
) -> list[dict[str, Any]]:
    """Per interval (and queue): the sums the service-level ratios are made of."""
    params: dict[str, Any] = {
        "since": since,
        "until": until,
        "step": step_s,
        "target": target_s,
        "short": short_abandon_s,
    }
    where = "a.offered_at >= :since AND a.offered_at < :until"
    if queue:
        where += " AND a.queue = :queue"
        params["queue"] = queue
    if agent:
        where += " AND a.agent_id = :agent"
        params["agent"] = agent
    abandon = "extract(epoch FROM a.abandoned_at - a.offered_at)"
    hist = []
    lower: float | None = None
    for i, edge in enumerate([*abandon_edges, None]):
        cond = [f"{abandon} > :e{i - 1}"] if lower is not None else []
        if edge is not None:
            cond.append(f"{abandon} <= :e{i}")
            params[f"e{i}"] = float(edge)
        hist.append(f"count(a.abandoned_at) FILTER (WHERE {' AND '.join(cond) or 'true'}) AS h{i}")
        lower = edge
    wait = "extract(epoch FROM a.answered_at - a.offered_at)"
    sql = f"""
        SELECT to_timestamp(floor(extract(epoch FROM a.offered_at) / :step) * :step) AS start,
            count(*) FILTER (WHERE NOT a.blocked) AS offered,
            count(a.answered_at) AS answered,
            count(a.abandoned_at) AS abandoned,
            count(a.abandoned_at) FILTER (WHERE {abandon} <= :short) AS short_abandoned,
            count(*) FILTER (WHERE a.blocked) AS blocked,
            count(a.answered_at) FILTER (WHERE {wait} <= :target) AS answered_within_target,
            coalesce(sum({wait}), 0) AS wait_answered_s,
            coalesce(sum(a.handle_s) FILTER (WHERE a.answered_at IS NOT NULL), 0) AS handle_s_sum,
            count(a.handle_s) FILTER (WHERE a.answered_at IS NOT NULL) AS handled,
            count(DISTINCT a.agent_id) FILTER (WHERE a.answered_at IS NOT NULL) AS agents,
            {", ".join(hist)}
        FROM acd_records a WHERE {where} GROUP BY 1 ORDER BY 1
    """
    with db.engine.connect() as conn:
        return [_plain(r._mapping) for r in conn.execute(text(sql), params)]


# ------------------------------------------------------------------------------------- figures


def grouped(
    db: Database,
    scope: Scope,
    keys: Sequence[str],
    measures: dict[str, str],
    *,
    qa_scorecard: str | None = None,
    extra_where: str = "",
    params: dict[str, Any] | None = None,
    granularity: str | None = None,
    step_s: int | None = None,
) -> list[dict[str, Any]]:
    """``SELECT keys…, measures… FROM call_facts f WHERE scope GROUP BY keys``. ``keys`` are names from
    ``DIMENSIONS`` or ``"bucket"``; ``measures`` are SQL aggregates written in this module's callers
    (never user input). ``qa_scorecard`` keeps only the calls scored on that scorecard."""
    p: dict[str, Any] = dict(params or {})
    select_keys = []
    for k in keys:
        if k == "bucket":
            if granularity is None:
                raise InvalidInput("a bucketed figure needs a granularity")
            select_keys.append(f"{bucket_sql(granularity)} AS bucket")
            if step_s:
                p["step"] = step_s
        elif k in DIMENSIONS:
            select_keys.append(f"{DIMENSIONS[k]} AS {k}")
        else:
            raise InvalidInput(f"cannot group by {k!r}; use one of: {', '.join(DIMENSIONS)}")
    where = scope.where(p)
    if qa_scorecard is not None:
        where += " AND f.qa_scorecard = :scorecard"
        p["scorecard"] = qa_scorecard
    cols = ", ".join([*select_keys, *(f"{sql} AS {name}" for name, sql in measures.items())])
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    sql = f"SELECT {cols} FROM call_facts f WHERE {where}{extra_where}{group}"
    with db.engine.connect() as conn:
        return [_plain(r._mapping) for r in conn.execute(text(sql), p)]


def _plain(row: Any) -> dict[str, Any]:
    """A result row with NUMERIC aggregates (avg of integers) as floats."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def failed_items(db: Database, scope: Scope, key: str, scorecard: str) -> dict[tuple[str, str], int]:
    """(``key`` value, item id) → calls whose effective answer on the item was 'no'."""
    p: dict[str, Any] = {"scorecard": scorecard}
    where = scope.where(p)
    sql = (
        f"SELECT {DIMENSIONS[key]} AS k, item, count(*) AS n FROM call_facts f "
        f"CROSS JOIN LATERAL unnest(f.failed_items) AS item WHERE {where} AND f.qa_scorecard = :scorecard "
        "GROUP BY 1, 2"
    )
    with db.engine.connect() as conn:
        return {(r.k, r.item): int(r.n) for r in conn.execute(text(sql), p)}


#: Drill-down conditions a link may add: name → SQL over the fact row ``f``.
_DRILL: dict[str, str] = {
    "sentiment": "coalesce(f.sentiment, 'untagged') = :d_sentiment",
    "topic": "f.topic_id = :d_topic",
    "repeated": "f.repeated = :d_repeated",
    "failed_item": ":d_failed_item = ANY(f.failed_items)",
    "qa_passed": "f.qa_passed = :d_qa_passed",
    "min_silence": "f.longest_silence_s >= :d_min_silence",
}

DRILL_COLUMNS = (
    "call_id",
    "started_at",
    "channel",
    "queue",
    "team",
    "agent_id",
    "contact_type",
    "sentiment",
    "qa_percent",
    "repeated",
    "handle_s",
    "talk_ratio",
    "longest_silence_s",
    "overtalk_s",
    "hold_s",
    "topic",
    "generated",
)


def drill_calls(
    db: Database,
    scope: Scope,
    conditions: dict[str, Any],
    *,
    scorecard: str,
    limit: int = 200,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """The calls behind a figure: the scope plus ``conditions`` (keys of ``_DRILL``), newest first."""
    p: dict[str, Any] = {"scorecard": scorecard, "limit": limit, "offset": offset}
    where = [scope.where(p)]
    for name, value in conditions.items():
        if name not in _DRILL:
            raise InvalidInput(f"cannot drill down on {name!r}; use one of: {', '.join(_DRILL)}")
        where.append(_DRILL[name])
        p[f"d_{name}"] = value
    sql_where = " AND ".join(where)
    base = f"FROM call_facts f LEFT JOIN topics tp ON tp.id = f.topic_id WHERE {sql_where}"
    with db.engine.connect() as conn:
        total = int(conn.execute(text(f"SELECT count(*) {base}"), p).scalar() or 0)
        rows = conn.execute(
            text(
                "SELECT f.call_id, f.started_at, f.channel, f.queue, f.team, f.agent_id, f.contact_type, "
                "f.sentiment, f.qa_percent, f.repeated, f.handle_s, f.talk_ratio, f.longest_silence_s, "
                f"f.overtalk_s, f.hold_s, tp.name AS topic, f.generated {base} "
                "ORDER BY f.started_at DESC, f.call_id LIMIT :limit OFFSET :offset"
            ),
            p,
        )
        return total, [_plain(r._mapping) for r in rows]


def iter_fact_ids(db: Database, *, batch: int = 2000) -> Iterator[list[str]]:
    """Every stored call id but the purged ones, a batch at a time."""
    last = ""
    while True:
        with db.engine.connect() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    # Purged calls keep their de-identified facts as they were: nothing to rebuild from.
                    text("SELECT id FROM calls WHERE id > :last AND purged_at IS NULL ORDER BY id LIMIT :n"),
                    {"last": last, "n": batch},
                )
            ]
        if not ids:
            return
        yield ids
        last = ids[-1]
