"""The manager's figures over the stored calls and ACD records: contact-type mix and its change,
emerging topics, repeats and FCR, sentiment, QA by agent and team (who needs training on what),
conversation metrics, and service-level KPIs next to Erlang C staffing.

Every figure is a ``Figure``: a table (JSON rows, or CSV) whose rows carry ``drill``, the filters
that list exactly the calls behind the row; bucketed figures also carry the bucket bounds.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from analytics.trends import (
    Bucket,
    Granularity,
    TrendOptions,
    bucket_start,
    buckets,
    change,
    find_surge,
    outlier_rate,
)
from api import store_analytics
from api.runtime import Runtime
from api.store_analytics import Scope
from common.errors import InvalidInput

__all__ = [
    "BY_CHOICES",
    "DEFAULT_DAYS",
    "Figure",
    "View",
    "call_conversation",
    "contact_types",
    "conversation",
    "drill",
    "make_view",
    "overview",
    "qa_by",
    "repeats",
    "sentiment",
    "service_level",
    "topics",
]

#: The period shown when none is asked for: the last four weeks of stored calls.
DEFAULT_DAYS = 28
#: The years a period may start or end in.
YEARS = (1900, 9000)
#: What tables can be broken down by, and the filter each key maps to when drilling down.
BY_CHOICES: dict[str, str] = {
    "contact_type": "contact_type",
    "contact_group": "contact_type",
    "queue": "queue",
    "team": "team",
    "agent": "agent",
    "channel": "channel",
}


@dataclass(slots=True)
class View:
    """What the manager is looking at: a scope (period and filters) cut into buckets."""

    scope: Scope
    granularity: Granularity = "day"
    interval_minutes: int = 30

    @property
    def previous(self) -> Scope:
        """The period of the same length just before this one, same filters."""
        return self.scope.shifted(-(self.scope.until - self.scope.since))

    def buckets(self) -> list[Bucket]:
        return buckets(
            self.scope.since, self.scope.until, self.granularity, interval_minutes=self.interval_minutes
        )

    @property
    def step_s(self) -> int:
        return self.interval_minutes * 60

    def filters(self) -> dict[str, Any]:
        """The view as query parameters (what a drill-down link starts from)."""
        s = self.scope
        out: dict[str, Any] = {"since": _iso(s.since), "until": _iso(s.until)}
        for name in ("queue", "team", "agent", "channel", "contact_type"):
            if getattr(s, name):
                out[name] = getattr(s, name)
        if s.generated is not None:
            out["generated"] = s.generated
        return out


@dataclass(slots=True)
class Figure:
    """One figure: ``rows`` (dicts over ``columns``, each with a ``drill`` dict of filters) and, for
    charts over time, ``buckets`` ({start, end} in ISO)."""

    name: str
    title: str
    view: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    buckets: list[dict[str, str]] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "view": self.view,
            "columns": self.columns,
            "rows": [_jsonable(r) for r in self.rows],
            "buckets": self.buckets,
            "notes": self.notes,
        }

    def to_csv(self) -> str:
        """The table as CSV (list cells joined with '; ')."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(row.get(c)) for c in self.columns])
        return out.getvalue()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else "inf"
    return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(_csv_cell(v)) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float):
        return "" if math.isnan(value) else round(value, 4)
    if isinstance(value, datetime):
        return _iso(value)
    return "" if value is None else value


# ----------------------------------------------------------------------------------------- view


