"""``callscope staffing``: Erlang C agents needed for a volume, AHT and service-level target."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from analytics.erlang import (
    ServiceTarget,
    StaffingResult,
    agents_needed,
    evaluate_staffing,
    staffing_table,
)
from api.console import console, handle_errors

__all__ = ["register", "staffing"]


def _as_dict(r: StaffingResult) -> dict[str, Any]:
    # JSON has no infinity: an unreachable ASA (agents ≤ traffic) is written as null.
    return {
        "agents": r.agents,
        "traffic": r.traffic,
        "volume": r.volume,
        "aht_s": r.aht_s,
        "interval_s": r.interval_s,
        "probability_wait": r.probability_wait,
        "service_level": r.service_level,
        "asa_s": r.asa_s if math.isfinite(r.asa_s) else None,
        "occupancy": r.occupancy,
        "target": str(r.target),
        "meets_target": r.meets_target,
    }


def _asa(r: StaffingResult) -> str:
    return f"{r.asa_s:.1f} s" if math.isfinite(r.asa_s) else "never (queue grows)"


def _print_result(r: StaffingResult, indent: str) -> None:
    console.print(
        f"{indent}service level   {r.service_level:.1%} within {r.target.seconds:g} s", highlight=False
    )
    console.print(f"{indent}ASA             {_asa(r)}", highlight=False)
    console.print(f"{indent}occupancy       {r.occupancy:.1%}", highlight=False)
    console.print(f"{indent}wait chance     {r.probability_wait:.1%}", highlight=False)


def staffing(
    volume: Annotated[float, typer.Option(help="Contacts offered in one interval.")],
    aht: Annotated[float, typer.Option(help="Average handle time in seconds (talk + hold + wrap-up).")],
    interval: Annotated[float, typer.Option(help="Interval length in minutes.")] = 30.0,
    target: Annotated[
        str, typer.Option(help="Service-level target PERCENT/SECONDS: 80/20 = 80% answered within 20 s.")
    ] = "80/20",
    agents: Annotated[int | None, typer.Option(help="Also show what this many agents would reach.")] = None,
    max_occupancy: Annotated[
        float | None, typer.Option(help="Staff so that occupancy stays at or below this (e.g. 0.85).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Agents needed to meet a service-level target (Erlang C), with service level, ASA and occupancy."""
    goal = ServiceTarget.parse(target)
    interval_s = interval * 60.0
    needed = agents_needed(volume, aht, interval_s, goal, max_occupancy=max_occupancy)
    given = None if agents is None else evaluate_staffing(volume, aht, interval_s, agents, goal)
    table = staffing_table(volume, aht, interval_s, goal, max_occupancy=max_occupancy)
    if as_json:
        out = {
            "needed": _as_dict(needed),
            "given": None if given is None else _as_dict(given),
            "table": [_as_dict(r) for r in table],
        }
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return

    cap = "" if max_occupancy is None else f", occupancy ≤ {max_occupancy:.0%}"
    console.print(
        f"traffic         {needed.traffic:.2f} Erlangs  ({volume:g} contacts × {aht:g} s / {interval:g} min)",
        highlight=False,
    )
    console.print(f"[bold]agents needed   {needed.agents}[/]  for {goal}{cap}", highlight=False)
    _print_result(needed, "  ")
    grid = Table(title=f"agents around the answer (target {goal})")
    for col in ("agents", "service level", "ASA", "occupancy", "wait chance", "meets"):
        grid.add_column(col, justify="right")
    for r in table:
        style = "bold" if r.agents == needed.agents else None
        grid.add_row(
            str(r.agents),
            f"{r.service_level:.1%}",
            _asa(r),
            f"{r.occupancy:.1%}",
            f"{r.probability_wait:.1%}",
            "yes" if r.meets_target else "no",
            style=style,
        )
    console.print(grid)
    if given is not None:
        verdict = "meets" if given.meets_target else "misses"
        console.print(f"with {given.agents} agents ({verdict} {goal})", highlight=False)
        _print_result(given, "  ")


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(staffing))
