"""Erlang C against textbook figures and an independent exact computation of the factorial formula."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from analytics.erlang import (
    ServiceTarget,
    agents_needed,
    erlang_c,
    evaluate_staffing,
    staffing_table,
)
from common.errors import InvalidInput

TARGET = ServiceTarget(80, 20)


def direct_erlang_c(agents: int, traffic: Fraction) -> float:
    """The textbook formula, exactly: (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    below = sum(traffic**k / math.factorial(k) for k in range(agents))
    return float(top / (below + top))


def test_direct_formula_gives_the_textbook_figures() -> None:
    # The classic example: 100 calls in 30 minutes at 180 s AHT = 100 × 180 / 1800 = 10 Erlangs.
    assert round(direct_erlang_c(13, Fraction(10)), 4) == 0.2853
    assert round(direct_erlang_c(14, Fraction(10)), 4) == 0.1741


def test_erlang_c_matches_the_classic_example() -> None:
    assert erlang_c(13, 10.0) == pytest.approx(direct_erlang_c(13, Fraction(10)), rel=1e-12)
    assert erlang_c(14, 10.0) == pytest.approx(direct_erlang_c(14, Fraction(10)), rel=1e-12)
    assert round(erlang_c(13, 10.0), 4) == 0.2853
    assert round(erlang_c(14, 10.0), 4) == 0.1741


def test_small_systems_match_closed_forms() -> None:
    # M/M/1: the probability of waiting is the utilisation A. M/M/2: C = A² / (2 + A).
    assert erlang_c(1, 0.6) == pytest.approx(0.6)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 1.5) == pytest.approx(1.5**2 / 3.5)


@pytest.mark.parametrize(
    ("agents", "traffic"), [(110, Fraction(100)), (230, Fraction(2205, 10)), (520, Fraction(500))]
)
def test_recursion_matches_the_exact_factorial_formula_for_large_traffic(
    agents: int, traffic: Fraction
) -> None:
    # Float factorial sums overflow long before 500 Erlangs (500**500 > 1e308); the recursion must not.
    assert erlang_c(agents, float(traffic)) == pytest.approx(direct_erlang_c(agents, traffic), rel=1e-9)


def test_staffing_for_the_classic_example() -> None:
    r13 = evaluate_staffing(100, 180, 1800, 13, TARGET)
    r14 = evaluate_staffing(100, 180, 1800, 14, TARGET)
    assert r13.traffic == pytest.approx(10.0)
    # SL = 1 − C·exp(−(N − A)·T/AHT): 1 − 0.2853·e^(−3·20/180) = 0.796; 1 − 0.1741·e^(−4·20/180) = 0.888.
    assert round(r13.service_level, 3) == 0.796 and not r13.meets_target
    assert round(r14.service_level, 3) == 0.888 and r14.meets_target
    # ASA = C·AHT/(N − A) = 0.1741 × 180 / 4 ≈ 7.8 s; occupancy = 10 / 14 = 71.4%.
    assert r14.asa_s == pytest.approx(0.17413 * 180 / 4, abs=1e-3)
    assert round(r14.asa_s, 1) == 7.8
    assert round(r14.occupancy, 3) == 0.714
    assert r14.probability_wait == pytest.approx(0.1741, abs=5e-5)

    needed = agents_needed(100, 180, 1800, TARGET)
    assert needed.agents == 14
    assert needed.service_level == pytest.approx(r14.service_level)


def test_occupancy_cap_adds_agents() -> None:
    # 10 / 15 = 66.7% > 65%, 10 / 16 = 62.5%: the cap, not the service level, decides.
    assert agents_needed(100, 180, 1800, TARGET, max_occupancy=0.65).agents == 16
    assert agents_needed(100, 180, 1800, TARGET, max_occupancy=0.9).agents == 14


def test_agents_needed_is_the_smallest_passing_count_for_hundreds_of_agents() -> None:
    # 3000 contacts × 300 s / 1800 s = 500 Erlangs.
    needed = agents_needed(3000, 300, 1800, TARGET)
    assert needed.traffic == pytest.approx(500)
    assert 500 < needed.agents < 560
    assert needed.service_level >= 0.8
    below = evaluate_staffing(3000, 300, 1800, needed.agents - 1, TARGET)
    assert below.service_level < 0.8 and not below.meets_target
    assert needed.probability_wait == pytest.approx(direct_erlang_c(needed.agents, Fraction(500)), rel=1e-9)


def test_unstable_queue_and_no_traffic() -> None:
    at_traffic = evaluate_staffing(100, 180, 1800, 10, TARGET)  # N = A: the queue never drains
    assert at_traffic.probability_wait == 1.0
    assert at_traffic.service_level == 0.0
    assert at_traffic.asa_s == math.inf
    assert at_traffic.occupancy == 1.0
    assert not at_traffic.meets_target
    assert erlang_c(3, 7.5) == 1.0

    none = agents_needed(0, 180, 1800, TARGET)
    assert (none.agents, none.service_level, none.traffic, none.asa_s) == (0, 1.0, 0.0, 0.0)
    assert none.meets_target
    assert erlang_c(5, 0.0) == 0.0


def test_staffing_table_surrounds_the_answer_and_keeps_n_above_traffic() -> None:
    assert [r.agents for r in staffing_table(100, 180, 1800, TARGET)] == [11, 12, 13, 14, 15, 16, 17]
    assert staffing_table(100, 180, 1800, TARGET, around=6)[0].agents == 11  # 10 would not be above A
    assert [r.agents for r in staffing_table(100, 180, 1800, TARGET, around=1)] == [13, 14, 15]
    levels = [r.service_level for r in staffing_table(100, 180, 1800, TARGET)]
    assert levels == sorted(levels)


def test_service_target_parsing() -> None:
    target = ServiceTarget.parse("80/20")
    assert (target.percent, target.seconds) == (80.0, 20.0)
    assert str(target) == "80/20"
    assert str(ServiceTarget.parse(" 90% / 15s ")) == "90/15"
    assert str(ServiceTarget.parse("92.5/30")) == "92.5/30"
    with pytest.raises(InvalidInput, match="PERCENT/SECONDS"):
        ServiceTarget.parse("80")
    with pytest.raises(InvalidInput, match="120% is out of range"):
        ServiceTarget.parse("120/20")
    with pytest.raises(InvalidInput, match="numbers"):
        ServiceTarget.parse("x/y")
    with pytest.raises(InvalidInput, match="-1 s is out of range"):
        ServiceTarget.parse("80/-1")


@pytest.mark.parametrize(
    ("volume", "aht", "interval", "message"),
    [(-1, 180, 1800, "volume"), (100, 0, 1800, "AHT"), (100, -5, 1800, "AHT"), (100, 180, 0, "interval")],
)
def test_bad_workloads_are_invalid_input(volume: float, aht: float, interval: float, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        agents_needed(volume, aht, interval, TARGET)
    with pytest.raises(InvalidInput, match=message):
        evaluate_staffing(volume, aht, interval, 10, TARGET)


def test_bad_agent_counts_and_caps_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="agents"):
        evaluate_staffing(100, 180, 1800, -1, TARGET)
    with pytest.raises(InvalidInput, match="max occupancy"):
        agents_needed(100, 180, 1800, TARGET, max_occupancy=1.5)
    with pytest.raises(InvalidInput, match="max occupancy"):
        agents_needed(100, 180, 1800, TARGET, max_occupancy=0)