def _parse_time(value: str | date | datetime | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, date):
        t = datetime.combine(value, time(), UTC)
    else:
        try:
            t = (
                datetime.combine(date.fromisoformat(value), time(), UTC)
                if len(value) == 10
                else datetime.fromisoformat(value)
            )
        except ValueError:
            raise InvalidInput(
                f"{name}={value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time such as "
                "2026-03-02T09:00:00Z"
            ) from None
    # The default period, the one before it and the buckets step days away from the given time, which
    # must stay within what a datetime holds (years 1 to 9999).
    if not YEARS[0] <= t.year <= YEARS[1]:
        raise InvalidInput(
            f"{name}={t.date().isoformat()} is out of range: give a year from {YEARS[0]} to {YEARS[1]}"
        )
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def make_view(
    rt: Runtime,
    *,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    granularity: str = "day",
    interval_minutes: int = 30,
    queue: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    channel: str | None = None,
    contact_type: str | None = None,
    generated: bool | None = None,
    teams: list[str] | None = None,
) -> View:
    """A view from request values. ``until`` is exclusive; without a period the view is the last
    ``DEFAULT_DAYS`` days up to the newest stored call. ``teams`` limits every figure to those teams'
    calls (the caller's scope)."""
    start, end = _parse_time(since, "since"), _parse_time(until, "until")
    if end is None:
        if start is not None:
            end = start + timedelta(days=DEFAULT_DAYS)
        else:
            latest = store_analytics.latest_call_time(rt.db)
            day = (latest or datetime.now(UTC)).astimezone(UTC).date()
            end = datetime.combine(day + timedelta(days=1), time(), UTC)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise InvalidInput(f"until ({_iso(end)}) must be after since ({_iso(start)})")
    if end - start > timedelta(days=732):
        raise InvalidInput("the period is longer than two years; choose a shorter one")
    view = View(
        Scope(
            start,
            end,
            queue or None,
            team or None,
            agent or None,
            channel or None,
            contact_type or None,
            generated,
            tuple(teams) if teams is not None else None,
        ),
        granularity,  # type: ignore[arg-type]
        interval_minutes,
    )
    view.buckets()  # validates the granularity and the number of buckets
    return view


def _bucket_index(view: View) -> tuple[list[Bucket], dict[datetime, int]]:
    """The buckets, and each one's index by its aligned start (what SQL groups on: the first bucket
    may be clipped to ``since``)."""
    bs = view.buckets()
    return bs, {_floor(b.start, view): i for i, b in enumerate(bs)}


def _floor(t: datetime, view: View) -> datetime:
    return bucket_start(t, view.granularity, view.interval_minutes)


def _bucket_dicts(bs: list[Bucket]) -> list[dict[str, str]]:
    return [{"start": _iso(b.start), "end": _iso(b.end)} for b in bs]


def _drill_for_bucket(b: Bucket) -> dict[str, str]:
    return {"since": _iso(b.start), "until": _iso(b.end)}


def _by_key(by: str) -> str:
    if by not in BY_CHOICES:
        raise InvalidInput(f"by={by!r}: use one of {', '.join(BY_CHOICES)}")
    return by


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


# ------------------------------------------------------------------------------------- figures


def contact_types(
    rt: Runtime, view: View, *, level: str = "type", options: TrendOptions | None = None
) -> Figure:
    """The contact-type mix per bucket, its change against the previous period, and surges."""
    key = {"type": "contact_type", "group": "contact_group"}.get(level)
    if key is None:
        raise InvalidInput(f"level={level!r}: use type or group")
    bs, index = _bucket_index(view)
    cur = store_analytics.grouped(
        rt.db,
        view.scope,
        ["bucket", key],
        {"calls": "count(*)"},
        granularity=view.granularity,
        step_s=view.step_s,
    )
    prev = {
        r[key]: r["calls"]
        for r in store_analytics.grouped(rt.db, view.previous, [key], {"calls": "count(*)"})
    }
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(bs))
    for r in cur:
        counts[r[key]][index[_floor(r["bucket"], view)]] += int(r["calls"])
    total_now = sum(sum(c) for c in counts.values()) or 1
    # With no call at all in the previous period the history does not reach back: no "change".
    observed = sum(prev.values()) > 0
    total_prev = sum(prev.values()) or 1
    days = [b.days for b in bs]
    rows = []
    for k in sorted(set(counts) | set(prev), key=lambda k: (-sum(counts.get(k, [])), k)):
        series = counts.get(k, [0] * len(bs))
        total, before = sum(series), int(prev.get(k, 0))
        surge = find_surge(series, days, options)
        rows.append(
            {
                "contact_type": k,
                "calls": total,
                "share": total / total_now,
                "previous": before,
                "previous_share": before / total_prev,
                "change": change(total, before) if observed else None,
                "surge": None
                if surge is None
                else {
                    "bucket": _iso(bs[surge.bucket].start),
                    "ratio": round(surge.ratio, 2),
                    "calls": surge.count,
                },
                "counts": series,
                "drill": {"contact_type": k},
            }
        )
    return Figure(
        "contact_types",
        "Contact-type mix",
        view.filters(),
        ["contact_type", "calls", "share", "previous", "previous_share", "change", "surge"],
        rows,
        _bucket_dicts(bs),
        notes=[f"previous period: {_iso(view.previous.since)} to {_iso(view.previous.until)}"],
    )


