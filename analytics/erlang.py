"""Erlang C staffing: how many agents a queue needs to answer a share of contacts within a target time.

Traffic A (Erlangs) = volume × AHT / interval length. With N agents the probability that an arriving
contact waits is Erlang C, computed from Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))
and C = N·B / (N − A·(1 − B)); unlike the textbook factorial sums it neither overflows nor loses precision
for hundreds of agents. Service level within T seconds is 1 − C·exp(−(N − A)·T / AHT), ASA is C·AHT / (N − A)
and occupancy A / N.

With N ≤ A the queue is unstable (it grows without bound), so every contact waits: probability of waiting
1.0, service level 0.0, ASA infinite (``math.inf``) and occupancy 1.0. With no traffic nobody waits:
probability 0.0, service level 1.0, ASA 0.0 and occupancy 0.0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from common.errors import InvalidInput

__all__ = [
    "MAX_ERLANGS",
    "ServiceTarget",
    "StaffingResult",
    "agents_needed",
    "erlang_c",
    "evaluate_staffing",
    "staffing_table",
]

# Float noise must not turn an exactly met target (e.g. a computed 0.8 against 80%) into a miss.
_EPS = 1e-12


@dataclass(slots=True, frozen=True)
class ServiceTarget:
    """A service-level goal: ``percent`` of contacts answered within ``seconds`` (written "80/20")."""

    percent: float
    seconds: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.percent) and 0 < self.percent < 100):
            raise InvalidInput(
                f"service-level target {self.percent:g}% is out of range: give a percent above 0 and "
                "below 100 (no finite staff answers every contact within the time)"
            )
        if not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise InvalidInput(
                f"service-level target time {self.seconds:g} s is out of range: give 0 or more seconds"
            )

    @classmethod
    def parse(cls, text: str) -> ServiceTarget:
        """Read "PERCENT/SECONDS", e.g. "80/20" = 80% of contacts answered within 20 seconds."""
        parts = text.strip().split("/")
        if len(parts) != 2:
            raise InvalidInput(
                f"service-level target '{text}' is not PERCENT/SECONDS: write it like 80/20 "
                "(80% of contacts answered within 20 seconds)"
            )
        try:
            percent, seconds = float(parts[0].strip().rstrip("%")), float(parts[1].strip().rstrip("s"))
        except ValueError:
            raise InvalidInput(
                f"service-level target '{text}' is not PERCENT/SECONDS with numbers: write it like 80/20"
            ) from None
        return cls(percent, seconds)

    @property
    def fraction(self) -> float:
        """The percent as a fraction 0..1."""
        return self.percent / 100.0

    def __str__(self) -> str:
        return f"{self.percent:g}/{self.seconds:g}"


@dataclass(slots=True)
class StaffingResult:
    """What ``agents`` agents reach for one interval's volume and AHT (module docstring: the N ≤ A case)."""

    volume: float  # contacts offered in the interval
    aht_s: float  # average handle time, seconds
    interval_s: float  # interval length, seconds
    traffic: float  # Erlangs: volume · aht / interval
    agents: int
    probability_wait: float  # Erlang C: probability that a contact waits at all
    service_level: float  # fraction 0..1 answered within target.seconds
    asa_s: float  # average speed of answer over all contacts, seconds (inf when agents ≤ traffic)
    occupancy: float  # traffic / agents, 0..1
    target: ServiceTarget
    meets_target: bool


def _check_number(name: str, value: float, *, positive: bool) -> None:
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number, got {value}")
    if positive and value <= 0:
        raise InvalidInput(f"{name} must be greater than 0, got {value:g}")
    if not positive and value < 0:
        raise InvalidInput(f"{name} must be 0 or more, got {value:g}")


#: The most traffic staffing is computed for: the search walks agent counts one by one, so an absurd
#: volume (a typo, a unit mix-up) would otherwise run for hours.
MAX_ERLANGS = 100_000


def _check_inputs(volume: float, aht_s: float, interval_s: float) -> float:
    """Validate the workload and return its traffic in Erlangs."""
    _check_number("volume (contacts per interval)", volume, positive=False)
    _check_number("AHT (seconds)", aht_s, positive=True)
    _check_number("interval length (seconds)", interval_s, positive=True)
    traffic = volume * aht_s / interval_s
    if not traffic <= MAX_ERLANGS:
        raise InvalidInput(
            f"volume {volume:g} × AHT {aht_s:g} s over {interval_s:g} s is {traffic:.3g} Erlangs of traffic; "
            f"staffing is computed up to {MAX_ERLANGS:,}: check the volume, AHT and interval"
        )
    return traffic


