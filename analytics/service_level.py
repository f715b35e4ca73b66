"""Service-level KPIs per interval from ACD records, with Erlang C figures next to the actuals.

Two steps, so the app can do the first in SQL over many rows: ``count_intervals`` reduces records to
``IntervalCounts`` (plain sums and counts), ``kpis_from_counts`` turns counts into ratios.

Counting rules (an SQL version must match them):

- A contact belongs to the interval it was offered in; intervals are aligned to their size from midnight
  UTC (30 minutes: 10:29:59 is in 10:00–10:30, 10:30:00 in 10:30–11:00). Only intervals with records appear.
- offered = answered + abandoned; blocked contacts never queued and are counted apart.
- Waits: answered_at − offered_at (answer delay), abandoned_at − offered_at (time to abandon).
- answered within target: answer delay ≤ target seconds; short abandon: time to abandon ≤ short_abandon_s.
- The abandon histogram with edges (10, 30, 60, 120) has buckets [0, 10], (10, 30], (30, 60], (60, 120],
  (120, ∞): one more bucket than edges, each closed on the right like the two thresholds above.
- AHT counts answered contacts with a handle_s only (``handled``); agents are the distinct non-empty
  agent_ids on answered contacts of the interval.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from analytics.acd import AcdRecord
from analytics.erlang import ServiceTarget, agents_needed, evaluate_staffing
from common.errors import InvalidInput

__all__ = [
    "IntervalCounts",
    "IntervalKpis",
    "KpiOptions",
    "SlFormula",
    "count_intervals",
    "interval_kpis",
    "kpis_from_counts",
    "total_kpis",
]

SlFormula = Literal["offered", "answered", "exclude_short_abandons"]
_FORMULAS = ("offered", "answered", "exclude_short_abandons")


@dataclass(slots=True)
class KpiOptions:
    """How intervals are cut and which service-level definition is reported.

    ``sl_formula`` (the numerator is always the contacts answered within the target time):

    - ``"offered"`` (default): ÷ (answered + abandoned); every abandon counts against the service level.
    - ``"answered"``: ÷ answered; abandons are ignored, which flatters a queue that loses callers.
    - ``"exclude_short_abandons"``: ÷ (answered + abandoned − abandoned within ``short_abandon_s``);
      callers who hang up almost at once (misdials, the IVR message answered their question) are not held
      against the queue.
    """

    interval_minutes: int = 30  # must divide a day (15, 30, 60, …) so intervals align from midnight UTC
    target: ServiceTarget = field(default_factory=lambda: ServiceTarget(80.0, 20.0))
    short_abandon_s: float = 10.0  # abandons within this many seconds are "short"
    sl_formula: SlFormula = "offered"
    abandon_buckets: tuple[float, ...] = (10.0, 30.0, 60.0, 120.0)  # edges of the time-to-abandon histogram

    def __post_init__(self) -> None:
        if self.interval_minutes <= 0 or 1440 % self.interval_minutes:
            raise InvalidInput(
                f"interval of {self.interval_minutes} minutes does not divide a day: use e.g. 15, 30 or 60"
            )
        if self.sl_formula not in _FORMULAS:
            raise InvalidInput(f"unknown service-level formula '{self.sl_formula}': use one of {_FORMULAS}")
        if not (math.isfinite(self.short_abandon_s) and self.short_abandon_s >= 0):
            raise InvalidInput(f"short_abandon_s must be 0 or more seconds, got {self.short_abandon_s}")
        edges = list(self.abandon_buckets)
        if not edges or any(e <= 0 or not math.isfinite(e) for e in edges) or edges != sorted(set(edges)):
            raise InvalidInput(
                f"abandon_buckets {self.abandon_buckets} must be increasing positive seconds, e.g. (10, 30)"
            )

    @property
    def interval_s(self) -> float:
        return self.interval_minutes * 60.0


@dataclass(slots=True)
class IntervalCounts:
    """Sums and counts for one interval (and queue); everything ``kpis_from_counts`` needs."""

    start: datetime  # interval start, UTC
    queue: str | None  # None = all queues together
    offered: int = 0  # answered + abandoned (blocked excluded)
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0  # abandoned within short_abandon_s
    blocked: int = 0
    answered_within_target: int = 0  # answer delay ≤ target seconds
    wait_answered_s: float = 0.0  # sum of answer delays of answered contacts
    handle_s_sum: float = 0.0  # sum of handle_s of answered contacts that have one
    handled: int = 0  # answered contacts with a handle_s
    agents: int = 0  # distinct agent ids that answered a contact in the interval
    abandon_histogram: list[int] = field(default_factory=list)  # len(abandon_buckets) + 1 buckets


@dataclass(slots=True)
class IntervalKpis:
    """Counts, ratios and Erlang C figures of one interval (or of a whole period: ``total_kpis``).

    Ratios are None when their denominator is 0. ``occupancy`` is an estimate: handle time over the time of
    the agents who handled contacts in the interval (idle agents who answered nothing are invisible to ACD
    contact records, and a long contact offered near the end spills into the next interval, so it can pass
    1.0). ``required_agents`` is the Erlang C staff for the offered volume at the interval's AHT;
    ``erlang_service_level`` what the actual agent count would reach by Erlang C. Both are None without an
    AHT; ``erlang_service_level`` also without agent ids.
    """

    start: datetime
    end: datetime
    queue: str | None
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    blocked: int
    answered_within_target: int
    wait_answered_s: float
    handle_s_sum: float
    handled: int
    agents: int
    abandon_histogram: list[int]
    abandon_rate: float | None  # abandoned / offered
    asa_s: float | None  # wait_answered_s / answered
    service_level: float | None  # 0..1 by options.sl_formula
    aht_s: float | None  # handle_s_sum / handled
    occupancy: float | None  # handle_s_sum / (agents × interval seconds)
    required_agents: int | None
    erlang_service_level: float | None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _interval_start(moment: datetime, minutes: int) -> datetime:
    t = _utc(moment)
    midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=minutes)
    return midnight + step * ((t - midnight) // step)


def _seconds(later: datetime, earlier: datetime) -> float:
    return (_utc(later) - _utc(earlier)).total_seconds()


class _Tally:
    __slots__ = ("agent_ids", "counts")

    def __init__(self, counts: IntervalCounts) -> None:
        self.counts = counts
        self.agent_ids: set[str] = set()

    def add(self, r: AcdRecord, options: KpiOptions) -> None:
        c = self.counts
        if r.blocked:
            c.blocked += 1
        elif r.answered_at is not None:
            wait = _seconds(r.answered_at, r.offered_at)
            c.offered += 1
            c.answered += 1
            c.wait_answered_s += wait
            c.answered_within_target += wait <= options.target.seconds
            if r.handle_s is not None:
                c.handle_s_sum += r.handle_s
                c.handled += 1
            if r.agent_id:
                self.agent_ids.add(r.agent_id)
        elif r.abandoned_at is not None:
            wait = _seconds(r.abandoned_at, r.offered_at)
            c.offered += 1
            c.abandoned += 1
            c.short_abandoned += wait <= options.short_abandon_s
            c.abandon_histogram[bisect.bisect_left(options.abandon_buckets, wait)] += 1
        else:
            raise InvalidInput(
                f"ACD record {r.contact_id or '(no contact_id)'} offered at {r.offered_at.isoformat()} "
                "has no outcome: set answered_at, abandoned_at or blocked"
            )

    def done(self) -> IntervalCounts:
        self.counts.agents = len(self.agent_ids)
        return self.counts


def count_intervals(
    records: Iterable[AcdRecord], options: KpiOptions, *, by_queue: bool = False
) -> list[IntervalCounts]:
    """Counts per interval (and per queue with ``by_queue``), ordered by start then queue."""
    tallies: dict[tuple[datetime, str | None], _Tally] = {}
    buckets = len(options.abandon_buckets) + 1
    for r in records:
        key = (_interval_start(r.offered_at, options.interval_minutes), r.queue if by_queue else None)
        tally = tallies.get(key)
        if tally is None:
            counts = IntervalCounts(start=key[0], queue=key[1], abandon_histogram=[0] * buckets)
            tally = tallies[key] = _Tally(counts)
        tally.add(r, options)
    ordered = sorted(tallies.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    return [tally.done() for _, tally in ordered]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def kpis_from_counts(
    counts: IntervalCounts,
    options: KpiOptions,
    *,
    intervals: int = 1,
    agent_intervals: int | None = None,
    end: datetime | None = None,
) -> IntervalKpis:
    """Ratios and Erlang figures from one interval's counts.

    For counts summed over several intervals give ``intervals`` (how many were summed),
    ``agent_intervals`` (the sum of each interval's agent count) and ``end`` (the last one's end; default:
    one interval after ``counts.start``): occupancy then divides by the agents' summed time, and the Erlang
    figures are for the average interval (offered / intervals; agent_intervals / intervals rounded to a
    whole agent).
    """
    if intervals < 1:
        raise InvalidInput(f"intervals must be 1 or more, got {intervals}")
    buckets = len(options.abandon_buckets) + 1
    if counts.abandon_histogram and len(counts.abandon_histogram) != buckets:
        raise InvalidInput(
            f"abandon histogram has {len(counts.abandon_histogram)} buckets but the options' "
            f"{len(options.abandon_buckets)} edges make {buckets}"
        )
    histogram = list(counts.abandon_histogram) or [0] * buckets
    agent_time = (counts.agents if agent_intervals is None else agent_intervals) * options.interval_s
    if options.sl_formula == "offered":
        sl_base = counts.answered + counts.abandoned
    elif options.sl_formula == "answered":
        sl_base = counts.answered
    else:
        sl_base = counts.answered + counts.abandoned - counts.short_abandoned
    aht = _ratio(counts.handle_s_sum, counts.handled)

    required: int | None = None
    erlang_sl: float | None = None
    if aht:  # None or 0: no handle time to size on
        volume = counts.offered / intervals
        required = agents_needed(volume, aht, options.interval_s, options.target).agents
        staff = counts.agents if agent_intervals is None else math.floor(agent_intervals / intervals + 0.5)
        if staff > 0:
            erlang_sl = evaluate_staffing(
                volume, aht, options.interval_s, staff, options.target
            ).service_level

    return IntervalKpis(
        start=counts.start,
        end=end or counts.start + timedelta(minutes=options.interval_minutes),
        queue=counts.queue,
        offered=counts.offered,
        answered=counts.answered,
        abandoned=counts.abandoned,
        short_abandoned=counts.short_abandoned,
        blocked=counts.blocked,
        answered_within_target=counts.answered_within_target,
        wait_answered_s=counts.wait_answered_s,
        handle_s_sum=counts.handle_s_sum,
        handled=counts.handled,
        agents=counts.agents,
        abandon_histogram=histogram,
        abandon_rate=_ratio(counts.abandoned, counts.offered),
        asa_s=_ratio(counts.wait_answered_s, counts.answered),
        service_level=_ratio(counts.answered_within_target, sl_base),
        aht_s=aht,
        occupancy=_ratio(counts.handle_s_sum, agent_time),
        required_agents=required,
        erlang_service_level=erlang_sl,
    )


def interval_kpis(
    records: Iterable[AcdRecord], options: KpiOptions, *, by_queue: bool = False
) -> list[IntervalKpis]:
    """KPIs per interval (and per queue with ``by_queue``), ordered by start then queue."""
    return [kpis_from_counts(c, options) for c in count_intervals(records, options, by_queue=by_queue)]


def total_kpis(records: Iterable[AcdRecord], options: KpiOptions) -> IntervalKpis:
    """One row over all records (queue None): summed counts, overall ratios, Erlang on the average interval.

    The average interval is over the intervals that have records; ``agents`` is the distinct agents of the
    whole period, while occupancy and the Erlang staff use each interval's own agent count.
    """
    records = list(records)
    per_interval = count_intervals(records, options)
    if not per_interval:
        raise InvalidInput("no ACD records to summarise: import an ACD CSV or widen the date range")
    total = IntervalCounts(
        start=per_interval[0].start, queue=None, abandon_histogram=[0] * (len(options.abandon_buckets) + 1)
    )
    for c in per_interval:
        total.offered += c.offered
        total.answered += c.answered
        total.abandoned += c.abandoned
        total.short_abandoned += c.short_abandoned
        total.blocked += c.blocked
        total.answered_within_target += c.answered_within_target
        total.wait_answered_s += c.wait_answered_s
        total.handle_s_sum += c.handle_s_sum
        total.handled += c.handled
        total.abandon_histogram = [
            a + b for a, b in zip(total.abandon_histogram, c.abandon_histogram, strict=True)
        ]
    total.agents = len(
        {r.agent_id for r in records if r.answered_at is not None and not r.blocked and r.agent_id}
    )
    return kpis_from_counts(
        total,
        options,
        intervals=len(per_interval),
        agent_intervals=sum(c.agents for c in per_interval),
        end=per_interval[-1].start + timedelta(minutes=options.interval_minutes),
    )