def topics(rt: Runtime, view: View) -> Figure:
    """Reasons outside the taxonomy, by topic: calls per bucket, growth, and whether it is emerging."""
    from analytics.topics import EmergenceOptions, emergence

    bs, index = _bucket_index(view)
    where = " AND f.topic_id IS NOT NULL"
    cur = store_analytics.grouped(
        rt.db,
        view.scope,
        ["bucket", "topic"],
        {"calls": "count(*)"},
        extra_where=where,
        granularity=view.granularity,
        step_s=view.step_s,
    )
    prev = {
        r["topic"]: int(r["calls"])
        for r in store_analytics.grouped(
            rt.db, view.previous, ["topic"], {"calls": "count(*)"}, extra_where=where
        )
    }
    # No call at all before the period: the history does not reach back, so "new" means nothing.
    observed = store_analytics.grouped(rt.db, view.previous, [], {"calls": "count(*)"})[0]["calls"] > 0
    unclustered = store_analytics.grouped(
        rt.db,
        view.scope,
        [],
        {"calls": "count(*)"},
        extra_where=" AND f.reason_vector IS NOT NULL AND f.topic_id IS NULL",
    )[0]["calls"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(bs))
    for r in cur:
        counts[r["topic"]][index[_floor(r["bucket"], view)]] += int(r["calls"])
    with rt.db.engine.connect() as conn:
        known = {str(t.id): t for t in store_analytics.load_topics(conn)}
    options = EmergenceOptions()
    rows: list[dict[str, Any]] = []
    for tid, series in counts.items():
        topic = known.get(tid)
        if topic is None:
            continue
        e = emergence(series, prev.get(tid, 0) if observed else None, options)
        first = bs[e.first_bucket] if e.first_bucket is not None and e.first_bucket >= 0 else None
        rows.append(
            {
                "topic": int(tid),
                "name": topic.name,
                "key_phrases": topic.key_phrases,
                "examples": topic.examples,
                "calls": e.count,
                "previous": e.previous,
                "growth": e.growth,
                "recent_growth": e.recent_growth,
                "first_seen": _iso(first.start) if first else None,
                "emerging": e.emerging,
                "reason": e.reason,
                "counts": series,
                "drill": {"topic": int(tid)},
            }
        )
    rows.sort(key=lambda r: (not r["emerging"], -r["calls"], r["topic"]))
    return Figure(
        "topics",
        "Emerging topics (reasons outside the taxonomy)",
        view.filters(),
        ["topic", "name", "calls", "previous", "growth", "recent_growth", "first_seen", "emerging", "reason"],
        rows,
        _bucket_dicts(bs),
        notes=[f"{unclustered} call(s) with a reason outside the taxonomy are not in a topic yet"],
    )


def _repeat_measures(rt: Runtime) -> tuple[dict[str, str], dict[str, Any]]:
    """Repeats count only where the repeat window is over (relative to the newest stored call)."""
    latest = store_analytics.latest_call_time(rt.db) or datetime.now(UTC)
    cutoff = latest - timedelta(days=rt.settings.repeat_window_days)
    known = "f.repeated OR (f.repeated IS NOT NULL AND f.started_at <= :cutoff)"
    return (
        {
            "calls": "count(*)",
            "known": f"count(*) FILTER (WHERE {known})",
            "repeats": "count(*) FILTER (WHERE f.repeated)",
        },
        {"cutoff": cutoff},
    )