def _erlang_b_step(n: int, traffic: float, b_prev: float) -> float:
    return traffic * b_prev / (n + traffic * b_prev)


def _c_from_b(agents: int, traffic: float, b: float) -> float:
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that an arriving contact waits, with ``agents`` agents and ``traffic`` Erlangs.

    1.0 when agents ≤ traffic (the queue never drains); 0.0 when there is no traffic and at least one agent.
    """
    if agents < 0:
        raise InvalidInput(f"agents must be 0 or more, got {agents}")
    _check_number("traffic (Erlangs)", traffic, positive=False)
    if agents <= traffic:
        return 1.0
    if traffic == 0:
        return 0.0
    b = 1.0
    for n in range(1, agents + 1):
        b = _erlang_b_step(n, traffic, b)
    return _c_from_b(agents, traffic, b)


def _result(
    volume: float,
    aht_s: float,
    interval_s: float,
    traffic: float,
    agents: int,
    c: float,
    target: ServiceTarget,
) -> StaffingResult:
    if traffic == 0:
        sl, asa, occupancy = 1.0, 0.0, 0.0
    elif agents <= traffic:
        sl, asa, occupancy = 0.0, math.inf, 1.0
    else:
        spare = agents - traffic
        sl = 1.0 - c * math.exp(-spare * target.seconds / aht_s)
        asa, occupancy = c * aht_s / spare, traffic / agents
    return StaffingResult(
        volume=volume,
        aht_s=aht_s,
        interval_s=interval_s,
        traffic=traffic,
        agents=agents,
        probability_wait=c,
        service_level=sl,
        asa_s=asa,
        occupancy=occupancy,
        target=target,
        meets_target=sl >= target.fraction - _EPS,
    )


def evaluate_staffing(
    volume: float, aht_s: float, interval_s: float, agents: int, target: ServiceTarget
) -> StaffingResult:
    """Service level, ASA and occupancy that ``agents`` agents reach for ``volume`` contacts per interval."""
    traffic = _check_inputs(volume, aht_s, interval_s)
    if agents < 0:
        raise InvalidInput(f"agents must be 0 or more, got {agents}")
    return _result(volume, aht_s, interval_s, traffic, agents, erlang_c(agents, traffic), target)


def agents_needed(
    volume: float,
    aht_s: float,
    interval_s: float,
    target: ServiceTarget,
    *,
    max_occupancy: float | None = None,
) -> StaffingResult:
    """The fewest agents (N > traffic) that meet ``target`` and keep occupancy ≤ ``max_occupancy``.

    No volume needs no agents (service level 1.0). The search walks N upwards carrying the Erlang B
    recursion along, so it costs O(N) however far the answer lies above the traffic.
    """
    traffic = _check_inputs(volume, aht_s, interval_s)
    if max_occupancy is not None and not (math.isfinite(max_occupancy) and 0 < max_occupancy <= 1):
        raise InvalidInput(f"max occupancy must be above 0 and at most 1 (e.g. 0.85), got {max_occupancy}")
    if traffic == 0:
        return _result(volume, aht_s, interval_s, traffic, 0, 0.0, target)
    b, n = 1.0, 0
    while True:
        n += 1
        b = _erlang_b_step(n, traffic, b)
        if n <= traffic:
            continue
        result = _result(volume, aht_s, interval_s, traffic, n, _c_from_b(n, traffic, b), target)
        # Service level rises and occupancy falls with N, so the first N that passes both is the answer.
        if result.meets_target and (max_occupancy is None or result.occupancy <= max_occupancy + _EPS):
            return result


def staffing_table(
    volume: float,
    aht_s: float,
    interval_s: float,
    target: ServiceTarget,
    around: int = 3,
    *,
    max_occupancy: float | None = None,
) -> list[StaffingResult]:
    """Results for N from needed − ``around`` to needed + ``around`` (only N > traffic), for context."""
    if around < 0:
        raise InvalidInput(f"around must be 0 or more, got {around}")
    needed = agents_needed(volume, aht_s, interval_s, target, max_occupancy=max_occupancy)
    first = max(needed.agents - around, math.floor(needed.traffic) + 1)
    return [
        evaluate_staffing(volume, aht_s, interval_s, n, target)
        for n in range(first, needed.agents + around + 1)
    ]
