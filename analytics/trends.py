"""Time buckets and the trend rules the manager view applies to counts: change against the previous
period, surges inside a period, and the outliers among agents (who needs training on what)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from common.errors import InvalidInput

__all__ = [
    "Bucket",
    "Granularity",
    "Surge",
    "TrendOptions",
    "bucket_start",
    "buckets",
    "change",
    "find_surge",
    "outlier_rate",
]

Granularity = Literal["interval", "day", "week"]


@dataclass(slots=True)
class TrendOptions:
    """When a count is worth a manager's attention."""

    #: a bucket surges when its daily rate is at least this many times the median of the others
    surge_ratio: float = 1.6
    #: ... and it holds at least this many calls (small counts swing by chance)
    min_count: int = 8
    #: an agent's rate is an outlier at this many times the overall rate ...
    outlier_ratio: float = 1.5
    #: ... or this far above it (absolute), whichever is larger, with at least this many calls
    outlier_margin: float = 0.10
    outlier_min_calls: int = 10


@dataclass(slots=True)
class Bucket:
    """``[start, end)`` clipped to the period, so a drill-down on it lists exactly its calls."""

    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _step(granularity: Granularity, interval_minutes: int) -> timedelta:
    return {"week": timedelta(days=7), "day": timedelta(days=1)}.get(
        granularity, timedelta(minutes=interval_minutes)
    )


def bucket_start(t: datetime, granularity: Granularity, interval_minutes: int = 30) -> datetime:
    """The start of the bucket holding ``t`` (UTC midnight, ISO Monday, or the interval since the
    epoch): what SQL's bucket expression gives for the same time."""
    t = _utc(t)
    if granularity == "week":
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=day.weekday())
    if granularity == "day":
        return t.replace(hour=0, minute=0, second=0, microsecond=0)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    step = _step(granularity, interval_minutes)
    return epoch + step * ((t - epoch) // step)


def buckets(
    since: datetime,
    until: datetime,
    granularity: Granularity,
    *,
    interval_minutes: int = 30,
    limit: int = 5000,
) -> list[Bucket]:
    """The buckets covering ``[since, until)`` in UTC, aligned to midnight, Monday or the interval."""
    since, until = _utc(since), _utc(until)
    if until <= since:
        raise InvalidInput(f"the period is empty: until ({until:%Y-%m-%d %H:%M}) is not after since")
    if granularity not in ("interval", "day", "week"):
        raise InvalidInput(f"granularity {granularity!r}: use interval, day or week")
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise InvalidInput(f"interval of {interval_minutes} minutes: use a divisor of a day (15, 30, 60 ...)")
    step = _step(granularity, interval_minutes)
    if (until - since) / step > limit:
        raise InvalidInput(
            f"{granularity} buckets over {until - since} would be more than {limit}; "
            "choose a coarser granularity or a shorter period"
        )
    out: list[Bucket] = []
    start = bucket_start(since, granularity, interval_minutes)
    while start < until:
        out.append(Bucket(max(start, since), min(start + step, until)))
        start += step
    return out


def change(current: float, previous: float) -> float | None:
    """Relative change (0.5 = up 50%); None when there is nothing to compare with."""
    if previous <= 0:
        return None if current <= 0 else math.inf
    return current / previous - 1.0


@dataclass(slots=True)
class Surge:
    bucket: int  # index of the bucket
    ratio: float  # its daily rate over the median daily rate of the other buckets
    count: int


def find_surge(
    counts: Sequence[int], days: Sequence[float], options: TrendOptions | None = None
) -> Surge | None:
    """The bucket whose daily rate stands furthest above the others', if it surges (``TrendOptions``).
    Rates per day, so a partial first or last bucket is compared fairly."""
    o = options or TrendOptions()
    if len(counts) < 3:
        return None
    rates = [c / d if d > 0 else 0.0 for c, d in zip(counts, days, strict=True)]
    best: Surge | None = None
    for i, (c, r) in enumerate(zip(counts, rates, strict=True)):
        base = statistics.median(rates[:i] + rates[i + 1 :])
        if c < o.min_count:
            continue
        ratio = r / base if base > 0 else math.inf
        if ratio >= o.surge_ratio and (best is None or ratio > best.ratio):
            best = Surge(i, ratio, int(c))
    return best


def outlier_rate(
    rate: float | None, overall: float | None, calls: int, options: TrendOptions | None = None
) -> bool:
    """Whether one agent's (team's, queue's) rate of something bad stands out from the overall rate
    (never when either rate is unknown)."""
    o = options or TrendOptions()
    if (
        rate is None
        or overall is None
        or calls < o.outlier_min_calls
        or math.isnan(rate)
        or math.isnan(overall)
    ):
        return False
    return rate >= max(overall * o.outlier_ratio, overall + o.outlier_margin)