def repeats(rt: Runtime, view: View, *, by: str = "agent", options: TrendOptions | None = None) -> Figure:
    """Repeat-call rate and first-contact resolution by ``by`` (measured from the stored history:
    the same customer back about the same matter within the repeat window)."""
    key = _by_key(by)
    measures, params = _repeat_measures(rt)
    rows_sql = store_analytics.grouped(rt.db, view.scope, [key], measures, params=params)
    total = store_analytics.grouped(rt.db, view.scope, [], measures, params=params)[0]
    overall = _ratio(total["repeats"], total["known"])
    rows = []
    for r in sorted(rows_sql, key=lambda r: (-r["calls"], r[key])):
        rate = _ratio(r["repeats"], r["known"])
        rows.append(
            {
                by: r[key],
                "calls": r["calls"],
                "known": r["known"],
                "repeats": r["repeats"],
                "repeat_rate": rate,
                "fcr": None if rate is None else 1 - rate,
                "high": outlier_rate(rate, overall, int(r["known"]), options),
                "drill": {BY_CHOICES[key]: r[key]},
            }
        )
    return Figure(
        f"repeats_by_{by}",
        f"Repeat calls and FCR by {by.replace('_', ' ')}",
        view.filters(),
        [by, "calls", "known", "repeats", "repeat_rate", "fcr", "high"],
        rows,
        notes=[
            f"overall repeat rate {overall:.1%} over {total['known']} calls whose "
            f"{rt.settings.repeat_window_days:g}-day window is over"
            if overall is not None
            else "no call's repeat window is over yet"
        ],
    )


SENTIMENTS = ("negative", "neutral", "positive")


def sentiment(rt: Runtime, view: View, *, by: str | None = None) -> Figure:
    """The customer's sentiment per bucket (or by ``by``): calls per label, negative share, mean polarity."""
    key = _by_key(by) if by else "bucket"
    rows_sql = store_analytics.grouped(
        rt.db,
        view.scope,
        [key],
        {
            "calls": "count(*)",
            **{s: f"count(*) FILTER (WHERE f.sentiment = '{s}')" for s in SENTIMENTS},
            "polarity": "avg(f.sentiment_polarity)",
        },
        granularity=view.granularity,
        step_s=view.step_s,
    )
    bs: list[Bucket] = []
    if key == "bucket":
        bs, index = _bucket_index(view)
        slots: list[dict[str, Any] | None] = [None] * len(bs)
        for r in rows_sql:
            slots[index[_floor(r["bucket"], view)]] = r
        rows_sql = [
            {**(s or {"calls": 0, **dict.fromkeys(SENTIMENTS, 0), "polarity": None}), "bucket": b.start}
            for s, b in zip(slots, bs, strict=True)
        ]
    rows = []
    for i, r in enumerate(rows_sql):
        tagged = sum(int(r[s]) for s in SENTIMENTS)
        row = {
            key: r[key],
            "calls": r["calls"],
            **{s: r[s] for s in SENTIMENTS},
            "negative_share": _ratio(r["negative"], tagged),
            "polarity": r["polarity"],
            "drill": _drill_for_bucket(bs[i]) if key == "bucket" else {BY_CHOICES[key]: r[key]},
        }
        rows.append(row)
    if key != "bucket":
        rows.sort(key=lambda r: (-r["calls"], r[key]))
    return Figure(
        "sentiment" if key == "bucket" else f"sentiment_by_{key}",
        "Customer sentiment",
        view.filters(),
        [key, "calls", *SENTIMENTS, "negative_share", "polarity"],
        rows,
        _bucket_dicts(bs) if bs else None,
    )


