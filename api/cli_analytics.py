"""``callscope analytics …``, ``callscope acd …`` and ``callscope report``: the manager's figures in the
terminal, generated history, ACD import, and the weekly HTML report. Thin over the services."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.console import cli_runtime, console, handle_errors, progress_bar

__all__ = ["acd_app", "analytics_app", "register"]

analytics_app = typer.Typer(
    help="Manager analytics: trends, emerging topics, repeats, QA and conversation metrics.",
    no_args_is_help=True,
)
acd_app = typer.Typer(help="ACD contact records: import, service-level KPIs.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
Since = Annotated[
    str | None, typer.Option(help="Start (YYYY-MM-DD, UTC); default: 28 days before the newest call.")
]
Until = Annotated[
    str | None, typer.Option(help="End, exclusive (YYYY-MM-DD); default: after the newest call.")
]
Granularity = Annotated[str, typer.Option(help="interval, day or week.")]


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}" if (value.hour, value.minute) == (0, 0) else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, float):
        if math.isinf(value):
            return "new"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, list):
        return ", ".join(_cell(v["item"] if isinstance(v, dict) and "item" in v else v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def print_figure(figure: Any, *, limit: int = 30) -> None:
    table = Table(title=figure.title, show_edge=False)
    for col in figure.columns:
        table.add_column(col, overflow="fold")
    for row in figure.rows[:limit]:
        table.add_row(*(_cell(row.get(c)) for c in figure.columns))
    console.print(table)
    if len(figure.rows) > limit:
        console.print(f"[dim]… {len(figure.rows) - limit} more rows (--json for all)[/]")
    for note in figure.notes:
        console.print(f"[dim]{note}[/]", highlight=False)


def _emit(figures: list[Any], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([f.to_dict() for f in figures]))
        return
    for f in figures:
        print_figure(f)


@analytics_app.command("show")
@handle_errors
def show(
    since: Since = None,
    until: Until = None,
    granularity: Granularity = "week",
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    agent: Annotated[str | None, typer.Option(help="Only this agent.")] = None,
    contact_type: Annotated[str | None, typer.Option(help="Only this type or group.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The period's overview, contact-type mix and its change, emerging topics, repeats, QA and
    conversation metrics by agent."""
    from api import analytics_service as svc

    rt = cli_runtime()
    view = svc.make_view(
        rt,
        since=since,
        until=until,
        granularity=granularity,
        queue=queue,
        team=team,
        agent=agent,
        contact_type=contact_type,
    )
    _emit(
        [
            svc.overview(rt, view),
            svc.contact_types(rt, view),
            svc.topics(rt, view),
            svc.repeats(rt, view, by="agent"),
            svc.qa_by(rt, view, by="agent"),
            svc.conversation(rt, view, by="agent"),
        ],
        as_json,
    )


@analytics_app.command("refresh")
@handle_errors
def refresh() -> None:
    """Rebuild every call's analytics facts, re-measure repeats and re-cluster emerging topics."""
    from api.analytics_facts import refresh_analytics

    rt = cli_runtime()
    with progress_bar("refreshing") as bar:
        task = bar.add_task("calls", total=None)
        result = refresh_analytics(
            rt, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    console.print(f"{result['calls']} calls, {result['repeats']} repeats, {result['topics']} topics")


def _history(seed: int, calls: int | None, start: str | None) -> Any:
    from analytics.synthetic import GeneratorOptions, generate_history

    options = GeneratorOptions(seed=seed)
    if start:
        from common.errors import InvalidInput

        try:
            options.start = date.fromisoformat(start)
        except ValueError:
            raise InvalidInput(f"--start {start!r} is not a date; use YYYY-MM-DD") from None
    return generate_history(options, scale_calls=calls)


Seed = Annotated[int, typer.Option(help="Random seed: the same seed makes the same history.")]
Calls = Annotated[int | None, typer.Option(help="About this many calls in all (default: ~80 a weekday).")]
Start = Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD; default 2026-03-02).")]


@analytics_app.command("generate")
@handle_errors
def generate(
    out: Annotated[Path, typer.Option(help="Folder for calls.jsonl and acd.csv.")],
    seed: Seed = 7,
    calls: Calls = None,
    start: Start = None,
) -> None:
    """Write a generated month of calls and ACD records with known trends (docs/generated-history.md)."""
    from analytics.synthetic import write_history

    history = _history(seed, calls, start)
    calls_path, acd_path = write_history(history, out)
    console.print(f"{len(history.calls)} calls → {calls_path}\n{len(history.acd)} ACD records → {acd_path}")


@analytics_app.command("seed")
@handle_errors
def seed_history(seed: Seed = 7, calls: Calls = None, start: Start = None) -> None:
    """Store a generated month of history (marked generated) so the dashboard has trends to show."""
    from api.analytics_history import store_history

    rt = cli_runtime()
    history = _history(seed, calls, start)
    with progress_bar("storing generated calls") as bar:
        task = bar.add_task("calls", total=len(history.calls))
        report = store_history(rt, history, progress=lambda n: bar.update(task, completed=n))
    console.print(
        f"stored {report.calls} generated calls ({report.skipped} already there), {report.acd} ACD records, "
        f"{report.topics} topics"
    )


@acd_app.command("import")
@handle_errors
def acd_import_cmd(path: Annotated[Path, typer.Argument(help="A CSV of ACD contact records.")]) -> None:
    """Import ACD contact records (docs/acd-records.md); a bad row stores nothing of the file."""
    from api.acd_import import import_acd_file

    r = import_acd_file(cli_runtime(), path)
    console.print(
        f"{r.records} records from {r.source}: {r.new} new, {r.replaced} replaced; "
        f"{r.linked_calls} stored calls linked"
    )


@acd_app.command("report")
@handle_errors
def acd_report(
    since: Since = None,
    until: Until = None,
    granularity: Granularity = "day",
    interval: Annotated[int, typer.Option(help="Interval minutes.")] = 30,
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    target: Annotated[str | None, typer.Option(help="Service-level target, e.g. 80/20.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Offered, answered, abandoned, ASA, service level, AHT, occupancy and Erlang C staffing."""
    from api import analytics_service as svc

    rt = cli_runtime()
    view = svc.make_view(
        rt, since=since, until=until, granularity=granularity, interval_minutes=interval, queue=queue
    )
    _emit([svc.service_level(rt, view, target=target)], as_json)


def report(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W10.")],
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("report.html"),
    queue: Annotated[str | None, typer.Option(help="Only this queue.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
) -> None:
    """The weekly manager report: one self-contained HTML file with its charts (readable offline)."""
    from api.weekly_report import write_weekly_report

    path = write_weekly_report(cli_runtime(), week, out, queue=queue, team=team)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    app.add_typer(analytics_app, name="analytics")
    app.add_typer(acd_app, name="acd")
    app.command("report")(handle_errors(report))
