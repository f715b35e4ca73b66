"""Service-level KPIs on a handmade day, every expected figure worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from analytics.acd import AcdRecord
from analytics.erlang import ServiceTarget
from analytics.service_level import (
    IntervalCounts,
    KpiOptions,
    count_intervals,
    interval_kpis,
    kpis_from_counts,
    total_kpis,
)
from common.errors import InvalidInput


def at(hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2026, 3, 2, h, m, s, tzinfo=UTC)


def answered(queue: str, offered: str, wait_s: int, handle_s: float | None, agent: str) -> AcdRecord:
    return AcdRecord(
        queue,
        at(offered),
        answered_at=at(offered) + timedelta(seconds=wait_s),
        handle_s=handle_s,
        agent_id=agent,
    )


def abandoned(queue: str, offered: str, after_s: int) -> AcdRecord:
    return AcdRecord(queue, at(offered), abandoned_at=at(offered) + timedelta(seconds=after_s))


RECORDS = [
    # 10:00–10:30
    answered("billing", "10:00:00", 15, 300, "a1"),
    answered("billing", "10:05:00", 40, 200, "a2"),
    abandoned("billing", "10:10:00", 5),  # short abandon, histogram bucket [0, 10]
    answered("tech", "10:12:00", 20, 400, "a1"),  # exactly 20 s: within the 80/20 target
    abandoned("tech", "10:15:00", 45),  # bucket (30, 60]
    AcdRecord("tech", at("10:20:00"), blocked=True),
    answered("billing", "10:29:59", 10, None, "a3"),  # last second of 10:00; no handle time
    # 10:30–11:00
    abandoned(
        "billing", "10:30:00", 10
    ),  # first second of 10:30; 10 s exactly is still short, bucket [0, 10]
    answered("tech", "10:31:00", 5, 100, "a2"),
    abandoned("billing", "10:40:00", 200),  # bucket (120, ∞)
]


def test_counts_per_interval_and_the_boundary() -> None:
    first, second = count_intervals(RECORDS, KpiOptions())
    assert first.start == at("10:00:00") and first.queue is None
    assert second.start == at("10:30:00")
    # 10:00: answered at 10:00, 10:05, 10:12, 10:29:59 = 4; abandoned 10:10, 10:15 = 2; offered 4 + 2 = 6.
    assert (first.offered, first.answered, first.abandoned, first.blocked) == (6, 4, 2, 1)
    assert first.short_abandoned == 1  # the 5 s one; 45 s is not ≤ 10 s
    assert first.answered_within_target == 3  # waits 15, 40, 20, 10: three are ≤ 20
    assert first.wait_answered_s == 85  # 15 + 40 + 20 + 10
    assert (first.handle_s_sum, first.handled) == (900, 3)  # 300 + 200 + 400; the 10:29:59 one has none
    assert first.agents == 3  # a1, a2, a3
    assert first.abandon_histogram == [1, 0, 1, 0, 0]  # 5 s in [0, 10], 45 s in (30, 60]
    # 10:30: abandons 10 s and 200 s, one answer after 5 s.
    assert (second.offered, second.answered, second.abandoned, second.short_abandoned) == (3, 1, 2, 1)
    assert second.abandon_histogram == [1, 0, 0, 0, 1]
    assert second.agents == 1


def test_kpis_of_one_interval() -> None:
    k = interval_kpis(RECORDS, KpiOptions())[0]
    assert (k.start, k.end) == (at("10:00:00"), at("10:30:00"))
    assert k.abandon_rate == pytest.approx(2 / 6)  # 2 abandoned of 6 offered
    assert k.asa_s == pytest.approx(21.25)  # 85 s / 4 answered
    assert k.service_level == pytest.approx(0.5)  # offered formula: 3 / (4 + 2)
    assert k.aht_s == pytest.approx(300)  # 900 s / 3 handled
    assert k.occupancy == pytest.approx(900 / (3 * 1800))  # 0.1667: 900 s over 3 agents × 1800 s
    # Erlang: 6 contacts × 300 s / 1800 s = 1 Erlang. N = 2: C = A²/(2+A) = 1/3,
    # SL = 1 − ⅓·e^(−1·20/300) = 0.688 misses; N = 3: B1 = ½, B2 = 0.5/2.5 = 0.2, B3 = 0.2/3.2 = 0.0625,
    # C = 3·0.0625/(3 − 0.9375) = 1/11, SL = 1 − (1/11)·e^(−2·20/300) = 0.920 (also what the 3 agents reach).
    assert k.required_agents == 3
    assert k.erlang_service_level == pytest.approx(1 - (1 / 11) * math.exp(-40 / 300))
    assert round(k.erlang_service_level, 3) == 0.920  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("formula", "first", "second"),
    [
        ("offered", 3 / 6, 1 / 3),  # within / (answered + abandoned): 3/(4+2); 1/(1+2)
        ("answered", 3 / 4, 1 / 1),  # within / answered
        ("exclude_short_abandons", 3 / 5, 1 / 2),  # within / (offered − short): 3/(6−1); 1/(3−1)
    ],
)
def test_service_level_formulas(formula: str, first: float, second: float) -> None:
    options = KpiOptions(sl_formula=formula)  # type: ignore[arg-type]
    k1, k2 = interval_kpis(RECORDS, options)
    assert k1.service_level == pytest.approx(first)
    assert k2.service_level == pytest.approx(second)


def test_thresholds_come_from_the_options() -> None:
    options = KpiOptions(target=ServiceTarget(80, 15), short_abandon_s=4.0, abandon_buckets=(5, 50))
    first = count_intervals(RECORDS, options)[0]
    assert first.answered_within_target == 2  # waits 15 and 10 are ≤ 15; 20 and 40 are not
    assert first.short_abandoned == 0  # 5 s > 4 s
    assert first.abandon_histogram == [1, 1, 0]  # 5 s in [0, 5], 45 s in (5, 50]


def test_by_queue() -> None:
    rows = {(c.start, c.queue): c for c in count_intervals(RECORDS, KpiOptions(), by_queue=True)}
    assert list(rows) == [
        (at("10:00:00"), "billing"),
        (at("10:00:00"), "tech"),
        (at("10:30:00"), "billing"),
        (at("10:30:00"), "tech"),
    ]
    billing = rows[(at("10:00:00"), "billing")]
    # billing 10:00: answered after 15, 40, 10 s; abandoned after 5 s.
    assert (billing.offered, billing.answered, billing.abandoned, billing.answered_within_target) == (
        4,
        3,
        1,
        2,
    )
    assert billing.agents == 3 and billing.handle_s_sum == 500
    tech = rows[(at("10:00:00"), "tech")]
    assert (tech.offered, tech.answered, tech.abandoned, tech.blocked) == (2, 1, 1, 1)
    kpis = interval_kpis(RECORDS, KpiOptions(), by_queue=True)
    assert kpis[0].queue == "billing"
    assert kpis[0].service_level == pytest.approx(2 / 4)
    assert kpis[1].abandon_rate == pytest.approx(1 / 2)
    assert kpis[2].asa_s is None and kpis[2].aht_s is None  # billing 10:30: only abandons
    assert kpis[2].required_agents is None and kpis[2].occupancy is None


def test_total_kpis() -> None:
    t = total_kpis(RECORDS, KpiOptions())
    assert (t.start, t.end, t.queue) == (at("10:00:00"), at("11:00:00"), None)
    assert (t.offered, t.answered, t.abandoned, t.short_abandoned, t.blocked) == (9, 5, 4, 2, 1)
    assert t.abandon_histogram == [2, 0, 1, 0, 1]
    assert t.abandon_rate == pytest.approx(4 / 9)
    assert t.asa_s == pytest.approx(90 / 5)  # (85 + 5) s / 5 answered
    assert t.service_level == pytest.approx(4 / 9)  # (3 + 1) within / 9 offered
    assert t.aht_s == pytest.approx(250)  # (900 + 100) s / 4 handled
    assert t.agents == 3  # a1, a2, a3 over the whole period
    assert t.occupancy == pytest.approx(1000 / (4 * 1800))  # agent-intervals 3 + 1
    # Average interval: 9 / 2 = 4.5 contacts × 250 s / 1800 s = 0.625 Erlangs; 4 / 2 = 2 agents.
    # N = 1: C = A = 0.625, SL = 1 − 0.625·e^(−0.375·20/250) = 0.393; N = 2: C = A²/(2 + A) = 0.1488,
    # SL = 1 − 0.1488·e^(−1.375·20/250) = 0.867.
    assert t.required_agents == 2
    assert t.erlang_service_level == pytest.approx(1 - 0.625**2 / 2.625 * math.exp(-1.375 * 20 / 250))
    with pytest.raises(InvalidInput, match="no ACD records"):
        total_kpis([], KpiOptions())


def test_alignment_is_from_midnight_utc() -> None:
    cet = timezone(timedelta(hours=1))
    records = [
        AcdRecord("q", datetime(2026, 3, 2, 11, 29, 59, tzinfo=cet), blocked=True),  # 10:29:59 UTC
        AcdRecord("q", datetime(2026, 3, 2, 10, 30), blocked=True),  # naive = UTC
        AcdRecord("q", datetime(2026, 3, 2, 10, 44, 59, tzinfo=UTC), blocked=True),
        AcdRecord("q", datetime(2026, 3, 2, 10, 45, tzinfo=UTC), blocked=True),
    ]
    assert [c.start for c in count_intervals(records, KpiOptions())] == [at("10:00:00"), at("10:30:00")]
    assert [(c.start, c.blocked) for c in count_intervals(records, KpiOptions(interval_minutes=15))] == [
        (at("10:15:00"), 1),
        (at("10:30:00"), 2),
        (at("10:45:00"), 1),
    ]


def test_kpis_from_sql_style_counts() -> None:
    counts = IntervalCounts(start=at("09:00:00"), queue="billing", offered=100, answered=90, abandoned=10)
    counts = replace(counts, answered_within_target=72, wait_answered_s=1800, handle_s_sum=16200, handled=90)
    counts.agents = 12
    k = kpis_from_counts(counts, KpiOptions())
    assert k.abandon_histogram == [0, 0, 0, 0, 0]  # not counted: reported as empty buckets
    assert k.service_level == pytest.approx(0.72)
    assert k.asa_s == pytest.approx(20)
    assert k.aht_s == pytest.approx(180)
    assert k.occupancy == pytest.approx(16200 / (12 * 1800))  # 0.75
    # 100 × 180 / 1800 = 10 Erlangs: the textbook 14 agents; 12 agents reach 64.0%.
    assert k.required_agents == 14
    assert round(k.erlang_service_level, 3) == 0.640  # type: ignore[arg-type]

    empty = kpis_from_counts(IntervalCounts(start=at("09:00:00"), queue=None, blocked=3), KpiOptions())
    assert (empty.abandon_rate, empty.asa_s, empty.service_level, empty.aht_s, empty.occupancy) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert empty.required_agents is None and empty.erlang_service_level is None
    with pytest.raises(InvalidInput, match="abandon histogram has 2 buckets"):
        kpis_from_counts(replace(counts, abandon_histogram=[1, 2]), KpiOptions())


def test_bad_options() -> None:
    with pytest.raises(InvalidInput, match="does not divide a day"):
        KpiOptions(interval_minutes=7)
    with pytest.raises(InvalidInput, match="unknown service-level formula"):
        KpiOptions(sl_formula="abandoned")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="abandon_buckets"):
        KpiOptions(abandon_buckets=(30, 10))