def qa_by(rt: Runtime, view: View, *, by: str = "agent", options: TrendOptions | None = None) -> Figure:
    """Effective QA score and pass rate by ``by``, the items failed most, and the items each one
    fails notably more often than everyone else (who needs training on what)."""
    key = _by_key(by)
    card = rt.scorecard()
    measures = {"calls": "count(*)", "avg_percent": "avg(f.qa_percent)", "pass_rate": "avg(f.qa_passed::int)"}
    rows_sql = store_analytics.grouped(rt.db, view.scope, [key], measures, qa_scorecard=card.id)
    total = store_analytics.grouped(rt.db, view.scope, [], measures, qa_scorecard=card.id)[0]
    fails = store_analytics.failed_items(rt.db, view.scope, key, card.id)
    overall_fails: dict[str, int] = defaultdict(int)
    for (_, item), n in fails.items():
        overall_fails[item] += n
    n_all = int(total["calls"]) or 1
    overall_rate = {item: n / n_all for item, n in overall_fails.items()}
    rows = []
    for r in sorted(rows_sql, key=lambda r: (r["avg_percent"] is None, r["avg_percent"] or 0, r[key])):
        n = int(r["calls"])
        items = sorted(
            ((item, c) for (k, item), c in fails.items() if k == r[key]), key=lambda ic: (-ic[1], ic[0])
        )
        failed = [{"item": item, "fails": c, "rate": c / n} for item, c in items]
        training = [
            item
            for item, c in items
            if c >= 3 and outlier_rate(c / n, overall_rate.get(item, 0.0), n, options)
        ]
        rows.append(
            {
                by: r[key],
                "calls": n,
                "avg_percent": r["avg_percent"],
                "pass_rate": r["pass_rate"],
                "failed_most": failed[:3],
                "training": training,
                "drill": {BY_CHOICES[key]: r[key]},
            }
        )
    items_row = sorted(overall_rate.items(), key=lambda kv: (-kv[1], kv[0]))
    return Figure(
        f"qa_by_{by}",
        f"QA by {by.replace('_', ' ')} ({card.id})",
        view.filters(),
        [by, "calls", "avg_percent", "pass_rate", "failed_most", "training"],
        rows,
        notes=[
            "items failed most overall: "
            + (", ".join(f"{item} {rate:.0%}" for item, rate in items_row[:5]) or "none"),
            f"overall: {total['calls']} scored calls, average "
            + (f"{total['avg_percent']:.1f}%" if total["avg_percent"] is not None else "-"),
        ],
    )


def conversation(
    rt: Runtime, view: View, *, by: str = "agent", options: TrendOptions | None = None
) -> Figure:
    """Talk ratio, dead air, overtalk, hold and handle time by ``by`` (voice calls with timings)."""
    from analytics.conversation import ConversationOptions

    key = _by_key(by)
    dead_air = ConversationOptions().dead_air_s
    measures = {
        "calls": "count(*)",
        "timed": "count(f.talk_ratio)",
        "talk_ratio": "avg(f.talk_ratio)",
        "longest_silence_s": "avg(f.longest_silence_s)",
        "max_silence_s": "max(f.longest_silence_s)",
        "dead_air_calls": "count(*) FILTER (WHERE f.longest_silence_s >= :dead_air)",
        "overtalk_s": "avg(f.overtalk_s)",
        "hold_s": "avg(f.hold_s)",
        "aht_s": "avg(f.handle_s)",
    }
    params = {"dead_air": dead_air}
    rows_sql = store_analytics.grouped(rt.db, view.scope, [key], measures, params=params)
    total = store_analytics.grouped(rt.db, view.scope, [], measures, params=params)[0]
    overall_dead = _ratio(total["dead_air_calls"], total["timed"])
    rows = []
    for r in sorted(rows_sql, key=lambda r: (-r["calls"], r[key])):
        share = _ratio(r["dead_air_calls"], r["timed"])
        rows.append(
            {
                by: r[key],
                **{m: r[m] for m in measures},
                "dead_air_share": share,
                "dead_air_high": outlier_rate(share, overall_dead, int(r["timed"]), options),
                "drill": {BY_CHOICES[key]: r[key]},
            }
        )
    return Figure(
        f"conversation_by_{by}",
        f"Conversation metrics by {by.replace('_', ' ')}",
        view.filters(),
        [by, *measures, "dead_air_share", "dead_air_high"],
        rows,
        notes=[f"dead air: a silence of {dead_air:g} s or more (holds excluded)"],
    )


