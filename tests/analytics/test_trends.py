"""Buckets and the trend rules: alignment and clipping, surges on daily rates, outliers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from analytics.trends import TrendOptions, bucket_start, buckets, change, find_surge, outlier_rate
from common.errors import InvalidInput


def t(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_weeks_start_on_monday_and_are_clipped_to_the_period() -> None:
    # 2026-03-04 is a Wednesday: the first week bucket starts there, the next on Monday the 9th.
    bs = buckets(t(4), t(18), "week")
    assert [(b.start, b.end) for b in bs] == [(t(4), t(9)), (t(9), t(16)), (t(16), t(18))]
    assert [b.days for b in bs] == [5.0, 7.0, 2.0]
    assert bucket_start(t(11, 15), "week") == t(9)


def test_days_and_intervals() -> None:
    assert len(buckets(t(2), t(4), "day")) == 2
    bs = buckets(t(2, 9, 10), t(2, 10, 30), "interval", interval_minutes=30)
    assert [b.start for b in bs] == [t(2, 9, 10), t(2, 9, 30), t(2, 10)]
    assert bucket_start(t(2, 10, 29), "interval", 30) == t(2, 10) and bucket_start(
        t(2, 10, 30), "interval"
    ) == t(2, 10, 30)


def test_bad_periods_are_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        buckets(t(5), t(5), "day")
    with pytest.raises(InvalidInput, match="granularity"):
        buckets(t(1), t(5), "month")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="divisor of a day"):
        buckets(t(1), t(2), "interval", interval_minutes=7)
    with pytest.raises(InvalidInput, match="coarser"):
        buckets(datetime(2025, 1, 1, tzinfo=UTC), t(1), "interval", interval_minutes=15)


def test_a_doubled_week_surges_and_a_flat_series_does_not() -> None:
    days = [7.0, 7.0, 7.0, 7.0]
    surge = find_surge([20, 21, 42, 22], days)
    assert surge is not None and surge.bucket == 2 and surge.ratio == pytest.approx(2.0)
    assert find_surge([20, 24, 21, 19], days) is None
    assert find_surge([2, 1, 4, 1], days) is None  # too few calls to be news
    # Rates per day: a 2-day partial week with 12 calls is 6/day against 3/day elsewhere.
    partial = find_surge([21, 21, 21, 12], [7.0, 7.0, 7.0, 2.0], TrendOptions(min_count=5))
    assert partial is not None and partial.bucket == 3 and partial.ratio == pytest.approx(2.0)


def test_change_and_outliers() -> None:
    assert change(15, 10) == pytest.approx(0.5) and change(0, 0) is None and math.isinf(change(3, 0) or 0)
    assert outlier_rate(0.30, 0.15, 100)
    assert not outlier_rate(0.20, 0.15, 100)  # 1.33× and 5 points: within the spread
    assert not outlier_rate(0.30, 0.15, 5)  # too few calls
    assert not outlier_rate(None, 0.15, 100) and not outlier_rate(0.3, float("nan"), 100)
    # Rare events need the absolute margin too: 2% against 1% is not a training need.
    assert not outlier_rate(0.02, 0.01, 500)