def service_level(rt: Runtime, view: View, *, target: str | None = None) -> Figure:
    """Service-level KPIs from the ACD records per bucket, with the Erlang C agents needed per
    interval (for day and week buckets: the busiest interval's) next to the agents who worked."""
    from analytics.erlang import ServiceTarget
    from analytics.service_level import IntervalCounts, KpiOptions, kpis_from_counts

    s = rt.settings
    options = KpiOptions(
        interval_minutes=view.interval_minutes,
        target=ServiceTarget.parse(target or s.service_level_target),
        short_abandon_s=s.short_abandon_s,
    )
    raw = store_analytics.acd_interval_counts(
        rt.db,
        view.scope.since,
        view.scope.until,
        step_s=view.interval_minutes * 60,
        target_s=options.target.seconds,
        short_abandon_s=options.short_abandon_s,
        abandon_edges=options.abandon_buckets,
        queue=view.scope.queue,
        agent=view.scope.agent,
    )
    per_interval = []
    for r in raw:
        counts = IntervalCounts(
            start=r["start"],
            queue=view.scope.queue,
            offered=r["offered"],
            answered=r["answered"],
            abandoned=r["abandoned"],
            short_abandoned=r["short_abandoned"],
            blocked=r["blocked"],
            answered_within_target=r["answered_within_target"],
            wait_answered_s=float(r["wait_answered_s"]),
            handle_s_sum=float(r["handle_s_sum"]),
            handled=r["handled"],
            agents=r["agents"],
            abandon_histogram=[int(r[f"h{i}"]) for i in range(len(options.abandon_buckets) + 1)],
        )
        per_interval.append((counts, kpis_from_counts(counts, options)))
    bs, index = _bucket_index(view)
    groups: list[list[tuple[Any, Any]]] = [[] for _ in bs]
    for counts, kpis in per_interval:
        groups[index[_floor(counts.start, view)]].append((counts, kpis))
    rows = []
    for b, group in zip(bs, groups, strict=True):
        rows.append(_sl_row(b, group, options, view))
    edges = [0, *options.abandon_buckets]
    hist_names = [f"abandon_{a:g}_{b:g}s" for a, b in itertools.pairwise(edges)] + [
        f"abandon_over_{edges[-1]:g}s"
    ]
    for row in rows:
        for name, n in zip(hist_names, row.pop("abandon_histogram"), strict=True):
            row[name] = n
    return Figure(
        "service_level",
        f"Service level ({options.target}, {options.sl_formula} formula)",
        view.filters(),
        [
            "bucket",
            "offered",
            "answered",
            "abandoned",
            "abandon_rate",
            "short_abandoned",
            "blocked",
            "asa_s",
            "service_level",
            "aht_s",
            "occupancy",
            "agents",
            "required_agents",
            "erlang_service_level",
            *hist_names,
        ],
        rows,
        _bucket_dicts(bs),
        notes=[
            f"target {options.target}: answered within {options.target.seconds:g} s",
            "agents: the most agents who answered in one interval; "
            "required: Erlang C for the busiest interval",
        ],
    )


def _sl_row(b: Bucket, group: list[tuple[Any, Any]], options: Any, view: View) -> dict[str, Any]:
    from analytics.service_level import IntervalCounts, kpis_from_counts

    if len(group) == 1 and view.granularity == "interval":
        counts, k = group[0]
        required, erlang_sl, agents = k.required_agents, k.erlang_service_level, counts.agents
    else:
        agents = max((c.agents for c, _ in group), default=0)
        required = max((k.required_agents or 0 for _, k in group), default=None) if group else None
        erlang_sl = None
    total = IntervalCounts(
        start=b.start,
        queue=view.scope.queue,
        offered=sum(c.offered for c, _ in group),
        answered=sum(c.answered for c, _ in group),
        abandoned=sum(c.abandoned for c, _ in group),
        short_abandoned=sum(c.short_abandoned for c, _ in group),
        blocked=sum(c.blocked for c, _ in group),
        answered_within_target=sum(c.answered_within_target for c, _ in group),
        wait_answered_s=sum(c.wait_answered_s for c, _ in group),
        handle_s_sum=sum(c.handle_s_sum for c, _ in group),
        handled=sum(c.handled for c, _ in group),
        agents=agents,
        abandon_histogram=[sum(col) for col in zip(*(c.abandon_histogram for c, _ in group), strict=True)]
        if group
        else [0] * (len(options.abandon_buckets) + 1),
    )
    # Occupancy over the agents' summed time in the bucket's intervals.
    k = kpis_from_counts(
        total,
        options,
        intervals=max(1, len(group)),
        agent_intervals=sum(c.agents for c, _ in group),
        end=b.end,
    )
    return {
        "bucket": b.start,
        "offered": total.offered,
        "answered": total.answered,
        "abandoned": total.abandoned,
        "abandon_rate": k.abandon_rate,
        "short_abandoned": total.short_abandoned,
        "blocked": total.blocked,
        "asa_s": k.asa_s,
        "service_level": k.service_level,
        "aht_s": k.aht_s,
        "occupancy": k.occupancy,
        "agents": agents,
        "required_agents": required,
        "erlang_service_level": erlang_sl,
        "abandon_histogram": total.abandon_histogram,
        "drill": _drill_for_bucket(b),
    }


def overview(rt: Runtime, view: View) -> Figure:
    """Headline figures for the period next to the previous period's."""
    measures, params = _repeat_measures(rt)
    measures = {
        **measures,
        "aht_s": "avg(f.handle_s)",
        "negative": "count(*) FILTER (WHERE f.sentiment = 'negative')",
        "tagged": "count(f.sentiment)",
    }
    card = rt.scorecard()
    qa = {"avg_percent": "avg(f.qa_percent)", "pass_rate": "avg(f.qa_passed::int)", "scored": "count(*)"}
    rows = []
    for label, scope in (("current", view.scope), ("previous", view.previous)):
        t = store_analytics.grouped(rt.db, scope, [], measures, params=params)[0]
        q = store_analytics.grouped(rt.db, scope, [], qa, qa_scorecard=card.id)[0]
        rate = _ratio(t["repeats"], t["known"])
        rows.append(
            {
                "period": label,
                "since": scope.since,
                "until": scope.until,
                "calls": t["calls"],
                "aht_s": t["aht_s"],
                "repeat_rate": rate,
                "fcr": None if rate is None else 1 - rate,
                "negative_share": _ratio(t["negative"], t["tagged"]),
                "qa_avg_percent": q["avg_percent"],
                "qa_pass_rate": q["pass_rate"],
                "drill": {"since": _iso(scope.since), "until": _iso(scope.until)},
            }
        )
    return Figure(
        "overview",
        "Overview",
        view.filters(),
        [
            "period",
            "since",
            "until",
            "calls",
            "aht_s",
            "repeat_rate",
            "fcr",
            "negative_share",
            "qa_avg_percent",
            "qa_pass_rate",
        ],
        rows,
    )


def drill(
    rt: Runtime, view: View, conditions: dict[str, Any], *, limit: int = 200, offset: int = 0
) -> tuple[int, Figure]:
    """The calls behind a figure's cell: the view's scope plus ``conditions``."""
    if not 1 <= limit <= 5000 or offset < 0:
        raise InvalidInput("limit must be 1 to 5000 and offset not negative")
    total, rows = store_analytics.drill_calls(
        rt.db, view.scope, conditions, scorecard=rt.scorecard().id, limit=limit, offset=offset
    )
    for r in rows:
        r["drill"] = {}
    return total, Figure(
        "calls",
        "Calls",
        {**view.filters(), **{k: v for k, v in conditions.items()}},
        list(store_analytics.DRILL_COLUMNS),
        rows,
        notes=[f"{total} call(s)"],
    )


def call_conversation(rt: Runtime, call_id: str) -> dict[str, Any]:
    """A call's conversation metrics and segments as stored with its facts."""
    row = store_analytics.fact_row(rt.db, call_id)
    return {"call_id": call_id, "handle_s": row["handle_s"], "metrics": row["conversation"]}


def narrowed(view: View, **filters: Any) -> View:
    """The view with more filters (a drill-down's since/until/queue/... replace the view's)."""
    scope = view.scope
    for name, value in filters.items():
        if value is None:
            continue
        if name in ("since", "until"):
            value = _parse_time(value, name)
        scope = replace(scope, **{name: value})
    return replace(view, scope=scope)
